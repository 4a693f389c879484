"""Actor pages, honest answers and dates in the viewer (app/viewer/actors.py, answers.py, text.py's dates; the
Acteurs, Accueil, Coordinations and Territoires pages) on the seed build."""

from __future__ import annotations

import re

import pytest

from app.viewer.answers import nearest_known
from app.viewer.model import Viewer
from app.viewer.text import chronological, date_key, date_text, mail_link, period_text
from tests.test_viewer import shown

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def links(at) -> dict[str, str]:
    """Label -> target (`page?query`) of the page's links."""
    return {link.value: f"{link.proto.page}?{link.proto.query_string}" for link in at.page_link}


# -- dates -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "fr", "en"), [
    ("2016", "2016", "2016"),
    ("2003-05", "mai 2003", "May 2003"),
    ("2017-01-24", "24 janvier 2017", "24 January 2017"),
    ("2017-01-01", "1er janvier 2017", "1 January 2017"),
    # A build time (UTC in the graph) in metropolitan France's time, winter and summer; a datetime's str() too.
    ("2026-12-06T03:17:11+00:00", "06/12/2026 à 04 h 17", "6 December 2026 at 04:17"),
    ("2026-07-06T03:17:11Z", "06/07/2026 à 05 h 17", "6 July 2026 at 05:17"),
    ("2026-12-06 03:17:11+00:00", "06/12/2026 à 04 h 17", "6 December 2026 at 04:17"),
    # Not a date: shown as it is, never lost nor turned into another date.
    ("2010-13", "2010-13", "2010-13"), ("2010-02-30T99:00", "2010-02-30T99:00", "2010-02-30T99:00"),
    ("vers 2005", "vers 2005", "vers 2005"), ("", "", ""),
])
def test_dates_as_people_write_them(value, fr, en):
    assert (date_text(value, "fr"), date_text(value, "en")) == (fr, en)


@pytest.mark.parametrize(("start", "end", "fr", "en"), [
    ("2003-05", "2010-01", "de mai 2003 à janvier 2010", "from May 2003 to January 2010"),
    ("2003-04", "2010", "d'avril 2003 à 2010", "from April 2003 to 2010"),
    ("2003-05-01", "2010-01-02", "du 1er mai 2003 au 2 janvier 2010", "from 1 May 2003 to 2 January 2010"),
    (None, "2010-07", "jusqu'en juillet 2010", "until July 2010"),
    (None, "2010-07-01", "jusqu'au 1er juillet 2010", "until 1 July 2010"),
    ("2010-07", None, "depuis juillet 2010", "since July 2010"),
    ("2010-07-14", None, "depuis le 14 juillet 2010", "since 14 July 2010"),
    (None, None, "", ""),
])
def test_periods(start, end, fr, en):
    assert (period_text(start, end, "fr"), period_text(start, end, "en")) == (fr, en)


def test_dates_sort_in_time_and_histories_by_the_first_date_they_mention():
    assert sorted(["2010", "2003-05-02", "texte", "2003", "2003-05"], key=date_key) == [
        "2003", "2003-05", "2003-05-02", "2010", "texte"]
    history = ["Le fait d'appartenir maintenant à un service de droit commun…", "Depuis janvier 2010, transféré…",
               "En 2003 déjà…", "Mis en place en mai 2003, d'abord rattaché…"]
    assert chronological(history) == [history[2], history[3], history[1], history[0]]


@pytest.mark.parametrize(("address", "expected"), [
    ("contact@plateforme-asv.org", "[contact@plateforme-asv.org](<mailto:contact@plateforme-asv.org>)"),
    # Anything that could close the link or start another one stays escaped text, never a link.
    ("a>b@x.org", "a\\>b@\u2060x.org"),
    ("](javascript:alert(1))@x.org", "\\](javascript:alert(1))@\u2060x.org"),
    ("x@y", "x@\u2060y"),
    ("a b@x.org", "a b@\u2060x.org"),
])
def test_a_published_email_is_a_mailto_link_only_when_it_reads_as_an_address(address, expected):
    assert mail_link(address) == expected


# -- honest answers ----------------------------------------------------------------------------------------------

def test_the_nearest_known_alternative_climbs_the_nesting(seed_store):
    viewer = Viewer(seed_store)
    steps = [(place.key, count) for place, count in nearest_known(viewer, viewer.territory("commune/38151"),
                                                                  "coordination")]
    assert steps == [("commune/38151", 0), ("epci/200040715", 0), ("departement/38", 0), ("region/84", 2)]


def test_an_empty_territory_names_the_nearest_alternative_and_words_its_gaps_as_what_the_graph_knows(app):
    text = "\n".join(i.value for i in app("territoires", id="territoire/commune/38151").info)  # Échirolles
    assert ("D'après le graphe : Échirolles : 0 ; Grenoble-Alpes-Métropole : 0 ; Isère : 0 ; "
            "Auvergne-Rhône-Alpes : 2 (11 coordinations connues en tout).") in text
    seine_saint_denis = shown(app("territoires", id="territoire/departement/93"))
    assert "D'après les 11 coordinations connues du graphe (dont 2 ici), aucune ne travaille ici : " in seine_saint_denis


