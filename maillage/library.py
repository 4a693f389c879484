"""The query library: `queries/*.rq`, one question per file, read, checked and run on any QueryStore.

Each file starts with a grlc header (`#+ ` lines read as YAML: `summary`,
`description`, `tags`, `method`, `defaults`), plus two keys of this
project that grlc ignores: `summary_en` (the question in English) and
`params` (per parameter: `label` and `label_en`, the field's name in a
form; `description`, `description_en`; and the check its values pass). Parameters follow grlc's names: `?_name_iri` required,
`?__name_iri` optional (left unbound when absent: the pattern then matches
anything), the suffix giving the type (`_iri`, `_integer`, `_xsd_date`...).
A third key, `lists` ({column: separator}), names the cells a GROUP_CONCAT
fills: SPARQL leaves the order of its values to each engine (Virtuoso does
not keep the order of an ordered subquery), so the library sorts them, and a
list reads the same on every engine (docs/engines.md).

Checks (`params: {name: {check: ...}}`):
  commune, departement, region, epci, ept, qpv   an official code of that level (its
        pattern and message come from the SHACL shapes); the IRI is minted
  territoire     `level/code` (`departement/38`) of any of those levels;
        `territoire:commune,epci,ept` of those levels only
  concept:SCHEME a concept of an SKOS scheme of ontology/vocabularies/, by
        code (`sante-mentale`), notation (`4.6`) or IRI
  entity:KIND    an entity id (`asv-aix-en-provence`) under `<base>KIND/`
  iri            any absolute IRI (e.g. the entity whose sources are asked)
  min / max      bounds of an integer
A date (`_xsd_date`) is a day, YYYY-MM-DD, or `today` (the default of `at`: the day the query runs, UTC; the
catalogue publishes the day of SOURCE_DATE_EPOCH when set, so that its text is reproducible).
A value may always be given as the full IRI. Values are bound as RDF terms
(sparql.bind), never pasted into the query.

Every query also takes `lang` (LANGUAGE, built in: never declared in a header),
the language of its labels: `fr` by default or `en`. A query reads it as
`?_lang` and the other language as `?_otherLang`, both bound as plain literals
when the query uses them, and picks one label per entity: the asked language,
else the other (docs/queries.md, "Languages").
"""

from __future__ import annotations

import hashlib
import os
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

# Concept IRIs (VOCABULARY_BASE) never move with --base (record_kinds.yaml).
from graph_builder.constants import DEFAULT_BASE, MLG, PROJECT_ROOT, VOCABULARY_BASE
from graph_builder.conversion.metadata import SPARQL_ENDPOINT
from graph_builder.files import atomic_write, keep_latest, read_header, used
from graph_builder.problems import BilingualError, did_you_mean
from graph_builder.referential.package import default_cache
from maillage.sparql import bind, check_query, checkable, checked_elsewhere, checker_version, term
from maillage.stores import QueryStore, Rows

QUERIES = PROJECT_ROOT / "queries"
VOCABULARIES = PROJECT_ROOT / "ontology" / "vocabularies"
SHAPES = PROJECT_ROOT / "shapes" / "core.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
IGEO_CODE = URIRef("http://rdf.insee.fr/def/geo#codeINSEE")
PARAMETER = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9]*)_(iri|integer|xsd_[A-Za-z]+|[a-z]{2})\b")
ENTITY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LEVELS = ("commune", "departement", "region", "epci", "ept", "qpv")
LANGUAGES = ("fr", "en")  # of the labels (shapes: sh:languageIn ("fr" "en")); the first is the default
LANG_VARIABLE, OTHER_LANG_VARIABLE = "_lang", "_otherLang"
LANG_USE = re.compile(r"\?_(?:lang|otherLang)\b")
# Query files' checks kept in the cache folder, the used last: the library is about 70 texts, and each version of
# the checker (sparql.checker_version) or of a file makes new entries; the old ones are pruned by whoever writes.
KEPT_CHECKED = 1024


class LibraryError(BilingualError, ValueError):
    """Unknown query, unknown or bad parameter: a message in French and in English."""


