"""Maillage viewer: `streamlit run app/main.py` (graph of MAILLAGE_OUT, default build/)."""

from __future__ import annotations

import streamlit as st

from graph_builder.stores import StoreError
from graph_builder.viewer_ui import graph, t

st.set_page_config(page_title="Maillage", layout="wide")
with st.sidebar:
    st.radio("Langue / Language", ["fr", "en"], key="lang", horizontal=True,
             format_func={"fr": "Français", "en": "English"}.get)
try:
    graph()
except StoreError as error:
    st.error(error.message(st.session_state.get("lang", "fr")))
    st.stop()

pages = [
    st.Page("pages/accueil.py", title=t("Accueil", "Home"), url_path="accueil", default=True),
    st.Page("pages/territoires.py", title=t("Territoires", "Territories"), url_path="territoires"),
    st.Page("pages/experiences.py", title=t("Expériences", "Experiences"), url_path="experiences"),
    st.Page("pages/coordinations.py", title="Coordinations", url_path="coordinations"),
]
st.navigation(pages).run()
graph().warm_in_background()  # after the first page is drawn: the other pages' lists, ready when visited
