"""The ontology and the SKOS vocabularies, read from local Turtle files only.

Nothing here fetches anything: `owl:imports` is never followed, and only
Turtle (which has no remote contexts) is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDFS, SKOS, Graph, URIRef

from graph_builder.constants import MLG
from graph_builder.problems import BuildError, Problem
from graph_builder.terms import RdflibConverter

LEVEL_CLASS = URIRef(MLG + "levelClass")


def parse_turtle(path: Path, display_name: str) -> Graph:
    """A Turtle file's triples (its prefixes are not kept: the callers merge triples only).

    Read by Oxigraph's parser, native, then made rdflib terms: rdflib's own parser took 0.13 s of every build and
    validation for the ontology, vocabularies and shapes (5,000 triples), this 0.06 s (the terms made, mostly)."""
    convert = RdflibConverter()
    graph = Graph()
    try:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            graph.add((convert(triple.subject), convert(triple.predicate), convert(triple.object)))
    except (SyntaxError, ValueError) as exc:
        raise BuildError(
            [Problem(display_name, None, None, None, f"Turtle illisible : {exc}", f"unreadable Turtle: {exc}")]
        ) from exc
    return graph


@dataclass
class Vocabulary:
    """Ontology plus concept schemes, with the look-ups the builder needs."""

    ontology: Graph
    schemes: Graph

    def __post_init__(self) -> None:
        self._concepts: dict[URIRef, set[URIRef]] = {}
        for concept, scheme in self.schemes.subject_objects(SKOS.inScheme):
            self._concepts.setdefault(scheme, set()).add(concept)
        self._superclasses: dict[URIRef, set[URIRef]] = {}

    def concepts_of(self, scheme: URIRef) -> set[URIRef]:
        return self._concepts.get(scheme, set())

    def level_class(self, level: URIRef) -> URIRef | None:
        value = self.schemes.value(level, LEVEL_CLASS)
        return value if isinstance(value, URIRef) else None

    def superclasses(self, cls: URIRef) -> set[URIRef]:
        """Named superclasses of a project class (itself included).

        Data is typed explicitly with them so that SHACL `sh:class` and
        simple queries work without any inference.
        """
        if cls not in self._superclasses:
            found = {cls}
            todo = [cls]
            while todo:
                current = todo.pop()
                for parent in self.ontology.objects(current, RDFS.subClassOf):
                    if isinstance(parent, URIRef) and parent not in found and str(parent).startswith(MLG):
                        found.add(parent)
                        todo.append(parent)
            self._superclasses[cls] = found
        return self._superclasses[cls]


def load_vocabulary(ontology_dir: Path) -> Vocabulary:
    """Read `ontology/*.ttl` (the ontology) and `ontology/vocabularies/*.ttl`."""
    ontology = Graph()
    schemes = Graph()
    problems: list[Problem] = []
    for path in sorted(ontology_dir.rglob("*.ttl")):
        display = f"{ontology_dir.name}/{path.relative_to(ontology_dir).as_posix()}"
        target = schemes if "vocabularies" in path.relative_to(ontology_dir).parts else ontology
        try:
            target += parse_turtle(path, display)
        except BuildError as exc:
            problems.extend(exc.problems)
    if problems:
        raise BuildError(problems)
    return Vocabulary(ontology=ontology, schemes=schemes)
