"""The query library: every query answers what the seeds say and refuses bad parameters with a clear message (that
it runs the same on the embedded store, an Oxigraph server and Virtuoso: tests/test_engines.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from rdflib import RDF, RDFS, Graph, Namespace, URIRef

from maillage.library import LibraryError, catalogue_graph, get_query, library
from maillage.sparql import QueryRefused, check_query
from tests.conftest import ID, run_query

SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
# Queries whose expected answers are tested in test_competency.py, test_backbone.py and test_coverage.py.
TESTED_ELSEWHERE = {"added_values", "communes_not_covered", "comparable_territories", "epci_not_covered", "population_covered",
                    "population_covered_by_departement", "communes_of_coordination", "coordination_members_by_role",
                    "participations_not_in_force",  # tests/test_periods.py
                    "entity_history",  # tests/test_contributions_revise.py (the seed has no correction)
                    # test_the_cards_in_every_language_are_each_language_s_rows_together below
                    "entity_summaries_all_languages", "entity_value_labels_all_languages",
                    "coordination_types_scale",
                    "experiences_of_capitalisation", "ottawa_axes", "regulatory_texts", "statistical_profile",
                    "territory_everything", "type_concluded_between", "types_with_mission", "types_with_theme"}


def short(value: str | None) -> str | None:
    return value[len(ID):] if value and value.startswith(ID) else value


def column(rows, name: str) -> list:
    return [short(row[name]) for row in rows]


# -- the whole library ----------------------------------------------------------------

def test_the_library_has_at_least_25_documented_queries():
    queries = library()
    assert len(queries) >= 25
    for query in queries.values():
        assert query.summary["fr"].endswith("?") and query.summary["en"].endswith("?"), query.name
        assert query.form == "SELECT" and query.tags, query.name
        for parameter in query.parameters:
            assert parameter.describe("fr") and parameter.describe("en"), (query.name, parameter.name)
            assert parameter.check or parameter.type != "iri", (query.name, parameter.name)


def test_every_query_has_a_test_on_its_expected_answer():
    tested = TESTED_ELSEWHERE | {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(library()) <= tested, sorted(set(library()) - tested)


# -- expected answers (seed data) -------------------------------------------------------------------

def test_actor_roles(seed_store):
    rows = run_query(seed_store, "actor_roles")
    assert [(short(r["coordination"]), r["role"]) for r in rows] == [
        ("coordination/asv-aix-en-provence", "comite-pilotage"), ("coordination/asv-aix-en-provence", "cosignataire"),
        ("coordination/asv-aix-en-provence", "porteur")]
    assert {r["source"] for r in rows} == {f"{ID}source/002"}
    assert run_query(seed_store, "actor_roles", actor="coordinatrice-asv-aix-en-provence")[0]["role"] == "coordonnateur"


def test_actors_in_territory(seed_store):
    rows = run_query(seed_store, "actors_in_territory")
    assert column(rows, "actor") == ["acteur/ares-aix-en-provence", "acteur/paej-aix-en-provence",
                                     "acteur/tremplin-aix-en-provence"]
    assert {r["coordinations"] for r in rows} == {"1"}
    # Found from the région too, through the nesting; an ARS based in the région, for its own kind.
    assert len(run_query(seed_store, "actors_in_territory", territory="region/93")) == 3
    ars = run_query(seed_store, "actors_in_territory", territory="region/93", kind="ars")
    assert column(ars, "actor") == ["acteur/ars-provence-alpes-cote-d-azur"]


def test_coordination_roles_summary(seed_store):
    rows = run_query(seed_store, "coordination_roles_summary")
    counts = {(r["role"], r["kind"]): int(r["actors"]) for r in rows}
    assert counts[("comite-pilotage", "elu")] == 2
    assert counts[("porteur", "commune")] == 1 and counts[("coordonnateur", "professionnel")] == 1
    assert {role for role, _ in counts} == {"porteur", "cosignataire", "comite-pilotage", "coordonnateur", "partenaire"}


def test_coordinations_by_determinant(seed_store):
    rows = run_query(seed_store, "coordinations_by_determinant")
    assert column(rows, "coordination") == ["coordination/asv-aubervilliers", "coordination/asv-eragny-sur-oise",
                                            "coordination/asv-strasbourg"]
    by_number = run_query(seed_store, "coordinations_by_determinant", determinant="4.1")  # by its notation
    assert column(by_number, "coordination") == ["coordination/asv-nanterre"]


def test_coordinations_by_ottawa_axis(seed_store):
    rows = run_query(seed_store, "coordinations_by_ottawa_axis")
    assert column(rows, "coordination") == [
        "coordination/asv-lyon", "coordination/asv-martigues-port-de-bouc", "coordination/asv-saint-nazaire",
        "coordination/asv-strasbourg", "coordination/asv-vallees-gier-ondaine-andrezieux-boutheon"]
    public_policy = run_query(seed_store, "coordinations_by_ottawa_axis", axis="1")  # by the axis' number
    assert column(public_policy, "coordination") == ["coordination/asv-clichy-sous-bois", "coordination/asv-lyon"]


def test_coordinations_by_theme(seed_store):
    rows = run_query(seed_store, "coordinations_by_theme")
    assert [(short(r["coordination"]), short(r["via"])) for r in rows] == [
        ("coordination/asv-aubervilliers", "experience/aubervilliers-bien-etre-psychique-jeune-enfant"),
        ("coordination/asv-strasbourg", "experience/strasbourg-sante-mentale-hopital-ville")]


def test_coordinations_by_type(seed_store):
    rows = run_query(seed_store, "coordinations_by_type")
    assert len({r["coordination"] for r in rows}) == 11
    assert [r["code"] for r in rows if "martigues" in r["coordination"]] == ["13056", "13077"]
    assert run_query(seed_store, "coordinations_by_type", coordinationType="CLSM") == []  # none known in the seeds


def test_coordinations_covering_commune(seed_store):
    rows = run_query(seed_store, "coordinations_covering_commune")  # Saint-Étienne, through its métropole
    assert [(short(r["coordination"]), short(r["through"])) for r in rows] == [
        ("coordination/asv-vallees-gier-ondaine-andrezieux-boutheon", "territoire/epci/244200770")]
    direct = run_query(seed_store, "coordinations_covering_commune", commune="13001")
    assert column(direct, "through") == ["territoire/commune/13001"]
    assert run_query(seed_store, "coordinations_covering_commune", commune="2A004") == []


def test_coordinations_in_territory(seed_store):
    rows = run_query(seed_store, "coordinations_in_territory")
    assert column(rows, "placeName") == ["Aix-en-Provence", "Martigues", "Port-de-Bouc"]
    assert len(run_query(seed_store, "coordinations_in_territory", territory="region/11")) == 4
    assert run_query(seed_store, "coordinations_in_territory", coordinationType="CLS") == []


def test_coordinations_per_region(seed_store):
    rows = run_query(seed_store, "coordinations_per_region")
    assert {(r["code"], r["type"], int(r["coordinations"])) for r in rows} == {
        ("11", "ASV", 4), ("44", "ASV", 1), ("52", "ASV", 1), ("84", "ASV", 2), ("93", "ASV", 3)}


def test_departements_without_coordination(seed_store):
    rows = run_query(seed_store, "departements_without_coordination")
    codes = {r["code"] for r in rows}
    assert codes.isdisjoint({"13", "93", "95", "69", "92", "42", "44", "67", "06"})  # where the seeds place ASV
    assert {"01", "2A", "2B", "971", "976", "38"} <= codes
    # 109 départements, 9 with a seed coordination (none is reached through a multi-département EPCI).
    assert len(codes) == len(rows) == 100
    assert len(run_query(seed_store, "departements_without_coordination", coordinationType="CLS")) == 109


def test_communes_without_coordination(seed_store):
    rows = run_query(seed_store, "communes_without_coordination")
    codes = [r["code"] for r in rows]
    assert len(codes) == 119 - 3 and not {"13001", "13056", "13077"} & set(codes)  # the Bouches-du-Rhône's 119
    assert rows[0]["name"] == "Marseille"  # most populated first
    # In the Loire, Saint-Étienne Métropole's communes are covered by its ASV, Roanne is not.
    loire = {r["code"] for r in run_query(seed_store, "communes_without_coordination", departement="42")}
    assert "42187" in loire and not {"42218", "42005"} & loire


def test_experiences_by_determinant(seed_store):
    rows = run_query(seed_store, "experiences_by_determinant")
    assert len({r["experience"] for r in rows}) == 8
    assert {r["source"] for r in rows} == {f"{ID}source/001", f"{ID}source/004"}


def test_experiences_by_ottawa_axis(seed_store):
    rows = run_query(seed_store, "experiences_by_ottawa_axis")
    assert column(rows, "experience") == [
        "experience/strasbourg-sante-mentale-hopital-ville", "experience/toulouse-centre-sante-autogere",
        "experience/nanterre-pouvoir-d-agir-nutrition", "experience/echirolles-village-2-sante"]


def test_experiences_by_theme(seed_store):
    rows = run_query(seed_store, "experiences_by_theme")
    assert column(rows, "carrier") == ["acteur/centre-sante-autogere-toulouse", "coordination/asv-nanterre",
                                       "acteur/village-2-sante"]


def test_experiences_in_territory(seed_store):
    rows = run_query(seed_store, "experiences_in_territory")
    assert column(rows, "place") == ["territoire/commune/42005", "territoire/epci/244200770",
                                     "territoire/commune/69123", "territoire/commune/38151"]
    assert set(rows[0]["themes"].split()) == {"formation-acteurs", "acces-aux-droits"}


def test_funders(seed_store):
    rows = run_query(seed_store, "funders")
    assert [(short(r["funder"]), r["how"]) for r in rows] == [
        ("acteur/ars", "financeur habituel"), ("acteur/cget", "financeur habituel")]
    assert run_query(seed_store, "funders", coordinationType="CMT") == []


def test_sources_of_entity(seed_store):
    rows = run_query(seed_store, "sources_of_entity")
    assert {short(r["graph"]) for r in rows} == {"graph/002"}
    assert {short(r["document"]) for r in rows} == {"source/002"}
    assert all(r["title"] and r["passage"] for r in rows)
    start = [r for r in rows if r["property"] == "https://schema.org/startDate"]
    assert [r["value"] for r in start] == ["2003-05"]
    commune = run_query(seed_store, "sources_of_entity", entity=f"{ID}territoire/commune/38151")
    graphs = {short(r["graph"]) for r in commune}
    assert graphs == {"graph/cog-insee", "graph/004"}  # the referential, and the seed that names the place
    assert {short(r["document"]) for r in commune if short(r["graph"]) == "graph/cog-insee"} == {"source/cog-insee"}


def test_statistics_by_indicator(seed_store):
    rows = run_query(seed_store, "statistics_by_indicator")
    assert [(Decimal(r["value"]), r["unit"], r["year"]) for r in rows] == [(Decimal(45), "%", "2012")]
    hours = run_query(seed_store, "statistics_by_indicator", indicator="heures-hebdomadaires")
    assert [Decimal(r["value"]) for r in hours] == [Decimal(25), Decimal(10)]
    assert {short(r["of"]) for r in hours} == {"acteur/village-2-sante"}


def test_themes_without_coordination(seed_store):
    rows = run_query(seed_store, "themes_without_coordination")
    codes = {r["code"] for r in rows}
    assert len(codes) == 18 - 2 and not {"acces-aux-droits", "formation-acteurs"} & codes  # Lyon, Saint-Étienne
    everything = run_query(seed_store, "themes_without_coordination", territory="region/28")  # no seed in Normandy
    assert len(everything) == 18


# -- parameters -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "params", "expected_fr", "expected_en"), [
    ("coordinations_covering_commune", {"commune": "2C004"}, "Code commune INSEE invalide", "Invalid INSEE commune code"),
    ("coordinations_covering_commune", {"commune": "1300"}, "deux chiffres de département", "two département digits"),
    ("communes_without_coordination", {"departement": "20"}, "pas 20", "not 20"),
    ("territory_everything", {"territory": "region/1"}, "Code région invalide", "Invalid region code"),
    ("territory_everything", {"territory": "canton/38"}, "Niveaux possibles", "Possible levels"),
    ("territory_everything", {"territory": "38"}, "niveau/code", "level/code"),
    ("actors_in_territory", {"territory": "epci/24420077"}, "SIREN", "SIREN"),
    ("coordinations_by_theme", {"theme": "sante-mentalle"}, "Vouliez-vous dire « sante-mentale »",
     "Did you mean 'sante-mentale'"),
    ("coordinations_by_type", {"coordinationType": "XYZ"}, "vocabulaire coordination-type", "coordination-type vocabulary"),
    ("statistical_profile", {"year": "1900"}, "entre 1990 et 2100", "between 1990 and 2100"),
    ("statistical_profile", {"year": "deux mille"}, "nombre entier", "integer"),
    ("actor_roles", {"actor": "ars> } ; DROP ALL"}, "identifiant", "identifier"),
    ("sources_of_entity", {"entity": "pas une IRI"}, "IRI absolue", "absolute IRI"),
    ("coordinations_by_theme", {"themes": "nutrition"}, "Paramètre inconnu", "Unknown parameter"),
])
def test_bad_parameters_are_refused_clearly(seed_store, name, params, expected_fr, expected_en):
    with pytest.raises(LibraryError) as refused:
        get_query(name).run(seed_store, params)
    assert expected_fr in refused.value.message("fr")
    assert expected_en in refused.value.message("en")


def test_unknown_query_suggests_the_closest():
    with pytest.raises(LibraryError) as refused:
        get_query("coordinations_by_themes")
    assert "« coordinations_by_theme »" in refused.value.message_fr and "maillage queries" in refused.value.message_fr


def test_values_given_as_codes_or_iris_bind_the_same_term(seed_store):
    query = get_query("coordinations_by_theme")
    assert query.bindings({"theme": "sante-mentale"}) == query.bindings({"theme": f"{ID}theme/sante-mentale"})
    commune = get_query("coordinations_covering_commune")
    assert commune.bindings({"commune": "2A004", "at": "2010-07-01"}) == {
        "_commune_iri": f"{ID}territoire/commune/2A004", "__at_xsd_date": "2010-07-01", "_lang": "fr", "_otherLang": "en"}


def test_an_optional_parameter_left_out_matches_everything(seed_store):
    query = get_query("coordinations_in_territory")
    assert "__coordinationType_iri" not in query.bindings({})
    assert len(query.run(seed_store)) == len(query.run(seed_store, {"coordinationType": "ASV"})) == 3


# -- the catalogue as RDF --------------------------------------------------------------------------

def test_catalogue_is_published_as_sparql_examples():
    graph = Graph().parse(data=catalogue_graph(target="http://127.0.0.1:7878/query").serialize(format="turtle"),
                          format="turtle")
    executables = set(graph.subjects(RDF.type, SH.SPARQLSelectExecutable))
    assert {str(e).rsplit("/", 1)[1] for e in executables} == set(library())
    for node in executables:
        comments = {c.language for c in graph.objects(node, RDFS.comment)}
        assert comments == {"fr", "en"}, node
        text = str(graph.value(node, SH.select))
        assert not text.startswith("#+") and check_query(text) == "SELECT"
        assert graph.value(node, SCHEMA.target) == URIRef("http://127.0.0.1:7878/query")
        assert set(graph.objects(node, SCHEMA.keywords)), node


def test_the_catalogue_binds_and_declares_every_parameter():
    """Each parameter: an `sh:Parameter` named as `--param` takes it, its variable as `sh:path`'s local name, its
    default as `sh:defaultValue`, the very term of the published text's VALUES line; no variable left unbound
    that has a default."""
    graph = catalogue_graph()
    assert graph.value(URIRef(ID + "query/funders"), SCHEMA.target) == URIRef("http://127.0.0.1:7878/sparql")
    declared = 0
    for name, query in library().items():
        node = URIRef(ID + f"query/{name}")
        text = str(graph.value(node, SH.select))
        parameters = {str(graph.value(p, SH.name)): p for p in graph.objects(node, SH.parameter)}
        assert set(parameters) == {p.name for p in query.parameters}, name
        for parameter in query.parameters:
            node_of = parameters[parameter.name]
            declared += 1
            assert str(graph.value(node_of, SH.path)).rsplit("#", 1)[1] == parameter.variable
            assert graph.value(node_of, SH.optional).toPython() is (not parameter.required)
            default = graph.value(node_of, SH.defaultValue)
            # Bound as sparql.bind binds: the serialised term in place of the variable (kept only in `AS ?variable`).
            left = re.findall(rf"(?<!AS )\?{re.escape(parameter.variable)}\b", text)
            if default is None:
                assert not parameter.required and left, name
            elif re.search(rf"\bLIMIT\s+\?{re.escape(parameter.variable)}\b", query.text):  # a number there, no term
                assert re.search(rf"\bLIMIT {default}\s*$", text, re.MULTILINE) and not left, (name, default)
            else:
                assert default.n3() in text and not left, (name, default)
    assert declared >= 36


def test_a_commune_is_not_found_from_another_departement_of_its_epci(seed_store):
    # Aubervilliers (93) is in the Métropole du Grand Paris, which also spans Paris (75): an intercommunality
    # spanning several départements lies within its région only (territories._enclosing).
    assert run_query(seed_store, "coordinations_in_territory", territory="departement/75") == []
    found = {row["coordination"] for row in run_query(seed_store, "coordinations_in_territory", territory="region/11")}
    assert {f"{ID}coordination/asv-aubervilliers", f"{ID}coordination/asv-nanterre"} <= found


# -- the viewer's questions (app/, app/viewer/model.py) ---------------------------------------------

def test_entities_by_type(seed_store):
    counts = {(short(r["class"]), r["classLabel"]): int(r["count"]) for r in run_query(seed_store, "entities_by_type")}
    assert counts[("https://w3id.org/maillage/def/core#FieldExperience", "Expérience de terrain")] == 13
    english = {r["classLabel"]: int(r["count"]) for r in run_query(seed_store, "entities_by_type", lang="en")}
    assert english["Field experience"] == 13
    assert counts[("https://w3id.org/maillage/def/core#Coordination", "Coordination locale en santé")] == 11


def test_entities_by_source(seed_store):
    rows = run_query(seed_store, "entities_by_source")
    counts = {short(r["document"]): int(r["count"]) for r in rows}
    assert set(counts) >= {"source/000", "source/001", "source/002", "source/003", "source/004", "source/cog-insee"}
    assert counts["source/002"] > 0 and counts["source/cog-insee"] > 30000


def test_build_description(seed_store):
    [row] = run_query(seed_store, "build_description")
    assert row["vintage"] == "millésime 2026" and row["valid"] == "2026-01-01" and row["builtAt"].startswith("20")


def test_territory_names(seed_store):
    rows = run_query(seed_store, "territory_names")
    by_key = {(r["level"], r["code"]): r for r in rows}
    assert by_key[("commune", "38151")]["name"] == "Échirolles" and by_key[("commune", "38151")]["departement"] == "38"
    assert by_key[("departement", "38")]["name"] == "Isère" and by_key[("region", "84")]["departement"] is None
    assert by_key[("epci", "200040715")]["name"] == "Grenoble-Alpes-Métropole"
    assert by_key[("epci", "200040715")]["departement"] == "38"  # its communes' département


def test_territory_search_names(seed_store):
    rows = run_query(seed_store, "territory_search_names")
    by_key = {(r["level"], r["code"]): r for r in rows}
    assert len(by_key) == len(rows) > 38000  # one row per territory: the referential gives one population each
    assert by_key[("commune-deleguee", "74011")]["name"] == "Annecy-le-Vieux"
    assert short(by_key[("commune-deleguee", "74011")]["commune"]) == "territoire/commune/74010"
    assert by_key[("commune-deleguee", "74011")]["departement"] == "74"
    assert by_key[("ept", "200057867")]["name"] == "Plaine Commune" and by_key[("ept", "200057867")]["departement"] == "93"
    assert by_key[("arrondissement-municipal", "13201")]["departement"] == "13"
    assert int(by_key[("commune", "38185")]["population"]) > 150000 and by_key[("commune", "38185")]["commune"] is None
    assert by_key[("region", "84")]["departement"] is None


def test_territory_search_codes(seed_store):
    rows = {(short(r["territory"]), r["kind"], r["code"]) for r in run_query(seed_store, "territory_search_codes")}
    assert ("territoire/commune/38185", "postal", "38100") in rows and ("territoire/commune/74010", "former", "74011") in rows
    assert sum(kind == "postal" for _, kind, _ in rows) > 35000 and sum(kind == "former" for _, kind, _ in rows) == 4240


def test_territory_nesting(seed_store):
    rows = run_query(seed_store, "territory_nesting")
    assert [(r["level"], r["code"]) for r in rows] == [("commune", "38151"), ("departement", "38"), ("epci", "200040715"),
                                                       ("region", "84")]
    assert [r["code"] for r in run_query(seed_store, "territory_nesting", territory="departement/13")] == ["13", "93"]


def test_entity_cards(seed_store):
    rows = run_query(seed_store, "entity_cards")
    strasbourg = [r for r in rows if short(r["entity"]) == "experience/strasbourg-sante-mentale-hopital-ville"]
    assert ("theme", "theme/sante-mentale", "Santé mentale") in {
        (r["field"], short(r["value"]), r["valueLabel"]) for r in strasbourg if r["field"] == "theme"}
    assert ("theme/sante-mentale", "Mental health") in {
        (short(r["value"]), r["valueLabel"]) for r in run_query(seed_store, "entity_cards", lang="en")
        if r["entity"] == strasbourg[0]["entity"] and r["field"] == "theme"}
    assert {r["field"] for r in strasbourg} >= {"label", "subject", "source", "theme", "ottawaAxis"}
    aix = [r for r in run_query(seed_store, "entity_cards", kind="https://w3id.org/maillage/def/core#Coordination")
           if short(r["entity"]) == "coordination/asv-aix-en-provence"]
    assert ("type", "coordination-type/ASV") in {(r["field"], short(r["value"])) for r in aix}
    one = run_query(seed_store, "entity_cards", kind="https://w3id.org/maillage/def/core#Coordination",
                    entity=f"{ID}coordination/asv-aix-en-provence")
    assert {(r["entity"], r["field"], r["value"], r["valueLabel"]) for r in one} == {
        (r["entity"], r["field"], r["value"], r["valueLabel"]) for r in aix}


def test_entity_summaries(seed_store):
    """The lists' short cards: entity_cards' short fields, without labels (read once by entity_value_labels)."""
    short_fields = {"label", "subject", "theme", "determinant", "ottawaAxis", "place", "placeLabel", "territory",
                    "carrier", "type", "mission", "programme"}
    for kind in ("FieldExperience", "Coordination"):
        iri = f"https://w3id.org/maillage/def/core#{kind}"
        cards = {(r["entity"], r["field"], r["value"]) for r in run_query(seed_store, "entity_cards", kind=iri)}
        summaries = {(r["entity"], r["field"], r["value"]) for r in run_query(seed_store, "entity_summaries", kind=iri)}
        assert summaries == {row for row in cards if row[1] in short_fields} and len(summaries) > 20, kind
        labels = {(r["value"], r["valueLabel"]) for r in run_query(seed_store, "entity_value_labels", kind=iri)}
        assert labels == {(r["value"], r["valueLabel"]) for r in run_query(seed_store, "entity_cards", kind=iri)
                          if r["field"] in short_fields and r["valueLabel"] is not None}, kind


def test_the_cards_in_every_language_are_each_language_s_rows_together(seed_store):
    """What the viewer's cards read in one answer (entity_summaries_all_languages, entity_value_labels_all_languages)
    is the union of the per-language answers it replaced, each row once, the tag saying IRI, language or none."""
    def tagged(binding: dict) -> tuple[str, str]:
        return binding["value"], ("@" + binding.get("xml:lang", "")) if binding["type"] == "literal" else ""

    for kind in ("FieldExperience", "Coordination", "Actor"):  # an actor's card: its names only
        iri = f"https://w3id.org/maillage/def/core#{kind}"
        for one, each, keys, text in (("entity_summaries_all_languages", "entity_summaries", ("entity", "field"), "value"),
                                      ("entity_value_labels_all_languages", "entity_value_labels", ("value",), "valueLabel")):
            rows = get_query(one).texts(seed_store, {"kind": iri})[1]
            expected = {(*(r[k]["value"] for k in keys), *tagged(r[text]))
                        for lang in ("fr", "en") for r in get_query(each).json(seed_store, {"kind": iri, "lang": lang})[1]}
            assert len(rows) == len(set(map(tuple, rows))) and set(map(tuple, rows)) == expected, (kind, one)
            if kind != "Actor":  # texts in both languages, and entities or concepts among the fields' values
                assert {row[-1] for row in rows} >= {"@fr", "@en"} | ({""} if text == "value" else set()), (kind, one)


def test_entity_value_labels(seed_store):
    for lang, label in (("fr", "Santé mentale"), ("en", "Mental health")):
        labels = {(r["value"], r["valueLabel"]) for r in run_query(seed_store, "entity_value_labels", lang=lang)}
        assert (f"{ID}theme/sante-mentale", label) in labels and len(labels) == len(dict(labels)), lang


def test_coordination_participants(seed_store):
    rows = run_query(seed_store, "coordination_participants")
    assert ("acteur/assurance-maladie", "Membre du comité de pilotage") in {
        (short(r["actor"]), r["roleLabel"]) for r in rows}
    assert {short(r["role"]) for r in rows} >= {"role/porteur", "role/comite-pilotage", "role/cosignataire"}
    assert {r["source"] for r in rows} == {f"{ID}source/002"}
    dated = {(short(r["actor"]), r["start"], r["end"]) for r in rows if r["start"] or r["end"]}
    assert dated == {("acteur/ars-provence-alpes-cote-d-azur", "2010-07", None)}  # in force today (`at`)
    before = run_query(seed_store, "coordination_participants", at="2009-12-31")
    assert {(short(r["actor"]), r["start"], r["end"]) for r in before if r["start"] or r["end"]} == {
        ("acteur/ddass", None, "2010-07")}  # the DDASS until July 2010; tests/test_periods.py for the rest


def test_coordination_timeline(seed_store):
    rows = run_query(seed_store, "coordination_timeline")  # the Aix-en-Provence ASV
    assert [(r["kind"], r["start"], r["end"], short(r["subject"]), r["subjectLabel"], r["roleLabel"]) for r in rows] == [
        ("participation", None, "2010-07", "acteur/ddass", "Directions départementales des affaires sanitaires et sociales",
         "Cosignataire"),
        ("setUp", "2003-05", None, None, None, None),
        ("attachment", "2003-05", "2010-01", "acteur/ville-aix-en-provence/service/aix-service-politique-ville",
         "Service politique de la ville", None),
        ("attachment", "2010-01", None, "acteur/ville-aix-en-provence/service/aix-direction-sante-publique",
         "Direction de la santé publique", None),
        ("participation", "2010-07", None, "acteur/ars-provence-alpes-cote-d-azur",
         "Agence régionale de santé Provence-Alpes-Côte d'Azur", "Cosignataire")]
    assert run_query(seed_store, "coordination_timeline", coordination="asv-aubervilliers") == []  # nothing dated


def test_actor_participations(seed_store):
    rows = run_query(seed_store, "actor_participations")  # the city of Aix-en-Provence
    assert [(short(r["coordination"]), short(r["role"]), r["roleLabel"]) for r in rows] == [
        ("coordination/asv-aix-en-provence", "role/comite-pilotage", "Membre du comité de pilotage"),
        ("coordination/asv-aix-en-provence", "role/cosignataire", "Cosignataire"),
        ("coordination/asv-aix-en-provence", "role/porteur", "Porteur")]
    [ddass] = run_query(seed_store, "actor_participations", actor="ddass", lang="en", at="2010-01-01")
    assert (ddass["roleLabel"], ddass["start"], ddass["end"]) == ("Co-signatory", None, "2010-07")
    assert run_query(seed_store, "actor_participations", actor="cget") == []


def test_actor_card(seed_store):
    facts = {(r["field"], short(r["value"])) for r in run_query(seed_store, "actor_card",
                                                                  actor="plateforme-nationale-ressources-asv")}
    assert {("url", "http://www.plateforme-asv.org"), ("email", "contact@plateforme-asv.org"),
            ("telephone", "07 78 13 56 37"), ("socialAccount", "@PnrASV"), ("founded", "2012"),
            ("funder", "acteur/cget"), ("kind", "actor-kind/association")} <= facts
    ddass = {(r["field"], short(r["value"]), r["valueLabel"]) for r in run_query(seed_store, "actor_card", actor="ddass")}
    assert ("replacedBy", "acteur/ars", "Agences régionales de santé") in ddass
    # A post is the role to contact, never the person holding it: none of her personal data (data/persons.yaml).
    post = run_query(seed_store, "actor_card", actor="coordinatrice-asv-aix-en-provence")
    assert post and not {r["field"] for r in post} & {"email", "telephone"}
    assert not any("pourrierea" in (r["value"] or "") or "04 42 91" in (r["value"] or "") for r in post)


# -- the partner finder (app/viewer/partners.py) --------------------------------------------------

def test_partner_graph_edges(seed_store):
    org, mlg = "http://www.w3.org/ns/org#", "https://w3id.org/maillage/def/core#"
    rows = {(short(r["source"]), r["property"], short(r["target"]), short(r["role"]))
            for r in run_query(seed_store, "partner_graph_edges")}
    assert ("territoire/commune/38151", "http://rdf.insee.fr/def/geo#subdivisionDirecteDe", "territoire/epci/200040715",
            None) in rows
    assert ("coordination/asv-aix-en-provence", mlg + "territory", "territoire/commune/13001", None) in rows
    assert ("acteur/assurance-maladie", org + "memberOf", "coordination/asv-aix-en-provence", "role/comite-pilotage") in rows
    # the participation marked as contact point gives the coordination's contact role, not the person holding it
    assert ("coordination/asv-aix-en-provence", mlg + "contactRole", "role/coordonnateur", None) in rows
    assert ("experience/strasbourg-sante-mentale-hopital-ville", mlg + "theme", "theme/sante-mentale", None) in rows
    assert not [r for r in rows if "personne/" in r[0] or "personne/" in r[2]]


def test_partner_graph_nodes(seed_store):
    rows = {(short(r["node"]), r["kind"], r["label"]) for r in run_query(seed_store, "partner_graph_nodes")}
    assert ("coordination/asv-strasbourg", "coordination", "Atelier santé ville de Strasbourg") in rows
    assert ("theme/sante-mentale", "theme", "Santé mentale") in rows
    assert ("theme/sante-mentale", "theme", "Mental health") in {
        (short(r["node"]), r["kind"], r["label"]) for r in run_query(seed_store, "partner_graph_nodes", lang="en")}
    assert ("coordination-type/CMT", "type", "Conseiller méthodologique de territoire") in rows
    assert {kind for _, kind, _ in rows} >= {"actor", "experience", "determinant", "ottawaAxis", "mission", "role",
                                            "missionCell"}


def test_participations(seed_store):
    rows = run_query(seed_store, "participations")
    pairs = {(short(r["coordination"]), short(r["actor"]), r["role"]) for r in rows}
    assert ("coordination/asv-aix-en-provence", "acteur/ville-aix-en-provence", "porteur") in pairs
    assert ("coordination/asv-aix-en-provence", "acteur/coordinatrice-asv-aix-en-provence", "coordonnateur") in pairs
    assert {r["actorLabel"] for r in rows if r["actor"].endswith("/ars-provence-alpes-cote-d-azur")} == {
        "Agence régionale de santé Provence-Alpes-Côte d'Azur"}
    assert {r["actorLabel"] for r in run_query(seed_store, "participations", lang="en")
            if r["actor"].endswith("/ars-provence-alpes-cote-d-azur")} == {"Provence-Alpes-Côte d'Azur Regional Health Agency"}


def test_entity_places(seed_store):
    rows = run_query(seed_store, "entity_places")
    found = {(short(r["entity"]), r["kind"], short(r["territory"])) for r in rows}
    assert ("coordination/asv-aix-en-provence", "coordination", "territoire/commune/13001") in found
    assert ("coordination/asv-vallees-gier-ondaine-andrezieux-boutheon", "coordination", "territoire/epci/244200770") in found
    assert ("experience/saone-et-loire-centre-sante-departemental", "experience", "territoire/departement/71") in found
    assert {short(r["territory"]) for r in rows if r["entity"].endswith("/martigues-port-de-bouc-etudiants-infirmiers")} \
        == {"territoire/commune/13056", "territoire/commune/13077"}


def test_departements_map(seed_store):
    rows = run_query(seed_store, "departements_map")
    by_code = {(r["level"], r["code"]): (int(r["coordinations"]), int(r["experiences"])) for r in rows}
    assert len([r for r in rows if r["level"] == "departement"]) >= 101  # every one, even with nothing there
    assert by_code[("departement", "2A")] == (0, 0)
    # Aix-en-Provence's ASV and the Martigues and Port-de-Bouc one
    assert by_code[("departement", "13")][0] == 2
    assert {r["name"] for r in rows if r["code"] == "13"} == {"Bouches-du-Rhône"}
    assert by_code[("departement", "71")][1] == 1  # a département itself: Saône-et-Loire's health centre
    # Saint-Étienne Métropole (an EPCI): its ASV and experience count in its communes' département, the Loire
    assert by_code[("departement", "42")] == (1, 1)
    assert all(r["territory"] is not None for r in rows)  # every seed place is brought to a département


def test_source_documents(seed_store):
    rows = run_query(seed_store, "source_documents")
    assert len(rows) == len({r["document"] for r in rows})  # one row per document, its addresses joined
    [aix] = [r for r in rows if short(r["document"]) == "source/002"]
    assert aix["title"] == "Ateliers santé ville : outils de définition de coordination d'un plan local de santé"
    assert aix["urls"] == "http://www.aixenprovence.fr" and aix["publisherLabel"] == "Ville d'Aix-en-Provence"
    [english] = [r for r in run_query(seed_store, "source_documents", lang="en") if short(r["document"]) == "source/002"]
    assert english["title"] == "City health workshops: tools defining the coordination of a local health plan"
    assert english["publisherLabel"] == "City of Aix-en-Provence"
    [several] = [r for r in rows if short(r["document"]) == "source/004"]
    urls = several["urls"].split(" ")
    assert len(urls) == 5 and urls == sorted(urls)
    assert {"source/cog-insee", "source/000", "source/004"} <= {short(r["document"]) for r in rows}


def test_concepts_of_scheme(seed_store):
    themes = run_query(seed_store, "concepts_of_scheme")
    assert ("theme/sante-mentale", "Santé mentale") in {(short(r["concept"]), r["label"]) for r in themes}
    assert len({r["concept"] for r in themes}) == 18
    axes = run_query(seed_store, "concepts_of_scheme", scheme=f"{ID}ottawa-axis")
    assert [r["notation"] for r in axes] == ["1", "2", "3", "4", "5"]


def test_entities_in_territory(seed_store):
    rows = run_query(seed_store, "entities_in_territory", territory="commune/38151")
    found = {(short(r["entity"]), r["kind"]) for r in rows}
    assert found == {("experience/echirolles-village-2-sante", "experience"), ("acteur/village-2-sante", "actor")}
    region = {(short(r["entity"]), r["kind"]) for r in run_query(seed_store, "entities_in_territory", territory="region/84")}
    assert {("coordination/asv-lyon", "coordination"),
            ("coordination/asv-vallees-gier-ondaine-andrezieux-boutheon", "coordination")} <= region
    assert ("experience/echirolles-village-2-sante", "experience") in region  # through the nesting


def test_coordinations_covering_territory(seed_store):
    rows = run_query(seed_store, "coordinations_covering_territory", territory="commune/42218")  # Saint-Étienne
    assert {(short(r["coordination"]), short(r["through"])) for r in rows} == {
        ("coordination/asv-vallees-gier-ondaine-andrezieux-boutheon", "territoire/epci/244200770")}
    assert run_query(seed_store, "coordinations_covering_territory", territory="commune/13001") == []


def test_fact_labels(seed_store):
    aix = f"{ID}coordination/asv-aix-en-provence"
    rows = run_query(seed_store, "fact_labels", entity=aix)
    labels = {(short(r["term"]), r["rank"]): r["label"] for r in rows}
    assert labels[("territoire/commune/13001", "1")] == "Aix-en-Provence"
    assert labels[("https://w3id.org/maillage/def/core#territory", "1")] == "territoire d'intervention"
    participation = "coordination/asv-aix-en-provence/participation/assurance-maladie-comite-pilotage"
    assert labels[(participation, "2")] == "Assurance maladie"
    assert [r["role"] for r in rows if short(r["term"]) == participation] == ["Membre du comité de pilotage", None]
    english = {(short(r["term"]), r["rank"]): (r["label"], r["role"])
               for r in run_query(seed_store, "fact_labels", entity=aix, lang="en")}
    assert english[(participation, "2")] == ("Health insurance (Assurance maladie)", "Steering committee member")


# -- a query file's check kept across processes ---------------------------------------------------------------------

COUNTED_PARSES = """
import sys
import maillage.sparql as sparql
parses = []
parse = sparql.parseQuery
sparql.parseQuery = lambda text: parses.append(1) or parse(text)
import pyoxigraph as ox
from maillage.library import get_query, library
from maillage.stores import OxigraphStore
queries = library()
get_query("ottawa_axes").run(OxigraphStore(ox.Store()))  # the run checks the text again: from the kept check
print(len(queries), len(parses))
"""


def parses_in_a_new_process(cache) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", COUNTED_PARSES], capture_output=True, text=True, check=True,
                          env={**os.environ, "MAILLAGE_CACHE": str(cache)})
    queries, parses = map(int, done.stdout.split())
    return queries, parses


def test_a_query_files_check_is_kept_for_the_next_process(tmp_path):
    """The first process parses every query of the library (rdflib's parser) and keeps each accepted form in the
    cache folder; the next one parses none, and runs them all the same. A kept entry that is no form check_query
    answers is not taken: that query is parsed and checked again."""
    queries, parses = parses_in_a_new_process(tmp_path)
    kept = sorted((tmp_path / "checked-queries").iterdir())
    assert queries > 60 and parses == queries and len(kept) == queries
    assert {path.read_text(encoding="ascii") for path in kept} == {query.form for query in library().values()}
    assert parses_in_a_new_process(tmp_path) == (queries, 0)
    kept[0].write_text("DROP", encoding="ascii")
    kept[1].write_text("{not a form", encoding="ascii")
    assert parses_in_a_new_process(tmp_path) == (queries, 2)
    assert kept[0].read_text(encoding="ascii") in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


def test_a_refused_query_file_is_never_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILLAGE_CACHE", str(tmp_path / "cache"))
    (tmp_path / "federated.rq").write_text(
        "#+ summary: Fédérée\nSELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(QueryRefused):
            get_query("federated", tmp_path)
    assert not (tmp_path / "cache" / "checked-queries").exists()


def test_the_kept_checks_are_pruned_to_the_used_last(tmp_path, monkeypatch):
    """The checks kept in the cache folder do not grow without end: whoever writes one keeps the KEPT_CHECKED used
    last (a check read is a use) and leaves alone another process's file being written."""
    import maillage.library as query_library

    monkeypatch.setenv("MAILLAGE_CACHE", str(tmp_path))
    monkeypatch.setattr(query_library, "KEPT_CHECKED", 3)
    folder = tmp_path / "checked-queries"
    folder.mkdir()
    old = []
    for age in range(4):
        path = folder / (f"{age}" * 64)
        path.write_text("SELECT", encoding="ascii")
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
        old.append(path)
    writing = folder / f".{'f' * 64}.tmp123"
    writing.write_bytes(b"")
    os.utime(writing, (1, 1))
    first = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    assert query_library._checked_form(first) == "SELECT"
    (kept_first,) = {path.name for path in folder.iterdir()} - {path.name for path in old} - {writing.name}
    assert {path.name for path in folder.iterdir()} == {kept_first, old[3].name, old[2].name, writing.name}
    os.utime(folder / kept_first, (1, 1))
    assert query_library._checked_form(first) == "SELECT"  # read from the folder: marked used
    assert (folder / kept_first).stat().st_mtime > 1_000_000
    assert query_library._checked_form("ASK { ?s ?p ?o }") == "ASK"
    assert kept_first in {path.name for path in folder.iterdir()} and not old[2].exists()


def test_the_checks_kept_depend_on_python_s_version(monkeypatch):
    """A check kept by one Python is not read by another (its parser may read the text otherwise)."""
    from maillage.sparql import checker_version

    checker_version.cache_clear()
    before = checker_version()
    monkeypatch.setattr(sys, "version", "0.0.0 (another build)")
    checker_version.cache_clear()
    try:
        assert checker_version() != before
    finally:
        monkeypatch.undo()
        checker_version.cache_clear()
    assert checker_version() == before
