"""Qualité et sources: the build's SHACL report in plain language, each fact's source and passage, the sources."""

import streamlit as st

from app.viewer.model import entity_base, short
from app.viewer.quality import SEVERITY_NAMES, facts, grouped, page_of, read_report, sources
from app.viewer.text import md, md_code, md_link
from app.viewer.ui import graph, lang, t

g = graph()
st.title(t("Qualité et sources", "Quality and sources"))

st.header(t("Rapport de validation (SHACL)", "Validation report (SHACL)"))
report = read_report(g.folder)
if report is None:
    st.info(t("Le rapport de validation n'est disponible que pour un graphe construit sur cette machine "
              "(validation.json du dossier de construction).",
              "The validation report is only available for a graph built on this machine (validation.json of the build "
              "directory)."))
elif not report:
    st.success(t("Le graphe est conforme à toutes les formes SHACL, sans avertissement.",
                 "The graph conforms to every SHACL shape, without any warning."))
for severity, shapes in grouped(report or []):
    st.subheader(f"{SEVERITY_NAMES[lang()][severity]} ({sum(len(found) for _, found in shapes)})")
    for shape, found in shapes:
        with st.expander(f"{md(shape) if shape else t('(sans forme)', '(no shape)')} — {len(found)}"):
            for problem in found:
                st.markdown(f"**{md(problem.where())}** : {md(problem.message(lang()))}")
                if problem.focus and problem.focus.startswith(entity_base()):
                    st.page_link(f"views/{page_of(problem.focus)}.py", label=md(short(problem.focus)),
                                 query_params={"id": short(problem.focus)})

st.header(t("D'où vient chaque fait", "Where each fact comes from"))
cards = g.coordinations | g.experiences
known = {"": t("(choisir une coordination ou une expérience)", "(pick a coordination or an experience)")}
known |= {short(iri): card.text("label", lang()) for iri, card in sorted(cards.items(), key=lambda kv: kv[1].text("label"))}
wanted = st.query_params.get("id", "")
picked = st.selectbox(t("Fiche", "Entity"), list(known), format_func=known.get, key="entity",
                      index=list(known).index(wanted) if wanted in known else 0)
other = st.text_input(t("ou un autre identifiant ou IRI (ex. territoire/commune/38151)",
                        "or another identifier or IRI (e.g. territoire/commune/38151)"),
                      "" if wanted in known else wanted, key="entity-other").strip()
entity = other or picked
if entity:
    st.query_params["id"] = short(entity)
    iri = entity if entity.startswith(("http://", "https://")) else entity_base() + entity
    found = facts(g, iri, lang())
    if not found:
        st.warning(t(f"Le graphe ne dit rien de « {md(entity)} ».", f"The graph says nothing about '{md(entity)}'."))
    for fact in found:
        titles = "; ".join(md(title) for title in fact.documents.values()) or "—"
        st.markdown(f"- {md_code(fact.property)} : {md(fact.value)} — *{t('source', 'source')}* : {titles}")
    passages = {fact.passage for fact in found if fact.passage}
    for passage in sorted(passages):
        st.markdown(f"**{t('Passage de la source', 'Source passage')}** :")
        st.markdown(f"> {md(passage)}")

st.header(t("Sources", "Sources"))
for source, title, kind, publisher in sources(g, lang()):
    with st.container(border=True):
        st.markdown(f"**{md(title)}** ({md(short(source.iri))})")
        details = [x for x in (kind, publisher, source.issued) if x]
        if details:
            st.caption(" · ".join(md(detail) for detail in details))
        for url in source.urls:  # a link only to a checked http(s) URL, else the text
            st.markdown(f"- {md_link(url, url)}")
