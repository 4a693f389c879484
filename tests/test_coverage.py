"""Population covered (issue 22, part 1): the library's figures against figures computed here from the pinned
referential's own files (the Etalab package the build reads: communes with their département, région and population,
EPCI with their members), never typed in. Each commune once; an uncovered territory at 0 %."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from graph_builder.referential.package import Referential, fetch, load
from tests.conftest import ID, run_query
from tests.test_downloads import downloads, read  # noqa: F401 (a fixture)

MLG = "https://w3id.org/maillage/def/core#"


@pytest.fixture(scope="module")
def referential() -> Referential:
    return load(fetch())


@pytest.fixture(scope="module")
def communes(referential) -> dict[str, dict]:
    """Current communes by code, from the package's own table."""
    return {c["code"]: c for c in referential["communes"] if c["type"] == "commune-actuelle"}


def covered_on(seed_store, referential, communes, day: str | None = None) -> set[str]:
    """Codes of the communes the seed coordinations cover (those in force on `day`, ISO, when given: no date is in
    force, a start on or before it, an end on or after it, each at its own precision), from their places (one plain
    read) expanded with the referential's tables: a commune itself, an EPCI's members, a département's or a
    région's communes."""
    rows = seed_store.select(f"""SELECT DISTINCT ?c ?p ?start ?end WHERE {{ ?c <{MLG}territory> ?p
        OPTIONAL {{ ?c <https://schema.org/startDate> ?start }} OPTIONAL {{ ?c <https://schema.org/endDate> ?end }} }}""")
    places = {str(p)[len(f"{ID}territoire/"):] for _, p, start, end in rows
              if day is None or ((start is None or str(start) <= day) and (end is None or str(end) + "~" >= day))}
    members = {e["code"]: {m["code"] for m in e["membres"]} for e in referential["epci"]}
    codes: set[str] = set()
    for place in places:
        level, code = place.split("/")
        if level == "commune":
            codes.add(code)
        elif level == "epci":
            codes |= members[code]
        elif level in ("departement", "region"):
            codes |= {c for c, commune in communes.items() if commune[level] == code}
        else:  # a part of a commune (QPV, arrondissement) covers no whole commune
            assert level in ("qpv", "arrondissement-municipal", "commune-deleguee"), place
    return codes


@pytest.fixture(scope="module")
def covered(seed_store, referential, communes) -> set[str]:
    """The communes the seed coordinations cover today (none of them has ended)."""
    codes = covered_on(seed_store, referential, communes)
    assert codes, "the seeds place coordinations"
    return codes


def expected(codes: set[str], communes: dict[str, dict], covered: set[str]) -> dict[str, str]:
    population = sum(communes[c].get("population", 0) for c in codes)
    hit = sum(communes[c].get("population", 0) for c in codes & covered)
    share = (Decimal(100 * hit) / population).quantize(Decimal("0.01"), ROUND_HALF_UP) if population else None
    return {"communes": str(len(codes)), "population": str(population), "coveredCommunes": str(len(codes & covered)),
            "coveredPopulation": str(hit), "sharePercent": share}


def figures(row: dict) -> dict:
    got = {k: row[k] for k in ("communes", "population", "coveredCommunes", "coveredPopulation")}
    got["sharePercent"] = Decimal(row["sharePercent"]) if row["sharePercent"] is not None else None
    return got


@pytest.mark.parametrize(("territory", "select"), [
    ("region/11", lambda c: c["region"] == "11"),  # Île-de-France: 12.46 M, not the 22.9 M of a sum over the nesting
    ("departement/13", lambda c: c["departement"] == "13"),
    ("epci/200054807", None),  # Métropole d'Aix-Marseille-Provence, partly covered
    ("epci/244200770", None),  # Saint-Étienne Métropole, whole (its ASV)
    ("departement/38", lambda c: c["departement"] == "38"),  # Isère: no seed coordination, 0 %
])
def test_population_covered(seed_store, referential, communes, covered, territory, select):
    if select is None:
        epci = next(e for e in referential["epci"] if e["code"] == territory.split("/")[1])
        codes = {m["code"] for m in epci["membres"]}
    else:
        codes = {code for code, commune in communes.items() if select(commune)}
    rows = run_query(seed_store, "population_covered", territory=territory)
    assert [r["type"] for r in rows] == [None, "ASV", "CLS", "CLSM", "CMT", "RTPS"]  # all types, then each type
    want = expected(codes, communes, covered)
    assert figures(rows[0]) == want  # the seeds hold ASV only: all types and ASV give the same figures
    assert figures(rows[1]) == want
    for row in rows[2:]:
        assert (row["coveredPopulation"], Decimal(row["sharePercent"])) == ("0", 0)
    if territory == "region/11":
        assert 12_400_000 < int(want["population"]) < 12_500_000
    if territory == "departement/38":
        assert want["coveredPopulation"] == "0" and Decimal(rows[0]["sharePercent"]) == 0
    only = run_query(seed_store, "population_covered", territory=territory, coordinationType="CLS")
    assert [r["type"] for r in only] == [None, "CLS"]


