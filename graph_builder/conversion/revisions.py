"""Step 2b: an accepted correction replaces the values it corrects; the values replaced go to the history graph.

A correction is a contribution (graph_builder/contributions/) whose source document revises other sources
(`revises`, prov:wasRevisionOf): its record describes an existing entity again, under its own source. For each
property of the record's own fields that the correction gives (a French label, an English label, a start date, a
list of themes: a property and, for texts, a language), the current graph keeps the correction's values only:

- a value another source (or an earlier correction) gives that the correction does not is *replaced*: it leaves
  its source's named graph and is kept in the history graph (`graph/history`) as a reified statement
  (rdf:Statement: subject, property, value) with its source (dcterms:source), the time it was replaced
  (prov:invalidatedAtTime, the correction's acceptance) and what replaced it (prov:wasInvalidatedBy an activity,
  the correction of that entity, which prov:used the contribution's document);
- a value the correction gives again stays where it was, with its source (a field left as it was keeps its
  earlier source, and a correction that changes nothing changes nothing but its provenance);
- a list is replaced as a whole (the correction's list);
- a field the correction empties (its source document's `clears`: field names, `label_en` for an English text)
  is replaced by nothing: its values go to the history and the current graph has none (a coordinator removes a
  wrong e-mail or an end date that was never decided);
- several corrections of one entity apply in the order they were accepted (prov:generatedAtTime, then their id):
  the latest that gives a property wins. A proposal being checked has no acceptance time yet: it comes last.

What is not replaced: the record's provenance fields (source, passage, note, licence...), nested records
(participations, programmes: a correction adds them beside the earlier ones) and its classes. A reified statement
asserts nothing: every query reads the union of the named graphs, history included, and finds only current facts;
no engine needs to be told to leave a graph out (docs/contributions.md says why this design).

The history is a function of the data (the accepted contribution files), as the rest of the graph: a full build and
an incremental rebuild write it the same (tests/test_contributions_revise.py). The data's own history is its versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import PROV, RDF, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

from graph_builder.conversion.records import Built, Entry, graph_names
from graph_builder.kinds import KindSpec
from graph_builder.problems import Problem

HISTORY = "history"  # the history graph's name: <base>graph/history
STATEMENT_SEGMENT, ACTIVITY_SEGMENT = "historique", "correction"  # <entity>/historique/<hash>, <entity>/correction/<id>
LATEST = "~"  # sorts after any acceptance time: a proposal not yet accepted


@dataclass(frozen=True)
class Correction:
    """A correction's source: its id (its graph's name), its document and when it was accepted ("" not yet)."""

    source: str
    document: URIRef
    accepted: str
    entry: Entry | None = None  # its source document's record (where its `clears` are written)
    clears: tuple[str, ...] = ()  # the fields it empties (field names of the record it corrects)
    revises: tuple[str, ...] = ()  # the sources it revises: those of the record it corrects

    @property
    def order(self) -> tuple[str, str]:
        return (self.accepted or LATEST, self.source)


def corrections(entries: Iterable[Entry]) -> dict[str, Correction]:
    """The sources that are corrections (a source document that revises others), by id."""
    return {entry.ident: Correction(entry.ident, entry.iri, str(entry.record.data.get("generated") or "").strip(),
                                    entry, tuple(str(name).strip() for name in _listed(entry.record.data.get("clears"))),
                                    tuple(str(source) for source in _listed(entry.record.data.get("revises"))))
            for entry in entries
            if entry.kind.name == "source_document" and entry.parent is None and entry.record.data.get("revises")}


def _own_fields(kind: KindSpec) -> dict:
    """The fields of `kind` a correction replaces or empties, by name: its own fields with a property (not the
    common provenance fields, not its nested records)."""
    return {name: spec for name, spec in kind.fields.items() if spec.predicate is not None and spec.type != "nested"}


def correctable(kind: KindSpec) -> frozenset[URIRef]:
    """The properties a correction of a record of `kind` replaces (_own_fields)."""
    return frozenset(URIRef(spec.predicate) for spec in _own_fields(kind).values())


def _listed(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def cleared_aspect(kind: KindSpec, name: str) -> tuple[str, str | None] | None:
    """What emptying the field `name` of a `kind` record empties (its property and, for a text, its language: French,
    or English for `<field>_en`), or None when `name` is no field a correction may empty."""
    english = name.endswith("_en")
    spec = _own_fields(kind).get(name[:-3] if english else name)
    if spec is None or (english and spec.type != "text"):
        return None
    return str(spec.predicate), ("en" if english else "fr") if spec.type == "text" else None


def _aspect(predicate, value) -> tuple[str, str | None]:
    """What one value is a value of: the property, and for a text its language (a French label does not replace an
    English one)."""
    return (str(predicate), getattr(value, "language", None) or None)


def superseded(descriptions: dict[str, set[tuple]], order: list[str], fields: frozenset,
               cleared: dict[str, set[tuple]] | None = None) -> list[tuple[str, object, object, str]]:
    """The statements of one entity that are no longer current: (graph, property, value, the correction's graph
    that replaced it: the first accepted after the value was stated that gives the property without it).
    `descriptions`: each graph's (property, value) of the entity; `order`: its corrections' graphs, the first
    accepted first (the other sources come before them all); `cleared`: the aspects each correction's graph empties
    (given with no value; a value the same correction gives wins)."""
    given: list[dict[tuple, set]] = []  # each correction's values, by aspect
    for name in order:
        values: dict[tuple, set] = {aspect: set() for aspect in (cleared or {}).get(name, ())}
        for predicate, value in descriptions.get(name, ()):
            if predicate in fields:
                values.setdefault(_aspect(predicate, value), set()).add(value)
        given.append(values)
    latest: dict[tuple, set] = {}
    for values in given:
        latest.update(values)
    found = []
    for name, facts in descriptions.items():
        after = order.index(name) + 1 if name in order else 0
        for predicate, value in facts:
            aspect = _aspect(predicate, value)
            if aspect not in latest or value in latest[aspect]:
                continue  # not corrected, or still current
            by = next(order[n] for n in range(after, len(order)) if aspect in given[n] and value not in given[n][aspect])
            found.append((name, predicate, value, by))
    return sorted(found, key=lambda item: (item[0], str(item[1]), item[2].n3() if hasattr(item[2], "n3") else str(item[2])))


def statement_iri(subject: URIRef, graph: str, predicate, value) -> URIRef:
    """The replaced statement's IRI: under its entity, the same at every build."""
    digest = hashlib.sha256(f"{graph}\n{predicate}\n{value.n3()}".encode()).hexdigest()[:16]
    return URIRef(f"{subject}/{STATEMENT_SEGMENT}/{digest}")


