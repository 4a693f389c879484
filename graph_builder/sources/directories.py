"""Directories ("annuaires"): spreadsheets of records, one template per kind.

A directory is a CSV or XLSX file with a header row and one line per
record; `directory_templates.yaml` (beside this module) maps each template's
columns to record fields. This module:

- loads the templates (`load_templates`, `TEMPLATE_COLUMNS`);
- reads a CSV or XLSX file (spreadsheets.py: encodings, sheets, merged cells, formulas) into
  rows of cells with their spreadsheet line numbers (`read_table`), and
  puts cells in canonical form (`canonical_rows`);
- turns rows into located records (`rows_to_records`): each record's `file`
  is the directory file and its `line` the spreadsheet line, so a problem
  says « ligne 12 » and, through the template, « colonne territoires »;
- reads the stored directories of a data directory (`read_directories`,
  called by `sources.read_data_dir`) with the plain csv module;
- writes rows back to canonical CSV or XLSX (`write_rows`, `render_csv`),
  turns records back into rows (`record_rows`, for `maillage export-directory`), and
  writes the blank templates (`write_blank_templates`).

The canonical CSV is UTF-8 without BOM, `;`-delimited, with a header row,
`\\n` line ends and cells quoted only when needed.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from graph_builder.files import atomic_write
from graph_builder.formulas import neutralise
from graph_builder.problems import Problem, Suggestions, did_you_mean
from graph_builder.sources.located import ParsedFiles, RawRecord
from graph_builder.sources.spreadsheets import HELP_SHEET, UnreadableDirectory, cell_text, read_sheet

FOLDER = "directories"  # data/directories/
SOURCE_PREFIX = "annuaire-"  # source document id of data/directories/<name>.csv
CELL_TYPES = frozenset({"text", "id", "parent", "territory", "boolean", "reference", "license"})

COMMUNE_CODE = re.compile(r"^(2[AB]|[0-9]{2})[0-9]{3}$")
SIREN = re.compile(r"^[0-9]{9}$")
QPV_CODE = re.compile(r"^Q[PN][0-9A-Z]{6}$")
PREFIXED_CODE = re.compile(r"^(departement|region):(\S+)$")
TERRITORY_ID = re.compile(r"^([a-z][a-z-]*)/(\S+)$")
URL = re.compile(r"^https?://\S+$")
BOOLEANS = {"oui": True, "non": False}
SERIAL_DATE = re.compile(r"^[1-9][0-9]{4}(\.[0-9]+)?$")


# -- templates -------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    field: str | None = None
    nested: str | None = None
    set: tuple[tuple[str, str], ...] = ()
    cell: str = "text"
    many: bool = False
    required: bool = False
    doc: str = ""
    example: str = ""


@dataclass(frozen=True)
class Attach:
    """Lines are nested records (`field`) of the record of `kind` named in `column`."""

    kind: str
    field: str
    column: str


@dataclass(frozen=True)
class Template:
    name: str
    kind: str
    label_fr: str
    label_en: str
    doc: str
    columns: tuple[Column, ...]
    set: tuple[tuple[str, str], ...] = ()
    id_from: tuple[str, ...] = ()
    attach: Attach | None = None

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    def column_of(self, cell: str) -> Column | None:
        return next((c for c in self.columns if c.cell == cell), None)


@dataclass(frozen=True)
class Templates:
    templates: dict[str, Template]
    separator: str
    default_license: str
    licenses: dict[str, str]  # name key -> IRI
    license_names: dict[str, str]  # IRI -> the name written back

    def __getitem__(self, name: str) -> Template:
        return self.templates[name]

    def __iter__(self):
        return iter(self.templates.values())


def _column(name: str, raw: dict[str, Any]) -> Column:
    cell = raw.get("cell", "text")
    if cell not in CELL_TYPES:
        raise ValueError(f"column {name!r}: unknown cell type {cell!r}")
    return Column(
        name=name,
        field=raw.get("field"),
        nested=raw.get("nested"),
        set=tuple(sorted((raw.get("set") or {}).items())),
        cell=cell,
        many=bool(raw.get("many", False)),
        required=bool(raw.get("required", False)),
        doc=raw.get("doc", ""),
        example=str(raw.get("example", "")),
    )


def parse_templates(raw: dict[str, Any]) -> Templates:
    common = [_column(n, v) for n, v in (raw.get("common_columns") or {}).items()]
    templates = {}
    for name, spec in raw["templates"].items():
        attach = spec.get("attach")
        templates[name] = Template(
            name=name,
            kind=spec["kind"],
            label_fr=spec["label"]["fr"],
            label_en=spec["label"]["en"],
            doc=spec.get("doc", ""),
            columns=tuple([_column(n, v) for n, v in spec["columns"].items()] + common),
            set=tuple(sorted((spec.get("set") or {}).items())),
            id_from=tuple(spec.get("id_from") or ()),
            attach=Attach(attach["kind"], attach["field"], attach["column"]) if attach else None,
        )
    licenses: dict[str, str] = {}
    names: dict[str, str] = {}
    for iri, aliases in raw["licenses"].items():
        names[iri] = aliases[0]
        for alias in aliases:
            licenses[_name_key(alias)] = iri
    return Templates(templates, raw["separator"], raw["default_license"], licenses, names)


@cache
def load_templates() -> Templates:
    """The directory templates shipped with the builder."""
    text = resources.files(__package__).joinpath("directory_templates.yaml").read_text(encoding="utf-8")
    return parse_templates(yaml.safe_load(text))


def _name_key(text: str) -> str:
    """Comparison key of names: no accents, no case, single spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.casefold().replace("_", " ").split())


