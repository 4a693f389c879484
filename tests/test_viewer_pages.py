"""The viewer's Requêtes and Qualité et sources pages, and the completed Coordinations and Expériences pages,
on the seed build (their logic: app/viewer/query_forms.py, quality.py, console.py, viewer.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app.viewer.model import Viewer
from app.viewer.quality import facts, grouped, page_of, read_report, sources
from app.viewer.query_forms import form_fields, territory_matches, territory_value
from maillage.library import get_query
from tests.conftest import MAIN
from tests.test_viewer import shown

ID = "https://w3id.org/maillage/id/"


@pytest.fixture(scope="module")
def viewer(seed_store) -> Viewer:
    return Viewer(seed_store)


# -- the query forms ---------------------------------------------------------------------------------

def test_a_concept_parameter_is_a_choice_among_the_schemes_concepts(viewer):
    [theme] = form_fields(viewer, get_query("coordinations_by_theme"), "fr")
    assert theme.kind == "concept" and theme.default == f"{ID}theme/sante-mentale"
    assert theme.options[f"{ID}theme/sante-mentale"] == "Santé mentale" and len(theme.options) == 18
    [theme_en] = form_fields(viewer, get_query("coordinations_by_theme"), "en")
    assert theme_en.options[f"{ID}theme/sante-mentale"] == "Mental health"


def test_territory_and_integer_parameters(viewer):
    [departement] = form_fields(viewer, get_query("communes_without_coordination"))
    assert (departement.kind, departement.level, departement.default) == ("territory", "departement", "13")
    [isere] = territory_matches(viewer, departement, "Isère")
    assert territory_value(departement, isere) == "38"
    [territory] = form_fields(viewer, get_query("territory_everything"))
    assert (territory.level, territory.default) == (None, "departement/38")
    assert [territory_value(territory, t) for t in territory_matches(viewer, territory, "38151")] == ["commune/38151"]
    assert "commune/93066" in [territory_value(territory, t) for t in territory_matches(viewer, territory, "saint-denis")]
    [year] = form_fields(viewer, get_query("statistical_profile"))
    assert (year.kind, year.default, year.parameter.minimum, year.parameter.maximum) == ("integer", "2012", 1990, 2100)


# -- quality and sources -----------------------------------------------------------------------------

def test_the_report_grouped_by_severity_then_shape(seed_out):
    groups = grouped(read_report(seed_out))
    assert [severity for severity, _ in groups] == ["warning", "info"]
    [(shape, found)] = groups[1][1]
    assert shape == "CoordinationCarrierRecommendation" and len(found) == 10
    assert page_of(found[0].focus) == "coordinations"
    assert page_of(f"{ID}coordination-type/CLSM") == "qualite"
    assert read_report("http://127.0.0.1:7878/query") is None


def test_facts_come_with_their_source_and_passage(viewer):
    found = facts(viewer, f"{ID}coordination/asv-aix-en-provence", "en")
    start = [f for f in found if f.property == "schema:startDate"]
    assert [f.value for f in start] == ["2003-05"]
    # the document's title in the chosen language too (the passage quotes the French source: it has no other)
    assert start[0].documents == {f"{ID}source/002": "City health workshops: tools defining the coordination of a local "
                                                    "health plan"}
    assert start[0].passage.startswith("L'ASV d'Aix en Provence a été mis en place en mai 2003")
    labels = [f.value for f in found if f.property == "rdfs:label"]
    assert labels == ["Aix-en-Provence City Health Workshop (ASV)"]  # the chosen language only


def test_sources_with_titles_and_links(viewer):
    listed = {source.iri: (title, kind, publisher, source.urls) for source, title, kind, publisher in sources(viewer, "fr")}
    assert listed[f"{ID}source/002"] == ("Ateliers santé ville : outils de définition de coordination d'un plan local de santé",
                                         "fiche de présentation", "Ville d'Aix-en-Provence", ["http://www.aixenprovence.fr"])
    assert len(listed[f"{ID}source/004"][3]) == 5


# -- the pages ---------------------------------------------------------------------------------------

def test_requetes_form_runs_a_known_query(app):
    at = app("requetes")
    at.selectbox(key="query").select("coordinations_by_theme").run()
    at.button(key="run-query").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value  # an entity as a link to its viewer page
    assert "coordinations?id=coordination/asv-strasbourg" in list(table["coordination"])
    assert at.query_params["q"] == "coordinations_by_theme"


def test_requetes_form_finds_a_territory_by_name(app):
    at = app("requetes", q="communes_without_coordination")
    at.text_input(key="communes_without_coordination.departement").input("Isère").run()
    assert "Isère — Département 38" in [c.value for c in at.caption]
    at.button(key="run-query").click().run()
    assert not at.error and len(at.dataframe[0].value) > 0


def test_requetes_bad_parameter_says_the_librarys_message(app):
    at = app("requetes", q="coordinations_covering_commune")
    at.text_input(key="coordinations_covering_commune.commune").input("2C004").run()
    at.button(key="run-query").click().run()
    assert "Code commune INSEE invalide" in at.error[0].value


def test_console_refuses_an_update(app):
    at = app("requetes")
    at.text_area(key="console").input("DELETE WHERE { ?s ?p ?o }").run()
    at.button(key="run-console").click().run()
    assert "c'est une mise à jour" in at.error[0].value


def test_console_stops_a_runaway_query_with_a_readable_message(app, monkeypatch):
    monkeypatch.setenv("MAILLAGE_CONSOLE_TIMEOUT_S", "2")
    at = app("requetes")
    at.text_area(key="console").input("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }").run()
    at.button(key="run-console").click().run()
    assert "a dépassé le délai de 2 s et a été arrêtée" in at.error[0].value


def test_console_answers_a_select(app):
    at = app("requetes")
    at.button(key="run-console").click().run()  # the example query: the coordinations and their labels
    assert not at.error and "Atelier santé ville d'Aix-en-Provence" in list(at.dataframe[0].value["label"])


def test_qualite_page_report_facts_and_sources(app):
    at = app("qualite", id="coordination/asv-aix-en-provence")
    assert [h.value for h in at.subheader][-2:] == ["Avertissements (1)", "Informations (10)"]  # the report comes last
    text = shown(at)
    assert "Porteur non renseigné" in text and "data/coordinations.yaml:204 › coordination asv-aubervilliers" in text
    assert "**date de début** : 2003-05" in text and "D'après « Ateliers santé ville : outils" in shown_headings(at)
    assert "> L'ASV d'Aix en Provence a été mis en place en mai 2003" in text
    # A link to the checked URL, its label as text (a word joiner keeps GFM from making a second link of it).
    assert "[http\u2060://www\u2060.aixenprovence.fr](<http://www.aixenprovence.fr>)" in text


def shown_headings(at: AppTest) -> str:
    return "\n".join(h.value for h in at.subheader)


def test_aix_page_lists_carrier_committee_coordinator_programme_and_funding(app):
    at = app("coordinations", id="coordination/asv-aix-en-provence")
    text, links = shown(at), {link.value for link in at.page_link}
    assert "**Porteur** :" in text and "Ville d'Aix-en-Provence" in links  # each actor a link to its page
    assert "**Membre du comité de pilotage** :" in text and "Inspection académique des Bouches-du-Rhône" in links
    assert "**Coordonnateur** :" in text and "Coordinatrice de l'Atelier santé ville d'Aix-en-Provence" in links
    assert "Plan local de santé publique" in text and "Diagnostic local de santé" in text
    assert "Financeurs habituels de ce type de coordination : Agences régionales de santé" in text
    assert "> L'ASV d'Aix en Provence a été mis en place en mai 2003" in text


def test_a_coordination_page_lists_the_communes_of_its_territories(app):
    at = app("coordinations", id="coordination/asv-vallees-gier-ondaine-andrezieux-boutheon")
    communes = at.dataframe[0].value
    assert len(communes) == 53 and "Andrézieux-Bouthéon" in list(communes["Commune"])


def test_coordination_filters_live_in_the_url(app):
    at = app("coordinations", type="coordination-type/ASV", territoire="departement/13")
    assert at.selectbox[0].value == f"{ID}coordination-type/ASV" and at.text_input[0].value == "departement/13"
    assert "Aix-en-Provence" in shown(at)
    at.selectbox[1].select(f"{ID}theme/sante-mentale").run()
    assert at.query_params["theme"] == "theme/sante-mentale"


def test_experiences_filtered_by_determinant_and_coordination_type(app):
    at = app("experiences", determinant="determinant/services-sante")
    assert at.caption[0].value == "8 expérience(s)"
    at.selectbox(key="filter.type").select(f"{ID}coordination-type/ASV").run()
    assert at.query_params["type"] == "coordination-type/ASV"
    assert int(at.caption[0].value.split()[0]) <= 8


def test_experience_card_shows_its_source_passage(app):
    text = shown(app("experiences", id="experience/strasbourg-sante-mentale-hopital-ville"))
    assert "> 9\\. Strasbourg." in text  # the passage as text: its "9." starts no numbered list


def test_the_language_is_kept_in_the_url(seed_out, monkeypatch):
    monkeypatch.setenv("MAILLAGE_OUT", str(seed_out))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception and at.title[0].value == "Maillage: local health coordination"
    assert at.query_params["lang"] == "en"
