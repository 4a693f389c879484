"""Incremental rebuild: after editing a few records, convert, validate and re-serialise only what changed.

`maillage build` keeps beside its outputs a state (`.maillage-state/`):
a fingerprint of everything but the data (code, ontology, shapes, base
IRI, referential), the Oxigraph store of the whole dataset on disk, each
named graph serialised on its own (`publish.write_fragments`), the
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
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, URIRef

from graph_builder.collector import collected_apart, paused_gc
from graph_builder.constants import MLG
from graph_builder.conversion.metadata import describe, describe_referential
from graph_builder.conversion.privacy import personal_leaks
from graph_builder.conversion.records import Built, Entry, RecordConverter, graph_names
from graph_builder.kinds import load_schema
from graph_builder.pipeline import BuildResult, Settings, load_places, synthetic_sources
from graph_builder.problems import Problem, blocking
from graph_builder.publication.outputs import (
    _prefixes,
    assemble_dumps,
    check_publishable,
    finish_outputs,
    fragment_lines,
    nquads_lines,
    staged,
    write_fragment,
    write_outputs,
)
from graph_builder.publication.oxigraph_store import TermConverter, build_store
from graph_builder.referential.check import ReferentialCheck, cache_key
from graph_builder.referential.package import ReferentialError
from graph_builder.referential.territories import SOURCE_ID as REFERENTIAL_SOURCE
from graph_builder.sources import read_data_dir
from graph_builder.sources.located import ParsedFiles, RawRecord
from graph_builder.validation.shacl import SH, load_shapes, validate_graph
from graph_builder.vocabulary import load_vocabulary

STATE = ".maillage-state"
DIRTY = "dirty"
FORMAT = 2
# Records whose edit may change what other records mean (vocabularies, types, matrix, territories, sources,
# persons): their edit needs a full build.
FULL_KINDS = frozenset({"source_document", "coordination_type", "mission_assignment", "territory", "person"})
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # graph_builder/: the build's code
IGEO_PARENT = ox.NamedNode("http://rdf.insee.fr/def/geo#subdivisionDirecteDe")
TERRITORY = ox.NamedNode(str(MLG.territory))
TYPE = ox.NamedNode(str(RDF.type))
SHARED_CLASSES = (MLG.CoordinationType, MLG.MissionAssignment)  # read by every coordination's shapes


def _files_digest(digest, folder: Path, patterns: Iterable[str]) -> None:
    for pattern in patterns:
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())


def fingerprint(settings: Settings) -> str:
    """Everything but the data that a build's output depends on."""
    digest = hashlib.sha256(f"{FORMAT} {package_metadata.version('maillage')} {settings.base}".encode())
    _files_digest(digest, PACKAGE_DIR, ("*.py", "*.yaml"))
    _files_digest(digest, settings.ontology_dir, ("*",))
    _files_digest(digest, settings.shapes_dir, ("*",))
    digest.update(cache_key(settings.ontology_dir).encode())
    return digest.hexdigest()


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

    def saved(self) -> list:
        return [self.digest, self.iris, self.graphs, self.files]


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


def _by_id(by_id: dict[str, list[Entry]]) -> dict[str, list[list[str]]]:
    return {ident: [[entry.kind.name, str(entry.iri)] for entry in found] for ident, found in by_id.items()}


# -- state --------------------------------------------------------------------


def state_dir(out_dir: Path) -> Path:
    return out_dir.resolve() / STATE


def parsed_files(settings: Settings, out_dir: Path) -> ParsedFiles:
    """The data files' parses kept in the state (valid for this code and referential only)."""
    return ParsedFiles(state_dir(out_dir) / "parsed", fingerprint(settings))


