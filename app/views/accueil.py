"""Accueil: what the graph knows (counts by type, the sources and their dates), when it was built, an invitation to
contribute, where to start."""

import streamlit as st

from app.viewer.answers import source_dates, what_the_graph_knows
from app.viewer.maps import france_map
from app.viewer.text import date_text, md
from app.viewer.ui import entry_points, first_view, geometry, lang, t, territory_map

g = first_view()
st.title(t("Maillage : la coordination locale en santé", "Maillage: local health coordination"))
build = g.build()
built = md(date_text(build.get("builtAt", ""), lang()))
st.caption(t(f"Graphe construit le {built} ; référentiel territorial : {md(build.get('vintage'))} "
             f"(version {md(build.get('version'))})",
             f"Graph built on {built}; territorial referential: {md(build.get('vintage'))} "
             f"(version {md(build.get('version'))})"))
# Where to start first: on a phone, the columns below come one under the other, two screens long.
st.header(t("Par où commencer", "Where to start"))
entry_points()
st.header(t("Ce que le graphe connaît", "What the graph knows"))
st.markdown(what_the_graph_knows(g, lang()) + " " + t(
    "Il ne connaît que ce que ses sources décrivent : une coordination, un acteur ou une expérience qu'il ne "
    "connaît pas peut exister.",
    "It knows only what its sources describe: a coordination, an actor or an experience it does not know may exist."))
contribute = t("Vous en connaissez une qui manque, ou un fait à corriger ? Proposez-le depuis la page « Contribuer ».",
               "You know one that is missing, or a fact to correct? Propose it from the 'Contribute' page.")
st.page_link("views/contribuer.py", label=contribute, icon=":material/edit:")
left, right = st.columns(2)
with left:
    st.subheader(t("Entités par type", "Entities by type"))
    # st.table reads Markdown in its cells: names from the graph are escaped.
    st.table({t("Type", "Type"): [md(n) for n, _ in g.counts_by_type(lang())],
              t("Nombre", "Count"): [c for _, c in g.counts_by_type(lang())]})
with right:
    st.subheader(t("Entités par source", "Entities by source"))
    sources = source_dates(g, lang())
    st.table({t("Document source", "Source document"): [md(title) for title, _, _ in sources],
              t("Date", "Date"): [md(date_text(date, lang())) if date else "—" for _, _, date in sources],
              t("Nombre", "Count"): [count for _, count, _ in sources]})
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