def test_no_commune_is_counted_twice(seed_store, communes):
    """A commune reaches its région through its département and through its EPCI: counted once all the same."""
    rows = run_query(seed_store, "population_covered", territory="region/11")
    ile_de_france = [c for c in communes.values() if c["region"] == "11"]
    assert int(rows[0]["communes"]) == len(ile_de_france)
    # The national table by département: every commune once, in its département; a région is the sum of its rows.
    table = run_query(seed_store, "population_covered_by_departement")
    assert len({r["code"] for r in table}) == len(table) == 109
    assert sum(int(r["communes"]) for r in table) == len(communes)
    assert sum(int(r["population"]) for r in table) == sum(c.get("population", 0) for c in communes.values())
    for key in ("communes", "population", "coveredCommunes", "coveredPopulation"):
        assert sum(int(r[key]) for r in table if r["regionCode"] == "11") == int(rows[0][key]), key
    bdr = next(r for r in table if r["code"] == "13")
    assert figures(bdr) == figures(run_query(seed_store, "population_covered")[0])
    assert {r["coveredPopulation"] for r in run_query(seed_store, "population_covered_by_departement",
                                                        coordinationType="CLS")} == {"0"}


def test_communes_not_covered(seed_store, communes, covered):
    rows = run_query(seed_store, "communes_not_covered", territory="departement/13")
    want = sorted((c for code, c in communes.items() if c["departement"] == "13" and code not in covered),
                  key=lambda c: (-c.get("population", -1), c["code"]))
    assert [(r["code"], r["population"]) for r in rows] == [(c["code"], str(c["population"])) for c in want]
    assert rows[0]["name"] == "Marseille" and not {"13001", "13056", "13077"} & {r["code"] for r in rows}
    assert run_query(seed_store, "communes_not_covered", territory="epci/244200770") == []
    isere = run_query(seed_store, "communes_not_covered")  # nothing known there: every commune
    assert len(isere) == sum(1 for c in communes.values() if c["departement"] == "38")


def test_epci_not_covered(seed_store, referential, communes, covered):
    rows = run_query(seed_store, "epci_not_covered", territory="departement/13")
    by_code = {e["code"]: e for e in referential["epci"]}
    for row in rows:
        members = {m["code"] for m in by_code[row["code"]]["membres"]}
        want = expected(members, communes, covered)
        assert (row["communes"], row["population"], row["coveredPopulation"]) == (
            want["communes"], want["population"], want["coveredPopulation"])
        assert int(row["uncoveredPopulation"]) == int(want["population"]) - int(want["coveredPopulation"]) > 0
    uncovered = [int(r["uncoveredPopulation"]) for r in rows]
    assert uncovered == sorted(uncovered, reverse=True)
    assert rows[0]["code"] == "200054807" and Decimal(rows[0]["sharePercent"]) > 0  # Aix-Marseille, partly covered
    # Saint-Étienne Métropole is whole: not listed, from the Loire nor from itself; a commune gives its EPCI.
    assert "244200770" not in {r["code"] for r in run_query(seed_store, "epci_not_covered", territory="departement/42")}
    assert run_query(seed_store, "epci_not_covered", territory="epci/244200770") == []
    assert [r["code"] for r in run_query(seed_store, "epci_not_covered", territory="commune/13055")] == ["200054807"]


def test_only_the_coordinations_in_force_on_the_day_cover(seed_store, referential, communes, covered):
    """`at`: before the Aix-en-Provence ASV was set up (May 2003) its commune is not covered; on 1 May 2003 (a start
    given to the month) it is; today's figures are the default."""
    before = "2003-04-30"
    then = covered_on(seed_store, referential, communes, before)
    assert "13001" in covered and "13001" not in then and then < covered
    bdr = {code for code, commune in communes.items() if commune["departement"] == "13"}
    rows = run_query(seed_store, "population_covered", territory="departement/13", at=before)
    assert figures(rows[0]) == expected(bdr, communes, then) != expected(bdr, communes, covered)
    assert figures(rows[0]) == figures(next(r for r in run_query(seed_store, "population_covered_by_departement",
                                                                 at=before) if r["code"] == "13"))
    assert "13001" in {r["code"] for r in run_query(seed_store, "communes_not_covered", territory="departement/13",
                                                     at=before)}
    assert "13001" not in {r["code"] for r in run_query(seed_store, "communes_not_covered", territory="departement/13",
                                                         at="2003-05-01")}
    aix_marseille = next(e for e in referential["epci"] if e["code"] == "200054807")
    members = {m["code"] for m in aix_marseille["membres"]}
    row = next(r for r in run_query(seed_store, "epci_not_covered", territory="departement/13", at=before)
               if r["code"] == "200054807")
    assert row["coveredPopulation"] == expected(members, communes, then)["coveredPopulation"]
    assert run_query(seed_store, "population_covered", territory="departement/13") == \
        run_query(seed_store, "population_covered", territory="departement/13", at="today")


