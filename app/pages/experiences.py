"""Expériences: the experience bank, filtered by theme, Ottawa axis and place (through the nesting)."""

import streamlit as st

from graph_builder.viewer_ui import at_most, graph, lang, link, linked_card, t, territory_filter

g = graph()
st.title(t("Banque d'expériences", "Experience bank"))
cards = g.experiences
one = linked_card(cards)
if one is None:
    everything = {"": t("(toutes)", "(all)")}
    themes = everything | g.choices(cards, "theme", lang())
    axes = everything | g.choices(cards, "ottawaAxis", lang())
    theme = st.selectbox(t("Thématique", "Theme"), themes, format_func=themes.get)
    axis = st.selectbox(t("Axe de la charte d'Ottawa", "Ottawa charter axis"), axes, format_func=axes.get)
    territory = territory_filter("Lieu (niveau/code, ex. departement/38)", "Place (level/code, e.g. departement/38)")
    shown = g.filtered(cards, lang(), territory, theme=theme, ottawaAxis=axis)
    st.caption(t(f"{len(shown)} expérience(s)", f"{len(shown)} experience(s)"))
    shown = at_most(shown)
else:
    shown = [one]
for card in shown:
    with st.container(border=True):
        st.markdown("#### " + link("experiences", card.iri, card.text("label", lang())))
        for name, fr, en in (("subject", "Sujet", "Subject"), ("history", "Historique", "History"),
                             ("result", "Résultats", "Results"), ("goodPractice", "Bonnes pratiques", "Good practices")):
            if card.text(name, lang()):
                st.markdown(f"**{t(fr, en)}** : {card.text(name, lang())}")
        st.markdown(f"**{t('Thématiques', 'Themes')}** : " + ", ".join(lbl for _, lbl in card.links("theme", lang())))
        places = [link("territoires", iri, lbl) for iri, lbl in card.links("place", lang())]
        st.markdown(f"**{t('Lieu', 'Place')}** : " + (", ".join(places) or card.text("placeLabel", lang())))
        for iri, lbl in card.links("carrier", lang()):
            if iri in g.coordinations:
                st.markdown(f"**{t('Porteur', 'Carried out by')}** : " + link("coordinations", iri, lbl))
        st.markdown(f"**{t('Source', 'Source')}** : " + ", ".join(lbl for _, lbl in card.links("source", lang())))
