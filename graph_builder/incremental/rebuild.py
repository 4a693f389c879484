"""Incremental rebuild: after editing a few records, convert, validate and re-serialise only what changed.

`maillage build` keeps beside its outputs a state (`.maillage-state/`, its records in state.py):
a fingerprint of everything but the data (code, ontology, shapes, base
IRI, referential), the Oxigraph store of the whole dataset on disk, each
named graph serialised on its own (`publication.outputs.write_fragments`), the
validation report, and for every unit of conversion (a top-level record
with its nested records, wherever they were written) a hash of its data,
its IRIs and the graphs it writes.

The next build reads and places every record (cheap), compares the units
and, when it can, converts only the changed or added ones, validates them
and the records that read them against a neighbourhood extracted from the
store, applies the delta to the store and re-serialises the graphs it
touched. Anything it cannot do exactly as a full build would (a record
removed, an id changed, a vocabulary, type, territory, source or person
edited, a problem found while converting...) makes it a full build, and it
says why. A violating edit changes nothing: validation comes before the
store is touched, and the state is marked dirty while it is.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef

from graph_builder.collector import collected_apart, paused_gc
from graph_builder.constants import MLG
from graph_builder.conversion.records import Built, Entry, RecordConverter, graph_names
from graph_builder.conversion.revisions import HISTORY, corrections, revise
from graph_builder.incremental.state import (
    DIRTY,
    FORMAT,
    BuildState,
    GraphInfo,
    IdUse,
    SavedUnit,
    read_state,
    state_dir,
    write_state,
)
from graph_builder.pipeline import (
    BuildResult,
    Inputs,
    Settings,
    build_fingerprint,
    describe_build,
    graph_origins,
    input_problems,
    read_inputs,
    read_records,
    referential_problems,
    with_shacl,
)
from graph_builder.problems import BuildError, Problem, blocking
from graph_builder.publication.generations import generation, locked
from graph_builder.publication.outputs import (
    _prefixes,
    assemble_dumps,
    check_publishable,
    finish_outputs,
    fragment_lines,
    nquads_lines,
    write_fragment,
    write_outputs,
)
from graph_builder.publication.oxigraph_store import DatasetStore, referential_store
from graph_builder.referential.check import ReferentialCheck
from graph_builder.referential.territories import SOURCE_ID as REFERENTIAL_SOURCE
from graph_builder.referential.territories import Places
from graph_builder.sources.located import ParsedFiles, RawRecord
from graph_builder.terms import TermConverter
from graph_builder.validation.shacl import SH, load_shapes, validate_graph

# Records whose edit may change what other records mean (vocabularies, types, matrix, territories, sources,
# persons): their edit needs a full build.
FULL_KINDS = frozenset({"source_document", "coordination_type", "mission_assignment", "territory", "person"})
# Of those, the kinds whose *new* records change nothing already built: no earlier record could cite a source
# document that did not exist (that build failed and left no state), so an added one (an accepted contribution,
# a new directory's sidecar) only adds its description to the sources graph, and its records their own graph.
ADDABLE_KINDS = frozenset({"source_document"})
IGEO_PARENT = ox.NamedNode("http://rdf.insee.fr/def/geo#subdivisionDirecteDe")
TERRITORY = ox.NamedNode(str(MLG.territory))
TYPE = ox.NamedNode(str(RDF.type))
RDF_SUBJECT = ox.NamedNode(str(RDF.subject))
INVALIDATED_BY = ox.NamedNode("http://www.w3.org/ns/prov#wasInvalidatedBy")
SHARED_CLASSES = (MLG.CoordinationType, MLG.MissionAssignment)  # read by every coordination's shapes
Progress = Callable[[str], None]


def _noop(_step: str) -> None:
    return None


def fingerprint(settings: Settings) -> str:
    """Everything but the data that a build's output depends on, for this state's format."""
    return hashlib.sha256(f"{FORMAT} {build_fingerprint(settings)}".encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """A record's data without its locations (a moved line is not a change)."""
    if isinstance(value, RawRecord):
        return [value.kind, {key: _canonical(item) for key, item in value.data.items()}]
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return [type(value).__name__, str(value)]


