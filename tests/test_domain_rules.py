"""Each domain rule: a violating example is reported with its message, a valid one is not.

Examples live in tests/examples/{invalid,valid}/ as ordinary data files added
to a copy of the curated data. Their header names the shape (and, for
invalid ones, a fragment of the expected French message and the field).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS
from rdflib.plugins.sparql import prepareQuery

from graph_builder.kinds import load_schema
from graph_builder.problems import blocking
from graph_builder.validation import pyshacl_tuning
from graph_builder.validation.pyshacl_tuning import ParsedOnceUnion
from graph_builder.validation.shacl import load_shapes, validate_graph
from tests.conftest import build_with, copy_data

EXAMPLES = Path(__file__).parent / "examples"


def header(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        values[key.strip()] = value.strip()
    return values


def test_example_folders_are_not_empty():
    assert len(list((EXAMPLES / "invalid").glob("*.yaml"))) >= 10
    assert len(list((EXAMPLES / "valid").glob("*.yaml"))) >= 5


def built_with_every(kind: str, target: Path):
    """One build of a copy of the curated data with every example of `kind` beside it (zz-NAME.yaml; their ids all
    distinct): each problem names its file, so one build serves every example (a build each took 19 builds)."""
    data = copy_data(target)
    for example in sorted((EXAMPLES / kind).glob("*.yaml")):
        shutil.copy(example, data / f"zz-{example.name}")
    return build_with(data)


@pytest.fixture(scope="module")
def invalid_build(tmp_path_factory):
    return built_with_every("invalid", tmp_path_factory.mktemp("invalid") / "data")


@pytest.fixture(scope="module")
def valid_build(tmp_path_factory):
    return built_with_every("valid", tmp_path_factory.mktemp("valid") / "data")


@pytest.mark.parametrize("example", sorted((EXAMPLES / "invalid").glob("*.yaml")), ids=lambda p: p.stem)
def test_invalid_example_is_reported(example: Path, invalid_build):
    expected = header(example)
    result = invalid_build
    mine = [p for p in result.problems if p.file == f"data/zz-{example.name}"]
    found = [p for p in mine if p.shape == expected["shape"]]
    assert found, f"{expected['shape']} not reported; got {[p.shape for p in mine]}"
    problem = found[0]
    assert expected["message"] in problem.message_fr
    assert problem.message_en and problem.message_en != problem.message_fr
    assert problem.line is not None and problem.line > 0
    assert problem.field == expected["field"] if "field" in expected else True
    assert not result.ok, "a violating graph must not be publishable"


def test_invalid_examples_report_only_their_own_rules(invalid_build):
    """No example's record meets a rule it does not test (a problem of another shape would be a collision between
    examples, or a second fault in one)."""
    wanted = {f"data/zz-{example.name}": header(example)["shape"] for example in (EXAMPLES / "invalid").glob("*.yaml")}
    others = [p.format() for p in invalid_build.problems
              if p.file in wanted and p.shape != wanted[p.file] and p in blocking([p])]
    assert others == []


@pytest.mark.parametrize("example", sorted((EXAMPLES / "valid").glob("*.yaml")), ids=lambda p: p.stem)
def test_valid_example_passes(example: Path, valid_build):
    shapes = header(example)["shape"].split()
    result = valid_build
    assert not [p for p in result.problems if p.shape in shapes and p.file == f"data/zz-{example.name}"]
    assert not blocking(result.problems), [p.format() for p in blocking(result.problems)]


def test_every_entity_cites_its_source(seed_build):
    """SourcedShape: removing an entity's source is a violation naming the record."""
    graph = seed_build.data_graph()
    experience = URIRef("https://w3id.org/maillage/id/experience/" + _any_experience_id(graph))
    graph.remove((experience, DCTERMS.source, None))
    outcome = validate_graph(graph, load_shapes(seed_build.settings.shapes_dir), seed_build.built, load_schema())
    found = [p for p in outcome.problems if p.shape == "SourcedShape" and p.focus == str(experience)]
    assert found and "citer son document source" in found[0].message_fr
    assert found[0].field == "source" and found[0].file == "data/experiences.yaml"


def _any_experience_id(graph) -> str:
    prefix = "https://w3id.org/maillage/id/experience/"
    idents = {str(s)[len(prefix):] for s in graph.subjects() if str(s).startswith(prefix)}
    return sorted(i for i in idents if "/" not in i)[0]


