"""Coordinations: browse by type, territory and theme (filters in the URL); a page per coordination."""

import streamlit as st

from app.viewer import revisions
from app.viewer.actors import participants_not_in_force, timeline
from app.viewer.answers import nothing_found
from app.viewer.downloads import MIME, csv_table, spreadsheet_csv
from app.viewer.text import chronological, date_text, md, period_text, upper_first
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
from graph_builder.constants import VOCABULARY_BASE

ROLE = VOCABULARY_BASE + "role/"  # a concept of the role scheme (never moves with --base)
g = graph()
cards = g.coordinations
one = linked_card(cards)
if one is None:
    st.title("Coordinations")
    everything = {"": t("(tous)", "(all)")}
    kind = url_select("Type", "Type", everything | g.choices(cards, "type", lang()), "type")
    theme = url_select("Thématique", "Theme", everything | g.choices(cards, "theme", lang()), "theme")
    territory = territory_filter("Territoire : nom ou code (ex. Bouches-du-Rhône, 13, 13100)",
                                 "Territory: name or code (e.g. Bouches-du-Rhône, 13, 13100)", halt=True)
    shown = g.filtered(cards, lang(), territory, type=kind, theme=theme)
    st.caption(t(f"{len(shown)} coordination(s)", f"{len(shown)} coordination(s)"))
    if not shown:
        nothing_found(g, "coordination", territory, kind, theme)
    for card in paged(shown, 100):
        types_ = ", ".join(lbl for _, lbl in card.links("type", lang()))
        entity_link("coordinations", card.iri, f"{card.text('label', lang())} ({types_})")
else:
    st.title(md(one.text("label", lang())))
    st.caption(", ".join(md(lbl) for _, lbl in one.links("type", lang())))
    if one.text("start"):
        st.markdown(f"**{t('Mise en place', 'Set up')}** : {md(date_text(one.text('start'), lang()))}")
    for name, fr, en in (("description", "Présentation", "Overview"), ("objective", "Objectifs", "Objectives"),
                         ("history", "Historique", "History")):
        if one.texts(name, lang()):
            # The graph keeps a field's texts unordered: a history is put back in time order (chronological).
            texts = chronological(one.texts(name, lang())) if name == "history" else one.texts(name, lang())
            st.markdown(f"**{t(fr, en)}**\n\n" + "\n".join(f"- {md(text)}" for text in texts))
    dated = timeline(g, one.iri, lang())
    if dated:
        def when(d) -> str:
            return md(upper_first(date_text(d.start, lang()) if d.kind == "setUp" else period_text(d.start, d.end, lang())))

        what = {"setUp": lambda d: t("mise en place", "set up"),
                "attachment": lambda d: t(f"rattaché à {md(d.label)}", f"attached to {md(d.label)}")}
        st.markdown(f"**{t('Dates connues', 'Known dates')}**\n\n" + "\n".join(
            f"- {when(d)}{t(' : ', ': ')}"
            + what.get(d.kind, lambda d: f"{md(d.label)}, {md(d.role_label.lower())}")(d) for d in dated))
    roles = g.roles(one.iri, lang())

    def participant(role: str, iri: str, actor: str, start: str | None, end: str | None) -> None:
        """An actor linked to its page, after its role and the participation's dates when known."""
        period = period_text(start, end, lang())
        entity_links("acteurs", [(iri, actor)], f"**{md(role)}**" + (f" ({md(period)})" if period else "") + " :")

    def role_section(fr: str, en: str, *codes: str) -> None:
        """The actors of the roles `codes` in force today."""
        st.header(t(fr, en))
        found = [(roles[ROLE + c][0], actor) for c in codes if ROLE + c in roles for actor in roles[ROLE + c][1]]
        for role, (iri, actor, start, end) in found:
            participant(role, iri, actor, start, end)
        if not found:
            st.markdown("—")

    role_section("Porteur", "Lead organisation", "porteur")
    role_section("Comité de pilotage", "Steering committee", "comite-pilotage")
    role_section("Coordination (rôle à contacter)", "Coordinator (role to contact)", "coordonnateur")
    role_section("Autres partenaires", "Other partners", "partenaire", "cosignataire")
    # Participations not in force today, apart from the current ones above (docs/viewer.md, « Dates »).
    not_in_force = participants_not_in_force(g, one.iri, lang())
    for wanted, fr, en in ((True, "Ont participé", "Former participants"), (False, "À venir", "Upcoming")):
        listed = [p for p in not_in_force if p.ended is wanted]
        if listed:
            st.header(t(fr, en))
            for p in listed:
                participant(p.role_label, p.actor, p.label, p.start, p.end)
    st.header(t("Missions", "Missions"))
    st.markdown(", ".join(md(lbl) for _, lbl in one.links("mission", lang())) or "—")
    st.header(t("Thématiques", "Themes"))
    st.markdown(", ".join(md(lbl) for _, lbl in one.links("theme", lang())) or "—")
    st.header(t("Territoires", "Territories"))
    entity_links("territoires", one.links("territory", lang()))
    communes = g.communes(one.iri)
    if communes:
        with st.expander(t(f"Communes couvertes ({len(communes)})", f"Communes covered ({len(communes)})")):
            lines = [{t("Code INSEE", "INSEE code"): c["code"], t("Commune", "Commune"): c["name"],
                      t("Population", "Population"): c["population"]} for c in communes]
            st.dataframe(lines, hide_index=True)
            st.download_button(t("Télécharger la liste (CSV pour tableur)", "Download the list (CSV for spreadsheets)"),
                               spreadsheet_csv(*csv_table(lines)), f"communes-{one.iri.rsplit('/', 1)[-1]}.csv", MIME,
                               on_click="ignore")
    st.header(t("Programmes", "Programmes"))
    st.markdown("\n".join(f"- {md(lbl)}" for _, lbl in one.links("programme", lang())) or "—")
    st.header(t("Expériences", "Experiences"))
    for card in g.experiences_of(one.iri):
        entity_link("experiences", card.iri, card.text("label", lang()))
    if not g.experiences_of(one.iri):
        st.markdown("—")
    role_section("Financement", "Funding", "financeur")
    usual = [f for iri, _ in one.links("type") for f in g.typical_funders(iri, lang())]
    if usual:
        st.markdown(t("Financeurs habituels de ce type de coordination : ", "Usual funders of this type of coordination: ")
                    + ", ".join(md(funder) for funder in usual))
    st.header(t("Sources", "Sources"))
    for _, lbl in one.links("source", lang()):
        st.markdown(f"- {md(lbl)}")
    if one.text("passage", lang()):
        st.markdown(f"> {md(one.text('passage', lang()))}")
    revisions.show(g, one.iri, lang(), t)
    sources_link(one.iri)
    correction_link(one.iri)
