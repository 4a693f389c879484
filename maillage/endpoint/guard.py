"""What the public front lets through to Oxigraph: read-only queries, no federation, a result cap.

Queries are parsed with rdflib's SPARQL 1.1 parser (never matched as text),
so `SERVICE` inside a string or a comment is harmless and any `SERVICE`
clause, however written, is found. A query rdflib cannot parse is refused
too: nothing unparsed reaches Oxigraph, which would run the call. So is one
Oxigraph could read otherwise (a \\u escape, a lone carriage return: see
sparql.py). Behind it, `maillage serve` runs Oxigraph with no network
(offline.py).

The result cap: a SELECT, CONSTRUCT or DESCRIBE without a LIMIT gets
`LIMIT <cap>` appended (the viewer's console, which says so), or with
`probe`, `LIMIT <cap + 1>` (the endpoint: more than `cap` results back means
the answer would have been cut, and the front refuses it instead, see
app.py); one that asks for more than the cap is refused with a message
saying how to page (LIMIT / OFFSET). Appending is only done where the
grammar allows it (no top-level VALUES after the modifiers), and the
rewritten query is parsed again before it is sent.

Size: a query longer than `max_bytes` is refused before any parsing
(`check_size`); `count_results` counts the results of an answer in any
format Oxigraph writes, for the cap.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.plugins.sparql.parserutils import CompValue

from maillage.sparql import QueryRefused as ReadRefused
from maillage.sparql import parse_read_query

LIMITED_FORMS = {"SelectQuery", "ConstructQuery", "DescribeQuery"}


class QueryRefused(Exception):
    """A request the front does not pass on; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, fr: str, en: str):
        super().__init__(en)
        self.status, self.fr, self.en = status, fr, en

    def text(self) -> str:
        return f"{self.fr}\n{self.en}\n"


UPDATE_REFUSED = ("Ce point d'accès est en lecture seule : les mises à jour SPARQL (INSERT, DELETE, LOAD, CLEAR, DROP...) "
                  "sont refusées.",
                  "This endpoint is read-only: SPARQL Update (INSERT, DELETE, LOAD, CLEAR, DROP...) is refused.")


def update_refused() -> QueryRefused:
    return QueryRefused(403, *UPDATE_REFUSED)


@dataclass(frozen=True)
class CheckedQuery:
    text: str  # what is sent to Oxigraph
    form: str  # SelectQuery, ConstructQuery, DescribeQuery, AskQuery
    limit_added: int | None  # the LIMIT the front appended, if any
    dataset: bool = False  # FROM or FROM NAMED: the query names its dataset (no union default graph for it)


def _parse(text: str) -> CompValue:
    """The parse tree (sparql.parse_read_query, shared with every store), refusals answered as HTTP."""
    try:
        return parse_read_query(text)
    except ReadRefused as exc:
        if exc.kind == "update":
            raise update_refused() from None
        if exc.kind == "service":
            raise QueryRefused(
                400, "Les requêtes fédérées (clause SERVICE) sont refusées : ce point d'accès n'interroge que le graphe "
                "Maillage.", "Federated queries (SERVICE clause) are refused: this endpoint queries the Maillage graph only.",
            ) from None
        raise QueryRefused(400, exc.message_fr, exc.message_en) from None


def _limit(query: CompValue) -> int | None:
    modifiers = query.get("limitoffset") if "limitoffset" in query else None
    if modifiers is None or "limit" not in modifiers:
        return None
    return int(modifiers["limit"])


def check_query(text: str, cap: int, probe: bool = False) -> CheckedQuery:
    """The query to send, or QueryRefused with the reason (fr and en); `probe`: ask one result more than the cap."""
    if not text or not text.strip():
        raise QueryRefused(400, "Requête SPARQL vide : donnez-la dans le paramètre « query ».",
                           "Empty SPARQL query: give it in the 'query' parameter.")
    query = _parse(text)
    dataset = "datasetClause" in query
    if query.name not in LIMITED_FORMS:
        return CheckedQuery(text, query.name, None, dataset)
    limit = _limit(query)
    if limit is not None:
        if limit > cap:
            raise QueryRefused(
                400, f"LIMIT {limit} dépasse le plafond de {cap} résultats : paginez avec LIMIT {cap} OFFSET ...",
                f"LIMIT {limit} is above the cap of {cap} results: page with LIMIT {cap} OFFSET ...")
        return CheckedQuery(text, query.name, None, dataset)
    if "valuesClause" in query and query["valuesClause"] is not None:
        raise QueryRefused(
            400, f"Ajoutez LIMIT (au plus {cap}) avant le bloc VALUES final : le plafond ne peut pas être ajouté pour vous.",
            f"Add a LIMIT (at most {cap}) before the final VALUES block: the cap cannot be added for you.")
    asked = cap + 1 if probe else cap
    limited = capped(text, asked)
    if _limit(_parse(limited)) != asked:
        raise QueryRefused(400, f"Ajoutez LIMIT (au plus {cap}) à la requête.", f"Add a LIMIT (at most {cap}) to the query.")
    return CheckedQuery(limited, query.name, cap, dataset)


def capped(text: str, limit: int) -> str:
    """`text` with `LIMIT <limit>` appended, as check_query sends it; a newline first: the query may end with a
    comment."""
    return f"{text}\nLIMIT {limit}"


def check_size(text: str, max_bytes: int) -> None:
    """QueryRefused (413) for a query longer than `max_bytes`: rdflib's parser takes time out of proportion
    to such texts (a 0.9 MB query: 47 s)."""
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise QueryRefused(
            413, f"Requête trop longue : {size} octets, au plus {max_bytes} ; découpez-la (moins de valeurs par VALUES).",
            f"Query too long: {size} bytes, at most {max_bytes}; split it (fewer values per VALUES block).")


def count_results(body: bytes, media_type: str) -> int:
    """The number of solutions (SELECT) or triples (CONSTRUCT, DESCRIBE) of an answer as Oxigraph writes it."""
    media = media_type.split(";")[0].strip().lower()
    if media == "application/sparql-results+xml":
        return body.count(b"<result>")  # `<` is always escaped in XML text: the tag counts exactly
    if media == "text/tab-separated-values":
        return max(0, body.count(b"\n") - 1)  # newlines inside terms are escaped in TSV; the first line names variables
    if media in ("application/n-triples", "application/n-quads"):
        return sum(1 for line in body.splitlines() if line.strip() and not line.lstrip().startswith(b"#"))
    if media == "text/csv":  # quoted values may hold newlines: read as CSV
        return max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1)
    results = ox.QueryResultsFormat.from_media_type(media)
    if results is not None:
        return sum(1 for _ in ox.parse_query_results(body, format=results))
    rdf = ox.RdfFormat.from_media_type(media)
    if rdf is None:
        raise ValueError(f"unknown answer format {media_type}")
    return sum(1 for _ in ox.parse(body, format=rdf))
