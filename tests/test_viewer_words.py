"""The viewer in people's words (issue 21, part 5): facts in French with links, the curators' report under the shapes'
French names, query forms named from the queries' headers with linked results, the network's labels and key; and
what the page sets around every page (app/viewer/chrome.py). The real browser checks the rest (test_e2e_browser.py)."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import URIRef

from app.viewer.chrome import STREAMLIT_WORDS, script
from app.viewer.model import Viewer
from app.viewer.network import KINDS, LABELLED, SYMBOLS, cut, echarts_options, legend, named, network_graph, view
from app.viewer.quality import facts, grouped, read_report, shape_names, shape_title
from app.viewer.query_forms import form_fields, linked_table
from graph_builder.constants import SHAPES_DIR
from graph_builder.validation.shacl import SH, load_shapes
from maillage.library import get_query, library

ID = "https://w3id.org/maillage/id/"
AIX = f"{ID}coordination/asv-aix-en-provence"


@pytest.fixture(scope="module")
def viewer(seed_store) -> Viewer:
    return Viewer(seed_store)


# -- facts in words ----------------------------------------------------------------------------------

def test_each_fact_in_words_with_a_link_to_its_page(viewer):
    found = {(f.property_label, f.value_label): f for f in facts(viewer, AIX, "fr")}
    assert ("date de début", "2003-05") in found and ("type", "Coordination locale en santé") in found
    territory = found[("territoire d'intervention", "Aix-en-Provence")]
    assert (territory.page, territory.value_iri) == ("territoires", f"{ID}territoire/commune/13001")
    # a participation has no label: its actor and role say what it is; it is shown here (its own facts)
    member = found[("participation", "Assurance maladie — Membre du comité de pilotage")]
    assert member.page == "qualite" and member.property == "mlg:participation"
    assert found[("type de coordination", "Atelier santé ville")].page == "qualite"
    assert not [label for label, _ in found if re.match(r"^\w+:", label)]  # no `mlg:…` left for a coordinator
    english = {(f.property_label, f.value_label) for f in facts(viewer, AIX, "en")}
    assert ("start date", "2003-05") in english and ("type", "Local health coordination") in english
    assert ("participation", "Health insurance (Assurance maladie) — Steering committee member") in english


def test_the_qualite_page_puts_the_facts_first_and_the_report_apart(app):
    at = app("qualite", id="coordination/asv-aix-en-provence")
    assert [tab.label for tab in at.tabs] == ["D'où vient chaque fait", "Sources", "Rapport de validation (curateurs)"]
    text = "\n".join(m.value for m in at.markdown)
    assert "**historique** : Mis en place en mai 2003" in text and "mlg:" not in text
    assert "Aix-en-Provence" in [link.label for link in at.page_link]
    assert [e.label for e in at.expander] == ["Échelle du type renseignée — 1", "Porteur connu — 10"]
    at = app("qualite", "en", id="coordination/asv-aix-en-provence")
    assert [e.label for e in at.expander] == ["Type's scale given — 1", "Carrier known — 10"]


def test_an_id_that_is_no_iri_gets_the_librarys_message(app):
    at = app("qualite", id="foo bar")  # a shared link, then what a visitor types
    for wanted in ("foo bar", "x>y", "https://exa mple"):
        if wanted != "foo bar":
            at.text_input(key="entity-other").input(wanted).run()
        assert "Une IRI absolue est attendue" in at.error[0].value and wanted in at.error[0].value, wanted


def test_every_shape_is_named_in_french_and_english(seed_out):
    shapes = {str(s).rsplit("#", 1)[-1] for s in load_shapes(SHAPES_DIR).subjects(SH.name) if isinstance(s, URIRef)}
    assert shapes and shapes <= set(shape_names("fr")) and shapes <= set(shape_names("en"))
    for _, groups in grouped(read_report(seed_out)):
        for shape, _ in groups:
            assert shape_title(shape, "fr") != shape and shape_title(shape, "en") != shape
    assert shape_title("NoSuchShape") == "NoSuchShape"  # a build made with other shapes: its name as it is


# -- query forms ---------------------------------------------------------------------------------------

def test_every_query_parameter_has_a_french_and_an_english_label():
    missing = [(name, p.name, lang) for name, query in library().items() for p in query.parameters
               for lang in ("fr", "en") if not p.label.get(lang)]
    assert not missing, missing


def test_form_fields_are_named_from_the_headers(viewer):
    [territory, at] = form_fields(viewer, get_query("coordinations_covering_territory"), "fr")
    assert territory.label("fr") == "Territoire" and territory.label("en") == "Territory"
    assert at.label("fr") == "En vigueur le (facultatif)" and (at.kind, at.default) == ("text", "aujourd'hui")
    assert form_fields(viewer, get_query("coordinations_covering_territory"), "en")[1].default == "today"
    # the same name, another meaning: each query's header names its own parameter
    assert [f.label("fr") for f in form_fields(viewer, get_query("actors_in_territory"))] == \
        ["Territoire", "Type d'acteur", "En vigueur le (facultatif)"]
    assert [f.label("fr") for f in form_fields(viewer, get_query("entity_cards"))] == ["Entité (facultatif)",
                                                                                    "Classe des entités"]


def test_requetes_fields_in_french_and_entities_linked(app):
    at = app("requetes", q="communes_without_coordination")
    assert [field.label for field in at.text_input] == ["Département"]
    at = app("requetes", "en", q="coordinations_by_theme")
    assert [box.label for box in at.selectbox] == ["Question", "Theme"]
    at.button(key="run-query").click().run()
    table = at.dataframe[0].value
    assert "coordinations?id=coordination/asv-strasbourg" in list(table["coordination"])
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["coordination"]["type_config"]["type"] == "link"


def test_only_columns_of_entities_become_links(viewer):
    rows = viewer.run("sources_of_entity", entity=AIX)
    records, linked = linked_table(list(rows.variables), list(rows))
    assert linked == {"graph", "document"} and "qualite?id=source/002" in {r["document"] for r in records}
    assert "2003-05" in {r["value"] for r in records}  # a column mixing entities and texts stays text


# -- network -------------------------------------------------------------------------------------------

def test_the_network_tells_kinds_apart_by_shape_and_names_its_main_nodes(viewer):
    assert len(set(SYMBOLS.values())) == len(KINDS)
    options, shown, _ = view(viewer, "fr", KINDS, None, None, 150)
    series = options["series"][0]
    assert [c["symbol"] for c in series["categories"]] == [SYMBOLS[k] for k in KINDS]
    assert all(node["symbol"] == SYMBOLS[node["kind"]] for node in series["data"])
    main = named(options)
    assert shown > 60 and len(main) == LABELLED  # past 60 nodes only the main ones are named, but they are
    degrees = [node["value"] for node in series["data"] if "label" in node]
    assert min(degrees) >= max(node["value"] for node in series["data"] if "label" not in node)
    assert ("coordination/asv-aix-en-provence", "Atelier santé ville d'Aix-en-Provence", "coordination") in main
    assert [(char, shape) for char, shape, _ in legend("fr")][:2] == [("●", "rond"), ("■", "carré")]
    assert named(echarts_options(cut(network_graph(viewer), set()))) == []


def test_the_reseau_page_gives_a_key_in_words_and_the_main_nodes_as_links(app):
    at = app("reseau")
    key = next(c.value for c in at.caption if c.value.startswith("Légende"))
    assert "● rond : coordinations" in key and "▲ triangle : acteurs" in key
    assert "Atelier santé ville d'Aix-en-Provence (coordination)" in [link.label for link in at.page_link]


# -- around every page ---------------------------------------------------------------------------------

def test_the_page_script_carries_the_language_and_the_words_as_data():
    french, english = script("fr"), script("en")
    assert 'chrome.lang = "fr";' in french and 'chrome.lang = "en";' in english
    words = json.loads(re.search(r"const fr = (\{.*?\});", french).group(1))
    assert words == STREAMLIT_WORDS and words["Choose an option"] == "Choisissez…"
    assert "</" not in json.dumps(STREAMLIT_WORDS)  # nothing that would close the script early
