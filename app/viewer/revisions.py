"""A card's corrections: which of its fields an accepted contribution corrected (the line « Source : contribution de
… du … ») and the values it replaced, with their source and date (« Historique des corrections »).

Read with the library's entity_history (the history graph, graph_builder/conversion/revisions.py); text only.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from rdflib import URIRef

from app.viewer.model import Viewer, short
from app.viewer.quality import term_labels
from app.viewer.text import date_text, md


@dataclass(frozen=True)
class Replaced:
    """A value an accepted correction replaced."""

    property: str
    property_label: str
    value: str  # in words: the text, or the label of the entity or concept
    source: str  # the title of the document that gave it
    replaced_at: str  # the correction's acceptance (xsd:dateTime), "" when unknown
    by: str  # the contribution that replaced it (its document's IRI)
    by_title: str


def history(viewer: Viewer, iri: str, lang: str = "fr") -> list[Replaced]:
    """The values of `iri` corrections replaced, the first replaced first (the query's order)."""
    answer = viewer.run("entity_history", entity=iri, lang=lang)
    rows = list(answer)
    if not rows:
        return []
    labels = term_labels(viewer, iri, lang)
    index = {name: n for n, name in enumerate(answer.variables)}

    def text(row, name: str) -> str:
        value = row[index[name]]
        return "" if value is None else str(value)

    found = []
    for row in rows:
        prop, value = text(row, "property"), row[index["value"]]
        words = text(row, "valueLabel") or (short(str(value)) if isinstance(value, URIRef) else str(value))
        by = text(row, "replacedBy")
        found.append(Replaced(prop, labels.get(prop) or short(prop), words,
                              text(row, "sourceTitle") or short(text(row, "source")), text(row, "replacedAt"), by,
                              text(row, "replacedByTitle") or short(by)))
    return list(dict.fromkeys(found))  # a value with two labels in one language: once


def corrected(replaced: list[Replaced]) -> dict[str, list[str]]:
    """The title of each contribution whose values are current (with its id when two share a title), and the fields
    it corrected (the latest correction of each field), the earliest accepted first."""
    latest: dict[str, Replaced] = {}
    for item in replaced:  # the first replaced first: the last one of a property is the current value's source
        latest[item.property] = item
    found: dict[tuple[str, str], list[str]] = {}  # by contribution (two can share a title: the same day)
    for item in sorted(latest.values(), key=lambda r: (r.replaced_at, r.property_label)):
        found.setdefault((item.by, item.by_title), []).append(item.property_label)
    return {title: fields for (_by, title), fields in found.items()} if len({t for _, t in found}) == len(found) \
        else {f"{title} ({short(by)})": fields for (by, title), fields in found.items()}


def show(viewer: Viewer, iri: str, lang: str, t) -> None:
    """The card's correction lines and, folded, its history (nothing for a card never corrected)."""
    replaced = history(viewer, iri, lang)
    if not replaced:
        return
    for title, fields in corrected(replaced).items():
        st.markdown(f"**{t('Corrigé', 'Corrected')}** ({md(', '.join(fields))}) — "
                    f"{t('Source : ', 'Source: ')}{md(title)}")
    with st.expander(t("Historique des corrections", "Correction history")):
        st.markdown("\n".join(
            f"- {md(item.property_label)} : « {md(item.value)} » — {t('source : ', 'source: ')}{md(item.source)} — "
            + (t(f"remplacé le {md(date_text(item.replaced_at[:10], lang))} par ",
                 f"replaced on {md(date_text(item.replaced_at[:10], lang))} by ") if item.replaced_at
               else t("remplacé par ", "replaced by ")) + md(item.by_title) for item in replaced))