@dataclass
class Unit:
    """A top-level record and its nested records: what is converted together."""

    key: str
    kind: str
    entries: list[Entry]

    @cached_property
    def digest(self) -> str:
        text = json.dumps(_canonical(self.entries[0].record), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    @cached_property
    def iris(self) -> list[str]:
        return [str(entry.iri) for entry in self.entries]

    @cached_property
    def graphs(self) -> list[str]:
        return sorted({name for entry in self.entries for name in graph_names(entry)})

    @cached_property
    def files(self) -> list[str]:
        """The data files its records come from (a directory's lines may be attached to a record of another file)."""
        return sorted({entry.record.file for entry in self.entries})

    def saved(self) -> SavedUnit:
        return SavedUnit(self.digest, self.iris, self.graphs, self.files)

    def written(self, saved: SavedUnit | None) -> tuple[set[str], set[str]]:
        """The subjects and graphs it writes now or wrote at the previous build (`saved`)."""
        return set(self.iris) | set(saved.iris if saved else ()), set(self.graphs) | set(saved.graphs if saved else ())


def units_of(entries: list[Entry]) -> tuple[dict[str, Unit], str | None]:
    """Units by key (IRI and sources), and a duplicated key if any (the full build reports it)."""
    units: dict[str, Unit] = {}
    current: Unit | None = None
    for entry in entries:
        if entry.parent is None:
            key = f"{entry.iri} {' '.join(entry.sources)}"
            if key in units:
                return units, key
            current = units[key] = Unit(key, entry.kind.name, [entry])
        elif current is not None:
            current.entries.append(entry)
    return units, None


def _id_uses(by_id: dict[str, list[Entry]]) -> dict[str, list[IdUse]]:
    return {ident: [IdUse(entry.kind.name, str(entry.iri)) for entry in found] for ident, found in by_id.items()}


# -- the state a full build leaves ---------------------------------------------


def parsed_files(settings: Settings, out_dir: Path) -> ParsedFiles:
    """The data files' parses kept in the state (valid for this code and referential only), and in the cache folder
    for a build into another directory."""
    return ParsedFiles(state_dir(out_dir) / "parsed", build_fingerprint(settings), shared=settings.cache / "parsed")


def full_build_published(result: BuildResult, out_dir: Path, force: bool = False) -> tuple[DatasetStore, dict]:
    """Write a full build's outputs (as publish.write_outputs) and the state the next rebuild starts from; the
    dataset's in-memory store."""
    check_publishable(result, out_dir, force)  # a refused build leaves the previous outputs and state as they were
    state = state_dir(out_dir)
    (state / "state.json").unlink(missing_ok=True)  # from here on, a failure leaves no state: the next build is full
    (state / DIRTY).unlink(missing_ok=True)
    shutil.rmtree(state / "fragments", ignore_errors=True)
    if result.parsed is not None:
        result.parsed.save()
    store = DatasetStore(result)
    # The store kept on disk: the referential's graph copied whole, the others bulk-loaded graph by graph as the
    # dumps' fragments are written (inserting quad by quad into an on-disk store took 70 s at national size).
    shutil.rmtree(state / "store", ignore_errors=True)
    kept = referential_store(result, state / "store")
    referential = str(result.referential_graph)
    manifest = write_outputs(result, out_dir, force=force, store=store, fragments=state / "fragments", copy_to=kept,
                             copied=lambda graph: graph != referential)
    del kept  # closed: the next rebuild opens it
    units, _duplicate = units_of(result.built.entries)
    report = result.validation.report if result.validation else Graph()
    report.serialize(state / "report.nt", format="nt", encoding="utf-8")
    write_state(out_dir, BuildState(
        fingerprint=fingerprint(result.settings),
        conforms=manifest["conforms"],
        builder_problems=sum(1 for p in result.problems if p.focus is None and p.severity != "info"),
        units={key: unit.saved() for key, unit in units.items()},
        files=result.parsed.keys if result.parsed is not None else {},
        by_id=_id_uses(result.built.by_id),
        graphs={str(graph): GraphInfo(source=None if source is None else str(source),
                                      size=result.graph_sizes.get(graph, 0),
                                      personal=graph in result.personal_graphs,
                                      synthetic=graph in result.synthetic_graphs)
                for graph, source in result.graph_sources.items()},
        prefixes=_prefixes(result),
        problems=list(result.problems),
    ))
    return store, manifest


# -- the rebuild --------------------------------------------------------------


@dataclass
class Rebuilt:
    """An incremental rebuild's outcome: `full_reason` says why a full build is needed instead."""

    full_reason: tuple[str, str] | None = None
    changed: int = 0
    problems: list[Problem] | None = None
    manifest: dict | None = None

    @property
    def ok(self) -> bool:
        return self.problems is not None and not blocking(self.problems)


class _FullBuildNeeded(Exception):
    """What a step raises when it cannot do exactly what a full build would: the reason, in French and English."""

    def __init__(self, fr: str, en: str):
        super().__init__(en)
        self.reason = (fr, en)


class _View:
    """The store's quads as they are, or as they will be once `deleted` and `added` are applied."""

    def __init__(self, store: ox.Store, skip: set[ox.NamedNode], deleted: set = frozenset(),  # type: ignore[assignment]
                 added: Iterable[ox.Quad] = ()):
        self.store, self.skip, self.deleted = store, skip, deleted
        self.out: dict = {}
        self.into: dict = {}
        for quad in added:
            self.out.setdefault(quad.subject, []).append(quad)
            self.into.setdefault(quad.object, []).append(quad)

    def outgoing(self, node) -> list[ox.Quad]:
        found = [q for q in self.store.quads_for_pattern(node, None, None, None)
                 if q.graph_name not in self.skip and q not in self.deleted]
        return found + self.out.get(node, [])

    def incoming(self, node, predicate=None) -> list[ox.Quad]:
        found = [q for q in self.store.quads_for_pattern(None, predicate, node, None)
                 if q.graph_name not in self.skip and q not in self.deleted]
        return found + [q for q in self.into.get(node, []) if predicate is None or q.predicate == predicate]


def _objects(view: _View, nodes: Iterable) -> set:
    return {q.object for n in nodes for q in view.outgoing(n) if isinstance(q.object, ox.NamedNode) and q.predicate != TYPE}


def _subjects(view: _View, nodes: Iterable, predicate=None) -> set:
    return {q.subject for n in nodes for q in view.incoming(n, predicate) if isinstance(q.subject, ox.NamedNode)}


def _focus(views: list[_View], changed: set, fixed: Callable[[Any], bool]) -> set:
    """The nodes whose validation may read a changed triple (the shapes look two links away at most,
    incoming participations included, and at the other coordinations of a coordination's territories)."""
    focus = set(changed)
    for view in views:
        incoming = _subjects(view, changed)
        focus |= incoming | _objects(view, incoming) | _subjects(view, incoming)
        focus |= _subjects(view, {q.object for n in changed for q in view.outgoing(n) if q.predicate == TERRITORY},
                           TERRITORY)
    return {node for node in focus if not fixed(node)}


def _neighbourhood(view: _View, focus: set, shared: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Every quad the validation of `focus` reads: their links two steps out, incoming links and what they
    point to, the other coordinations of their territories, the nesting above every territory reached,
    and the vocabularies, coordination types and mission matrix."""
    incoming = _subjects(view, focus)
    siblings = _subjects(view, {q.object for n in focus for q in view.outgoing(n) if q.predicate == TERRITORY},
                         TERRITORY)
    nodes = focus | incoming | siblings
    nodes |= _objects(view, nodes)
    nodes |= _objects(view, nodes)
    frontier = set(nodes)
    while frontier:  # igeo:subdivisionDirecteDe*
        frontier = {q.object for n in frontier for q in view.outgoing(n) if q.predicate == IGEO_PARENT} - nodes
        nodes |= frontier
    return [q for n in nodes for q in view.outgoing(n)] + list(shared)


def _as_graph(quads: Iterable[ox.Quad]) -> Graph:
    data = ox.serialize((q.triple for q in quads), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data.decode("utf-8"), format="nt")


def _content(graph: Graph, node) -> frozenset:
    """A blank node's description, blank nodes inside it included, to recognise the same shape node in two reports."""
    return frozenset((p, _content(graph, o) if isinstance(o, BNode) else o) for p, o in graph.predicate_objects(node))


def _merged_report(previous: Graph, new: Graph, focus: set[str]) -> Graph:
    """The previous report without the results on `focus`, with the new results on it.

    The anonymous shapes a result names are the same node in a full build's
    report: the new results point at the previous report's copy.
    """
    report = Graph()
    root = next(iter(previous.subjects(RDF.type, SH.ValidationReport)), None) or BNode()
    same = {}
    for predicate in (SH.sourceShape, SH.sourceConstraint):
        for node in previous.objects(None, predicate):
            if isinstance(node, BNode):
                same[_content(previous, node)] = node

    def copy(graph: Graph, node, rename: bool) -> None:
        for p, o in graph.predicate_objects(node):
            if isinstance(o, BNode) and rename and p in (SH.sourceShape, SH.sourceConstraint):
                o = same.get(_content(graph, o), o)
                if o in same.values():
                    report.add((node, p, o))
                    copy(previous, o, False)
                    continue
            report.add((node, p, o))
            if isinstance(o, BNode):
                copy(graph, o, rename)

    results = [r for r in previous.objects(root, SH.result) if str(previous.value(r, SH.focusNode)) not in focus]
    results_new = [r for r in new.objects(None, SH.result) if str(new.value(r, SH.focusNode)) in focus]
    conforms = not results and not results_new  # SHACL's meaning: no result at all, whatever its severity
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(conforms)))
    for graph, found in ((previous, results), (new, results_new)):
        for result in found:
            report.add((root, SH.result, result))
            copy(graph, result, graph is new)
    return report


