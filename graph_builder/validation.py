"""Step 4 of the data flow: SHACL validation, reported in the records' terms.

pyshacl runs without any inference (`inference="none"`) and without the
ontology mixed into the data: with RDFS domain/range axioms, inference hid
real `sh:class` violations and ran 7-11x slower. The builder types every
node explicitly instead. Each SHACL result is translated back to the file,
line, record and field that produced the node, with the shape's own
French or English message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from .kinds import Schema
from .problems import Problem
from .records import Built
from .vocabulary import parse_turtle

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


def load_shapes(shapes_dir: Path) -> Graph:
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes += parse_turtle(path, f"{shapes_dir.name}/{path.name}")
    return shapes


@dataclass
class ValidationOutcome:
    conforms: bool
    problems: list[Problem]
    report: Graph


def _messages(report: Graph, result: Node) -> tuple[str, str]:
    """French and English messages of a result (the shape's sh:message)."""
    found: dict[str, str] = {}
    untagged = None
    for message in report.objects(result, SH.resultMessage):
        if isinstance(message, Literal):
            if message.language in ("fr", "en"):
                found.setdefault(message.language, str(message))
            elif untagged is None:
                untagged = str(message)
    fallback = untagged or found.get("en") or found.get("fr") or "non conforme"
    return found.get("fr", fallback), found.get("en", fallback)


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, Literal):
        return str(node)
    return str(node)


def explain(report: Graph, built: Built, schema: Schema) -> list[Problem]:
    """SHACL results as problems located in the curated records."""
    problems = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        severity = SEVERITIES.get(report.value(result, SH.resultSeverity), "violation")
        message_fr, message_en = _messages(report, result)
        entries = built.index.get(focus, []) if isinstance(focus, URIRef) else []
        if entries:
            entry = entries[0]
            field = None
            if isinstance(path, URIRef):
                field = next((name for name, spec in schema.fields_of(entry.kind).items() if spec.predicate == path),
                             None)
            problems.append(
                Problem(
                    file=entry.record.file,
                    line=entry.record.line_of(field),
                    record=entry.label,
                    field=field or (_local_name(path) if path is not None else None),
                    message_fr=message_fr,
                    message_en=message_en,
                    severity=severity,  # type: ignore[arg-type]
                    shape=_local_name(shape) if isinstance(shape, URIRef) else None,
                    value=_short(value) if value != focus else None,
                    focus=str(focus),
                )
            )
        else:
            problems.append(
                Problem(
                    file="(graphe)",
                    line=None,
                    record=str(focus),
                    field=_local_name(path) if isinstance(path, URIRef) else None,
                    message_fr=message_fr,
                    message_en=message_en,
                    severity=severity,  # type: ignore[arg-type]
                    shape=_local_name(shape) if isinstance(shape, URIRef) else None,
                    value=_short(value) if value != focus else None,
                    focus=str(focus),
                )
            )
    return sorted(problems)


def _local_name(iri: Node | None) -> str | None:
    if iri is None:
        return None
    text = str(iri)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text or str(iri)


def validate_graph(data: Graph, shapes: Graph, built: Built, schema: Schema) -> ValidationOutcome:
    conforms, report, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        inference="none",
        abort_on_first=False,
        allow_warnings=True,
        advanced=False,
        meta_shacl=False,
    )
    return ValidationOutcome(conforms=bool(conforms), problems=explain(report, built, schema), report=report)