def _header_key(text: str) -> str:
    """A header cell as a column name: « Rôle contact » -> role_contact."""
    return re.sub(r"[\s-]+", "_", _name_key(text)).strip("_")


def derive_id(values: Iterable[str]) -> str:
    """Lowercase ASCII slug of the values joined by hyphens (an id for an IRI)."""
    text = unicodedata.normalize("NFKD", "-".join(values)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def split_cell(value: str) -> list[str]:
    separator = load_templates().separator
    return [item.strip() for item in value.split(separator) if item.strip()]


def license_iri(value: str) -> str | None:
    """IRI of a licence given by a known name or by its web address."""
    value = value.strip()
    if URL.match(value):
        return value
    return load_templates().licenses.get(_name_key(value))


def license_name(iri: str) -> str:
    """The name a licence is written with in directories (its web address if unknown)."""
    return load_templates().license_names.get(iri, iri)


# Header of each template, for programs that write directories (e.g. a generator).
TEMPLATE_COLUMNS: dict[str, list[str]] = {t.name: t.header for t in load_templates()}


# -- territories -----------------------------------------------------------


@cache
def _referential():
    """The official referential from the cache, or None: reading directories never touches the network."""
    from graph_builder.referential.package import TARBALL, ReferentialError, default_cache, load

    path = default_cache() / TARBALL
    if not path.exists():
        return None
    try:
        return load(path)
    except ReferentialError:
        return None


@cache
def _ept_sirens() -> frozenset[str]:
    referential = _referential()
    return frozenset(group["code"] for group in referential["ept"]) if referential else frozenset()


@cache
def _former_communes() -> dict[str, tuple[str, str]]:
    """Former INSEE code -> (code, name) of the current commune it was merged into: the referential's
    `anciensCodes` (4,240 codes, each in one current commune, none a current commune's code; no date given)."""
    referential = _referential()
    if not referential:
        return {}
    return {former: (commune["code"], commune["nom"]) for commune in referential["communes"]
            if commune.get("type") == "commune-actuelle" for former in commune.get("anciensCodes", ())}


def former_commune(ident: str) -> tuple[str, str, str] | None:
    """For `commune/<former code>`: (the current commune's id, a French and an English warning), else None."""
    level, _, code = ident.partition("/")
    found = _former_communes().get(code) if level == "commune" else None
    if found is None:
        return None
    current, name = found
    return (f"commune/{current}",
            f"« {code} » est un ancien code INSEE : cette commune a été fusionnée dans {name} ({current}), à laquelle "
            f"la ligne est rattachée. Le référentiel ne donne pas la date du changement ; écrivez « {current} » pour "
            "ne plus voir cet avertissement.",
            f"'{code}' is a former INSEE code: this commune was merged into {name} ({current}), to which the line is "
            f"attached. The referential gives no date for the change; write '{current}' to silence this warning.")


def siren_level(code: str) -> str:
    """`ept` if the official referential has an EPT with this SIREN, else `epci`."""
    return "ept" if code in _ept_sirens() else "epci"


def territory_cell(ident: str) -> str:
    """How a territory id is written in a directory cell: 13001, departement:13, 200054807, QP013001."""
    level, _, code = ident.partition("/")
    if (level == "commune" and COMMUNE_CODE.match(code)) or (level in ("epci", "ept") and SIREN.match(code)) \
            or (level == "qpv" and QPV_CODE.match(code)):
        return code
    if level in ("departement", "region") and code:
        return f"{level}:{code}"
    return ident


def canonical_territory(value: str) -> str:
    """A territory cell in canonical form (`Département : 13` -> `departement:13`, `commune/13001` -> `13001`)."""
    match = re.match(r"^([^:/]+?)\s*[:/]\s*(\S+)$", value.strip())
    if match:
        level = derive_id([match.group(1)])
        if level and TERRITORY_ID.match(f"{level}/{match.group(2)}"):
            return territory_cell(f"{level}/{match.group(2)}")
    return value.strip()


def territory_id(value: str) -> tuple[str | None, str, str]:
    """(territory id, "", "") for a territory cell, or (None, French, English) saying what to write."""
    if COMMUNE_CODE.match(value):
        return f"commune/{value}", "", ""
    if SIREN.match(value):
        return f"{siren_level(value)}/{value}", "", ""
    if QPV_CODE.match(value):
        return f"qpv/{value}", "", ""
    match = PREFIXED_CODE.match(value)
    if match:
        return f"{match.group(1)}/{match.group(2)}", "", ""
    if TERRITORY_ID.match(value):
        return value, "", ""
    if re.fullmatch(r"[0-9]{4}", value):
        return None, (
            f"code commune à 4 chiffres « {value} » : le zéro initial a sans doute été perdu (cellule au format "
            f"nombre). Écrivez « 0{value} » dans une cellule au format texte."
        ), (
            f"4-digit commune code '{value}': the leading zero was probably lost (a number cell). "
            f"Write '0{value}' in a text cell."
        )
    if re.fullmatch(r"[0-9]{2,3}|2[AB]", value):
        return None, (
            f"« {value} » est ambigu : écrivez « departement:{value} » pour un département ou « region:{value} » "
            "pour une région."
        ), f"'{value}' is ambiguous: write 'departement:{value}' for a département or 'region:{value}' for a region."
    if re.search(r"[^\W\d_]", value):
        return (None, *_name_instead_of_code(value))
    return None, (
        f"code de territoire invalide « {value} » : écrivez un code commune INSEE (13001), le SIREN d'un EPCI ou "
        "d'un EPT (9 chiffres), departement:13, region:93 ou un code de quartier prioritaire (QP013001, QN01301M)."
    ), (
        f"invalid territory code '{value}': write a commune's INSEE code (13001), an EPCI's or EPT's SIREN "
        "(9 digits), departement:13, region:93 or a priority neighbourhood's code (QP013001, QN01301M)."
    )


def _name_instead_of_code(value: str) -> tuple[str, str]:
    """A commune's name where a code is expected: list the communes bearing it, never pick one."""
    from graph_builder.referential.package import resolve_commune, resolve_former_commune

    referential = _referential()
    candidates = resolve_commune(referential, value) if referential else []
    lead_fr = f"« {value} » est un nom, pas un code : les territoires s'écrivent par leur code officiel."
    lead_en = f"'{value}' is a name, not a code: territories are written with their official code."
    if len(candidates) == 1:
        found = candidates[0]
        return (f"{lead_fr} Pour la commune {found.describe()}, écrivez « {found.code} ».",
                f"{lead_en} For the commune {found.describe()}, write '{found.code}'.")
    if candidates:
        listed = [c.describe() for c in candidates]
        return (f"{lead_fr} {len(candidates)} communes portent ce nom, écrivez le code de la bonne : "
                f"{' ; '.join(listed)}.",
                f"{lead_en} {len(candidates)} communes bear this name, write the right one's code: {'; '.join(listed)}.")
    former = resolve_former_commune(referential, value) if referential else []
    if former:  # a former commune the referential still names (commune déléguée or associée): its commune now
        listed_fr = " ; ".join(f"{old.name} ({old.code}), aujourd'hui dans {now.describe()} : écrivez « {now.code} »"
                               for old, now in former)
        listed_en = "; ".join(f"{old.name} ({old.code}), now part of {now.describe()}: write '{now.code}'"
                              for old, now in former)
        return (f"{lead_fr} C'est le nom d'une ancienne commune : {listed_fr}.",
                f"{lead_en} It is a former commune's name: {listed_en}.")
    return (f"{lead_fr} Aucune commune actuelle ne porte ce nom ; cherchez son code avec « maillage referential "
            "resolve NOM ».",
            f"{lead_en} No current commune bears this name; look its code up with 'maillage referential resolve NAME'.")


# -- reading files -----------------------------------------------------------


Row = tuple[int, dict[str, str]]  # spreadsheet line number, cells by column


@dataclass
class Table:
    """A directory file's template and its non-blank rows (and the sheet they come from, for a workbook)."""

    template: Template
    rows: list[Row]
    sheet: str | None = None


@dataclass
class Reading:
    """What reading a directory file gives: its table (None if refused), its problems, the sheet read."""

    table: Table | None
    problems: list[Problem]
    sheet: str | None = None


def _choose_template(keys: list[str], kind: str | None, sheet: str | None) -> Template | None:
    templates = load_templates().templates
    if kind:
        return templates[kind]
    wanted = set(keys)
    exact = [t for t in templates.values() if set(t.header) == wanted]
    if exact:
        return exact[0]
    if sheet and _header_key(sheet) in templates:
        return templates[_header_key(sheet)]

    def score(template: Template) -> int:
        return len(wanted & set(template.header)) - len(wanted - set(template.header))

    best = max(templates.values(), key=score)
    return best if score(best) * 2 >= len(best.header) else None


def _header_problems(display: str, template: Template | None, keys: list[str], cells: list[str]) -> list[Problem]:
    templates = load_templates().templates
    if template is None:
        listed = " ; ".join(f"{t.name} : {';'.join(t.header)}" for t in templates.values())
        listed_en = "; ".join(f"{t.name}: {';'.join(t.header)}" for t in templates.values())
        return [Problem(display, 1, None, None,
                        f"en-tête non reconnu : la première ligne doit nommer les colonnes d'un modèle d'annuaire "
                        f"({listed}). Précisez le modèle avec --kind si besoin.",
                        f"unrecognised header: the first line must name the columns of a directory template "
                        f"({listed_en}). Give the template with --kind if needed.")]
    problems = []
    seen: set[str] = set()
    for key, cell in zip(keys, cells, strict=True):
        if not key:
            continue
        if key in seen:
            problems.append(Problem(display, 1, None, key, f"colonne « {cell} » en double dans l'en-tête.",
                                    f"column '{cell}' appears twice in the header."))
        seen.add(key)
        if template.column(key) is None:
            hint = difflib.get_close_matches(key, template.header, n=1)
            hint_fr = f" Vouliez-vous dire « {hint[0]} » ?" if hint else ""
            hint_en = f" Did you mean '{hint[0]}'?" if hint else ""
            problems.append(Problem(
                display, 1, None, key,
                f"colonne inconnue « {cell} » pour le modèle « {template.name} ».{hint_fr} "
                f"Colonnes du modèle : {';'.join(template.header)}.",
                f"unknown column '{cell}' for template '{template.name}'.{hint_en} "
                f"Template columns: {';'.join(template.header)}.",
            ))
    for column in template.columns:
        if column.required and column.name not in seen:
            problems.append(Problem(
                display, 1, None, column.name,
                f"colonne obligatoire « {column.name} » absente de l'en-tête (modèle « {template.name} » : "
                f"{';'.join(template.header)}).",
                f"required column '{column.name}' missing from the header (template '{template.name}': "
                f"{';'.join(template.header)}).",
            ))
    return problems


def read_table(path: Path, display: str, kind: str | None = None) -> tuple[Table | None, list[Problem]]:
    """A directory file's rows, or the problems of its header. Raises UnreadableDirectory."""
    reading = read_file(path, display, kind)
    return reading.table, reading.problems


def _column_label(keys: list[str], index: int | None) -> str | None:
    """A column as the problems name it: its header, else its spreadsheet letter."""
    if index is None:
        return None
    if index < len(keys) and keys[index]:
        return keys[index]
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_file(path: Path, display: str, kind: str | None = None, sheet: str | None = None) -> Reading:
    """A directory file's rows (of `sheet`, for a workbook), or the problems that refuse it, each located by
    line and column. Raises UnreadableDirectory for a file that cannot be read at all."""
    read = read_sheet(path, sheet)
    if read.refusal is not None:
        return Reading(None, [Problem(display, None, None, None, *read.refusal)], read.name)
    raw = read.rows
    cells = [cell.strip() for cell in raw[0]] if raw else []
    while cells and not cells[-1]:
        cells.pop()
    keys = [_header_key(cell) for cell in cells]
    problems = [Problem(display, issue.line, None, _column_label(keys, issue.column), issue.message_fr,
                        issue.message_en, value=issue.value) for issue in read.issues or []]
    if not cells:
        problems.append(Problem(display, 1, None, None, "fichier vide ou sans en-tête : la première ligne doit "
                                "nommer les colonnes du modèle.", "empty file or no header: the first line must "
                                "name the template's columns."))
        return Reading(None, problems, read.name)
    template = _choose_template(keys, kind, read.name)
    header = _header_problems(display, template, keys, cells)
    if template is None or header:
        return Reading(None, problems + header, read.name)
    rows: list[Row] = []
    for index, values in enumerate(raw[1:], start=2):
        if not any(value.strip() for value in values):
            continue
        # A value in a column without a header would be left out of the record: refused, never dropped.
        for position, value in enumerate(values):
            if value.strip() and (position >= len(keys) or not keys[position]):
                problems.append(Problem(display, index, None, _column_label([], position),
                                        f"valeur hors des colonnes de l'en-tête : « {value.strip()} ».",
                                        f"value outside the header's columns: '{value.strip()}'."))
        rows.append((index, {key: (values[i] if i < len(values) else "") for i, key in enumerate(keys) if key}))
    return Reading(Table(template, rows, read.name), problems, read.name)


def canonical_cells(template: Template, cells: dict[str, str]) -> dict[str, str]:
    """One row's cells in canonical form: trimmed, `|` lists, territory codes, licence names, derived id."""
    separator = load_templates().separator
    canonical: dict[str, str] = {}
    for column in template.columns:
        value = cells.get(column.name, "").replace("\r\n", "\n").replace("\r", "\n").strip()
        items = split_cell(value) if column.many else ([value] if value else [])
        if column.cell == "territory":
            items = [canonical_territory(item) for item in items]
        elif column.cell == "boolean":
            items = [item.lower() if item.lower() in BOOLEANS else item for item in items]
        elif column.cell == "license":
            items = [_canonical_license(item) for item in items]
        elif column.name in _date_columns(template):
            items = [_serial_date(item) for item in items]
        canonical[column.name] = separator.join(items)
    _derive(template, canonical)
    return canonical


@cache
def _date_columns(template: Template) -> frozenset[str]:
    """The template's columns that hold dates (record_kinds.yaml: type date)."""
    from graph_builder.kinds import load_schema

    schema = load_schema()
    fields = schema.fields_of(schema.kinds[template.kind])
    found = set()
    for column in template.columns:
        spec = fields.get(column.nested) if column.nested else None
        kind_fields = schema.fields_of(schema.kinds[spec.kind]) if spec is not None and spec.kind else fields
        field = kind_fields.get(column.field or "")
        if field is not None and field.type == "date":
            found.add(column.name)
    return frozenset(found)


def _serial_date(value: str) -> str:
    """A date cell holding Excel's serial number (days since 1899-12-30: 45292 is 2024-01-01) as an ISO date.

    Only five-digit serials (1927-2173): a four-digit number in a date column is a year, as the template says.
    """
    if not SERIAL_DATE.match(value):
        return value
    from openpyxl.utils.datetime import from_excel

    return cell_text(from_excel(float(value)))


def _canonical_license(value: str) -> str:
    iri = license_iri(value)
    return license_name(iri) if iri else value


def _derive(template: Template, cells: dict[str, str]) -> None:
    id_column = template.column_of("id")
    if id_column is not None and not cells.get(id_column.name) and template.id_from:
        parts = [cells.get(name, "") for name in template.id_from]
        cells[id_column.name] = derive_id(p for p in parts if p)


def canonical_rows(table: Table) -> list[Row]:
    return [(line, canonical_cells(table.template, cells)) for line, cells in table.rows]


# -- rows -> records ---------------------------------------------------------


@dataclass
class Attachment:
    """A line to add as a nested record to another record, found after every file is read."""

    kind: str
    field: str
    parent_id: str
    column: str
    record: RawRecord


def rows_to_records(template: Template, rows: list[Row], display: str, source_id: str
                    ) -> tuple[list[RawRecord], list[Attachment], list[Problem]]:
    """Located records of a directory's rows (cells in canonical form or as written)."""
    records: list[RawRecord] = []
    attachments: list[Attachment] = []
    problems: list[Problem] = []
    identity = _identity(template)
    seen: dict[str, int] = {}
    id_column = template.column_of("id")
    derive = id_column is not None and bool(template.id_from)
    for line, cells in rows:
        if derive and not cells.get(id_column.name):  # type: ignore[union-attr]
            cells = dict(cells)
            _derive(template, cells)
        data: dict[str, Any] = dict(template.set)
        nested: dict[str, dict[str, Any]] = {}
        parent_id = ""
        label = f"{template.kind} {cells[id_column.name]}" if id_column and cells.get(id_column.name) \
            else f"{template.kind} ({display}:{line})"
        for column in template.columns:
            value = cells.get(column.name, "").strip()
            if not value:
                continue
            if column.cell == "parent":
                parent_id = value
                continue
            if column.cell == "reference":
                data["source_url" if URL.match(value) else "source_citation"] = value
                continue
            if column.cell == "license":
                iri = license_iri(value)
                if iri is None:
                    known = ", ".join(load_templates().license_names.values())
                    problems.append(Problem(
                        display, line, label, "license",
                        f"licence inconnue « {value} » : écrivez l'un des noms {known}, ou l'adresse web de la licence.",
                        f"unknown licence '{value}': write one of {known}, or the licence's web address.",
                        value=value))
                else:
                    data["license"] = iri
                continue
            values: list[Any] = []
            for item in split_cell(value) if column.many else [value]:
                if column.cell == "territory":
                    ident, fr, en = territory_id(item)
                    if ident is None:
                        problems.append(Problem(display, line, label, column.field, fr, en, value=item))
                        continue
                    if merged := former_commune(ident):  # the current commune, and the line says so
                        ident, fr, en = merged
                        problems.append(Problem(display, line, label, column.field, fr, en, "warning", value=item))
                    values.append(ident)
                elif column.cell == "boolean":
                    if item.lower() not in BOOLEANS:
                        problems.append(Problem(display, line, label, column.field,
                                                "valeur invalide : « oui » ou « non » attendu.",
                                                "invalid value: 'oui' (yes) or 'non' (no) expected.", value=item))
                        continue
                    values.append(BOOLEANS[item.lower()])
                else:
                    values.append(item)
            if not values or column.field is None:
                continue
            target = nested.setdefault(column.nested, dict(column.set)) if column.nested else data
            target[column.field] = values if column.many else values[0]
        data["source"] = source_id
        for fname, child in nested.items():
            data[fname] = [RawRecord("", child, display, line, {k: line for k in child})]
        record = RawRecord(template.kind, data, display, line, {k: line for k in data})
        key = identity(data, parent_id)
        if key is not None and key in seen:  # left out of the graph: its facts would mix with the first line's
            problems.append(Problem(
                display, line, label, _first_field(template),
                f"doublon : « {key} » est déjà décrit à la ligne {seen[key]} de ce fichier. Fusionnez les deux lignes "
                "ou changez l'identifiant.",
                f"duplicate: '{key}' is already described on line {seen[key]} of this file. Merge the two lines or "
                "change the id."))
            continue
        if key is not None:
            seen[key] = line
        if template.attach is None:
            records.append(record)
        elif not parent_id:
            problems.append(Problem(display, line, label, template.attach.column,
                                    f"colonne « {template.attach.column} » vide : indiquez l'identifiant de la "
                                    f"{template.attach.kind} à laquelle la ligne se rattache.",
                                    f"column '{template.attach.column}' is empty: give the id of the "
                                    f"{template.attach.kind} the line belongs to."))
        else:
            attachments.append(Attachment(template.attach.kind, template.attach.field, parent_id,
                                          template.attach.column, record))
    return records, attachments, problems


def _pattern(template: Template) -> str:
    """How records of the template's kind are identified (record_kinds.yaml), e.g. `{id}` or `{level}/{code}`."""
    from graph_builder.kinds import load_schema

    kind = load_schema().kinds[template.kind]
    return kind.id_from or kind.key or "{id}"


def _first_field(template: Template) -> str:
    """The first identifying field a column fills (the one a duplicate is reported on)."""
    names = re.findall(r"{(\w+)}", _pattern(template))
    filled = {column.field for column in template.columns if column.field and not column.nested}
    return next((name for name in names if name in filled), names[0])


def _identity(template: Template):
    """A function giving a line's identity in its file (None if a field it needs is missing)."""
    pattern = _pattern(template)
    names = re.findall(r"{(\w+)}", pattern)

    def identity(data: dict[str, Any], parent_id: str) -> str | None:
        values = {name: data.get(name) for name in names}
        if any(v in (None, "") or isinstance(v, list) for v in values.values()):
            return None
        key = pattern.format(**{k: str(v) for k, v in values.items()})
        return f"{parent_id} › {key}" if template.attach else key

    return identity


def attach(records: list[RawRecord], attachments: list[Attachment]) -> list[Problem]:
    """Add each attached line under the record it names (the first record of that kind and id)."""
    index: dict[tuple[str, str], RawRecord] = {}
    for record in records:
        index.setdefault((record.kind, str(record.data.get("id", ""))), record)
    problems = []
    known: dict[str, Suggestions] = {}  # made once per kind, not once per unknown parent
    for item in attachments:
        parent = index.get((item.kind, item.parent_id))
        if parent is None:
            if item.kind not in known:
                known[item.kind] = Suggestions(sorted(i for k, i in index if k == item.kind))
            hint_fr, hint_en = did_you_mean(item.parent_id, known[item.kind])
            problems.append(Problem(
                item.record.file, item.record.line, f"{item.record.kind} ({item.record.file}:{item.record.line})",
                item.column,
                f"{item.kind} inconnue « {item.parent_id} » : aucune {item.kind} n'a cet identifiant, ni dans les "
                f"données ni dans les annuaires importés.{hint_fr}",
                f"unknown {item.kind} '{item.parent_id}': no {item.kind} has this id, in the data or in the "
                f"imported directories.{hint_en}",
                value=item.parent_id))
            continue
        children = parent.data.get(item.field)
        if not isinstance(children, list):
            children = [] if children in (None, "") else [children]
            parent.data[item.field] = children
        children.append(item.record)
    return problems


def read_directory(path: Path, display: str) -> tuple[list[RawRecord], list[Attachment], list[Problem]]:
    """One stored directory's records, and its lines to attach to records of other files."""
    try:
        table, problems = read_table(path, display)
    except UnreadableDirectory as exc:
        return [], [], [Problem(display, None, None, None, exc.message_fr, exc.message_en)]
    if table is None:
        return [], [], problems
    records, attachments, issues = rows_to_records(table.template, table.rows, display, SOURCE_PREFIX + path.stem)
    return records, attachments, problems + issues


def read_directories(data_dir: Path, records: list[RawRecord], parsed: ParsedFiles | None = None
                     ) -> tuple[list[RawRecord], list[Problem]]:
    """Records of the stored directories (data/directories/*.csv), lines attached to `records` or to them."""
    folder = data_dir / FOLDER
    parsed = parsed or ParsedFiles()
    found: list[RawRecord] = []
    attachments: list[Attachment] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return found, problems
    for path in sorted(folder.glob("*.csv")):
        display = f"{data_dir.name}/{FOLDER}/{path.name}"
        new, attached, issues = parsed.parse(path, display, read_directory)
        found.extend(new)
        attachments.extend(attached)
        problems.extend(issues)
    problems.extend(attach(records + found, attachments))
    return found, problems


# -- records -> rows ---------------------------------------------------------


def _sources(record: RawRecord) -> list[str]:
    value = record.data.get("source")
    if value in (None, "", []):
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _cell(column: Column, value: Any) -> str:
    if value is None or value == "" or value == []:
        return ""
    items = value if isinstance(value, list) else [value]
    if column.cell == "territory":
        return load_templates().separator.join(territory_cell(str(item)) for item in items)
    return load_templates().separator.join(_text(item) for item in items)


def _row(template: Template, record: RawRecord, parent_id: str = "") -> dict[str, str]:
    data = record.data
    row = {}
    for column in template.columns:
        if column.cell == "parent":
            row[column.name] = parent_id
        elif column.cell == "reference":
            row[column.name] = str(data.get("source_url") or data.get("source_citation") or "")
        elif column.cell == "license":
            row[column.name] = license_name(str(data["license"])) if data.get("license") else ""
        elif column.nested:
            children = data.get(column.nested) or []
            holder = next((c for c in (children if isinstance(children, list) else [children])
                           if isinstance(c, RawRecord) and "source" not in c.data
                           and all(str(c.data.get(k)) == v for k, v in column.set)), None)
            row[column.name] = _cell(column, holder.data.get(column.field)) if holder else ""
        else:
            row[column.name] = _cell(column, data.get(column.field or ""))
    return row


def record_rows(template: Template, records: list[RawRecord], source: str | None = None) -> list[dict[str, str]]:
    """Rows of the template for the records (of one source document, if given), in the data's order."""
    if template.attach is None:
        return [
            _row(template, record) for record in records
            if record.kind == template.kind
            and all(str(record.data.get(k)) == v for k, v in template.set)
            and (source is None or source in _sources(record))
        ]
    found = []
    for record in records:
        if record.kind != template.attach.kind:
            continue
        children = record.data.get(template.attach.field) or []
        for child in children if isinstance(children, list) else [children]:
            if not isinstance(child, RawRecord):
                continue
            if source is not None and source not in (_sources(child) or _sources(record)):
                continue
            found.append((child.file, child.line, _row(template, child, str(record.data.get("id", "")))))
    found.sort(key=lambda item: (item[0], item[1]))
    return [row for _file, _line, row in found]


# -- writing -----------------------------------------------------------------


def render_csv(header: list[str], rows: Iterable[list[str]]) -> str:
    """Canonical CSV text: `;`, `\\n` line ends, cells quoted only when needed, formulas neutralised (read back
    by `_read_csv`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def row_cells(template: Template, row: dict[str, str]) -> list[str]:
    unknown = set(row) - set(template.header)
    if unknown:
        raise ValueError(f"columns not in template {template.name!r}: {sorted(unknown)}")
    return [str(row.get(name) or "") for name in template.header]


FIXED_TIME = dt.datetime(2000, 1, 1)


def _help_rows(template: Template) -> list[list[str]]:
    rows = [["colonne", "obligatoire", "plusieurs valeurs (séparées par |)", "à écrire", "exemple"]]
    for column in template.columns:
        rows.append([column.name, "oui" if column.required else "non", "oui" if column.many else "non",
                     column.doc, column.example])
    return rows


def xlsx_bytes(template: Template, rows: list[list[str]]) -> bytes:
    """An XLSX workbook: the template's sheet (text cells) and a help sheet « aide »; same input, same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = template.name
    for values in [template.header, *rows]:
        sheet.append(values)
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"  # text: codes keep their leading zeros
            cell.data_type = "s"  # openpyxl would write a cell starting with "=" as a formula
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(template.header):
        sheet.column_dimensions[sheet.cell(1, index + 1).column_letter].width = max(12, len(name) + 4)
    aide = workbook.create_sheet(HELP_SHEET)
    aide.append([f"Modèle d'annuaire « {template.name} » : {template.doc}"])
    aide.append(["Une ligne par enregistrement ; codes et dates en cellules au format texte ; dates AAAA, AAAA-MM "
                 "ou AAAA-MM-JJ ; territoires par code officiel : 13001, 200054807, departement:13, region:93, "
                 "QP013001."])
    aide.append([])
    for values in _help_rows(template):
        aide.append(values)
    for cell in aide[4]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (16, 12, 14, 90, 30), strict=True):
        aide.column_dimensions[letter].width = width
    workbook.properties.creator = "maillage"
    workbook.properties.created = FIXED_TIME
    raw = io.BytesIO()
    workbook.save(raw)
    return _fixed_zip(raw.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed entry times and modification date, so that equal workbooks are equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>" + FIXED_TIME.isoformat().encode() + rb"Z\g<2>", content)
            target.writestr(entry, content)
    return out.getvalue()


def write_rows(kind: str, rows: list[dict[str, str]], path: Path, format: str | None = None) -> None:
    """Write rows (cells by column name) of the directory template `kind` to a canonical CSV or an XLSX file.

    `format` is "csv" or "xlsx" (default: the path's suffix, else csv). The
    file is written atomically. Cells are written as given: pass them in
    canonical form (codes, `|` lists, dates AAAA[-MM[-JJ]], oui/non).
    """
    template = load_templates()[kind]
    cells = [row_cells(template, row) for row in rows]
    fmt = format or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
    if fmt == "xlsx":
        atomic_write(path, xlsx_bytes(template, cells))
    elif fmt == "csv":
        atomic_write(path, render_csv(template.header, cells).encode("utf-8"))
    else:
        raise ValueError(f"unknown format {fmt!r}: csv or xlsx")


# -- blank templates ---------------------------------------------------------


def write_blank_templates(directory: Path) -> list[Path]:
    """One empty CSV and XLSX template per directory kind (header; the XLSX adds its help sheet)."""
    written = []
    for template in load_templates():
        for suffix in ("csv", "xlsx"):
            path = directory / f"{template.name}.{suffix}"
            write_rows(template.name, [], path, suffix)
            written.append(path)
    return written


def _sheets(path: Path) -> dict[str, list[list[str]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return {name: [[cell_text(v) for v in row] for row in workbook[name].iter_rows(values_only=True)]
                for name in workbook.sheetnames}
    finally:
        workbook.close()


def stale_blank_templates(directory: Path) -> list[str]:
    """Blank templates missing or out of date: CSV compared byte for byte, XLSX by content."""
    stale = []
    for template in load_templates():
        csv_path = directory / f"{template.name}.csv"
        if not csv_path.exists() or csv_path.read_bytes() != render_csv(template.header, []).encode("utf-8"):
            stale.append(csv_path.name)
        xlsx_path = directory / f"{template.name}.xlsx"
        with tempfile.TemporaryDirectory() as tmp:
            expected = Path(tmp) / xlsx_path.name
            expected.write_bytes(xlsx_bytes(template, []))
            try:
                same = xlsx_path.exists() and _sheets(xlsx_path) == _sheets(expected)
            except Exception:  # an unreadable workbook is stale too
                same = False
        if not same:
            stale.append(xlsx_path.name)
    return stale
