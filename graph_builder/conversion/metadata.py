"""Step 3b: the dataset's own description (DCAT-AP 3, VoID, PROV-O).

A `dcat:Catalog` holding one `dcat:Dataset` for the whole graph, whose
subsets are one `dcat:Dataset` for each named graph, each saying (in French
and English) what it holds, which source document it is derived from
(`prov:wasDerivedFrom`: DCAT-AP keeps `dct:source` for datasets, and a
source document is not one), when it was built and how many triples it
holds, and whether it contains personal data. An export
(`publication/export.py`) adds what it publishes: VoID counts and class and
property partitions of the exported triples, the vocabularies they use,
the temporal coverage of its facts, the SPARQL endpoint as a
`dcat:DataService` and each file as a `dcat:Distribution`.

The description follows DCAT-AP 3.0.0 and is checked against its official
SHACL shapes without inference (tests/test_export.py): every value whose
class a DCAT-AP range constraint checks (licence, theme, place, language,
media type, URL...) is typed in the description itself. No blank node: the
build's metadata graph is part of the sorted, reproducible dumps.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDFS, SKOS, VOID

from graph_builder.constants import MLG, ONTOLOGY, VCARD
from graph_builder.referential.package import DATA_LICENCE, DATA_LICENCE_IRI, INTEGRITY, PACKAGE, Referential

LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3; rdflib's DCAT namespace predates it
# The EU Publications Office's authority tables, the controlled vocabularies DCAT-AP names.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
DATA_THEME = URIRef(f"{EU_AUTHORITY}data-theme")
THEMES = {URIRef(f"{DATA_THEME}/HEAL"): ("Santé", "Health"),
          URIRef(f"{DATA_THEME}/SOCI"): ("Population et société", "Population and society")}
FRANCE = URIRef(f"{EU_AUTHORITY}country/FRA")
LANGUAGES = {URIRef(f"{EU_AUTHORITY}language/FRA"): ("français", "French"),
             URIRef(f"{EU_AUTHORITY}language/ENG"): ("anglais", "English")}
LABELS = {  # the project's own resources of the description, French then English
    "catalogue": ("Catalogue de Maillage", "Maillage catalogue"),
    "catalogue-description": (
        "Les jeux de données publiés par le projet Maillage et le service qui permet de les interroger.",
        "The datasets published by the Maillage project and the service to query them."),
    "publisher": ("Projet Maillage", "Maillage project"),
    "licence": ("Creative Commons Attribution 4.0 International (CC BY 4.0)",
                "Creative Commons Attribution 4.0 International (CC BY 4.0)"),
    "themes": ("Thèmes des données (Office des publications de l'Union européenne)",
               "Data themes (Publications Office of the European Union)"),
    "france": ("France", "France"),
}
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


def site_root(base: str) -> str:
    """The public site the entities' base belongs to: `https://w3id.org/maillage/` for the base
    `https://w3id.org/maillage/id/` (`maillage serve` answers entities under /id/ and SPARQL at /sparql)."""
    return base.removesuffix("id/") if base.endswith("/id/") else base


def _bilingual(meta: Graph, subject: URIRef, predicate: URIRef, texts: tuple[str, str]) -> None:
    meta.add((subject, predicate, Literal(texts[0], lang="fr")))
    meta.add((subject, predicate, Literal(texts[1], lang="en")))


def publisher_iri(base: str) -> URIRef:
    return URIRef(f"{base}organisation/maillage")


def contact_iri(base: str) -> URIRef:
    return URIRef(f"{base}organisation/maillage/contact")


def describe_agents(meta: Graph, base: str) -> None:
    """The publisher (a foaf:Agent) and the contact point (a vcard:Kind) of everything Maillage publishes."""
    publisher, contact = publisher_iri(base), contact_iri(base)
    meta.add((publisher, RDF.type, FOAF.Agent))
    meta.add((publisher, RDF.type, FOAF.Organization))
    _bilingual(meta, publisher, FOAF.name, LABELS["publisher"])
    meta.add((contact, RDF.type, VCARD.Kind))
    meta.add((contact, RDF.type, VCARD.Organization))
    _bilingual(meta, contact, VCARD.fn, LABELS["publisher"])
    meta.add((contact, VCARD.hasURL, URIRef(site_root(base))))


def describe_controlled_terms(meta: Graph) -> None:
    """The external terms the description points at, typed and labelled (DCAT-AP's range constraints check their
    class, and a reader needs their names without fetching anything)."""
    meta.add((LICENCE, RDF.type, DCTERMS.LicenseDocument))
    _bilingual(meta, LICENCE, RDFS.label, LABELS["licence"])
    meta.add((DATA_THEME, RDF.type, SKOS.ConceptScheme))
    _bilingual(meta, DATA_THEME, DCTERMS.title, LABELS["themes"])
    for theme, labels in THEMES.items():
        meta.add((theme, RDF.type, SKOS.Concept))
        meta.add((theme, SKOS.inScheme, DATA_THEME))
        _bilingual(meta, theme, SKOS.prefLabel, labels)
    meta.add((FRANCE, RDF.type, DCTERMS.Location))
    _bilingual(meta, FRANCE, SKOS.prefLabel, LABELS["france"])
    for language, labels in LANGUAGES.items():
        meta.add((language, RDF.type, DCTERMS.LinguisticSystem))
        _bilingual(meta, language, SKOS.prefLabel, labels)
    meta.add((ONTOLOGY, RDF.type, DCTERMS.Standard))


def _about(meta: Graph, subject: URIRef, base: str) -> None:
    """What the catalogue and the whole dataset share: publisher, themes, place, languages."""
    meta.add((subject, DCTERMS.publisher, publisher_iri(base)))
    meta.add((subject, DCTERMS.spatial, FRANCE))
    for language in LANGUAGES:
        meta.add((subject, DCTERMS.language, language))


def subset_texts(name: URIRef, base: str, source: URIRef | None, personal: bool) -> tuple[tuple[str, str], tuple[str, str]]:
    """French and English title and description of a named graph, from its name and source document alone (an
    incremental rebuild knows no more, and must describe the graphs as a full build does)."""
    ident = str(name).removeprefix(f"{base}graph/")
    fixed = {
        "ontology": (("Ontologie de Maillage", "Maillage ontology"),
                     ("Les classes et propriétés OWL du graphe (ontology/maillage.ttl).",
                      "The graph's OWL classes and properties (ontology/maillage.ttl).")),
        "vocabularies": (("Vocabulaires SKOS de Maillage", "Maillage SKOS vocabularies"),
                         ("Les schémas de concepts : types de coordination, missions, thèmes, déterminants…",
                          "The concept schemes: coordination types, missions, themes, determinants...")),
        "sources": (("Documents sources", "Source documents"),
                    ("Les documents dont chaque fait du graphe est tiré : titre, éditeur, date, adresse.",
                     "The documents each fact of the graph is taken from: title, publisher, date, address.")),
        "history": (("Historique des corrections", "Correction history"),
                    ("Les valeurs qu'une contribution acceptée a corrigées, chacune avec sa source, la date et la "
                     "correction qui l'a remplacée (déclarations réifiées, PROV-O) : aucune n'est un fait actuel.",
                     "The values an accepted contribution corrected, each with its source, the date and the "
                     "correction that replaced it (reified statements, PROV-O): none is a current fact.")),
    }
    if ident in fixed:
        return fixed[ident]
    document = str(source).rsplit("/", 1)[-1] if source is not None else ident.removesuffix("/personal")
    if personal:
        return ((f"Données personnelles du document source {document}",
                 f"Personal data of source document {document}"),
                (f"Noms et coordonnées de personnes cités par le document source {document} : jamais dans un "
                 "export public.",
                 f"Names and contact details of persons cited by source document {document}: never in a public "
                 "export."))
    return ((f"Faits tirés du document source {document}", f"Facts taken from source document {document}"),
            (f"Les faits que le document source {document} établit, chacun relié à ce document (prov:wasDerivedFrom "
             "donne le document, décrit dans le graphe des sources).",
             f"The facts source document {document} states, each linked to that document (prov:wasDerivedFrom gives "
             "the document, described in the sources graph)."))


def describe(
    graph_sizes: dict[URIRef, int],
    base: str,
    graph_sources: dict[URIRef, URIRef | None],
    personal: set[URIRef],
    built_at: dt.datetime,
    synthetic: set[URIRef] = frozenset(),  # type: ignore[assignment]
    total: int | None = None,
) -> Graph:
    """Description of the catalogue, the dataset and each of its named graphs (`graph_sizes`: triples per graph).

    The dataset's void:triples is `total` when given (distinct triples of the
    union, as an export counts them), else the sum of the graphs' sizes.
    """
    meta = Graph()
    meta.bind("vcard", str(VCARD))
    root = URIRef(f"{base}dataset")
    catalogue = URIRef(f"{base}catalogue")
    activity = URIRef(f"{base}dataset/build")
    when = Literal(built_at.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    describe_agents(meta, base)
    describe_controlled_terms(meta)
    meta.add((catalogue, RDF.type, DCAT.Catalog))
    _bilingual(meta, catalogue, DCTERMS.title, LABELS["catalogue"])
    _bilingual(meta, catalogue, DCTERMS.description, LABELS["catalogue-description"])
    _about(meta, catalogue, base)
    meta.add((catalogue, DCTERMS.license, LICENCE))
    meta.add((catalogue, DCTERMS.modified, when))
    meta.add((catalogue, DCAT.themeTaxonomy, DATA_THEME))
    meta.add((catalogue, DCAT.dataset, root))
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
    _about(meta, root, base)
    meta.add((root, DCAT.contactPoint, contact_iri(base)))
    for theme in THEMES:
        meta.add((root, DCAT.theme, theme))
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
        title, description = subset_texts(name, base, source, name in personal)
        meta.add((root, VOID.subset, name))
        meta.add((name, RDF.type, DCAT.Dataset))
        meta.add((name, RDF.type, VOID.Dataset))
        meta.add((name, RDF.type, PROV.Entity))
        _bilingual(meta, name, DCTERMS.title, title)
        _bilingual(meta, name, DCTERMS.description, description)
        meta.add((name, DCTERMS.publisher, publisher_iri(base)))
        meta.add((name, DCTERMS.isPartOf, root))
        meta.add((name, VOID.triples, Literal(size, datatype=XSD.integer)))
        meta.add((name, PROV.generatedAtTime, when))
        meta.add((name, PROV.wasGeneratedBy, activity))
        meta.add((name, MLG.containsPersonalData, Literal(name in personal)))
        if name in synthetic:
            meta.add((name, MLG.synthetic, Literal(True)))
        if source is not None:
            meta.add((name, PROV.wasDerivedFrom, source))
            meta.add((root, PROV.wasDerivedFrom, source))
    meta.add((root, VOID.triples, Literal(total if given_total is None else given_total, datatype=XSD.integer)))
    return meta


def period_iri(graph: URIRef, vintage: int | str) -> URIRef:
    """The referential's period of validity, named under its graph's IRI (an export copies it with the graph's
    description)."""
    return URIRef(f"{graph}/period/{vintage}")


def describe_period(meta: Graph, period: URIRef, start: dt.date, end: dt.date, labels: tuple[str, str]) -> None:
    """A dct:PeriodOfTime with DCAT's start and end dates (DCAT-AP's temporal coverage)."""
    meta.add((period, RDF.type, DCTERMS.PeriodOfTime))
    meta.add((period, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
    meta.add((period, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
    _bilingual(meta, period, RDFS.label, labels)


def describe_referential(meta: Graph, graph: URIRef, referential: Referential) -> None:
    """Version, licence and vintage of the official referential, on its named graph's description."""
    meta.remove((graph, DCTERMS.title, None))
    meta.remove((graph, DCTERMS.description, None))
    meta.add((graph, DCTERMS.title, Literal(
        f"Référentiel territorial officiel : Code officiel géographique {referential.vintage} "
        f"({PACKAGE} {referential.version})", lang="fr")))
    meta.add((graph, DCTERMS.title, Literal(
        f"Official territorial referential: Official geographic code {referential.vintage} "
        f"({PACKAGE} {referential.version})", lang="en")))
    _bilingual(meta, graph, DCTERMS.description, (
        f"Les communes, intercommunalités, départements et régions du Code officiel géographique "
        f"{referential.vintage} de l'Insee (millésime en vigueur au 1er janvier {referential.vintage}).",
        f"The communes, intercommunal bodies, départements and régions of INSEE's Official geographic code "
        f"{referential.vintage} (the vintage in force on 1 January {referential.vintage})."))
    meta.add((graph, DCAT_VERSION, Literal(referential.version)))
    meta.add((graph, DCTERMS.valid, Literal(f"{referential.vintage}-01-01", datatype=XSD.date)))
    period = period_iri(graph, referential.vintage)
    meta.add((graph, DCTERMS.temporal, period))
    year = int(referential.vintage)
    describe_period(meta, period, dt.date(year, 1, 1), dt.date(year, 12, 31),
                    (f"millésime {referential.vintage}", f"{referential.vintage} vintage"))
    meta.add((graph, DCTERMS.spatial, FRANCE))
    meta.add((graph, DCTERMS.license, DATA_LICENCE_IRI))
    meta.add((DATA_LICENCE_IRI, RDF.type, DCTERMS.LicenseDocument))
    meta.add((DATA_LICENCE_IRI, RDFS.label, Literal(DATA_LICENCE, lang="fr")))
    meta.add((graph, DCTERMS.rights, Literal(DATA_LICENCE, lang="fr")))
    # A Package URL names the pinned package without naming a host; the integrity is the registry's.
    meta.add((graph, DCTERMS.identifier, Literal(f"pkg:npm/{PACKAGE.replace('@', '%40', 1)}@{referential.version}")))
    meta.add((graph, DCTERMS.identifier, Literal(INTEGRITY)))


