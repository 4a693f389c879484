"""Territoires: find a territory by name or code; its nesting, its coordinations and experiences."""

import streamlit as st

from app.viewer.alike import show_section as show_comparables
from app.viewer.answers import elsewhere, uncovered_themes_answer
from app.viewer.coverage import show_panel
from app.viewer.feeds import show_feed_link
from app.viewer.maps import territory_coverage
from app.viewer.text import md
from app.viewer.ui import (
    entity_link,
    entity_links,
    geometry,
    graph,
    lang,
    paged,
    t,
    territory_field,
    territory_map,
    unknown,
)

g = graph()
st.title(t("Territoires", "Territories"))
chosen = g.territory(st.query_params.get("id", ""))
if chosen is None and st.query_params.get("id"):
    unknown(st.query_params["id"])
if st.session_state.get("search.id", "") != st.query_params.get("id", "") and st.session_state.get("search"):
    st.session_state["search"] = ""  # a link (nesting, map) opened another territory: the search gives way to it
picked, text = territory_field("Nom ou code du territoire (INSEE, SIREN, code postal)",
                               "Name or code of the territory (INSEE, SIREN, postal code)", "search")
if text:  # a search replaces the territory shown: nothing stale stays under a failed or undecided one
    chosen = picked
    if picked is None:
        st.query_params.pop("id", None)
    elif st.query_params.get("id") != f"territoire/{picked.key}":
        st.query_params["id"] = f"territoire/{picked.key}"
st.session_state["search.id"] = st.query_params.get("id", "")
if chosen is not None:
    st.header(md(chosen.title(lang())))
    show_feed_link(chosen)  # app/viewer/feeds.py
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
            st.info(t(none_fr, none_en) + (" " + elsewhere(g, chosen, kind, lang()) if kind != "qpv" else ""))

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
    listed("actor", "acteurs", "Acteurs implantés", "Actors based here", "Aucun acteur connu ici.", "No known actor here.")
    st.subheader(t("Thématiques qu'aucune coordination connue ne travaille ici",
                   "Themes no known coordination works on here"))
    st.markdown(uncovered_themes_answer(g, chosen, len(found["coordination"]), lang()))
    show_panel(g, chosen)  # app/viewer/coverage.py
    show_comparables(g, chosen)  # app/viewer/alike.py
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