# -- the viewer: the « Couverture » page and the territory page's panel (app/viewer/coverage.py) ----------------

def test_the_coverage_page_gives_the_national_table_map_and_csv(app, seed_store, downloads):  # noqa: F811
    at = app("couverture")
    table = at.dataframe[0].value
    assert len(table) == 109 and list(table.columns)[:2] == ["Code", "Département"]
    bdr = table[table["Code"] == "13"].iloc[0]
    query = run_query(seed_store, "population_covered")[0]  # the same figures as the library's
    assert (bdr["Population couverte"], bdr["Part couverte (%)"]) == (int(query["coveredPopulation"]),
                                                                       float(query["sharePercent"]))
    assert any("France entière" in m.value for m in at.markdown)
    assert at.get("plotly_chart")  # the map, drawn from the project's own outlines
    at = app("couverture", niveau="region", type="CLS")
    regions = at.dataframe[0].value
    assert "Région" in regions.columns and set(regions["Population couverte"]) == {0}  # no CLS in the seeds
    ile = regions[regions["Code"] == "11"].iloc[0]
    assert ile["Population"] == int(run_query(seed_store, "population_covered", territory="region/11")[0]["population"])
    files = {name: data for data, _, name in downloads if name and name.endswith(".csv")}
    assert sorted(files) == ["couverture-departement-tous.csv", "couverture-region-CLS.csv"]
    rows = read(files["couverture-departement-tous.csv"])  # `;`, UTF-8 with its BOM: French Excel
    assert rows[0][:3] == ["Code", "Département", "Région"] and len(rows) == 110


def test_the_territory_panel_gives_the_share_and_on_demand_the_gaps(app):
    at = app("territoires", id="territoire/departement/13")
    assert any("10,24\u00a0%" in m.value for m in at.markdown)  # 213 795 of 2 087 658
    panel = at.dataframe[0].value
    assert list(panel["Type"]) == ["Tous types", "ASV", "CLS", "CLSM", "CMT", "RTPS"]
    at.toggle(key="coverage_gaps").set_value(True).run()
    assert not at.exception
    epci = at.dataframe[1].value
    assert epci.iloc[0]["Code"] == "200054807"  # Aix-Marseille-Provence: the largest uncovered population
    communes = at.dataframe[2].value
    assert communes.iloc[0]["Commune"] == "Marseille" and len(communes) == 10
    english = app("territoires", lang="en", id="territoire/departement/38")
    assert any("**0.00%** of the population" in m.value for m in english.markdown)  # nothing known in the Isère


@pytest.mark.parametrize(("name", "params", "said"), [
    ("population_covered", {"territory": "departement/999"}, "Code département invalide"),
    ("population_covered", {"territory": "region"}, "Attendu : niveau/code"),
    ("communes_not_covered", {"coordinationType": "CLSS"}, "Vouliez-vous dire « CLS » ?"),
    ("epci_not_covered", {"territory": "epci/24420077"}, "valeur refusée pour « territory »"),
])
def test_bad_parameters_are_refused_in_french_first(seed_store, name, params, said):
    from maillage.library import LibraryError

    with pytest.raises(LibraryError) as refused:
        run_query(seed_store, name, **params)
    assert said in refused.value.message("fr") and refused.value.message("en") != refused.value.message("fr")


def test_an_unknown_territory_gets_no_row_and_a_commune_its_own_figures(seed_store, communes, covered):
    assert run_query(seed_store, "population_covered", territory="commune/99999") == []  # no such commune: no row
    assert run_query(seed_store, "population_covered", territory="qpv/QN01301Z") == []  # no QPV in the seeds
    marseille = run_query(seed_store, "population_covered", territory="commune/13055")[0]
    assert figures(marseille) == expected({"13055"}, communes, covered)  # uncovered: 0 %
    assert figures(marseille)["sharePercent"] == 0
