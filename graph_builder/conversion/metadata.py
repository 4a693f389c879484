"""Step 3b: the dataset's own description (DCAT, VoID, PROV-O).

One `dcat:Dataset` for the whole graph and one for each named graph, each
saying which source document it comes from, when it was built and how many
triples it holds, and whether it contains personal data. An export
(`dataset_export.py`) adds what it publishes: VoID counts and class and
property partitions of the exported triples, the vocabularies they use,
the SPARQL endpoint and each dump as a `dcat:Distribution`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, VOID

from graph_builder.constants import MLG, ONTOLOGY
from graph_builder.referential.package import DATA_LICENCE, DATA_LICENCE_IRI, INTEGRITY, PACKAGE, Referential

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
    str(MLG),
]


def describe(
    graph_sizes: dict[URIRef, int],
    base: str,
    graph_sources: dict[URIRef, URIRef | None],
    personal: set[URIRef],
    built_at: dt.datetime,
    synthetic: set[URIRef] = frozenset(),  # type: ignore[assignment]
    total: int | None = None,
) -> Graph:
    """Description of the dataset and of each of its named graphs (`graph_sizes`: triples per graph).

    The dataset's void:triples is `total` when given (distinct triples of the
    union, as an export counts them), else the sum of the graphs' sizes.
    """
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
    given_total, total = total, 0
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
    meta.add((root, VOID.triples, Literal(total if given_total is None else given_total, datatype=XSD.integer)))
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


# -- what a published export holds: VoID counts and partitions, DCAT distributions ------------

SPARQL_ENDPOINT = "http://127.0.0.1:7878/sparql"  # `maillage serve`'s default


def site_root(endpoint: str) -> str:
    """Where `maillage serve`'s other paths live: the endpoint URL without its last segment (`…/sparql`)."""
    return endpoint.rstrip("/").rsplit("/", 1)[0]


def examples_url(endpoint: str) -> str:
    """Where `maillage serve` at `endpoint` serves the query catalogue (SIB's sparql-examples convention)."""
    return site_root(endpoint) + "/.well-known/sparql-examples"
IANA = "https://www.iana.org/assignments/media-types/"
RDF_TYPE = str(RDF.type)


@dataclass
class Contents:
    """Counts of a set of distinct triples, as VoID states them."""

    triples: int = 0
    entities: int = 0  # distinct IRI subjects within the dataset's URI space
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: Counter = field(default_factory=Counter)  # class IRI -> distinct instances
    properties: Counter = field(default_factory=Counter)  # property IRI -> triples

    def vocabularies(self, prefixes: dict[str, str]) -> list[str]:
        """Namespaces of the classes and properties used (a known prefix's, else cut at the last # or /)."""
        known = sorted(prefixes.values(), key=len, reverse=True)
        found = set()
        for term in [*self.classes, *self.properties]:
            namespace = next((n for n in known if term.startswith(n) and len(term) > len(n)), None)
            if namespace is None:
                cut = max(term.rfind("#"), term.rfind("/"))
                namespace = term[: cut + 1]
            found.add(namespace)
        return sorted(found)


def count_contents(triples: Iterable[ox.Triple], uri_space: str) -> Contents:
    """VoID counts of `triples` (each given once)."""
    contents = Contents()
    subjects: set = set()
    objects: set = set()
    instances: dict[str, set] = {}
    for triple in triples:
        contents.triples += 1
        subjects.add(triple.subject)
        objects.add(triple.object)
        predicate = triple.predicate.value
        contents.properties[predicate] += 1
        if predicate == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            instances.setdefault(triple.object.value, set()).add(triple.subject)
    contents.distinct_subjects = len(subjects)
    contents.distinct_objects = len(objects)
    contents.entities = sum(1 for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(uri_space))
    contents.classes = Counter({cls: len(members) for cls, members in instances.items()})
    return contents


@dataclass(frozen=True)
class Distribution:
    """One file of an export: its name, media type, size and what it holds."""

    name: str
    media_type: str
    byte_size: int
    title_fr: str
    title_en: str
    rdf_dump: bool = True


def _curie(iri: str, prefixes: dict[str, str]) -> str:
    for prefix, namespace in sorted(prefixes.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def describe_export(
    meta: Graph,
    root: URIRef,
    contents: Contents,
    prefixes: dict[str, str],
    uri_space: str,
    distributions: list[Distribution],
    download_url: str,
    endpoint: str = SPARQL_ENDPOINT,
    personal: bool = False,
) -> None:
    """Add to `describe`'s description what an export holds: counts, partitions, vocabularies, dumps, endpoint."""
    integer = XSD.integer
    for predicate, value in ((VOID.triples, contents.triples), (VOID.entities, contents.entities),
                             (VOID.classes, len(contents.classes)), (VOID.properties, len(contents.properties)),
                             (VOID.distinctSubjects, contents.distinct_subjects),
                             (VOID.distinctObjects, contents.distinct_objects)):
        meta.set((root, predicate, Literal(value, datatype=integer)))
    meta.set((root, MLG.containsPersonalData, Literal(personal)))
    meta.add((root, VOID.uriSpace, Literal(uri_space)))
    meta.add((root, VOID.sparqlEndpoint, URIRef(endpoint)))
    meta.add((root, RDFS.seeAlso, URIRef(examples_url(endpoint))))  # the query catalogue, served by the endpoint
    meta.remove((root, VOID.vocabulary, None))
    for vocabulary in contents.vocabularies(prefixes):
        meta.add((root, VOID.vocabulary, URIRef(vocabulary)))
    for cls, count in sorted(contents.classes.items()):
        part = URIRef(f"{root}/partition/class/{_curie(cls, prefixes)}")
        meta.add((root, VOID.classPartition, part))
        meta.add((part, VOID["class"], URIRef(cls)))
        meta.add((part, VOID.entities, Literal(count, datatype=integer)))
    for prop, count in sorted(contents.properties.items()):
        part = URIRef(f"{root}/partition/property/{_curie(prop, prefixes)}")
        meta.add((root, VOID.propertyPartition, part))
        meta.add((part, VOID.property, URIRef(prop)))
        meta.add((part, VOID.triples, Literal(count, datatype=integer)))
    for item in distributions:
        node = URIRef(f"{root}/distribution/{item.name}")
        url = URIRef(f"{download_url}{item.name}")
        meta.add((root, DCAT.distribution, node))
        meta.add((node, RDF.type, DCAT.Distribution))
        meta.add((node, DCTERMS.title, Literal(item.title_fr, lang="fr")))
        meta.add((node, DCTERMS.title, Literal(item.title_en, lang="en")))
        meta.add((node, DCAT.downloadURL, url))
        meta.add((node, DCAT.accessURL, url))
        meta.add((node, DCAT.mediaType, URIRef(IANA + item.media_type)))
        meta.add((node, DCAT.byteSize, Literal(item.byte_size, datatype=XSD.nonNegativeInteger)))
        meta.add((node, DCTERMS.license, LICENCE))
        if item.rdf_dump:
            meta.add((root, VOID.dataDump, url))