def rebuild(settings: Settings, out_dir: Path, progress: Progress = _noop) -> Rebuilt:
    """Rebuild `out_dir` from the previous build's state, or say why a full build is needed."""
    with paused_gc():  # hundreds of thousands of records and state entries, hardly any cycle (see paused_gc)
        try:
            return _rebuild(settings, out_dir, progress)
        except _FullBuildNeeded as needed:
            return Rebuilt(full_reason=needed.reason)


def _rebuild(settings: Settings, out_dir: Path, progress: Progress) -> Rebuilt:
    """The steps; each raises _FullBuildNeeded when it cannot go on."""
    state = _usable_state(settings, out_dir)
    reading = _read(settings, out_dir, state, progress)
    if not reading.changed:
        if reading.edited:  # only comments or the order of the records changed: the parses and files kept are updated
            _remember(state, reading, out_dir)
        return Rebuilt(changed=0, problems=state.problems)
    _check_supported(reading, state)
    progress("conversion des enregistrements modifiés")
    built = _convert(reading)
    delta = _delta(settings, out_dir, state, reading.changed, built)
    progress("validation SHACL des enregistrements touchés")
    problems, new_report, focus = _checked(settings, state, reading, built, delta)
    result = Rebuilt(changed=len(reading.changed), problems=problems)
    if not result.ok:
        return result  # nothing written, the store untouched
    progress("mise à jour du graphe")
    (state_dir(out_dir) / DIRTY).touch()
    lines, metadata_quads = _applied(settings, out_dir, state, reading, built, delta)
    progress("écriture des fichiers")
    report = _merged_report(Graph().parse(state_dir(out_dir) / "report.nt", format="nt"), new_report, focus)
    result.manifest = _written(settings, out_dir, state, lines, metadata_quads, problems, report,
                               reading.inputs.built_at.isoformat(timespec="seconds"))
    state.by_id, state.problems = _id_uses(reading.converter.by_id), problems
    _remember(state, reading, out_dir)
    (state_dir(out_dir) / DIRTY).unlink()
    return result


