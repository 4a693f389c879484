"""Closed lists of the external terms the graph may use.

rdflib ships closed namespaces for the W3C vocabularies and schema.org;
INSEE's geographic ontology is not among them, so the terms of it that the
project uses are listed here, each checked against INSEE's published file
(http://rdf.insee.fr/def/geo, version 4.0.2). `_fail = True` makes a
misspelt term an error.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
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


VANN = Namespace("http://purl.org/vocab/vann/")
# Terms of standards newer than rdflib's closed namespaces (DCAT 3's dcat:version).
NEWER_TERMS = {VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri, URIRef("http://www.w3.org/ns/dcat#version")}

# Closed standard namespaces a term of the graph may come from.
STANDARD = (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, PROV, W3C_ORG, DCAT, VOID, SDO, IGEO)


def is_standard_term(term: URIRef) -> bool:
    """True if `term` is defined by one of the standard vocabularies above."""
    if term in NEWER_TERMS:
        return True
    return any(term in namespace for namespace in STANDARD)
