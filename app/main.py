"""Maillage viewer: `streamlit run app/main.py` (graph of MAILLAGE_OUT, default build/)."""

from __future__ import annotations

import streamlit as st

from app.viewer.chrome import dress
from app.viewer.ui import first_view, graph, lang, t
from app.viewer.warmup import VISITS
from maillage.stores import StoreError

st.set_page_config(page_title="Maillage", layout="wide")
if "lang" not in st.session_state and st.query_params.get("lang") in ("fr", "en"):
    st.session_state["lang"] = st.query_params["lang"]  # a shared link keeps its language
with st.sidebar:
    st.radio("Langue / Language", ["fr", "en"], key="lang", horizontal=True,
             format_func={"fr": "Français", "en": "English"}.get)
dress(lang())  # the page's language, a visible focus, Streamlit's own names in French (app/viewer/chrome.py)
if st.session_state.get("lang") == "en":
    st.query_params["lang"] = "en"  # in the URL, so that a reload or a shared link keeps it
else:
    st.query_params.pop("lang", None)
home = st.Page("views/accueil.py", title=t("Accueil", "Home"), url_path="accueil", default=True)
pages = [
    home,
    st.Page("views/partenaires.py", title=t("Trouver des partenaires", "Find partners"), url_path="partenaires"),
    st.Page("views/territoires.py", title=t("Territoires", "Territories"), url_path="territoires"),
    st.Page("views/couverture.py", title=t("Couverture", "Coverage"), url_path="couverture"),
    st.Page("views/experiences.py", title=t("Expériences", "Experiences"), url_path="experiences"),
    st.Page("views/coordinations.py", title="Coordinations", url_path="coordinations"),
    st.Page("views/acteurs.py", title=t("Acteurs", "Actors"), url_path="acteurs"),
    st.Page("views/reseau.py", title=t("Réseau", "Network"), url_path="reseau"),
    st.Page("views/requetes.py", title=t("Requêtes", "Queries"), url_path="requetes"),
    st.Page("views/qualite.py", title=t("Qualité et sources", "Quality and sources"), url_path="qualite"),
    st.Page("views/contribuer.py", title=t("Contribuer", "Contribute"), url_path="contribuer"),
    st.Page("views/relecture.py", title=t("Relecture", "Review"), url_path="relecture"),
]
page = st.navigation(pages)  # before the graph is open: the view shown meanwhile links to the pages
try:
    # Accueil is drawn from the answers kept with the build while the graph opens; the other pages wait for it.
    if page is home:
        first_view()
    else:
        graph()
except StoreError as error:
    st.error(error.message(st.session_state.get("lang", "fr")))
    st.stop()
with VISITS.visiting():  # the background warm-up waits for a pause in the visits (see warmup.Visits)
    page.run()
