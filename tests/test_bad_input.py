"""Bad input: a clear error naming file, line, record and field; the previous output is kept."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from maillage.cli.main import main
from tests.conftest import build_with, copy_data

BROKEN = {
    "broken_yaml": (
        "experience:\n  - id: x\n    label: [non fermé\n",
        "YAML illisible",
        None,
    ),
    "unknown_concept": (
        "experience:\n  - id: test-x\n    source: \"001\"\n    label: X\n    subject: X\n"
        "    places: [commune/13001]\n    themes: [nutritionn]\n    axes: [action-communautaire]\n",
        "concept inconnu « nutritionn » dans le vocabulaire « theme ». Vouliez-vous dire « nutrition » ?",
        "themes",
    ),
    "missing_field": (
        "actor:\n  - id: test-sans-nom\n    source: \"001\"\n    kind: [association]\n",
        "champ obligatoire « label » manquant",
        "label",
    ),
    "bad_insee_code": (
        "territory:\n  - level: commune\n    code: \"13A01\"\n    name: Code faux\n    parents: [departement/13]\n"
        "    source: cog-insee\n",
        "Code commune INSEE invalide",
        "code",
    ),
    "unquoted_code": (
        "territory:\n  - level: commune\n    code: 06152\n    name: Valbonne bis\n    parents: [departement/06]\n"
        "    source: cog-insee\n",
        "mettez la valeur entre guillemets",
        "code",
    ),
    "dangling_reference": (
        "experience:\n  - id: test-y\n    source: \"001\"\n    label: Y\n    subject: Y\n"
        "    places: [commune/99999, actor/inconnu]\n    themes: [nutrition]\n    axes: [action-communautaire]\n",
        "inconnu du référentiel officiel",
        "places",
    ),
    "unknown_field": (
        "actor:\n  - id: test-z\n    source: \"001\"\n    label: Z\n    kind: [association]\n    adresse: rue\n",
        "champ inconnu « adresse »",
        "adresse",
    ),
    "bad_id": (
        "actor:\n  - id: Ville d'Évry\n    source: \"001\"\n    label: Évry\n    kind: [commune]\n",
        "identifiant invalide « Ville d'Évry »",
        "id",
    ),
    "bad_date": (
        "regulatory_text:\n  - id: test-circulaire\n    source: \"003\"\n    title: Circulaire\n"
        "    legislation_type: circulaire\n    date: \"20002\"\n    concerns: [ASV]\n",
        "une date AAAA, AAAA-MM ou AAAA-MM-JJ est attendue",
        "date",
    ),
}


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    """One build of the curated data with every broken file beside it (zz-bad-KIND.yaml, their ids all distinct):
    each problem names its own file, so one build checks every case (nine builds took 100 s under load)."""
    data = copy_data(tmp_path_factory.mktemp("broken") / "data")
    for kind, (text, _message, _field) in BROKEN.items():
        (data / f"zz-bad-{kind}.yaml").write_text(text, encoding="utf-8")
    return build_with(data)


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_error_names_file_record_and_field(kind: str, broken_build):
    _text, message, field = BROKEN[kind]
    result = broken_build
    mine = [p for p in result.problems if p.file == f"data/zz-bad-{kind}.yaml"]
    assert mine, [p.format() for p in result.problems]
    problem = next((p for p in mine if message in p.message_fr), None)
    assert problem is not None, [p.format() for p in mine]
    assert problem.field == field
    assert problem.line is not None
    assert not result.ok


def test_all_errors_are_reported_at_once(data_copy: Path):
    (data_copy / "zz-a.yaml").write_text(BROKEN["unknown_concept"][0], encoding="utf-8")
    (data_copy / "zz-b.yaml").write_text(BROKEN["dangling_reference"][0], encoding="utf-8")
    (data_copy / "zz-c.yaml").write_text(BROKEN["broken_yaml"][0], encoding="utf-8")
    result = build_with(data_copy)
    files = {p.file for p in result.problems}
    assert {"data/zz-a.yaml", "data/zz-b.yaml", "data/zz-c.yaml"} <= files


def _digests(directory: Path) -> dict[str, str]:
    """Every file's digest, the incremental rebuild's state (.maillage-state/) included."""
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> Path:
    """A successful `maillage build` of the curated data (a copy, as data_copy makes): the previous output every
    case below breaks the data against. Built once (a full publication, the referential's store included); each
    case gets its own copy of it."""
    base = tmp_path_factory.mktemp("first-build")
    first = CliRunner().invoke(main, ["build", "--data", str(copy_data(base / "data")), "--out", str(base / "out")])
    assert first.exit_code == 0, first.output
    return base / "out"


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_failed_build_keeps_previous_output(kind: str, data_copy: Path, tmp_path: Path, first_build: Path):
    out = tmp_path / "out"
    runner = CliRunner()
    # The same data built into a directory of its own: its state (.maillage-state/) holds no path, only
    # relative file names and the data's hashes, so the next build reads it as its own.
    shutil.copytree(first_build, out, symlinks=True)
    before = _digests(out)
    (data_copy / "zz-bad.yaml").write_text(BROKEN[kind][0], encoding="utf-8")
    second = runner.invoke(main, ["build", "--data", str(data_copy), "--out", str(out)])
    assert second.exit_code == 1
    assert BROKEN[kind][1] in second.output
    assert "NON publié" in second.output
    assert _digests(out) == before
    generations = out / ".generations"
    assert {p.name for p in generations.iterdir()} == {"current", os.readlink(generations / "current")}, \
        "a generation or scratch folder left behind"


def test_unreadable_ontology_exits_3(tmp_path: Path):
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    (ontology / "broken.ttl").write_text("@prefix : <http://x/> .\n:a :b ", encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--ontology", str(ontology)])
    assert result.exit_code == 3
    assert "ontology/broken.ttl" in result.output


def test_personal_data_outside_persons_is_refused(data_copy: Path):
    (data_copy / "zz-leak.yaml").write_text(
        "actor:\n  - id: test-fuite\n    source: \"002\"\n    label: Bureau d'Aurore Borrás\n    kind: [professionnel]\n",
        encoding="utf-8")
    result = build_with(data_copy)
    leak = [p for p in result.problems if p.file == "data/zz-leak.yaml"]
    assert leak and "donnée personnelle « Aurore Borrás »" in leak[0].message_fr
    assert leak[0].field == "label" and not result.ok