def _usable_state(settings: Settings, out_dir: Path) -> BuildState:
    """The previous build's state, if a rebuild may start from it."""
    state = read_state(out_dir)
    if state is None:
        raise _FullBuildNeeded("aucune construction précédente réutilisable", "no reusable previous build")
    if state.dirty:
        raise _FullBuildNeeded("la construction précédente s'est interrompue", "the previous build was interrupted")
    if not state.conforms or state.builder_problems:
        raise _FullBuildNeeded("la construction précédente avait des problèmes", "the previous build had problems")
    if state.fingerprint != fingerprint(settings):
        raise _FullBuildNeeded("code, ontologie, formes ou référentiel modifiés",
                               "code, ontology, shapes or referential changed")
    return state


@dataclass
class _Reading:
    """The data as it is now, placed, and what changed since the previous build."""

    inputs: Inputs
    parsed: ParsedFiles
    problems: list[Problem]  # met while reading (none blocking)
    places: Places
    converter: RecordConverter
    entries: list[Entry]
    units: dict[str, Unit]
    edited: set[str]  # data files whose bytes changed
    changed: list[Unit]


def _read(settings: Settings, out_dir: Path, state: BuildState, progress: Progress) -> _Reading:
    """Read and place every record (cheap), and compare the units with the previous build's."""
    inputs = read_inputs(settings, progress)
    progress("lecture des données")
    parsed = parsed_files(settings, out_dir)
    records, problems, places = read_records(settings, parsed, progress)
    converter = RecordConverter(inputs.schema, inputs.vocabulary, settings.base, places, Built())
    entries = converter.place(records)
    if blocking(problems) or converter.built.problems:
        raise _FullBuildNeeded("données illisibles ou mal identifiées", "unreadable or badly identified data")
    units, duplicate = units_of(entries)
    if duplicate:
        raise _FullBuildNeeded(f"enregistrement en double : {duplicate}", f"duplicated record: {duplicate}")
    removed = state.units.keys() - units.keys()
    if removed:
        raise _FullBuildNeeded(f"{len(removed)} enregistrement(s) supprimé(s) ou ré-identifié(s)",
                               f"{len(removed)} record(s) removed or given another id")
    edited = {name for name in state.files.keys() | parsed.keys.keys() if state.files.get(name) != parsed.keys.get(name)}
    changed = [unit for key, unit in units.items() if _changed(unit, state.units.get(key), edited)]
    return _Reading(inputs, parsed, problems, places, converter, entries, units, edited,
                    _with_corrected(units, changed, entries))


