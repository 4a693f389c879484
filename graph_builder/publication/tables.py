"""CSV tables of the main classes, one per SELECT query of `queries/export/`.

Each query is a data file with a grlc-style header; its projected variables
are the table's French column headers. A query tagged « données
personnelles » (persons and their contact details) is run only when
personal data is asked for. Tables follow the project's CSV convention
(UTF-8 without BOM, `;`-delimited, header row; directories.py). A cell of
several values (GROUP_CONCAT with the separator « | ») has its values sorted
here: SPARQL leaves their order to the engine, and two exports of the same
build must be identical.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph_builder.constants import PROJECT_ROOT
from graph_builder.files import read_header
from graph_builder.formulas import neutralise

EXPORT_QUERIES = PROJECT_ROOT / "queries" / "export"
PERSONAL_TAG = "données personnelles"
SEPARATOR = " | "  # the queries' GROUP_CONCAT separator


@dataclass(frozen=True)
class TableQuery:
    name: str
    text: str
    summary: str
    tags: tuple[str, ...]

    @property
    def personal(self) -> bool:
        return PERSONAL_TAG in self.tags

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"


def table_queries(directory: Path = EXPORT_QUERIES) -> list[TableQuery]:
    queries = []
    for path in sorted(directory.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = read_header(text)
        queries.append(TableQuery(name=path.stem, text=text, summary=str(header.get("summary", "")),
                                  tags=tuple(header.get("tags") or ())))
    return queries


def _cell(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    if term is None:
        return ""
    if SEPARATOR in term.value:
        return SEPARATOR.join(sorted(term.value.split(SEPARATOR)))
    return term.value


def table_csv(store: ox.Store, query: TableQuery) -> tuple[bytes, int]:
    """The query's rows over the union of the store's graphs, as CSV bytes, and the number of rows."""
    solutions = store.query(query.text, use_default_graph_as_union=True)
    columns = [variable.value for variable in solutions.variables]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    rows = 0
    for solution in solutions:
        writer.writerow([neutralise(_cell(solution[column])) for column in columns])  # no formula from a label
        rows += 1
    return buffer.getvalue().encode("utf-8"), rows
