"""Two SHACL engines on the same graphs, with comparable reports.

`validate(engine, data, shapes)` runs one of:

- ``pyshacl`` (pure Python, over rdflib) with the project's settings, those
  of `validation.validate_graph`: no inference, no SHACL-AF, no meta-SHACL,
  warnings allowed. SHACL Core and SHACL-SPARQL: `sh:sparql` constraints and
  SPARQL-based constraint components.
- ``pyrudof`` 0.3 (Rust, rudof's native engine), given the data and shapes
  as N-Triples (so blank-node labels survive and its report names the nodes
  of the rdflib graphs). Checked here against pyshacl, result for result:
  all of SHACL Core (every constraint component, predicate and complex
  paths, all target kinds, `sh:deactivated`, custom severities,
  `sh:pattern` with `sh:flags`, `sh:closed`...) and `sh:sparql` SELECT
  constraints (`sh:prefixes`/`sh:declare`, `$this`, `$PATH`, bound `?path`
  and `?value`, aggregates, property paths; `{?var}` messages are filled
  and keep their language tags). It silently ignores SPARQL-based
  constraint components (`sh:ConstraintComponent` with a validator) and
  SHACL-AF (`sh:target`, `sh:rule`): `unsupported_by_pyrudof` lists the
  shapes concerned; the project's shapes use none of them.

Each report is normalised to a frozenset of `Result(focus, path, component,
shape, severity)`: top-level results only (pyshacl also types the nested
`sh:detail` results of `sh:node` as results). A blank property shape is
named by the node shape holding it (`sh:property`), else `None`: component
and path then tell it apart. Messages and values are left out.

"conforms": both engines say false as soon as there is any result (the
SHACL definition; the project's pyshacl options allow neither warnings nor
infos). `EngineReport.conforms` is the project's flag (no violation).

`measure(engine, data, shapes)` runs one validation in a fresh Python
process and returns its time and the child's peak RSS.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Node

from graph_builder.constants import PROJECT_ROOT
from graph_builder.validation.shacl import PYSHACL_OPTIONS

SH = Namespace("http://www.w3.org/ns/shacl#")
Engine = Literal["pyshacl", "pyrudof"]
ENGINES: tuple[Engine, ...] = ("pyshacl", "pyrudof")


# SHACL-AF features: neither engine evaluates them with the project's settings
# (pyshacl runs with advanced=False), and rudof never does.
PYRUDOF_UNSUPPORTED_AF = {
    SH.target: "SHACL-AF custom target (sh:target)",
    SH.rule: "SHACL-AF rule (sh:rule)",
}


class Result(NamedTuple):
    """One validation result, in terms both engines report alike.

    `path` is None for a node shape and for a complex path (inverse,
    sequence...: the engines write those differently; shapes/ uses none). A
    literal focus node is kept as its lexical form only.
    """

    focus: Node
    path: URIRef | None
    component: URIRef
    shape: URIRef | None
    severity: URIRef


@dataclass(frozen=True)
class EngineReport:
    engine: str
    results: frozenset[Result]

    @property
    def conforms(self) -> bool:
        """The project's meaning: no result of severity sh:Violation."""
        return not any(result.severity == SH.Violation for result in self.results)


class Unchecked(NamedTuple):
    """A constraint rudof ignores: of `shape` as results name it (None: an unnamed blank shape),
    of `component` (None: all of the shape's)."""

    shape: URIRef | None
    component: URIRef | None
    reason: str


@dataclass(frozen=True)
class Comparison:
    """Results of both engines restricted to what both can check."""

    pyshacl: frozenset[Result]
    pyrudof: frozenset[Result]
    unchecked: frozenset[Unchecked]

    @property
    def agree(self) -> bool:
        return self.pyshacl == self.pyrudof

    @property
    def only_pyshacl(self) -> frozenset[Result]:
        return self.pyshacl - self.pyrudof

    @property
    def only_pyrudof(self) -> frozenset[Result]:
        return self.pyrudof - self.pyshacl


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


def _owner(shapes: Graph, shape: Node | None) -> URIRef | None:
    """A shape's IRI; a blank property shape is named by the node shape holding it."""
    if isinstance(shape, URIRef):
        return shape
    if shape is None:
        return None
    owner = next(iter(shapes.subjects(SH.property, shape)), None)
    return owner if isinstance(owner, URIRef) else None


_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_LITERAL = re.compile(r'"(.*)"(?:@[A-Za-z0-9-]+|\^\^\S+)?', re.DOTALL)