def _with_corrected(units: dict[str, Unit], changed: list[Unit], entries: list[Entry]) -> list[Unit]:
    """The changed units, and every other description of an entity a correction describes among them: which of
    its values are current depends on all of them (conversion/revisions.py), so all are converted again."""
    found = corrections(entries)
    if not found:
        return changed
    keys = {unit.key for unit in changed}
    wanted = {unit.iris[0] for unit in changed}
    described: dict[str, list[Unit]] = {}
    for unit in units.values():
        if unit.iris[0] in wanted:
            described.setdefault(unit.iris[0], []).append(unit)
    more = [other for same in described.values()
            if len(same) > 1 and any(source in found for unit in same for source in unit.entries[0].sources)
            for other in same if other.key not in keys]
    return changed + more


def _changed(unit: Unit, saved: SavedUnit | None, edited: set[str]) -> bool:
    """Whether a unit differs from the one `saved` in the state (its hash is computed only when it may)."""
    if saved is None:
        return True
    if saved.files == unit.files and edited.isdisjoint(unit.files):
        return False  # the same unedited files (a file's parse depends on nothing else the fingerprint does not cover)
    return saved.digest != unit.digest


def _check_supported(reading: _Reading, state: BuildState) -> None:
    """Whether the changed units can be rebuilt alone."""
    for unit in reading.changed:
        added = unit.kind in ADDABLE_KINDS and unit.key not in state.units
        if (unit.kind in FULL_KINDS and not added) or any(entry.kind.personal for entry in unit.entries):
            raise _FullBuildNeeded(
                f"« {unit.entries[0].label} » : ce type d'enregistrement demande une reconstruction complète",
                f"'{unit.entries[0].label}': this kind of record needs a full build")
        if REFERENTIAL_SOURCE in {name.removesuffix("/personal") for name in unit.graphs}:
            raise _FullBuildNeeded("un enregistrement du graphe du référentiel a changé",
                                   "a record of the referential's graph changed")
    now = _id_uses(reading.converter.by_id)
    # The same kind and IRI once more (a correction: the record again, under its contribution's source) names the
    # same thing: references resolve to that IRI as before.
    if any(set(now.get(ident, ())) != set(uses) for ident, uses in state.by_id.items()):
        raise _FullBuildNeeded("un identifiant a changé de sens", "an id now names something else")
    # Triples are removed by subject and graph: no other record may write the same subject in the same graph.
    keys = {unit.key for unit in reading.changed}
    writers: dict[str, list[Unit]] = {}
    for unit in reading.units.values():
        for iri in unit.iris:
            writers.setdefault(iri, []).append(unit)
    for unit in reading.changed:
        iris, graphs = unit.written(state.units.get(unit.key))
        for iri in iris:
            if any(other.key not in keys and graphs & set(other.graphs) for other in writers.get(iri, [])):
                raise _FullBuildNeeded(f"« {unit.entries[0].label} » est décrit aussi par un autre enregistrement",
                                       f"'{unit.entries[0].label}' is also described by another record")


