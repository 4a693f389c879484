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

The query checked is the query that runs, byte for byte: the check never
rewrites it, so it must read it as Oxigraph (the engine) does. pyoxigraph
0.5 has no way to parse a query without running it, so the check refuses
what the two parsers read differently instead (`_ambiguous`).
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

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
PARSE_RECURSION = 60_000  # frames, while a query parses (see _deeply)
PARSE_STACK_BYTES = 512 << 20  # the parsing thread's stack (address space; only the pages used are memory)
# SPARQL 1.1 §19.2 expands \\uXXXX and \\UXXXXXXXX before parsing, everywhere: rdflib does (and takes 8 digits after
# a lower-case \\u too); Oxigraph 0.5 expands them only where it reads a string or an IRI, never in a comment. So
# `# \\u000A """` opens a string for rdflib and is a comment for Oxigraph: a SERVICE clause hidden in that "string"
# ran. Expanding them ourselves would not settle it (an escape may spell another escape, `\\u005Cu0053`), so any
# text either parser could expand is refused, wherever it is: 4 hex digits after \\u or \\U.
CODEPOINT_ESCAPE = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
# A comment ends at a line feed for rdflib, at a carriage return too for Oxigraph: `# x\rSERVICE <...> {}` is a
# comment for one and a call for the other. A CR outside a CR LF pair is refused (a CR LF pair ends a comment at
# the same place for both).
LONE_CR = re.compile(r"\r(?!\n)")
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class QueryRefused(BilingualError, ValueError):
    """A query that is not a plain read of the graph (update, SERVICE) or that does not parse.

    `kind` says which ("syntax", "update", "service", "ambiguous": read otherwise by the engine), for fronts that
    answer each in their own way.
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


def _ambiguous(query: str) -> None:
    """QueryRefused if rdflib and Oxigraph could read `query` differently (see CODEPOINT_ESCAPE and LONE_CR)."""
    escape = CODEPOINT_ESCAPE.search(query)
    if escape:
        raise QueryRefused(
            f"Requête refusée : l'échappement « {escape.group()} » n'est pas accepté (ni \\u ni \\U, même dans une "
            "chaîne ou un commentaire), car le moteur ne le lit pas partout comme la vérification ; écrivez le "
            "caractère lui-même (la requête est en UTF-8).",
            f"Query refused: the escape '{escape.group()}' is not accepted (neither \\u nor \\U, even in a string or "
            "a comment), because the engine does not read it everywhere as the check does; write the character itself "
            "(the query is UTF-8).", kind="ambiguous")
    if LONE_CR.search(query):
        raise QueryRefused(
            "Requête refusée : elle contient un retour chariot (CR) seul, que le moteur et la vérification ne lisent "
            "pas de la même façon ; terminez les lignes par LF ou CR LF.",
            "Query refused: it holds a lone carriage return (CR), which the engine and the check do not read the "
            "same way; end lines with LF or CR LF.", kind="ambiguous")


def _deeply(parse: Callable[[str], Any], query: str) -> Any:
    """`parse(query)` under PARSER_LOCK, in a thread with a deep recursion limit and the stack it needs.

    pyparsing recurses once per triple pattern: with Python's default limit (1,000 frames) a flat query of 90
    patterns raised RecursionError (a 500 on the endpoint, a traceback in the console). Measured with this depth:
    5,000 patterns (110 kB) parse; 49,000 nested parentheses end in RecursionError, never a crash.
    """
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["tree"] = parse(query)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    with PARSER_LOCK:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, PARSE_RECURSION))
        try:
            stack = threading.stack_size(PARSE_STACK_BYTES)
            try:
                thread = threading.Thread(target=run, name="maillage-sparql-parse")
                thread.start()
            finally:
                threading.stack_size(stack)
            thread.join()
        finally:
            sys.setrecursionlimit(limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["tree"]


def parse_read_query(query: str) -> CompValue:
    """The query's parse tree (rdflib's parser, never text matching); QueryRefused for an update, SERVICE, bad syntax
    or text the engine could read otherwise."""
    _ambiguous(query)
    try:
        parsed = _deeply(parseQuery, query)
    except RecursionError:
        raise QueryRefused("Requête trop imbriquée pour être analysée : simplifiez-la.",
                           "Query nested too deeply to be parsed: simplify it.") from None
    except ParseException as exc:
        try:
            _deeply(parseUpdate, query)
        except (ParseException, RecursionError):
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
