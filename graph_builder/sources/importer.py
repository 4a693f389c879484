"""`maillage import`: directories (CSV, XLSX) validated by the real build, then stored.

Each file is read (`directories.read_file`), put in canonical form, and
staged with the rest of the data in a temporary copy of the data directory
as `directories/<name>.csv` plus `directories/<name>.yaml` (the
source_document `annuaire-<name>` that describes it). The whole build
(`pipeline.build_graph`: record kinds, official referential, every SHACL
shape) then runs on the copy, and the problems located in the staged files
are reported by spreadsheet line and column, all at once. Nothing is written
if any line is bad, unless the good lines are to be kept (`keep_good`): the
bad ones are then left out and listed. Writing is atomic, and importing the
same content again writes nothing (« rien à faire : déjà importé »).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from graph_builder.files import atomic_write
from graph_builder.kinds import load_schema
from graph_builder.pipeline import Settings, build_graph
from graph_builder.problems import (
    BLOCKING,
    SEVERITY_LABELS,
    VALUE_LABEL,
    BilingualError,
    BuildError,
    NoneSafeOrder,
    Problem,
)
from graph_builder.sources import read_data_dir
from graph_builder.sources.directories import (
    FOLDER,
    SOURCE_PREFIX,
    Row,
    Table,
    Template,
    UnreadableDirectory,
    canonical_rows,
    derive_id,
    license_iri,
    load_templates,
    read_file,
    record_rows,
    render_csv,
    territory_cell,
)

MAX_ROUNDS = 5  # --keep-good: leaving lines out may make others bad (a participation of a left-out coordination)


class ImportUsageError(BilingualError):
    """The command line asks for something impossible (exit 2)."""


@dataclass(frozen=True)
class LineProblem(NoneSafeOrder):
    """A problem of an imported file, by spreadsheet line and column."""

    file: str
    line: int
    column: str
    message_fr: str
    message_en: str
    severity: str = "error"
    value: str | None = None
    sheet: str | None = None  # the workbook's sheet, for an XLSX file

    @property
    def blocking(self) -> bool:
        return self.severity in BLOCKING

    def message(self, lang: str = "fr") -> str:
        return self.message_en if lang == "en" else self.message_fr

    def where(self, lang: str = "fr") -> str:
        words = {"fr": ("ligne", "colonne"), "en": ("line", "column")}[lang]
        place = [self.file]
        if self.sheet:
            place.append(f"feuille « {self.sheet} »" if lang == "fr" else f"sheet '{self.sheet}'")
        if self.line:
            place.append(f"{words[0]} {self.line}")
        if self.column:
            place.append(f"{words[1]} {self.column}")
        return ", ".join(place)

    def format(self, lang: str = "fr") -> str:
        colon = " :" if lang == "fr" else ":"
        text = f"{SEVERITY_LABELS[lang][self.severity]} — {self.where(lang)}{colon} {self.message(lang)}"
        if self.value is not None:
            text += f" ({VALUE_LABEL[lang]}{colon} {self.value})"
        return text


@dataclass
class Candidate:
    """One file being imported."""

    path: Path
    display: str
    name: str
    table: Table
    rows: list[Row]
    kept: set[int] = field(default_factory=set)
    left_out: list[int] = field(default_factory=list)
    status: str = "pending"  # written | unchanged | refused | empty

    @property
    def template(self) -> Template:
        return self.table.template

    @property
    def source_id(self) -> str:
        return SOURCE_PREFIX + self.name

    def kept_rows(self) -> list[Row]:
        return [(line, cells) for line, cells in self.rows if line in self.kept]

    def content(self) -> str:
        """The canonical CSV of the kept lines."""
        header = self.template.header
        return render_csv(header, [[cells[c] for c in header] for _line, cells in self.kept_rows()])

    def staged_content(self) -> str:
        """The kept lines at their original line numbers (left-out and blank lines empty), to stage."""
        header = self.template.header
        lines = render_csv(header, []).splitlines(keepends=True)
        for line, cells in self.kept_rows():
            lines.extend(["\n"] * (line - 1 - len(lines)))
            lines.append(render_csv(header, [[cells[c] for c in header]]).split("\n", 1)[1])
        return "".join(lines)


@dataclass
class ImportResult:
    candidates: list[Candidate]
    problems: list[LineProblem]
    license: str
    # Problems of other files caused by the import (not attributable to a line).
    elsewhere: list[Problem] = field(default_factory=list)
    refused: bool = False  # nothing written because of problems

    @property
    def written(self) -> list[Candidate]:
        return [c for c in self.candidates if c.status == "written"]


def resolve_license(value: str | None) -> str:
    """The IRI of the licence given on the command line (the default one if none)."""
    if not value:
        return load_templates().default_license
    iri = license_iri(value)
    if iri is None:
        known = ", ".join(load_templates().license_names.values())
        raise ImportUsageError(f"licence inconnue « {value} » : donnez l'un des noms {known}, ou l'adresse web de la "
                               "licence.", f"unknown licence '{value}': give one of {known}, or the licence's web "
                               "address.")
    return iri


def stored_state(data_dir: Path, name: str) -> dict | None:
    """The source_document of a stored directory, if any."""
    path = data_dir / FOLDER / f"{name}.yaml"
    if not path.exists():
        return None
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return dict(document["source_document"][0])
    except (yaml.YAMLError, KeyError, IndexError, TypeError, OSError):
        return None


def render_source(candidate: Candidate, license: str, imported: str, sha256: str) -> str:
    """data/directories/<name>.yaml: the source document describing the stored directory."""
    q = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731 - a JSON string is a YAML string
    template, lines = candidate.template, len(candidate.kept)
    description = (f"Annuaire au modèle « {template.name} » importé depuis le fichier « {candidate.path.name} » : "
                   f"{lines} ligne(s).")
    return "\n".join([
        "# Annuaire importé par « maillage import » : ne pas modifier à la main.",
        f"# Ses lignes sont dans {candidate.name}.csv (même dossier) ; pour les corriger, corrigez le fichier",
        f"# d'origine et importez-le de nouveau (maillage import FICHIER --name {candidate.name}).",
        "source_document:",
        f"  - id: {q(candidate.source_id)}",
        f"    title: {q(f'Annuaire « {candidate.name} » ({template.label_fr.lower()})')}",
        f"    title_en: {q(f'Directory {candidate.name!r} ({template.label_en.lower()})')}",
        "    document_type: annuaire",
        "    document_type_en: directory",
        f"    file: {q(candidate.path.name)}",
        f"    sha256: {q(sha256)}",
        f"    license: {q(license)}",
        f"    imported: {q(imported)}",
        "    language: fr",
        "    description:",
        f"      - {q(description)}",
        "",
    ])


def _read(paths: list[Path], kind: str | None, name: str | None, sheet: str | None
          ) -> tuple[list[Candidate], list[LineProblem]]:
    if name is not None and len(paths) > 1:
        raise ImportUsageError("--name ne s'emploie qu'avec un seul fichier.", "--name takes a single file.")
    if sheet is not None and any(path.suffix.lower() != ".xlsx" for path in paths):
        raise ImportUsageError("--sheet ne s'emploie qu'avec des classeurs XLSX.", "--sheet takes XLSX workbooks only.")
    if kind is not None and kind not in load_templates().templates:
        raise ImportUsageError(f"modèle inconnu « {kind} ».", f"unknown template '{kind}'.")
    candidates, problems = [], []
    for path in paths:
        display = str(path)
        target = name if name is not None else derive_id([path.stem])
        if not target or derive_id([target]) != target:
            raise ImportUsageError(
                f"nom d'annuaire invalide « {target} » : minuscules sans accents, chiffres et tirets (ex. "
                f"« {derive_id([target]) or 'cls-ars'} »).",
                f"invalid directory name '{target}': lowercase unaccented letters, digits and hyphens (e.g. "
                f"'{derive_id([target]) or 'cls-ars'}').")
        if any(c.name == target for c in candidates):
            raise ImportUsageError(f"deux fichiers donnent le même nom d'annuaire « {target} » : renommez l'un d'eux.",
                                   f"two files give the same directory name '{target}': rename one.")
        reading = read_file(path, display, kind, sheet)
        table = reading.table
        problems.extend(LineProblem(display, p.line or 0, p.field or "", p.message_fr, p.message_en, p.severity,
                                    p.value, reading.sheet) for p in reading.problems)
        if table is not None:
            rows = canonical_rows(table)
            candidates.append(Candidate(path, display, target, table, rows, kept={line for line, _ in rows}))
    return candidates, problems


def _column(template: Template, problem: Problem) -> str:
    """The template column a problem of a staged directory is about (empty if the whole line)."""
    fname = problem.field
    if not fname:
        return ""
    if template.column(fname) is not None and template.column(fname).cell == "parent":
        return fname
    kind = problem.record.split(" ", 1)[0] if problem.record else template.kind
    schema = load_schema()
    for column in template.columns:
        if column.cell == "reference" and fname in ("source_url", "source_citation"):
            return column.name
        if column.cell == "license" and fname == "license":
            return column.name
        if column.nested:
            nested_kind = schema.kinds[template.kind].fields[column.nested].kind
            if kind == nested_kind and fname == column.field:
                return column.name
        elif column.field == fname and kind == template.kind:
            return column.name
    return ""


def _line_problem(candidate: Candidate, problem: Problem, staged: dict[str, Candidate]) -> LineProblem:
    if not problem.file.endswith(".csv"):  # the source document describing the file: about the whole file
        problem = dataclasses.replace(problem, line=None, field=None)
    column = _column(candidate.template, problem) if problem.line else ""
    fr, en = problem.message_fr, problem.message_en
    if column and problem.field and column != problem.field:
        fr = fr.replace(f"« {problem.field} »", f"« {column} »")
        en = en.replace(f"'{problem.field}'", f"'{column}'")
    for display, other in staged.items():  # "déjà décrit (data/directories/x.csv:3)" -> the file as given
        fr, en = fr.replace(f"{display}:", f"{other.display}:"), en.replace(f"{display}:", f"{other.display}:")
    value = problem.value
    spec = candidate.template.column(column) if column else None
    if value is not None and spec is not None and spec.cell == "territory":
        value = territory_cell(value)
    return LineProblem(candidate.display, problem.line or 0, column, fr, en, problem.severity, value,
                       candidate.table.sheet)


def _stage(staged_dir: Path, candidates: list[Candidate], license: str, today: str) -> dict[str, Candidate]:
    folder = staged_dir / FOLDER
    folder.mkdir(exist_ok=True)
    names = {}
    for candidate in candidates:
        (folder / f"{candidate.name}.csv").write_text(candidate.staged_content(), encoding="utf-8")
        (folder / f"{candidate.name}.yaml").write_text(render_source(candidate, license, today, ""), encoding="utf-8")
        names[f"{staged_dir.name}/{FOLDER}/{candidate.name}.csv"] = candidate
        names[f"{staged_dir.name}/{FOLDER}/{candidate.name}.yaml"] = candidate
    return names


def _key(problem: Problem) -> tuple:
    return (problem.file, problem.line, problem.record, problem.field, problem.message_fr)


def import_files(paths: list[Path], settings: Settings, *, kind: str | None = None, name: str | None = None,
                 license: str | None = None, keep_good: bool = False, sheet: str | None = None) -> ImportResult:
    """Validate the files together with the data of `settings.data_dir`, then store them (or say why not).

    `sheet` names the sheet to read in XLSX workbooks (required when one has several filled sheets).

    Raises ImportUsageError (bad request), UnreadableDirectory (a file that
    cannot be read), BuildError (ontology, shapes or referential unreadable)
    and OSError (data directory not writable).
    """
    license_ = resolve_license(license)
    candidates, read_problems = _read(paths, kind, name, sheet)
    result = ImportResult(candidates, read_problems, license_)
    if any(p.blocking for p in read_problems):
        for candidate in candidates:
            candidate.status = "refused"
        result.refused = True
        return result
    data_dir = settings.data_dir
    if not data_dir.is_dir():
        raise BuildError([Problem(str(data_dir), None, None, None, "dossier de données introuvable",
                                  "data directory not found")])
    today = settings.build_time().date().isoformat()

    def unchanged(candidate: Candidate) -> bool:
        state = stored_state(data_dir, candidate.name)
        content = candidate.content()
        stored = data_dir / FOLDER / f"{candidate.name}.csv"
        return bool(state) and state.get("sha256") == hashlib.sha256(content.encode("utf-8")).hexdigest() \
            and state.get("license") == license_ and state.get("file") == candidate.path.name \
            and stored.exists() and stored.read_text(encoding="utf-8") == content

    if all(unchanged(c) for c in candidates):
        for candidate in candidates:
            candidate.status = "unchanged"
        return result
    if not any(c.rows for c in candidates):  # only headers: nothing to check, nothing to write
        for candidate in candidates:
            candidate.status = "empty"
        return result

    left_out: list[LineProblem] = []  # problems of the lines --keep-good left out
    current: list[LineProblem] = []
    baseline: set[tuple] | None = None
    with tempfile.TemporaryDirectory(prefix="maillage-import-") as tmp:
        staged_dir = Path(tmp) / data_dir.name
        shutil.copytree(data_dir, staged_dir, ignore=shutil.ignore_patterns("templates"))
        for _round in range(MAX_ROUNDS):
            staged = _stage(staged_dir, candidates, license_, today)
            built = build_graph(dataclasses.replace(settings, data_dir=staged_dir))
            current, elsewhere = [], []
            for problem in built.problems:
                candidate = staged.get(problem.file)
                if candidate is not None:
                    current.append(_line_problem(candidate, problem, staged))
                elif problem.severity in BLOCKING:
                    elsewhere.append(problem)
            if elsewhere:  # problems of other files: only those the import causes count
                if baseline is None:
                    baseline = {_key(p) for p in build_graph(settings).problems}
                elsewhere = [p for p in elsewhere if _key(p) not in baseline]
            result.elsewhere = elsewhere
            bad = {(p.file, p.line) for p in current if p.blocking}
            if not bad or not keep_good or elsewhere or any(not line for _file, line in bad):
                break
            for candidate in candidates:
                lines = sorted(line for file, line in bad if file == candidate.display)
                candidate.left_out.extend(lines)
                candidate.kept -= set(lines)
            left_out.extend(p for p in current if p.blocking)
    result.problems = sorted(set(read_problems + left_out + current))
    if result.elsewhere or any(p.blocking for p in current):
        for candidate in candidates:
            candidate.status = "refused"
        result.refused = True
        return result
    folder = data_dir / FOLDER
    for candidate in candidates:
        if not candidate.kept:
            candidate.status = "empty"
        elif unchanged(candidate):
            candidate.status = "unchanged"
        else:
            content = candidate.content().encode("utf-8")
            atomic_write(folder / f"{candidate.name}.csv", content)
            atomic_write(folder / f"{candidate.name}.yaml", render_source(
                candidate, license_, today, hashlib.sha256(content).hexdigest()).encode("utf-8"))
            candidate.status = "written"
    return result


def export_rows(data_dir: Path, template_name: str, source: str | None = None
                ) -> tuple[list[dict[str, str]], list[Problem]]:
    """Rows of a directory template for the records of the data directory (of one source, if given).

    Raises ImportUsageError for an unknown template or source document.
    """
    templates = load_templates().templates
    if template_name not in templates:
        raise ImportUsageError(f"modèle inconnu « {template_name} ».", f"unknown template '{template_name}'.")
    records, problems = read_data_dir(data_dir)
    if source is not None:
        known = sorted(str(r.data.get("id")) for r in records if r.kind == "source_document")
        if source not in known:
            hint = [k for k in known if k.startswith(SOURCE_PREFIX)]
            raise ImportUsageError(
                f"document source inconnu « {source} » ; annuaires importés : {', '.join(hint) or 'aucun'}.",
                f"unknown source document '{source}'; imported directories: {', '.join(hint) or 'none'}.")
    return record_rows(templates[template_name], records, source), problems


__all__ = ["Candidate", "ImportResult", "ImportUsageError", "LineProblem", "UnreadableDirectory", "export_rows",
           "import_files", "resolve_license", "stored_state"]