def _convert(reading: _Reading) -> Built:
    """The changed units' triples (every entry indexed, as the references need)."""
    only = [entry for unit in reading.changed for entry in unit.entries]
    built = reading.converter.convert(reading.entries, only=only)
    if input_problems(built, reading.inputs.schema):
        raise _FullBuildNeeded("l'édition soulève des problèmes de saisie", "the edit raises input problems")
    revise(built, {unit.entries[0].iri for unit in reading.changed})
    return built


@dataclass
class _Delta:
    """What the rebuild removes from the kept store and adds to it, in the graphs the changed units write."""

    store: ox.Store
    terms: TermConverter
    subjects: set[ox.NamedNode]
    touched: set[str]  # graph names
    touched_iris: set[ox.NamedNode]
    deleted: set[ox.Quad]
    added: list[ox.Quad]


def _delta(settings: Settings, out_dir: Path, state: BuildState, changed: list[Unit], built: Built) -> _Delta:
    graph_iri = settings.graph_iri
    store = ox.Store(str(state_dir(out_dir) / "store"))
    terms = TermConverter()
    subjects: set[ox.NamedNode] = set()
    touched: set[str] = set()
    for unit in changed:
        iris, graphs = unit.written(state.units.get(unit.key))
        subjects |= {ox.NamedNode(iri) for iri in iris}
        touched |= graphs
    # The history of the entities converted again is written again with them (conversion/revisions.py): the
    # statements about them, and the corrections that replaced those.
    history = ox.NamedNode(str(graph_iri(HISTORY)))
    replaced = {q.subject for unit in changed for q in store.quads_for_pattern(
        None, RDF_SUBJECT, ox.NamedNode(unit.iris[0]), history)}
    replaced |= {q.object for node in replaced for q in store.quads_for_pattern(node, INVALIDATED_BY, None, history)}
    if replaced or HISTORY in built.graphs:
        touched.add(HISTORY)
    touched_iris = {ox.NamedNode(str(graph_iri(name))) for name in touched}
    deleted = {q for s in subjects for g in touched_iris for q in store.quads_for_pattern(s, None, None, g)}
    deleted |= {q for node in replaced for q in store.quads_for_pattern(node, None, None, history)}
    added = [q for name, graph in built.graphs.items() for q in terms.quads(graph, graph_iri(name))]
    return _Delta(store, terms, subjects, touched, touched_iris, deleted, added)


