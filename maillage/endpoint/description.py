"""What `maillage serve` says of itself: the query catalogue it loads, its VoID, its SPARQL service description.

- The catalogue (library.catalogue_graph, `schema:target` = the endpoint's public URL) is loaded into the
  served store as the named graph `<base>graph/sparql-examples`, with the VoID triples that link it from the
  dataset's description (`<base>dataset`): so its example IRIs resolve under /id/query/... like any entity,
  and it is queried like the rest of the graph.
- `/.well-known/void` is the build's description (`<base>graph/metadata`) with those links and the endpoint.
- `GET /sparql` without a query is a SPARQL 1.1 Service Description (W3C), written here: Oxigraph's own
  names its internal address and federation, which the front refuses.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, VOID

from graph_builder.conversion.metadata import endpoint_root, examples_url
from maillage.library import EXAMPLES_GRAPH, catalogue_graph

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")
# What Oxigraph writes (its own service description, oxigraph 0.5), by the W3C's names of formats.
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "RDF_XML", "N-Quads", "TriG")


def examples_graph(base: str, public_url: str) -> Graph:
    """The catalogue and the VoID triples that link it from the dataset, as loaded into the served store."""
    graph = catalogue_graph(target=public_url, base=base)
    dataset, examples = URIRef(f"{base}dataset"), URIRef(base + EXAMPLES_GRAPH)
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(public_url)))
    graph.add((dataset, VOID.subset, examples))
    graph.add((dataset, RDFS.seeAlso, URIRef(examples_url(public_url))))
    graph.add((examples, RDF.type, VOID.Dataset))
    graph.add((examples, RDF.type, DCAT.Dataset))
    graph.add((examples, DCTERMS.isPartOf, dataset))
    graph.add((examples, DCTERMS.title, Literal("Exemples de requêtes SPARQL (bibliothèque de requêtes)", lang="fr")))
    graph.add((examples, DCTERMS.title, Literal("SPARQL query examples (the query library)", lang="en")))
    graph.add((examples, DCAT.landingPage, URIRef(examples_url(public_url))))
    graph.add((examples, VOID.triples, Literal(len(graph) + 1)))  # this triple included: the named graph's size
    return graph


def as_quads(graph: Graph, name: str) -> list[ox.Quad]:
    """An rdflib graph as Oxigraph quads in the named graph `name` (through N-Triples: no term is rebuilt by hand)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    return [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def service_description(public_url: str, named_graphs: list[str]) -> Graph:
    """The endpoint as a SPARQL 1.1 Service Description: what it reads and writes, its dataset's graphs."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    graph.bind("void", VOID)
    root = endpoint_root(public_url)
    service, dataset, default = URIRef(public_url + "#service"), BNode("dataset"), BNode("default")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(public_url)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for name in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[name]))
    # The default graph is the union of the named graphs, unless the query names its own (FROM).
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.defaultEntailmentRegime, ENTAILMENT))
    graph.add((service, RDFS.label, Literal("Maillage : point d'accès SPARQL (lecture seule)", lang="fr")))
    graph.add((service, RDFS.label, Literal("Maillage: SPARQL endpoint (read-only)", lang="en")))
    graph.add((service, RDFS.seeAlso, URIRef(root + "/.well-known/void")))
    graph.add((service, RDFS.seeAlso, URIRef(examples_url(public_url))))
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    for name in named_graphs:
        node = BNode()
        graph.add((dataset, SD.namedGraph, node))
        graph.add((node, RDF.type, SD.NamedGraph))
        graph.add((node, SD.name, URIRef(name)))
    return graph
