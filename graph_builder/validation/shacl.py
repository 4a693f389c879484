"""Step 4 of the data flow: SHACL validation, reported in the records' terms.

pyshacl runs without any inference (`inference="none"`) and without the
ontology mixed into the data: with RDFS domain/range axioms, inference hid
real `sh:class` violations and ran 7-11x slower. The builder types every
node explicitly instead. Each SHACL result is translated back to the file,
line, record and field that produced the node, with the shape's own
French or English message.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from graph_builder.conversion.records import Built
from graph_builder.kinds import Schema
from graph_builder.problems import Problem
from graph_builder.validation.pyshacl_tuning import (
    ParsedOnce,
    ParsedOnceUnion,
    before_fork,
    hash_constraint_parameters,
    prepared_texts,
    remember_forked,
)
from graph_builder.vocabulary import parse_turtle

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


def load_shapes(shapes_dir: Path) -> Graph:
    # A store without named-graph bookkeeping: pyshacl reads each shape's
    # triples once per focus node, and this store answers ~30 % faster.
    shapes = Graph(store=SimpleMemory())
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes += parse_turtle(path, f"{shapes_dir.name}/{path.name}")
    return shapes


@dataclass
class ValidationOutcome:
    """`conforms` is SHACL's: false as soon as the report holds one result, whatever its severity (the report's
    sh:conforms says the same). The build's own flag is `no_violation`: warnings and infos never block it."""

    conforms: bool
    problems: list[Problem]
    report: Graph

    @property
    def no_violation(self) -> bool:
        return not any(problem.severity == "violation" for problem in self.problems)


def _template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching a message template whose {?var} placeholders were filled."""
    parts = re.split(r"\{[?$]\w+\}", template)
    return re.compile("^" + "(.*?)".join(re.escape(part) for part in parts) + "$", re.DOTALL)


def _messages(report: Graph, shapes: Graph, result: Node) -> tuple[str, str]:
    """French and English messages of a result.

    pyshacl drops the language tag of SPARQL-constraint messages when it
    fills their {?var} placeholders, so untagged messages are matched back
    to the tagged templates of the source constraint to learn their language.
    """
    found: dict[str, str] = {}
    untagged = []
    for message in report.objects(result, SH.resultMessage):
        if isinstance(message, Literal):
            if message.language in ("fr", "en"):
                found.setdefault(message.language, str(message))
            else:
                untagged.append(str(message))
    constraint = report.value(result, SH.sourceConstraint)
    if untagged and constraint is not None:
        for template in shapes.objects(constraint, SH.message):
            if isinstance(template, Literal) and template.language in ("fr", "en"):
                pattern = _template_pattern(str(template))
                match = next((m for m in untagged if pattern.match(m)), None)
                if match is not None:
                    found.setdefault(template.language, match)
    fallback = (untagged[0] if untagged else None) or found.get("en") or found.get("fr") or "non conforme"
    return found.get("fr", fallback), found.get("en", fallback)


def _shape_name(shapes: Graph, shape: Node | None) -> str | None:
    """Name of the shape behind a result: a blank property shape is named by its node shape."""
    if shape is not None and not isinstance(shape, URIRef):
        shape = next(iter(shapes.subjects(SH.property, shape)), None)
    return _local_name(shape) if isinstance(shape, URIRef) else None


def _shown(node: Node | None, built: Built) -> str | None:
    """A value as the curator wrote it: a record's id, a concept's code, a literal's text."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        entries = built.index.get(node)
        return entries[0].ident if entries else _local_name(node)
    return str(node)