def _checked(settings: Settings, state: BuildState, reading: _Reading, built: Built,
             delta: _Delta) -> tuple[list[Problem], Graph, set[str]]:
    """Every problem of the data after the edit (the report's new results and their focus nodes with them)."""
    outcome, focus = validate_around(settings, delta.store, delta.deleted, delta.added, delta.subjects, built,
                                     reading.inputs.schema)
    try:
        checked = referential_problems(settings, ReferentialCheck(settings.cache, settings.ontology_dir,
                                                                  settings.shapes_dir))
    except BuildError:
        raise _FullBuildNeeded("référentiel à revérifier", "referential to check again") from None
    shacl = sorted(_kept_problems(state.problems, focus, built) + [p for p in outcome.problems if p.focus in focus])
    return with_shacl(reading.problems + checked, shacl), outcome.report, focus


def _kept_problems(previous: list[Problem], focus: set[str], built: Built) -> list[Problem]:
    """The previous build's SHACL problems on records not validated again, located where the records now are."""
    kept = []
    for problem in previous:
        if problem.focus is None or problem.focus in focus:
            continue
        entries_of = built.index.get(URIRef(problem.focus))
        if entries_of:  # unchanged record, maybe moved in its file
            record = entries_of[0].record
            problem = replace(problem, file=record.file, line=record.line_of(problem.field))
        kept.append(problem)
    return kept


def _applied(settings: Settings, out_dir: Path, state: BuildState, reading: _Reading, built: Built,
             delta: _Delta) -> tuple[dict[str, list[bytes]], int]:
    """Apply the delta to the store; the touched graphs' N-Quads lines (metadata's included), the metadata's size.

    The state's description of the graphs is updated with them."""
    graph_iri = settings.graph_iri
    for quad in delta.deleted:
        delta.store.remove(quad)
    delta.store.extend(delta.added)
    # Each touched graph's fragment: its previous lines with the edit applied, as in the store (a quad once, as it
    # gives it back).
    fragments = state_dir(out_dir) / "fragments"
    lines = {}
    for iri in delta.touched_iris:
        gone = set(nquads_lines(q for q in delta.deleted if q.graph_name == iri))
        new = nquads_lines(_as_stored(q for q in delta.added if q.graph_name == iri))
        lines[iri.value] = sorted({line for line in fragment_lines(fragments, iri.value) if line not in gone} | {*new})
    for name, origin in graph_origins(built, delta.touched).items():
        iri = str(graph_iri(name))
        if lines[iri]:
            state.graphs[iri] = GraphInfo(source=None if origin.source is None else str(origin.source),
                                          size=len(lines[iri]), personal=origin.personal, synthetic=origin.synthetic)
        else:
            state.graphs.pop(iri, None)
    metadata_iri = ox.NamedNode(str(graph_iri("metadata")))
    metadata = list(delta.terms.quads(_metadata(settings, state.graphs, reading.inputs.built_at, reading.places),
                                      graph_iri("metadata")))
    delta.store.remove_graph(metadata_iri)
    delta.store.extend(metadata)
    lines[metadata_iri.value] = nquads_lines(_as_stored(metadata))
    return lines, len(metadata)


