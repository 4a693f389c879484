"""Population covered by the known coordinations (issue 22): the territory page's panel and the « Couverture »
page's national table, from the library's queries (population_covered, population_covered_by_departement,
epci_not_covered, communes_not_covered), so that a notebook gets the same figures.

A commune has two parents (its EPCI and its département): every figure counts each commune once, as the queries
do; a région's row is the sum of its départements' (each commune lies in one département). Shares are computed
by the queries, rounded to the hundredth; a région's share here from its summed populations, the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import streamlit as st

from app.viewer.downloads import MIME, csv_table, spreadsheet_csv
from app.viewer.model import Territory, Viewer
from app.viewer.ui import in_url, lang, t
from graph_builder.problems import thousands

TYPES = ("ASV", "CLS", "CLSM", "CMT", "RTPS")  # the coordination-type vocabulary's notations
ALL = "*"  # every type together
LEVELS_WITH_COMMUNES = ("region", "departement", "epci", "commune")  # the levels the queries' check takes, with communes
SHOWN = 10  # uncovered EPCI and communes listed on the territory page (the CSV has them all)
CAVEAT = ("Ce que le graphe connaît : une commune est couverte quand elle est le territoire d'une coordination connue "
          "ou qu'elle s'y trouve (son EPCI, son département, sa région) ; une coordination sur un quartier ou un "
          "arrondissement seulement ne couvre pas la commune. Chaque commune compte une fois. Populations "
          "municipales légales, millésime 2023 (Mayotte : 2017 ; collectivités d'outre-mer : leurs recensements).",
          "What the graph knows: a commune is covered when it is the territory of a known coordination or lies in "
          "one (its EPCI, département, région); a coordination on a neighbourhood or an arrondissement only does not "
          "cover the commune. Each commune counts once. Legal municipal populations, 2023 (Mayotte: 2017; overseas "
          "collectivités: their own censuses).")


@dataclass(frozen=True)
class Coverage:
    """One line of figures: a territory (or a type within it), its communes and population, what is covered."""

    code: str
    name: str
    communes: int
    population: int
    covered_communes: int
    covered_population: int
    share: Decimal | None  # per cent, to the hundredth; None without population
    region_code: str = ""
    region_name: str = ""


def share(covered: int, population: int) -> Decimal | None:
    """Per cent to the hundredth, rounded half up: what the queries compute (ROUND(10000 × covered / total) / 100)."""
    if not population:
        return None
    return (Decimal(100 * covered) / population).quantize(Decimal("0.01"), ROUND_HALF_UP)


def number(value: int | None) -> str:
    """2 087 658 (French: a narrow no-break space between thousands) or 2,087,658."""
    return "—" if value is None else thousands(value, lang())


def percent(value: Decimal | float | None) -> str:
    """10,24 % (French) or 10.24%; « — » without population."""
    if value is None:
        return "—"
    text = f"{Decimal(str(value)):.2f}"
    return f"{text.replace('.', ',')}\u00a0%" if lang() == "fr" else f"{text}%"


def _int(value) -> int:
    return int(value) if value is not None else 0


def by_type(viewer: Viewer, key: str) -> dict[str, Coverage]:
    """The territory's coverage for all types (`ALL`) and for each type (population_covered)."""
    found = {}
    for code, name, kind, communes, population, covered_communes, covered_population, shared in \
            viewer.values("population_covered", territory=key):
        found[kind or ALL] = Coverage(str(code), str(name), _int(communes), _int(population), _int(covered_communes),
                                      _int(covered_population), Decimal(str(shared)) if shared is not None else None)
    return found


def national(viewer: Viewer, kind: str = ALL, level: str = "departement") -> list[Coverage]:
    """Every département's coverage by `kind` (a type's notation, or `ALL`), or every région's as the sum of its
    départements'; ordered by code."""
    params = {} if kind == ALL else {"coordinationType": kind}
    rows = [Coverage(str(code), str(name), _int(communes), _int(population), _int(covered_communes),
                     _int(covered_population), Decimal(str(shared)) if shared is not None else None,
                     str(region_code), str(region_name))
            for code, name, region_code, region_name, communes, population, covered_communes, covered_population, shared
            in viewer.values("population_covered_by_departement", **params)]
    if level == "departement":
        return rows
    regions: dict[str, list[Coverage]] = {}
    for row in rows:
        regions.setdefault(row.region_code, []).append(row)
    summed = []
    for code, parts in sorted(regions.items()):
        population, covered = sum(p.population for p in parts), sum(p.covered_population for p in parts)
        summed.append(Coverage(code, parts[0].region_name, sum(p.communes for p in parts), population,
                               sum(p.covered_communes for p in parts), covered, share(covered, population),
                               code, parts[0].region_name))
    return summed


def table(rows: list[Coverage], level: str) -> list[dict]:
    """The rows as the page's table (French or English column names)."""
    name = {"departement": t("Département", "Département"), "region": t("Région", "Region")}[level]
    out = []
    for row in rows:
        line = {t("Code", "Code"): row.code, name: row.name}
        if level == "departement":
            line[t("Région", "Region")] = row.region_name
        line.update({t("Communes", "Communes"): row.communes, t("Population", "Population"): row.population,
                     t("Communes couvertes", "Covered communes"): row.covered_communes,
                     t("Population couverte", "Covered population"): row.covered_population,
                     t("Part couverte (%)", "Share covered (%)"): float(row.share) if row.share is not None else None})
        out.append(line)
    return out


