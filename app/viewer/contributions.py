"""The logic of the pages « Contribuer » and « Relecture », as plain Python (app/views/ lays it out).

A form's values become the data's records (`records_for`), checked by the build's own steps against the graph
the viewer opened (graph_builder.contributions.check), and sent to the proposal store. Each form field is named
`<kind>.<field>` as the record kinds name it, so that a problem of the check is shown under its field.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.viewer.model import Viewer, pick
from graph_builder.constants import VOCABULARY_BASE
from graph_builder.contributions.records import FILE, Statement, nested, render, today
from graph_builder.contributions.store import ProposalError, ProposalStore
from graph_builder.problems import Problem
from graph_builder.sources.directories import derive_id

# How many proposals one session may send, and in how long (a person sends a few; a script, hundreds).
RATE_LIMIT, RATE_WINDOW_S = 5, 600
CHECK_LIMIT = 30  # checks per session in the same window: each costs a second or two of the server's time
# The fields each page's form offers, in order (the record kinds' names; `porteur`, `cosignataires` and the new
# structure's fields are the form's own: they become participations and an actor record).
LINES = re.compile(r"\s*\n\s*")
NEW = "__nouvelle__"  # the form's choice « a structure not in the list », declared with the proposal


def slug(text: str) -> str:
    """An id from a name, as the directory import makes them (`derive_id`), cut to 80 characters (never ending
    with the hyphen the cut may leave: the build refuses such an id)."""
    return derive_id([text])[:80].rstrip("-")


def lines(text: str) -> list[str]:
    """One value per non-empty line of a text area."""
    return [line for line in LINES.split(text.strip()) if line] if text and text.strip() else []


def concepts(viewer: Viewer, scheme: str, lang: str = "fr") -> dict[str, str]:
    """The codes of a concept scheme and their labels in `lang` (else the other language), sorted by label: the
    graph's own, as every other list of the viewer (`Viewer.concept_names`, read once per scheme and language)."""
    base = f"{VOCABULARY_BASE}{scheme}/"
    found = {iri.removeprefix(base): pick(labels, lang)
             for iri, labels in viewer.concept_names(f"{VOCABULARY_BASE}{scheme}", lang).items() if iri.startswith(base)}
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


@dataclass
class NewStructure:
    """A structure the graph does not know yet, declared with the proposal (becomes an actor record)."""

    label: str
    kinds: list[str]
    based_in: str = ""
    url: str = ""
    email: str = ""  # the structure's published contact, never a person's

    @property
    def ident(self) -> str:
        return slug(self.label)

    def record(self) -> tuple[str, dict[str, Any]]:
        data: dict[str, Any] = {"id": self.ident, "label": self.label, "kind": self.kinds}
        if self.based_in:
            data["based_in"] = self.based_in
        if self.url:
            data["url"] = [self.url]
        if self.email:
            data["email"] = [self.email]
        return "actor", data


def coordination_records(values: dict[str, Any], new: NewStructure | None) -> list[tuple[str, dict[str, Any]]]:
    """A coordination's records from the form: the coordination (carrier and co-signatories as participations),
    and the new structure if one is declared."""
    label = values.get("label", "").strip()
    ident = values.get("id") or slug(f"{values.get('type', '')} {label}")
    carrier = new.ident if new else values.get("porteur", "")
    participations = []
    if carrier:
        participations.append({"actor": carrier, "role": "porteur"})
    for actor in values.get("cosignataires", []):
        participations.append({"actor": new.ident if new and actor == NEW else actor, "role": "cosignataire"})
    coordination = {"id": ident, "label": label, "label_en": values.get("label_en", "").strip(),
                    "type": values.get("type", ""),
                    "territories": values.get("territories", []), "start": values.get("start", ""),
                    "end": values.get("end", ""), "themes": values.get("themes", []),
                    "missions": values.get("missions", []), "contact_role": values.get("contact_role", ""),
                    "objectives": lines(values.get("objectives", "")), "participations": participations}
    return ([new.record()] if new else []) + [("coordination", coordination)]


