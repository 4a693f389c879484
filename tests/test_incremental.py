"""Incremental rebuild: after an edit, the same outputs as a full build of the edited data."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.compare import isomorphic

from graph_builder import Settings
from graph_builder.builder import build
from graph_builder.incremental import state as kept_state
from graph_builder.incremental.state import STATE
from graph_builder.problems import Problem
from graph_builder.publication.outputs import assemble_dumps, fragment_name
from graph_builder.sources.curated import read_data_file
from graph_builder.sources.located import ParsedFiles
from maillage.cli.main import main
from tests.conftest import EPOCH

DUMPS = ("maillage.nq", "maillage.trig", "maillage-public.ttl", "validation.json")


@pytest.fixture
def built(pristine, tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A copy of the pristine data and of its build (outputs and state), for one test to edit."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # the same build time for every build of a test
    data, out = tmp_path / "data", tmp_path / "out"
    shutil.copytree(pristine[0], data)
    shutil.copytree(pristine[1], out, symlinks=True)
    return data, out


def _build(data: Path, out: Path, *options: str):
    return CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out), *options])


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _same_as_full(data: Path, out: Path, tmp_path: Path) -> None:
    # The reference made by the build entry point that `maillage build --full` calls, in this process: what the
    # command adds after it (the viewer's kept answers, 3 CPU s on the seed, and the counts' table) is neither
    # compared here nor part of the dumps and manifest.
    full = tmp_path / "full"
    reference = build(Settings(data_dir=data), full, full=True)
    assert reference.written and reference.ok, reference.problems
    for name in DUMPS:
        assert (out / name).read_bytes() == (full / name).read_bytes(), name
    assert isomorphic(Graph().parse(out / "validation.ttl"), Graph().parse(full / "validation.ttl"))
    manifests = [json.loads((folder / "manifest.json").read_text(encoding="utf-8")) for folder in (out, full)]
    for manifest in manifests:  # the report's blank nodes are labelled anew by each serialisation
        del manifest["files"]["validation.ttl"]
    assert manifests[0] == manifests[1]


@pytest.mark.parametrize("file, old, new", [
    ("coordinations.yaml", 'label: "Atelier santé ville de Lyon"', 'label: "Atelier santé ville de Lyon (Rhône)"'),
    ("experiences.yaml", "determinants: [reseaux-sociaux]",
     "determinants:\n      - reseaux-sociaux\n      - modes-de-vie"),  # lines move below
    # a nested participation of a curated coordination
    ("coordinations.yaml", "L'ASV est un service de la ville,", "L'ASV est un service municipal,"),
    # a directory's line, and a participation line attached to it from another directory
    ("directories/cls-ars.csv", "Contrat local de santé de Nanterre;", "Contrat local de santé de la ville de Nanterre;"),
    ("directories/cls-ars-participations.csv", "cls-nanterre-test;ville-nanterre-test;cosignataire;oui",
     "cls-nanterre-test;ville-nanterre-test;cosignataire;non"),
])
def test_edit_rebuilds_incrementally_as_a_full_build(built, tmp_path, file, old, new):
    data, out = built
    _edit(data / file, old, new)
    result = _build(data, out)
    assert result.exit_code == 0, result.output
    assert "Reconstruction incrémentale : 1 enregistrement(s) modifié(s)" in result.output
    _same_as_full(data, out, tmp_path)


def test_violation_reported_as_a_full_build_and_nothing_written(built, tmp_path):
    data, out = built
    before = {name: (out / name).read_bytes() for name in (*DUMPS, "manifest.json")}
    # An experience without a theme: a SHACL violation, not an input error.
    text = (data / "experiences.yaml").read_text(encoding="utf-8")
    match = re.search(r"\n    themes: \[[^\]]*\]", text)
    assert match
    (data / "experiences.yaml").write_text(text[:match.start()] + text[match.end():], encoding="utf-8")
    result = _build(data, out)
    assert result.exit_code == 1, result.output
    assert "Reconstruction complète" not in result.output
    assert {name: (out / name).read_bytes() for name in before} == before
    full = _build(data, tmp_path / "full", "--full")
    assert full.exit_code == 1
    violations = [line for line in result.output.splitlines() if line.startswith("NON CONFORME")]
    assert violations and violations == [line for line in full.output.splitlines() if line.startswith("NON CONFORME")]
    # Fixed again, the rebuild is incremental and equals the full build.
    (data / "experiences.yaml").write_text(text, encoding="utf-8")
    again = _build(data, out)
    assert again.exit_code == 0, again.output
    assert "Reconstruction incrémentale" in again.output


def test_removed_record_falls_back_to_a_full_build(built, tmp_path):
    data, out = built
    text = (data / "experiences.yaml").read_text(encoding="utf-8")
    first = text.index("\n  - id: ")
    second = text.index("\n  - id: ", first + 1)
    (data / "experiences.yaml").write_text(text[:first] + text[second:], encoding="utf-8")
    result = _build(data, out)
    assert result.exit_code == 0, result.output
    assert "Reconstruction complète : 1 enregistrement(s) supprimé(s)" in result.output
    _same_as_full(data, out, tmp_path)


def test_kept_store_holds_the_dump(pristine):
    """The store a full build keeps (loaded graph by graph while the fragments are written) holds the dump's quads."""
    kept = ox.Store.read_only(str(pristine[1] / STATE / "store"))
    # Both written by Oxigraph's N-Quads serialiser: the same quads are the same lines (sorted: 1 s, where sets of
    # 420,000 quad objects took 15 s).
    lines = sorted(kept.dump(format=ox.RdfFormat.N_QUADS).splitlines())
    assert len(lines) == len(kept) > 1000
    assert lines == sorted((pristine[1] / "maillage.nq").read_bytes().splitlines())


