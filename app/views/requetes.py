"""Requêtes: the query library as forms, and a read-only SPARQL console with a time limit."""

import json
import os

import streamlit as st

from app.viewer.console import DEFAULT_CAP, DEFAULT_TIMEOUT_S, ConsoleError, run_console
from app.viewer.downloads import MIME, spreadsheet_csv
from app.viewer.query_forms import form_fields, linked_table, summaries, territory_matches, territory_value
from app.viewer.text import md
from app.viewer.ui import choose, graph, lang, t
from maillage.library import LibraryError, get_query
from maillage.stores import csv_rows

g = graph()
TIMEOUT_S = float(os.environ.get("MAILLAGE_CONSOLE_TIMEOUT_S", DEFAULT_TIMEOUT_S))
EXAMPLE = """PREFIX mlg: <https://w3id.org/maillage/def/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?coordination ?label WHERE {
  ?coordination a mlg:Coordination ; rdfs:label ?label .
  FILTER (lang(?label) = "fr")
}
ORDER BY ?label"""


def show(rows, name: str) -> None:
    """The rows as a table, an entity of the graph as a link to its viewer page (the id shown), with a CSV download
    for spreadsheets (app/viewer/downloads.py) and SPARQL results JSON (the IRIs themselves)."""
    st.caption(t(f"{len(rows)} ligne(s)", f"{len(rows)} row(s)"))
    records, linked = linked_table(list(rows.variables), list(rows))
    st.dataframe(records, column_config={name: st.column_config.LinkColumn(name, display_text=r"\?id=(.*)$")
                                         for name in linked})
    left, right = st.columns(2)
    left.download_button("CSV", spreadsheet_csv(*csv_rows(rows.to_csv())), f"{name}.csv", MIME, on_click="ignore")
    right.download_button("JSON", json.dumps(rows.to_json(), ensure_ascii=False, indent=1), f"{name}.json",
                          "application/sparql-results+json", on_click="ignore")


st.title(t("Requêtes", "Queries"))
library_tab, console_tab = st.tabs([t("Bibliothèque de requêtes", "Query library"), t("Console SPARQL", "SPARQL console")])

with library_tab:
    questions = summaries(lang())
    wanted = st.query_params.get("q")
    name = st.selectbox(t("Question", "Question"), list(questions), format_func=questions.get, key="query",
                        placeholder=choose(),
                        index=list(questions).index(wanted) if wanted in questions else 0)
    st.query_params["q"] = name
    query = get_query(name)
    st.caption(f"`{name}` — {query.description}")
    values = {}
    for field in form_fields(g, query, lang()):
        key, helptext = f"{name}.{field.parameter.name}", field.parameter.describe(lang())
        if field.kind == "concept":
            options = ([] if field.parameter.required else [""]) + list(field.options)
            values[field.parameter.name] = st.selectbox(
                field.label(lang()), options, key=key, help=helptext, format_func=lambda iri, o=field.options: o.get(iri, "—"),
                placeholder=choose(),
                index=options.index(field.default) if field.default in options else 0)
        elif field.kind == "integer":
            values[field.parameter.name] = st.number_input(
                field.label(lang()), field.parameter.minimum, field.parameter.maximum, int(field.default or 0),
                step=1, key=key, help=helptext)
        else:
            text = st.text_input(field.label(lang()), field.default, key=key, help=helptext)
            values[field.parameter.name] = text
            if field.kind == "territory" and text.strip():
                found = territory_matches(g, field, text)
                if len(found) > 1:  # homonyms: the visitor chooses, none is chosen for them
                    chosen = st.selectbox(t("Lequel ?", "Which one?"), found, key=f"{key}.pick", index=None,
                                          format_func=lambda x: x.title(lang()),
                                          placeholder=choose())
                    if chosen is not None:
                        values[field.parameter.name] = territory_value(field, chosen)
                elif found:
                    values[field.parameter.name] = territory_value(field, found[0])
                    st.caption(md(found[0].title(lang())))
    if st.button(t("Exécuter", "Run"), key="run-query", type="primary"):
        try:
            show(query.run(g.store, {**values, "lang": lang()}), name)  # the labels in the visitor's language
        except LibraryError as error:
            st.error(error.message(lang()))

with console_tab:
    st.caption(t(f"Lecture seule : SELECT, ASK, CONSTRUCT ou DESCRIBE ; ni mise à jour ni SERVICE. Arrêt au bout de "
                 f"{TIMEOUT_S:g} s ; au plus {DEFAULT_CAP} lignes (LIMIT ajouté s'il manque).",
                 f"Read only: SELECT, ASK, CONSTRUCT or DESCRIBE; no update, no SERVICE. Stopped after {TIMEOUT_S:g} s; "
                 f"at most {DEFAULT_CAP} rows (LIMIT added when missing)."))
    text = st.text_area(t("Requête SPARQL", "SPARQL query"), EXAMPLE, height=200, key="console")
    if st.button(t("Exécuter la requête", "Run the query"), key="run-console", type="primary"):
        try:
            answer = run_console(g.store, text, TIMEOUT_S, DEFAULT_CAP)
        except ConsoleError as error:
            st.error(error.message(lang()))
        else:
            if answer.cut_at:
                st.info(t(f"Résultats limités aux {answer.cut_at} premières lignes : paginez avec LIMIT et OFFSET.",
                          f"Results cut at the first {answer.cut_at} rows: page with LIMIT and OFFSET."))
            st.caption(t(f"Répondu en {answer.seconds:.2f} s", f"Answered in {answer.seconds:.2f} s"))
            show(answer.rows, "console")
