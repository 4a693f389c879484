"""Couverture: the share of the population the known coordinations cover, by département or région, for all types
or one; a table (CSV for spreadsheets) and a map (app/viewer/coverage.py, maps.py)."""

import streamlit as st

from app.viewer.coverage import ALL, CAVEAT, TYPES, choice, national, number, percent, table, type_label
from app.viewer.downloads import MIME, csv_table, spreadsheet_csv
from app.viewer.maps import share_figure
from app.viewer.ui import geometry, graph, t, territory_map

g = graph()
st.title(t("Couverture", "Coverage"))
st.markdown(t("Quelle part de la population vit dans une commune couverte par une coordination connue ?",
              "What share of the population lives in a commune covered by a known coordination?"))
kind = choice("Type de coordination", "Coordination type", {k: type_label(k) for k in (ALL, *TYPES)}, "type")
level = choice("Par", "By", {"departement": t("département", "département"), "region": t("région", "region")},
                   "niveau")
rows = national(g, kind, level)
population, covered = sum(r.population for r in rows), sum(r.covered_population for r in rows)
st.markdown(t(f"France entière : **{number(covered)}** sur {number(population)} habitants vivent dans une commune "
              f"couverte ({type_label(kind)}).",
              f"All France: **{number(covered)}** inhabitants out of {number(population)} live in a covered commune "
              f"({type_label(kind)})."))
st.caption(t(*CAVEAT))
geo = geometry()
if geo is not None:
    shapes = geo.level(level)
    shares = {r.code: float(r.share) if r.share is not None else None for r in rows}
    points = {code: point for code in shapes if (point := geo.point(f"{level}/{code}"))}
    figure = share_figure(shapes, shares, {r.code: r.name for r in rows}, points, level,
                          {"unit": "%", "none": t("pas de population", "no population"), "format": percent})
    territory_map(figure, "coverage_map", t("Carte de la part de la population couverte", "Map of the share of the "
                                                                                           "population covered"))
    st.caption(t("Plus le bleu est foncé, plus la part couverte est grande (par quart). Cliquez le point d'un "
                 "territoire pour ouvrir sa page (EPCI et communes non couverts).",
                 "The darker the blue, the larger the share covered (by quarter). Click a territory's dot to open "
                 "its page (EPCI and communes not covered)."))
lines = table(rows, level)
st.dataframe(lines, hide_index=True)
st.download_button(t("Télécharger le tableau (CSV pour tableur)", "Download the table (CSV for spreadsheets)"),
                   spreadsheet_csv(*csv_table(lines)), f"couverture-{level}-{'tous' if kind == ALL else kind}.csv", MIME,
                   on_click="ignore")