def _read_state(out_dir: Path) -> dict | None:
    try:
        state = json.loads((state_dir(out_dir) / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # While the store is updated, this mark says the state may be half-changed (a file of its own: a few bytes
    # written instead of the whole state).
    state["dirty"] = (state_dir(out_dir) / DIRTY).exists()
    return state


def _write_state(out_dir: Path, state: dict) -> None:
    from graph_builder.files import atomic_write

    atomic_write(state_dir(out_dir) / "state.json", json.dumps(state, ensure_ascii=False).encode())


def _problem(data: dict) -> Problem:
    return Problem(**{key: data.get(key) for key in Problem.__dataclass_fields__ if key in data})


def full_build_published(result: BuildResult, out_dir: Path, force: bool = False) -> tuple[ox.Store, dict]:
    """Write a full build's outputs (as publish.write_outputs) and the state the next rebuild starts from."""
    check_publishable(result, out_dir, force)  # a refused build leaves the previous outputs and state as they were
    state = state_dir(out_dir)
    (state / "state.json").unlink(missing_ok=True)  # from here on, a failure leaves no state: the next build is full
    (state / DIRTY).unlink(missing_ok=True)
    shutil.rmtree(state / "fragments", ignore_errors=True)
    if result.parsed is not None:
        result.parsed.save()
    store = build_store(result)
    # The store kept on disk, bulk-loaded graph by graph as the dumps' fragments are written (inserting quad by quad
    # into an on-disk store took 70 s at national size).
    shutil.rmtree(state / "store", ignore_errors=True)
    kept = ox.Store(str(state / "store"))
    manifest = write_outputs(result, out_dir, force=force, store=store, fragments=state / "fragments", copy_to=kept)
    del kept  # closed: the next rebuild opens it
    units, _duplicate = units_of(result.built.entries)
    saved_units = {key: unit.saved() for key, unit in units.items()}
    report = result.validation.report if result.validation else Graph()
    report.serialize(state / "report.nt", format="nt", encoding="utf-8")
    _write_state(out_dir, {
        "fingerprint": fingerprint(result.settings),
        "conforms": manifest["conforms"],
        # Problems the builder found (not SHACL's): an incremental rebuild cannot re-locate them.
        "builder_problems": sum(1 for p in result.problems if p.focus is None and p.severity != "info"),
        "units": saved_units,
        "files": result.parsed.keys if result.parsed is not None else {},
        "by_id": _by_id(result.built.by_id),
        "graphs": {str(graph): {"source": None if source is None else str(source),
                                "size": result.graph_sizes.get(graph, 0),
                                "personal": graph in result.personal_graphs,
                                "synthetic": graph in result.synthetic_graphs}
                   for graph, source in result.graph_sources.items()},
        "prefixes": _prefixes(result),
        "problems": [p.to_dict() for p in result.problems],
    })
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


def _full(fr: str, en: str) -> Rebuilt:
    return Rebuilt(full_reason=(fr, en))


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
    conforms = all(graph.value(r, SH.resultSeverity) != SH.Violation
                   for graph, found in ((previous, results), (new, results_new)) for r in found)
    report.add((root, RDF.type, SH.ValidationReport))
    report.add((root, SH.conforms, Literal(conforms)))
    for graph, found in ((previous, results), (new, results_new)):
        for result in found:
            report.add((root, SH.result, result))
            copy(graph, result, graph is new)
    return report


def rebuild(settings: Settings, out_dir: Path, progress: Callable[[str], None] = lambda _step: None) -> Rebuilt:
    """Rebuild `out_dir` from the previous build's state, or say why a full build is needed."""
    with paused_gc():  # hundreds of thousands of records and state entries, hardly any cycle (see paused_gc)
        return _rebuild(settings, out_dir, progress)


def _rebuild(settings: Settings, out_dir: Path, progress: Callable[[str], None]) -> Rebuilt:
    state = _read_state(out_dir)
    if state is None:
        return _full("aucune construction précédente réutilisable", "no reusable previous build")
    if state.pop("dirty"):
        return _full("la construction précédente s'est interrompue", "the previous build was interrupted")
    if not state.get("conforms") or state.get("builder_problems"):
        return _full("la construction précédente avait des problèmes", "the previous build had problems")
    if state.get("fingerprint") != fingerprint(settings):
        return _full("code, ontologie, formes ou référentiel modifiés", "code, ontology, shapes or referential changed")
    schema = load_schema()
    built_at = settings.build_time()
    vocabulary = load_vocabulary(settings.ontology_dir)
    progress("lecture des données")
    parsed = parsed_files(settings, out_dir)
    records, read_problems = read_data_dir(settings.data_dir, parsed)
    places = load_places(settings.cache, settings.base)
    converter = RecordConverter(schema, vocabulary, settings.base, places, Built())
    entries = converter.place(records)
    if blocking(read_problems) or converter.built.problems:
        return _full("données illisibles ou mal identifiées", "unreadable or badly identified data")
    units, duplicate = units_of(entries)
    if duplicate:
        return _full(f"enregistrement en double : {duplicate}", f"duplicated record: {duplicate}")
    previous = state["units"]
    removed = previous.keys() - units.keys()
    if removed:
        return _full(f"{len(removed)} enregistrement(s) supprimé(s) ou ré-identifié(s)",
                     f"{len(removed)} record(s) removed or given another id")
    edited = {name for name in state["files"].keys() | parsed.keys.keys()
              if state["files"].get(name) != parsed.keys.get(name)}
    changed = [unit for key, unit in units.items() if _changed(unit, previous.get(key), edited)]
    if not changed:
        if edited:  # only comments or the order of the records changed: the parses and files kept are updated
            _remember(state, units, changed, parsed, out_dir)
        return Rebuilt(changed=0, problems=[_problem(p) for p in state["problems"]])
    reason = _unsupported(changed, units, state, converter.by_id, previous)
    if reason:
        return _full(*reason)

    progress("conversion des enregistrements modifiés")
    changed_entries = [entry for unit in changed for entry in unit.entries]
    built = converter.convert(entries, only=changed_entries)
    problems = built.problems + personal_leaks(built, schema)
    if problems:
        return _full("l'édition soulève des problèmes de saisie", "the edit raises input problems")

    graph_iri = settings.graph_iri
    store = ox.Store(str(state_dir(out_dir) / "store"))
    convert = TermConverter()
    subjects = {ox.NamedNode(iri) for unit in changed for iri in unit.iris + previous.get(unit.key, [None, []])[1]}
    touched = {name for unit in changed for name in unit.graphs + previous.get(unit.key, [None, [], []])[2]}
    touched_iris = {ox.NamedNode(str(graph_iri(name))) for name in touched}
    deleted = {q for s in subjects for g in touched_iris for q in store.quads_for_pattern(s, None, None, g)}
    added = [q for name, graph in built.graphs.items() for q in convert.quads(graph, graph_iri(name))]

    progress("validation SHACL des enregistrements touchés")
    outcome, focus = _validate(settings, store, deleted, added, subjects, built, schema)
    kept = []
    for problem in (_problem(p) for p in state["problems"]):
        if problem.focus is None or problem.focus in focus:
            continue
        entries_of = built.index.get(URIRef(problem.focus))
        if entries_of:  # unchanged record, maybe moved in its file
            record = entries_of[0].record
            problem = replace(problem, file=record.file, line=record.line_of(problem.field))
        kept.append(problem)
    try:
        checked = ReferentialCheck(settings.cache, settings.ontology_dir, settings.shapes_dir).problems()
    except ReferentialError:
        return _full("référentiel à revérifier", "referential to check again")
    known = {(p.file, p.record, p.field) for p in blocking(read_problems + checked)}
    shacl = sorted(kept + [p for p in outcome.problems if p.focus in focus])
    problems = read_problems + checked + [p for p in shacl if (p.file, p.record, p.field) not in known]
    result = Rebuilt(changed=len(changed), problems=problems)
    if not result.ok:
        return result  # nothing written, the store untouched

    progress("mise à jour du graphe")
    (state_dir(out_dir) / DIRTY).touch()
    for quad in deleted:
        store.remove(quad)
    store.extend(added)
    # Each touched graph's fragment: its previous lines with the edit applied, as in the store (a quad once, as it
    # gives it back).
    fragments = state_dir(out_dir) / "fragments"
    lines = {}
    for iri in touched_iris:
        gone = set(nquads_lines(q for q in deleted if q.graph_name == iri))
        new = nquads_lines(_as_stored(q for q in added if q.graph_name == iri))
        lines[iri.value] = sorted({line for line in fragment_lines(fragments, iri.value) if line not in gone} | {*new})
    graphs = state["graphs"]
    source_documents = {entry.ident: str(entry.iri) for entry in entries if entry.kind.name == "source_document"}
    synthetic = synthetic_sources(built)
    for name in touched:
        iri = str(graph_iri(name))
        source = name.removesuffix("/personal")
        graphs[iri] = {"source": source_documents.get(source), "size": len(lines[iri]),
                       "personal": name in built.personal_graphs, "synthetic": source in synthetic}
        if not lines[iri]:
            del graphs[iri]
    metadata_iri = ox.NamedNode(str(graph_iri("metadata")))
    metadata = list(convert.quads(_metadata(settings, graphs, built_at, places), graph_iri("metadata")))
    store.remove_graph(metadata_iri)
    store.extend(metadata)
    lines[metadata_iri.value] = nquads_lines(_as_stored(metadata))

    progress("écriture des fichiers")
    private = {iri for iri, info in graphs.items() if info["personal"]} | {str(graph_iri("ontology")),
                                                                            metadata_iri.value}
    for graph, graph_lines in lines.items():
        write_fragment(fragments, graph, graph_lines, graph not in private, state["prefixes"])
    report = _merged_report(Graph().parse(state_dir(out_dir) / "report.nt", format="nt"), outcome.report,
                            focus)
    with staged(out_dir) as staging:
        all_graphs = sorted({*graphs, metadata_iri.value})
        checksums = assemble_dumps(all_graphs, fragments, staging)
        result.manifest = finish_outputs(staging, out_dir.resolve(), checksums, problems, report, {
            "built_at": built_at.isoformat(timespec="seconds"),
            "base": settings.base,
            "forced": False,
            "conforms": True,
            "synthetic": any(info["synthetic"] for info in graphs.values()),
            "quads": sum(info["size"] for info in graphs.values()) + len(metadata),
        })
    report.serialize(state_dir(out_dir) / "report.nt", format="nt", encoding="utf-8")
    state.update(by_id=_by_id(converter.by_id), graphs=graphs, problems=[p.to_dict() for p in problems])
    _remember(state, units, changed, parsed, out_dir)
    (state_dir(out_dir) / DIRTY).unlink()
    return result


def _as_stored(quads: Iterable[ox.Quad]) -> ox.Store:
    """The quads as the store gives them back (it writes dates and numbers in their canonical form)."""
    store = ox.Store()
    store.extend(quads)
    return store


def _changed(unit: Unit, saved: list | None, edited: set[str]) -> bool:
    """Whether a unit differs from the one `saved` in the state (its hash is computed only when it may)."""
    if saved is None:
        return True
    if saved[3] == unit.files and edited.isdisjoint(unit.files):
        return False  # the same unedited files (a file's parse depends on nothing else the fingerprint does not cover)
    return saved[0] != unit.digest


def _remember(state: dict, units: dict[str, Unit], changed: list[Unit], parsed: ParsedFiles, out_dir: Path) -> None:
    """Write the state with the data files as they are now: their hashes and parses, each unit's files."""
    saved = state["units"]
    for unit in changed:
        saved[unit.key] = unit.saved()
    for key, unit in units.items():
        if saved[key][3] != unit.files:  # then its hash was computed (see _changed)
            saved[key] = unit.saved()
    state["files"] = parsed.keys
    parsed.save()
    _write_state(out_dir, state)


def _unsupported(changed: list[Unit], units: dict[str, Unit], state: dict, by_id: dict[str, list[Entry]],
                 previous: dict) -> tuple[str, str] | None:
    """Why the changed units cannot be rebuilt alone, if they cannot."""
    for unit in changed:
        if unit.kind in FULL_KINDS or any(entry.kind.personal for entry in unit.entries):
            return (f"« {unit.entries[0].label} » : ce type d'enregistrement demande une reconstruction complète",
                    f"'{unit.entries[0].label}': this kind of record needs a full build")
        if REFERENTIAL_SOURCE in {name.removesuffix("/personal") for name in unit.graphs}:
            return "un enregistrement du graphe du référentiel a changé", "a record of the referential's graph changed"
    old_ids = state["by_id"]
    new_ids = _by_id(by_id)
    if any(new_ids.get(ident) != found for ident, found in old_ids.items()):
        return "un identifiant a changé de sens", "an id now names something else"
    # Triples are removed by subject and graph: no other record may write the same subject in the same graph.
    keys = {unit.key for unit in changed}
    writers: dict[str, list[Unit]] = {}
    for unit in units.values():
        for iri in unit.iris:
            writers.setdefault(iri, []).append(unit)
    for unit in changed:
        old = previous.get(unit.key, [None, [], []])
        graphs = set(unit.graphs) | set(old[2])
        for iri in set(unit.iris) | set(old[1]):
            if any(other.key not in keys and graphs & set(other.graphs) for other in writers.get(iri, [])):
                return (f"« {unit.entries[0].label} » est décrit aussi par un autre enregistrement",
                        f"'{unit.entries[0].label}' is also described by another record")
    return None


def _validate(settings: Settings, store: ox.Store, deleted: set, added: list, changed: set, built: Built, schema):
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


def _metadata(settings: Settings, graphs: dict[str, dict], built_at, places) -> Graph:
    """The metadata graph of a full build, from the state's description of the graphs."""
    metadata = describe({URIRef(iri): info["size"] for iri, info in graphs.items()}, settings.base,
                        {URIRef(iri): None if info["source"] is None else URIRef(info["source"])
                         for iri, info in graphs.items()},
                        {URIRef(iri) for iri, info in graphs.items() if info["personal"]}, built_at,
                        {URIRef(iri) for iri, info in graphs.items() if info["synthetic"]})
    describe_referential(metadata, settings.graph_iri(REFERENTIAL_SOURCE), places.referential)
    return metadata
