"""Acteurs: every actor the graph knows; a page per actor (`/acteurs?id=acteur/ars`): what it takes part in (which
coordination, with which role, where, on which themes, since or until when), the experiences it is part of, and the
contact the organisation publishes (never a person's: app/viewer/actors.py)."""

import streamlit as st

from app.viewer import revisions
from app.viewer.actors import CONTACT_FIELDS, actor_experiences, actor_facts, participations
from app.viewer.model import fold
from app.viewer.text import date_text, mail_link, md, md_link, period_text
from app.viewer.ui import entity_link, entity_links, graph, lang, linked_card, paged, sources_link, t

g = graph()
COLON = t(" : ", ": ")  # French typography puts a space before a colon, English none
cards = g.actors
one = linked_card(cards)
if one is None:
    st.title(t("Acteurs", "Actors"))
    wanted = fold(st.text_input(t("Nom ou sigle de l'acteur", "Name or acronym of the actor"), key="filter.actor"))
    shown = sorted((c for c in cards.values() if wanted in fold(" ".join(c.texts("label", lang()))) or not wanted),
                   key=lambda c: fold(c.text("label", lang())))
    st.caption(t(f"{len(shown)} acteur(s) sur les {len(cards)} que connaît le graphe",
                 f"{len(shown)} actor(s) of the {len(cards)} the graph knows"))
    for card in paged(shown, 100):
        entity_link("acteurs", card.iri, card.text("label", lang()))
else:
    facts = actor_facts(g, one.iri, lang())

    def values(name: str) -> list[str]:
        return [label for _, label in facts.get(name, [])]

    def actor_links(name: str, fr: str, en: str) -> None:
        """The actors of field `name` as links to their pages (as text when the graph has no card for one)."""
        found = facts.get(name, [])
        if found:
            known = [(iri, label) for iri, label in found if iri in cards]
            if known:
                entity_links("acteurs", known, f"**{t(fr, en)}**{COLON.rstrip()}")
            others = [label for iri, label in found if iri not in cards]  # an actor known by name only
            if others:
                st.markdown(f"**{t(fr, en)}**{COLON}" + ", ".join(md(label) for label in others))

    st.title(md(one.text("label", lang())))
    st.caption(" · ".join(md(v) for v in values("acronym") + values("kind")))
    if facts.get("replacedBy"):
        st.info(t("D'après le graphe, cet acteur a été remplacé (« Remplacé par » ci-dessous) : il n'existe "
                  "peut-être plus. Les dates de ses participations sont indiquées quand les sources les donnent.",
                  "According to the graph, this actor was replaced ('Replaced by' below): it may no longer exist. "
                  "Its participations' dates are given when the sources give them."))
    actor_links("replacedBy", "Remplacé par", "Replaced by")
    actor_links("replaces", "Remplace", "Replaces")
    actor_links("partOf", "Fait partie de", "Part of")
    if facts.get("basedIn"):
        entity_links("territoires", facts["basedIn"], f"**{t('Implanté à', 'Based in')}**{COLON.rstrip()}")
    lines = [(t("Statut", "Legal form"), ", ".join(md(v) for v in values("legalForm"))),
             (t("Création", "Founded"), ", ".join(md(date_text(v, lang())) for v in values("founded")))]
    st.markdown("\n\n".join(f"**{name}**{COLON}{text}" for name, text in lines if text))
    if facts.get("description"):
        st.markdown("\n".join(f"- {md(v)}" for v in values("description")))
    if facts.get("workAxis"):
        st.markdown(f"**{t('Axes de travail', 'Work axes')}**\n\n" + "\n".join(f"- {md(v)}" for v in values("workAxis")))

    st.header(t("Contact publié", "Published contact"))
    contact = [(t("Site web", "Website"), [md_link(v, v) for v in values("url")]),
               (t("Courriel", "E-mail"), [mail_link(v) for v in values("email")]),
               (t("Téléphone", "Phone"), [md(v) for v in values("telephone")]),
               (t("Réseau social", "Social network"), [md(v) for v in values("socialAccount")])]
    if any(facts.get(name) for name in CONTACT_FIELDS):
        st.markdown("\n".join(f"- **{name}**{COLON}{', '.join(found)}" for name, found in contact if found))
    else:
        st.markdown(t("Le graphe ne connaît aucune coordonnée publiée par cet acteur (site, courriel, téléphone).",
                      "The graph knows no contact published by this actor (website, e-mail, phone)."))
    st.caption(t("Seules les coordonnées qu'une organisation publie sont montrées, jamais celles d'une personne.",
                 "Only the contact an organisation publishes is shown, never a person's."))

    def participation_list(found_list) -> None:
        """Each participation: its coordination linked, the role with its period, the coordination's type, themes
        and places."""
        for found in found_list:
            period = period_text(found.start, found.end, lang())
            entity_link("coordinations", found.coordination, found.label, bold=True)
            st.markdown("\n".join(line for line in (
                f"- **{t('Rôle', 'Role')}**{COLON}{md(found.role_label)}" + (f" ({md(period)})" if period else ""),
                f"- **{t('Type', 'Type')}**{COLON}{', '.join(md(label) for _, label in found.types)}" if found.types else "",
                f"- **{t('Thématiques', 'Themes')}**{COLON}{', '.join(md(label) for _, label in found.themes)}"
                if found.themes else "") if line))
            if found.territories:
                entity_links("territoires", list(found.territories), f"**{t('Où', 'Where')}**{COLON.rstrip()}")

    taking_part = participations(g, one.iri, lang())
    st.header(t(f"Participe à ({len(taking_part)})", f"Takes part in ({len(taking_part)})"))
    participation_list(taking_part)
    if not taking_part:
        st.markdown(t("Le graphe ne connaît aucune participation en cours de cet acteur à une coordination.",
                      "The graph knows no current participation of this actor in a coordination."))
    not_in_force = participations(g, one.iri, lang(), in_force=False)
    for wanted, fr, en in ((True, "A participé à", "Took part in"), (False, "Participera à", "Will take part in")):
        listed = [p for p in not_in_force if p.ended is wanted]
        if listed:
            st.header(t(f"{fr} ({len(listed)})", f"{en} ({len(listed)})"))
            participation_list(listed)

    experiences = actor_experiences(g, one.iri, [p.coordination for p in taking_part])
    st.header(t(f"Expériences ({len(experiences)})", f"Experiences ({len(experiences)})"))
    names = {p.coordination: p.label for p in taking_part}
    for card, through in experiences:
        entity_link("experiences", card.iri, card.text("label", lang()))
        if through:
            st.caption(t(f"par « {md(names[through])} », à laquelle il participe",
                         f"through '{md(names[through])}', in which it takes part"))
    if not experiences:
        st.markdown(t("Le graphe ne connaît aucune expérience portée par cet acteur ou par une coordination à "
                      "laquelle il participe.",
                      "The graph knows no experience carried out by this actor or by a coordination it takes part in."))
    actor_links("funder", "Financé par", "Funded by")
    st.header(t("Sources", "Sources"))
    st.markdown("\n".join(f"- {md(v)}" for v in values("source")) or "—")
    revisions.show(g, one.iri, lang(), t)
    sources_link(one.iri)