def experience_records(values: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    label = values.get("label", "").strip()
    experience = {"id": values.get("id") or slug(f"experience {label}"), "label": label,
                  "label_en": values.get("label_en", "").strip(),
                  "subject": values.get("subject", ""), "places": values.get("places", []),
                  "themes": values.get("themes", []), "axes": values.get("axes", []),
                  "determinants": values.get("determinants", []), "history": lines(values.get("history", "")),
                  "results": lines(values.get("results", "")),
                  "good_practices": lines(values.get("good_practices", "")),
                  "references": [values["references"]] if values.get("references") else []}
    return [("experience", experience)]


def actor_records(values: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    structure = NewStructure(values.get("label", "").strip(), values.get("kind", []), values.get("based_in", ""),
                             values.get("url", ""), values.get("email", ""))
    kind, data = structure.record()
    if values.get("id"):
        data["id"] = values["id"]
    # Every field the form edits, empty ones too (the proposal drops them): a correction empties those left blank.
    data.update({name: data.get(name, "") for name in ("based_in", "url", "email")})
    data["label_en"] = values.get("label_en", "").strip()
    data["description"] = lines(values.get("description", ""))
    return [(kind, data)]


def cleared_fields(before: dict[str, Any], records: list[tuple[str, dict[str, Any]]], kind: str) -> list[str]:
    """The fields a correction empties: those of the record the form edits (its keys, empty or not) that the card
    holds and the form leaves blank. Nested records (participations) are added beside, never emptied."""
    after = next((data for k, data in records if k == kind), {})
    return [name for name, value in after.items() if value in ("", [], None) and name != "id"
            and before.get(name) not in (None, "", []) and not nested(before.get(name))]


def proposal_text(statement: Statement, records: list[tuple[str, dict[str, Any]]]) -> str:
    """The proposal as it would be sent (a provisional id: the store gives the real one)."""
    return render("00000000-000000-00000000", statement, records, today())


def field_of(problem: Problem) -> str:
    """The form field a problem belongs to: `<kind>.<field>`, `contribution.<field>`, or `` (the whole proposal)."""
    if problem.record is None:
        return ""
    kind = problem.record.split(" ", 1)[0]
    if kind == "contribution":  # the statement's own fields
        return f"contribution.{problem.field}"
    if kind == "participation":
        return "coordination.porteur"
    if kind == "source_document":  # the contribution's document: its fields come from the statement
        return "contribution.source" if problem.field in ("derived_from", "bibliographic_citation") else \
            "contribution.structure"
    if problem.field and problem.field != "source":
        return f"{kind}.{problem.field}"
    return kind


def by_field(problems: list[Problem]) -> dict[str, list[Problem]]:
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        found.setdefault(field_of(problem), []).append(problem)
    return found


def allowed(sent_at: list[float], now: float | None = None, limit: int = RATE_LIMIT) -> bool:
    """Whether a session that sent (or checked) at `sent_at` may do it again now."""
    now = time.time() if now is None else now
    return sum(1 for moment in sent_at if now - moment < RATE_WINDOW_S) < limit


def store() -> ProposalStore:
    return ProposalStore()


def settings():
    """The build's settings with the data directory the viewer's contributions check against and are accepted into:
    MAILLAGE_DATA, else the project's data/ (as `maillage build`'s default)."""
    from graph_builder.pipeline import Settings

    data = os.environ.get("MAILLAGE_DATA")
    return Settings(data_dir=Path(data)) if data else Settings()


def reviewers_file() -> Path:
    return Path(os.environ.get("MAILLAGE_REVIEWERS") or store().root / "relecteurs.json")


def check(statement: Statement, text: str, target: str, graph_store):
    """The proposal checked against the graph the viewer opened (an embedded store: `Viewer.store.store`)."""
    import pyoxigraph as ox

    from graph_builder.contributions.check import check_proposal

    if not isinstance(graph_store, ox.Store):
        raise ProposalError("la vérification demande le graphe construit (dossier build/), pas un service distant",
                            "checking needs the built graph (build/ folder), not a remote endpoint")
    kind, _, ident = target.partition("/")
    return check_proposal(settings(), text, graph_store, statement, {"kind": kind, "id": ident} if target else None)


def send(statement: Statement, records: list[tuple[str, dict[str, Any]]], kind: str,
         personal: dict[str, str]) -> str:
    """Keep the proposal in the store: its id."""
    return store().submit(lambda ident: render(ident, statement, records, today()), statement.as_meta(kind),
                          {k: v for k, v in personal.items() if v and v.strip()})


def check_upload(filename: str, content: bytes):
    """An uploaded directory template read and checked by `maillage import` on a copy of the data (nothing of the
    data changes): the import's result (its problems by line and column), and the name it is kept under."""
    import dataclasses
    import shutil
    import tempfile

    from graph_builder.contributions.review import import_upload
    from graph_builder.contributions.store import MAX_UPLOAD_BYTES

    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ProposalError("envoyez un modèle d'annuaire rempli, en CSV ou XLSX",
                            "send a filled directory template, as CSV or XLSX")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ProposalError(f"fichier trop volumineux ({len(content)} octets, {MAX_UPLOAD_BYTES} au plus)",
                            f"file too large ({len(content)} bytes, at most {MAX_UPLOAD_BYTES})")
    current = settings()
    with tempfile.TemporaryDirectory(prefix="maillage-annuaire-") as folder:
        data = Path(folder) / current.data_dir.name
        shutil.copytree(current.data_dir, data, ignore=shutil.ignore_patterns("templates"))
        upload = Path(folder) / f"annuaire{suffix}"  # the visitor's file name is never used as a path
        upload.write_bytes(content)
        return import_upload(upload, dataclasses.replace(current, data_dir=data), "contribution-envoi"), \
            f"annuaire{suffix}"


def send_upload(statement: Statement, name: str, content: bytes, personal: dict[str, str]) -> str:
    """Keep an uploaded directory as a proposal: the file as sent, and the statement's contribution document."""
    from graph_builder.contributions.records import contribution_document, dump

    return store().submit(
        lambda ident: dump({"source_document": [contribution_document(ident, statement, name, today())]}),
        statement.as_meta("annuaire"), {k: v for k, v in personal.items() if v and v.strip()}, files={name: content})


def reopen() -> None:
    """Open the graph again after a publication: the next page shows the rebuilt graph."""
    from app.viewer import ui, warmup

    warmup.forget(warmup.out_dir())
    ui.viewer.clear()


def difference_lines(before: dict[str, Any], records: list[tuple[str, dict[str, Any]]], kind: str) -> list[str]:
    from graph_builder.contributions.records import plain
    from graph_builder.contributions.review import difference

    after = next((plain(data) for k, data in records if k == kind), {})
    return difference(before, {k: v for k, v in after.items() if v not in ("", [], None)})


__all__ = ["FILE", "NewStructure", "Statement", "actor_records", "allowed", "by_field", "cleared_fields", "concepts",
           "coordination_records", "experience_records", "field_of", "lines", "proposal_text", "slug", "store"]
