"""A proposal's records in the data's own format, and the source document that makes it a contribution.

A proposal is a YAML file that `maillage validate` would read like any file of `data/`: a `source_document`
record `contribution-<id>` (the contribution: who, when, from what, under which licence; PROV-O once accepted)
and the proposed records, each with `source: contribution-<id>`, so that its triples go to the contribution's
own named graph. Accepting it copies the file to `data/contributions/` with its acceptance time.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML

from graph_builder.contributions.store import ProposalError, check_text
from graph_builder.problems import Problem

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
DECLARATION = "déclaration de la structure"
# How the contributor states where what they declare comes from.
SOURCE_KINDS = {
    "document": ("un document (titre, date, éditeur)", "a document (title, date, publisher)"),
    "lien": ("un lien vers une page ou un document en ligne", "a link to a web page or online document"),
    "declaration": ("déclaration de la structure", "the structure's own declaration"),
}
# The kinds a proposal may declare, in the order the page offers them.
PROPOSED_KINDS = ("coordination", "experience", "actor")
URL = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")
FILE = "proposition"  # how problems name the proposal's file


def source_id(ident: str) -> str:
    return f"contribution-{ident}"


@dataclass
class Statement:
    """What the contributor states about the proposal (public) besides its records."""

    structure: str  # id of the contributing structure (an actor of the graph or of the proposal)
    source_kind: str  # a key of SOURCE_KINDS
    source_value: str = ""  # the document's reference or the link
    licence_accepted: bool = False
    role: str = ""  # the contributor's role in the structure (« coordinatrice du CLS »): never a name
    target: dict[str, str] | None = None  # {"kind", "id"} of the record a correction changes
    revises: list[str] = field(default_factory=list)  # the sources of that record
    structure_label: str = ""  # the structure's name, for the contribution's title (« Contribution de … du … »)
    clears: list[str] = field(default_factory=list)  # the fields a correction empties on that record

    def as_meta(self, kind: str) -> dict[str, Any]:
        return {"kind": kind, "structure": self.structure, "source": {"kind": self.source_kind,
                "value": self.source_value}, "licence": LICENCE_URL, "licence_accepted": self.licence_accepted,
                "role": self.role, "target": self.target, "revises": self.revises,
                "structure_label": self.structure_label, "clears": self.clears}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Statement:
        source = meta.get("source") or {}
        return cls(meta.get("structure", ""), source.get("kind", ""), source.get("value", ""),
                   bool(meta.get("licence_accepted")), meta.get("role", ""), meta.get("target"),
                   list(meta.get("revises") or []), meta.get("structure_label", ""), list(meta.get("clears") or []))

    def problems(self) -> list[Problem]:
        """What is missing or wrong in the statement, located on its field (« structure », « source », « licence »)."""
        found = []

        def problem(name: str, fr: str, en: str) -> None:
            found.append(Problem(FILE, None, "contribution", name, fr, en))

        if not self.structure.strip():
            problem("structure", "indiquez la structure qui contribue (un acteur du graphe, ou déclarez-la)",
                    "give the contributing structure (an actor of the graph, or declare it)")
        if self.source_kind not in SOURCE_KINDS:
            problem("source", "indiquez d'où vient ce que vous déclarez : un document, un lien ou « déclaration "
                    "de la structure »", "say where what you declare comes from: a document, a link or the "
                    "structure's declaration")
        elif self.source_kind == "lien" and not URL.match(self.source_value.strip()):
            problem("source", "le lien doit être une adresse web commençant par http:// ou https://",
                    "the link must be a web address starting with http:// or https://")
        elif self.source_kind == "document" and not self.source_value.strip():
            problem("source", "donnez la référence du document (titre, date, éditeur)",
                    "give the document's reference (title, date, publisher)")
        if not self.licence_accepted:
            problem("licence", "acceptez la licence CC BY 4.0 : sans elle, la contribution ne peut pas être publiée",
                    "accept the CC BY 4.0 licence: without it the contribution cannot be published")
        for name, value in (("source", self.source_value), ("role", self.role)):
            try:
                check_text(value, name, 2000)
            except ProposalError as exc:
                problem(name, exc.message_fr, exc.message_en)
        return found


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def contribution_title(structure: str, submitted: str) -> tuple[str, str]:
    """« Contribution de <structure> du 6 décembre 2026 », and in English: how every page names the source."""
    day = dt.date.fromisoformat(submitted)
    return (f"Contribution de {structure} du {day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} "
            f"{day.year}", f"Contribution from {structure} of {day.day} {MONTHS_EN[day.month - 1]} {day.year}")


def contribution_document(ident: str, statement: Statement, title: str, submitted: str,
                          accepted_at: str | None = None) -> dict[str, Any]:
    """The contribution's source_document record (PROV-O: attributed, derived, generated once accepted)."""
    fr, en = contribution_title(statement.structure_label.strip() or statement.structure.strip() or "?", submitted)
    document: dict[str, Any] = {
        "id": source_id(ident),
        "title": fr,
        "title_en": en,
        "document_type": "contribution",
        "date": submitted,
        "language": "fr",
        "license": LICENCE_URL,
        "attributed_to": statement.structure.strip(),
    }
    if statement.source_kind == "lien":
        document["derived_from"] = [statement.source_value.strip()]
    citation = DECLARATION if statement.source_kind == "declaration" else statement.source_value.strip()
    document["bibliographic_citation"] = citation
    document["description"] = [f"Proposition : {title}."] + (
        [f"Proposée par : {statement.role.strip()}."] if statement.role.strip() else [])
    if statement.revises:
        document["revises"] = list(statement.revises)
        if statement.clears:
            document["clears"] = list(statement.clears)
    if accepted_at:
        document["generated"] = accepted_at
    return document


