"""Every CSV file the viewer offers for download, written one way: the way French spreadsheets open it.

French Excel reads a `.csv` with the system's list separator, `;` in France (a comma is the decimal separator
there), and as UTF-8 only when the file starts with a byte order mark (else accents come out as « Ã© »).
So: `;` between cells, UTF-8 with a BOM, CRLF line ends (RFC 4180), every cell quoted when it has to be. No
cell a spreadsheet would run: each goes through graph_builder.formulas.neutralise (`=HYPERLINK(...)`,
`+`, `-`, `@`, tab, CR: written after a `'`; plain signed numbers left alone).

The command line's `maillage query --format csv` keeps SPARQL 1.1 Query Results CSV (commas, no BOM): it is read
by programs, which expect the standard.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from graph_builder.formulas import neutralise

BOM = "\ufeff"
SEPARATOR = ";"
MIME = "text/csv"


def spreadsheet_csv(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """The CSV file's bytes: `header` then `rows`, cells as text (None blank), neutralised (see above)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    for row in (header, *rows):
        writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def csv_table(lines: list[dict]) -> tuple[list[str], list[list]]:
    """A table's lines ({column: cell}, as st.dataframe takes them) as (header, rows), for spreadsheet_csv."""
    header = list(lines[0]) if lines else []
    return header, [[line[column] for column in header] for line in lines]
