"""Step 1 of the data flow: read curated YAML files (and directories) into located records.

Each data file maps kind names to lists of records. Records keep the file
and line they come from, and the line of each field, so that any later
problem (a dangling reference, a SHACL violation) can point at the exact
place a coordinator has to edit.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .problems import Problem


@dataclass
class RawRecord:
    """One record as written in a data file, with its location."""

    kind: str
    data: dict[str, Any]
    file: str
    line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, name: str | None) -> int:
        if name is None:
            return self.line
        return self.field_lines.get(name, self.line)


def _plain(value: Any) -> Any:
    """ruamel's commented containers as plain Python values."""
    if isinstance(value, CommentedMap):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, CommentedSeq | list):
        return [_plain(v) for v in value]
    return value


def _located(node: CommentedMap, kind: str, file: str) -> RawRecord:
    line = node.lc.line + 1
    field_lines = {str(k): node.lc.key(k)[0] + 1 for k in node}
    data: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(value, CommentedSeq) and value and all(isinstance(v, CommentedMap) for v in value):
            # A list of nested records: keep their locations too.
            data[str(key)] = [_located(v, "", file) for v in value]
        elif isinstance(value, CommentedMap):
            data[str(key)] = _located(value, "", file)
        else:
            data[str(key)] = _plain(value)
    return RawRecord(kind=kind, data=data, file=file, line=line, field_lines=field_lines)


def read_data_file(path: Path, display_name: str) -> tuple[list[RawRecord], list[Problem]]:
    """Records of one YAML file, or the problem that makes it unreadable."""
    yaml = YAML(typ="rt")
    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.load(handle)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = exc.problem or str(exc)
        return [], [
            Problem(
                file=display_name,
                line=line,
                record=None,
                field=None,
                message_fr=f"YAML illisible : {reason}. Vérifiez l'indentation, les deux-points et les guillemets.",
                message_en=f"unreadable YAML: {reason}. Check indentation, colons and quotes.",
            )
        ]
    except (YAMLError, UnicodeDecodeError) as exc:
        return [], [
            Problem(display_name, None, None, None, f"fichier illisible : {exc}", f"unreadable file: {exc}")
        ]
    if document is None:
        return [], []
    if not isinstance(document, CommentedMap):
        return [], [
            Problem(
                display_name,
                1,
                None,
                None,
                "le fichier doit associer des types d'enregistrement (ex. « experience: ») à des listes d'enregistrements",
                "the file must map record kinds (e.g. 'experience:') to lists of records",
            )
        ]
    records: list[RawRecord] = []
    problems: list[Problem] = []
    for kind, items in document.items():
        kind_line = document.lc.key(kind)[0] + 1
        if not isinstance(items, CommentedSeq):
            problems.append(
                Problem(
                    display_name,
                    kind_line,
                    str(kind),
                    None,
                    f"« {kind} » doit être suivi d'une liste d'enregistrements (lignes commençant par « - »)",
                    f"'{kind}' must be followed by a list of records (lines starting with '-')",
                )
            )
            continue
        for index, item in enumerate(items):
            if not isinstance(item, CommentedMap):
                problems.append(
                    Problem(
                        display_name,
                        items.lc.item(index)[0] + 1,
                        f"{kind}[{index + 1}]",
                        None,
                        "chaque enregistrement doit être une liste de champs « nom: valeur »",
                        "each record must be a set of 'name: value' fields",
                    )
                )
                continue
            records.append(_located(item, str(kind), display_name))
    return records, problems


T = TypeVar("T")


class ParsedFiles:
    """Each data file's parse, kept in `folder` under the sha256 of the file's bytes: an unchanged file is not parsed
    again (at national size, parsing took 2 s of a 7 s incremental rebuild; loading the kept parses 0.2 s).

    `salt` holds what a parse depends on besides the file (the code, the referential: the incremental state's
    fingerprint). Each kept parse is stored with the sha256 of its bytes: a damaged one is parsed again. New parses
    are kept only by `save` (after a successful build, so that a failed one leaves the state as it was), pickled
    as soon as they are made (the records are mutated later: nested records attached, kinds set).
    """

    def __init__(self, folder: Path | None = None, salt: str = ""):
        self.folder = folder
        self.salt = salt
        self.keys: dict[str, str] = {}  # display name -> key of its current content
        self.fresh: dict[str, bytes] = {}  # key -> pickled parse, made by this read

    def parse(self, path: Path, display: str, parser: Callable[[Path, str], T]) -> T:
        """`parser(path, display)`, or its kept result for the same bytes."""
        try:
            content = path.read_bytes()
        except OSError:
            return parser(path, display)  # reported by the parser
        key = hashlib.sha256(f"{self.salt}\0{display}\0".encode() + content).hexdigest()
        self.keys[display] = key
        kept = self._kept(key)
        if kept is not None:
            return kept
        result = parser(path, display)
        self.fresh[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        return result

    def _kept(self, key: str) -> Any:
        if self.folder is None:
            return None
        try:
            blob = (self.folder / key).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(blob[32:]).digest() != blob[:32]:
            return None
        try:
            return pickle.loads(blob[32:])
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None

    def save(self) -> None:
        """Keep this read's parses in `folder`, and only them."""
        from .files import atomic_write

        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for key, payload in self.fresh.items():
            atomic_write(self.folder / key, hashlib.sha256(payload).digest() + payload)
        current = set(self.keys.values())
        for path in self.folder.iterdir():
            if path.name not in current:
                path.unlink(missing_ok=True)
        self.fresh = {}


def read_data_dir(data_dir: Path, parsed: ParsedFiles | None = None) -> tuple[list[RawRecord], list[Problem]]:
    """All records of the data directory (templates excluded), in a stable order.

    `parsed` keeps each file's parse (see ParsedFiles). The YAML files come first, then the imported directories
    (`directories/*.csv`, one record per line, read with the csv module):
    a directory's line may add a nested record to a record of the YAML data
    (a participation to a curated coordination), and a conflict between the
    two is reported on the directory's line.
    """
    from .directories import read_directories  # directories builds on RawRecord

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
