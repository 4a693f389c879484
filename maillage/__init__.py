"""Maillage from Python (a notebook, a script): open the graph, list the query library, run a query.

    import maillage
    graph = maillage.open("build")            # a built graph (maillage build), or an endpoint URL
    rows = graph.run("coordinations_in_territory", territory="departement/13")
    rows.to_dataframe()                       # pandas (extra `notebook`)

`maillage.queries()` lists the library (name -> question, parameters);
parameters are checked (INSEE codes, concepts of the vocabularies, integer
ranges) and bound as RDF terms, never pasted into the query. Errors carry
their message in French and in English (`.message("en")`). See
docs/python-api.md for a worked example (run by the tests).

The package is the stage that uses a built graph:
  stores.py   one query interface over Oxigraph (embedded), rdflib and any SPARQL endpoint
  sparql.py   parameters bound as RDF terms; user queries checked before they run
  library.py  the query library (queries/*.rq): read, checked, run on any store
  endpoint/   `maillage serve` (SPARQL endpoint, entity IRIs that resolve) and `maillage load`
  cli/        the `maillage` command;  bench/: the benchmarks
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maillage.library import LibraryError, NamedQuery
    from maillage.sparql import QueryRefused
    from maillage.stores import QueryStore, Rows, StoreError

__all__ = ["Graph", "LibraryError", "QueryRefused", "Rows", "StoreError", "open", "queries"]
# Imported when first asked for: importing any module of the package (the endpoint's parser processes import
# maillage.endpoint.checker, two per front) loaded the library, the stores and httpx first, 0.3 s of CPU each.
_LAZY = {"LibraryError": "maillage.library", "QueryRefused": "maillage.sparql", "Rows": "maillage.stores",
         "StoreError": "maillage.stores"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'maillage' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)


class Graph:
    """The Maillage graph behind one store (embedded Oxigraph, rdflib, or a SPARQL endpoint)."""

    def __init__(self, store: QueryStore):
        self.store = store

    def run(self, name: str, **params: Any) -> Rows:
        """Run the library's query NAME with its parameters (defaults for those not given)."""
        from maillage.library import get_query

        return get_query(name).run(self.store, params)

    def dataframe(self, name: str, **params: Any):
        """The same, as a pandas DataFrame of plain values."""
        return self.run(name, **params).to_dataframe()

    def select(self, sparql: str) -> Rows:
        """Run your own SELECT (updates and SERVICE are refused)."""
        return self.store.select(sparql)

    def describe(self, iri: str) -> list[tuple]:
        """Every triple about `iri`, from every named graph."""
        return self.store.describe(iri)

    def __repr__(self) -> str:
        return f"<maillage.Graph on {self.store.name}>"


def open(source: str | Path = "build", engine: str = "oxigraph") -> Graph:
    """The graph of a build directory or dump file (embedded `engine`), or of a SPARQL endpoint URL."""
    from maillage.stores import open_store

    return Graph(open_store(source if isinstance(source, str) and source.startswith(("http://", "https://"))
                            else Path(source), backend=engine))


def queries() -> dict[str, NamedQuery]:
    """The query library, by name: `.summary`, `.description`, `.tags`, `.parameters`."""
    from maillage.library import library

    return library()