def test_unchanged_data_and_forced_full(built):
    data, out = built
    assert "0 enregistrement(s) modifié(s)" in _build(data, out).output
    assert "Reconstruction complète" not in _build(data, out, "--full").output.split("\n")[0]


def test_comment_only_edit_then_an_edit_of_the_same_file(built, tmp_path):
    """A file whose bytes changed but not its records: nothing rebuilt, its new parse kept; then a real edit in it."""
    data, out = built
    _edit(data / "experiences.yaml", "experience:\n", "# A comment moves every record one line down.\nexperience:\n")
    assert "0 enregistrement(s) modifié(s)" in _build(data, out).output
    _edit(data / "experiences.yaml", "determinants: [reseaux-sociaux]", "determinants: [reseaux-sociaux, modes-de-vie]")
    result = _build(data, out)
    assert "Reconstruction incrémentale : 1 enregistrement(s) modifié(s)" in result.output, result.output
    _same_as_full(data, out, tmp_path)


def test_damaged_kept_parses_are_parsed_again(built, tmp_path):
    data, out = built
    for kept in (out / STATE / "parsed").iterdir():
        blob = bytearray(kept.read_bytes())
        blob[-1] ^= 0xFF
        kept.write_bytes(bytes(blob))
    _edit(data / "directories/cls-ars.csv", "Contrat local de santé de Nanterre;", "Contrat local de santé de Nanterre (92);")
    result = _build(data, out)
    assert "Reconstruction incrémentale : 1 enregistrement(s) modifié(s)" in result.output, result.output
    _same_as_full(data, out, tmp_path)


def test_interrupted_rebuild_falls_back_to_a_full_build(built):
    data, out = built
    (out / STATE / "dirty").touch()  # left by a rebuild stopped while it updated the store
    result = _build(data, out)
    assert "Reconstruction complète : la construction précédente s'est interrompue" in result.output
    assert not (out / STATE / "dirty").exists()
    assert "0 enregistrement(s) modifié(s)" in _build(data, out).output