def explain(report: Graph, shapes: Graph, built: Built, schema: Schema) -> list[Problem]:
    """SHACL results as problems located in the curated records."""
    problems = []
    # Top-level results only: sh:detail results (inside sh:node/sh:or) are explained by their parent.
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        severity = SEVERITIES.get(report.value(result, SH.resultSeverity), "violation")
        message_fr, message_en = _messages(report, shapes, result)
        entries = built.index.get(focus, []) if isinstance(focus, URIRef) else []
        if entries:
            entry = entries[0]
            field = schema.field_for(entry.kind, path) if isinstance(path, URIRef) else None
            file, line, record = entry.record.file, entry.record.line_of(field), entry.label
        else:  # a node no record made (e.g. a vocabulary concept)
            field, file, line, record = None, "(graphe)", None, str(focus)
        problems.append(
            Problem(
                file=file,
                line=line,
                record=record,
                field=field or (_local_name(path) if isinstance(path, URIRef) else None),
                message_fr=message_fr,
                message_en=message_en,
                severity=severity,  # type: ignore[arg-type]
                shape=_shape_name(shapes, shape),
                value=_shown(value, built) if value != focus else None,
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


# Below this many triples a second process costs more than it saves.
PARALLEL_FROM = 200_000
# What a SPARQL rule costs per focus node, in property checks: measured per shape at national size, a rule took
# 260 to 2,400 µs per focus node, a property 15 to 25 µs. Counted as one, the two processes' shares were 17 s and 8 s.
SPARQL_WEIGHT = 60
_FORKED: dict = {}  # what a forked validation worker validates (inherited through fork, never pickled)


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def _shape_groups(data: Graph, shapes: Graph, jobs: int) -> list[list[str]]:
    """The shapes with targets in `jobs` groups of about equal work (focus nodes x weighted constraints, largest
    first)."""
    costs = []
    # Every kind of target: a shape targeting the subjects of a property (shapes/periods.ttl) left out of every
    # group would never be checked at the size where the work is split.
    targeted = {shape for target in TARGETS for shape in shapes.subjects(target, None)}
    for shape in targeted:
        focus = (sum(1 for cls in shapes.objects(shape, SH.targetClass) for _ in data.subjects(RDF.type, cls))
                 + sum(1 for p in shapes.objects(shape, SH.targetSubjectsOf) for _ in data.subjects(p, None))
                 + sum(1 for p in shapes.objects(shape, SH.targetObjectsOf) for _ in data.objects(None, p))
                 + len(list(shapes.objects(shape, SH.targetNode))))
        constraints = (1 + len(list(shapes.objects(shape, SH.property)))
                       + SPARQL_WEIGHT * len(list(shapes.objects(shape, SH.sparql))))
        costs.append((focus * constraints, str(shape)))
    groups: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for cost, shape in sorted(costs, reverse=True):
        lightest = loads.index(min(loads))
        groups[lightest].append(shape)
        loads[lightest] += cost
    return [group for group in groups if group]


# The build's pyshacl options (shacl_engines.py runs the comparison with the same ones): no inference (see above);
# neither warnings nor infos allowed, so that sh:conforms is false as soon as there is a result, as the SHACL
# specification defines it (pyshacl's allow_warnings made a report with only warnings say true).
PYSHACL_OPTIONS = {
    "inference": "none",
    "abort_on_first": False,
    "allow_warnings": False,
    "allow_infos": False,
    "advanced": False,
    "meta_shacl": False,
}


def _pyshacl(view: Graph, shapes: Graph, use_shapes: list[str] | None) -> tuple[bool, Graph]:
    hash_constraint_parameters()
    conforms, report, _text = shacl_validate(view, shacl_graph=shapes, use_shapes=use_shapes, **PYSHACL_OPTIONS)
    return bool(conforms), report


def _forked_group(group: list[str]) -> tuple[bool, bytes, list[Problem], set[str]]:
    """A worker's share: its report as N-Triples, and its problems explained here, where the report's
    blank nodes still match the shapes graph's (messages and shape names are looked up through them); the
    SPARQL texts it had to prepare (pyshacl_tuning.before_fork)."""
    data, shapes, built, schema = _FORKED["args"]
    inherited = prepared_texts()
    conforms, report = _pyshacl(data, shapes, group)
    return (conforms, report.serialize(format="nt", encoding="utf-8"), explain(report, shapes, built, schema),
            prepared_texts() - inherited)


def _merged(reports: list[Graph], conforms: bool) -> Graph:
    """One validation report holding every group's results."""
    merged = Graph()
    node = BNode()
    merged.add((node, RDF.type, SH.ValidationReport))
    merged.add((node, SH.conforms, Literal(conforms)))
    for report in reports:
        for s, p, o in report:
            if p == SH.result:
                merged.add((node, p, o))
            elif (s, RDF.type, SH.ValidationReport) not in report:
                merged.add((s, p, o))
    return merged


def validate_graph(data: Graph, shapes: Graph, built: Built, schema: Schema, jobs: int | None = None) -> ValidationOutcome:
    """Validate a graph, or the union of a dataset's graphs (each must then be data: no ontology in it).

    A large graph is validated by two processes side by side, each with half
    of the shapes' work: a forked worker shares the graph without copying or
    pickling it (where `fork` exists: elsewhere, and for small graphs, one
    process does it all). `jobs` forces the number of processes.
    """
    view = ParsedOnceUnion(data) if isinstance(data, Dataset) else ParsedOnce(data)
    if jobs is None:
        size = sum(len(graph) for graph in data.graphs()) if isinstance(data, Dataset) else len(data)
        jobs = min(2, os.cpu_count() or 1) if size >= PARALLEL_FROM else 1
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        jobs = 1
    groups = _shape_groups(view, shapes, jobs) if jobs > 1 else []
    if len(groups) < 2:
        conforms, report = _pyshacl(view, shapes, None)
        return ValidationOutcome(conforms=conforms, problems=explain(report, shapes, built, schema), report=report)
    _FORKED["args"] = (view, shapes, built, schema)
    before_fork()
    try:
        with ProcessPoolExecutor(len(groups) - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            others = [pool.submit(_forked_group, group) for group in groups[1:]]
            conforms, report = _pyshacl(view, shapes, groups[0])
            reports, problems = [report], explain(report, shapes, built, schema)
            for future in others:
                group_conforms, triples, group_problems, texts = future.result()
                conforms = conforms and group_conforms
                reports.append(Graph().parse(data=triples, format="nt"))
                problems += group_problems
                remember_forked(texts)
    finally:
        _FORKED.clear()
    return ValidationOutcome(conforms=conforms, problems=sorted(problems), report=_merged(reports, conforms))
