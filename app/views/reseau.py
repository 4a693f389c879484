"""Réseau: actors, coordinations, experiences, themes and territories as a network; a click opens a node's page."""

import streamlit as st
from streamlit_echarts import st_echarts

from app.viewer.model import entity_base
from app.viewer.network import (
    CLICK_HANDLER,
    DEFAULT_CAP,
    KIND_NAME,
    KIND_NAMES,
    KINDS,
    MAX_CAP,
    PAGES,
    clicked_page,
    legend,
    named,
    view,
)
from app.viewer.text import md
from app.viewer.ui import choose, entity_link, follow_click, graph, lang, open_on_click, t, territory_filter

g = graph()
st.title(t("Réseau des acteurs", "Network of actors"))
names = KIND_NAMES[lang()]
left, right = st.columns(2)
with left:
    territory = territory_filter("Territoire : nom ou code (ex. Bouches-du-Rhône, 13, 13100)",
                                 "Territory: name or code (e.g. Bouches-du-Rhône, 13, 13100)")
    kinds = st.multiselect(t("Afficher", "Show"), KINDS, default=list(KINDS), format_func=names.get, select_all=False,
                           placeholder=choose())
with right:
    themes = {"": t("(toutes)", "(all)")} | g.choices(g.coordinations | g.experiences, "theme", lang())
    theme = st.selectbox(t("Thématique", "Theme"), themes, format_func=themes.get, placeholder=choose())
    cap = st.slider(t("Nombre maximal de nœuds (les plus reliés d'abord)", "Most nodes shown (most connected first)"),
                    20, MAX_CAP, DEFAULT_CAP, step=10)
if territory is None and st.session_state.get("filter.territoire", "").strip():
    st.stop()  # the place names nothing yet (its warning, or a choice to make): no whole network as if it answered
options, shown, total = view(g, lang(), tuple(kinds), territory, theme or None, cap)
st.caption(t(f"{shown} nœud(s) affiché(s) sur {total} ; cliquez sur une coordination, une expérience ou un territoire "
             "pour ouvrir sa page.",
             f"{shown} node(s) shown out of {total}; click a coordination, an experience or a territory to open its page."))
if shown:
    st_echarts(options, events={"click": CLICK_HANDLER}, height="640px", renderer="svg", key="network",
               on_change=lambda: open_on_click("network", clicked_page))
    follow_click()
    # The picture's key in words and shapes (never colour alone), then its main nodes as text and links: what a
    # screen reader, or a reader who cannot tell the colours apart, gets of the drawing.
    st.caption(t("Légende : ", "Key: ") + " ; ".join(f"{char} {shape} : {kind.lower()}" for char, shape, kind in legend(lang())))
    st.subheader(t("Les nœuds les plus reliés", "The most connected nodes"))
    for node, label, kind in named(options):
        text = f"{label} ({KIND_NAME[lang()][kind]})"
        if kind in PAGES:
            entity_link(PAGES[kind], entity_base() + node, text)
        else:
            st.markdown(md(text))
else:
    st.info(t("Rien à afficher avec ces filtres.", "Nothing to show with these filters."))