# -- what a published export holds: VoID counts and partitions, DCAT distributions ------------

SPARQL_ENDPOINT = "http://127.0.0.1:7878/sparql"  # `maillage serve`'s default


def endpoint_root(endpoint: str) -> str:
    """Where `maillage serve`'s other paths live: the endpoint URL without its last segment (`…/sparql`)."""
    return endpoint.rstrip("/").rsplit("/", 1)[0]


def examples_url(endpoint: str) -> str:
    """Where `maillage serve` at `endpoint` serves the query catalogue (SIB's sparql-examples convention)."""
    return endpoint_root(endpoint) + "/.well-known/sparql-examples"
IANA = "https://www.iana.org/assignments/media-types/"
RDF_TYPE = str(RDF.type)
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
XSD_DATES = {str(XSD.date), str(XSD.gYearMonth), str(XSD.gYear)}
DATE_START = re.compile(r"(-?\d{4,})(?:-(\d{2}))?(?:-(\d{2}))?")


def date_bounds(value: str, datatype: str) -> tuple[dt.date, dt.date] | None:
    """First and last day an xsd:date, xsd:gYearMonth or xsd:gYear value covers; None for a value that is not
    one (a timezone is ignored)."""
    match = DATE_START.match(value)
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        if datatype == str(XSD.date) and day is not None:
            first = last = dt.date(int(year), int(month), int(day))
        elif datatype == str(XSD.gYearMonth) and month is not None and day is None:
            first = dt.date(int(year), int(month), 1)
            last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        elif datatype == str(XSD.gYear) and month is None:
            first, last = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
        else:
            return None
    except ValueError:  # year 0 or past 9999, month 13, 30 February...
        return None
    return first, last


