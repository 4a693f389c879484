"""Imports under real conditions: Excel's files (encodings, sheets, merged cells, formulas, serial dates), no crash
on any input, nothing written when refused.

Most checks read files only (`read_file`, no build); the few that go through `maillage import` share small data.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from graph_builder.constants import PROJECT_ROOT
from graph_builder.problems import Problem, Suggestions, did_you_mean
from graph_builder.sources.directories import canonical_rows, read_file
from maillage.cli.main import main

SAMPLES = Path(__file__).parent / "directories"
HEADER = "identifiant;type;nom;porteur;territoires;debut;fin;themes;missions;role_contact;source;licence"
# A CMT without a carrier that makes a diagnosis: a whole-line remark (« Porteur non renseigné », no field) and a
# field problem (missions) on the same record, which used to make sorting the problems raise TypeError.
CMT_LINE = "cmt-sans-porteur-test;CMT;Conseiller sans porteur;;departement:13;2003;;nutrition;diagnostic;;;"
# In YAML, the two problems are on the same line when the record is written on one line.
CMT_YAML = ("coordination:\n  - {id: cmt-sans-porteur-test, source: \"002\", label: Conseiller sans porteur, type: CMT, "
            "territories: [departement/13], missions: [diagnostic]}\n")


def _data_copy(target: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "data", target, ignore=shutil.ignore_patterns("templates"))
    return target


def _files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_problems_sort_with_and_without_a_field():
    whole_line = Problem("f.csv", 2, "coordination x", None, "porteur", "carrier", "info")
    field = Problem("f.csv", 2, "coordination x", "missions", "mission", "mission", "violation")
    unplaced = Problem("f.csv", None, None, None, "fichier", "file")
    assert sorted([field, whole_line, unplaced]) == [unplaced, whole_line, field]
    assert sorted([whole_line, field]) == sorted([field, whole_line])


def test_whole_line_remark_and_field_problem_through_import(tmp_path: Path):
    data = _data_copy(tmp_path / "data")
    before = _files(data)
    path = tmp_path / "cmt.csv"
    path.write_text(f"{HEADER}\n{CMT_LINE}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(path), "--data", str(data)])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, TypeError), result.exception
    assert f"{path}, ligne 2 : Porteur non renseigné" in result.output
    assert f"{path}, ligne 2, colonne missions : Un conseiller méthodologique" in result.output
    assert _files(data) == before


@pytest.mark.parametrize("command", ["validate", "build"])
def test_whole_line_remark_and_field_problem_through_yaml(command: str, tmp_path: Path):
    data = _data_copy(tmp_path / "data")
    (data / "zz-cmt.yaml").write_text(CMT_YAML, encoding="utf-8")
    extra = ["--out", str(tmp_path / "out")] if command == "build" else []
    result = CliRunner().invoke(main, [command, "--data", str(data), *extra])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, TypeError), result.exception
    assert "zz-cmt.yaml:" in result.output and "Porteur non renseigné" in result.output
    assert "ne réalise pas de diagnostic local" in result.output


# -- Excel's files -------------------------------------------------------------------

LINE = ["asv-test", "ASV", "Atelier santé ville d'Aïx — « essai »", "ville-aix-en-provence", "13001", "2003-05", "",
        "nutrition", "diagnostic", "", "", ""]
CELLS = dict(zip(HEADER.split(";"), LINE, strict=True))


def _csv_text(*lines: list[str]) -> str:
    return "\n".join(";".join(line) for line in [HEADER.split(";"), *lines]) + "\n"


def _workbook(path: Path, sheets: dict[str, list[list]], edit=None) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if edit is not None:
        edit(workbook)
    workbook.save(path)
    return path


def _located(reading, line: int, column: str | None, text: str) -> None:
    """One of the reading's problems is at this line and column and says `text`."""
    found = [p for p in reading.problems if (p.line, p.field) == (line, column)]
    assert any(text in p.message_fr for p in found), [p.format() for p in reading.problems]


def test_windows_1252_csv_is_read(tmp_path: Path):
    path = tmp_path / "excel.csv"
    path.write_bytes(_csv_text(LINE).replace("\n", "\r\n").encode("cp1252"))
    reading = read_file(path, path.name)
    assert reading.problems == [] and reading.table is not None
    assert canonical_rows(reading.table)[0][1]["nom"] == CELLS["nom"]


def test_utf8_with_bom_is_read(tmp_path: Path):
    path = tmp_path / "bom.csv"
    path.write_bytes(_csv_text(LINE).encode("utf-8-sig"))
    reading = read_file(path, path.name)
    assert reading.problems == [] and reading.table is not None
    assert reading.table.rows[0][1]["identifiant"] == "asv-test"  # the BOM is not part of the first column's name
    assert canonical_rows(reading.table)[0][1]["nom"] == CELLS["nom"]