def test_an_empty_filtered_list_says_where_the_graph_knows_some(app):
    at = app("coordinations", territoire="departement/38")
    assert "0 coordination(s)" in [caption.value for caption in at.caption]
    assert "Isère : 0 ; Auvergne-Rhône-Alpes : 2" in at.info[0].value
    at = app("coordinations", territoire="departement/38", type="coordination-type/ASV")
    assert "ne répond à tous ces filtres" in at.info[0].value  # other filters: no alternative claimed


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_accueil_says_what_the_graph_knows_with_dates_and_no_iso_timestamp(app, lang):
    at = app("accueil", lang=lang)
    text = "\n".join([shown(at)] + [c.value for c in at.caption] + [table.value.to_csv() for table in at.table])
    assert {"fr": "Le graphe connaît, par type : Territoire (38\u202f991), Acteur (40), Expérience de terrain (13), "
                  "Coordination locale en santé (11)",
            "en": "The graph knows, by type: Territory (38,991), Actor (40), Field experience (13)"}[lang] in text
    assert {"fr": "Proposez-le depuis la page « Contribuer »", "en": "'Contribute' page"}[lang] in text
    assert {"fr": "24 janvier 2017", "en": "24 January 2017"}[lang] in text  # a source's date, in the table
    assert not ISO_TIMESTAMP.search(text), ISO_TIMESTAMP.search(text)
    assert {"fr": "Graphe construit le ", "en": "Graph built on "}[lang] in text


# -- actor pages and links ---------------------------------------------------------------------------------------

def test_an_actor_page_lists_its_participations_roles_places_and_published_contact(app):
    at = app("acteurs", id="acteur/ville-aix-en-provence")
    text, targets = shown(at), links(at)
    assert at.title[0].value == "Ville d'Aix-en-Provence" and "Participe à (3)" in text
    assert all(f"- **Rôle** : {role}" in text for role in ("Porteur", "Cosignataire", "Membre du comité de pilotage"))
    assert targets["**Atelier santé ville d'Aix-en-Provence**"].endswith("id=coordination%2Fasv-aix-en-provence")
    assert targets["Aix-en-Provence"].endswith("id=territoire%2Fcommune%2F13001")  # where
    assert "[http\u2060://www\u2060.aixenprovence.fr](<http://www.aixenprovence.fr>)" in text
    platform = shown(app("acteurs", id="acteur/plateforme-nationale-ressources-asv"))
    assert "- **Courriel** : [contact@plateforme-asv.org](<mailto:contact@plateforme-asv.org>)" in platform
    assert "- **Téléphone** : 06 99 67 55 56, 07 78 13 56 37" in platform


def test_an_ended_body_shows_it_was_replaced_and_its_participations_dates(app):
    at = app("acteurs", id="acteur/ddass")
    assert "- **Rôle** : Cosignataire (jusqu'en juillet 2010)" in shown(at) and "a été remplacé" in at.info[0].value
    headers = [h.value for h in at.header]  # ended apart from the current ones (none left)
    assert "Participe à (0)" in headers and "A participé à (1)" in headers
    assert links(at)["Agences régionales de santé"].endswith("id=acteur%2Fars")  # Remplacé par
    assert "- **Role**: Co-signatory (until July 2010)" in shown(app("acteurs", lang="en", id="acteur/ddass"))


def test_a_post_shows_no_personal_data(app):
    text = shown(app("acteurs", id="acteur/coordinatrice-asv-aix-en-provence"))
    assert "- **Rôle** : Coordonnateur" in text
    assert "pourrierea" not in text and "04 42 91" not in text and "Borrás" not in text  # data/persons.yaml
    assert "Le graphe ne connaît aucune coordonnée publiée par cet acteur" in text


def test_actors_are_linked_from_a_coordination_with_their_dates_and_the_history_in_time_order(app):
    at = app("coordinations", id="coordination/asv-aix-en-provence")
    target = links(at)["Directions départementales des affaires sanitaires et sociales"]
    assert "acteurs" in target and target.endswith("id=acteur%2Fddass")
    text = shown(at)
    assert "**Cosignataire** (jusqu'en juillet 2010) :" in text and "**Cosignataire** (depuis juillet 2010) :" in text
    headers = [h.value for h in at.header]  # the DDASS listed apart, after the current partners
    assert headers.index("Autres partenaires") < headers.index("Ont participé") and "À venir" not in headers
    assert "**Mise en place** : mai 2003" in text
    assert ("**Dates connues**\n\n- Mai 2003 : mise en place\n"
            "- De mai 2003 à janvier 2010 : rattaché à Service politique de la ville\n"
            "- Depuis janvier 2010 : rattaché à Direction de la santé publique\n"
            "- Jusqu'en juillet 2010 : Directions départementales des affaires sanitaires et sociales, cosignataire\n"
            "- Depuis juillet 2010 : Agence régionale de santé Provence-Alpes-Côte d'Azur, cosignataire") in text
    history = text[text.index("**Historique**"):]
    assert history.index("Mis en place en mai 2003") < history.index("Depuis janvier 2010") < history.index(
        "Le fait d'appartenir maintenant")


def test_the_actor_list_links_every_actor_and_filters_by_name(app):
    at = app("acteurs")
    assert at.caption[0].value == "40 acteur(s) sur les 40 que connaît le graphe" and len(at.page_link) >= 40
    at.text_input(key="filter.actor").input("sante publique").run()
    assert {link.value for link in at.page_link} >= {"Agence nationale de santé publique",
                                                     "Institut national de prévention et d'éducation pour la santé"} - {
        "Institut national de prévention et d'éducation pour la santé"}
    assert not {link.value for link in at.page_link} & {"Ville d'Aix-en-Provence"}


def test_an_experience_links_its_carrying_actor_and_the_actor_page_lists_it(app):
    at = app("experiences", id="experience/echirolles-village-2-sante")
    assert links(at)["Village 2 santé"].endswith("id=acteur%2Fvillage-2-sante") and "**Début** : 2016" in shown(at)
    actor = app("acteurs", id="acteur/village-2-sante")
    assert "Expériences (1)" in shown(actor)
    assert links(actor)["Village 2 santé, centre de santé autogéré et communautaire d'Échirolles"].endswith(
        "id=experience%2Fechirolles-village-2-sante")
