"""Territoires: find a territory by name or code; its nesting, its coordinations and experiences."""

import streamlit as st

from graph_builder.viewer_ui import graph, lang, link, t, unknown

g = graph()
st.title(t("Territoires", "Territories"))
chosen = g.territory(st.query_params.get("id", ""))
if chosen is None and st.query_params.get("id"):
    unknown(st.query_params["id"])
text = st.text_input(t("Nom ou code INSEE du territoire", "Name or INSEE code of the territory"), key="search")
if text:
    found = g.search_territories(text)
    if not found:
        st.warning(t(f"Aucun territoire ne correspond à « {text} ».", f"No territory matches '{text}'."))
    else:
        pick = st.selectbox(t("Territoire", "Territory"), found, format_func=lambda x: x.title(lang()))
        if pick is not None and pick != chosen:
            chosen = pick
            st.query_params["id"] = f"territoire/{pick.key}"
if chosen is not None:
    st.header(chosen.title(lang()))
    st.subheader(t("Emboîtement", "Nesting"))
    st.markdown(" → ".join(link("territoires", n.iri, n.title(lang())) for n in g.nesting(chosen.key)))
    coordinations, experiences = g.in_territory(chosen.key)
    st.subheader(t("Coordinations", "Coordinations"))
    for iri in sorted(coordinations, key=lambda i: g.coordinations[i].text("label", lang())):
        st.markdown("- " + link("coordinations", iri, g.coordinations[iri].text("label", lang())))
    if not coordinations:
        st.info(t("Aucune coordination connue ici.", "No known coordination here."))
    st.subheader(t("Expériences", "Experiences"))
    for iri in sorted(experiences, key=lambda i: g.experiences[i].text("label", lang())):
        st.markdown("- " + link("experiences", iri, g.experiences[iri].text("label", lang())))
    if not experiences:
        st.info(t("Aucune expérience connue ici.", "No known experience here."))