@dataclass(frozen=True)
class Parameter:
    name: str                 # as users write it: `territory`
    variable: str             # as the query names it, without `?`: `_territory_iri`
    type: str                 # iri, integer, xsd_date, fr...
    required: bool
    default: str | None = None
    check: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    description: dict[str, str] = field(default_factory=dict)
    label: dict[str, str] = field(default_factory=dict)  # a form field's name, e.g. {"fr": "Territoire"}

    def describe(self, lang: str = "fr") -> str:
        return self.description.get(lang) or self.description.get("fr", "")

    def title(self, lang: str = "fr") -> str:
        """The parameter's name for people (its `label` in `lang`, else French, else its name)."""
        return self.label.get(lang) or self.label.get("fr") or self.name


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    summary: dict[str, str]
    description: str
    tags: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    form: str
    lists: tuple[tuple[str, str], ...] = ()  # (column, separator) of the GROUP_CONCAT cells, sorted by `sorted_lists`

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages whose answers differ: both for a query that reads `?_lang`, the first alone otherwise."""
        return LANGUAGES if LANG_USE.search(self.text) else LANGUAGES[:1]

    def parameter(self, name: str) -> Parameter:
        for parameter in (*self.parameters, LANGUAGE):
            if parameter.name == name:
                return parameter
        known = [p.name for p in (*self.parameters, LANGUAGE)]
        hint_fr, hint_en = did_you_mean(name, known)
        raise LibraryError(
            f"Paramètre inconnu pour la requête {self.name} : « {name} ».{hint_fr} "
            f"Paramètres : {', '.join(known) or 'aucun'}.",
            f"Unknown parameter for query {self.name}: '{name}'.{hint_en} Parameters: {', '.join(known) or 'none'}.")

    def bindings(self, values: dict[str, Any] | None = None, base: str = DEFAULT_BASE,
                 today: date | None = None) -> dict[str, Any]:
        """The checked values of the parameters, by query variable: defaults, overridden by `values`; `today`
        (default: the current UTC day) is the day a date parameter's `today` stands for."""
        given = {}
        for name, value in (values or {}).items():
            given[self.parameter(name).name] = value
        bound = {}
        for parameter in self.parameters:
            value = given.get(parameter.name, parameter.default)
            if parameter.type == "xsd_date" and (value is None or str(value).strip() == ""):
                value = parameter.default  # an empty day field means its default (`today`), never « any day »
            if value is None or value == "":
                if parameter.required:
                    raise LibraryError(f"La requête {self.name} demande le paramètre « {parameter.name} » : "
                                       f"{parameter.describe('fr')}",
                                       f"Query {self.name} needs the parameter '{parameter.name}': "
                                       f"{parameter.describe('en')}")
                continue
            bound[parameter.variable] = checked_value(self.name, parameter, value, base, today)
        lang = checked_lang(self.name, given.get(LANGUAGE.name))
        if LANG_USE.search(self.text):  # bound only in the queries that read them
            bound[LANG_VARIABLE], bound[OTHER_LANG_VARIABLE] = lang, other_lang(lang)
        return bound

    def run(self, store: QueryStore, values: dict[str, Any] | None = None, base: str = DEFAULT_BASE) -> Rows:
        """Run on `store` with `values` ({parameter name: value}) checked and bound as RDF terms."""
        rows = store.select(self.text, self.bindings(values, base))
        if not self.lists:
            return rows
        cells = self._cells(rows.variables)
        return Rows(rows.variables, tuple(tuple(
            sorted_literal(term, cells[i]) if i in cells and isinstance(term, Literal) else term
            for i, term in enumerate(row)) for row in rows))

    def values(self, store: QueryStore, values: dict[str, Any] | None = None, base: str = DEFAULT_BASE) -> list[tuple]:
        """`run(...).values()`: the rows as plain Python values, read faster (QueryStore.select_values)."""
        if self.lists:  # small answers: read as terms, their lists sorted
            return self.run(store, values, base).values()
        return store.select_values(self.text, self.bindings(values, base))

    def texts(self, store: QueryStore, values: dict[str, Any] | None = None,
              base: str = DEFAULT_BASE) -> tuple[list[str], list[list[str]]]:
        """The variables and rows of the answer as texts, "" when unbound (QueryStore.select_texts): for long
        answers of names and codes."""
        variables, rows = store.select_texts(self.text, self.bindings(values, base))
        cells = self._cells(variables)
        return variables, [[sorted_list(text, cells[i]) if i in cells else text for i, text in enumerate(row)]
                           for row in rows] if cells else rows

    def _cells(self, variables) -> dict[int, str]:
        """{column index: separator} of the list cells."""
        return {list(variables).index(name): separator for name, separator in self.lists if name in variables}

    def ahead(self, store: QueryStore, values: dict[str, Any] | None = None, base: str = DEFAULT_BASE,
              texts: bool = False) -> None:
        """Start answering the query on `store` in another thread, for a `json` soon (`texts` when `texts`:
        QueryStore.ahead)."""
        store.ahead(self.text, self.bindings(values, base), texts)

    def json(self, store: QueryStore, values: dict[str, Any] | None = None,
             base: str = DEFAULT_BASE) -> tuple[list[str], list[dict]]:
        """The variables and SPARQL JSON bindings of the answer (QueryStore.select_json): language tags kept,
        no rdflib term made."""
        variables, rows = store.select_json(self.text, self.bindings(values, base))
        for name, separator in self.lists:
            for row in rows:
                if name in row and row[name].get("type") in ("literal", "typed-literal"):
                    row[name] = {**row[name], "value": sorted_list(row[name]["value"], separator)}
        return variables, rows


