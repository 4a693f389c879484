"""Curated YAML files read into located records.

Each data file maps kind names to lists of records. Records keep the file
and line they come from, and the line of each field, so that any later
problem (a dangling reference, a SHACL violation) can point at the exact
place a coordinator has to edit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from graph_builder.problems import Problem
from graph_builder.sources.located import RawRecord


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