def test_mixed_encodings_and_undefined_bytes_are_refused_by_line_and_column(tmp_path: Path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(_csv_text(LINE).encode("utf-8") + ";".join(["asv-deux", "ASV", "Été"]).encode("cp1252") + b"\n")
    _located(read_file(mixed, mixed.name), 3, "nom", "le fichier mêle UTF-8 et un autre encodage")
    undefined = tmp_path / "undefined.csv"
    undefined.write_bytes(_csv_text(LINE).encode("cp1252") + b"asv-deux;ASV;Atelier \x81\n")
    _located(read_file(undefined, undefined.name), 3, "nom", "octet 0x81, ni UTF-8 ni Windows-1252")


def test_workbook_with_several_sheets_is_refused_unless_one_is_named(tmp_path: Path):
    header = HEADER.split(";")
    path = _workbook(tmp_path / "deux.xlsx", {"Feuil1": [header, LINE], "Feuil2": [header, LINE, LINE], "aide": [["?"]]})
    refused = read_file(path, path.name)
    assert refused.table is None
    assert "plusieurs feuilles remplies (« Feuil1 », « Feuil2 ») : indiquez celle à importer avec --sheet" \
        in refused.problems[0].message_fr
    second = read_file(path, path.name, sheet="feuil2")
    assert second.problems == [] and second.sheet == "Feuil2" and len(second.table.rows) == 2
    unknown = read_file(path, path.name, sheet="Feuil3")
    assert unknown.table is None and "pas de feuille « Feuil3 »" in unknown.problems[0].message_fr
    # An empty sheet (Excel's default Feuil2, Feuil3) and the help sheet do not count.
    single = _workbook(tmp_path / "une.xlsx", {"Feuil1": [header, LINE], "Feuil2": [], "aide": [["?"]]})
    assert read_file(single, single.name).problems == []


def test_merged_cells_are_refused_with_their_reference(tmp_path: Path):
    path = _workbook(tmp_path / "fusion.xlsx", {"Feuil1": [HEADER.split(";"), LINE, LINE, LINE]},
                     lambda workbook: workbook["Feuil1"].merge_cells("B3:B5"))
    reading = read_file(path, path.name)
    _located(reading, 3, "type", "cellules fusionnées B3:B5")
    assert reading.sheet == "Feuil1"


def test_formulas_without_a_computed_value_are_refused_with_their_reference(tmp_path: Path):
    def formulas(workbook):
        workbook["Feuil1"]["C2"] = '=A2&" bis"'  # openpyxl saves no computed value, as a program would

    path = _workbook(tmp_path / "formule.xlsx", {"Feuil1": [HEADER.split(";"), LINE]}, formulas)
    _located(read_file(path, path.name), 2, "nom", "formule sans valeur calculée dans la cellule C2")


def test_excel_serial_dates_are_read_where_a_date_is_expected(tmp_path: Path):
    serial = [*LINE[:5], 45292, 37742.0, *LINE[7:]]  # 2024-01-01 and 2003-05-01 as numbers
    typed = [*LINE[:5], dt.datetime(2003, 5, 1), 2019, *LINE[7:]]  # a real date cell; a year stays a year
    path = _workbook(tmp_path / "dates.xlsx", {"Feuil1": [HEADER.split(";"), serial, typed]})
    reading = read_file(path, path.name)
    assert reading.problems == []
    rows = [cells for _line, cells in canonical_rows(reading.table)]
    assert [(r["debut"], r["fin"]) for r in rows] == [("2024-01-01", "2003-05-01"), ("2003-05-01", "2019")]
    assert rows[0]["missions"] == "diagnostic"  # a number elsewhere is left as written


def test_sheet_through_import_locates_problems_and_writes_nothing(tmp_path: Path):
    data = _data_copy(tmp_path / "data")
    before = _files(data)
    header = HEADER.split(";")
    path = _workbook(tmp_path / "deux.xlsx", {"Feuil1": [header, LINE], "Coordinations": [header, LINE, LINE]},
                     lambda workbook: workbook["Coordinations"].merge_cells("E2:E3"))
    refused = CliRunner().invoke(main, ["import", str(path), "--data", str(data)])
    assert refused.exit_code == 1 and "--sheet NOM" in refused.output, refused.output
    merged = CliRunner().invoke(main, ["import", str(path), "--sheet", "Coordinations", "--data", str(data)])
    assert merged.exit_code == 1, merged.output
    assert f"{path}, feuille « Coordinations », ligne 2, colonne territoires : cellules fusionnées E2:E3" \
        in merged.output
    csv_sheet = CliRunner().invoke(main, ["import", str(SAMPLES / "qpv.csv"), "--sheet", "x", "--data", str(data)])
    assert csv_sheet.exit_code == 2 and "--sheet" in csv_sheet.output
    assert _files(data) == before
    imported = CliRunner().invoke(main, ["import", str(path), "--sheet", "Feuil1", "--name", "asv-test",
                                         "--data", str(data)])
    assert imported.exit_code == 0, imported.output
    stored = (data / "directories" / "asv-test.csv").read_text(encoding="utf-8")
    assert stored.splitlines()[1].startswith("asv-test;ASV;Atelier santé ville d'Aïx — « essai »;")


def test_hints_among_many_candidates():
    ids = [f"acteur-{kind}-{number:06d}" for kind in ("ville", "ars", "association") for number in range(2000)]
    suggestions = Suggestions(ids)
    assert did_you_mean("acteur-ars-001234x", suggestions)[0] == " Vouliez-vous dire « acteur-ars-001234 » ?"
    assert suggestions.closest("acteur-vile-000042") == "acteur-ville-000042"
    assert suggestions.closest("zzz") is None
    # Past LARGE_HINTS values, no more hints: thousands of unknown ids cost no more than a thousand.
    for number in range(Suggestions.LARGE_HINTS):
        suggestions.closest(f"inconnu-{number}")
    assert suggestions.closest("acteur-ars-000001x") is None
    assert did_you_mean("nutritionn", ["nutrition", "addictions"])[0] == " Vouliez-vous dire « nutrition » ?"
