"""Territories like mine (issue 22, part 2): comparable_territories against what is computed here from the pinned
referential's own files (the Etalab package: communes with their population, EPCI and EPT with their category and
population), never typed in: the category and the band hold for every proposed territory, and every territory that
meets them is proposed. The order, what is known there, the parameters' checks, the viewer's section and the
partner finder's option."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from rdflib import SKOS, URIRef
from rdflib.namespace import SDO

from app.viewer.alike import READ, Comparable, Comparables
from graph_builder.constants import ONTOLOGY_DIR, VOCABULARY_BASE
from graph_builder.problems import thousands
from graph_builder.referential.package import Referential, fetch, load
from graph_builder.referential.territories import EPCI_CATEGORIES, POPULATION_GROUPS
from tests.conftest import ID, run_query
from tests.test_viewer import shown

# CGCT art. L. 2334-3: the fifteen population groups of communes, by their lower bounds (the law's text).
LAW_GROUPS = (0, 500, 1000, 2000, 3500, 5000, 7500, 10000, 15000, 20000, 35000, 50000, 75000, 100000, 200000)


@pytest.fixture(scope="module")
def referential() -> Referential:
    return load(fetch())


@pytest.fixture(scope="module")
def places(referential) -> dict[str, tuple[str, int]]:
    """`level/code` -> (category, population) of every commune, EPCI and EPT with a population, from the package:
    a commune's category is its group's lower bound, an EPCI's or EPT's the package's `type`."""
    found = {}
    for commune in referential["communes"]:
        if commune["type"] == "commune-actuelle" and "population" in commune:
            group = max(low for low in LAW_GROUPS if low <= commune["population"])
            found[f"commune/{commune['code']}"] = (str(group), commune["population"])
    for table in ("epci", "ept"):
        for group in referential[table]:
            if "populationMunicipale" in group:
                found[f"{table}/{group['code']}"] = (group["type"], group["populationMunicipale"])
    return found


def comparable(places, territory: str, band: int = 50) -> set[str]:
    """The expected answer: same level and category, population within [p / f, p × f], f = 1 + band / 100."""
    level = territory.split("/")[0]
    category, population = places[territory]
    factor = Fraction(100 + band, 100)
    low, high = math.ceil(population / factor), math.floor(population * factor)
    return {key for key, (other, people) in places.items()
            if key.split("/")[0] == level and other == category and low <= people <= high and key != territory}


ALL = 20000  # the query's largest `limit`: more than the largest category (18,264 communes of 0 to 499 inhabitants)


def key(iri: str) -> str:
    return iri.removeprefix(f"{ID}territoire/")


@pytest.mark.parametrize(("territory", "band"), [
    ("commune/38185", 50),  # Grenoble, 100 000 to 199 999: Aix-en-Provence (its ASV) among them
    ("commune/13001", 20),  # Aix-en-Provence, a narrower band
    ("commune/01001", 50),  # L'Abergement-Clémenciat: hundreds of small communes
    ("epci/244200770", 50),  # Saint-Étienne Métropole (METRO)
    ("epci/200040715", 100),  # Grenoble-Alpes-Métropole, a wider band
    ("epci/200071751", 50),  # a communauté d'agglomération
    ("epci/200000172", 50),  # a communauté de communes
    ("commune/55039", 50),  # Beaumont-en-Verdunois, « mort pour la France »: population 0, its five peers
    ("ept/200057867", 400),  # Plaine Commune: the other EPT
])
def test_category_and_band_hold_for_every_proposed_territory(seed_store, places, territory, band):
    rows = run_query(seed_store, "comparable_territories", territory=territory, band=band, limit=ALL)
    got = [key(r["territory"]) for r in rows]
    assert len(got) == len(set(got)), "one row per territory"
    want = comparable(places, territory, band)
    assert want, "the case has comparable territories"
    assert set(got) == want  # every proposed one meets the category and the band, and every one that does is there
    assert {int(r["peers"]) for r in rows} == {len(want)}  # how many in all, said on every row
    chosen = places[territory][1]
    for row in rows:
        category, population = places[key(row["territory"])]
        assert int(row["population"]) == population and int(row["gap"]) == abs(population - chosen)
        assert key(row["territory"]).split("/")[1] == row["code"]
        expected = (f"commune-population-group/{category}-" if territory.startswith("commune/") else
                    f"epci-category/{EPCI_CATEGORIES[category]}")
        assert row["category"].startswith(VOCABULARY_BASE + expected), (row["category"], expected)


