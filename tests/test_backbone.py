"""The national backbone: the official referential in the graph, and questions answered through its nesting."""

from __future__ import annotations

import socket
from collections import Counter

import pyoxigraph as ox
import pytest

from graph_builder import Settings, build_graph
from graph_builder.pipeline import load_places
from graph_builder.referential.package import VERSION, fetch, load
from maillage.stores import OxigraphStore
from tests.conftest import run_query

ID = "https://w3id.org/maillage/id/"
IGEO = "http://rdf.insee.fr/def/geo#"
MLG = "https://w3id.org/maillage/def/core#"


@pytest.fixture(scope="session")
def store(seed_store) -> ox.Store:
    """The seed build's whole store (build_store, the referential included): the session's, read only."""
    return seed_store.store


@pytest.fixture(scope="session")
def package():
    return load(fetch())


def select(store: ox.Store, text: str) -> list[dict[str, str]]:
    results = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in results.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in results]


def run(store: ox.Store, name: str, **params) -> list[dict[str, str]]:
    """queries/NAME.rq through the library, with its declared defaults overridden by params."""
    return run_query(OxigraphStore(store), name, **params)


def count_of(store: ox.Store, cls: str) -> int:
    rows = select(store, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{cls}> }}")
    return int(rows[0]["n"])


def test_imported_counts_equal_the_pinned_file(store, package):
    types = Counter(c["type"] for c in package["communes"])
    expected = {
        IGEO + "Commune": types["commune-actuelle"],
        IGEO + "CommuneDeleguee": types["commune-deleguee"],
        IGEO + "CommuneAssociee": types["commune-associee"],
        IGEO + "ArrondissementMunicipal": types["arrondissement-municipal"],
        IGEO + "Intercommunalite": len(package["epci"]),
        MLG + "EtablissementPublicTerritorial": len(package["ept"]),
        IGEO + "Departement": len(package["departements"]),
        IGEO + "Region": len(package["regions"]),
    }
    assert {cls: count_of(store, cls) for cls in expected} == expected
    corsica = select(store, f'SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{IGEO}Commune> ; <{IGEO}codeINSEE> ?code . '
                            'FILTER (STRSTARTS(?code, "2A") || STRSTARTS(?code, "2B")) }')
    assert int(corsica[0]["n"]) == sum(1 for c in package["communes"] if c["type"] == "commune-actuelle"
                                       and c["code"][:2] in ("2A", "2B"))


def test_nesting_is_complete(store, package):
    nested = select(store, f"""
        SELECT (COUNT(DISTINCT ?commune) AS ?n) WHERE {{
          ?commune a <{IGEO}Commune> ; <{IGEO}subdivisionDirecteDe> ?d .
          ?d a <{IGEO}Departement> ; <{IGEO}subdivisionDirecteDe> ?r . ?r a <{IGEO}Region> }}""")
    assert int(nested[0]["n"]) == count_of(store, IGEO + "Commune")
    members = select(store, f"SELECT ?c ?e WHERE {{ ?e a <{IGEO}Intercommunalite> . ?c <{IGEO}subdivisionDirecteDe> ?e }}")
    found = {(row["c"], row["e"]) for row in members}
    expected = {(f"{ID}territoire/commune/{m['code']}", f"{ID}territoire/epci/{e['code']}")
                for e in package["epci"] for m in e["membres"]}
    assert found == expected
    in_commune = select(store, f"""
        SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a a <{IGEO}ArrondissementMunicipal> ;
                                                     <{IGEO}subdivisionDirecteDe>/a <{IGEO}Commune> }}""")
    assert int(in_commune[0]["n"]) == count_of(store, IGEO + "ArrondissementMunicipal")


def test_population_with_its_year(store):
    rows = select(store, f"""
        SELECT ?population ?year WHERE {{ <{ID}territoire/commune/75056> <{MLG}population> ?population ;
                                                                         <{MLG}populationYear> ?year }}""")
    assert rows and int(rows[0]["population"]) > 2_000_000 and rows[0]["year"] == "2023"


def test_referential_version_licence_and_vintage_are_described(store):
    rows = select(store, f"""
        SELECT ?version ?licence ?valid WHERE {{ GRAPH <{ID}graph/metadata> {{
          <{ID}graph/cog-insee> <http://www.w3.org/ns/dcat#version> ?version ;
                                <http://purl.org/dc/terms/license> ?licence ;
                                <http://purl.org/dc/terms/valid> ?valid }} }}""")
    assert rows == [{"version": VERSION, "licence": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                     "valid": "2026-01-01"}]


def test_departement_finds_its_coordinations_and_experiences_through_nesting(store):
    isere = run(store, "territory_everything")
    assert {r["placeName"] for r in isere} == {"Échirolles"}
    assert {r["kind"] for r in isere} == {"expérience"}
    rhone_alpes = run(store, "territory_everything", territory=f"{ID}territoire/region/84")
    places = {r["placeName"] for r in rhone_alpes}
    assert {"Échirolles", "Lyon", "Saint-Étienne Métropole"} <= places
    assert {"coordination", "expérience"} <= {r["kind"] for r in rhone_alpes}
    assert all(r["source"].startswith(f"{ID}source/") for r in rhone_alpes)


def test_epci_coordination_covers_its_member_communes(store, package):
    rows = run(store, "communes_of_coordination")
    members = next(e["membres"] for e in package["epci"] if e["code"] == "244200770")
    assert {r["code"] for r in rows} == {m["code"] for m in members}
    assert len(rows) > 50


def test_saint_nazaire_of_the_2015_experience_is_in_loire_atlantique(store):
    rows = select(store, f"""
        SELECT ?place ?dep WHERE {{ ?e <{MLG}placeLabel> ?label ; <{MLG}place> ?place .
            FILTER (CONTAINS(STR(?label), "Saint-Nazaire"))
            ?place <{IGEO}subdivisionDirecteDe> ?d . ?d a <{IGEO}Departement> ; <{IGEO}nom> ?dep }}""")
    assert rows == [{"place": f"{ID}territoire/commune/44184", "dep": "Loire-Atlantique"}]


def test_unknown_insee_code_names_the_referential(data_copy):
    path = data_copy / "experiences.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("commune/44184", "commune/44999", 1), encoding="utf-8")
    result = build_graph(Settings(data_dir=data_copy))
    found = [p for p in result.problems if p.value == "commune/44999"]
    assert found and "inconnu du référentiel officiel" in found[0].message_fr and found[0].line


def test_rebuild_works_offline_from_the_cache(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("PATH", "")  # not even npm
    load_places.cache_clear()
    result = build_graph(Settings())
    assert result.ok and len(result.places) > 38_000
