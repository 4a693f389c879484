"""Parameters reach SPARQL as RDF terms, never pasted text; user queries are checked before they run.

A query of the library names its parameters `?_name_iri`, `?_name_integer`...
(grlc's convention). `bind` turns values into RDF terms that the RDF library
itself serialises, and puts them in a `VALUES` block at the start of every
WHERE group, the outermost and those of subqueries (whose variables are
their own): that works on every engine (pyoxigraph's `substitutions` only
accept projected variables) and lets the engine use the bound values from
the first join on. A one-row VALUES block changes nothing in a group that
does not use its variables.

`check_query` parses a query with rdflib's SPARQL parser (not a substring
search) and refuses what a reader of the graph must not run: updates, and
`SERVICE`, which would make the engine call another server (federation is
refused everywhere: no network at run time).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from graph_builder.problems import BilingualError

WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
XSD = "http://www.w3.org/2001/XMLSchema#"
# grlc's type suffixes: `_iri`, `_integer`, `_xsd_<datatype>`, or a language tag (`_fr`).
LANGUAGE_SUFFIX = re.compile(r"_([a-z]{2})$")
# rdflib's pyparsing grammar is not thread-safe: two threads parsing at once (two viewer sessions) break each
# other's parse with a TypeError inside pyparsing (seen with the console and a library query in parallel).
PARSER_LOCK = threading.Lock()
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class QueryRefused(BilingualError, ValueError):
    """A query that is not a plain read of the graph (update, SERVICE) or that does not parse.

    `kind` says which ("syntax", "update", "service"), for fronts that answer each in their own way.
    """

    def __init__(self, message_fr: str, message_en: str, kind: str = "syntax"):
        super().__init__(message_fr, message_en)
        self.kind = kind


def term(name: str, value: str | int) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter, from the type suffix of its name."""
    if name.endswith("_iri"):
        return ox.NamedNode(str(value))  # raises ValueError on anything that is not an IRI
    if name.endswith("_integer"):
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if "_xsd_" in name:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + name.rsplit("_xsd_", 1)[1]))
    language = LANGUAGE_SUFFIX.search(name)
    if language and name.count("_") > 1:  # `_name_fr`, not the bare `_name`
        return ox.Literal(str(value), language=language.group(1))
    return ox.Literal(str(value))


def bind(query: str, values: dict[str, str | int]) -> str:
    """The query with its parameters (names without `?`) bound by a VALUES block."""
    if not values:
        return query
    groups = [m.end() for m in WHERE.finditer(query) if not _in_comment(query, m.start())]
    if not groups:
        raise ValueError("the query has no WHERE clause to bind parameters in")
    # One VALUES block per parameter, in the order the query first uses them: Oxigraph plans its
    # joins from the first block on (measured: 7 ms with the territory first, 240 ms with the actor kind first).
    names = sorted(values, key=lambda n: _first_use(query, n))
    block = "".join(f" VALUES ?{n} {{ {term(n, values[n])} }}" for n in names)
    for end in reversed(groups):
        query = query[:end] + block + query[end:]
    return query


def _first_use(query: str, name: str) -> tuple[int, str]:
    match = re.search(rf"\?{re.escape(name)}\b", query)
    return (match.start() if match else len(query), name)


def _in_comment(query: str, position: int) -> bool:
    line = query[query.rfind("\n", 0, position) + 1: position]
    return line.lstrip().startswith("#")


def _holds_service(node) -> bool:
    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            return True
        return any(_holds_service(value) for value in node.values())
    if isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        return any(_holds_service(item) for item in node)
    return False


def parse_read_query(query: str) -> CompValue:
    """The query's parse tree (rdflib's parser, never text matching); QueryRefused for an update, SERVICE or bad syntax."""
    try:
        with PARSER_LOCK:
            parsed = parseQuery(query)
    except ParseException as exc:
        try:
            with PARSER_LOCK:
                parseUpdate(query)
        except ParseException:
            raise QueryRefused(
                f"Requête SPARQL illisible (ligne {exc.lineno}, colonne {exc.col}) : {exc.msg}.",
                f"Unreadable SPARQL query (line {exc.lineno}, column {exc.col}): {exc.msg}.") from None
        raise QueryRefused(
            "Requête refusée : c'est une mise à jour (INSERT, DELETE, LOAD, CLEAR, DROP...) ; "
            "le graphe ne se modifie pas par une requête, il se reconstruit (maillage build).",
            "Query refused: it is an update (INSERT, DELETE, LOAD, CLEAR, DROP...); the graph is not changed by "
            "queries, it is rebuilt (maillage build).", kind="update") from None
    if _holds_service(parsed):
        raise QueryRefused(
            "Requête refusée : SERVICE (requête fédérée vers un autre serveur) n'est pas permis ; "
            "une requête n'interroge que le graphe Maillage.",
            "Query refused: SERVICE (federated query to another server) is not allowed; a query reads the "
            "Maillage graph only.", kind="service")
    return parsed[1]


@lru_cache(maxsize=512)
def check_query(query: str) -> str:
    """The query's form (SELECT, ASK, CONSTRUCT, DESCRIBE); QueryRefused for an update, SERVICE or bad syntax."""
    return FORMS[parse_read_query(query).name]
