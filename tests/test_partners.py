"""The partner finder (app/viewer/partners.py, app/views/partenaires.py): ranking and explanations on a small
fixture graph whose expected order and reasons are known; the page on the seed build."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from app.viewer.model import Viewer
from app.viewer.partners import PartnerGraph, Proposal, to_csv
from maillage.stores import OxigraphStore
from tests.test_viewer import shown

ID = "https://w3id.org/maillage/id/"
T = ID + "territoire/"

# Région 93 > départements 13 and 84; EPCI 200054807 (in 13) holds communes 13001 (A) and 13005 (B); 13056 is in
# 13 only; 84007 and 84031 are in 84. Four coordinations, two actors, one experience, a three-mission matrix.
FIXTURE = """
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix mlg: <https://w3id.org/maillage/def/core#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix t: <https://w3id.org/maillage/id/territoire/> .
@prefix id: <https://w3id.org/maillage/id/> .

t:region\\/93 a igeo:Region ; igeo:codeINSEE "93" ; igeo:nom "Sud" .
t:departement\\/13 a igeo:Departement ; igeo:codeINSEE "13" ; igeo:nom "Bouches-du-Rhône" ;
    igeo:subdivisionDirecteDe t:region\\/93 .
t:departement\\/84 a igeo:Departement ; igeo:codeINSEE "84" ; igeo:nom "Vaucluse" ; igeo:subdivisionDirecteDe t:region\\/93 .
t:epci\\/200054807 a igeo:Intercommunalite ; igeo:codeINSEE "200054807" ; igeo:nom "Métropole" ;
    igeo:subdivisionDirecteDe t:departement\\/13 .
t:commune\\/13001 a igeo:Commune ; igeo:codeINSEE "13001" ; igeo:nom "Aix" ;
    igeo:subdivisionDirecteDe t:epci\\/200054807, t:departement\\/13 .
t:commune\\/13005 a igeo:Commune ; igeo:codeINSEE "13005" ; igeo:nom "Aubagne" ;
    igeo:subdivisionDirecteDe t:epci\\/200054807, t:departement\\/13 .
t:commune\\/13056 a igeo:Commune ; igeo:codeINSEE "13056" ; igeo:nom "Martigues" ; igeo:subdivisionDirecteDe t:departement\\/13 .
t:commune\\/84007 a igeo:Commune ; igeo:codeINSEE "84007" ; igeo:nom "Avignon" ; igeo:subdivisionDirecteDe t:departement\\/84 .
t:commune\\/84031 a igeo:Commune ; igeo:codeINSEE "84031" ; igeo:nom "Carpentras" ;
    igeo:subdivisionDirecteDe t:departement\\/84 .

id:theme\\/sante-mentale a mlg:Theme ; skos:prefLabel "Santé mentale"@fr, "Mental health"@en .
id:mission\\/diagnostic a mlg:Mission ; skos:prefLabel "Diagnostic local de santé"@fr .
id:mission\\/programme a mlg:Mission ; skos:prefLabel "Programme d'actions"@fr .
id:mission\\/accompagnement a mlg:Mission ; skos:prefLabel "Accompagnement méthodologique"@fr .
id:role\\/coordonnateur a mlg:Role ; skos:prefLabel "Coordonnateur"@fr, "Coordinator"@en .
id:role\\/partenaire a mlg:Role ; skos:prefLabel "Partenaire"@fr .
id:coordination-type\\/ASV a mlg:CoordinationType ; skos:prefLabel "Atelier santé ville"@fr .
id:coordination-type\\/CLS a mlg:CoordinationType ; skos:prefLabel "Contrat local de santé"@fr .
id:coordination-type\\/CLSM a mlg:CoordinationType ; skos:prefLabel "Conseil local de santé mentale"@fr ;
    mlg:theme id:theme\\/sante-mentale .
id:coordination-type\\/CMT a mlg:CoordinationType ; skos:prefLabel "Conseiller méthodologique de territoire"@fr .
id:cell\\/ASV-diagnostic a mlg:MissionAssignment ; mlg:coordinationType id:coordination-type\\/ASV ;
    mlg:mission id:mission\\/diagnostic .
