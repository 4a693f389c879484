"""Accueil: what the graph holds, when it was built, where to start."""

import streamlit as st

from app.viewer.maps import france_map
from app.viewer.text import md
from app.viewer.ui import entry_points, geometry, graph, lang, t, territory_map

g = graph()
st.title(t("Maillage : la coordination locale en santé", "Maillage: local health coordination"))
build = g.build()
st.caption(t(f"Graphe construit le {build.get('builtAt')} ; référentiel territorial : {build.get('vintage')} "
             f"(version {build.get('version')})",
             f"Graph built on {build.get('builtAt')}; territorial referential: {build.get('vintage')} "
             f"(version {build.get('version')})"))
# Where to start first: on a phone, the columns below come one under the other, two screens long.
st.header(t("Par où commencer", "Where to start"))
entry_points()
left, right = st.columns(2)
with left:
    st.header(t("Entités par type", "Entities by type"))
    # st.table reads Markdown in its cells: names from the graph are escaped.
    st.table({t("Type", "Type"): [md(n) for n, _ in g.counts_by_type(lang())],
              t("Nombre", "Count"): [c for _, c in g.counts_by_type(lang())]})
with right:
    st.header(t("Entités par source", "Entities by source"))
    st.table({t("Document source", "Source document"): [md(n) for n, _ in g.counts_by_source(lang())],
              t("Nombre", "Count"): [c for _, c in g.counts_by_source(lang())]})
st.header(t("Où sont les coordinations et les expériences", "Where the coordinations and experiences are"))
geo = geometry()
if geo is not None:
    figure, missing = france_map(g, geo, {"coordinations": "Coordinations",
                                          "experiences": t("Expériences", "Experiences")})
    territory_map(figure, "france", t("Carte de France des coordinations et des expériences connues, par territoire",
                                      "Map of France of the known coordinations and experiences, by territory"))
    st.caption(t("Par département, un cercle d'autant plus grand qu'il en compte (une coordination d'EPCI compte dans "
                 "le département de ses communes) ; cliquez un cercle ou un point gris pour ouvrir la page du département. "
                 "Outre-mer : déplacez la carte." + (f" {missing} coordination(s) ou expérience(s) sans position connue."
                                                  if missing else ""),
                 "Per département, a circle the larger the more it holds (an EPCI's coordination counts in its "
                 "communes' département); click a circle or a grey dot to open the département's page. "
                 "Overseas: pan the map." + (f" {missing} coordination(s) or experience(s) with no known position."
                                             if missing else "")))