def sorted_list(text: str, separator: str) -> str:
    """The values of a GROUP_CONCAT cell in code-point order (Oxigraph's order of strings)."""
    return separator.join(sorted(text.split(separator))) if text else text


def sorted_literal(term: Literal, separator: str) -> Literal:
    return Literal(sorted_list(str(term), separator), lang=term.language, datatype=term.datatype)


LANGUAGE = Parameter(
    name="lang", variable=LANG_VARIABLE, type="lang", required=False, default=LANGUAGES[0], check="lang",
    description={"fr": "Langue des libellés : fr (par défaut) ou en ; un libellé absent dans cette langue est "
                       "donné dans l'autre.",
                 "en": "Language of the labels: fr (default) or en; a label missing in that language is given "
                       "in the other."})


def other_lang(lang: str) -> str:
    """The language a label falls back to when it is missing in `lang`."""
    return next(other for other in LANGUAGES if other != lang)


def checked_lang(query: str, value: Any) -> str:
    """The language asked (`fr` when none is given), or LibraryError saying which are possible."""
    if value is None or str(value).strip() == "":
        return LANGUAGES[0]
    text = str(value).strip().lower()
    if text not in LANGUAGES:
        raise _bad(query, LANGUAGE, value, f"Langues possibles : {', '.join(LANGUAGES)}.",
                   f"Possible languages: {', '.join(LANGUAGES)}.")
    return text


def read_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header = read_header(text)
    defaults: dict[str, Any] = {}
    for item in header.get("defaults") or []:
        defaults.update(item)
    specs = header.get("params") or {}
    parameters, seen = [], set()
    for match in PARAMETER.finditer(text):
        underscores, name, kind = match.groups()
        if name in seen:
            continue
        seen.add(name)
        spec = specs.get(name) or {}
        parameters.append(Parameter(
            name=name, variable=f"{underscores}{name}_{kind}", type=kind, required=underscores == "_",
            default=None if defaults.get(name) is None else str(defaults[name]), check=spec.get("check"),
            minimum=spec.get("min"), maximum=spec.get("max"),
            description={"fr": spec.get("description", ""), "en": spec.get("description_en", "")},
            label={"fr": str(spec.get("label") or ""), "en": str(spec.get("label_en") or "")}))
    stray = sorted(set(specs) - seen) + sorted(set(defaults) - seen)
    if stray:
        raise LibraryError(f"{path.name} : paramètre(s) décrit(s) mais absent(s) de la requête : {', '.join(stray)}",
                           f"{path.name}: parameter(s) described but not in the query: {', '.join(stray)}")
    return NamedQuery(name=path.stem, path=path, text=text,
                      summary={"fr": header.get("summary", ""), "en": header.get("summary_en", "")},
                      description=" ".join(str(header.get("description", "")).split()),
                      tags=tuple(header.get("tags") or ()), parameters=tuple(parameters), form=_checked_form(text),
                      lists=tuple((str(name), str(separator)) for name, separator in (header.get("lists") or {}).items()))


