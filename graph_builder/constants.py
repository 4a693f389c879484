"""Constants of every stage: the project's paths, its IRIs and namespaces, the external terms the graph may use.

Imported by the build, the query library, the endpoint and the viewer alike, so it imports nothing of the
project and nothing heavier than rdflib's namespaces.

rdflib ships closed namespaces for the W3C vocabularies and schema.org; INSEE's geographic ontology is not
among them, so the terms of it that the project uses are listed here, each checked against INSEE's published
file (http://rdf.insee.fr/def/geo, version 4.0.2). `_fail = True` makes a misspelt term an error.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    FOAF,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SKOS,
    VOID,
    XSD,
    DefinedNamespace,
    Namespace,
)
from rdflib.namespace import ORG as W3C_ORG

# The repository's root: data/, ontology/, shapes/ and queries/ are read from there.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
SHAPES_DIR = PROJECT_ROOT / "shapes"
QUERIES_DIR = PROJECT_ROOT / "queries"

# Where entities are minted by default (`--base` changes it); the concept schemes' IRIs (VOCABULARY_BASE) never
# move with `--base`: they are the vocabularies' own (record_kinds.yaml).
DEFAULT_BASE = "https://w3id.org/maillage/id/"
VOCABULARY_BASE = "https://w3id.org/maillage/id/"
# The ontology: its IRI and its namespace (distinct, as W3C ORG and DCAT do).
ONTOLOGY = URIRef("https://w3id.org/maillage/def/core")
MLG = Namespace("https://w3id.org/maillage/def/core#")


class IGEO(DefinedNamespace):
    """INSEE geographic ontology: the terms this project uses."""

    _NS = Namespace("http://rdf.insee.fr/def/geo#")
    _fail = True

    Commune: URIRef
    CommuneDeleguee: URIRef
    CommuneAssociee: URIRef
    ArrondissementMunicipal: URIRef
    Intercommunalite: URIRef
    Departement: URIRef
    Region: URIRef
    TerritoireFrancais: URIRef
    codeINSEE: URIRef
    nom: URIRef
    subdivisionDirecteDe: URIRef
    subdivisionDe: URIRef
    typeDEPCI: URIRef


class VCARD(DefinedNamespace):
    """W3C vCard ontology: the terms the dataset's description uses (DCAT-AP's contact point)."""

    _NS = Namespace("http://www.w3.org/2006/vcard/ns#")
    _fail = True

    Kind: URIRef
    Organization: URIRef
    fn: URIRef
    hasURL: URIRef


VANN = Namespace("http://purl.org/vocab/vann/")
# Terms of standards newer than rdflib's closed namespaces (DCAT 3's dcat:version).
NEWER_TERMS = {VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri, URIRef("http://www.w3.org/ns/dcat#version")}

# Closed standard namespaces a term of the graph may come from.
STANDARD = (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, PROV, W3C_ORG, DCAT, VOID, SDO, IGEO, FOAF, VCARD)


def is_standard_term(term: URIRef) -> bool:
    """True if `term` is defined by one of the standard vocabularies above."""
    if term in NEWER_TERMS:
        return True
    return any(term in namespace for namespace in STANDARD)
