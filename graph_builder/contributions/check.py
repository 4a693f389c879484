"""A proposal checked before it is sent: the build's own steps, on the proposal and its neighbourhood.

The proposal's records are read, placed and converted with every record of the data (references resolve as
in a build), then validated by the build's SHACL shapes over the neighbourhood an incremental rebuild would
validate (`incremental.rebuild.validate_around`), extracted from a store of the built graph: the proposed
records, what they link to, what links to them, the other coordinations of their territories. The whole
graph is never validated. Problems come with the build's French and English messages, located on the
proposal's records and fields.

The data's records are read and placed once per process while the data, ontology and vocabulary files stay as
they were (`_placed`, keyed by their paths, sizes and modification times): a check then places and converts only
the proposal's records (placing the 92,000 records of the national-size data took 3 s of each check).
"""

from __future__ import annotations

import pickle
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph_builder.contributions.records import FILE, Statement
from graph_builder.conversion.records import Built, Entry, RecordConverter, graph_names
from graph_builder.conversion.revisions import HISTORY, cleared_aspects, correctable, corrections, superseded
from graph_builder.incremental.rebuild import validate_around
from graph_builder.pipeline import Inputs, Settings, read_inputs, read_records
from graph_builder.problems import Problem, blocking
from graph_builder.referential.territories import Places
from graph_builder.sources.curated import read_data_file
from graph_builder.sources.located import ParsedFiles
from graph_builder.terms import RdflibConverter, TermConverter


class _Remembered(ParsedFiles):
    """Parses kept in memory for the process's life: checking a proposal reads only the data files that changed."""

    def _kept(self, key: str):
        blob = self.fresh.get(key)
        return pickle.loads(blob) if blob is not None else None  # a copy each time: records are mutated later


REMEMBERED = _Remembered()


@dataclass
class _Data:
    """A data directory's records placed (what references resolve through), as long as its files are `stamp`."""

    stamp: tuple
    inputs: Inputs
    places: Places
    entries: list[Entry]
    by_id: dict[str, list[Entry]]
    existing: set[tuple[str, str]]  # (kind, id) of every record


_DATA: dict[tuple[Path, str], _Data] = {}
_DATA_LOCK = threading.Lock()  # one reading at a time: two visitors' first checks read the data once


def _stamp(settings: Settings) -> tuple:
    """Every file a check reads besides the proposal (data, ontology, vocabularies): path, size, modification time."""
    found = []
    for folder in (settings.data_dir, settings.ontology_dir):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _placed(settings: Settings, parsed: ParsedFiles | None) -> _Data:
    """The data's records read and placed, again only when a file changed (the entries are never changed after:
    a check converts only its own records, with a copy of the ids)."""
    stamp = _stamp(settings)
    key = (settings.data_dir.resolve(), settings.base)
    with _DATA_LOCK:
        kept = _DATA.get(key)
        if kept is None or kept.stamp != stamp or parsed is not None:
            inputs = read_inputs(settings)
            records, _problems, places = read_records(settings, parsed or REMEMBERED)
            converter = RecordConverter(inputs.schema, inputs.vocabulary, settings.base, places, Built())
            entries = converter.place(records)
            kept = _DATA[key] = _Data(stamp, inputs, places, entries, converter.by_id,
                                      {(r.kind, str(r.data.get("id"))) for r in records})
        return kept


@dataclass
class Check:
    problems: list[Problem]
    seconds: float

    @property
    def conforms(self) -> bool:
        """Nothing blocks sending (warnings are allowed)."""
        return not blocking(self.problems)

    def on(self, record: str | None, field: str | None) -> list[Problem]:
        return [p for p in self.problems if p.record == record and p.field == field]


