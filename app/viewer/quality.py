"""What the viewer's Qualité et sources page shows: where each fact comes from, the sources, the build's SHACL report.

The facts are for coordinators: each property and value in words (the
ontology's and vocabularies' labels, read by `fact_labels`, and for standard
terms the endpoint's own labels, maillage/endpoint/labels.ttl), a value that
is an entity linked to its page. The report is for curators: the one
`maillage build` wrote next to the graph (`validation.json`: each SHACL
result already in the records' terms, with the shape's French and English
message), grouped under the shapes' names (their `sh:name` in shapes/).
The facts and sources are read through the query library
(`sources_of_entity`, `fact_labels`, `source_documents`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import Literal, URIRef

from app.viewer.model import MLG, Viewer, entity_base, fold, pick, short
from graph_builder.constants import SHAPES_DIR
from graph_builder.problems import Problem
from graph_builder.validation.shacl import SH, load_shapes
from maillage.endpoint.entities import standard_labels

SEVERITY_ORDER = ("error", "violation", "warning", "info")
SEVERITY_NAMES = {
    "fr": {"error": "Erreurs", "violation": "Non-conformités", "warning": "Avertissements", "info": "Informations"},
    "en": {"error": "Errors", "violation": "Violations", "warning": "Warnings", "info": "Information"},
}
PREFIXES = {MLG: "mlg:", "http://purl.org/dc/terms/": "dcterms:",
            "http://www.w3.org/2000/01/rdf-schema#": "rdfs:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
            "http://www.w3.org/2004/02/skos/core#": "skos:", "https://schema.org/": "schema:",
            "http://www.w3.org/ns/org#": "org:", "http://rdf.insee.fr/def/geo#": "igeo:"}
# Which viewer page shows an entity, by the first segment of its id (`coordination/asv-...`), and how many segments
# its id has: `coordination/asv-aix/participation/...` is a part of the coordination, shown here (its own facts).
PAGES = {"coordination": ("coordinations", 2), "experience": ("experiences", 2), "acteur": ("acteurs", 2),
         "territoire": ("territoires", 3)}


def compact(iri: str) -> str:
    """`mlg:theme` for a property IRI, `coordination/asv-aix-en-provence` for an entity."""
    for namespace, prefix in PREFIXES.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace):]
    return short(iri)


def page_of(iri: str) -> str:
    """The viewer page (url path) that shows the entity: its own page, else this one (its facts and sources)."""
    segments = short(iri).split("/") if iri.startswith(entity_base()) else []
    page, length = PAGES.get(segments[0] if segments else "", ("qualite", 0))
    return page if len(segments) == length else "qualite"


def read_report(folder: Path | None) -> list[Problem] | None:
    """The problems the build reported (validation.json of the viewer's `folder`, the build it shows), or None when
    the graph is not a local build."""
    if folder is None:
        return None
    path = Path(folder) / "validation.json"
    if not path.is_file():
        return None
    return [Problem(**item) for item in json.loads(path.read_text(encoding="utf-8"))]


def grouped(problems: list[Problem]) -> list[tuple[str, list[tuple[str, list[Problem]]]]]:
    """[(severity, [(shape, problems)])], the most serious first, shapes by name, problems by place."""
    groups: dict[str, dict[str, list[Problem]]] = defaultdict(lambda: defaultdict(list))
    for problem in problems:
        groups[problem.severity][problem.shape or ""].append(problem)
    def place(problem: Problem) -> tuple:
        return problem.file, problem.line or 0, problem.record or ""

    return [(severity, [(shape, sorted(found, key=place)) for shape, found in sorted(groups[severity].items())])
            for severity in SEVERITY_ORDER if severity in groups]


@cache
def shape_names(lang: str = "fr") -> dict[str, str]:
    """A named shape's local name (what validation.json keeps) -> its `sh:name` in `lang` (shapes/*.ttl: every shape
    has one in French and English), first letter capitalised: a group's title."""
    names = {}
    for shape, name in load_shapes(SHAPES_DIR).subject_objects(SH.name):
        if isinstance(shape, URIRef) and isinstance(name, Literal) and name.language == lang:
            text = str(name)
            names[str(shape).rsplit("#", 1)[-1].rsplit("/", 1)[-1]] = text[:1].upper() + text[1:]
    return names


