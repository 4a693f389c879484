"""No input makes `maillage import` crash: a seeded generator of malformed files (random bytes, damaged workbooks,
wrong or duplicate headers, huge cells, control characters, mixed encodings, mutated good files...), each
imported or refused with a French message naming the file, never a traceback, and nothing written when refused.

The files that pass reading are imported together (one build: the build is what takes time); every other file
is refused while being read, before any build, and is imported alone.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import shutil
import zipfile
from pathlib import Path

from click.testing import CliRunner
from openpyxl import Workbook

from graph_builder.constants import PROJECT_ROOT
from graph_builder.sources.directories import load_templates, read_file, xlsx_bytes
from graph_builder.sources.spreadsheets import UnreadableDirectory
from maillage.cli.main import main

SEED = 20261206
SAMPLES = Path(__file__).parent / "directories"
FRENCH = ("ERREUR", "illisible", "Rien n'a été écrit", "rien d'écrit", "format non pris en charge")
# Cells that have broken parsers: separators, quotes, line ends, codes of every shape, odd Unicode, long text.
NASTY = ["", " ", ";", ",", '"', '""', "'", "|", "||", "a|b", "\n", "\r\n", "\t", "oui", "non", "OUI", "peut-être",
         "13001", "2A004", "departement:13", "region:93", "QP013001", "QN01301M", "200054807", "commune/13001",
         "99999", "0", "-1", "1e308", "45292", "45292.5", "2024-13-45", "2024", "AAAA-MM", "http://", "https://x y",
         "https://exemple.fr/a?b=c#d", "mailto:x@y", "x@y", "<script>", "\\", "{id}", "%s", "ASV", "CLS", "CMT",
         "ville-aix-en-provence", "ars-provence-alpes-cote-d-azur", "etalab-2.0", "CC-BY-4.0", "Licence maison",
         "é" * 300, "\u202e\u200b\ufeff", "日本語", "🙂", "Ω≈ç√", "A" * 5000, "x" * 100_000]


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def _mutate(rng: random.Random, data: bytes, count: int) -> bytes:
    """Random insertions, deletions and replacements of bytes, some of them bytes that matter to a CSV."""
    buffer = bytearray(data)
    for _ in range(count):
        position = rng.randrange(len(buffer) + 1)
        byte = rng.choice([rng.randrange(256), *b';,"\n\r\x00\xff\xe9\x81|'])
        action = rng.randrange(3)
        if action == 0 or not buffer:
            buffer.insert(position, byte)
        elif action == 1:
            del buffer[min(position, len(buffer) - 1)]
        else:
            buffer[min(position, len(buffer) - 1)] = byte
    return bytes(buffer)


def _line(rng: random.Random, width: int) -> list[str]:
    return [rng.choice(NASTY) if rng.random() < 0.7 else rng.choice(NASTY) + rng.choice(NASTY) for _ in range(width)]


def _csv(rows: list[list[str]], delimiter: str = ";") -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _typed_workbook(rng: random.Random, header: list[str]) -> bytes:
    """A workbook of cells typed as a spreadsheet types them: numbers, dates, booleans, formulas, merged cells."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    values = [*NASTY[:-2], 13001, 45292, 2019, 3.5, -0.0, dt.datetime(2003, 5, 1), dt.datetime(2003, 5, 1, 12, 30),
              dt.date(1900, 1, 1), dt.time(8, 0), True, False, None, "=1+1", "=A2", "#N/A"]
    for _ in range(6):
        sheet.append([rng.choice(values) for _ in header])
    if rng.random() < 0.3:
        sheet.merge_cells(start_row=rng.randint(2, 4), start_column=1, end_row=5, end_column=rng.randint(1, 3))
    if rng.random() < 0.3:
        workbook.create_sheet("Feuil2").append(["x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cases(rng: random.Random) -> list[tuple[str, bytes]]:
    """(suffix, content) of every malformed file."""
    templates = list(load_templates())
    samples = [p.read_bytes() for p in sorted(SAMPLES.glob("*.csv"))]
    workbook = xlsx_bytes(templates[0], [[f"x{i}" for i in range(len(templates[0].header))]] * 3)
    cases: list[tuple[str, bytes]] = [(".csv", b""), (".xlsx", b""), (".csv", b"\xef\xbb\xbf"), (".csv", b"\n\n\n"),
                                      (".ods", b"PK\x03\x04"), (".xlsx", samples[0])]
    for _ in range(15):  # random bytes
        cases.append((rng.choice([".csv", ".xlsx", ".txt"]), rng.randbytes(rng.choice([1, 10, 1000, 20_000]))))
    for _ in range(12):  # damaged workbooks: cut short, or bytes changed inside
        cut = rng.randrange(len(workbook))
        cases.append((".xlsx", workbook[:cut] if rng.random() < 0.5 else _mutate(rng, workbook, rng.randint(1, 20))))
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("xl/workbook.xml", "<pas-un-classeur/>")
    cases.append((".xlsx", other.getvalue()))
    for template in templates:
        header = template.header
        cases.append((".csv", _csv([header])))  # only a header
        cases.append((".csv", _csv([[rng.choice(NASTY)[:20] for _ in header], *[_line(rng, len(header))] * 2])))
        cases.append((".csv", _csv([[*header, header[0]], _line(rng, len(header) + 1)])))  # duplicate header
        cases.append((".csv", _csv([header, _line(rng, len(header) + 3)])))  # extra columns
        cases.append((".csv", _csv([header, [*_line(rng, len(header) - 1), "y" * 200_000]])))  # beyond csv's limit
        cases.append((".csv", _csv([header, _line(rng, len(header))]).replace("\n", "\x00", 1)))  # NUL bytes
        cases.append((".csv", _csv([header, ["\x07" + rng.choice(NASTY) for _ in header]])))  # control characters
        cases.append((".csv", _csv([header, ["é" + rng.choice(NASTY) for _ in header]]).encode("utf-8")
                      + "\nété;à".encode("cp1252")))  # mixed encodings
        cases.append((".csv", _csv([header, ["x;" * 50_000]])))  # a very long line
        cases.append((".csv", ";".join(header).encode("utf-16")))  # an encoding neither UTF-8 nor Windows-1252
    for _ in range(40):  # good files, mutated
        cases.append((".csv", _mutate(rng, rng.choice(samples), rng.randint(1, 8))))
    for template in templates:  # good headers, lines of nasty cells: most of these reach the build
        rows = [template.header, *(_line(rng, len(template.header)) for _ in range(12))]
        encoding = rng.choice(["utf-8", "utf-8-sig", "cp1252"])
        cases.append((".csv", _csv(rows, rng.choice([";", ","])).encode(encoding, errors="replace")))
        cases.append((".xlsx", _typed_workbook(rng, template.header)))
    return [(suffix, content.encode("utf-8") if isinstance(content, str) else content) for suffix, content in cases]


def _passes_reading(path: Path) -> bool:
    try:
        reading = read_file(path, path.name)
    except UnreadableDirectory:
        return False
    return reading.table is not None and not any(p.severity == "error" for p in reading.problems)


def _check(result, paths: list[Path], data: Path, before: dict[str, bytes]) -> None:
    shown = f"{[p.name for p in paths]}: exit {result.exit_code}\n{result.output[-3000:]}"
    assert result.exception is None or isinstance(result.exception, SystemExit), shown + repr(result.exception)
    assert "Traceback" not in result.output, shown
    if result.exit_code == 0:
        assert (data / "directories").is_dir(), shown
        shutil.rmtree(data / "directories")  # imported: back to the data as it was, for the next file
    else:
        assert result.exit_code in (1, 3), shown  # refused (never a usage error: the command lines are right)
        assert any(p.name in result.output for p in paths), shown
        assert any(word in result.output for word in FRENCH), shown
    assert _files(data) == before, shown


def test_no_input_crashes_the_import(tmp_path: Path):
    rng = random.Random(SEED)
    data = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("templates"))
    before = _files(data)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    readable = []
    runner = CliRunner()
    for number, (suffix, content) in enumerate(_cases(rng)):
        path = inputs / f"fuzz-{number:03d}{suffix}"
        path.write_bytes(content)
        if _passes_reading(path):
            readable.append(path)
            continue
        _check(runner.invoke(main, ["import", str(path), "--data", str(data)]), [path], data, before)
    assert 5 <= len(readable) <= 40, [p.name for p in readable]  # the generator still reaches the build
    _check(runner.invoke(main, ["import", *map(str, readable), "--data", str(data)]), readable, data, before)