def _written(settings: Settings, out_dir: Path, state: BuildState, lines: dict[str, list[bytes]], metadata_quads: int,
             problems: list[Problem], report: Graph, built_at: str) -> dict:
    """Re-serialise the touched graphs' fragments and put the dumps together again; the manifest."""
    fragments = state_dir(out_dir) / "fragments"
    metadata_iri = str(settings.graph_iri("metadata"))
    private = {iri for iri, info in state.graphs.items() if info.personal} | {str(settings.graph_iri("ontology")),
                                                                              metadata_iri}
    for graph, graph_lines in lines.items():
        write_fragment(fragments, graph, graph_lines, graph not in private, state.prefixes,
                       cache=settings.cache / "fragments")
    with locked(out_dir), generation(out_dir.resolve()) as folder:
        checksums = assemble_dumps(sorted({*state.graphs, metadata_iri}), fragments, folder)
        manifest = finish_outputs(folder, out_dir.resolve(), checksums, problems, report, {
            "built_at": built_at,
            "base": settings.base,
            "forced": False,
            "conforms": True,
            "synthetic": any(info.synthetic for info in state.graphs.values()),
            "quads": sum(info.size for info in state.graphs.values()) + metadata_quads,
        })
    report.serialize(state_dir(out_dir) / "report.nt", format="nt", encoding="utf-8")
    return manifest


def _remember(state: BuildState, reading: _Reading, out_dir: Path) -> None:
    """Write the state with the data files as they are now: their hashes and parses, each unit's files."""
    for unit in reading.changed:
        state.units[unit.key] = unit.saved()
    for key, unit in reading.units.items():
        if state.units[key].files != unit.files:  # then its hash was computed (see _changed)
            state.units[key] = unit.saved()
    state.files = reading.parsed.keys
    reading.parsed.save()
    write_state(out_dir, state)


def _as_stored(quads: Iterable[ox.Quad]) -> ox.Store:
    """The quads as the store gives them back (it writes dates and numbers in their canonical form)."""
    store = ox.Store()
    store.extend(quads)
    return store


def validate_around(settings: Settings, store: ox.Store, deleted: set, added: list, changed: set, built: Built, schema):
    """SHACL on the records the delta may affect, over their neighbourhood with the delta applied."""
    graph_iri = settings.graph_iri
    skip = {ox.NamedNode(str(graph_iri(name))) for name in ("ontology", "metadata")}
    fixed_graphs = {ox.NamedNode(str(graph_iri(name))) for name in (REFERENTIAL_SOURCE, "vocabularies")}
    after = _View(store, skip, deleted, added)
    before = _View(store, skip)

    def fixed(node) -> bool:  # official territories and concepts: no data edit changes their results
        return any(next(store.quads_for_pattern(node, None, None, g), None) is not None for g in fixed_graphs)

    focus = _focus([before, after], changed, fixed)
    vocabularies = ox.NamedNode(str(graph_iri("vocabularies")))
    shared = list(store.quads_for_pattern(None, None, None, vocabularies))
    for cls in SHARED_CLASSES:
        for typed in store.quads_for_pattern(None, TYPE, ox.NamedNode(str(cls)), None):
            shared.extend(after.outgoing(typed.subject))
    data = _as_graph(_neighbourhood(after, focus, shared))
    with collected_apart():
        outcome = validate_graph(data, load_shapes(settings.shapes_dir), built, schema, jobs=1)
    return outcome, {node.value for node in focus}


def _metadata(settings: Settings, graphs: dict[str, GraphInfo], built_at, places: Places) -> Graph:
    """The metadata graph of a full build, from the state's description of the graphs."""
    return describe_build(settings, {URIRef(iri): info.size for iri, info in graphs.items()},
                          {URIRef(iri): None if info.source is None else URIRef(info.source)
                           for iri, info in graphs.items()},
                          {URIRef(iri) for iri, info in graphs.items() if info.personal},
                          {URIRef(iri) for iri, info in graphs.items() if info.synthetic}, built_at, places)