id:cell\\/ASV-programme a mlg:MissionAssignment ; mlg:coordinationType id:coordination-type\\/ASV ;
    mlg:mission id:mission\\/programme .
id:cell\\/ASV-accompagnement a mlg:MissionAssignment ; mlg:coordinationType id:coordination-type\\/ASV ;
    mlg:mission id:mission\\/accompagnement .
id:cell\\/CLS-diagnostic a mlg:MissionAssignment ; mlg:coordinationType id:coordination-type\\/CLS ;
    mlg:mission id:mission\\/diagnostic .
id:cell\\/CLS-programme a mlg:MissionAssignment ; mlg:coordinationType id:coordination-type\\/CLS ;
    mlg:mission id:mission\\/programme .
id:cell\\/CMT-accompagnement a mlg:MissionAssignment ; mlg:coordinationType id:coordination-type\\/CMT ;
    mlg:mission id:mission\\/accompagnement .

id:coordination\\/asv-aix a mlg:Coordination ; rdfs:label "ASV d'Aix"@fr ; mlg:coordinationType id:coordination-type\\/ASV ;
    mlg:territory t:commune\\/13001 ; mlg:theme id:theme\\/sante-mentale ; mlg:contactRole id:role\\/coordonnateur .
id:coordination\\/cls-13 a mlg:Coordination ; rdfs:label "CLS des Bouches-du-Rhône"@fr ;
    mlg:coordinationType id:coordination-type\\/CLS ; mlg:territory t:departement\\/13 .
id:coordination\\/clsm-aubagne a mlg:Coordination ; rdfs:label "CLSM d'Aubagne"@fr ;
    mlg:coordinationType id:coordination-type\\/CLSM ; mlg:territory t:commune\\/13005 .
id:coordination\\/cmt-avignon a mlg:Coordination ; rdfs:label "CMT d'Avignon"@fr ;
    mlg:coordinationType id:coordination-type\\/CMT ; mlg:territory t:commune\\/84007 ; mlg:theme id:theme\\/sante-mentale .
id:experience\\/martigues a mlg:FieldExperience ; rdfs:label "Écoute à Martigues"@fr ;
    mlg:carriedOutBy id:coordination\\/cls-13 ; mlg:theme id:theme\\/sante-mentale ; mlg:place t:commune\\/13056 ;
    mlg:contactRole id:role\\/coordonnateur .

id:acteur\\/association-aix a mlg:Actor ; rdfs:label "Association d'Aix"@fr ; mlg:basedIn t:commune\\/13001 .
id:acteur\\/poste-clsm a mlg:Actor ; rdfs:label "Coordination du CLSM"@fr ; mlg:basedIn t:commune\\/13005 .
id:participation\\/1 a mlg:Participation ; org:member id:acteur\\/association-aix ; org:organization id:coordination\\/cls-13 ;
    org:role id:role\\/partenaire .
id:participation\\/2 a mlg:Participation ; org:member id:acteur\\/poste-clsm ;
    org:organization id:coordination\\/clsm-aubagne ; org:role id:role\\/coordonnateur ; mlg:contactPoint true .