def nested(value: Any) -> bool:
    """Whether a record's value is a list of nested records (participations, programmes...), which a correction
    adds beside the earlier ones, never replaces nor empties."""
    return isinstance(value, list) and bool(value) and isinstance(value[0], dict)


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _cleaned(value: Any, where: str) -> Any:
    """Strings checked (limit, no control character); empty values dropped."""
    if isinstance(value, dict):
        kept = {k: _cleaned(v, f"{where} › {k}") for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_cleaned(item, where) for item in value) if v not in (None, "", [], {})]
    if isinstance(value, str):
        return check_text(value, where).strip()
    return value


def render(ident: str, statement: Statement, records: list[tuple[str, dict[str, Any]]], submitted: str,
           accepted_at: str | None = None) -> str:
    """The proposal's YAML file: its contribution document, then its records, each citing it as source."""
    if not records:
        raise ProposalError("la proposition ne contient aucun enregistrement", "the proposal holds no record")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for kind, data in records:
        record = _cleaned(dict(data), kind)
        record["source"] = source_id(ident)
        by_kind.setdefault(kind, []).append(record)
    first_kind, first = records[0]
    title = str(first.get("label") or first.get("id") or first_kind)
    document = {"source_document": [contribution_document(ident, statement, title, submitted, accepted_at)],
                **by_kind}
    return dump(document)


def dump(document: dict[str, Any]) -> str:
    """YAML text that reads back (as the build reads it, YAML 1.2) to exactly `document`."""
    writer = YAML(typ="safe", pure=True)  # the YAML 1.2 the build reads: it quotes what 1.2 would read as a number
    writer.allow_unicode, writer.default_flow_style, writer.width = True, False, 100
    writer.representer.sort_base_mapping_type_on_output = False  # fields in the order the templates give them
    buffer = io.StringIO()
    writer.dump(document, buffer)
    text = buffer.getvalue()
    back = plain(YAML(typ="rt").load(text))
    if back != plain(document):  # a value YAML 1.1 and 1.2 read differently: refuse rather than store it wrong
        raise ProposalError("une valeur serait relue autrement qu'écrite ; retirez les caractères spéciaux",
                            "a value would read back differently from what was written; remove special characters")
    return text


def today() -> str:
    return dt.datetime.now(tz=dt.UTC).date().isoformat()


def now_utc() -> str:
    return dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def records_of(text: str) -> list[tuple[str, dict[str, Any]]]:
    """A proposal file's records (its contribution document left out), as they were proposed."""
    document = plain(YAML(typ="safe").load(text)) or {}
    return [(kind, {k: v for k, v in record.items() if k != "source"})
            for kind, items in document.items() if kind != "source_document" for record in items]
