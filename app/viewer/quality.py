"""What the viewer's Qualité et sources page shows: the build's SHACL report, where each fact comes from, the sources.

The report is the one `maillage build` wrote next to the graph
(`validation.json`: each SHACL result already in the records' terms, with
the shape's French and English message); the facts and sources are read
through the query library (`sources_of_entity`, `source_documents`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from app.viewer.model import MLG, Viewer, entity_base, pick, short
from graph_builder.problems import Problem

SEVERITY_ORDER = ("error", "violation", "warning", "info")
SEVERITY_NAMES = {
    "fr": {"error": "Erreurs", "violation": "Non-conformités", "warning": "Avertissements", "info": "Informations"},
    "en": {"error": "Errors", "violation": "Violations", "warning": "Warnings", "info": "Information"},
}
PREFIXES = {MLG: "mlg:", "http://purl.org/dc/terms/": "dcterms:",
            "http://www.w3.org/2000/01/rdf-schema#": "rdfs:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
            "http://www.w3.org/2004/02/skos/core#": "skos:", "https://schema.org/": "schema:",
            "http://www.w3.org/ns/org#": "org:", "http://rdf.insee.fr/def/geo#": "igeo:"}
# Which viewer page shows an entity, by the first segment of its id (`coordination/asv-...`).
PAGES = {"coordination": "coordinations", "experience": "experiences", "territoire": "territoires"}


def compact(iri: str) -> str:
    """`mlg:theme` for a property IRI, `coordination/asv-aix-en-provence` for an entity."""
    for namespace, prefix in PREFIXES.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace):]
    return short(iri)


def page_of(iri: str) -> str:
    """The viewer page (url path) that shows the entity: its own page, else this one (its facts and sources)."""
    return PAGES.get(compact(iri).split("/", 1)[0], "qualite") if iri.startswith(entity_base()) else "qualite"


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


@dataclass
class Fact:
    property: str
    value: str
    documents: dict[str, str] = field(default_factory=dict)  # document IRI -> title
    passage: str | None = None


def facts(viewer: Viewer, iri: str, lang: str = "fr") -> list[Fact]:
    """Each fact (property, value) the graph states about `iri`, with its source documents and passage; a text
    stated in several languages in `lang`, else in the other (the query's `lang`)."""
    rows = viewer.run("sources_of_entity", entity=iri, lang=lang)
    index = {name: i for i, name in enumerate(rows.variables)}
    found: dict[tuple[str, str], Fact] = {}
    for row in rows:
        prop, value, document = row[index["property"]], row[index["value"]], row[index["document"]]
        fact = found.setdefault((str(prop), str(value)), Fact(compact(str(prop)), compact(str(value))))
        if document is not None:
            title = row[index["title"]]
            fact.documents[str(document)] = str(title) if title is not None else compact(str(document))
        passage = row[index["passage"]]
        fact.passage = fact.passage or (str(passage) if passage is not None else None)
    return list(found.values())


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
