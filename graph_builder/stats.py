"""Counts of a built dataset: entities per class and triples per named graph."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS

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


def load_dataset(path: Path) -> Dataset:
    dataset = Dataset()
    dataset.parse(path, format="trig" if path.suffix == ".trig" else "nquads")
    return dataset


def _short(graph_iri: URIRef) -> str:
    return str(graph_iri).split("/graph/", 1)[-1]


def compute_stats(dataset: Dataset) -> Stats:
    named = sorted((g for g in dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)),
                   key=lambda g: str(g.identifier))
    titles = {}
    for graph in named:
        for doc, title in graph.subject_objects(DCTERMS.title):
            if isinstance(title, Literal) and title.language == "fr":
                titles[doc] = str(title)
    metadata = next((g for g in named if _short(g.identifier) == "metadata"), None)

    graphs = []
    typed: dict[URIRef, set] = {}
    for graph in named:
        short = _short(graph.identifier)
        source = metadata.value(graph.identifier, DCTERMS.source) if metadata is not None else None
        entities = {s for s in graph.subjects(DCTERMS.source) if isinstance(s, URIRef)}
        graphs.append((short, titles.get(source, "") if source else "", len(graph), len(entities)))
        if short in NOT_FACTS:
            continue
        for subject, cls in graph.subject_objects(RDF.type):
            typed.setdefault(cls, set()).add(subject)
    classes = sorted(
        ((dataset.namespace_manager.normalizeUri(c), len(s)) for c, s in typed.items()),
        key=lambda item: (-item[1], item[0]),
    )
    total = sum(len(g) for g in named)
    return Stats(classes=classes, graphs=graphs, total_quads=total)
