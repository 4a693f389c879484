"""Accueil: what the graph knows (counts by type, the sources and their dates), when it was built, an invitation to
contribute, where to start."""

import streamlit as st

from app.viewer.answers import source_dates, what_the_graph_knows
from app.viewer.francemap import LINKS_SCRIPT, accueil_map
from app.viewer.text import date_text, markdown_table, md
from app.viewer.ui import entry_points, first_view, geometry, lang, t
from graph_builder.problems import thousands

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
# Markdown tables, the graph's names as text (markdown_table): the first page needs no table code of its own.
number = t("Nombre", "Count")
with left:
    st.subheader(t("Entités par type", "Entities by type"))
    st.markdown(markdown_table({t("Type", "Type"): [n for n, _ in g.counts_by_type(lang())],
                                number: [thousands(c, lang()) for _, c in g.counts_by_type(lang())]}, right=(number,)))
with right:
    st.subheader(t("Entités par source", "Entities by source"))
    sources = source_dates(g, lang())
    st.markdown(markdown_table({t("Document source", "Source document"): [title for title, _, _ in sources],
                                t("Date", "Date"): [date_text(date, lang()) if date else "—" for _, _, date in sources],
                                number: [thousands(count, lang()) for _, count, _ in sources]}, right=(number,)))
st.header(t("Où sont les coordinations et les expériences", "Where the coordinations and experiences are"))
geo = geometry()
if geo is not None:
    # SVG, each département a link, its texts escaped (app/viewer/francemap.py): no chart library on the first page.
    drawn, missing = accueil_map(g, geo, lang())
    st.markdown(drawn, unsafe_allow_html=True)
    with st.sidebar:  # kept out of the main area's flow, as the viewer's own script (chrome.py)
        st.html(LINKS_SCRIPT, unsafe_allow_javascript=True, width="content")
    if missing:
        st.caption(t(f"{missing} coordination(s) ou expérience(s) sans position connue.",
                     f"{missing} coordination(s) or experience(s) with no known position."))