def _focus(node: Node | None) -> Node | None:
    return RdfLiteral(str(node)) if isinstance(node, RdfLiteral) else node


def _term(text: str | None) -> Node | None:
    """rudof's string for a node: `_:label`, a literal ('"3"^^xsd:integer'), an IRI.

    Anything else (a complex path such as '^(iri)') gives None.
    """
    if not text:
        return None
    if text.startswith("_:"):
        return BNode(text[2:])
    literal = _LITERAL.fullmatch(text)
    if literal:
        return RdfLiteral(literal.group(1))
    text = text.removeprefix("<").removesuffix(">")
    return URIRef(text) if _IRI.fullmatch(text) else None


def _severity(text: str) -> URIRef:
    """'Violation', 'Warning', 'Info', or 'Severity(iri)' for a custom one."""
    if text in ("Violation", "Warning", "Info"):
        return SH[text]
    custom = re.fullmatch(r"Severity\((.*)\)", text)
    return URIRef(custom.group(1) if custom else text)


def _pyshacl_results(report: Graph, shapes: Graph) -> frozenset[Result]:
    results = set()
    # Top-level results only: pyshacl also types the nested results of sh:node
    # (linked by sh:detail) as sh:ValidationResult; rudof reports no details.
    for node in report.objects(None, SH.result):
        path = report.value(node, SH.resultPath)
        results.add(
            Result(
                focus=_focus(report.value(node, SH.focusNode)),
                path=path if isinstance(path, URIRef) else None,
                component=report.value(node, SH.sourceConstraintComponent),
                shape=_owner(shapes, report.value(node, SH.sourceShape)),
                severity=report.value(node, SH.resultSeverity),
            )
        )
    return frozenset(results)


def _pyrudof_results(entries: Iterable, shapes: Graph) -> frozenset[Result]:
    results = set()
    for entry in entries:
        path = _term(entry.path)
        results.add(
            Result(
                focus=_term(entry.focus_node),
                path=path if isinstance(path, URIRef) else None,
                component=URIRef(entry.constraint_component),
                shape=_owner(shapes, _term(entry.source_shape)),
                severity=_severity(entry.severity),
            )
        )
    return frozenset(results)


# ---------------------------------------------------------------------------
# Engines
# ---------------------------------------------------------------------------


def run_pyshacl(data: Graph, shapes: Graph) -> EngineReport:
    from pyshacl import validate as shacl_validate

    _conforms, report, _text = shacl_validate(data, shacl_graph=shapes, **PYSHACL_OPTIONS)
    return EngineReport("pyshacl", _pyshacl_results(report, shapes))


def run_pyrudof(data: Graph, shapes: Graph) -> EngineReport:
    try:
        import pyrudof
    except ImportError as exc:  # only the test extra installs it
        raise RuntimeError("pyrudof is not installed: pip install 'maillage[test]' (or pyrudof>=0.3.35)") from exc

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    # N-Triples keeps rdflib's blank-node labels, so rudof's report names the same nodes.
    rudof.read_data(data.serialize(format="nt"), format=pyrudof.RDFFormat.NTriples,
                    reader_mode=pyrudof.ReaderMode.Strict)
    rudof.read_shacl(shapes.serialize(format="nt"), format=pyrudof.ShaclFormat.NTriples,
                     reader_mode=pyrudof.ReaderMode.Strict)
    report = rudof.validate_shacl(mode=pyrudof.ShaclValidationMode.Native)
    return EngineReport("pyrudof", _pyrudof_results(report, shapes))


RUNNERS = {"pyshacl": run_pyshacl, "pyrudof": run_pyrudof}


def validate(engine: Engine, data: Graph, shapes: Graph) -> EngineReport:
    try:
        runner = RUNNERS[engine]
    except KeyError:
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {', '.join(ENGINES)}") from None
    return runner(data, shapes)


# ---------------------------------------------------------------------------
# What pyrudof cannot check, and the comparison on the rest
# ---------------------------------------------------------------------------