def _checked_form(text: str) -> str:
    """check_query's answer for a query file's text (`checkable`), kept in the cache folder by the text and the
    checker's version: every process (the viewer, each `maillage` command and server, each test worker) parsed each
    query it read again with rdflib's parser, 0.07 s apiece (4.6 s for the whole library), a visitor's first
    territory page 1.6 s of it. What check_query refuses is never kept: it is refused again, with its message."""
    text = checkable(text)
    path = default_cache() / "checked-queries" / hashlib.sha256(f"{checker_version()}\n{text}".encode()).hexdigest()
    try:
        if checked_elsewhere(text, path.read_text(encoding="ascii")):
            used(path)
            return check_query(text)
    except (OSError, UnicodeDecodeError):
        pass  # never checked with this code, or unreadable: checked below
    form = check_query(text)
    with suppress(OSError):  # a cache that cannot be written only makes the next process parse it again
        atomic_write(path, form.encode("ascii"))
        keep_latest(path.parent.iterdir(), KEPT_CHECKED)
    return form


@cache
def _read_once(path: Path) -> NamedQuery:
    return read_query(path)


@cache
def _library(directory: Path) -> dict[str, NamedQuery]:
    return {path.stem: _read_once(path) for path in sorted(directory.glob("*.rq"))}


def library(directory: Path = QUERIES) -> dict[str, NamedQuery]:
    """Every query of the library (top-level `*.rq` only), by name."""
    return _library(directory.resolve())


def get_query(name: str, directory: Path = QUERIES) -> NamedQuery:
    # Only this query's file is parsed when it exists: the viewer's first page needs 3 of the library's queries,
    # and rdflib's parser takes seconds over all of them.
    path = directory.resolve() / f"{name}.rq"
    if re.fullmatch(r"[a-z0-9_]+", name) and path.is_file():
        return _read_once(path)
    queries = library(directory)
    if name not in queries:
        hint_fr, hint_en = did_you_mean(name, list(queries))
        raise LibraryError(f"Requête inconnue : « {name} ».{hint_fr} « maillage queries » les liste.",
                           f"Unknown query: '{name}'.{hint_en} 'maillage queries' lists them.")
    return queries[name]


def run_query(store: QueryStore, name: str, values: dict[str, Any] | None = None, base: str = DEFAULT_BASE) -> Rows:
    """Run the library's query NAME on `store` with `values` ({parameter: value}), checked and bound."""
    return get_query(name).run(store, values, base)


# -- checks ------------------------------------------------------------------

@cache
def _concepts(scheme: str) -> dict[str, URIRef]:
    """Concepts of a scheme by IRI, code (IRI suffix) and notation."""
    path = VOCABULARIES / f"{scheme}.ttl"
    if not path.is_file():
        raise LibraryError(f"vocabulaire inconnu : {scheme}", f"unknown vocabulary: {scheme}")
    graph = _described(path)
    concepts: dict[str, URIRef] = {}
    for subject, properties in graph.items():
        if VOCABULARY_BASE + scheme not in _values(properties, SKOS.inScheme):
            continue
        concept = URIRef(subject)
        concepts[str(concept)] = concept
        concepts[str(concept).rsplit("/", 1)[1]] = concept
        for notation in _values(properties, SKOS.notation):
            concepts.setdefault(notation, concept)
    return concepts


