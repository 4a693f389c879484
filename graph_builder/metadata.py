"""Step 3b: the dataset's own description (DCAT, VoID, PROV-O).

One `dcat:Dataset` for the whole graph and one for each named graph, each
saying which source document it comes from, when it was built and how many
triples it holds, and whether it contains personal data.
"""

from __future__ import annotations

import datetime as dt

from rdflib import RDF, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, VOID

from .referential import DATA_LICENCE, DATA_LICENCE_IRI, INTEGRITY, PACKAGE, Referential

MLG = Namespace("https://w3id.org/maillage/def/core#")
ONTOLOGY = URIRef("https://w3id.org/maillage/def/core")
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3; rdflib's DCAT namespace predates it
VOCABULARIES = [
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/prov#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/dcat#",
    "https://schema.org/",
    "http://rdf.insee.fr/def/geo#",
    "https://w3id.org/maillage/def/core#",
]


def describe(
    graph_sizes: dict[URIRef, int],
    base: str,
    graph_sources: dict[URIRef, URIRef | None],
    personal: set[URIRef],
    built_at: dt.datetime,
    synthetic: set[URIRef] = frozenset(),  # type: ignore[assignment]
) -> Graph:
    """Description of the dataset and of each of its named graphs (`graph_sizes`: triples per graph)."""
    meta = Graph()
    root = URIRef(f"{base}dataset")
    activity = URIRef(f"{base}dataset/build")
    when = Literal(built_at.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    meta.add((root, RDF.type, DCAT.Dataset))
    meta.add((root, RDF.type, VOID.Dataset))
    meta.add((root, RDF.type, PROV.Entity))
    meta.add((root, DCTERMS.title, Literal("Maillage : graphe de la coordination locale en santé", lang="fr")))
    meta.add((root, DCTERMS.title, Literal("Maillage: knowledge graph of local health coordination", lang="en")))
    meta.add((root, DCTERMS.description, Literal(
        "Dispositifs de coordination locale en santé (ASV, CLS, CLSM, RTPS, CMT), acteurs, territoires, "
        "missions, expériences et plus-values, chaque fait relié à son document source.", lang="fr")))
    meta.add((root, DCTERMS.description, Literal(
        "Local health coordination schemes (ASV, CLS, CLSM, RTPS, CMT), actors, territories, missions, "
        "experiences and added values, each fact linked to its source document.", lang="en")))
    meta.add((root, DCTERMS.license, LICENCE))
    meta.add((root, DCTERMS.conformsTo, ONTOLOGY))
    meta.add((root, DCTERMS.modified, when))
    meta.add((root, PROV.generatedAtTime, when))
    meta.add((root, PROV.wasGeneratedBy, activity))
    meta.add((activity, RDF.type, PROV.Activity))
    meta.add((activity, PROV.endedAtTime, when))
    for vocabulary in VOCABULARIES:
        meta.add((root, VOID.vocabulary, URIRef(vocabulary)))
    total = 0
    for name, source in sorted(graph_sources.items()):
        size = graph_sizes.get(name, 0)
        total += size
        meta.add((root, VOID.subset, name))
        meta.add((name, RDF.type, DCAT.Dataset))
        meta.add((name, RDF.type, VOID.Dataset))
        meta.add((name, RDF.type, PROV.Entity))
        meta.add((name, DCTERMS.isPartOf, root))
        meta.add((name, VOID.triples, Literal(size, datatype=XSD.integer)))
        meta.add((name, PROV.generatedAtTime, when))
        meta.add((name, PROV.wasGeneratedBy, activity))
        meta.add((name, MLG.containsPersonalData, Literal(name in personal)))
        if name in synthetic:
            meta.add((name, MLG.synthetic, Literal(True)))
        if source is not None:
            meta.add((name, DCTERMS.source, source))
            meta.add((name, PROV.wasDerivedFrom, source))
            meta.add((root, DCTERMS.source, source))
    meta.add((root, VOID.triples, Literal(total, datatype=XSD.integer)))
    return meta


def describe_referential(meta: Graph, graph: URIRef, referential: Referential) -> None:
    """Version, licence and vintage of the official referential, on its named graph's description."""
    meta.add((graph, DCTERMS.title, Literal(
        f"Référentiel territorial officiel : Code officiel géographique {referential.vintage} "
        f"({PACKAGE} {referential.version})", lang="fr")))
    meta.add((graph, DCTERMS.title, Literal(
        f"Official territorial referential: Official geographic code {referential.vintage} "
        f"({PACKAGE} {referential.version})", lang="en")))
    meta.add((graph, DCAT_VERSION, Literal(referential.version)))
    meta.add((graph, DCTERMS.valid, Literal(f"{referential.vintage}-01-01", datatype=XSD.date)))
    meta.add((graph, DCTERMS.temporal, Literal(f"millésime {referential.vintage}", lang="fr")))
    meta.add((graph, DCTERMS.license, DATA_LICENCE_IRI))
    meta.add((graph, DCTERMS.rights, Literal(DATA_LICENCE, lang="fr")))
    # A Package URL names the pinned package without naming a host; the integrity is the registry's.
    meta.add((graph, DCTERMS.identifier, Literal(f"pkg:npm/{PACKAGE.replace('@', '%40', 1)}@{referential.version}")))
    meta.add((graph, DCTERMS.identifier, Literal(INTEGRITY)))
