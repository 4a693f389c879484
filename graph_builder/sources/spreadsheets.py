"""Spreadsheet files as rows of text cells, as a coordinator sees them in the spreadsheet, or the cells refused.

What Excel writes, read without losing a cell:

- CSV: UTF-8 with or without BOM, or Windows-1252 (Excel's « CSV (séparateur : point-virgule) » on a French
  Windows); `;` or `,` separated. A file that is not valid UTF-8 is read as Windows-1252, unless it also holds
  UTF-8 text (a file pasted together from both): then its Windows-1252 cells are refused, as are bytes that
  Windows-1252 leaves undefined. Malformed quoting and cells larger than the csv module's limit are refused with
  their line.
- XLSX (openpyxl): the sheet to read (a workbook with several sheets holding cells is refused unless one is
  named; the help sheet « aide » of the blank templates does not count); merged cells (their value is on their
  first cell only), formulas without a value computed by the spreadsheet and formula errors (#N/A...) are refused
  with their cell reference. Cells typed as numbers, booleans and dates are written as text.

Every refusal is a `CellIssue` located by line and column (0-based index), or an `UnreadableDirectory` when the
file as a whole cannot be read (not a workbook, unsupported format).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_builder.formulas import restore
from graph_builder.problems import BilingualError

HELP_SHEET = "aide"
# Characters no spreadsheet cell should hold (tab and line ends aside): a sign of a binary or damaged file, and
# what XLSX (XML 1.0) cannot store, so that an import could not be exported back.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bytes a decoder could not read, kept by the `surrogateescape` error handler as U+DC80..U+DCFF.
UNDECODED = re.compile(r"[\udc80-\udcff]")
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
DELIMITERS = ";,\t"  # ; first: Excel's French CSV; tab: its « Texte Unicode » (UTF-16)


class UnreadableDirectory(BilingualError):
    """A directory file that cannot be read at all (format, damaged workbook)."""


@dataclass(frozen=True)
class CellIssue:
    """A cell (or a whole line if `column` is None) refused while reading; `line` is 1-based, `column` 0-based."""

    line: int
    column: int | None
    message_fr: str
    message_en: str
    value: str | None = None


@dataclass
class Sheet:
    """A file's rows of text cells, the sheet they come from (XLSX) and the cells refused."""

    rows: list[list[str]]
    name: str | None = None
    issues: list[CellIssue] | None = None
    # A refusal of the whole file (French, English), e.g. a workbook with several sheets and none named.
    refusal: tuple[str, str] | None = None


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """The rows of a CSV or XLSX file (of the sheet named `sheet`, for a workbook). Raises UnreadableDirectory."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        read = _read_xlsx(path, sheet)
    elif suffix in (".csv", ".txt", ""):
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UnreadableDirectory(f"{path.name} : fichier illisible ({exc.strerror}).",
                                      f"{path.name}: unreadable file ({exc.strerror}).") from exc
        read = read_csv_bytes(raw)
    else:
        raise UnreadableDirectory(f"{path.name} : format non pris en charge, utilisez un fichier .csv ou .xlsx.",
                                  f"{path.name}: unsupported format, use a .csv or .xlsx file.")
    issues = read.issues if read.issues is not None else []
    issues.extend(_control_characters(read.rows))
    read.issues = issues
    return read


def _control_characters(rows: list[list[str]]) -> list[CellIssue]:
    issues = []
    for line, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            found = CONTROL.search(value)
            if found:
                code = f"U+{ord(found.group()):04X}"
                issues.append(CellIssue(
                    line, index,
                    f"caractère de contrôle {code} dans la cellule (fichier binaire ou abîmé ?) : retirez-le.",
                    f"control character {code} in the cell (a binary or damaged file?): remove it."))
    return issues


# -- CSV -----------------------------------------------------------------------


def _sniff_delimiter(header_line: str) -> str:
    header_line = header_line[:4096]  # a header is short; the sniffer's patterns get slow on a long line
    try:
        return csv.Sniffer().sniff(header_line, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return max(DELIMITERS, key=header_line.count)


def read_csv_bytes(raw: bytes) -> Sheet:
    """A CSV file's rows: UTF-8 (BOM or not) if it is valid UTF-8, else Windows-1252; the unreadable cells refused.

    Valid UTF-8 decides: French text in Windows-1252 is almost never valid UTF-8 (an accented letter is one byte
    followed by a plain letter), while UTF-8 read as Windows-1252 would silently turn « é » into « Ã© ».
    """
    if raw.startswith(UTF16_BOMS):  # Excel's « Texte Unicode »
        try:
            return Sheet(*_parse_csv(raw.decode("utf-16")))
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].decode("utf-16", errors="replace").count("\n") + 1
            return Sheet([], None, [CellIssue(
                line, None, "caractère illisible : le fichier commence comme de l'UTF-16 (« Texte Unicode ») mais "
                "ne l'est pas ici. Enregistrez-le depuis le tableur au format « CSV UTF-8 » ou en XLSX.",
                "unreadable character: the file starts as UTF-16 ('Unicode Text') but is not here. Save it from the "
                "spreadsheet as 'CSV UTF-8' or XLSX.")])
    bom = raw.startswith(UTF8_BOM)
    body = raw[len(UTF8_BOM):] if bom else raw
    text = body.decode("utf-8", errors="surrogateescape")
    encoding = "utf-8"
    if UNDECODED.search(text) and not bom and not _has_non_ascii(text):
        text, encoding = body.decode("cp1252", errors="surrogateescape"), "cp1252"
    rows, issues = _parse_csv(text)
    if UNDECODED.search(text):
        issues.extend(_undecoded_cells(rows, encoding))
    return Sheet(rows, None, issues)


def _has_non_ascii(text: str) -> bool:
    """Whether the text holds characters beyond ASCII that were read as UTF-8 (undecoded bytes aside)."""
    return any(ord(char) > 0x7F and not 0xDC80 <= ord(char) <= 0xDCFF for char in text)


def _parse_csv(text: str) -> tuple[list[list[str]], list[CellIssue]]:
    header_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header_line), strict=True)
    rows: list[list[str]] = []
    try:
        for values in reader:
            rows.append([restore(value) for value in values])  # as render_csv neutralised them
    except csv.Error as exc:  # the rest of the file cannot be split into cells reliably
        line = len(rows) + 1
        return rows, [CellIssue(
            line, None,
            f"ligne illisible à partir d'ici (ligne {reader.line_num} du fichier texte) : {_csv_error_fr(exc)}. "
            "Vérifiez les guillemets de cette ligne, ou enregistrez le fichier en XLSX.",
            f"unreadable line from here on (line {reader.line_num} of the text file): {exc}. Check this line's "
            "quotes, or save the file as XLSX.")]
    return rows, []


def _csv_error_fr(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"cellule trop longue (plus de {csv.field_size_limit()} caractères)"
    if "expected after" in text:
        return "un guillemet fermant doit être suivi du séparateur"
    if "unexpected end of data" in text:
        return "guillemet ouvert jamais fermé"
    return f"CSV mal formé ({text})"


def _undecoded_cells(rows: list[list[str]], encoding: str) -> list[CellIssue]:
    issues = []
    for line, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            found = UNDECODED.search(value)
            if not found:
                continue
            byte = f"0x{ord(found.group()) - 0xDC00:02X}"
            shown = UNDECODED.sub("\ufffd", value)
            if encoding == "utf-8":
                issues.append(CellIssue(
                    line, index,
                    f"caractère illisible (octet {byte}) : le fichier mêle UTF-8 et un autre encodage (Windows-1252 ?). "
                    "Enregistrez-le de nouveau depuis le tableur au format « CSV UTF-8 » ou en XLSX.",
                    f"unreadable character (byte {byte}): the file mixes UTF-8 and another encoding (Windows-1252?). "
                    "Save it again from the spreadsheet as 'CSV UTF-8' or XLSX.", shown))
            else:
                issues.append(CellIssue(
                    line, index,
                    f"caractère illisible (octet {byte}, ni UTF-8 ni Windows-1252). Enregistrez le fichier depuis le "
                    "tableur au format « CSV UTF-8 » ou en XLSX.",
                    f"unreadable character (byte {byte}, neither UTF-8 nor Windows-1252). Save the file from the "
                    "spreadsheet as 'CSV UTF-8' or XLSX.", shown))
    return issues


# -- XLSX ----------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a coordinator sees."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheet_key(name: str) -> str:
    return " ".join(name.casefold().split())


def _read_xlsx(path: Path, wanted: str | None) -> Sheet:
    from openpyxl import load_workbook

    # openpyxl raises many kinds of exceptions (zip, XML, key, value errors) for a damaged file: any of them
    # means the workbook cannot be read, said as such rather than as a traceback.
    try:
        # Not read-only: merged ranges are only known to a fully loaded sheet. Formulas as written (data_only
        # False): a formula is told from a value only so; its computed value is read below.
        workbook = load_workbook(path, data_only=False)
        try:
            return _sheet_of(workbook, path, wanted)
        finally:
            workbook.close()
    except UnreadableDirectory:
        raise
    except Exception as exc:
        raise UnreadableDirectory(f"{path.name} : classeur XLSX illisible ({exc}).",
                                  f"{path.name}: unreadable XLSX workbook ({exc}).") from exc


def _has_cells(worksheet) -> bool:
    return any(value is not None for row in worksheet.iter_rows(values_only=True) for value in row)


def _sheet_of(workbook, path: Path, wanted: str | None) -> Sheet:
    names = [sheet.title for sheet in workbook.worksheets]  # chart sheets hold no cells
    if wanted is not None:
        chosen = next((n for n in names if n == wanted), None) \
            or next((n for n in names if sheet_key(n) == sheet_key(wanted)), None)
        if chosen is None:
            return Sheet([], None, [], (
                f"le classeur n'a pas de feuille « {wanted} » ; ses feuilles : {' ; '.join(names)}.",
                f"the workbook has no sheet '{wanted}'; its sheets: {'; '.join(names)}."))
    else:
        filled = [n for n in names if sheet_key(n) != HELP_SHEET and _has_cells(workbook[n])]
        if len(filled) > 1:
            listed = ", ".join(f"« {n} »" for n in filled)
            return Sheet([], None, [], (
                f"le classeur a plusieurs feuilles remplies ({listed}) : indiquez celle à importer avec --sheet NOM "
                "(une feuille par import), pour qu'aucune ne soit oubliée.",
                f"the workbook has several filled sheets ({', '.join(filled)}): name the one to import with "
                "--sheet NAME (one sheet per import), so that none is forgotten."))
        chosen = filled[0] if filled else next((n for n in names if sheet_key(n) != HELP_SHEET), names[0])
    worksheet = workbook[chosen]
    issues = [_merged_issue(cells) for cells in sorted(worksheet.merged_cells.ranges, key=lambda r: r.bounds[1::-1])]
    rows: list[list[str]] = []
    formulas: dict[tuple[int, int], str] = {}
    for line, cells in enumerate(worksheet.iter_rows(), start=1):
        values = []
        for index, cell in enumerate(cells):
            if cell.data_type == "f":
                formulas[(line, index)] = cell.coordinate
                values.append("")
            elif cell.data_type == "e":
                issues.append(CellIssue(
                    line, index,
                    f"erreur de formule dans la cellule {cell.coordinate} : corrigez la formule ou écrivez la valeur.",
                    f"formula error in cell {cell.coordinate}: fix the formula or write the value.", str(cell.value)))
                values.append("")
            else:
                values.append(cell_text(cell.value))
        rows.append(values)
    if formulas:
        issues.extend(_computed_values(path, chosen, rows, formulas))
    return Sheet(rows, chosen, issues)


def _merged_issue(cells) -> CellIssue:
    min_col, min_row = cells.min_col, cells.min_row
    return CellIssue(
        min_row, min_col - 1,
        f"cellules fusionnées {cells.coord} : leur valeur n'est lue que dans la première. Défusionnez-les et "
        "écrivez la valeur dans chaque cellule.",
        f"merged cells {cells.coord}: their value is read in the first one only. Unmerge them and write the value "
        "in each cell.")


def _computed_values(path: Path, sheet: str, rows: list[list[str]], formulas: dict[tuple[int, int], str]
                     ) -> list[CellIssue]:
    """Fill the formulas' cells with the values the spreadsheet computed and saved; refuse those it did not."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        for line, values in enumerate(workbook[sheet].iter_rows(values_only=True), start=1):
            for index, value in enumerate(values):
                if (line, index) in formulas and value is not None:
                    rows[line - 1][index] = cell_text(value)
                    del formulas[(line, index)]
    finally:
        workbook.close()
    return [CellIssue(
        line, index,
        f"formule sans valeur calculée dans la cellule {coordinate} (fichier produit par un programme, jamais "
        "ouvert dans un tableur ?) : ouvrez-le et enregistrez-le dans le tableur, ou remplacez la formule par sa "
        "valeur.",
        f"formula without a computed value in cell {coordinate} (a file made by a program, never opened in a "
        "spreadsheet?): open and save it in the spreadsheet, or replace the formula with its value.")
        for (line, index), coordinate in sorted(formulas.items())]
