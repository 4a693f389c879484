"""Counts of a built dataset: entities per class and triples per named graph."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph_builder.kinds import load_schema

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
# Graphs that describe the model or the dataset itself, not the facts.
NOT_FACTS = ("ontology", "metadata")


@dataclass
class Stats:
    classes: list[tuple[str, int]]
    graphs: list[tuple[str, str, int, int]]  # graph, source title, triples, entities
    total_quads: int

    def to_dict(self) -> dict:
        return {
            "total_quads": self.total_quads,
            "classes": [{"class": c, "count": n} for c, n in self.classes],
            "graphs": [{"graph": g, "source": s, "triples": t, "entities": e} for g, s, t, e in self.graphs],
        }


def load_dataset(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.N_QUADS)
    return store


def _short(graph: ox.NamedNode) -> str:
    return graph.value.split("/graph/", 1)[-1]


def _curie(iri: str, prefixes: dict[str, str]) -> str:
    for prefix, namespace in prefixes.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


def _counts(store: ox.Store, query: str, named_graphs: list[ox.NamedNode] | None = None) -> dict:
    """{first column: count} of an aggregate query, counted by Oxigraph: iterating the referential's 420,000 quads
    in Python took 1.7 s of each build."""
    return {row[0]: int(row[1].value) for row in store.query(query, named_graphs=named_graphs)}


def compute_stats(store: ox.Store, prefixes: dict[str, str] | None = None) -> Stats:
    prefixes = prefixes or {}
    named = sorted(store.named_graphs(), key=lambda g: g.value)
    titles = {}
    for quad in store.quads_for_pattern(None, TITLE, None, None):
        if isinstance(quad.object, ox.Literal) and quad.object.language == "fr":
            titles[quad.subject] = quad.object.value
    metadata = next((g for g in named if _short(g) == "metadata"), None)

    sizes = _counts(store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    entities = _counts(store, f"SELECT ?g (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s {SOURCE} ?o }} "
                              "FILTER isIRI(?s) } GROUP BY ?g")
    graphs = []
    for graph in named:
        size = sizes.get(graph, 0)
        if not size:
            continue
        source = next((q.object for q in store.quads_for_pattern(graph, SOURCE, None, metadata)), None) \
            if metadata is not None else None
        graphs.append((_short(graph), titles.get(source, "") if source else "", size, entities.get(graph, 0)))
    facts = [graph for graph in named if _short(graph) not in NOT_FACTS]
    typed = _counts(store, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s {RDF_TYPE} ?c }} }} GROUP BY ?c",
                    named_graphs=facts) if facts else {}
    counts = Counter({_curie(cls.value, prefixes): n for cls, n in typed.items()})
    classes = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Stats(classes=classes, graphs=graphs, total_quads=sum(g[2] for g in graphs))


def stats_of(dump: Path) -> Stats:
    """The counts of a written dump (TriG or N-Quads), with the project's prefixes."""
    return compute_stats(load_dataset(dump), load_schema().prefixes)
