"""Step 1 of the data flow: the data directory read into located records.

  located.py      RawRecord (a record with its file and lines) and ParsedFiles (each file's parse, kept)
  curated.py      the curated YAML files
  directories.py  directories (CSV, XLSX): one template per kind, one record per line
  spreadsheets.py CSV and XLSX files as rows of text cells (encodings, sheets, merged cells, formulas)
  importer.py     `maillage import`: directories checked by the real build, then stored
  templates.py    templates for new records, generated from the record kinds
  synthetic.py    fictitious national-size directories, for the benchmarks
"""

from __future__ import annotations

from pathlib import Path

from graph_builder.problems import Problem
from graph_builder.sources.curated import read_data_file
from graph_builder.sources.directories import read_directories
from graph_builder.sources.located import ParsedFiles, RawRecord

__all__ = ["ParsedFiles", "RawRecord", "read_data_dir"]


def read_data_dir(data_dir: Path, parsed: ParsedFiles | None = None) -> tuple[list[RawRecord], list[Problem]]:
    """All records of the data directory (templates excluded), in a stable order.

    `parsed` keeps each file's parse (see ParsedFiles). The YAML files come first, then the imported directories
    (`directories/*.csv`, one record per line, read with the csv module):
    a directory's line may add a nested record to a record of the YAML data
    (a participation to a curated coordination), and a conflict between the
    two is reported on the directory's line.
    """
    parsed = parsed or ParsedFiles()
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for path in sorted(data_dir.rglob("*.yaml")):
        relative = path.relative_to(data_dir)
        if relative.parts[0] == "templates":
            continue
        display = f"{data_dir.name}/{relative.as_posix()}"
        found, issues = parsed.parse(path, display, read_data_file)
        records.extend(found)
        problems.extend(issues)
    found, issues = read_directories(data_dir, records, parsed)
    records.extend(found)
    problems.extend(issues)
    return records, problems