def test_state_read_back_as_written_and_an_older_format_is_no_state(tmp_path):
    iri = "https://example.org/a"
    problem = Problem("data/actors.yaml", 3, "actor a", "label", "fr", "en", severity="warning", focus=iri)
    state = kept_state.BuildState(
        fingerprint="f", conforms=True, builder_problems=0,
        units={f"{iri} s": kept_state.SavedUnit("digest", [iri], ["s"], ["data/actors.yaml"])},
        files={"data/actors.yaml": "key"}, by_id={"a": [kept_state.IdUse("actor", iri)]},
        graphs={"https://example.org/graph/s": kept_state.GraphInfo("https://example.org/source/s", 3, False, False)},
        prefixes={"ex": "https://example.org/"}, problems=[problem])
    kept_state.write_state(tmp_path, state)
    again = kept_state.read_state(tmp_path)
    assert again == state and again.problems[0].focus == problem.focus and not again.dirty
    (kept_state.state_dir(tmp_path) / "dirty").touch()
    assert kept_state.read_state(tmp_path).dirty
    path = kept_state.state_dir(tmp_path) / "state.json"
    older = json.loads(path.read_text(encoding="utf-8"))
    older["format"] = kept_state.FORMAT - 1
    path.write_text(json.dumps(older), encoding="utf-8")
    assert kept_state.read_state(tmp_path) is None  # then the build is full


def test_parsed_files_kept_by_content(tmp_path):
    """A file is parsed again only when its bytes, or what its parse depends on (the salt), changed."""
    path = tmp_path / "a.yaml"
    path.write_text("experience:\n  - id: a\n", encoding="utf-8")
    calls = []

    def parser(file: Path, display: str):
        calls.append(display)
        return read_data_file(file, display)

    def read(salt: str = "s"):
        parsed = ParsedFiles(tmp_path / "kept", salt)
        records, _problems = parsed.parse(path, "data/a.yaml", parser)
        parsed.save()
        return [record.data for record in records]

    assert read() == [{"id": "a"}] and len(calls) == 1
    assert read() == [{"id": "a"}] and len(calls) == 1  # kept
    assert read("other code") == [{"id": "a"}] and len(calls) == 2
    path.write_text("experience:\n  - id: b\n", encoding="utf-8")
    assert read() == [{"id": "b"}] and len(calls) == 3
    assert len(list((tmp_path / "kept").iterdir())) == 1  # the older parses are not kept
    kept = next((tmp_path / "kept").iterdir())
    kept.write_bytes(kept.read_bytes()[:-3])  # damaged
    assert read() == [{"id": "b"}] and len(calls) == 4


def test_parses_shared_with_a_build_elsewhere(tmp_path, monkeypatch):
    """A parse saved by one build is read by a build into another folder (the shared folder of the cache), kept in
    that build's own folder too; a damaged shared parse is parsed again; the shared folder keeps the SHARED_KEPT
    used last."""
    from graph_builder.sources import located

    shared = tmp_path / "shared"
    calls = []

    def parser(file: Path, display: str):
        calls.append(display)
        return read_data_file(file, display)

    def read(name: str, path: Path):
        parsed = ParsedFiles(tmp_path / name, "s", shared=shared)
        records, _problems = parsed.parse(path, "data/a.yaml", parser)
        parsed.save()
        return [record.data for record in records]

    path = tmp_path / "a.yaml"
    path.write_text("experience:\n  - id: a\n", encoding="utf-8")
    assert read("one", path) == [{"id": "a"}] and len(calls) == 1
    assert read("two", path) == [{"id": "a"}] and len(calls) == 1  # from the shared folder
    assert [p.name for p in (tmp_path / "two").iterdir()] == [p.name for p in shared.iterdir()]
    alone = ParsedFiles(None, "s", shared=shared)  # a build without an output directory (build_graph, validate)
    assert [r.data for r in alone.parse(path, "data/a.yaml", parser)[0]] == [{"id": "a"}] and len(calls) == 1
    alone.save()
    assert alone.fresh == {}  # no pickle held for the build's lifetime
    kept = next(shared.iterdir())
    kept.write_bytes(kept.read_bytes()[:-3])  # damaged
    assert read("three", path) == [{"id": "a"}] and len(calls) == 2
    monkeypatch.setattr(located, "SHARED_KEPT", 2)
    for n in range(3):
        path.write_text(f"experience:\n  - id: a{n}\n", encoding="utf-8")
        assert read("four", path) == [{"id": f"a{n}"}]
    assert len(list(shared.iterdir())) == 2