"""


@pytest.fixture(scope="module")
def partners() -> PartnerGraph:
    store = ox.Store()
    store.load(FIXTURE.encode(), format=ox.RdfFormat.TURTLE)
    return PartnerGraph.from_viewer(Viewer(OxigraphStore(store)))


def ranked(partners: PartnerGraph, territory: str, **options) -> list[tuple[str, float]]:
    return [(p.iri.rsplit("/", 1)[1], p.score) for p in partners.rank(territory, **options)]


def reasons(partners: PartnerGraph, territory: str, name: str, **options) -> list[str]:
    [found] = [p for p in partners.rank(territory, **options) if p.iri.endswith("/" + name)]
    return [partners.sentence(r) for r in found.reasons]


def test_ranking_by_territory_theme_and_membership(partners):
    assert ranked(partners, "commune/13001", concepts=[ID + "theme/sante-mentale"]) == [
        ("asv-aix", 7.0),             # same commune 4 + declares the theme 3
        ("association-aix", 6.0),     # based there 4 + partner of the CLS 1 + the CLS's theme through it 1
        ("cls-13", 4.5),              # its département encloses Aix 2.5 + an experience on the theme 2
        ("clsm-aubagne", 3.0),        # neighbour in the same EPCI 2 + its type's theme 1
        ("cmt-avignon", 3.0),         # far (another département) but declares the theme 3
        ("poste-clsm", 3.0),          # neighbour 2 + coordinator of the CLSM 1
    ]  # ties by label: « CLSM d'Aubagne » < « CMT d'Avignon » < « Coordination du CLSM »


def test_each_reason_is_a_path_of_the_graph(partners):
    [cls] = [p for p in partners.rank("commune/13001", [ID + "theme/sante-mentale"]) if p.iri.endswith("cls-13")]
    territory, theme = cls.reasons
    assert territory.nodes == [ID + "coordination/cls-13", T + "departement/13", T + "commune/13001"]
    assert theme.nodes == [ID + "coordination/cls-13", ID + "experience/martigues", ID + "theme/sante-mentale"]
    for reason in (territory, theme):
        for step in reason.steps:
            assert partners.graph.has_edge(step.source, step.target, key=step.relation)
    [clsm] = [p for p in partners.rank("commune/13001") if p.iri.endswith("clsm-aubagne")]
    assert clsm.reasons[0].nodes == [ID + "coordination/clsm-aubagne", T + "commune/13005", T + "epci/200054807",
                                     T + "commune/13001"]


def test_explanations_in_plain_french_and_english(partners):
    theme = [ID + "theme/sante-mentale"]
    assert reasons(partners, "commune/13001", "cls-13", concepts=theme) == [
        "Territoire d'intervention : Bouches-du-Rhône — Département 13, qui englobe Aix (13) — 13001.",
        "A porté l'expérience « Écoute à Martigues », liée à la thématique « Santé mentale ».",
    ]
    assert reasons(partners, "commune/13001", "clsm-aubagne", concepts=theme) == [
        "Territoire d'intervention : Aubagne (13) — 13005, comme Aix (13) — 13001 dans Métropole — EPCI 200054807.",
        "Son type (Conseil local de santé mentale) compte la thématique « Santé mentale » parmi ses thématiques.",
    ]
    assert reasons(partners, "commune/13001", "association-aix", concepts=theme) == [
        "Implantation : Aix (13) — 13001, le territoire choisi.",
        "Rôle « Partenaire » dans « CLS des Bouches-du-Rhône ».",
        "Rôle « Partenaire » dans « CLS des Bouches-du-Rhône », qui : a porté l'expérience « Écoute à Martigues », "
        "liée à la thématique « Santé mentale ».",
    ]
    [asv] = [p for p in partners.rank("commune/13001", theme) if p.iri.endswith("asv-aix")]
    assert [partners.sentence(r, "en") for r in asv.reasons] == [
        "Works in: Aix (13) — 13001, the chosen territory.", "Works on the theme « Mental health »."]


def test_complementary_missions_from_the_matrix(partners):
    cmt = ID + "coordination-type/CMT"  # the matrix gives a CMT neither diagnosis nor programme
    assert ranked(partners, "commune/13001", own_type=cmt)[:2] == [("association-aix", 5.0), ("asv-aix", 5.0)]  # by label
    assert reasons(partners, "commune/13001", "cls-13", own_type=cmt)[1:] == [
        "Mission « Diagnostic local de santé » de son type (Contrat local de santé, matrice des missions), que votre "
        "type (Conseiller méthodologique de territoire) n'a pas.",
        "Mission « Programme d'actions » de son type (Contrat local de santé, matrice des missions), que votre type "
        "(Conseiller méthodologique de territoire) n'a pas."]
    # Carpentras: no coordination works there or around it; the CMT of Avignon, in the same département, can help.
    assert ranked(partners, "commune/84031") == [("cmt-avignon", 1.5)]
    assert reasons(partners, "commune/84031", "cmt-avignon")[1] == (
        "Mission « Accompagnement méthodologique » de son type (Conseiller méthodologique de territoire, matrice des "
        "missions), alors qu'aucune coordination connue n'intervient sur le territoire choisi ni autour.")
    # Aix is covered by an ASV (every mission): nothing is missing there.
    assert not [r for p in partners.rank("commune/13001") for r in p.reasons if r.kind.startswith("mission")]


def test_contact_is_a_role_never_a_person(partners):
    found = {p.iri.rsplit("/", 1)[1]: partners.contact(p) for p in partners.rank("commune/13001")}
    assert found["asv-aix"] == "Coordonnateur"                       # the coordination's contact role
    assert found["clsm-aubagne"] == "Coordonnateur"                  # the participation marked as contact point
    assert found["cls-13"] == "Coordonnateur"                        # the role its experience gives
    assert found["association-aix"] == "Partenaire — CLS des Bouches-du-Rhône"


def test_csv_export(partners):
    proposals = partners.rank("commune/13001", [ID + "theme/sante-mentale"])
    rows = list(csv.reader(io.StringIO(to_csv(partners, proposals))))
    assert rows[0] == ["rang", "genre", "nom", "identifiant", "score", "raisons", "contact"]
    assert rows[1] == ["1", "coordination", "ASV d'Aix", "coordination/asv-aix", "7",
                       "Territoire d'intervention : Aix (13) — 13001, le territoire choisi. | "
                       "Travaille la thématique « Santé mentale ».", "Coordonnateur"]
    assert [r[2] for r in rows[1:]][:3] == ["ASV d'Aix", "Association d'Aix", "CLS des Bouches-du-Rhône"]
    assert rows[2][1] == "acteur" and len(rows) == 7
    english = list(csv.reader(io.StringIO(to_csv(partners, proposals, "en"))))
    assert english[0][:3] == ["rank", "kind", "name"] and english[2][1] == "actor"


def test_csv_export_runs_no_formula_from_a_label(partners):
    hostile = Proposal(ID + "acteur/x", "actor", "=cmd|' /C calc'!A0")
    rows = list(csv.reader(io.StringIO(to_csv(partners, [hostile]))))
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][4] == "0"


def test_concept_choices_and_codes(partners):
    assert partners.choices("theme", "en") == {ID + "theme/sante-mentale": "Mental health"}
    assert partners.from_codes("type", ["CMT", "nowhere"]) == [ID + "coordination-type/CMT"]


# -- the page, on the seed build ------------------------------------------------------------------

def test_page_from_a_shared_link(app):  # noqa: F811
    at = app("partenaires", territory="commune/67482", themes="sante-mentale")
    text = shown(at)
    assert "Territoire d'intervention : Strasbourg (67) — 67482, le territoire choisi." in text
    assert "A porté l'expérience « Appropriation de la santé mentale et ouverture de l'hôpital sur la ville à " \
           "Strasbourg », liée à la thématique « Santé mentale »." in text
    first = at.get("page_link")[0].proto  # each coordination links to its page
    assert (first.label, first.page, first.query_string) == (
        "1. Atelier santé ville de Strasbourg", "coordinations", "id=coordination%2Fasv-strasbourg")
    assert "Contact : Coordonnateur" in "\n".join(c.value for c in at.caption)


def test_page_pick_a_territory_and_a_theme(app):  # noqa: F811
    at = app("partenaires")
    assert "Choisissez un territoire" in at.info[0].value
    at.text_input(key="partner_search").input("Aix-en-Provence").run()
    at.multiselect(key="partner_themes").select("https://w3id.org/maillage/id/theme/sante-mentale").run()
    assert not at.exception
    assert (at.query_params["territory"], at.query_params["themes"]) == ("commune/13001", "sante-mentale")
    text = shown(at)
    assert "Territoire d'intervention : Aix-en-Provence (13) — 13001, le territoire choisi." in text
    assert "Rôle « Membre du comité de pilotage » dans « Atelier santé ville d'Aix-en-Provence »." in text


def test_page_in_english(app):  # noqa: F811
    at = app("partenaires", lang="en", territory="departement/67", themes="sante-mentale")
    assert at.title[0].value == "Find partners"
    assert "Works in: Strasbourg (67) — 67482, within Bas-Rhin — Département 67." in shown(at)
