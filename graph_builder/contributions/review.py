"""Review decisions: accept (the proposal joins the data and the build), reject with a reason, ask for a change.

Accepting writes the proposal's file, with its acceptance time (`generated`, prov:generatedAtTime), to
`data/contributions/contribution-<id>.yaml`: from then on it is curated data like any other file, diffable and
versioned, whose records live in the contribution's own named graph. The build given (`rebuild`) then runs; if
it refuses the data, the file is removed again and the proposal stays pending.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from graph_builder.contributions.records import dump, nested, now_utc, plain, source_id
from graph_builder.contributions.store import UPLOAD_NAMES, Proposal, ProposalError, ProposalStore
from graph_builder.files import atomic_write
from graph_builder.pipeline import Settings
from graph_builder.problems import Problem
from graph_builder.sources import read_data_dir

FOLDER = "contributions"  # under the data directory


def published_path(settings: Settings, ident: str) -> Path:
    return settings.data_dir / FOLDER / f"{source_id(ident)}.yaml"


def accepted_text(proposal: Proposal, accepted_at: str) -> str:
    """The proposal's file with its acceptance time on the contribution document."""
    document = plain(YAML(typ="safe").load(proposal.records))
    document["source_document"][0]["generated"] = accepted_at
    return dump(document)


def accept(store: ProposalStore, ident: str, reviewer: str, settings: Settings,
           rebuild: Callable[[], list[Problem]]) -> Proposal:
    """Publish a proposal: written into the data, built (`rebuild` returns the blocking problems), then marked."""
    with store.locked():
        proposal = store.get(ident)
        if proposal.status not in ("pending", "changes"):
            store.decide(ident, "accepted", reviewer)  # raises: already decided
        accepted_at = now_utc()
        if proposal.meta.get("kind") == "annuaire":
            return _accept_directory(store, proposal, reviewer, settings, rebuild, accepted_at)
        target = published_path(settings, ident)
        atomic_write(target, accepted_text(proposal, accepted_at).encode("utf-8"))
        try:
            problems = rebuild()
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        if problems:
            target.unlink(missing_ok=True)
            raise ProposalError(
                f"la proposition {ident} n'est pas publiable en l'état ({len(problems)} problème(s)) : "
                "demandez une modification", f"proposal {ident} cannot be published as it is "
                f"({len(problems)} problem(s)): ask for a change")
        return store.decide(ident, "accepted", reviewer, extra={"accepted_at": accepted_at,
                                                                 "published": f"{FOLDER}/{target.name}"})


def upload_of(proposal: Proposal) -> Path:
    return next(proposal.folder / name for name in UPLOAD_NAMES if (proposal.folder / name).is_file())


def import_upload(path: Path, settings: Settings, name: str):
    """An uploaded directory through `maillage import` itself (CC BY 4.0, the contribution's licence)."""
    from graph_builder.sources.importer import import_files

    return import_files([path], settings, name=name, license="CC-BY-4.0")


def _accept_directory(store: ProposalStore, proposal: Proposal, reviewer: str, settings: Settings,
                      rebuild: Callable[[], list[Problem]], accepted_at: str) -> Proposal:
    """An uploaded directory joins data/directories/ as `maillage import` stores it, then the graph is rebuilt."""
    result = import_upload(upload_of(proposal), settings, source_id(proposal.id))
    if result.refused:
        raise ProposalError(f"l'annuaire {proposal.id} n'est plus importable : {len(result.problems)} problème(s)",
                            f"directory {proposal.id} no longer imports: {len(result.problems)} problem(s)")
    written = [settings.data_dir / "directories" / f"{c.name}.{ext}" for c in result.written for ext in ("csv", "yaml")]
    try:
        problems = rebuild()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if problems:
        for path in written:
            path.unlink(missing_ok=True)
        raise ProposalError(f"l'annuaire {proposal.id} n'est pas publiable en l'état", f"directory {proposal.id} "
                            "cannot be published as it is")
    return store.decide(proposal.id, "accepted", reviewer, extra={"accepted_at": accepted_at,
                        "published": ", ".join(f"directories/{p.name}" for p in written)})


def reject(store: ProposalStore, ident: str, reviewer: str, reason: str) -> Proposal:
    if not reason.strip():
        raise ProposalError("donnez le motif du refus (--reason)", "give the reason for rejecting (--reason)")
    with store.locked():
        return store.decide(ident, "rejected", reviewer, reason.strip())


def ask_changes(store: ProposalStore, ident: str, reviewer: str, reason: str) -> Proposal:
    if not reason.strip():
        raise ProposalError("dites quelle modification est demandée (--reason)",
                            "say which change is asked for (--reason)")
    with store.locked():
        return store.decide(ident, "changes", reviewer, reason.strip(), expected=("pending",))


def current_record(settings: Settings, kind: str, ident: str) -> dict[str, Any] | None:
    """A record as the graph now holds it, sources included: its records of every source merged, the accepted
    corrections last, in the order they were accepted, each field they give replacing the earlier one (as the
    build replaces the values: conversion/revisions.py); None when the data has no such record."""
    records, _problems = read_data_dir(settings.data_dir)
    found = [r for r in records if r.kind == kind and str(r.data.get("id")) == ident]
    if not found:
        return None
    accepted = {str(r.data.get("id")): str(r.data.get("generated") or "~") for r in records
                if r.kind == "source_document" and r.data.get("revises")}
    clears = {str(r.data.get("id")): r.data.get("clears") or [] for r in records
              if r.kind == "source_document" and r.data.get("revises")}

    def correction(record) -> tuple[str, str] | None:
        sources = record.data.get("source")
        mine = [str(s) for s in (sources if isinstance(sources, list) else [sources]) if str(s) in accepted]
        return (accepted[mine[0]], mine[0]) if mine else None

    ordered = [r for r in found if correction(r) is None] + sorted(
        (r for r in found if correction(r) is not None), key=correction)
    merged: dict[str, Any] = {}
    for record in ordered:
        replaces = correction(record) is not None
        for name, value in ((k, _plain_value(v)) for k, v in record.data.items()):
            if name not in merged:
                merged[name] = value
            elif name == "source" or nested(value) or not replaces:  # several sources: their values side by side
                merged[name] = _joined(merged[name], value)
            else:
                merged[name] = value
        if replaces:  # the fields it empties, unless it gives them
            for name in clears[correction(record)[1]]:
                if str(name) not in record.data:
                    merged.pop(str(name), None)
    return merged


def _joined(first: Any, second: Any) -> Any:
    """Two sources' values of one field, each once, in order (a single value stays single when they agree)."""
    values = (first if isinstance(first, list) else [first]) + (second if isinstance(second, list) else [second])
    unique = [v for n, v in enumerate(values) if v not in values[:n]]
    return unique[0] if len(unique) == 1 and not isinstance(first, list) else unique


def _plain_value(value: Any) -> Any:
    if hasattr(value, "data") and hasattr(value, "kind"):  # a nested record
        return {k: _plain_value(v) for k, v in value.data.items()}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value


def difference(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The proposed record against the one the data holds, as a unified diff of their YAML (sources left out)."""
    def lines(record: dict[str, Any] | None) -> list[str]:
        if not record:
            return []
        # Nested records (participations, programmes…) are compared by the reviewers on the card: a correction
        # describes the record's own fields.
        kept = {k: v for k, v in record.items() if k not in ("source", "passage", "note")
                and not nested(v)}
        return dump(kept).splitlines()

    return list(difflib.unified_diff(lines(before), lines(after), "fiche actuelle", "proposition", lineterm="", n=2))
