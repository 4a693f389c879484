"""Parameters reach SPARQL as RDF terms, never pasted text.

A query of the library names its parameters `?_name_iri`, `?_name_integer`...
(grlc's convention). `bind` turns values into RDF terms that the RDF library
itself serialises, and puts them in a `VALUES` block at the start of the
outermost WHERE: that works on every engine (pyoxigraph's `substitutions`
only accept projected variables) and lets the engine use the bound values
from the first join on.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def term(name: str, value: str | int) -> ox.NamedNode | ox.Literal:
    """The RDF term for a parameter, from the type suffix of its name."""
    if name.endswith("_iri"):
        return ox.NamedNode(str(value))  # raises ValueError on anything that is not an IRI
    if name.endswith("_integer"):
        return ox.Literal(str(int(value)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    return ox.Literal(str(value))


def bind(query: str, values: dict[str, str | int]) -> str:
    """The query with its parameters (names without `?`) bound by a VALUES block."""
    if not values:
        return query
    match = WHERE.search(query)
    if match is None:
        raise ValueError("the query has no WHERE clause to bind parameters in")
    names = sorted(values)
    block = (f" VALUES ({' '.join('?' + n for n in names)}) "
             f"{{ ({' '.join(str(term(n, values[n])) for n in names)}) }}")
    return query[: match.end()] + block + query[match.end():]