def history_triples(subject: URIRef, graph: str, predicate, value, source: URIRef | None,
                    correction: Correction) -> list[tuple]:
    """The replaced statement, reified, with its source and what replaced it when (PROV-O)."""
    node = statement_iri(subject, graph, predicate, value)
    activity = URIRef(f"{subject}/{ACTIVITY_SEGMENT}/{correction.source}")
    triples = [(node, RDF.type, RDF.Statement), (node, RDF.type, PROV.Entity), (node, RDF.subject, subject),
               (node, RDF.predicate, predicate), (node, RDF.object, value), (node, PROV.wasInvalidatedBy, activity),
               (activity, RDF.type, PROV.Activity), (activity, PROV.used, correction.document)]
    if source is not None:
        triples.append((node, DCTERMS.source, source))
    if correction.accepted:
        when = Literal(correction.accepted, datatype=XSD.dateTime)
        triples += [(node, PROV.invalidatedAtTime, when), (activity, PROV.endedAtTime, when)]
    return triples


def revise(built: Built, subjects: set[URIRef] | None = None) -> int:
    """Apply the corrections to `built`'s graphs (in place): the replaced statements leave their graphs for the
    history graph. `subjects`: only these entities (an incremental rebuild's, every description of each converted);
    by default every corrected one. Returns how many statements were replaced."""
    found = corrections(built.entries)
    if not found:
        return 0
    documents = {entry.ident: entry.iri for entry in built.entries
                 if entry.kind.name == "source_document" and entry.parent is None}
    corrected = {entry.iri for entry in built.entries
                 if entry.parent is None and any(source in found for source in entry.sources)}
    replaced = 0
    for subject in sorted(corrected if subjects is None else corrected & subjects):
        top = [entry for entry in built.index.get(subject, ()) if entry.parent is None]
        names = sorted({name for entry in top for name in graph_names(entry)
                        if name in built.graphs and name not in built.personal_graphs})
        descriptions = {name: set(built.graphs[name].predicate_objects(subject)) for name in names}
        order = sorted((name for name in names if name in found), key=lambda name: found[name].order)
        fields = correctable(top[0].kind)
        # Emptied on the record it corrects (described by a source it revises), not on a record it adds beside.
        cleared = {name: cleared_aspects(found[name], top[0], built.problems) for name in order
                   if set(found[name].revises) & set(names)}
        for graph, predicate, value, winner in superseded(descriptions, order, fields, cleared):
            built.graphs[graph].remove((subject, predicate, value))
            history = built.graph(HISTORY)
            for triple in history_triples(subject, graph, predicate, value, documents.get(graph), found[winner]):
                history.add(triple)
            replaced += 1
    return replaced


def cleared_aspects(correction: Correction, corrected: Entry, problems: list[Problem]) -> set[tuple]:
    """The aspects `correction` empties on the record `corrected`; a name that is no field of its kind is a located
    problem (the build, the incremental rebuild and the check before sending all say it)."""
    aspects = set()
    for name in correction.clears:
        aspect = cleared_aspect(corrected.kind, name)
        if aspect is not None:
            aspects.add(aspect)
            continue
        record, known = correction.entry.record, sorted(
            n for spec in _own_fields(corrected.kind).values()
            for n in ((spec.name, f"{spec.name}_en") if spec.type == "text" else (spec.name,)))
        problems.append(Problem(
            file=record.file, line=record.line_of("clears"), record=f"source_document {correction.source}",
            field="clears",
            message_fr=f"champ à vider inconnu pour « {corrected.kind.label_fr} » ({corrected.ident}) : « {name} ». "
                       f"Champs possibles : {', '.join(known)}.",
            message_en=f"unknown field to empty for '{corrected.kind.label_en}' ({corrected.ident}): '{name}'. "
                       f"Possible fields: {', '.join(known)}.",
            value=name))
    return aspects
