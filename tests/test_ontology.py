"""The ontology and vocabularies: parse everywhere, fully labelled, every used term defined."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from graph_builder.constants import PROJECT_ROOT, is_standard_term

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
ONTOLOGY_IRI = URIRef("https://w3id.org/maillage/def/core")
MLG = "https://w3id.org/maillage/def/core#"
TURTLE_FILES = sorted(ONTOLOGY_DIR.rglob("*.ttl")) + sorted((PROJECT_ROOT / "shapes").glob("*.ttl"))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "maillage.ttl", format="turtle")


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: p.name)
def test_parses_with_rapper(path: Path):
    """An independent parser (Debian's raptor2-utils) reads every Turtle file."""
    rapper = shutil.which("rapper")
    assert rapper, "rapper not installed: apt-get install raptor2-utils"
    done = subprocess.run([rapper, "-i", "turtle", "-c", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "Parsing returned" in done.stderr and "returned 0 triples" not in done.stderr


@pytest.mark.parametrize("path", TURTLE_FILES, ids=lambda p: p.name)
def test_parses_with_rdflib(path: Path):
    assert len(Graph().parse(path, format="turtle")) > 0


def test_ontology_header(ontology: Graph):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    version = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    info = ontology.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert version is not None and str(version).endswith(str(info))
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(ontology.value(ONTOLOGY_IRI, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"))) == "mlg"
    assert not list(ontology.objects(None, OWL.imports)), "no owl:imports: nothing is fetched at run time"


def _terms(ontology: Graph) -> set[URIRef]:
    return {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(MLG)}


def _one_per_language(graph: Graph, term, predicate) -> bool:
    values = [v for v in graph.objects(term, predicate) if isinstance(v, Literal)]
    return sorted(v.language for v in values) == ["en", "fr"]


def test_every_term_labelled_and_defined_in_french_and_english(ontology: Graph):
    terms = _terms(ontology)
    assert len(terms) > 60
    for term in terms:
        assert _one_per_language(ontology, term, RDFS.label), f"{term}: one rdfs:label per language (fr, en)"
        definitions = {v.language for v in ontology.objects(term, SKOS.definition)} | {
            v.language for v in ontology.objects(term, RDFS.comment)}
        assert {"fr", "en"} <= definitions, f"{term}: definition in fr and en"
        assert ontology.value(term, RDFS.isDefinedBy) == ONTOLOGY_IRI, term


def test_every_concept_labelled_in_french_and_english():
    schemes = Graph()
    for path in sorted((ONTOLOGY_DIR / "vocabularies").glob("*.ttl")):
        schemes.parse(path, format="turtle")
    concepts = set(schemes.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 80
    for concept in concepts:
        assert _one_per_language(schemes, concept, SKOS.prefLabel), concept
        assert {v.language for v in schemes.objects(concept, SKOS.definition)} >= {"fr", "en"}, concept
        assert schemes.value(concept, RDFS.isDefinedBy) == ONTOLOGY_IRI, concept
    for name in ("coordination-type", "mission", "theme", "determinant", "ottawa-axis", "actor-kind", "role",
                 "territory-level"):
        assert (URIRef(f"https://w3id.org/maillage/id/{name}"), RDF.type, SKOS.ConceptScheme) in schemes, name


def test_no_undefined_term_in_the_graph(seed_build, ontology: Graph):
    """Every predicate and class used by the dataset is defined by the ontology or a standard vocabulary."""
    defined = _terms(ontology)
    used = set()
    for graph in seed_build.dataset.graphs():
        for _s, p, o in graph:
            used.add(p)
            if p == RDF.type and isinstance(o, URIRef):
                used.add(o)
    undefined = sorted(t for t in used if t not in defined and not is_standard_term(t))
    assert undefined == [], undefined


def test_classes_of_record_kinds_are_declared(ontology: Graph):
    from graph_builder.kinds import load_schema

    schema = load_schema()
    for kind in schema.kinds.values():
        for cls in kind.classes:
            assert str(cls).startswith(MLG) is False or (cls, RDF.type, OWL.Class) in ontology, cls
        for spec in schema.fields_of(kind).values():
            if spec.predicate is not None and str(spec.predicate).startswith(MLG):
                assert (spec.predicate, RDFS.label, None) in ontology, spec.predicate
            elif spec.predicate is not None:
                assert is_standard_term(spec.predicate), spec.predicate