def test_the_relation_is_symmetric(seed_store):
    for row in run_query(seed_store, "comparable_territories", territory="commune/38185")[:5]:
        back = run_query(seed_store, "comparable_territories", territory=key(row["territory"]))
        assert "commune/38185" in {key(r["territory"]) for r in back}


def test_known_first_then_closest_then_code_and_what_is_known_is_what_the_territory_holds(seed_store):
    rows = run_query(seed_store, "comparable_territories", territory="commune/38185")
    order = [(int(r["coordinations"]) + int(r["experiences"]) == 0, int(r["gap"]), r["code"]) for r in rows]
    assert order == sorted(order) and len(set(order)) == len(order)  # a total order
    known = [r for r in rows if int(r["coordinations"]) + int(r["experiences"])]
    assert "commune/13001" in {key(r["territory"]) for r in known}  # Aix-en-Provence and its ASV
    for row in known:  # what entities_in_territory (another query) finds in the territory or within it
        inside = run_query(seed_store, "entities_in_territory", territory=key(row["territory"]))
        for kind, column in (("coordination", "coordinationList"), ("experience", "experienceList")):
            listed = sorted((row[column] or "").split())
            assert listed == sorted({r["entity"] for r in inside if r["kind"] == kind})
            assert len(listed) == int(row[column.replace("List", "s")])


def test_the_referential_gives_every_epci_and_commune_its_category(seed_store, referential):
    def count(prop: str) -> int:
        return int(seed_store.select(f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ ?t <{prop}> ?c }}")[0][0])

    typed = count("http://rdf.insee.fr/def/geo#typeDEPCI")
    assert typed == len(referential["epci"]) + len(referential["ept"])  # 1,255 EPCI and 11 EPT
    grouped = count("https://w3id.org/maillage/def/core#populationGroup")
    assert grouped == sum(1 for c in referential["communes"] if c["type"] == "commune-actuelle" and "population" in c)
    assert {g["type"] for table in ("epci", "ept") for g in referential[table]} == set(EPCI_CATEGORIES)


def test_the_vocabularies_state_the_groups_and_categories_the_conversion_uses():
    from rdflib import Graph

    groups = Graph().parse(ONTOLOGY_DIR / "vocabularies" / "commune-population-group.ttl")
    scheme = URIRef(VOCABULARY_BASE + "commune-population-group")
    lows = sorted(int(groups.value(c, SDO.minValue)) for c in groups.subjects(SKOS.inScheme, scheme))
    assert tuple(lows) == POPULATION_GROUPS == LAW_GROUPS
    for concept in groups.subjects(SKOS.inScheme, scheme):  # each group ends where the next begins
        low, high = int(groups.value(concept, SDO.minValue)), groups.value(concept, SDO.maxValue)
        following = [b for b in LAW_GROUPS if b > low]
        assert (int(high) + 1 if high is not None else None) == (following[0] if following else None)
    categories = Graph().parse(ONTOLOGY_DIR / "vocabularies" / "epci-category.ttl")
    codes = {str(c).rsplit("/", 1)[1] for c in categories.subjects(SKOS.inScheme,
                                                                   URIRef(VOCABULARY_BASE + "epci-category"))}
    assert codes == set(EPCI_CATEGORIES.values())


@pytest.mark.parametrize(("params", "said"), [
    ({"territory": "departement/38"}, "Niveaux possibles : commune, epci, ept"),
    ({"territory": "commune"}, "niveaux possibles : commune, epci, ept"),
    ({"territory": "commune/38185", "band": "0"}, "Attendu entre 1 et 400"),
    ({"territory": "commune/38185", "band": "401"}, "Attendu entre 1 et 400"),
    ({"territory": "commune/38185", "band": "50 } ; DROP ALL"}, "Un nombre entier est attendu"),
    ({"territory": "commune/3818"}, "Code commune INSEE invalide"),
])
def test_bad_parameters_are_refused_in_french_first(seed_store, params, said):
    from maillage.library import LibraryError

    with pytest.raises(LibraryError) as refused:
        run_query(seed_store, "comparable_territories", **params)
    assert said in refused.value.message("fr") and refused.value.message("en") != refused.value.message("fr")


