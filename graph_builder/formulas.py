"""Cells a spreadsheet would run as a formula, neutralised in the CSV files written and restored when read back.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a
formula to Excel and LibreOffice opening a CSV (OWASP « CSV injection »):
`=HYPERLINK(...)` or a DDE call from one cell of a directory. Such a cell is
written with a `'` before it, which spreadsheets show as text. What must not
change is left alone: a plain number (`-5`, `+3.2`, `-1,55`: a signed number
runs nothing). A cell that starts with `'` before such a text gets one more,
so that `restore` undoes exactly what `neutralise` did: a directory exported
then imported again gives the same records (`+33 4 76 00 00 00` included).

XLSX needs none of this: its cells are written typed as strings, never as
formulas, and read back as they are.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def runs(value: str) -> bool:
    """Whether a spreadsheet would read `value` as a formula, or `value` is one `neutralise` already quoted."""
    body = value.lstrip(QUOTE)
    return body.startswith(TRIGGERS) and not NUMBER.fullmatch(body)


def neutralise(value: str) -> str:
    """The cell to write in a CSV file: `value`, after a `'` when a spreadsheet would run it."""
    return QUOTE + value if runs(value) else value


def restore(value: str) -> str:
    """The value `neutralise` wrote as `value` (its inverse): a cell read from a CSV file."""
    return value[1:] if value.startswith(QUOTE) and runs(value[1:]) else value
