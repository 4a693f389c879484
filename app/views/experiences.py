"""Expériences: the experience bank, filtered by theme, determinant, Ottawa axis, place (through the nesting)
and coordination type; the filters live in the URL, so that a filtered view can be shared."""

import streamlit as st

from graph_builder.viewer_ui import (
    entity_link,
    entity_links,
    graph,
    lang,
    linked_card,
    paged,
    sources_link,
    t,
    territory_filter,
    url_select,
)

g = graph()
st.title(t("Banque d'expériences", "Experience bank"))
cards = g.experiences
one = linked_card(cards)
if one is None:
    everything = {"": t("(toutes)", "(all)")}
    theme = url_select("Thématique", "Theme", everything | g.choices(cards, "theme", lang()), "theme")
    determinant = url_select("Déterminant de santé", "Determinant of health",
                             everything | g.choices(cards, "determinant", lang()), "determinant")
    axis = url_select("Axe de la charte d'Ottawa", "Ottawa charter axis",
                      everything | g.choices(cards, "ottawaAxis", lang()), "axe")
    kind = url_select("Type de coordination porteuse", "Type of the carrying coordination",
                      everything | g.choices(g.coordinations, "type", lang()), "type")
    territory = territory_filter("Lieu (niveau/code, ex. departement/38)", "Place (level/code, e.g. departement/38)")
    shown = g.of_coordination_type(g.filtered(cards, lang(), territory, theme=theme, determinant=determinant,
                                              ottawaAxis=axis), kind)
    st.caption(t(f"{len(shown)} expérience(s)", f"{len(shown)} experience(s)"))
    shown = paged(shown, 20)
else:
    shown = [one]
for card in shown:
    with st.container(border=True):
        if one is None:  # in the list: the title opens the experience's own page
            entity_link("experiences", card.iri, f"**{card.text('label', lang())}**")
        else:
            st.header(card.text("label", lang()))
        for name, fr, en in (("subject", "Sujet", "Subject"), ("history", "Historique", "History"),
                             ("result", "Résultats", "Results"), ("goodPractice", "Bonnes pratiques", "Good practices")):
            if card.text(name, lang()):
                st.markdown(f"**{t(fr, en)}** : {card.text(name, lang())}")
        for name, fr, en in (("theme", "Thématiques", "Themes"), ("determinant", "Déterminants", "Determinants"),
                             ("ottawaAxis", "Axes d'Ottawa", "Ottawa axes")):
            if card.links(name, lang()):
                st.markdown(f"**{t(fr, en)}** : " + ", ".join(lbl for _, lbl in card.links(name, lang())))
        entity_links("territoires", card.links("place", lang()), f"**{t('Lieu', 'Place')}** :",
                      empty=card.text("placeLabel", lang()) or "—")
        carriers = [(iri, lbl) for iri, lbl in card.links("carrier", lang()) if iri in g.coordinations]
        if carriers:
            entity_links("coordinations", carriers, f"**{t('Porteur', 'Carried out by')}** :")
        st.markdown(f"**{t('Source', 'Source')}** : " + ", ".join(lbl for _, lbl in card.links("source", lang())))
        if card.text("passage", lang()):
            st.markdown(f"> {card.text('passage', lang())}")
        sources_link(card.iri)
