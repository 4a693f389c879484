"""Parameters reach SPARQL as RDF terms, never pasted text; user queries are checked before they run.

A query of the library names its parameters `?_name_iri`, `?_name_integer`...
(grlc's convention). `bind` turns values into RDF terms that pyoxigraph
serialises (an IRI it has checked, a literal it escapes) and writes each in
place of its variable, wherever the query uses it (subqueries included):
the form every engine tried honours (docs/engines.md). Virtuoso 7 ignores a
VALUES block before a property path (`?_territory_iri
igeo:subdivisionDirecteDe* ?up` then walked from every territory: 36,359
rows instead of 4), refuses one after it ("transitive start not given"), and
failed to compile a BIND at the start of the group in two library queries
("no SPART_VARR_FIXED");
pyoxigraph's `substitutions` only accept projected variables. A constant is
what every engine plans best: the value is used from the first join on.

`check_query` parses a query with rdflib's SPARQL parser (not a substring
search) and refuses what a reader of the graph must not run: updates, and
`SERVICE`, which would make the engine call another server (federation is
refused everywhere: no network at run time).
A query file's accepted check is kept in the cache folder (maillage.library), by its
text and this module's code, as the endpoint's checks of its catalogue (endpoint/checker.py):
the folder is the user's own, as trusted as the code installed; a query typed at the
endpoint or the console is never kept there.

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
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from graph_builder.problems import BilingualError

# SPARQL's tokens as `bind` needs them, in the order its grammar reads them (an IRI before `<` as less-than, a long
# string before a short one): the text inside IRIs, strings and comments is never taken for a variable.
_STRINGS = (r'"""(?:[^"\\]|\\.|"(?!""))*"""', r"'''(?:[^'\\]|\\.|'(?!''))*'''", r'"(?:[^"\\\n\r]|\\.)*"',
            r"'(?:[^'\\\n\r]|\\.)*'")
TOKEN = re.compile("|".join([
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    f"(?P<string>{'|'.join(_STRINGS)})",
    r"(?P<comment>#[^\n]*)",
    r"(?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<space>\s+)",
    r"(?P<other>.)"]), re.DOTALL)
# Keywords that open a part of a query where `bind` writes a term otherwise (see `bind`).
CLAUSES = {"SELECT", "WHERE", "CONSTRUCT", "DESCRIBE", "ASK", "FROM", "HAVING", "LIMIT", "OFFSET", "VALUES",
           "ORDER", "GROUP"}
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
    """The query with each parameter (names without `?`) replaced by its RDF term, serialised by pyoxigraph.

    Only variable tokens are replaced (never text inside an IRI, a string or a comment), in the form the place
    needs: the bare term in a pattern or an expression, `(term AS ?name)` where the query projects the variable,
    `(term)` in ORDER BY and GROUP BY, a bare integer after LIMIT and OFFSET (SPARQL's grammar takes no term
    there: an `_integer` parameter only, not negative). A parameter a query assigns (`AS ?name`, `VALUES ?name`)
    is a ValueError: it cannot be a constant."""
    if not values:
        return query
    terms = {name: str(term(name, value)) for name, value in values.items()}
    pieces, clause, depth, previous = [], "", 0, ""
    for token in TOKEN.finditer(query):
        kind, text = token.lastgroup, token.group()
        # A keyword, not a prefix or a local name (`ex:group`, `order:x`).
        keyword = kind == "word" and not (pieces and pieces[-1] == ":") and query[token.end():token.end() + 1] != ":"
        if keyword:
            word = text.upper()
            if word in CLAUSES:
                clause, depth = word, 0
            elif word == "BY" and previous in ("ORDER", "GROUP"):
                clause = previous
        elif kind == "other":
            if text == "{" and clause in ("SELECT", "VALUES"):
                clause = ""
            elif text == "}" and clause in ("ORDER", "GROUP", "LIMIT", "OFFSET"):  # a subquery ends
                clause = ""
            depth += {"(": 1, ")": -1}.get(text, 0)
        elif kind == "var" and text[1:] in terms:
            name, value = text[1:], terms[text[1:]]
            if previous in ("AS", "VALUES") or clause == "VALUES":
                raise ValueError(f"the query assigns its parameter ?{name}: it cannot be bound to a constant")
            if clause in ("LIMIT", "OFFSET"):
                text = _count(name, values[name])
            elif depth == 0 and clause == "SELECT":
                text = f"({value} AS ?{name})"
            elif depth == 0 and clause in ("ORDER", "GROUP"):
                text = f"({value})"
            else:
                text = value
            if pieces and pieces[-1].endswith("<"):  # `?a<?_x_iri`: not `<<`, SPARQL-star's quoted triple
                text = " " + text
        if kind not in ("space", "comment"):
            previous = text.upper() if keyword else text
        pieces.append(text)
    return "".join(pieces)


def _count(name: str, value: str | int) -> str:
    """A LIMIT's or OFFSET's number, as SPARQL writes it there (digits); ValueError for anything else."""
    number = int(value) if name.endswith("_integer") else -1
    if number < 0:
        raise ValueError(f"?{name} after LIMIT or OFFSET takes a non-negative integer (an `_integer` parameter)")
    return str(number)


LIMIT_PARAMETER = re.compile(r"\b(?:LIMIT|OFFSET)\s+\?(_{1,2}[A-Za-z][A-Za-z0-9]*_integer)\b", re.IGNORECASE)


def checkable(query: str) -> str:
    """The query as `check_query` reads it: a parameter after LIMIT or OFFSET bound to 0 (by `bind`, token by token),
    since SPARQL's grammar takes a number there, never a variable; whatever number is bound, the query's form, its
    updates and SERVICE clauses are the same. A query without such a parameter is itself."""
    names = {match.group(1) for match in LIMIT_PARAMETER.finditer(query)}
    return bind(query, dict.fromkeys(names, 0)) if names else query


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


def check_query(query: str) -> str:
    """The query's form (SELECT, ASK, CONSTRUCT, DESCRIBE); QueryRefused for an update, SERVICE or bad syntax."""
    known = _CHECKED.get(query)
    return known if known is not None else _parsed_form(query)


@lru_cache(maxsize=512)
def _parsed_form(query: str) -> str:
    return FORMS[parse_read_query(query).name]


_CHECKED: dict[str, str] = {}  # texts check_query found in another process, as the library keeps them (library.py)


def checked_elsewhere(query: str, form: str) -> bool:
    """Take `form` as check_query's answer for `query`, the same text check_query accepted in another process with the
    same code (`checker_version`); False, and nothing taken, for what check_query never answers."""
    if form not in FORMS.values():
        return False
    _CHECKED[query] = form
    return True


@lru_cache(maxsize=4)
def checker_version(*more: Path) -> str:
    """What check_query's answer depends on besides the text: this module's code, Python's and the parsers'
    versions; with `more`, the code of those files too (checks made on top of check_query's, as the endpoint's
    guard)."""
    import hashlib
    from importlib.metadata import version

    code = b"".join(path.read_bytes() for path in (Path(__file__), *more))
    versions = f"{sys.implementation.name} {sys.version} {version('rdflib')} {version('pyparsing')} {ox.__version__}"
    return hashlib.sha256(code + versions.encode()).hexdigest()