def shape_title(shape: str, lang: str = "fr") -> str:
    """The shape's name in `lang`, its local name when the shapes do not know it (a build made with other shapes)."""
    return shape_names(lang).get(shape, shape)


@dataclass
class Fact:
    property: str                   # compact: `schema:startDate` (the curators' spelling)
    value: str                      # compact: `coordination/asv-aix-en-provence`, or the text
    documents: dict[str, str] = field(default_factory=dict)  # document IRI -> title
    passage: str | None = None
    property_label: str = ""        # in words: « date de début »
    value_label: str = ""           # in words: « Atelier santé ville », or the text
    value_iri: str | None = None    # the value when it is an IRI (a link to its page)

    @property
    def page(self) -> str | None:
        """The viewer page (url path) that shows the value, when it is one of the graph's entities."""
        return page_of(self.value_iri) if self.value_iri and self.value_iri.startswith(entity_base()) else None


def term_labels(viewer: Viewer, iri: str, lang: str = "fr") -> dict[str, str]:
    """Term IRI -> its label in `lang` (else in the other) for the properties and values of `iri`'s facts: the
    graph's labels (ontology, vocabularies, entities: the best rank's first), else the endpoint's for standard terms
    (labels.ttl)."""
    found: dict[str, str] = {}
    for term, _rank, label, role in viewer.run("fact_labels", entity=iri, lang=lang):  # by term, the best rank first
        found.setdefault(str(term), f"{label} — {role}" if role is not None else str(label))
    return {str(term): label for term, label in standard_labels(lang).items()} | found


def facts(viewer: Viewer, iri: str, lang: str = "fr") -> list[Fact]:
    """Each fact (property, value) the graph states about `iri`, in words, with its source documents and passage; a
    text stated in several languages in `lang`, else in the other (the query's `lang`). Ordered by the property's
    label, then the value's."""
    rows = viewer.run("sources_of_entity", entity=iri, lang=lang)
    labels = term_labels(viewer, iri, lang)
    index = {name: i for i, name in enumerate(rows.variables)}
    found: dict[tuple[str, str], Fact] = {}
    for row in rows:
        prop, value, document = row[index["property"]], row[index["value"]], row[index["document"]]
        key = (str(prop), str(value))
        if key not in found:
            linked = str(value) if isinstance(value, URIRef) else None
            words = (labels.get(linked) or compact(linked)) if linked else str(value)
            found[key] = Fact(compact(str(prop)), compact(str(value)), value_iri=linked, value_label=words,
                              property_label=labels.get(str(prop)) or compact(str(prop)))
        fact = found[key]
        if document is not None:
            title = row[index["title"]]
            fact.documents[str(document)] = str(title) if title is not None else compact(str(document))
        passage = row[index["passage"]]
        fact.passage = fact.passage or (str(passage) if passage is not None else None)
    return sorted(found.values(), key=lambda f: (fold(f.property_label), f.property, fold(f.value_label), f.value))


@dataclass
class Source:
    iri: str
    titles: list = field(default_factory=list)
    types: list = field(default_factory=list)
    publishers: list = field(default_factory=list)
    issued: str | None = None
    urls: list[str] = field(default_factory=list)


def sources(viewer: Viewer, lang: str = "fr") -> list[tuple[Source, str, str, str]]:
    """Every source document: (source, title, type, publisher) in `lang`, in document order."""
    found: dict[str, Source] = {}
    rows = viewer.run("source_documents", lang=lang)
    index = {name: i for i, name in enumerate(rows.variables)}
    for row in rows:  # raw terms: their language tags pick the labels
        source = found.setdefault(str(row[index["document"]]), Source(str(row[index["document"]])))
        for name, values in (("title", source.titles), ("type", source.types), ("publisherLabel", source.publishers)):
            if row[index[name]] is not None and row[index[name]] not in values:
                values.append(row[index[name]])
        for url in str(row[index["urls"]] or "").split():  # one row per document, its addresses joined
            if url not in source.urls:
                source.urls.append(url)
        source.issued = source.issued or (str(row[index["issued"]]) if row[index["issued"]] is not None else None)
    return [(s, pick(s.titles, lang), pick(s.types, lang), pick(s.publishers, lang)) for s in found.values()]
