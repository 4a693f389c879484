"""HTML documentation of the ontology and its SKOS vocabularies, French first.

Read from `ontology/` (local Turtle only, `vocabulary.load_vocabulary`) and
rendered with a Jinja2 template (`html/ontology.html.j2`); the page is
self-contained (inline style, no script, no remote font or stylesheet), so
that generating and reading it fetch nothing.

pyLODE was tried first (docs/endpoint.md): 3.4.x does not import
(its version module reads a pyproject.toml the wheel lacks), 3.5+ needs
Python 3.12, and 3.3.4, which works offline, titles the page in English,
runs the French and English labels together in one heading and drops
accented letters from anchors; hence this small generator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from graph_builder.constants import MLG as MLG_NAMESPACE
from graph_builder.publication.jsonld_context import project_prefixes
from graph_builder.publication.outputs import move_into_place, staged
from graph_builder.vocabulary import load_vocabulary

MLG = str(MLG_NAMESPACE)
VANN = "http://purl.org/vocab/vann/"
PAGE = "index.html"


@dataclass
class Link:
    """A reference to a term: inside the page (anchor) or outside (its IRI), shown as a CURIE."""

    text: str
    href: str


@dataclass
class Text:
    fr: list[str] = field(default_factory=list)
    en: list[str] = field(default_factory=list)


@dataclass
class Term:
    anchor: str
    iri: str
    curie: str
    label: Text
    definition: Text
    scope_note: Text
    example: Text
    kinds: list[str]
    parents: list[Link]
    domain: list[Link]
    range: list[Link]
    inverse: list[Link]
    disjoint: list[Link]  # owl:disjointWith, stated on either class
    see_also: list[Link]
    sources: list[Link]


@dataclass
class Concept:
    anchor: str
    iri: str
    notation: str
    label: Text
    definition: Text
    broader: list[Link]


@dataclass
class Scheme:
    anchor: str
    iri: str
    label: Text
    definition: Text
    concepts: list[Concept]


class _Reader:
    def __init__(self, ontology: Graph, schemes: Graph):
        self.ontology = ontology
        self.schemes = schemes
        self.prefixes = sorted(project_prefixes().items(), key=lambda item: -len(item[1]))

    def curie(self, iri: str) -> str:
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def link(self, node: Node) -> Link:
        iri = str(node)
        if iri.startswith(MLG):
            return Link(self.curie(iri), f"#{iri[len(MLG):]}")
        if (URIRef(iri), RDF.type, SKOS.ConceptScheme) in self.schemes:
            return Link(self.curie(iri), f"#schema-{iri.rstrip('/').rsplit('/', 1)[-1]}")
        return Link(self.curie(iri), iri)

    @staticmethod
    def text(graph: Graph, subject: Node, predicate: URIRef) -> Text:
        found = Text()
        for value in sorted(graph.objects(subject, predicate), key=str):
            language = getattr(value, "language", None)
            (found.en if language == "en" else found.fr).append(str(value))
        return found

    def links(self, graph: Graph, subject: Node, predicate: URIRef) -> list[Link]:
        return [self.link(o) for o in sorted(graph.objects(subject, predicate), key=str) if isinstance(o, URIRef)]

    def term(self, subject: URIRef) -> Term:
        graph = self.ontology
        kinds = [self.curie(str(t)) for t in sorted(graph.objects(subject, RDF.type), key=str)]
        return Term(
            anchor=str(subject)[len(MLG):], iri=str(subject), curie=self.curie(str(subject)),
            label=self.text(graph, subject, RDFS.label), definition=self.text(graph, subject, SKOS.definition),
            scope_note=self.text(graph, subject, SKOS.scopeNote), example=self.text(graph, subject, SKOS.example),
            kinds=kinds,
            parents=self.links(graph, subject, RDFS.subClassOf) + self.links(graph, subject, RDFS.subPropertyOf),
            domain=self.links(graph, subject, RDFS.domain), range=self.links(graph, subject, RDFS.range),
            inverse=self.links(graph, subject, OWL.inverseOf), see_also=self.links(graph, subject, RDFS.seeAlso),
            disjoint=[self.link(c) for c in sorted({*graph.objects(subject, OWL.disjointWith),
                                                    *graph.subjects(OWL.disjointWith, subject)}, key=str)],
            sources=self.links(graph, subject, DCTERMS.source),
        )

    def terms(self, kind: URIRef) -> list[Term]:
        found = [self.term(s) for s in self.ontology.subjects(RDF.type, kind)
                 if isinstance(s, URIRef) and str(s).startswith(MLG)]
        return sorted(found, key=lambda t: (t.label.fr[:1] or [t.anchor])[0].casefold())

    def scheme_list(self) -> list[Scheme]:
        graph = self.schemes
        found = []
        for scheme in sorted(graph.subjects(RDF.type, SKOS.ConceptScheme), key=str):
            name = str(scheme).rstrip("/").rsplit("/", 1)[-1]
            concepts = []
            for concept in sorted(graph.subjects(SKOS.inScheme, scheme), key=str):
                notation = graph.value(concept, SKOS.notation)
                concepts.append(Concept(
                    anchor=f"{name}-{str(concept).rsplit('/', 1)[-1]}", iri=str(concept),
                    notation=str(notation) if notation is not None else "",
                    label=self.text(graph, concept, SKOS.prefLabel), definition=self.text(graph, concept, SKOS.definition),
                    broader=self.links(graph, concept, SKOS.broader)))
            found.append(Scheme(anchor=f"schema-{name}", iri=str(scheme), label=self.text(graph, scheme, SKOS.prefLabel),
                                definition=self.text(graph, scheme, SKOS.definition), concepts=concepts))
        return sorted(found, key=lambda s: (s.label.fr[:1] or [s.iri])[0].casefold())


def render(ontology_dir: Path) -> str:
    """The documentation page of the ontology in `ontology_dir` (raises BuildError if it cannot be read)."""
    vocabulary = load_vocabulary(ontology_dir)
    reader = _Reader(vocabulary.ontology, vocabulary.schemes)
    header = next(iter(vocabulary.ontology.subjects(RDF.type, OWL.Ontology)))
    graph = vocabulary.ontology
    ontology = {
        "iri": str(header),
        "version_iri": str(graph.value(header, OWL.versionIRI) or ""),
        "version": str(graph.value(header, OWL.versionInfo) or ""),
        "title": reader.text(graph, header, DCTERMS.title),
        "description": reader.text(graph, header, DCTERMS.description),
        "creator": reader.text(graph, header, DCTERMS.creator),
        "license": str(graph.value(header, DCTERMS.license) or ""),
        "created": str(graph.value(header, DCTERMS.created) or ""),
        "modified": str(graph.value(header, DCTERMS.modified) or ""),
        "prefix": str(graph.value(header, URIRef(VANN + "preferredNamespacePrefix")) or ""),
        "namespace": str(graph.value(header, URIRef(VANN + "preferredNamespaceUri")) or ""),
        "sources": reader.links(graph, header, DCTERMS.source),
    }
    sections = [
        ("classes", "Classes", "Classes", reader.terms(OWL.Class)),
        ("proprietes-objet", "Propriétés d'objet", "Object properties", reader.terms(OWL.ObjectProperty)),
        ("proprietes-donnees", "Propriétés de données", "Datatype properties", reader.terms(OWL.DatatypeProperty)),
    ]
    environment = Environment(loader=PackageLoader("graph_builder.publication", "html"), autoescape=select_autoescape(["j2"]),
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return environment.get_template("ontology.html.j2").render(
        ontology=ontology, sections=sections, schemes=reader.scheme_list(), prefixes=project_prefixes())


def write_docs(ontology_dir: Path, out_dir: Path) -> list[Path]:
    """Write `out_dir/index.html` atomically; return the paths written."""
    page = render(ontology_dir)
    with staged(out_dir) as staging:
        (staging / PAGE).write_text(page, encoding="utf-8")
        move_into_place(staging, out_dir, [PAGE])
    return [out_dir / PAGE]
