"""Territoires: find a territory by name or code; its nesting, its coordinations and experiences."""

import streamlit as st

from graph_builder.maps import territory_coverage
from graph_builder.viewer_ui import entity_link, entity_links, geometry, graph, lang, t, territory_map, unknown

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
    entity_links("territoires", [(n.iri, n.title(lang())) for n in g.nesting(chosen.key)])
    coordinations, experiences = g.in_territory(chosen.key)
    st.subheader(t("Coordinations", "Coordinations"))
    for iri in sorted(coordinations, key=lambda i: g.coordinations[i].text("label", lang())):
        entity_link("coordinations", iri, g.coordinations[iri].text("label", lang()))
    if not coordinations:
        st.info(t("Aucune coordination connue ici.", "No known coordination here."))
    st.subheader(t("Expériences", "Experiences"))
    for iri in sorted(experiences, key=lambda i: g.experiences[i].text("label", lang())):
        entity_link("experiences", iri, g.experiences[iri].text("label", lang()))
    if not experiences:
        st.info(t("Aucune expérience connue ici.", "No known experience here."))
    geo = geometry()
    if geo is not None:
        st.subheader(t("Couverture alentour", "Coverage around"))
        figure = territory_coverage(g, geo, chosen, {
            "covered": t("couverte par une coordination connue", "covered by a known coordination"),
            "uncovered": t("aucune coordination connue", "no known coordination"),
            "chosen": chosen.name})
        if figure is None:
            st.info(t("Pas de contour connu pour ce territoire.", "No outline known for this territory."))
        else:
            territory_map(figure, "coverage", t(f"Carte de la couverture autour de {chosen.name}",
                                                f"Map of the coverage around {chosen.name}"))
            st.caption(t("Bleu : couvert par une coordination connue (directement ou par un territoire qui le "
                         "contient) ; gris : aucune connue. Cliquez le point d'un territoire pour ouvrir sa page.",
                         "Blue: covered by a known coordination (directly or through a territory containing it); "
                         "grey: none known. Click a territory's dot to open its page."))