def check_proposal(settings: Settings, text: str, store: ox.Store, statement: Statement | None = None,
                   correction: dict[str, str] | None = None, parsed: ParsedFiles | None = None) -> Check:
    """Every problem of a proposal file (`records.render`'s text), located on its records and fields.

    `store`: the built graph (the build's kept store, or the one the viewer opened). `correction`:
    {"kind", "id"} of the record a correction describes again; any other proposed id must be new."""
    started = time.perf_counter()
    problems = list(statement.problems()) if statement else []
    with tempfile.TemporaryDirectory(prefix="maillage-proposition-") as folder:
        path = Path(folder) / "proposition.yaml"
        path.write_text(text, encoding="utf-8")
        proposed, reading = read_data_file(path, FILE)
    problems += reading
    data = _placed(settings, parsed)
    inputs = data.inputs
    for record in proposed:
        key = (record.kind, str(record.data.get("id")))
        is_target = correction is not None and key == (correction.get("kind"), correction.get("id"))
        if record.kind != "source_document" and key in data.existing and not is_target:
            problems.append(Problem(FILE, record.line, f"{record.kind} {key[1]}", "id",
                                    f"l'identifiant « {key[1]} » existe déjà : choisissez-en un autre, ou proposez "
                                    "une correction de la fiche existante",
                                    f"id '{key[1]}' already exists: choose another, or propose a correction of the "
                                    "existing card"))
    converter = RecordConverter(inputs.schema, inputs.vocabulary, settings.base, data.places, Built())
    converter.by_id = {ident: list(found) for ident, found in data.by_id.items()}  # the proposal's ids join a copy
    mine = converter.place(proposed)
    converter.check_official_territories(mine)
    built = converter.convert(data.entries + mine, only=mine, checked=mine)
    problems += [p for p in built.problems if p.file == FILE]
    if not blocking(problems):  # SHACL reads only records the builder could convert
        terms = TermConverter()
        added = [q for name, graph in built.graphs.items() for q in terms.quads(graph, settings.graph_iri(name))]
        changed = {ox.NamedNode(str(entry.iri)) for entry in mine}
        replaced = _replaced(settings, store, [e for e in mine if (e.kind.name, e.ident) in data.existing], built,
                             corrections(mine), problems)
        outcome, _focus = validate_around(settings, store, replaced, added, changed, built, inputs.schema)
        mine_iris = {str(entry.iri) for entry in mine}
        problems += [p for p in outcome.problems if p.file == FILE or p.focus in mine_iris]
    return Check(sorted(set(problems)), time.perf_counter() - started)


def _replaced(settings: Settings, store: ox.Store, corrected: list[Entry], built: Built, found: dict,
              problems: list[Problem]) -> set[ox.Quad]:
    """The quads of the built graph a correction replaces or empties once accepted (conversion/revisions.py): the
    proposal comes after every accepted correction, whose values the store already holds as current. `found`: the
    proposal's corrections by source (its `clears`); a field to empty that the record has not goes to `problems`."""
    skip = {str(settings.graph_iri(name)) for name in ("metadata", "ontology", HISTORY)}
    term = RdflibConverter()  # as the builder wrote them: "x", not "x"^^xsd:string
    replaced = set()
    for entry in corrected:
        if entry.parent is not None:
            continue
        descriptions: dict[str, set] = {}
        quads = {}
        for quad in store.quads_for_pattern(ox.NamedNode(str(entry.iri)), None, None, None):
            graph = quad.graph_name.value
            if graph in skip or graph.endswith("/personal"):
                continue
            fact = (term(quad.predicate), term(quad.object))
            descriptions.setdefault(graph, set()).add(fact)
            quads[(graph, *fact)] = quad
        mine = [name for name in graph_names(entry) if name in built.graphs]
        for name in mine:
            descriptions[name] = set(built.graphs[name].predicate_objects(entry.iri))
        cleared = {name: cleared_aspects(found[name], entry, problems) for name in mine if name in found}
        for graph, predicate, value, _by in superseded(descriptions, mine, correctable(entry.kind), cleared):
            if (graph, predicate, value) in quads:
                replaced.add(quads[(graph, predicate, value)])
    return replaced
