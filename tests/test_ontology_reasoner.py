"""The ontology is in OWL 2 DL and a DL reasoner can use it: HermiT (shipped by owlready2, run on the JDK that
scripts/setup.sh test installs) finds the ontology with the seed data consistent, and finds a planted contradiction.

Each reasoner run starts a JVM: two runs in all (measured: about 3 s each on a quiet 2-core machine, most of it
the JVM and the OWL API parsing). Nothing is fetched: the input has no owl:imports, and owlready2 reads it from
memory."""

from __future__ import annotations

import io

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, URIRef

from graph_builder.constants import PROJECT_ROOT

owlready2 = pytest.importorskip("owlready2")  # the test extra: pip install -e '.[test]'

MLG = "https://w3id.org/maillage/def/core#"
ID = "https://w3id.org/maillage/id/"
# The OWL 2 datatype map (OWL 2 Structural Specification, section 4): the only datatypes a DL reasoner knows; and
# rdf:langString, RDF 1.1's name for language-tagged strings (rdf:PlainLiteral's with a tag), which HermiT accepts
# (the planted-contradiction test runs it without ignoring any datatype).
OWL2_DATATYPES = {str(RDFS.Literal), str(OWL.real), str(OWL.rational), str(RDF.PlainLiteral), str(RDF.XMLLiteral),
                  str(RDF.langString),
                  *(f"{XSD}{name}" for name in (
                      "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int "
                      "short byte unsignedLong unsignedInt unsignedShort unsignedByte double float string "
                      "normalizedString token language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI "
                      "dateTime dateTimeStamp").split())}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(PROJECT_ROOT / "ontology" / "maillage.ttl", format="turtle")


def hermit(graph: Graph, ignore_unsupported_datatypes: bool = False) -> None:
    """Run HermiT on `graph` (classification, as owlready2 does it): OwlReadyInconsistentOntologyError if it is
    inconsistent, OwlReadyJavaError if HermiT refuses it (a datatype outside the OWL 2 map...)."""
    assert not list(graph.objects(None, OWL.imports)), "no owl:imports: a reasoner would fetch them"
    world = owlready2.World()
    world.get_ontology("https://w3id.org/maillage/def/core").load(
        fileobj=io.BytesIO(graph.serialize(format="nt", encoding="utf-8")), format="ntriples", only_local=True)
    owlready2.JAVA_MEMORY = 1000  # MB; the default 2000 is more than the seed needs
    try:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0,
                                       ignore_unsupported_datatypes=ignore_unsupported_datatypes)
    finally:
        world.close()


def test_every_datatype_the_ontology_names_is_in_the_owl2_datatype_map(ontology: Graph):
    """xsd:gYear or xsd:duration as a range put the ontology out of OWL 2 DL: HermiT refused it. Every datatype
    property's range is in the map (rdfs:Literal where the data's values are of another type, checked by SHACL)."""
    ranges = {str(o) for p in ontology.subjects(RDF.type, OWL.DatatypeProperty) for o in ontology.objects(p, RDFS.range)}
    assert ranges and ranges <= OWL2_DATATYPES, sorted(ranges - OWL2_DATATYPES)
    # Annotation values (dcterms:created "2026-11-23"^^xsd:date...) may be of any datatype: no reasoner reads them.


def test_disjointness_keeps_the_domain_s_kinds_apart(ontology: Graph):
    def disjoint(a: str, b: str) -> bool:
        return bool({(URIRef(MLG + a), OWL.disjointWith, URIRef(MLG + b)),
                     (URIRef(MLG + b), OWL.disjointWith, URIRef(MLG + a))} & set(ontology))

    assert disjoint("Actor", "Territory") and disjoint("Coordination", "FieldExperience")
    assert disjoint("Coordination", "Actor") and disjoint("Theme", "Determinant")
    assert not disjoint("SourceDocument", "Resource")  # a published resource can be a source of facts
    for cls in ontology.objects(None, OWL.disjointWith):
        assert (cls, RDF.type, OWL.Class) in ontology or cls == URIRef("http://www.w3.org/2004/02/skos/core#Concept")
    assert not list(ontology.subjects(RDF.type, OWL.AllDisjointClasses))  # its RDF list would be blank nodes


def test_the_ontology_and_the_seed_data_are_consistent(seed_build):
    """The seed as built (ontology, vocabularies, records, the places they cite, the build's description); data
    literals of types outside the OWL 2 map (xsd:gYear, xsd:duration: SHACL checks them) are left to HermiT to
    ignore, the ontology's own axioms name none (test above)."""
    union = Graph()
    for graph in seed_build.dataset.graphs():
        union += graph
    assert len(union) > 3000 and (None, RDF.type, URIRef(MLG + "Actor")) in union
    hermit(union, ignore_unsupported_datatypes=True)


def test_a_resource_typed_both_actor_and_territory_is_found_inconsistent(ontology: Graph):
    """Without ignoring any datatype: HermiT accepts the ontology itself (no UnsupportedDatatypeException) and finds
    the contradiction."""
    planted = Graph() + ontology
    thing = URIRef(f"{ID}acteur/ville-et-commune")
    planted.add((thing, RDF.type, URIRef(MLG + "Actor")))
    planted.add((thing, RDF.type, URIRef(MLG + "Territory")))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        hermit(planted)