def unsupported_by_pyrudof(shapes: Graph) -> frozenset[Unchecked]:
    """The constraints of `shapes` that rudof does not evaluate (it ignores them silently).

    - every use of a SPARQL-based constraint component (an
      `sh:ConstraintComponent` with `sh:validator`, `sh:nodeValidator` or
      `sh:propertyValidator`): each shape giving a value to one of its
      parameters, for that component;
    - SHACL-AF `sh:target` and `sh:rule`: the whole shape.

    Everything else of SHACL Core and SHACL-SPARQL is evaluated, and agrees
    with pyshacl (tests/test_shacl_engines.py). Empty for the project's shapes.
    """
    found = set()
    for component in set(shapes.subjects(RDF.type, SH.ConstraintComponent)):
        parameters = {shapes.value(p, SH.path) for p in shapes.objects(component, SH.parameter)} - {None}
        for parameter in parameters:
            for holder in set(shapes.subjects(parameter, None)):
                found.add(Unchecked(_owner(shapes, holder), component, "SPARQL-based constraint component"))
    for predicate, reason in PYRUDOF_UNSUPPORTED_AF.items():
        for holder in set(shapes.subjects(predicate, None)):
            found.add(Unchecked(_owner(shapes, holder), None, reason))
    return frozenset(found)


def _checked(result: Result, unchecked: frozenset[Unchecked]) -> bool:
    return not any(result.shape == u.shape and u.component in (None, result.component) for u in unchecked)


def compare(data: Graph, shapes: Graph) -> Comparison:
    """Both engines' results on `data`, restricted to the shapes rudof checks."""
    unchecked = unsupported_by_pyrudof(shapes)

    def shared(report: EngineReport) -> frozenset[Result]:
        return frozenset(r for r in report.results if _checked(r, unchecked))

    return Comparison(
        pyshacl=shared(run_pyshacl(data, shapes)),
        pyrudof=shared(run_pyrudof(data, shapes)),
        unchecked=unchecked,
    )


# ---------------------------------------------------------------------------
# Measurement in a fresh process
# ---------------------------------------------------------------------------


def _child_main(engine: Engine, data_path: str, shapes_path: str) -> None:
    """Run in the measuring subprocess: parse, validate, print the figures as JSON."""
    data = Graph().parse(data_path, format="nt")
    shapes = Graph().parse(shapes_path, format="nt")
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    report = validate(engine, data, shapes)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(json.dumps({"engine": engine, "triples": len(data), "seconds": seconds, "cpu_seconds": cpu,
                      "loaded_mib": before.ru_maxrss / 1024, "peak_mib": after.ru_maxrss / 1024,
                      "results": len(report.results), "conforms": report.conforms}))


def measure_details(engine: Engine, data_graph: Graph, shapes_graph: Graph) -> dict:
    """Validation time (s) and peak RSS (MiB) of one engine, in a fresh Python process.

    The graphs are written as N-Triples to a temporary directory; the child
    (`python -c`, so the caller's own script is never re-run) parses them,
    then times the validation alone: for pyrudof that includes handing the
    rdflib graph over as N-Triples, as `run_pyrudof` does. `loaded_mib` is
    the child's peak RSS once the graphs are parsed, `peak_mib` its peak at
    the end (Linux ru_maxrss is in KiB), `cpu_seconds` the validation's
    user+system CPU time (steadier than wall time on a busy machine; rudof
    may use several threads), `results` the number of results.
    """
    if engine not in RUNNERS:
        raise ValueError(f"unknown SHACL engine {engine!r}; expected one of {', '.join(ENGINES)}")
    with tempfile.TemporaryDirectory(prefix="maillage-shacl-") as tmp:
        data_path, shapes_path = Path(tmp) / "data.nt", Path(tmp) / "shapes.nt"
        data_graph.serialize(destination=data_path, format="nt", encoding="utf-8")
        shapes_graph.serialize(destination=shapes_path, format="nt", encoding="utf-8")
        env = dict(os.environ)
        package_root = str(PROJECT_ROOT)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        code = "import sys; from graph_builder.validation.engines import _child_main; _child_main(*sys.argv[1:])"
        done = subprocess.run([sys.executable, "-c", code, engine, str(data_path), str(shapes_path)],
                              capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} measurement failed (exit code {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(engine: Engine, data_graph: Graph, shapes_graph: Graph) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of validating `data_graph` with `engine`, in a subprocess."""
    details = measure_details(engine, data_graph, shapes_graph)
    return details["seconds"], details["peak_mib"]


if __name__ == "__main__":  # pragma: no cover - manual check: python -m graph_builder.validation.engines
    from graph_builder.pipeline import Settings, build_graph
    from graph_builder.validation.shacl import load_shapes

    settings = Settings()
    graph = build_graph(settings).data_graph()
    shapes_graph = load_shapes(settings.shapes_dir)
    for name in ENGINES:
        print(name, measure_details(name, graph, shapes_graph), file=sys.stdout)
