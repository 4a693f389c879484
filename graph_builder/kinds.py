"""Record kinds: the contract between curated YAML records and RDF.

`record_kinds.yaml` (beside this module) describes every kind of record:
IRI pattern, classes and, for each field, the property, value type and
cardinality. This module reads it into typed objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from rdflib import URIRef

SCALAR_TYPES = frozenset({"text", "string", "integer", "decimal", "boolean", "url", "duration", "date", "datetime"})
VALUE_TYPES = SCALAR_TYPES | {"concept", "ref", "nested"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    predicate: URIRef | None = None
    required: bool = False
    many: bool = False
    scheme: str | None = None
    kinds: tuple[str, ...] = ()
    kind: str | None = None  # for nested fields
    doc: str = ""


@dataclass(frozen=True)
class Link:
    predicate: URIRef


@dataclass(frozen=True)
class KindSpec:
    name: str
    fields: dict[str, FieldSpec]
    classes: tuple[URIRef, ...]
    label_fr: str
    label_en: str
    file: str | None = None
    path: str | None = None
    id_from: str | None = None
    concept_scheme: str | None = None
    nested_only: bool = False
    segment: str | None = None
    key: str | None = None
    parent_link: Link | None = None
    child_link: Link | None = None
    personal: bool = False
    class_from_level: bool = False
    label_from: str | None = None
    vocabulary_namespace: bool = False
    no_common_fields: bool = False
    # (regular expression on the code, class): extra class of a record whose code matches.
    class_by_code: tuple[tuple[str, URIRef], ...] = ()


@dataclass(frozen=True)
class Schema:
    """All record kinds plus the namespaces they use."""

    kinds: dict[str, KindSpec]
    prefixes: dict[str, str]
    vocabulary_base: str
    common_fields: dict[str, FieldSpec] = field(default_factory=dict)

    def expand(self, curie: str) -> URIRef:
        prefix, _, local = curie.partition(":")
        if prefix not in self.prefixes:
            raise ValueError(f"unknown prefix in {curie!r}")
        return URIRef(self.prefixes[prefix] + local)

    def concept_iri(self, scheme: str, code: str) -> URIRef:
        return URIRef(f"{self.vocabulary_base}{scheme}/{code}")

    def scheme_iri(self, scheme: str) -> URIRef:
        return URIRef(f"{self.vocabulary_base}{scheme}")

    def field_for(self, kind: KindSpec, predicate: URIRef) -> str | None:
        """The field of `kind` written with `predicate`, if any."""
        return next((name for name, spec in self.fields_of(kind).items() if spec.predicate == predicate), None)

    def fields_of(self, kind: KindSpec) -> dict[str, FieldSpec]:
        if kind.nested_only or kind.no_common_fields:
            return kind.fields
        return {**kind.fields, **self.common_fields}


def _field(schema_prefixes: dict[str, str], name: str, raw: dict[str, Any]) -> FieldSpec:
    ftype = raw["type"]
    if ftype not in VALUE_TYPES:
        raise ValueError(f"field {name!r}: unknown type {ftype!r}")
    predicate = None
    if "p" in raw:
        prefix, _, local = raw["p"].partition(":")
        predicate = URIRef(schema_prefixes[prefix] + local)
    return FieldSpec(
        name=name,
        type=ftype,
        predicate=predicate,
        required=bool(raw.get("required", False)),
        many=bool(raw.get("many", False)),
        scheme=raw.get("scheme"),
        kinds=tuple(raw.get("kinds", ())),
        kind=raw.get("kind"),
        doc=raw.get("doc", ""),
    )


def parse_schema(raw: dict[str, Any]) -> Schema:
    prefixes = raw["prefixes"]

    def expand(curie: str) -> URIRef:
        prefix, _, local = curie.partition(":")
        return URIRef(prefixes[prefix] + local)

    def link(entry: dict | None) -> Link | None:
        return Link(expand(entry["p"])) if entry else None

    kinds: dict[str, KindSpec] = {}
    for name, spec in raw["kinds"].items():
        classes = [expand(curie) for curie in spec.get("classes", [])]
        kinds[name] = KindSpec(
            name=name,
            fields={f: _field(prefixes, f, v) for f, v in spec["fields"].items()},
            classes=tuple(classes),
            label_fr=spec["label"]["fr"],
            label_en=spec["label"]["en"],
            file=spec.get("file"),
            path=spec.get("path"),
            id_from=spec.get("id_from"),
            concept_scheme=spec.get("concept_scheme"),
            nested_only=bool(spec.get("nested_only", False)),
            segment=spec.get("segment"),
            key=spec.get("key"),
            parent_link=link(spec.get("parent_link")),
            child_link=link(spec.get("child_link")),
            personal=bool(spec.get("personal", False)),
            class_from_level=bool(spec.get("class_from_level", False)),
            label_from=spec.get("label_from"),
            vocabulary_namespace=bool(spec.get("vocabulary_namespace", False)),
            no_common_fields=bool(spec.get("no_common_fields", False)),
            class_by_code=tuple((pattern, expand(curie)) for pattern, curie in spec.get("class_by_code", {}).items()),
        )
    common = {f: _field(prefixes, f, v) for f, v in raw.get("common_fields", {}).items()}
    return Schema(kinds=kinds, prefixes=prefixes, vocabulary_base=raw["vocabulary_base"], common_fields=common)


@cache
def load_schema() -> Schema:
    """The record kinds shipped with the builder."""
    text = resources.files(__package__).joinpath("record_kinds.yaml").read_text(encoding="utf-8")
    return parse_schema(yaml.safe_load(text))