def type_label(kind: str) -> str:
    return t("Tous types", "All types") if kind == ALL else kind


def choice(label_fr: str, label_en: str, options: dict[str, str], param: str) -> str:
    """A choice among `options` (value -> label, the first by default), read from and kept in the URL (`param`)."""
    keys = list(options)
    wanted = st.query_params.get(param, keys[0])
    picked = st.selectbox(t(label_fr, label_en), keys, format_func=options.get, key=f"coverage.{param}",
                          index=keys.index(wanted) if wanted in keys else 0)
    in_url(param, None if picked == keys[0] else picked)
    return picked


def show_panel(viewer: Viewer, territory: Territory) -> None:
    """The territory page's panel: the population covered, for all types and each type; on demand, its EPCI and
    communes not covered, largest first, with their CSV."""
    st.subheader(t("Population couverte", "Population covered"))
    if territory.level not in LEVELS_WITH_COMMUNES:
        st.info(t("La couverture se lit sur les communes, EPCI, départements et régions.",
                  "Coverage is read on communes, EPCI, départements and régions."))
        return
    found = by_type(viewer, territory.key)
    every = found.get(ALL)
    if every is None or not every.communes:
        st.info(t("Aucune commune connue dans ce territoire.", "No known commune in this territory."))
        return
    st.markdown(t(
        f"**{percent(every.share)}** de la population ({number(every.covered_population)} sur "
        f"{number(every.population)} habitants) vit dans une commune couverte par une coordination connue "
        f"({every.covered_communes} commune(s) sur {every.communes}).",
        f"**{percent(every.share)}** of the population ({number(every.covered_population)} inhabitants out of "
        f"{number(every.population)}) lives in a commune covered by a known coordination "
        f"({every.covered_communes} commune(s) out of {every.communes})."))
    lines = [{t("Type", "Type"): type_label(kind), t("Communes couvertes", "Covered communes"): row.covered_communes,
              t("Population couverte", "Covered population"): row.covered_population,
              t("Part couverte (%)", "Share covered (%)"): float(row.share) if row.share is not None else None}
             for kind, row in found.items()]
    st.dataframe(lines, hide_index=True)
    st.download_button(t("Télécharger (CSV pour tableur)", "Download (CSV for spreadsheets)"),
                       spreadsheet_csv(*csv_table(lines)), f"couverture-{territory.level}-{territory.code}.csv", MIME,
                       on_click="ignore",
                       key="coverage_csv")
    st.caption(t(*CAVEAT))
    if territory.level != "commune" and st.toggle(t("Voir les EPCI et communes non couverts",
                                                    "Show the EPCI and communes not covered"), key="coverage_gaps"):
        show_gaps(viewer, territory)


def uncovered_epci(viewer: Viewer, key: str, kind: str = ALL) -> list[dict]:
    params = {} if kind == ALL else {"coordinationType": kind}
    return [{t("Code", "Code"): str(code), "EPCI": str(name), t("Communes", "Communes"): _int(communes),
             t("Population", "Population"): _int(population),
             t("Population non couverte", "Uncovered population"): _int(uncovered),
             t("Part couverte (%)", "Share covered (%)"): float(shared) if shared is not None else None}
            for _, code, name, communes, population, _, uncovered, shared
            in viewer.values("epci_not_covered", territory=key, **params)]


def uncovered_communes(viewer: Viewer, key: str, kind: str = ALL) -> list[dict]:
    params = {} if kind == ALL else {"coordinationType": kind}
    return [{t("Code INSEE", "INSEE code"): str(code), t("Commune", "Commune"): str(name),
             t("Population", "Population"): _int(population)}
            for _, code, name, population in viewer.values("communes_not_covered", territory=key, **params)]


def show_gaps(viewer: Viewer, territory: Territory, kind: str = ALL) -> None:
    """The EPCI and communes of a territory that no known coordination (of `kind`) covers, largest first."""
    for title_fr, title_en, lines, stem in (
            ("EPCI pas entièrement couverts", "EPCI not covered in full", uncovered_epci(viewer, territory.key, kind),
             "epci-non-couverts"),
            ("Communes non couvertes", "Communes not covered", uncovered_communes(viewer, territory.key, kind),
             "communes-non-couvertes")):
        st.markdown(f"**{t(title_fr, title_en)} ({len(lines)})**")
        if not lines:
            st.info(t("Aucun.", "None."))
            continue
        st.dataframe(lines[:SHOWN], hide_index=True)
        if len(lines) > SHOWN:
            st.caption(t(f"Les {SHOWN} plus grands ; le fichier CSV les donne tous.",
                         f"The {SHOWN} largest; the CSV file gives them all."))
        st.download_button(t("Télécharger (CSV pour tableur)", "Download (CSV for spreadsheets)"),
                           spreadsheet_csv(*csv_table(lines)),
                           f"{stem}-{territory.level}-{territory.code}-{'tous' if kind == ALL else kind}.csv", MIME,
                           on_click="ignore", key=f"csv_{stem}")