def test_sparql_constraints_are_planned_from_this():
    """Each SPARQL rule's patterns start from the bound $this (else every focus node scans the whole graph)."""
    from rdflib import Graph, Variable
    from rdflib.namespace import SH

    from graph_builder.pipeline import Settings
    from graph_builder.validation.pyshacl_tuning import ParsedOnce

    shapes = load_shapes(Settings().shapes_dir)
    prefixes = {str(p): str(ns) for decl in shapes.objects(None, SH.declare)
                for p in shapes.objects(decl, SH.prefix) for ns in shapes.objects(decl, SH.namespace)}
    header_ = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items())
    view = ParsedOnce(Graph())
    first_patterns = []

    def collect(node):
        if hasattr(node, "name") and node.name == "BGP" and Variable("this") in {t for x in node.triples for t in x}:
            first_patterns.append(node.triples[0])
        if isinstance(node, dict):
            for value in [*node.values(), *vars(node).values()]:
                collect(value)
        elif isinstance(node, list | tuple):
            for value in node:
                collect(value)

    selects = list(shapes.objects(None, SH.select))
    assert len(selects) >= 10
    for select in selects:
        view.query(header_ + str(select), initBindings={"this": URIRef("urn:x")})
    for select in selects:
        collect(pyshacl_tuning._PREPARED[header_ + str(select)].algebra)
    assert first_patterns and all(Variable("this") in pattern for pattern in first_patterns), first_patterns


def test_a_constraint_is_parsed_once_per_process_for_every_validation(seed_build, monkeypatch):
    """The next validation's views (another build, a rebuild, a contribution) reuse the queries prepared before: no
    parse, the same rows."""
    text = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
            "SELECT ?label WHERE { $this rdfs:label ?label } ORDER BY ?label")
    this = URIRef("https://w3id.org/maillage/id/coordination/asv-aix-en-provence")
    first = [row.label for row in ParsedOnceUnion(seed_build.dataset).query(text, initBindings={"this": this})]
    assert first
    parsed = []
    monkeypatch.setattr(pyshacl_tuning, "prepareQuery", lambda *args: parsed.append(args) or prepareQuery(*args))
    again = [row.label for row in ParsedOnceUnion(seed_build.dataset).query(text, initBindings={"this": this})]
    assert again == first and not parsed


def test_pyshacl_parameter_lookup_is_hashed_and_unchanged():
    """The hashed lookup (pyshacl_tuning.hash_constraint_parameters) is in place after a validation and holds
    pyshacl's own parameters."""
    import pyshacl.shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS
    from rdflib import Graph

    from graph_builder.conversion.records import Built
    from graph_builder.pipeline import Settings
    from graph_builder.validation.pyshacl_tuning import HashedList

    # A validation of this process puts it in place: a build may have taken its validation from the cache folder.
    validate_graph(Graph(), load_shapes(Settings().shapes_dir), Built(), load_schema(), jobs=1)
    parameters, _map = shape_module.CONSTRAINT_PARAMS
    assert isinstance(parameters, HashedList)
    assert list(parameters) == list(ALL_CONSTRAINT_PARAMETERS)
    assert all(p in parameters for p in ALL_CONSTRAINT_PARAMETERS) and URIRef("urn:x") not in parameters


def test_a_forked_validation_worker_inherits_what_earlier_ones_prepared(seed_build, monkeypatch):
    """A two-process validation's forked worker prepares its share of the SPARQL constraints; the next one inherits
    them from this process (pyshacl_tuning.before_fork) and prepares none: the same problems."""
    from graph_builder.validation import shacl

    monkeypatch.setattr(pyshacl_tuning, "_PREPARED", {})  # as in a process that never validated
    monkeypatch.setattr(pyshacl_tuning, "_FORKED_TEXTS", set())
    reported: list[set[str]] = []
    monkeypatch.setattr(shacl, "remember_forked", lambda texts: reported.append(texts) or
                        pyshacl_tuning.remember_forked(texts))
    shapes, schema, data = load_shapes(seed_build.settings.shapes_dir), load_schema(), seed_build.data_graph()
    first = validate_graph(data, shapes, seed_build.built, schema, jobs=2)
    second = validate_graph(data, shapes, seed_build.built, schema, jobs=2)
    assert reported[0] and not reported[0] & set(reported[1]) and reported[1] == set()
    assert second.problems == first.problems and second.conforms is first.conforms


def test_two_process_validation_reports_the_same(data_copy: Path):
    """Large graphs are validated by two processes, each with half of the shapes: same problems as one process."""
    for example in sorted((EXAMPLES / "invalid").glob("*.yaml")):
        shutil.copy(example, data_copy / f"zz-{example.name}")
    result = build_with(data_copy)
    schema = load_schema()
    shapes = load_shapes(result.settings.shapes_dir)
    data = result.data_graph()
    alone = validate_graph(data, shapes, result.built, schema, jobs=1)
    split = validate_graph(data, shapes, result.built, schema, jobs=2)
    assert alone.problems == split.problems and len(alone.problems) >= 10
    assert split.conforms is alone.conforms is False
    assert len(set(split.report.subjects(None, URIRef("http://www.w3.org/ns/shacl#ValidationReport")))) <= 1