@cache
def _described(path: Path) -> dict[str, dict[str, list[ox.Term]]]:
    """A Turtle file of the project's (a vocabulary, the shapes) as subject -> predicate -> objects, in the file's
    order; subjects and predicates as text (an IRI, a blank node's `_:label`). Read with Oxigraph's parser: rdflib's took 0.03
    to 0.14 s for the shapes alone, more beside the viewer's warm-up, at a first territory page."""
    described: dict[str, dict[str, list[ox.Term]]] = {}
    for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        described.setdefault(_text(triple.subject), {}).setdefault(triple.predicate.value, []).append(triple.object)
    return described


def _values(properties: dict[str, list[ox.Term]], predicate: URIRef) -> list[str]:
    """The objects of `predicate` as text (an IRI, a literal's lexical form, a blank node's `_:label`)."""
    return [_text(term) for term in properties.get(str(predicate), ())]


def _text(term: ox.Term) -> str:
    return str(term) if isinstance(term, ox.BlankNode) else term.value


@cache
def code_rule(level: str) -> tuple[re.Pattern, str, str]:
    """The pattern of a level's official code and its messages, from the SHACL shape of the level's class."""
    classes = _values(_described(VOCABULARIES / "territory-level.ttl").get(f"{VOCABULARY_BASE}territory-level/{level}", {}),
                      MLG.levelClass)
    shapes = _described(SHAPES)
    for properties in shapes.values():
        if not classes or classes[0] not in _values(properties, SH.targetClass):
            continue
        for prop in _values(properties, SH.property):
            described = shapes.get(prop, {})
            if _values(described, SH.path)[:1] == [str(IGEO_CODE)]:
                messages = {m.language: m.value for m in described.get(str(SH.message), ()) if isinstance(m, ox.Literal)}
                return re.compile(_values(described, SH.pattern)[0]), messages["fr"], messages["en"]
    raise LibraryError(f"pas de motif de code pour le niveau {level}", f"no code pattern for level {level}")


SHOWN_VALUE = 80  # characters of a refused value repeated in its message (a megabyte pasted is not echoed back)


def _bad(query: str, parameter: Parameter, value: Any, why_fr: str, why_en: str) -> LibraryError:
    shown = repr(value) if len(str(value)) <= SHOWN_VALUE else repr(str(value)[:SHOWN_VALUE]) + "…"
    return LibraryError(f"{query} : valeur refusée pour « {parameter.name} » : {shown}. {why_fr}",
                        f"{query}: value refused for '{parameter.name}': {shown}. {why_en}")


def _territory(query: str, parameter: Parameter, level: str, code: str, base: str,
               levels: tuple[str, ...] = LEVELS) -> str:
    if level not in levels:
        raise _bad(query, parameter, f"{level}/{code}", f"Niveaux possibles : {', '.join(levels)}.",
                   f"Possible levels: {', '.join(levels)}.")
    pattern, message_fr, message_en = code_rule(level)
    if not pattern.match(code):
        raise _bad(query, parameter, code, message_fr, message_en)
    return f"{base}territoire/{level}/{code}"


def current_day() -> date:
    """The day a date parameter's `today` stands for when a query runs: the current UTC day."""
    return datetime.now(UTC).date()


