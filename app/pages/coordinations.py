"""Coordinations: browse by type, territory and theme; a page per coordination."""

import streamlit as st

from graph_builder.viewer_ui import at_most, graph, lang, link, linked_card, t, territory_filter

g = graph()
cards = g.coordinations
one = linked_card(cards)
if one is None:
    st.title("Coordinations")
    everything = {"": t("(tous)", "(all)")}
    types = everything | g.choices(cards, "type", lang())
    themes = everything | g.choices(cards, "theme", lang())
    kind = st.selectbox(t("Type", "Type"), types, format_func=types.get)
    theme = st.selectbox(t("Thématique", "Theme"), themes, format_func=themes.get)
    territory = territory_filter("Territoire (niveau/code, ex. departement/13)", "Territory (level/code, e.g. departement/13)")
    shown = g.filtered(cards, lang(), territory, type=kind, theme=theme)
    st.caption(t(f"{len(shown)} coordination(s)", f"{len(shown)} coordination(s)"))
    for card in at_most(shown, 200):
        types_ = ", ".join(lbl for _, lbl in card.links("type", lang()))
        st.markdown(f"- {link('coordinations', card.iri, card.text('label', lang()))} ({types_})")
else:
    st.title(one.text("label", lang()))
    st.caption(", ".join(lbl for _, lbl in one.links("type", lang())))
    if one.text("description", lang()):
        st.write(one.text("description", lang()))
    st.subheader(t("Acteurs et rôles", "Actors and roles"))
    for role, actor in g.participants(one.iri, lang()):
        st.markdown(f"- **{role}** : {actor}")
    st.subheader(t("Territoires", "Territories"))
    st.markdown(", ".join(link("territoires", iri, lbl) for iri, lbl in one.links("territory", lang())) or "—")
    st.subheader(t("Thématiques", "Themes"))
    st.markdown(", ".join(lbl for _, lbl in one.links("theme", lang())) or "—")
    st.subheader(t("Expériences", "Experiences"))
    for card in g.experiences_of(one.iri):
        st.markdown("- " + link("experiences", card.iri, card.text("label", lang())))
    st.subheader(t("Sources", "Sources"))
    for _, lbl in one.links("source", lang()):
        st.markdown(f"- {lbl}")