@dataclass
class Contents:
    """Counts of a set of distinct triples, as VoID states them."""

    triples: int = 0
    entities: int = 0  # distinct IRI subjects within the dataset's URI space
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: Counter = field(default_factory=Counter)  # class IRI -> distinct instances
    properties: Counter = field(default_factory=Counter)  # property IRI -> triples
    first_date: dt.date | None = None  # first and last day the facts' dates cover (their temporal coverage)
    last_date: dt.date | None = None

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
        elif isinstance(triple.object, ox.Literal) and triple.object.datatype.value in XSD_DATES:
            bounds = date_bounds(triple.object.value, triple.object.datatype.value)
            if bounds is not None:
                contents.first_date = min(bounds[0], contents.first_date or bounds[0])
                contents.last_date = max(bounds[1], contents.last_date or bounds[1])
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
    endpoint: str,
    personal: bool = False,
) -> None:
    """Add to `describe`'s description what an export holds: counts, partitions, vocabularies, temporal coverage,
    files, and the SPARQL endpoint as a dcat:DataService. `uri_space` is the entities' base."""
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
    if contents.first_date is not None and contents.last_date is not None:
        period = URIRef(f"{root}/period/coverage")
        meta.add((root, DCTERMS.temporal, period))
        describe_period(meta, period, contents.first_date, contents.last_date, (
            f"Dates des faits publiés : du {contents.first_date.isoformat()} au {contents.last_date.isoformat()}",
            f"Dates of the published facts: {contents.first_date.isoformat()} to {contents.last_date.isoformat()}"))
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
    service = describe_service(meta, root, uri_space, endpoint)
    for item in distributions:
        node = URIRef(f"{root}/distribution/{item.name}")
        url = URIRef(f"{download_url}{item.name}")
        media_type = URIRef(IANA + item.media_type)
        meta.add((root, DCAT.distribution, node))
        meta.add((node, RDF.type, DCAT.Distribution))
        meta.add((node, DCTERMS.title, Literal(item.title_fr, lang="fr")))
        meta.add((node, DCTERMS.title, Literal(item.title_en, lang="en")))
        meta.add((node, DCAT.downloadURL, url))
        meta.add((node, DCAT.accessURL, url))
        meta.add((url, RDF.type, RDFS.Resource))  # DCAT-AP's range of both (checked as a class, without inference)
        meta.add((node, DCAT.mediaType, media_type))
        meta.add((media_type, RDF.type, DCTERMS.MediaType))
        meta.add((node, DCAT.byteSize, Literal(item.byte_size, datatype=XSD.nonNegativeInteger)))
        meta.add((node, DCTERMS.license, LICENCE))
        if item.rdf_dump:
            meta.add((root, VOID.dataDump, url))
    # The endpoint is also a way to reach the dataset: a distribution whose access service it is.
    node = URIRef(f"{root}/distribution/sparql")
    meta.add((root, DCAT.distribution, node))
    meta.add((node, RDF.type, DCAT.Distribution))
    _bilingual(meta, node, DCTERMS.title, ("Point d'accès SPARQL", "SPARQL endpoint"))
    meta.add((node, DCAT.accessURL, URIRef(endpoint)))
    meta.add((node, DCAT.accessService, service))
    meta.add((node, DCTERMS.license, LICENCE))


