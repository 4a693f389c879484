"""One query interface over interchangeable stores: Oxigraph (embedded), rdflib (in memory), any SPARQL endpoint.

Every backend answers the same calls (`select`, `ask`, `construct`,
`describe`) with the same values, so that a query gives the same rows on a
laptop's embedded store and on a remote triple store:

- terms come back as rdflib terms (`URIRef`, `Literal`, `BNode`), normalised:
  a simple literal has no datatype (RDF 1.1's xsd:string is the same
  literal), language tags are lower case, numbers and booleans in their
  canonical form (Oxigraph writes the decimal 54.0 as "54", rdflib keeps
  "54.0"), blank nodes renamed b0, b1... in the order they appear;
- rows keep the order of the query's ORDER BY (library queries order
  completely); CONSTRUCT triples are sorted;
- queries read the union of the named graphs (every graph of a build holds
  facts of one source): `use_default_graph_as_union` on Oxigraph, a
  default-union `Dataset` on rdflib; an endpoint must be configured so
  (Oxigraph server: `--union-default-graph`; Fuseki: `tdb2:unionDefaultGraph
  true`; Virtuoso: its own graphs made private, docs/engines.md). The union
  is a set on rdflib but a multiset on Oxigraph (a triple stated by two
  sources comes twice): queries that must agree use DISTINCT.

Every query goes through `sparql.check_query` first: updates and SERVICE are
refused whatever the backend. Parameters are bound as RDF terms
(`sparql.bind`), never pasted into the text.

The embedded default is Oxigraph: measured on the whole library, it answers
at national size where rdflib's memory store takes seconds to minutes
(docs/performance/queries.md).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import ssl
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib import Graph as RdflibGraph
from rdflib.term import Node

from graph_builder.problems import BilingualError
from graph_builder.publication.generations import resolve
from maillage.sparql import bind, check_query, checkable, parse_read_query

Term = URIRef | Literal | BNode
Triple = tuple[Term, Term, Term]

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + name for name in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                                    "nonPositiveInteger", "negativeInteger", "unsignedInt", "unsignedLong",
                                    "unsignedShort", "unsignedByte")}
DUMP_NAMES = ("maillage.nq", "maillage.trig")  # what `maillage build` writes, in order of preference
FORMATS = {".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG, ".ttl": ox.RdfFormat.TURTLE,
           ".nt": ox.RdfFormat.N_TRIPLES}


class StoreError(BilingualError):
    """A store cannot be opened or queried (missing dump, unreachable endpoint...)."""


# -- normalised terms --------------------------------------------------------

def _canonical(lexical: str, datatype: str) -> str:
    """The canonical lexical form of a number or boolean (others unchanged)."""
    try:
        if datatype in INTEGERS:
            return str(int(lexical))
        if datatype == XSD + "decimal":
            text = format(Decimal(lexical).normalize(), "f")
            return "0" if text in ("-0", "0") else text
        if datatype in (XSD + "double", XSD + "float"):
            return repr(float(lexical))
        if datatype == XSD + "boolean":
            return "true" if lexical.strip() in ("true", "1") else "false"
    except (ValueError, InvalidOperation):
        pass  # an ill-typed literal stays as written
    return lexical


def literal(lexical: str, datatype: str | None = None, language: str | None = None) -> Literal:
    """A normalised literal (see the module's docstring)."""
    if language:
        return Literal(lexical, lang=language.lower())
    if datatype is None or datatype == XSD + "string":
        return Literal(lexical)
    return Literal(_canonical(lexical, datatype), datatype=URIRef(datatype), normalize=False)


# Literals repeat too (labels, codes, booleans): made once each, like IRIs.
_literal = lru_cache(maxsize=1 << 18)(literal)


class _Namer:
    """Blank nodes renamed b0, b1... by first appearance: engines name them at random."""

    def __init__(self) -> None:
        self.names: dict[str, BNode] = {}

    def __call__(self, label: str) -> BNode:
        node = self.names.get(label)
        if node is None:
            node = self.names[label] = BNode(f"b{len(self.names)}")
        return node


@lru_cache(maxsize=1 << 18)
def _iri(value: str) -> URIRef:
    """An IRI term, made once: a national result repeats the same IRIs (properties, concepts,
    territories) hundreds of thousands of times, and rdflib checks each IRI it makes (measured: a third
    of the time of reading a 220,000-row result)."""
    return URIRef(value)


def _from_oxigraph(node, blank: _Namer) -> Term | None:
    if node is None:
        return None
    if isinstance(node, ox.NamedNode):
        return _iri(node.value)
    if isinstance(node, ox.Literal):
        return _literal(node.value, node.datatype.value, node.language)
    if isinstance(node, ox.BlankNode):
        return blank(node.value)
    raise TypeError(f"unexpected term {node!r}")  # RDF-star triples: not in this graph


def _plain_json(value: dict | None, blank: _Namer) -> Any:
    """plain(_from_json(value)), without making the rdflib term for IRIs and texts (the most of an answer)."""
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri" or (kind == "literal" and value.get("datatype", XSD + "string") == XSD + "string"):
        return value["value"]  # an IRI, a text with or without a language
    return plain(_from_json(value, blank))


def _from_rdflib(node: Node | None, blank: _Namer) -> Term | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return URIRef(str(node))
    if isinstance(node, Literal):
        return literal(str(node), str(node.datatype) if node.datatype else None, node.language)
    if isinstance(node, BNode):
        return blank(str(node))
    raise TypeError(f"unexpected term {node!r}")


def _from_json(value: dict | None, blank: _Namer) -> Term | None:
    """A term of the SPARQL 1.1 Query Results JSON format."""
    if value is None:
        return None
    kind = value["type"]
    if kind == "uri":
        return _iri(value["value"])
    if kind in ("literal", "typed-literal"):
        return _literal(value["value"], value.get("datatype"), value.get("xml:lang"))
    if kind == "bnode":
        return blank(value["value"])
    raise ValueError(f"unexpected term type {kind!r}")


def plain(node: Term | None) -> Any:
    """A term as a plain Python value: IRI and text as str, numbers, booleans, dates; None if unbound."""
    if node is None:
        return None
    if isinstance(node, Literal):
        value = node.toPython()
        return str(node) if isinstance(value, Literal) else value
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


# -- results -----------------------------------------------------------------

@dataclass(frozen=True)
class Rows(Sequence):
    """The answer to a SELECT: variables in the query's order, rows of normalised terms (None when unbound)."""

    variables: tuple[str, ...]
    terms: tuple[tuple[Term | None, ...], ...]

    def __len__(self) -> int:
        return len(self.terms)

    def __getitem__(self, index):
        return self.terms[index]

    def __iter__(self) -> Iterator[tuple[Term | None, ...]]:
        return iter(self.terms)

    def values(self) -> list[tuple]:
        """Rows of plain Python values (see `plain`)."""
        return [tuple(plain(t) for t in row) for row in self.terms]

    def dicts(self) -> list[dict[str, Any]]:
        """Rows as {variable: plain value}."""
        return [dict(zip(self.variables, row, strict=True)) for row in self.values()]

    def column(self, name: str) -> list[Any]:
        index = self.variables.index(name)
        return [plain(row[index]) for row in self.terms]

    def to_dataframe(self):
        """A pandas DataFrame of the plain values (pandas: the `notebook` extra)."""
        import pandas as pd

        return pd.DataFrame(self.values(), columns=list(self.variables))

    def to_json(self) -> dict:
        """SPARQL 1.1 Query Results JSON."""
        bindings = []
        for row in self.terms:
            binding = {}
            for name, node in zip(self.variables, row, strict=True):
                if isinstance(node, URIRef):
                    binding[name] = {"type": "uri", "value": str(node)}
                elif isinstance(node, BNode):
                    binding[name] = {"type": "bnode", "value": str(node)}
                elif isinstance(node, Literal):
                    binding[name] = {"type": "literal", "value": str(node)}
                    if node.language:
                        binding[name]["xml:lang"] = node.language
                    elif node.datatype:
                        binding[name]["datatype"] = str(node.datatype)
            bindings.append(binding)
        return {"head": {"vars": list(self.variables)}, "results": {"bindings": bindings}}

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV: plain strings, blank for unbound."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.variables)
        for row in self.terms:
            writer.writerow(["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t)) for t in row])
        return buffer.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV: terms in SPARQL/Turtle syntax."""
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join("" if t is None else t.n3() for t in row) for row in self.terms]
        return "\n".join(lines) + "\n"


# -- the interface -----------------------------------------------------------

class QueryStore(ABC):
    """A read-only view of the Maillage dataset that answers SPARQL over the union of its named graphs."""

    name: str = "store"
    # Asked in the thread that reads a long answer: that thread's courtesy (a callable that lets other threads go
    # first), or None to read at once. The application that schedules its threads sets it (the viewer's warm-up:
    # app/viewer/sharing.courtesy); the store itself knows nothing of them.
    courtesy: Callable[[], Callable[[], None] | None] = staticmethod(lambda: None)

    def select(self, query: str, params: dict[str, Any] | None = None) -> Rows:
        """Run a SELECT; `params` ({"_name_iri": value}) are bound as RDF terms."""
        text = self._checked(query, params, "SELECT")
        variables, rows = self._select(text)
        return Rows(tuple(variables), tuple(tuple(row) for row in rows))

    def select_values(self, query: str, params: dict[str, Any] | None = None) -> list[tuple]:
        """The rows of a SELECT as plain Python values: `select(query, params).values()`, made faster where a
        backend can skip the rdflib terms (a national answer has hundreds of thousands of values)."""
        return self.select(query, params).values()

    def select_json(self, query: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[dict]]:
        """The variables and rows of a SELECT as SPARQL 1.1 Query Results JSON bindings ({variable: {"type",
        "value", "xml:lang" or "datatype"}}): language tags kept without making rdflib terms, answered in that form
        where a backend can (the viewer's cards read 100,000 values at national size)."""
        rows = self.select(query, params)
        return list(rows.variables), rows.to_json()["results"]["bindings"]

    def select_texts(self, query: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[list[str]]]:
        """The variables and rows of a SELECT as SPARQL 1.1 Query Results CSV gives them: every value as text (an
        IRI, a literal's lexical form without its language or datatype, `_:label`), "" when unbound. The lightest
        form, for long answers of names and codes (the viewer's 36,000 territories: read in 0.03 s, 0.18 s as JSON),
        answered in CSV where a backend can."""
        return csv_rows(self.select(query, params).to_csv())

    def ahead(self, query: str, params: dict[str, Any] | None = None, texts: bool = False) -> None:
        """Start answering a SELECT that will be asked soon, in another thread, where a backend answers without
        holding Python's lock: the next answer of the query with these parameters (`select`, `select_values` or
        `select_json`; `select_texts` when `texts`) is that one. A hint: a backend that cannot only checks the query."""
        self._checked(query, params, "SELECT")

    def ask(self, query: str, params: dict[str, Any] | None = None) -> bool:
        return self._ask(self._checked(query, params, "ASK"))

    def construct(self, query: str, params: dict[str, Any] | None = None) -> list[Triple]:
        """Run a CONSTRUCT (or DESCRIBE): its triples, sorted."""
        text = self._checked(query, params, "CONSTRUCT", "DESCRIBE")
        return sorted(set(self._construct(text)))

    def describe(self, iri: str) -> list[Triple]:
        """The triples whose subject is `iri`, from every named graph (the same on every backend:
        SPARQL leaves DESCRIBE's answer to each engine)."""
        return self.construct("CONSTRUCT { ?_subject_iri ?p ?o } WHERE { ?_subject_iri ?p ?o }",
                              {"_subject_iri": iri})

    def _checked(self, query: str, params: dict[str, Any] | None, *forms: str) -> str:
        form = check_query(checkable(query))
        if form not in forms:
            raise StoreError(f"Cette requête est un {form}, pas un {' ni un '.join(forms)}.",
                             f"This query is a {form}, not a {' or '.join(forms)}.")
        return bind(query, params or {})

    @abstractmethod
    def _select(self, query: str) -> tuple[list[str], list[list[Term | None]]]: ...

    @abstractmethod
    def _ask(self, query: str) -> bool: ...

    @abstractmethod
    def _construct(self, query: str) -> list[Triple]: ...


_DECODER = json.JSONDecoder()
_HEAD = re.compile(r'\s*\{\s*"head"\s*:\s*')
_ROWS = re.compile(r'\s*,\s*"results"\s*:\s*\{\s*"bindings"\s*:\s*\[\s*')
_COMMA = re.compile(r'\s*,\s*')


def json_bindings(answer: bytes | str, courtesy: Callable[[], None] | None = None) -> list[dict]:
    """The bindings of a SPARQL JSON answer (`{"head": ..., "results": {"bindings": [...]}}`).

    Given a `courtesy` (QueryStore.courtesy: the viewer's background warm-up), read row by row, calling it every
    1,000 rows: json.loads holds Python's lock throughout, 0.17 s for the 13 MB of the national experience cards,
    and a visitor's click waited behind it. Row by row takes 60 % longer: only the background pays it."""
    if courtesy is None:
        return json.loads(answer)["results"]["bindings"]
    text = answer.decode() if isinstance(answer, bytes) else answer
    head = _HEAD.match(text)
    start = _ROWS.match(text, _DECODER.raw_decode(text, head.end())[1]) if head else None
    if start is None:  # another layout than Oxigraph's: read at once
        return json.loads(text)["results"]["bindings"]
    return list(calling_every(_rows(text, start), 1000, courtesy))


def calling_every(items: Iterable, every: int, call: Callable[[], None]) -> Iterator:
    """`items`, with `call()` after each `every` of them."""
    for number, item in enumerate(items):
        if number and number % every == 0:
            call()
        yield item


def _rows(text: str, start: re.Match) -> Iterator[dict]:
    """The rows of the bindings array that `start` opens, one at a time."""
    comma = start if text[start.end()] != "]" else None
    while comma is not None:
        row, end = _DECODER.raw_decode(text, comma.end())
        yield row
        comma = _COMMA.match(text, end)


def csv_rows(answer: bytes | str) -> tuple[list[str], list[list[str]]]:
    """The variables and rows of a SPARQL CSV answer (its first line names the variables)."""
    rows = csv.reader(io.StringIO(answer.decode() if isinstance(answer, bytes) else answer))
    variables = next(rows, [])
    return variables, list(rows)


class JsonAnswers(QueryStore):
    """A backend whose SELECT answers come as SPARQL 1.1 Query Results JSON (`_json`): the rows as rdflib terms,
    as plain values and as JSON are all read from them."""

    @abstractmethod
    def _json(self, query: str) -> tuple[list[str], list[dict]]: ...

    def _select(self, query):
        variables, rows = self._json(query)
        blank = _Namer()
        return variables, [[_from_json(row.get(name), blank) for name in variables] for row in rows]

    def select_json(self, query, params=None):
        return self._json(self._checked(query, params, "SELECT"))

    def select_values(self, query, params=None):
        variables, rows = self.select_json(query, params)
        blank = _Namer()
        return [tuple(_plain_json(row.get(name), blank) for name in variables) for row in rows]


class OxigraphStore(JsonAnswers):
    """pyoxigraph, in memory: the embedded default."""

    name = "oxigraph"

    def __init__(self, store: ox.Store):
        self.store = store
        # The answers `ahead` computes, by form (JSON or CSV) and query text (with its parameters bound).
        self._early: dict[tuple[ox.QueryResultsFormat, str], Future] = {}
        self._answering = ThreadPoolExecutor(1, thread_name_prefix="maillage-ahead")  # its thread starts on demand

    @classmethod
    def from_file(cls, path: Path, trusted: bool = False) -> OxigraphStore:
        """The graph of an RDF file; `trusted`: a dump `maillage build` wrote and checked, read without checking
        its IRIs again (measured: 15 % faster at national size)."""
        store = ox.Store()
        store.load(path=str(path), format=FORMATS[path.suffix], lenient=trusted)
        return cls(store)

    @classmethod
    def from_build(cls, result) -> OxigraphStore:
        """Every named graph of a build (pipeline.BuildResult), the whole referential included."""
        from graph_builder.publication.oxigraph_store import build_store

        return cls(build_store(result))

    def _run(self, query: str):
        try:
            return self.store.query(query, use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise StoreError(f"Oxigraph refuse la requête : {exc}", f"Oxigraph rejects the query: {exc}") from exc

    def _json(self, query: str) -> tuple[list[str], list[dict]]:
        """The variables and rows (SPARQL JSON results) of a SELECT, serialised by Oxigraph in one call.

        Reading an answer row by row releases and takes back the GIL at each row: beside another busy Python
        thread (the viewer's warm-up, another visitor's page), each row then waits for Python's thread switch
        (5 ms). Measured on 36,000 rows: 0.55 s alone, 74 s beside a busy thread, 0.7 s serialised at once."""
        variables, answer = self._answer(query, ox.QueryResultsFormat.JSON)
        return variables, json_bindings(answer, self.courtesy())

    def _answer(self, query: str, form: ox.QueryResultsFormat) -> tuple[list[str], bytes]:
        """The answer made ahead in this form, else made now."""
        early = self._early.pop((form, query), None)
        return early.result() if early is not None else self._serialized(query, form)

    def _serialized(self, query: str, form: ox.QueryResultsFormat) -> tuple[list[str], bytes]:
        solutions = self._run(query)
        return [v.value for v in solutions.variables], solutions.serialize(format=form)

    def ahead(self, query, params=None, texts=False):
        """Oxigraph evaluates and serialises without holding Python's lock: the answer is made while Python does
        something else (the viewer's warm-up: its cards' queries beside the territory index). One query at a time,
        in the order asked."""
        text = self._checked(query, params, "SELECT")
        form = ox.QueryResultsFormat.CSV if texts else ox.QueryResultsFormat.JSON
        self._early[form, text] = self._answering.submit(self._serialized, text, form)

    def select_texts(self, query, params=None):
        return csv_rows(self._answer(self._checked(query, params, "SELECT"), ox.QueryResultsFormat.CSV)[1])

    def _ask(self, query):
        return bool(self._run(query))

    def _construct(self, query):
        blank = _Namer()
        return [tuple(_from_oxigraph(t, blank) for t in (triple.subject, triple.predicate, triple.object))
                for triple in self._run(query)]


class RdflibStore(QueryStore):
    """rdflib's in-memory Dataset: kept to measure against Oxigraph (and for small graphs)."""

    name = "rdflib"

    def __init__(self, dataset: Dataset):
        self.dataset = dataset

    @classmethod
    def from_file(cls, path: Path, trusted: bool = False) -> RdflibStore:  # noqa: ARG003 (rdflib has no lenient mode)
        dataset = Dataset(default_union=True)
        dataset.parse(str(path), format={".nq": "nquads", ".trig": "trig", ".ttl": "turtle", ".nt": "nt"}[path.suffix])
        return cls(dataset)

    def _run(self, query: str, read):
        try:
            return read(self.dataset.query(query))
        except Exception as exc:  # rdflib's evaluator raises bare TypeErrors and the like on some queries
            raise StoreError(f"rdflib n'a pas pu exécuter la requête : {exc!r}",
                             f"rdflib could not run the query: {exc!r}") from exc

    def _select(self, query):
        def read(result):
            variables = [str(v) for v in result.vars]
            blank = _Namer()
            return variables, [[_from_rdflib(row[i], blank) for i in range(len(variables))] for row in result]
        return self._run(query, read)

    def _ask(self, query):
        return self._run(query, lambda result: bool(result.askAnswer))

    def _construct(self, query):
        blank = _Namer()
        return self._run(query, lambda result: [tuple(_from_rdflib(t, blank) for t in triple) for triple in result.graph])


ACCEPT = {"json": "application/sparql-results+json", "csv": "text/csv", "turtle": "text/turtle"}


@lru_cache(maxsize=256)
def _page_order(query: str) -> str | None:
    """What to append before LIMIT/OFFSET for pages of `query` to follow one another: "" when it has an ORDER BY
    (library queries order completely), an ORDER BY of its projected variables when it names them, None otherwise."""
    tree = parse_read_query(query)
    if "orderby" in tree and tree["orderby"] is not None:
        return ""
    projection = tree["projection"] if "projection" in tree and tree["projection"] is not None else []
    names = [str(item["var"] if "var" in item else item["evar"]) for item in projection]
    return "ORDER BY " + " ".join(f"?{name}" for name in names) if names else None


class EndpointStore(JsonAnswers):
    """Any SPARQL 1.1 Protocol endpoint, over HTTP (its default graph must be the union).

    Complete answers or an error, never a cut one: `maillage serve` refuses an answer over its cap (400 and the
    header `Maillage-Result-Refused`, see endpoint/app.py), and appends no LIMIT for this store (which asks with
    `Maillage-Complete-Answer: yes`). An answer refused all the same (over the cap in bytes, or the endpoint does not
    know the header) is asked again in pages of the cap (`Maillage-Result-Limit`), LIMIT/OFFSET over the query's ORDER
    BY (or one over its variables), halved while a page is over the cap in bytes, and the pages joined. A query it
    cannot page is a StoreError saying so. Other endpoints ignore the header."""

    name = "endpoint"

    def __init__(self, url: str, timeout_s: float = 60.0):
        self.url = url
        self.timeout_s = timeout_s
        self._client: httpx.Client | None = None
        self._pid = 0

    def _http(self) -> httpx.Client:
        """The store's HTTP client, made at its first query: one per store, not one per request (each new client
        loads the CA bundle into a new SSL context, 15-30 ms of CPU, and opens a new connection). Thread-safe; a
        forked process (the viewer's console) makes its own rather than share its parent's sockets."""
        if self._client is None or self._pid != os.getpid():
            client = http_client()
            self._client, self._pid = client, os.getpid()
            weakref.finalize(self, _close_in, client, self._pid)  # its connections closed with the store
        return self._client

    def close(self) -> None:
        """Close the store's connections (a later query opens new ones)."""
        if self._client is not None and self._pid == os.getpid():
            self._client.close()
        self._client = None

    def _post(self, query: str, accept: str) -> httpx.Response:
        try:
            try:
                return self._send(query, accept)
            except httpx.RemoteProtocolError:
                # The server closed a kept connection as the query went out (its idle timeout: uvicorn's is 5 s). The
                # query, a read, is sent once more on a new connection; a second close is the server's answer.
                return self._send(query, accept)
        except httpx.HTTPError as exc:
            raise StoreError(f"Le point d'accès SPARQL {self.url} ne répond pas à la requête : {exc}",
                             f"The SPARQL endpoint {self.url} does not answer the query: {exc}") from exc

    def _send(self, query: str, accept: str) -> httpx.Response:
        return self._http().post(self.url, data={"query": query}, timeout=self.timeout_s,
                                 headers={"Accept": accept, "Maillage-Complete-Answer": "yes"})

    def _failed(self, response: httpx.Response) -> StoreError:
        text = response.text.strip()
        return StoreError(f"Le point d'accès SPARQL {self.url} refuse la requête (HTTP {response.status_code}) : {text}",
                          f"The SPARQL endpoint {self.url} refuses the query (HTTP {response.status_code}): {text}")

    def _whole(self, response: httpx.Response) -> bytes:
        """The body of a complete answer; StoreError for Virtuoso's partial one (an « anytime » answer cut at its
        deadline or at ResultSetMaxRows comes as 200 with the header X-SQL-State, e.g. S1TAT)."""
        state = response.headers.get("X-SQL-State")
        if state:
            why = response.headers.get("X-SQL-Message", "").strip()[:300]
            raise StoreError(f"Le point d'accès SPARQL {self.url} n'a donné qu'une réponse incomplète (X-SQL-State "
                             f"{state} : {why}) ; elle est refusée plutôt que lue comme entière.",
                             f"The SPARQL endpoint {self.url} gave an incomplete answer only (X-SQL-State {state}: "
                             f"{why}); it is refused rather than read as whole.")
        return response.content

    def answers(self, query: str, accept: str) -> list[bytes]:
        """The answer to `query` in the `accept` media type: one body, or the bodies of its pages when the endpoint
        refused it whole for its cap."""
        response = self._post(query, accept)
        if response.status_code == 200:
            return [self._whole(response)]
        if response.status_code != 400 or "Maillage-Result-Refused" not in response.headers:
            raise self._failed(response)
        order = _page_order(query)
        if order is None:
            raise StoreError(
                f"La réponse dépasse le plafond du point d'accès et la requête ne peut être paginée (ni ORDER BY, ni "
                f"variables nommées) : {response.text.strip()}",
                f"The answer is over the endpoint's cap and the query cannot be paged (no ORDER BY, no named "
                f"variables): {response.text.strip()}")
        size, offset, pages = int(response.headers["Maillage-Result-Limit"]), 0, []
        while True:
            page = self._post(f"{query}\n{order}\nLIMIT {size} OFFSET {offset}", accept)
            if page.status_code == 400 and page.headers.get("Maillage-Result-Refused") == "bytes" and size > 1:
                size //= 2  # rows are not bytes: smaller pages until one fits
                continue
            if page.status_code != 200:
                raise self._failed(page)
            pages.append(self._whole(page))
            count = _count(page.content, accept)
            if count < size:
                return pages
            offset += size

    def _request(self, query: str, return_format: str) -> list[bytes]:
        return self.answers(query, ACCEPT[return_format])

    def _json(self, query):
        pages = [json.loads(body) for body in self._request(query, "json")]
        return pages[0]["head"]["vars"], [row for page in pages for row in page["results"]["bindings"]]

    def select_texts(self, query, params=None):
        pages = [csv_rows(body) for body in self._request(self._checked(query, params, "SELECT"), "csv")]
        return pages[0][0], [row for _, rows in pages for row in rows]

    def _ask(self, query):
        answer = json.loads(self._request(query, "json")[0])
        if "boolean" in answer:
            return bool(answer["boolean"])
        # Virtuoso 7 answers ASK as a SELECT of `__ASK_RETVAL` instead of {"boolean": ...}: one row (1) when true,
        # none when false.
        head = [name.lower() for name in answer.get("head", {}).get("vars", [])]
        rows = answer.get("results", {}).get("bindings", [])
        cells = [cell for row in rows for name, cell in row.items() if name.lower() == "__ask_retval"]
        if head != ["__ask_retval"] or len(cells) != len(rows) or len(rows) > 1:
            raise StoreError(f"Le point d'accès SPARQL {self.url} ne répond pas à ASK par vrai ou faux.",
                             f"The SPARQL endpoint {self.url} does not answer ASK with true or false.")
        return bool(cells) and cells[0]["value"] not in ("0", "false")

    def _construct(self, query):
        graph = RdflibGraph()
        for body in self._request(query, "turtle"):
            graph.parse(data=body.decode("utf-8"), format="turtle")
        blank = _Namer()
        return [tuple(_from_rdflib(t, blank) for t in triple) for triple in sorted(graph)]


@lru_cache(maxsize=1)
def tls_context() -> ssl.SSLContext:
    """httpx's default SSL context (the same certificate checks), made once per process: each client would load the
    CA bundle into its own, 15-30 ms of CPU, even for plain HTTP on the loopback. Thread-safe."""
    return httpx.create_ssl_context()


def http_client(**options) -> httpx.Client:
    """An HTTP client to keep for many requests (connections kept, the process's SSL context) rather than one per
    request (httpx.get...); it keeps no cookie, so that each request stands alone as before. `options`: httpx.Client's."""
    return httpx.Client(verify=tls_context(), cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])), **options)


def _close_in(client: httpx.Client, pid: int) -> None:
    if os.getpid() == pid:  # a forked child's copy shares its parent's sockets: left to the parent
        client.close()


def _count(body: bytes, accept: str) -> int:
    """Results in one page (SPARQL JSON, CSV, Turtle), to know whether another follows."""
    if accept == ACCEPT["json"]:
        return len(json.loads(body)["results"]["bindings"])
    if accept == ACCEPT["csv"]:
        return len(csv_rows(body)[1])
    return len(RdflibGraph().parse(data=body.decode("utf-8"), format="turtle"))


def dump_of(directory: Path) -> Path:
    """The dump a build directory holds (maillage.nq, else maillage.trig), in the build it publishes now (its
    current generation, resolved once: a build publishing meanwhile changes nothing for this reader)."""
    folder = resolve(directory)
    for name in DUMP_NAMES:
        if (folder / name).is_file():
            return folder / name
    raise StoreError(f"{directory} : aucun graphe construit (maillage.nq) ; lancez d'abord « maillage build ».",
                     f"{directory}: no built graph (maillage.nq); run 'maillage build' first.")


def open_store(source, backend: str = "oxigraph") -> QueryStore:
    """A store for `source`: an endpoint URL, a build directory or dump file, a BuildResult or a pyoxigraph Store.

    `backend` ("oxigraph" or "rdflib") chooses the embedded engine for a directory or a file.
    """
    if isinstance(source, QueryStore):
        return source
    if isinstance(source, ox.Store):
        return OxigraphStore(source)
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return EndpointStore(source)
    if hasattr(source, "place_triples"):  # a pipeline.BuildResult
        return OxigraphStore.from_build(source)
    path, trusted = Path(source), False
    if path.is_dir():
        path, trusted = dump_of(path), True
    if not path.is_file() or path.suffix not in FORMATS:
        raise StoreError(f"{path} : ni un dossier construit, ni un fichier RDF lisible ({', '.join(FORMATS)}).",
                         f"{path}: neither a build directory nor a readable RDF file ({', '.join(FORMATS)}).")
    classes = {"oxigraph": OxigraphStore, "rdflib": RdflibStore}
    if backend not in classes:
        raise StoreError(f"moteur inconnu : {backend} (oxigraph ou rdflib)", f"unknown engine: {backend} (oxigraph or rdflib)")
    return classes[backend].from_file(path, trusted)

