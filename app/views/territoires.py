"""Territoires: find a territory by name or code; its nesting, its coordinations and experiences."""

import streamlit as st

from app.viewer.coverage import show_panel
from app.viewer.maps import territory_coverage
from app.viewer.text import md
from app.viewer.ui import entity_link, entity_links, geometry, graph, lang, paged, t, territory_map, unknown

g = graph()
st.title(t("Territoires", "Territories"))
chosen = g.territory(st.query_params.get("id", ""))
if chosen is None and st.query_params.get("id"):
    unknown(st.query_params["id"])
text = st.text_input(t("Nom ou code INSEE du territoire", "Name or INSEE code of the territory"), key="search")
if text:
    found = g.search_territories(text)
    if not found:
        st.warning(t(f"Aucun territoire ne correspond à « {md(text)} ».", f"No territory matches '{md(text)}'."))
    else:
        pick = st.selectbox(t("Territoire", "Territory"), found, format_func=lambda x: x.title(lang()))
        if pick is not None and pick != chosen:
            chosen = pick
            st.query_params["id"] = f"territoire/{pick.key}"
if chosen is not None:
    st.header(md(chosen.title(lang())))
    st.subheader(t("Emboîtement", "Nesting"))
    entity_links("territoires", [(n.iri, n.title(lang())) for n in g.nesting(chosen.key)])
    found, covering = g.around(chosen.key, lang()), g.covering(chosen.key, lang())

    def listed(kind: str, page: str | None, fr: str, en: str, none_fr: str, none_en: str) -> None:
        """One kind of what lies in the territory, a page of 20 at a time (links when the kind has a page)."""
        names = found[kind]
        st.subheader(t(f"{fr} ({len(names)})", f"{en} ({len(names)})"))
        shown = paged(list(names.items()), 20, f"page_{kind}", (f"Page des {fr.lower()}", f"Page of {en.lower()}"))
        for iri, name in shown:
            if page:
                entity_link(page, iri, name)
            else:
                st.markdown(f"- {md(name)}")
        if not names:
            st.info(t(none_fr, none_en))

    listed("coordination", "coordinations", "Coordinations", "Coordinations",
           "Aucune coordination connue dans ce territoire.", "No known coordination in this territory.")
    if covering:
        st.markdown(t("**Le couvrent aussi, depuis un territoire qui le contient** :",
                      "**Also covering it, from a territory containing it**:"))
        for iri, name in covering.items():
            entity_link("coordinations", iri, name)
    listed("qpv", None, "Quartiers prioritaires", "Priority neighbourhoods",
           "Aucun quartier prioritaire connu ici.", "No known priority neighbourhood here.")
    listed("experience", "experiences", "Expériences", "Experiences",
           "Aucune expérience connue ici.", "No known experience here.")
    listed("actor", None, "Acteurs implantés", "Actors based here", "Aucun acteur connu ici.", "No known actor here.")
    st.subheader(t("Thématiques qu'aucune coordination connue ne travaille ici",
                   "Themes no known coordination works on here"))
    themes = g.uncovered_themes(chosen.key, lang())
    st.markdown(", ".join(md(theme) for theme in themes) if themes else t(
        "Aucune : chaque thématique est travaillée par une coordination connue.",
        "None: every theme is worked on by a known coordination."))
    show_panel(g, chosen)  # app/viewer/coverage.py
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
