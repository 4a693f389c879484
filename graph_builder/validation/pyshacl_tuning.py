"""What pySHACL and rdflib do, made faster for the build's validation, with the same answers.

Each device says what it patches and why; the tests (tests/test_domain_rules.py) check they are in place and that
answers do not change. Upstream: pySHACL (https://github.com/RDFLib/pySHACL), `pyshacl/shape.py` and
`pyshacl/constraints/sparql/`; rdflib's `Graph.query` (`rdflib/graph.py`), which parses a query's text at
every call.

- `ParsedOnce`, `ParsedOnceUnion`: views of the data (same store) whose `query` parses each SPARQL text once and
  plans it knowing that `$this` is bound. Nothing is patched: pySHACL is handed these views.
- `hash_constraint_parameters`: pySHACL's module-level `pyshacl.shape.CONSTRAINT_PARAMS` (a list of ~40 terms
  tested for membership at every shape and focus node) replaced, process-wide, by the same list with a hashed
  membership test. The only process-wide patch; applied only where pySHACL 0.x keeps that list.
"""

from __future__ import annotations

from rdflib import BNode, Dataset, Graph, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.sparql.sparql import Query

THIS = Variable("this")


def _plan_from_this(triples: list) -> list:
    """Triple patterns in an order that starts from $this and follows the joins.

    rdflib orders a BGP when it parses the query, where $this is still a free
    variable: `?p org:role role:cosignataire` then came before
    `?p org:organization $this`, so every coordination scanned every
    participation (quadratic: most of the national validation time). pyshacl
    always binds $this, so the greedy order here counts it as known: fewest
    unknown variables first, then patterns joined to what is already known.
    """
    known = {THIS}
    remaining = list(triples)
    ordered = []

    def cost(pattern) -> tuple[int, bool]:
        variables = [t for t in pattern if isinstance(t, Variable | BNode)]
        return sum(1 for t in variables if t not in known), not any(t in known for t in variables)

    while remaining:
        best = min(remaining, key=cost)  # min keeps the first of equals: rdflib's order breaks ties
        remaining.remove(best)
        ordered.append(best)
        known.update(t for t in best if isinstance(t, Variable | BNode))
    return ordered


def _reorder(node) -> None:
    """Re-plan every BGP of a prepared query's algebra (FILTER EXISTS bodies included)."""
    if isinstance(node, CompValue):
        if node.name == "BGP" and THIS in {t for triple in node.triples for t in triple}:
            node["triples"] = _plan_from_this(node.triples)
        # rdflib keeps a translated EXISTS body as an attribute (`graph`), beside the parsed one
        for value in [*node.values(), *vars(node).values()]:
            _reorder(value)
    elif isinstance(node, list | tuple):
        for value in node:
            _reorder(value)


# The prepared queries of every validation of the process, by text: the shapes' SPARQL constraints are the same
# texts from one validation to the next (a build, each incremental rebuild, each contribution checked): 143 for the
# seed once pySHACL has put each component's parameters in, 1.8 s to parse them all. A prepared query is not changed
# by its evaluations.
_PREPARED: dict[str, Query] = {}
# Texts a forked validation worker prepared (shacl.validate_graph): its preparations die with it, so every later
# validation's worker parsed its share again. Prepared here before the next fork.
_FORKED_TEXTS: set[str] = set()


def prepared(text: str) -> Query:
    """`text` parsed and planned once per process (see PreparedQueries)."""
    query = _PREPARED.get(text)
    if query is None:
        query = prepareQuery(text)
        if "$this" in text or "?this" in text:
            _reorder(query.algebra)
        _PREPARED[text] = query  # two threads may both prepare it: the same query either way
    return query


def prepared_texts() -> set[str]:
    return set(_PREPARED)


def remember_forked(texts: set[str]) -> None:
    """Texts a forked worker prepared: prepared here at the next fork (`before_fork`), not now (a build's only
    validation would parse them for nothing)."""
    _FORKED_TEXTS.update(texts)


def before_fork() -> None:
    """Prepare the texts earlier forked workers reported, so that the next ones inherit them."""
    for text in _FORKED_TEXTS:
        prepared(text)


class PreparedQueries:
    """SPARQL queries parsed (and planned) once per text and process.

    pyshacl runs each SPARQL constraint once per focus node, with the same
    text and $this pre-bound; rdflib would parse it every time (45 ms each,
    most of the validation time). Preparing it once keeps the results the same;
    the plan is made knowing that $this is bound (`_plan_from_this`).
    """

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = prepared(query_object)
        return super().query(query_object, *args, **kwargs)  # type: ignore[misc]


class ParsedOnce(PreparedQueries, Graph):
    """A view of a graph (same store) with `PreparedQueries`."""

    def __init__(self, graph: Graph):
        super().__init__(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)


class ParsedOnceUnion(PreparedQueries, Dataset):
    """A view of a dataset (same store) as the union of its graphs, with `PreparedQueries`.

    pyshacl validates a dataset's union as one data graph: no copy of it is needed.
    """

    def __init__(self, dataset: Dataset):
        super().__init__(store=dataset.store, default_union=True)


class HashedList(list):
    """A list whose membership test is hashed (same answers, O(1))."""

    def __init__(self, items):
        super().__init__(items)
        self._members = frozenset(items)

    def __contains__(self, item) -> bool:
        return item in self._members


def hash_constraint_parameters() -> None:
    """Make pyshacl's constraint-parameter lookup hashed.

    For every shape and every focus node, pyshacl tests each predicate of
    the shape against a plain list of its ~40 constraint parameters: 26
    million term comparisons, 40 % of the validation time at national size
    (measured with cProfile). The same list with a hashed membership test
    gives the same answers. Applied only where pyshacl 0.x keeps that list
    (checked at each call; otherwise nothing is changed).
    """
    import pyshacl.shape as shape_module
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    current = getattr(shape_module, "CONSTRAINT_PARAMS", None)
    if current is None and type(ALL_CONSTRAINT_PARAMETERS) is list:
        shape_module.CONSTRAINT_PARAMS = (HashedList(ALL_CONSTRAINT_PARAMETERS), CONSTRAINT_PARAMETERS_MAP)
