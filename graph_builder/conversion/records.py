"""Step 2 of the data flow: located records -> RDF triples per named graph.

Pure transformation: given the records, the record kinds and the
vocabulary, it returns the triples of each source's named graph, an index
from every minted IRI back to the record that made it, and every problem
found on the way (all of them, not just the first).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from graph_builder.kinds import FieldSpec, KindSpec, Schema
from graph_builder.problems import Problem, Suggestions, did_you_mean
from graph_builder.referential.package import PACKAGE
from graph_builder.referential.territories import OFFICIAL_LEVELS, Places
from graph_builder.sources.located import RawRecord
from graph_builder.vocabulary import Vocabulary

# Fields of a territory record that the official referential already gives.
OFFICIAL_FACTS = frozenset({"name", "parents", "communes"})
DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")
YEAR = re.compile(r"^\d{4}$")
YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER = re.compile(r"^[+-]?\d+$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")  # UTC, to the second


NOT_SLUG = re.compile(r"[^A-Za-z0-9/]+")


def slug(value: Any) -> str:
    """ASCII, lowercase, hyphenated form of a value, for IRIs."""
    text = str(value)
    if not text.isascii():  # most ids already are: skip the normalisation (92,000 calls at national size)
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return NOT_SLUG.sub("-", text).strip("-")


@lru_cache(maxsize=64)
def pattern_fields(pattern: str) -> tuple[str, ...]:
    """The field names of an id pattern such as `{level}/{code}` (parsed once: it is used for every record)."""
    return tuple(re.findall(r"{(\w+)}", pattern))


@dataclass
class Entry:
    """A record placed in the graph: its IRI, kind, sources and parent."""

    record: RawRecord
    kind: KindSpec
    iri: URIRef
    ident: str
    sources: list[str]
    parent: Entry | None = None

    @property
    def label(self) -> str:
        return f"{self.kind.name} {self.ident}"


def graph_names(entry: Entry) -> list[str]:
    """The named graphs a record's triples go to: its sources' (their personal graphs for personal records)."""
    if entry.kind.name == "source_document":
        return ["sources"]
    suffix = "/personal" if entry.kind.personal else ""
    return [f"{source}{suffix}" for source in entry.sources]


@dataclass
class Built:
    """Triples per named graph plus what is needed to explain problems."""

    graphs: dict[str, Graph] = field(default_factory=dict)
    index: dict[URIRef, list[Entry]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    personal_graphs: set[str] = field(default_factory=set)
    source_documents: dict[str, URIRef] = field(default_factory=dict)
    # Ids of the official referential's territories the records cite (`commune/13001`).
    cited_places: set[str] = field(default_factory=set)
    # Where the graphs live: the build's dataset (named graph IRI from the name), else standalone graphs.
    dataset: Dataset | None = None
    graph_iri: Callable[[str], URIRef] | None = None
    # Every placed record in data order (a top-level record, then its nested ones) and the ids that references
    # resolve through: an incremental rebuild compares them with the previous build's.
    entries: list[Entry] = field(default_factory=list)
    by_id: dict[str, list[Entry]] = field(default_factory=dict)

    def graph(self, name: str) -> Graph:
        if name not in self.graphs:
            in_dataset = self.dataset is not None and self.graph_iri is not None
            self.graphs[name] = self.dataset.graph(self.graph_iri(name)) if in_dataset else Graph()  # type: ignore[union-attr,misc]
        return self.graphs[name]


class RecordConverter:
    """Turns located records into triples; collects every problem."""

    def __init__(self, schema: Schema, vocabulary: Vocabulary, base: str, places: Places | None = None,
                 built: Built | None = None):
        self.schema = schema
        self.vocabulary = vocabulary
        self.base = base
        self.places = places
        self.built = built or Built()
        self.by_id: dict[str, list[Entry]] = {}
        self.known: dict[tuple[str, ...], Suggestions] = {}

    def _known_ids(self, kinds: tuple[str, ...]) -> Suggestions:
        """The ids of the records of these kinds, for hints: made once per kinds (pass 2: every record is placed),
        not once per dangling reference."""
        if kinds not in self.known:
            self.known[kinds] = Suggestions(i for i, es in self.by_id.items() if any(e.kind.name in kinds for e in es))
        return self.known[kinds]

    # -- problems ---------------------------------------------------------
    def problem(self, record: RawRecord, entry_label: str | None, fname: str | None, fr: str, en: str,
                value: Any = None) -> None:
        self.built.problems.append(
            Problem(
                file=record.file,
                line=record.line_of(fname),
                record=entry_label,
                field=fname,
                message_fr=fr,
                message_en=en,
                value=None if value is None else str(value),
            )
        )

    # -- pass 1: place every record ----------------------------------------
    def place(self, records: list[RawRecord]) -> list[Entry]:
        entries: list[Entry] = []
        for record in records:
            kind = self.schema.kinds.get(record.kind)
            if kind is None or kind.nested_only:
                known = [k for k, spec in self.schema.kinds.items() if not spec.nested_only]
                suggestion_fr, suggestion_en = did_you_mean(record.kind, known)
                self.problem(
                    record, record.kind, None,
                    f"type d'enregistrement inconnu « {record.kind} ».{suggestion_fr} Types possibles : {', '.join(known)}.",
                    f"unknown record kind '{record.kind}'.{suggestion_en} Known kinds: {', '.join(known)}.",
                )
                continue
            entries.extend(self._place(record, kind, parent=None))
        return entries

    def _ident(self, record: RawRecord, kind: KindSpec) -> str | None:
        pattern = kind.id_from or kind.key or "{id}"
        values = {}
        for name in pattern_fields(pattern):
            value = record.data.get(name)
            if value is None or value == "":
                label = f"{kind.name} ({record.file}:{record.line})"
                self.problem(
                    record, label, name,
                    f"champ obligatoire « {name} » manquant : il sert à identifier l'enregistrement.",
                    f"required field '{name}' is missing: it identifies the record.",
                )
                return None
            if kind.key:
                values[name] = slug(value)
            elif slug(value) != str(value) or (not kind.id_from and "/" in str(value)):
                self.problem(
                    record, f"{kind.name} {value}", name,
                    f"identifiant invalide « {value} » : lettres sans accent, chiffres et tirets seulement "
                    f"(ex. « {slug(value).lower() or 'asv-lyon'} »), car il fait partie de l'adresse (IRI) de l'enregistrement.",
                    f"invalid identifier '{value}': unaccented letters, digits and hyphens only "
                    f"(e.g. '{slug(value).lower() or 'asv-lyon'}'), as it is part of the record's address (IRI).",
                    value=value,
                )
                return None
            else:
                values[name] = str(value)
        return pattern.format(**values)

    def _place(self, record: RawRecord, kind: KindSpec, parent: Entry | None) -> list[Entry]:
        ident = self._ident(record, kind)
        if ident is None:
            return []
        if parent is not None:
            iri = URIRef(f"{parent.iri}/{kind.segment}/{ident}")
        elif kind.concept_scheme:
            iri = self.schema.concept_iri(kind.concept_scheme, ident)
        else:
            base = self.schema.vocabulary_base if kind.vocabulary_namespace else self.base
            iri = URIRef(f"{base}{kind.path}/{ident}")
        sources = self._sources(record, kind, parent)
        entry = Entry(record=record, kind=kind, iri=iri, ident=ident, sources=sources, parent=parent)
        placed = [entry]
        if parent is None or "id" in kind.fields:
            self.by_id.setdefault(ident, []).append(entry)
        for fname, spec in self.schema.fields_of(kind).items():
            if spec.type != "nested" or fname not in record.data:
                continue
            children = record.data[fname]
            children = children if isinstance(children, list) else [children]
            child_kind = self.schema.kinds[spec.kind]
            for child in children:
                if not isinstance(child, RawRecord):
                    self.problem(
                        record, entry.label, fname,
                        f"« {fname} » doit contenir des enregistrements « {child_kind.label_fr} » (champs « nom: valeur »).",
                        f"'{fname}' must hold '{child_kind.label_en}' records (name: value fields).",
                    )
                    continue
                child.kind = child_kind.name
                placed.extend(self._place(child, child_kind, parent=entry))
        return placed

    def _sources(self, record: RawRecord, kind: KindSpec, parent: Entry | None) -> list[str]:
        if kind.name == "source_document":
            return []
        value = record.data.get("source")
        if value is None or value == "" or value == []:
            return list(parent.sources) if parent else []
        values = value if isinstance(value, list) else [value]
        return [str(v) for v in values]

    # -- checks across records ---------------------------------------------
    def check_identity(self, entries: list[Entry]) -> None:
        seen: dict[tuple[URIRef, str | None], Entry] = {}
        for entry in entries:
            for source in entry.sources or [None]:
                key = (entry.iri, source)
                if key in seen and seen[key].parent is None and entry.parent is None:
                    first = seen[key].record
                    self.problem(
                        entry.record, entry.label, "id",
                        f"doublon : « {entry.ident} » est déjà décrit pour la même source ({first.file}:{first.line}). "
                        "Fusionnez les deux enregistrements ou changez l'identifiant.",
                        f"duplicate: '{entry.ident}' is already described for the same source ({first.file}:{first.line}). "
                        "Merge the two records or change the id.",
                    )
                elif key in seen and entry.parent is not None:
                    self.problem(
                        entry.record, entry.label, None,
                        "doublon : deux enregistrements imbriqués ont la même clé ; changez le rang ou l'identifiant.",
                        "duplicate: two nested records share the same key; change the rank or id.",
                    )
                seen[key] = entry
        for ident, found in self.by_id.items():
            kinds = {e.kind.name for e in found}
            if len(kinds) > 1:
                for entry in found[1:]:
                    self.problem(
                        entry.record, entry.label, "id",
                        f"l'identifiant « {ident} » est déjà utilisé par un autre type ({', '.join(sorted(kinds))}) ; "
                        "les identifiants doivent être uniques.",
                        f"id '{ident}' is already used by another kind ({', '.join(sorted(kinds))}); ids must be unique.",
                    )

    # -- pass 2: triples ---------------------------------------------------
    def convert(self, entries: list[Entry], only: list[Entry] | None = None,
                checked: list[Entry] | None = None) -> Built:
        """Index every entry; write the triples of `only` (an incremental rebuild's changed records), else of all.

        `checked`: the entries whose identity is checked against each other, by default all (a proposal's alone,
        when the others are a built data directory's, checked by its build)."""
        self.check_identity(entries if checked is None else checked)
        for entry in entries:
            self.built.index.setdefault(entry.iri, []).append(entry)
        for entry in entries if only is None else only:
            self._convert(entry)
        self.built.entries = entries
        self.built.by_id = self.by_id
        return self.built

    def _graph_names(self, entry: Entry) -> list[str]:
        names = graph_names(entry)
        if entry.kind.personal:
            self.built.personal_graphs.update(names)
        return names

    def _convert(self, entry: Entry) -> None:
        record, kind = entry.record, entry.kind
        triples: list[tuple[URIRef, URIRef, Any]] = []
        subject = entry.iri
        fields = self.schema.fields_of(kind)

        if kind.name == "source_document":
            self.built.source_documents[entry.ident] = subject
        if kind.concept_scheme:
            scheme = self.schema.scheme_iri(kind.concept_scheme)
            if subject not in self.vocabulary.concepts_of(scheme):
                self._unknown_concept(record, entry.label, "id", kind.concept_scheme, entry.ident)

        for cls in kind.classes:
            for type_ in sorted(self.vocabulary.superclasses(cls)):
                triples.append((subject, RDF.type, type_))

        for fname in record.data:
            base_name = fname[:-3] if fname.endswith("_en") else fname
            spec = fields.get(fname) or (fields.get(base_name) if fname.endswith("_en") else None)
            if spec is None or (fname.endswith("_en") and spec.type != "text"):
                hint_fr, hint_en = did_you_mean(fname, list(fields))
                self.problem(
                    record, entry.label, fname,
                    f"champ inconnu « {fname} » pour « {kind.label_fr} ».{hint_fr} Champs possibles : {', '.join(fields)}.",
                    f"unknown field '{fname}' for '{kind.label_en}'.{hint_en} Known fields: {', '.join(fields)}.",
                )

        for fname, spec in fields.items():
            value = record.data.get(fname)
            missing = value is None or value == "" or value == []
            if missing:
                if spec.required and not (fname == "source" and entry.parent is not None):
                    self.problem(
                        record, entry.label, fname,
                        f"champ obligatoire « {fname} » manquant ({spec.doc})",
                        f"required field '{fname}' is missing",
                    )
                continue
            if spec.type == "nested" or spec.predicate is None:
                continue
            values = value if isinstance(value, list) else [value]
            if isinstance(value, list) and not spec.many:
                self.problem(
                    record, entry.label, fname,
                    f"« {fname} » n'accepte qu'une seule valeur, pas une liste.",
                    f"'{fname}' takes a single value, not a list.",
                )
                continue
            for item in values:
                obj = self._value(entry, fname, spec, item)
                if obj is not None:
                    triples.append((subject, spec.predicate, obj))
            english = record.data.get(f"{fname}_en")
            if spec.type == "text" and english:
                for item in english if isinstance(english, list) else [english]:
                    triples.append((subject, spec.predicate, Literal(str(item).strip(), lang="en")))

        if kind.class_from_level:
            level = record.data.get("level")
            level_iri = self.schema.concept_iri("territory-level", str(level)) if level else None
            level_cls = self.vocabulary.level_class(level_iri) if level_iri else None
            if level_cls is not None:
                triples.append((subject, RDF.type, level_cls))
        code = str(record.data.get("code", ""))
        for pattern, cls in kind.class_by_code:
            if re.match(pattern, code):
                triples.append((subject, RDF.type, cls))
        if kind.label_from and record.data.get(kind.label_from):
            triples.append((subject, RDFS.label, Literal(str(record.data[kind.label_from]), lang="fr")))
        if entry.parent is not None:
            if kind.parent_link:
                triples.append((entry.parent.iri, kind.parent_link.predicate, subject))
            if kind.child_link:
                triples.append((subject, kind.child_link.predicate, entry.parent.iri))
            if "source" not in record.data:
                for source in entry.sources:
                    source_iri = self._resolve_source(source)
                    if source_iri is not None:
                        triples.append((subject, DCTERMS.source, source_iri))

        for name in self._graph_names(entry):
            graph = self.built.graph(name)
            for triple in triples:
                graph.add(triple)

    def _resolve_source(self, ident: str) -> URIRef | None:
        found = [e for e in self.by_id.get(ident, []) if e.kind.name == "source_document"]
        return found[0].iri if found else None

    # -- values ------------------------------------------------------------
    def _value(self, entry: Entry, fname: str, spec: FieldSpec, item: Any) -> Any:
        record = entry.record
        bad = self._bad_value(record, entry.label, fname, item)
        t = spec.type
        if t == "text":
            if isinstance(item, dict | list | RawRecord):
                return bad("un texte est attendu", "text expected")
            return Literal(str(item).strip(), lang="fr")
        if t == "string":
            if isinstance(item, bool | int | float):
                return bad(
                    "mettez la valeur entre guillemets (ex. \"06152\") : sans guillemets, YAML la lit comme un "
                    "nombre et perd les zéros initiaux",
                    "quote the value (e.g. \"06152\"): unquoted, YAML reads it as a number and drops leading zeros",
                )
            if not isinstance(item, str):
                return bad("un texte est attendu", "text expected")
            return Literal(item.strip())
        if t == "integer":
            if isinstance(item, bool) or not INTEGER.match(str(item)):
                return bad("un nombre entier est attendu", "an integer is expected")
            return Literal(int(item), datatype=XSD.integer)
        if t == "decimal":
            try:
                if isinstance(item, bool):
                    raise InvalidOperation
                number = Decimal(str(item).replace(",", ".").replace(" ", ""))
            except InvalidOperation:
                return bad("un nombre est attendu (ex. 45 ou 0.5)", "a number is expected (e.g. 45 or 0.5)")
            return Literal(number, datatype=XSD.decimal)
        if t == "boolean":
            if not isinstance(item, bool):
                return bad("« true » ou « false » attendu", "'true' or 'false' expected")
            return Literal(item)
        if t == "url":
            text = str(item)
            if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", text):
                return bad("une adresse web commençant par http:// ou https:// est attendue",
                           "a web address starting with http:// or https:// is expected")
            return URIRef(text)
        if t == "duration":
            if not DURATION.match(str(item)):
                return bad("une durée ISO 8601 est attendue (ex. P3Y pour trois ans)",
                           "an ISO 8601 duration is expected (e.g. P3Y for three years)")
            return Literal(str(item), datatype=XSD.duration)
        if t == "date":
            return self._date(item, bad)
        if t == "datetime":
            text = str(item).strip()
            try:
                if not DATETIME.match(text):
                    raise ValueError(text)
                dt.datetime.fromisoformat(text)
            except ValueError:
                return bad("une date et heure UTC AAAA-MM-JJTHH:MM:SSZ est attendue",
                           "a UTC date and time YYYY-MM-DDTHH:MM:SSZ is expected")
            return Literal(text, datatype=XSD.dateTime)
        if t == "concept":
            return self._concept(record, entry.label, fname, spec, item)
        if t == "ref":
            return self._ref(record, entry.label, fname, spec, item)
        raise AssertionError(f"unhandled field type {t}")

    def _bad_value(self, record: RawRecord, label: str, fname: str, item: Any):
        def bad(fr: str, en: str) -> None:
            self.problem(record, label, fname, f"valeur invalide : {fr}.", f"invalid value: {en}.", value=item)
            return None

        return bad

    @staticmethod
    def _date(item: Any, bad) -> Literal | None:
        if isinstance(item, dt.datetime):
            item = item.date()
        if isinstance(item, dt.date):
            return Literal(item.isoformat(), datatype=XSD.date)
        text = str(item).strip()
        if YEAR.match(text):
            return Literal(text, datatype=XSD.gYear)
        if YEAR_MONTH.match(text):
            return Literal(text, datatype=XSD.gYearMonth)
        if DAY.match(text):
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                return bad("cette date n'existe pas", "this date does not exist")
            return Literal(text, datatype=XSD.date)
        return bad("une date AAAA, AAAA-MM ou AAAA-MM-JJ est attendue",
                   "a date YYYY, YYYY-MM or YYYY-MM-DD is expected")

    def _concept(self, record: RawRecord, label: str, fname: str, spec: FieldSpec, item: Any) -> URIRef | None:
        scheme = self.schema.scheme_iri(spec.scheme or "")
        iri = self.schema.concept_iri(spec.scheme or "", str(item))
        if iri in self.vocabulary.concepts_of(scheme):
            return iri
        self._unknown_concept(record, label, fname, spec.scheme or "", item)
        return None

    def _unknown_concept(self, record: RawRecord, label: str, fname: str, scheme_name: str, item: Any) -> None:
        scheme = self.schema.scheme_iri(scheme_name)
        prefix = f"{scheme}/"
        codes = sorted(str(c)[len(prefix):] for c in self.vocabulary.concepts_of(scheme))
        hint_fr, hint_en = did_you_mean(item, codes)
        self.problem(
            record, label, fname,
            f"concept inconnu « {item} » dans le vocabulaire « {scheme_name} ».{hint_fr} "
            f"Valeurs possibles : {', '.join(codes)}.",
            f"unknown concept '{item}' in vocabulary '{scheme_name}'.{hint_en} Allowed values: {', '.join(codes)}.",
            value=item,
        )

    def _ref(self, record: RawRecord, label: str, fname: str, spec: FieldSpec, item: Any) -> URIRef | None:
        ident = str(item)
        candidates = [e for e in self.by_id.get(ident, []) if e.kind.name in spec.kinds]
        if candidates:
            return candidates[0].iri
        if "territory" in spec.kinds and self.places is not None:
            if ident in self.places:
                self.built.cited_places.add(ident)
                return self.places.iri(ident)
            level, _, code = ident.partition("/")
            if level in OFFICIAL_LEVELS:
                fr, en = self._unknown_place(level, code)
                self.problem(record, label, fname, fr, en, value=item)
                return None
        wanted_fr = ", ".join(self.schema.kinds[k].label_fr for k in spec.kinds)
        wanted_en = ", ".join(self.schema.kinds[k].label_en for k in spec.kinds)
        others = self.by_id.get(ident)
        if others:
            fr = (f"« {ident} » est un(e) {others[0].kind.label_fr}, alors qu'il faut ici : {wanted_fr}.")
            en = f"'{ident}' is a {others[0].kind.label_en}, but this field needs: {wanted_en}."
        else:
            hint_fr, hint_en = did_you_mean(ident, self._known_ids(spec.kinds))
            fr = f"référence introuvable : aucun enregistrement ({wanted_fr}) n'a l'identifiant « {ident} ».{hint_fr}"
            en = f"dangling reference: no record ({wanted_en}) has id '{ident}'.{hint_en}"
        self.problem(record, label, fname, fr, en, value=item)
        return None


    def _unknown_place(self, level: str, code: str, former: bool = False) -> tuple[str, str]:
        """Messages for a territory id absent from the official referential, naming the level it has if any."""
        assert self.places is not None
        others = sorted(f"{other}/{code}" for other in OFFICIAL_LEVELS if f"{other}/{code}" in self.places)
        hint_fr = f" Ce code existe sous : {', '.join(others)}." if others else ""
        hint_en = f" This code exists as: {', '.join(others)}." if others else ""
        advice_fr = ("S'il s'agit d'une ancienne commune, dites-le en note ; sinon vérifiez le code INSEE."
                     if former else "Vérifiez le code INSEE (ou le SIREN d'une intercommunalité).")
        advice_en = ("If it is a former commune, say so in a note; otherwise check the INSEE code."
                     if former else "Check the INSEE code (or an intercommunality's SIREN).")
        version = f"{PACKAGE} {self.places.referential.version}, COG {self.places.referential.vintage}"
        return (
            f"territoire inconnu du référentiel officiel ({version}) : aucun(e) {level} n'a le code « {code} ».{hint_fr} "
            + advice_fr,
            f"territory not in the official referential ({version}): no {level} has code '{code}'.{hint_en} " + advice_en,
        )

    def check_official_territories(self, entries: list[Entry]) -> None:
        """Official territories come from the referential: a record may only add one it lacks (a former commune)."""
        if self.places is None:
            return
        for entry in entries:
            if entry.kind.name != "territory" or entry.parent is not None:
                continue
            level = str(entry.record.data.get("level", ""))
            if level not in OFFICIAL_LEVELS:
                continue
            if entry.ident in self.places:
                # A mention of an official territory by a source: its note, never a second description.
                self.built.cited_places.add(entry.ident)
                for fname in sorted(OFFICIAL_FACTS & set(entry.record.data)):
                    self.problem(
                        entry.record, entry.label, fname,
                        f"« {entry.ident} » est dans le référentiel officiel, avec son nom et ses rattachements : "
                        f"retirez « {fname} » (seuls level, code, source, passage et note s'écrivent ici).",
                        f"'{entry.ident}' is in the official referential, with its name and nesting: remove "
                        f"'{fname}' (only level, code, source, passage and note are written here).",
                    )
            else:
                fr, en = self._unknown_place(level, str(entry.record.data.get("code", "")), former=True)
                self.built.problems.append(Problem(
                    file=entry.record.file, line=entry.record.line_of("code"), record=entry.label, field="code",
                    message_fr=fr, message_en=en, severity="warning",
                ))


def convert_records(records: list[RawRecord], schema: Schema, vocabulary: Vocabulary, base: str,
                    places: Places | None = None, dataset: Dataset | None = None,
                    graph_iri: Callable[[str], URIRef] | None = None) -> Built:
    """Records -> triples per source graph, index and problems.

    With `places` (the official referential), references to territories
    resolve against it as well as against territory records. With `dataset`
    and `graph_iri`, each source's triples go straight into its named graph
    there (at national size, a copy costs seconds and a gigabyte).
    """
    converter = RecordConverter(schema, vocabulary, base, places, Built(dataset=dataset, graph_iri=graph_iri))
    entries = converter.place(records)
    converter.check_official_territories(entries)
    return converter.convert(entries)
