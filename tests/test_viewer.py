"""The Streamlit viewer (app/): each page renders under AppTest on the seed build and shows what the seeds say."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from app.viewer import model
from app.viewer.model import Viewer
from app.viewer.text import date_text
from tests.conftest import MAIN


def shown(at: AppTest) -> str:
    """The page's text: its Markdown, headings and the labels of its links to entity pages."""
    return "\n".join([m.value for m in at.markdown] + [h.value for h in at.header]
                     + [link.value for link in at.page_link])


def test_search_tells_homonyms_apart_by_departement(seed_store):
    viewer = Viewer(seed_store)
    titles = [t.title() for t in viewer.search_territories("saint-denis") if t.level == "commune"]
    assert "Saint-Denis (93) — 93066" in titles and any(t.startswith("Saint-Denis (974)") for t in titles)
    assert viewer.search_territories("38151")[0].name == "Échirolles"
    assert viewer.search_territories("echirolles")[0].code == "38151"


def test_list_cards_are_short_and_a_complete_card_adds_the_long_texts(seed_store):
    viewer = Viewer(seed_store)
    short = next(c for c in viewer.experiences.values() if c.text("label").startswith("Village 2 santé"))
    assert short.links("theme") and short.text("subject") and "history" not in short.fields
    full = viewer.complete(short)
    assert full.text("history").startswith("Depuis 2016, le “Village 2 santé” à Échirolles")
    assert full.links("theme") == short.links("theme") and full.links("source")
    assert viewer.complete(short) is full  # read once
    # A coordination's complete card keeps the themes of the experiences it carries.
    carried = next(c for c in viewer.coordinations.values() if c.links("theme") and viewer.experiences_of(c.iri))
    assert set(viewer.complete(carried).links("theme")) == set(carried.links("theme"))