def describe_service(meta: Graph, root: URIRef, base: str, endpoint: str) -> URIRef:
    """The SPARQL endpoint serving the dataset, as DCAT-AP's dcat:DataService of the catalogue."""
    service = URIRef(f"{root}/service/sparql")
    url = URIRef(endpoint)
    meta.add((URIRef(f"{base}catalogue"), DCAT.service, service))
    meta.add((service, RDF.type, DCAT.DataService))
    _bilingual(meta, service, DCTERMS.title, ("Point d'accès SPARQL de Maillage", "Maillage SPARQL endpoint"))
    _bilingual(meta, service, DCTERMS.description, (
        "Point d'accès SPARQL 1.1 en lecture seule ; les IRI des entités y sont résolues (maillage serve).",
        "Read-only SPARQL 1.1 endpoint; the entities' IRIs resolve there (maillage serve)."))
    meta.add((service, DCAT.endpointURL, url))
    meta.add((url, RDF.type, RDFS.Resource))
    meta.add((service, DCAT.servesDataset, root))
    meta.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    meta.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    meta.add((service, DCTERMS.publisher, publisher_iri(base)))
    meta.add((service, DCAT.contactPoint, contact_iri(base)))
    meta.add((service, DCTERMS.license, LICENCE))
    for theme in THEMES:
        meta.add((service, DCAT.theme, theme))
    return service