@pytest.mark.parametrize("territory", ["commune/01001", "epci/200000172"])
def test_the_first_of_the_ranking_and_how_many_there_are_in_all(seed_store, territory):
    whole = run_query(seed_store, "comparable_territories", territory=territory, limit=ALL)
    assert len(whole) > 100, "the case has more peers than the default limit"
    first = run_query(seed_store, "comparable_territories", territory=territory)  # limit: 100 by default
    assert first == whole[:100]  # the same ranking, cut after its first 100
    assert {int(r["peers"]) for r in first} == {len(whole)}  # never cut silently: the number in all is said
    assert run_query(seed_store, "comparable_territories", territory=territory, limit=7) == whole[:7]


@pytest.fixture(scope="module")
def known_small_communes(seed_dump):
    """The seed with field experiences placed on small communes (the seed holds none under 10,000 inhabitants):
    commune 01001's nearest peers, two of them at the same gap, one beyond the others, and a commune of the next
    group whose population lies in 01001's band, so that its narrow band holds more than a few known peers."""
    import pyoxigraph as ox

    from maillage.stores import OxigraphStore

    store = ox.Store()
    store.load(path=str(seed_dump), format=ox.RdfFormat.N_QUADS)
    ranked = run_query(OxigraphStore(store), "comparable_territories", territory="commune/01001", limit=ALL)
    by_gap = sorted(ranked, key=lambda row: (int(row["gap"]), row["code"]))
    tied = next(i for i in range(1, len(by_gap)) if by_gap[i]["gap"] == by_gap[i - 1]["gap"])
    chosen_rows = [by_gap[0], by_gap[tied], by_gap[tied - 1], by_gap[5], by_gap[40], by_gap[-1]]
    high = int(ranked[0]["high"])
    assert high >= 1000, "01001's band reaches the next group"
    other_group = [row[0] for row in OxigraphStore(store).select(
        "PREFIX mlg: <https://w3id.org/maillage/def/core#> SELECT ?t WHERE { ?t mlg:populationGroup ?g ; "
        f"mlg:population ?p FILTER (?p >= 1000 && ?p <= {high}) }} ORDER BY ?t LIMIT 1")]
    core, graph = "https://w3id.org/maillage/def/core#", ox.NamedNode("urn:test:known-small")
    places = [ox.NamedNode(row["territory"]) for row in chosen_rows]
    places += [ox.NamedNode(str(t)) for t in other_group]  # of the 1000–1999 group: not a peer
    for number, place in enumerate(places):
        experience = ox.NamedNode(f"urn:test:experience-{number}")
        store.add(ox.Quad(experience, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(core + "FieldExperience"), graph))
        store.add(ox.Quad(experience, ox.NamedNode(core + "place"), place, graph))
    assert other_group
    return OxigraphStore(store), {row["territory"] for row in chosen_rows}


def test_when_enough_peers_hold_something_the_first_rows_are_still_those_of_the_whole_ranking(known_small_communes):
    """A narrow band is read nearest first until `limit` peers where something is known are found, and then only those
    within that reach are ranked: the rows must still be the whole ranking's first (two known peers at the same gap,
    the code deciding; a known commune of another group with a population in the band never proposed)."""
    store, known = known_small_communes
    whole = run_query(store, "comparable_territories", territory="commune/01001", limit=ALL)
    assert {row["territory"] for row in whole if row["known"] == "1"} == known
    assert [row["known"] for row in whole[:len(known)]] == ["1"] * len(known)
    for limit in range(1, len(known) + 3):
        first = run_query(store, "comparable_territories", territory="commune/01001", limit=limit)
        assert first == whole[:limit], limit