def tables(at: AppTest) -> list[list[list[str]]]:
    """The page's Markdown tables (Accueil's, app/viewer/text.markdown_table): rows of cells, the header row first."""
    return [[[cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
             for line in m.value.splitlines() if not line.startswith("|---")]
            for m in at.markdown if m.value.startswith("| ")]


def test_accueil_counts_build_date_and_vintage(app):
    at = app()
    assert "millésime 2026" in at.caption[0].value
    types, sources = tables(at)
    assert dict(types)["Expérience de terrain"] == "13" and types[0] == ["Type", "Nombre"]
    assert "Agir pour la prévention et la promotion de la santé dans les quartiers de la politique de la ville" in \
        [row[0] for row in sources]


def test_accueil_in_english(app):
    at = app(lang="en")
    assert "Field experience" in [row[0] for row in tables(at)[0]]
    assert at.title[0].value == "Maillage: local health coordination"


def test_territory_search_and_nesting(app):
    at = app("territoires")
    at.text_input(key="search").input("Échirolles").run()
    assert not at.exception
    assert at.query_params["id"] == "territoire/commune/38151"
    text = shown(at)
    assert "Grenoble-Alpes-Métropole" in text and "Isère" in text and "Auvergne-Rhône-Alpes" in text
    assert "Village 2 santé" in text


def test_departement_page_lists_the_experiences_of_its_communes(app, monkeypatch):
    monkeypatch.setenv("MAILLAGE_ENDPOINT_URL", "https://donnees.example.org/")  # where its feed is served
    at = app("territoires", id="territoire/departement/38")
    assert "Village 2 santé, centre de santé autogéré et communautaire d'Échirolles" in shown(at)
    # The link to the territory's Atom feed (app/viewer/feeds.py, docs/diff-and-feeds.md).
    assert "[Suivre ce territoire (flux Atom)](https://donnees.example.org/feeds/territory/departement/38.atom)" in shown(at)


def test_unknown_territory_name_says_so(app):
    at = app("territoires")
    at.text_input(key="search").input("Xyzzyville").run()
    assert "Aucun territoire ne correspond" in at.warning[0].value


def test_experiences_filtered_on_mental_health_show_strasbourg(app):
    at = app("experiences")
    at.selectbox[0].select("https://w3id.org/maillage/id/theme/sante-mentale").run()
    text = shown(at)
    assert "Strasbourg" in text and "Village 2 santé" not in text


def test_experiences_filtered_by_place_through_nesting(app):
    at = app("experiences")
    at.text_input[0].input("departement/38").run()
    assert "1 expérience(s)" in [c.value for c in at.caption] and "Échirolles" in shown(at)


def test_experience_page_from_its_url(app):
    at = app("experiences", lang="en", id="experience/strasbourg-sante-mentale-hopital-ville")
    assert "Making mental health everyone's concern" in shown(at)


def test_aix_asv_page_lists_its_steering_committee(app):
    at = app("coordinations", id="coordination/asv-aix-en-provence")
    text = shown(at)
    assert "**Membre du comité de pilotage** :" in text and "Assurance maladie" in text  # the actor: a link to its page
    assert "Ateliers santé ville : outils de définition de coordination" in text


def test_coordinations_filtered_by_territory(app):
    at = app("coordinations")
    at.text_input[0].input("departement/13").run()
    assert "Aix-en-Provence" in shown(at)


@pytest.mark.parametrize("page", ["territoires", "experiences", "coordinations"])
def test_a_link_to_nothing_says_so(app, page):
    at = app(page, id="coordination/nulle-part")
    assert "Aucune fiche ne correspond à « coordination/nulle-part »" in at.error[0].value


def test_no_build_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILLAGE_OUT", str(tmp_path))
    at = AppTest.from_file(MAIN, default_timeout=60).run()
    assert not at.exception and "lancez d'abord « maillage build »" in at.error[0].value


def _paged_script():
    import streamlit as st

    from app.viewer.ui import paged

    st.markdown(" ".join(str(n) for n in paged(list(range(45)), 20)))


def test_long_lists_are_shown_a_page_at_a_time_with_the_page_in_the_url():
    at = AppTest.from_function(_paged_script)
    at.query_params["page"] = "3"
    at.run()
    assert at.number_input[0].label == "Page (sur 3)" and at.number_input[0].value == 3
    assert at.markdown[0].value == "40 41 42 43 44"
    at.number_input[0].set_value(1).run()
    assert "page" not in at.query_params and at.markdown[0].value == " ".join(str(n) for n in range(20))


def _opening_table_script():
    import os

    import streamlit as st

    from app.viewer.model import manifest
    from app.viewer.ui import _build_table

    st.table(_build_table(manifest(os.environ["MAILLAGE_OUT"])))


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_opening_view_says_when_the_graph_was_built_its_size_and_conformity(seed_out, monkeypatch, lang):
    """What the first visitor reads while the graph opens (viewer_ui._while_opening), from the build's manifest."""
    monkeypatch.setenv("MAILLAGE_OUT", str(seed_out))
    build = model.manifest(str(seed_out))
    at = AppTest.from_function(_opening_table_script)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception
    table = at.table[0].value
    rows = dict(zip(*(table[column].tolist() for column in table.columns), strict=True))
    separator = "\u202f" if lang == "fr" else ","
    built = date_text(build["built_at"], lang)  # « 06/12/2026 à 04 h 17 », never the ISO timestamp
    assert build["built_at"][:10] not in built
    expected = {"fr": {"Construit le": built, "Quadruplets": f"{build['quads']:,}".replace(",", separator),
                       "Sans violation SHACL": "oui"},
                "en": {"Built on": built, "Quads": f"{build['quads']:,}",
                       "No SHACL violation": "yes"}}[lang]
    assert list(rows) == list(expected) and separator in rows[list(expected)[1]]
    for name, value in expected.items():
        assert rows[name].startswith(value), name


def test_territory_page_lists_what_lies_there_what_covers_it_and_the_themes_left(app):
    at = app("territoires", id="territoire/commune/38151")  # Échirolles
    text = shown(at)
    assert "Village 2 santé, centre de santé autogéré et communautaire d'Échirolles" in text
    assert "Village 2 santé" in [link.value for link in at.page_link]  # the actor based there, linked to its page
    assert {"Coordinations (0)", "Expériences (1)", "Acteurs implantés (1)", "Quartiers prioritaires (0)"} <= {
        h.value for h in at.subheader}
    # No coordination known there: the graph says it cannot tell which themes are worked on, and where it knows some.
    assert "Le graphe ne connaît aucune coordination ici (sur les 11 qu'il connaît)" in text
    covered = shown(app("territoires", id="territoire/commune/42218", lang="en"))  # Saint-Étienne, in English
    assert "Also covering it, from a territory containing it" in covered
    assert "City Health Workshop of the Gier and Ondaine valleys" in covered  # its English name
