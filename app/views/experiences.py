"""Expériences: the experience bank, filtered by theme, determinant, Ottawa axis, place (through the nesting)
and coordination type; the filters live in the URL, so that a filtered view can be shared."""

import streamlit as st

from app.viewer import revisions
from app.viewer.answers import nothing_found
from app.viewer.model import short
from app.viewer.text import date_text, md
from app.viewer.ui import (
    correction_link,
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
    territory = territory_filter("Lieu : nom ou code (ex. Isère, 38, 38100)", "Place: name or code (e.g. Isère, 38, 38100)",
                                 halt=True)
    shown = g.of_coordination_type(g.filtered(cards, lang(), territory, theme=theme, determinant=determinant,
                                              ottawaAxis=axis), kind)
    st.caption(t(f"{len(shown)} expérience(s)", f"{len(shown)} experience(s)"))
    if not shown:
        nothing_found(g, "experience", territory, theme, determinant, axis, kind)
    shown = paged(shown, 20)

def labels(card, name: str) -> str:
    """The labels of a card's links, as text for Markdown."""
    return ", ".join(md(lbl) for _, lbl in card.links(name, lang()))


if one is None:  # the list: a short card each (title, subject, themes, place), its own page holds the rest
    for card in shown:
        with st.container(border=True):
            entity_link("experiences", card.iri, card.text('label', lang()), bold=True)
            place = labels(card, "place") or md(card.text("placeLabel", lang()))
            st.markdown("\n\n".join(line for line in (
                md(card.text("subject", lang())),
                f"**{t('Thématiques', 'Themes')}** : {labels(card, 'theme')}" if card.links("theme") else "",
                f"**{t('Lieu', 'Place')}** : {place}" if place else "") if line))
else:
    st.header(md(one.text("label", lang())))
    texts = [(fr, en, md(one.text(name, lang()))) for name, fr, en in (
        ("subject", "Sujet", "Subject"), ("history", "Historique", "History"), ("result", "Résultats", "Results"),
        ("goodPractice", "Bonnes pratiques", "Good practices"))]
    vocabularies = [(fr, en, labels(one, name)) for name, fr, en in (
        ("theme", "Thématiques", "Themes"), ("determinant", "Déterminants", "Determinants"),
        ("ottawaAxis", "Axes d'Ottawa", "Ottawa axes"))]
    started = [(t("Début", "Start"), "", md(date_text(one.text("start"), lang())))] if one.text("start") else []
    st.markdown("\n\n".join(f"**{t(fr, en)}** : {text}" for fr, en, text in started + texts + vocabularies if text))
    entity_links("territoires", one.links("place", lang()), f"**{t('Lieu', 'Place')}** :",
                  empty=one.text("placeLabel", lang()) or "—")
    carriers = [(iri, lbl) for iri, lbl in one.links("carrier", lang()) if iri in g.coordinations]
    if carriers:
        entity_links("coordinations", carriers, f"**{t('Porteur', 'Carried out by')}** :")
    actors = [(iri, lbl) for iri, lbl in one.links("carrier", lang()) if short(iri).startswith("acteur/")]
    if actors:
        entity_links("acteurs", actors, f"**{t('Porté par', 'Carried out by')}** :")
    st.markdown(f"**{t('Source', 'Source')}** : {labels(one, 'source')}")
    if one.text("passage", lang()):
        st.markdown(f"> {md(one.text('passage', lang()))}")
    revisions.show(g, one.iri, lang(), t)
    sources_link(one.iri)
    correction_link(one.iri)