def catalogue_day() -> date:
    """The day `today` stands for in the published catalogue: SOURCE_DATE_EPOCH's when set (reproducible
    builds, as the graph's build time), else the current UTC day."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC).date() if epoch.isdigit() else current_day()


TODAY_WORDS = ("today", "aujourd'hui", "aujourd’hui", "aujourdhui")  # the form's French default, typed any way
DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def checked_day(query: str, parameter: Parameter, value: Any, today: date | None = None) -> str:
    """A day as xsd:date's lexical form (YYYY-MM-DD, a real day of the Gregorian calendar), `today` for the
    current day; else LibraryError. A year or a month alone is refused: `at` is a day."""
    text = str(value).strip()
    if text.casefold() in TODAY_WORDS:
        return (today or current_day()).isoformat()
    expected_fr = "Une date AAAA-MM-JJ est attendue (ex. 2010-07-01), ou « today »."
    expected_en = "A date YYYY-MM-DD is expected (e.g. 2010-07-01), or 'today'."
    if not DAY.match(text):
        raise _bad(query, parameter, value, expected_fr, expected_en)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _bad(query, parameter, value, f"Ce jour n'existe pas. {expected_fr}",
                   f"This day does not exist. {expected_en}") from None
    if day.year < 1000:  # xsd:date years have at least 4 digits; earlier days are typing mistakes here
        raise _bad(query, parameter, value, f"Année avant 1000. {expected_fr}", f"Year before 1000. {expected_en}")
    return day.isoformat()


def checked_value(query: str, parameter: Parameter, value: Any, base: str = DEFAULT_BASE,
                  today: date | None = None) -> Any:
    """The value to bind for `parameter`, or LibraryError saying what is expected."""
    text = str(value).strip()
    check = parameter.check or ""
    if parameter.type == "xsd_date":
        return checked_day(query, parameter, value, today)
    if parameter.type == "integer":
        try:
            number = int(text)
        except ValueError:
            raise _bad(query, parameter, value, "Un nombre entier est attendu.", "An integer is expected.") from None
        low, high = parameter.minimum, parameter.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise _bad(query, parameter, value, f"Attendu entre {low} et {high}.", f"Expected between {low} and {high}.")
        return number
    if parameter.type != "iri":
        return text
    if check in LEVELS:
        if text.startswith(f"{base}territoire/{check}/"):
            text = text.rsplit("/", 1)[1]
        return _territory(query, parameter, check, text, base)
    if check == "territoire" or check.startswith("territoire:"):
        levels = tuple(check.split(":", 1)[1].split(",")) if ":" in check else LEVELS
        if text.startswith(f"{base}territoire/"):
            text = text[len(f"{base}territoire/"):]
        level, _, code = text.partition("/")
        if not code:
            among_fr, among_en = ((f" ; niveaux possibles : {', '.join(levels)}", f"; possible levels: {', '.join(levels)}")
                                  if levels != LEVELS else ("", ""))
            raise _bad(query, parameter, value, f"Attendu : niveau/code, ex. departement/38 ou commune/38151{among_fr}.",
                       f"Expected: level/code, e.g. departement/38 or commune/38151{among_en}.")
        return _territory(query, parameter, level, code, base, levels)
    if check.startswith("concept:"):
        scheme = check.split(":", 1)[1]
        concepts = _concepts(scheme)
        if text not in concepts:
            codes = sorted({str(c).rsplit("/", 1)[1] for c in concepts.values()})
            hint_fr, hint_en = did_you_mean(text, codes)
            raise _bad(query, parameter, value, f"Ce n'est pas un concept du vocabulaire {scheme}.{hint_fr} "
                       f"Codes : {', '.join(codes)}.",
                       f"Not a concept of the {scheme} vocabulary.{hint_en} Codes: {', '.join(codes)}.")
        return str(concepts[text])
    if check.startswith("entity:"):
        prefix = f"{base}{check.split(':', 1)[1]}/"
        ident = text[len(prefix):] if text.startswith(prefix) else text
        if not ENTITY_ID.match(ident):
            raise _bad(query, parameter, value, f"Attendu : un identifiant (lettres, chiffres, tirets) ou une IRI {prefix}…",
                       f"Expected: an identifier (letters, digits, hyphens) or an IRI {prefix}…")
        return prefix + ident
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", text):
        raise _bad(query, parameter, value, "Une IRI absolue est attendue (https://…).", "An absolute IRI is expected (https://…).")
    return text


# -- the catalogue as RDF (SIB's sparql-examples) ----------------------------

EXAMPLES_GRAPH = "graph/sparql-examples"  # under the base: the catalogue's named graph in the served store
SCHEMA = Namespace("https://schema.org/")
SPEX = Namespace("https://purl.expasy.org/sparql-examples/ontology#")


def published_text(query: NamedQuery, base: str = DEFAULT_BASE) -> str:
    """The query as the catalogue publishes it: its header left out, its parameters' defaults bound as RDF terms
    (sparql.bind, the library's own binding), so that it runs verbatim and answers its question."""
    return bind(query_body(query.text), query.bindings(base=base, today=catalogue_day()))


def example_iri(name: str, base: str = DEFAULT_BASE) -> URIRef:
    return URIRef(f"{base}query/{name}")


def catalogue_graph(queries: dict[str, NamedQuery] | None = None, target: str | None = None,
                    base: str = DEFAULT_BASE) -> Graph:
    """Each query an `sh:SPARQLSelectExecutable` (SIB's sparql-examples): its question (`rdfs:comment`, fr and en),
    the text with its defaults bound, keywords, `schema:target` (maillage serve's default URL unless given), and
    its parameters as SHACL parameters (`sh:parameter`: the variable, required or not, default, type)."""
    graph = Graph()
    for prefix, namespace in (("sh", SH), ("schema", SCHEMA), ("spex", SPEX), ("rdfs", RDFS), ("xsd", XSD)):
        graph.bind(prefix, namespace)
    endpoint = URIRef(target or SPARQL_ENDPOINT)
    for query in (queries or library()).values():
        node = example_iri(query.name, base)
        graph.add((node, RDF.type, SH.SPARQLExecutable))
        # SHACL has no DESCRIBE executable: sparql-examples names it spex:DescribeSPARQLExecutable / spex:describe.
        kind, text_property = {"DESCRIBE": (SPEX.DescribeSPARQLExecutable, SPEX.describe)}.get(
            query.form, (SH[f"SPARQL{query.form.title()}Executable"], SH[query.form.lower()]))
        graph.add((node, RDF.type, kind))
        graph.add((node, text_property, Literal(published_text(query, base))))
        for lang, question in query.summary.items():
            if question:
                graph.add((node, RDFS.comment, Literal(question, lang=lang)))
                graph.add((node, RDFS.label, Literal(question, lang=lang)))
        if query.description:
            graph.add((node, SCHEMA.description, Literal(query.description, lang="fr")))
        for tag in query.tags:
            graph.add((node, SCHEMA.keywords, Literal(tag, lang="fr")))
        graph.add((node, SCHEMA.target, endpoint))
        defaults = query.bindings(base=base, today=catalogue_day())
        for order, parameter in enumerate(query.parameters):
            graph.add((node, SH.parameter, _parameter_node(graph, node, order, parameter, defaults)))
    return graph


def _parameter_node(graph: Graph, example: URIRef, order: int, parameter: Parameter, defaults: dict) -> URIRef:
    """A parameter as SHACL declares one (`sh:Parameter`, as SHACL-AF's functions do): `sh:path`'s local name is
    the query's variable, `sh:optional`, `sh:defaultValue` (the term bound in the published text)."""
    node = URIRef(f"{example}#{parameter.variable}")
    graph.add((node, RDF.type, SH.Parameter))
    graph.add((node, SH.path, node))
    graph.add((node, SH.name, Literal(parameter.name)))
    graph.add((node, SH.order, Literal(order)))
    graph.add((node, SH.optional, Literal(not parameter.required)))
    for lang, text in parameter.description.items():
        if text:
            graph.add((node, SH.description, Literal(text, lang=lang)))
    if parameter.type == "iri":
        graph.add((node, SH.nodeKind, SH.IRI))
    elif parameter.type == "integer" or parameter.type.startswith("xsd_"):
        graph.add((node, SH.datatype, XSD.integer if parameter.type == "integer" else XSD[parameter.type[4:]]))
    else:  # a language tag (`_fr`)
        graph.add((node, SH.languageIn, Collection(graph, BNode(), [Literal(parameter.type)]).uri))
    if parameter.variable in defaults:
        value = term(parameter.variable, defaults[parameter.variable])
        graph.add((node, SH.defaultValue, URIRef(value.value) if isinstance(value, ox.NamedNode) else Literal(
            value.value, lang=value.language, datatype=None if value.language else URIRef(value.datatype.value))))
    return node


def query_body(text: str) -> str:
    """The query without its `#+ ` header."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("#+")).strip() + "\n"
