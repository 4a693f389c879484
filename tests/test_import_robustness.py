"""Imports under real conditions: Excel's files (encodings, sheets, merged cells, formulas, serial dates), no crash
on any input, nothing written when refused.

Most checks read files only (`read_file`, no build); the few that go through `maillage import` share small data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph_builder.constants import PROJECT_ROOT
from graph_builder.problems import Problem
from maillage.cli.main import main

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