@pytest.mark.parametrize("kernel_copy", [True, False])
def test_dumps_joined_with_or_without_the_kernel_copy(tmp_path, monkeypatch, kernel_copy):
    if not kernel_copy:
        def refused(*_args):
            raise OSError("copy_file_range not supported here")
        monkeypatch.setattr(os, "copy_file_range", refused, raising=False)
    fragments, staging = tmp_path / "fragments", tmp_path / "staging"
    fragments.mkdir()
    staging.mkdir()
    graphs = [f"https://example.org/graph/{n}" for n in range(3)]
    for n, graph in enumerate(graphs):
        for suffix in (".nq", ".trig", ".ttl"):
            (fragments / f"{fragment_name(graph)}{suffix}").write_bytes(f"{suffix} {n}\n".encode() * (50_000 * (n + 1)))
    checksums = assemble_dumps(reversed(graphs), fragments, staging)
    for dump, suffix in (("maillage.nq", ".nq"), ("maillage.trig", ".trig"), ("maillage-public.ttl", ".ttl")):
        expected = b"".join((fragments / f"{fragment_name(graph)}{suffix}").read_bytes() for graph in graphs)
        assert (staging / dump).read_bytes() == expected
        assert checksums[dump] == hashlib.sha256(expected).hexdigest()


def test_accepted_contributions_rebuild_incrementally_as_a_full_build(built, tmp_path):
    """Two accepted contributions (graph_builder/contributions/): new source documents with their records, a new CLS
    with its carrier and a correction of a record another source describes; each goes to its own new named graph,
    the sources and metadata graphs are updated, and the outputs equal a full build's. A source document edited
    afterwards still needs a full build (its title names the facts of its graph everywhere)."""
    from graph_builder.contributions.records import Statement, render
    from graph_builder.incremental.rebuild import rebuild
    from tests.test_contributions import STATEMENT, cls_records

    data = built[0]
    folder = data / "contributions"
    folder.mkdir(exist_ok=True)
    correction = Statement("ville-aix-en-provence", "lien", "https://www.aixenprovence.fr/asv", True,
                           target={"kind": "coordination", "id": "asv-aix-en-provence"}, revises=["002"])
    aix = {"id": "asv-aix-en-provence", "label": "Atelier santé ville d'Aix-en-Provence", "type": "ASV",
           "territories": ["commune/13001"], "end": "2030"}
    for ident, statement, records in (("20261206-120000-0000abcd", STATEMENT, cls_records()),
                                      ("20261206-120001-0000abce", correction, [("coordination", aix)])):
        (folder / f"contribution-{ident}.yaml").write_text(
            render(ident, statement, records, "2026-12-06", accepted_at="2026-12-06T12:00:00Z"), encoding="utf-8")
    result = _build(data, built[1])
    assert result.exit_code == 0, result.output
    # 6: the two documents, the carrier, the CLS, the correction, and the Aix record of source 002, whose directory
    # participations now attach to the correction (as a full build attaches them: its files changed).
    assert "Reconstruction incrémentale : 6 enregistrement(s) modifié(s)" in result.output, result.output
    _same_as_full(data, built[1], tmp_path)
    _edit(folder / "contribution-20261206-120000-0000abcd.yaml", "Contribution de Ville de Grenoble",
          "Contribution de la Ville de Grenoble")
    assert rebuild(Settings(data_dir=data), built[1]).full_reason[0].endswith(
        "ce type d'enregistrement demande une reconstruction complète")
