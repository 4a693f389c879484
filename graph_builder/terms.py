"""RDF terms between rdflib and Oxigraph, each converter remembering the terms it made (IRIs and datatypes repeat a
lot): rdflib holds the curated graphs while they are built and validated, Oxigraph parses, stores and serialises."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


class TermConverter:
    """rdflib terms -> Oxigraph terms, remembering IRIs and datatypes (they repeat a lot)."""

    def __init__(self) -> None:
        self._iris: dict[str, ox.NamedNode] = {}

    def iri(self, value: str) -> ox.NamedNode:
        node = self._iris.get(value)
        if node is None:
            node = self._iris[value] = ox.NamedNode(value)
        return node

    def __call__(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, URIRef):
            return self.iri(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype is not None:
                return ox.Literal(str(term), datatype=self.iri(str(term.datatype)))
            return ox.Literal(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        raise TypeError(f"unexpected RDF term {term!r}")

    def quads(self, triples: Iterable[tuple[Node, Node, Node]], graph: URIRef) -> Iterator[ox.Quad]:
        name = self.iri(str(graph))
        for s, p, o in triples:
            yield ox.Quad(self(s), self(p), self(o), name)  # type: ignore[arg-type]


class RdflibConverter:
    """Oxigraph terms -> rdflib terms, remembering each (IRIs and datatypes repeat a lot)."""

    def __init__(self) -> None:
        self._terms: dict = {}

    def __call__(self, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> Node:
        known = self._terms.get(term)
        if known is not None:
            return known
        if isinstance(term, ox.NamedNode):
            converted: Node = URIRef(term.value)
        elif isinstance(term, ox.Literal):
            if term.language:
                converted = Literal(term.value, lang=term.language)
            elif term.datatype == XSD_STRING:  # rdflib tells "x" from "x"^^xsd:string; RDF 1.1 does not
                converted = Literal(term.value)
            else:
                converted = Literal(term.value, datatype=URIRef(term.datatype.value))
        elif isinstance(term, ox.BlankNode):
            converted = BNode(term.value)
        else:
            raise TypeError(f"unexpected RDF term {term!r}")
        self._terms[term] = converted
        return converted

    def dataset(self, quads: Iterable[ox.Quad]) -> Dataset:
        dataset = Dataset()
        graphs: dict[ox.NamedNode, Graph] = {}
        for quad in quads:
            target = graphs.get(quad.graph_name)  # type: ignore[arg-type]
            if target is None:
                target = graphs[quad.graph_name] = dataset.graph(self(quad.graph_name))  # type: ignore[index]
            target.add((self(quad.subject), self(quad.predicate), self(quad.object)))
        return dataset
