"""Entity descriptions for the /id/... pages, read through the project's query interface.

The web front reaches the data only through a `stores.QueryStore` (in
`maillage serve`: an EndpointStore on the Oxigraph server behind it), the
same interface as the query library, the CLI and the Python API.

The description of an entity is every triple with its IRI as subject, in all
named graphs but the personal-data ones, with French labels of properties
and values and the source document of each fact's graph
(sparql/entity_description.rq), and what points to it: the triples with its
IRI as object, at most INCOMING_MAX of them, and how many there are (sparql/entity_incoming.rq;
Linked Data's "symmetric" description, « ce qui pointe ici » on the page).
An IRI with no fact of its own is unknown (404), whatever points to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from graph_builder.kinds import load_schema
from graph_builder.publication.jsonld_context import CONTEXT_PATH
from maillage.stores import QueryStore

HERE = Path(__file__).parent
DESCRIPTION_QUERY = HERE / "sparql" / "entity_description.rq"
INCOMING_QUERY = HERE / "sparql" / "entity_incoming.rq"
INCOMING_MAX = 1000  # the query asks one more, to say when the list is cut
STANDARD_LABELS = HERE / "labels.ttl"
# The JSON-LD context shipped in the repository (`maillage context` writes it); when it is
# absent, the context is made of the project's prefixes. Either way it is inlined, never remote.
JSONLD_CONTEXT = CONTEXT_PATH


@dataclass(frozen=True)
class Fact:
    predicate: URIRef
    value: Node
    predicate_label: str | None
    value_label: str | None
    graph: URIRef
    source: URIRef | None
    source_title: str | None


@dataclass(frozen=True)
class Link:
    """A triple pointing to the entity: `subject predicate entity`, in `graph`."""
    subject: Node
    predicate: URIRef
    subject_label: str | None
    predicate_label: str | None
    graph: URIRef


@dataclass
class Entity:
    iri: URIRef
    facts: list[Fact] = field(default_factory=list)
    incoming: list[Link] = field(default_factory=list)
    incoming_total: int = 0  # how many links point here; past INCOMING_MAX only the first are listed
    # `<iri>#…` entities the description links to (an example's parameters): dereferencing `<iri>#x` fetches
    # this document, which must then say what `#x` is.
    parts: list[Entity] = field(default_factory=list)

    def _values(self, predicate: URIRef) -> list[Node]:
        return [f.value for f in self.facts if f.predicate == predicate]

    @property
    def incoming_cut(self) -> bool:
        """More links point here than are listed."""
        return self.incoming_total > len(self.incoming)

    @property
    def label(self) -> str:
        labels = [v for v in self._values(RDFS.label) if isinstance(v, Literal)]
        french = [v for v in labels if v.language == "fr"] or [v for v in labels if not v.language] or labels
        return str(sorted(french)[0]) if french else str(self.iri).rstrip("/").rsplit("/", 1)[-1]

    @property
    def types(self) -> list[Fact]:
        """One fact per type, however many graphs state it."""
        return list({f.value: f for f in self.facts if f.predicate == RDF.type}.values())

    @property
    def sources(self) -> list[tuple[URIRef, str | None]]:
        """The source documents of the facts, once each, in order of appearance."""
        seen: dict[URIRef, str | None] = {}
        for fact in self.facts:
            if fact.source is not None and fact.source not in seen:
                seen[fact.source] = fact.source_title
        return sorted(seen.items())

    def graph(self) -> Graph:
        """The description as one RDF graph, incoming links included (a triple stated in several named graphs
        appears once)."""
        graph = Graph()
        for prefix, namespace in load_schema().prefixes.items():
            graph.bind(prefix, namespace)
        for fact in self.facts:
            graph.add((self.iri, fact.predicate, fact.value))
        for link in self.incoming:
            graph.add((link.subject, link.predicate, self.iri))
        for part in self.parts:
            for fact in part.facts:
                graph.add((part.iri, fact.predicate, fact.value))
        return graph

    def dataset(self) -> Dataset:
        """The description with each triple in the named graph that states it (N-Quads, TriG)."""
        dataset = Dataset()
        for prefix, namespace in load_schema().prefixes.items():
            dataset.bind(prefix, namespace)
        for fact in self.facts:
            dataset.add((self.iri, fact.predicate, fact.value, fact.graph))
        for link in self.incoming:
            dataset.add((link.subject, link.predicate, self.iri, link.graph))
        for part in self.parts:
            for fact in part.facts:
                dataset.add((part.iri, fact.predicate, fact.value, fact.graph))
        return dataset


@cache
def _query(path: Path = DESCRIPTION_QUERY) -> str:
    return path.read_text(encoding="utf-8")


@cache
def standard_labels(lang: str = "fr") -> dict[URIRef, str]:
    """The labels in `lang` of the standard terms the graph uses (labels.ttl; the viewer reads them too)."""
    labels = Graph().parse(STANDARD_LABELS, format="turtle")
    return {s: str(o) for s, o in labels.subject_objects(RDFS.label) if isinstance(o, Literal) and o.language == lang}


def _text(node: Node | None) -> str | None:
    return str(node) if node is not None else None


def describe(store: QueryStore, iri: str, parts: bool = True) -> Entity | None:
    """What the graph says of `iri`, or None when it says nothing (an unknown entity); with `parts`, of the
    `<iri>#…` entities it links to as well."""
    answer = store.select(_query(), {"_entity_iri": iri})
    rows = [dict(zip(answer.variables, row, strict=True)) for row in answer]
    if not rows:
        return None
    labels = standard_labels()
    entity = Entity(URIRef(iri))
    for row in rows:
        predicate = URIRef(str(row["p"]))
        entity.facts.append(Fact(
            predicate=predicate, value=row["o"],  # type: ignore[arg-type]
            predicate_label=_text(row.get("pLabel")) or labels.get(predicate),
            value_label=_text(row.get("oLabel")) or labels.get(row["o"]),  # type: ignore[arg-type]
            graph=URIRef(str(row["graph"])),
            source=URIRef(str(row["source"])) if row.get("source") is not None else None,
            source_title=_text(row.get("sourceTitle"))))
    incoming = store.select(_query(INCOMING_QUERY), {"_entity_iri": iri})
    for values in incoming:
        row = dict(zip(incoming.variables, values, strict=True))
        predicate = URIRef(str(row["p"]))
        entity.incoming.append(Link(
            subject=row["s"], predicate=predicate,  # type: ignore[arg-type]
            subject_label=_text(row.get("sLabel")), predicate_label=_text(row.get("pLabel")) or labels.get(predicate),
            graph=URIRef(str(row["graph"]))))
        entity.incoming_total = int(row["total"].toPython())  # type: ignore[union-attr]
    del entity.incoming[INCOMING_MAX:]
    if parts:
        hashed = sorted({f.value for f in entity.facts if isinstance(f.value, URIRef) and f.value.startswith(iri + "#")})
        entity.parts = [part for part in (describe(store, str(v), parts=False) for v in hashed) if part is not None]
    return entity


@cache
def jsonld_context() -> dict:
    """The context object inlined in every JSON-LD answer."""
    if JSONLD_CONTEXT.is_file():
        return json.loads(JSONLD_CONTEXT.read_text(encoding="utf-8"))["@context"]
    return dict(load_schema().prefixes)
