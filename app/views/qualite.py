"""Qualité et sources: where each fact comes from, in words (for coordinators); the sources; apart, for the curators,
the build's SHACL report under the shapes' names."""

import streamlit as st

from app.viewer.model import entity_base, short
from app.viewer.quality import SEVERITY_NAMES, facts, grouped, page_of, read_report, shape_title, sources
from app.viewer.text import md, md_link
from app.viewer.ui import choose, graph, lang, t
from maillage.library import LibraryError

PASSAGE = "mlg:sourcePassage"
g = graph()
st.title(t("Qualité et sources", "Quality and sources"))
facts_tab, sources_tab, report_tab = st.tabs([t("D'où vient chaque fait", "Where each fact comes from"),
                                              t("Sources", "Sources"),
                                              t("Rapport de validation (curateurs)", "Validation report (curators)")])


def fact_line(fact) -> None:
    """« label : value », the value a link to its page when it is one of the graph's entities."""
    if fact.page is None:
        st.markdown(f"**{md(fact.property_label)}** : {md(fact.value_label)}")
        return
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.markdown(f"**{md(fact.property_label)}** :", width="content")
        st.page_link(f"views/{fact.page}.py", label=md(fact.value_label), query_params={"id": short(fact.value_iri)})


with facts_tab:
    cards = g.coordinations | g.experiences
    known = {"": t("(choisir une coordination ou une expérience)", "(pick a coordination or an experience)")}
    known |= {short(iri): card.text("label", lang())
              for iri, card in sorted(cards.items(), key=lambda kv: kv[1].text("label"))}
    wanted = st.query_params.get("id", "")
    picked = st.selectbox(t("Fiche", "Entity"), list(known), format_func=known.get, key="entity", placeholder=choose(),
                          index=list(known).index(wanted) if wanted in known else 0)
    other = st.text_input(t("ou un autre identifiant ou IRI (ex. territoire/commune/38151)",
                            "or another identifier or IRI (e.g. territoire/commune/38151)"),
                          "" if wanted in known else wanted, key="entity-other").strip()
    entity = other or picked
    if entity:
        st.query_params["id"] = short(entity)
        iri = entity if entity.startswith(("http://", "https://")) else entity_base() + entity
        try:
            found = facts(g, iri, lang())
        except LibraryError as error:  # not an IRI (a space, a `>`...): the library's message, French first
            st.error(error.message(lang()))
            found = None
        if found == []:
            st.warning(t(f"Le graphe ne dit rien de « {md(entity)} ».", f"The graph says nothing about '{md(entity)}'."))
        # By source document: what each document says, then what no document says.
        by_source: dict[tuple, list] = {}
        for fact in found or []:
            by_source.setdefault(tuple(sorted(fact.documents.items())), []).append(fact)
        for documents, listed in sorted(by_source.items(), key=lambda item: (not item[0], item[0])):
            titles = " ; ".join(f"« {md(title)} »" for _, title in documents)
            st.subheader(t(f"D'après {titles}", f"According to {titles}") if documents else
                         t("Sans document source", "With no source document"))
            for fact in listed:
                if fact.property != PASSAGE:  # quoted below, whole
                    fact_line(fact)
        for passage in sorted({fact.passage for fact in found or [] if fact.passage}):
            st.markdown(f"**{t('Passage de la source', 'Source passage')}** :")
            st.markdown(f"> {md(passage)}")

with sources_tab:
    for source, title, kind, publisher in sources(g, lang()):
        with st.container(border=True):
            st.markdown(f"**{md(title)}** ({md(short(source.iri))})")
            details = [x for x in (kind, publisher, source.issued) if x]
            if details:
                st.caption(" · ".join(md(detail) for detail in details))
            for url in source.urls:  # a link only to a checked http(s) URL, else the text
                st.markdown(f"- {md_link(url, url)}")

with report_tab:
    st.caption(t("Pour les curateurs des données : ce que les formes SHACL ont relevé à la construction du graphe, "
                 "par gravité puis par forme, chaque problème à sa place dans les fichiers de données.",
                 "For the data's curators: what the SHACL shapes found when the graph was built, by severity then by "
                 "shape, each problem at its place in the data files."))
    report = read_report(g.folder)
    if report is None:
        st.info(t("Le rapport de validation n'est disponible que pour un graphe construit sur cette machine "
                  "(validation.json du dossier de construction).",
                  "The validation report is only available for a graph built on this machine (validation.json of the "
                  "build directory)."))
    elif not report:
        st.success(t("Le graphe est conforme à toutes les formes SHACL, sans avertissement.",
                     "The graph conforms to every SHACL shape, without any warning."))
    for severity, shapes in grouped(report or []):
        st.subheader(f"{SEVERITY_NAMES[lang()][severity]} ({sum(len(found) for _, found in shapes)})")
        for shape, found in shapes:
            name = md(shape_title(shape, lang())) if shape else t("(sans forme)", "(no shape)")
            with st.expander(f"{name} — {len(found)}"):
                for problem in found:
                    st.markdown(f"**{md(problem.where())}** : {md(problem.message(lang()))}")
                    if problem.focus and problem.focus.startswith(entity_base()):
                        st.page_link(f"views/{page_of(problem.focus)}.py", label=md(short(problem.focus)),
                                     query_params={"id": short(problem.focus)})