@pytest.mark.parametrize(("limit", "said"), [
    ("0", "Attendu entre 1 et 20000"),
    ("20001", "Attendu entre 1 et 20000"),
    ("-5", "Attendu entre 1 et 20000"),
    ("10 OFFSET 5", "Un nombre entier est attendu"),
    ("2.5", "Un nombre entier est attendu"),
])
def test_a_bad_limit_is_refused_in_french_first(seed_store, limit, said):
    from maillage.library import LibraryError

    with pytest.raises(LibraryError) as refused:
        run_query(seed_store, "comparable_territories", territory="commune/38185", limit=limit)
    assert said in refused.value.message("fr") and "limit" in refused.value.message("fr")


def test_no_row_without_population_or_category(seed_store):
    assert run_query(seed_store, "comparable_territories", territory="commune/99999") == []  # no such commune
    assert run_query(seed_store, "comparable_territories", territory="commune/98411") == []  # TAAF: no population
    assert run_query(seed_store, "comparable_territories", territory="epci/999999999") == []


# -- the viewer ---------------------------------------------------------------------------------

def test_the_territory_page_lists_comparable_territories_and_what_they_did(app, seed_store):
    at = app("territoires", id="territoire/commune/38185")
    assert "Territoires comparables" in [h.value for h in at.subheader]
    assert ("territoires", "id=territoire%2Fcommune%2F13001") not in {
        (link.proto.page, link.proto.query_string) for link in at.get("page_link")}  # asked for, not before
    at.toggle(key="alike_show").set_value(True).run()
    assert not at.exception
    links = {(link.proto.page, link.proto.query_string) for link in at.get("page_link")}
    assert ("territoires", "id=territoire%2Fcommune%2F13001") in links  # Aix-en-Provence, comparable
    assert ("coordinations", "id=coordination%2Fasv-aix-en-provence") in links  # and its ASV
    first = run_query(seed_store, "comparable_territories", territory="commune/38185")[0]
    assert first["coordinations"] != "0" or first["experiences"] != "0"
    assert "Même catégorie (Communes de 100\u00a0000 à 199\u00a0999 habitants)" in "\n".join(c.value for c in at.caption)


def test_the_territory_page_says_honestly_when_nothing_is_known_there(app, seed_store):
    at = app("territoires", id="territoire/commune/01001", lang="en")
    at.toggle(key="alike_show").set_value(True).run()
    known = int(seed_store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a "
                                  "<https://w3id.org/maillage/def/core#Coordination> }")[0][0])
    text = "\n".join(i.value for i in at.info)
    assert "No comparable territory with a known coordination or experience among the" in text
    assert f"the graph knows {known} coordinations" in text
    assert "Comparable, with no known coordination or experience" in shown(at)
    # The number in all, not the 100 read (the query's first rows): hundreds of small communes.
    peers = int(run_query(seed_store, "comparable_territories", territory="commune/01001")[0]["peers"])
    assert peers > READ and f"among the {thousands(peers, 'en')} of the same category" in text
    assert f"Comparable, with no known coordination or experience** ({thousands(peers, 'en')})" in shown(at)


def test_the_section_knows_when_the_territories_read_are_all_those_with_something_known():
    def found(*known: bool) -> tuple[Comparable, ...]:
        return tuple(Comparable(f"t{i}", str(i), "n", "c", 1, 0, ("c",) if k else (), ()) for i, k in enumerate(known))

    assert Comparables(found(True, True, False), 500).all_known_read  # one without anything known was read after
    assert Comparables(found(True, True), 2).all_known_read  # every peer was read
    assert not Comparables(found(True, True), 500).all_known_read  # how many more hold something is not read
    assert Comparables(found(True, True), 500).known == list(found(True, True))


def test_the_partner_finder_proposes_coordinations_of_comparable_territories(app):
    at = app("partenaires", territory="commune/38185", comparables="1")
    assert at.checkbox(key="partner_alike").value is True
    text = shown(at)
    assert "Dans des territoires comparables" in [h.value for h in at.subheader]
    assert ("Intervient sur Aix-en-Provence (13) — 13001, territoire comparable (Communes de 100\u00a0000 à 199\u00a0999 "
            "habitants" in text)
    at.checkbox(key="partner_alike").uncheck().run()
    assert "comparables" not in at.query_params and "Dans des territoires comparables" not in [
        h.value for h in at.subheader]
