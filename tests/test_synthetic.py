"""The synthetic-directory generator: reproducible, proportional, marked, valid, kept out of data/."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from graph_builder.constants import PROJECT_ROOT
from graph_builder.pipeline import Settings, build_graph
from graph_builder.problems import blocking
from graph_builder.referential.package import ReferentialError, default_cache, fetch, load
from graph_builder.sources import synthetic
from graph_builder.sources.directories import TEMPLATE_COLUMNS

SMALL = 0.01


@pytest.fixture(scope="module")
def referential():
    try:
        return load(fetch(default_cache()))
    except ReferentialError as exc:  # no cache and no npm: nothing to draw places from
        pytest.skip(exc.message_en)


@pytest.fixture(scope="module")
def small_dir(referential, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "data"
    synthetic.write_data_dir(out, referential, seed=1, scale=SMALL)
    return out


@pytest.fixture(scope="module")
def small_result(small_dir):
    """small_dir built once (in memory) for the tests that read the build."""
    return build_graph(Settings(data_dir=small_dir))


def files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def rows(directory: Path, kind: str) -> list[dict[str, str]]:
    path = directory / "directories" / f"synthetic-{kind}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def test_same_seed_gives_identical_files(referential, small_dir, tmp_path):
    again = tmp_path / "again"
    synthetic.write_data_dir(again, referential, seed=1, scale=SMALL)
    assert files(again) == files(small_dir)


def test_another_seed_gives_other_data(referential, small_dir, tmp_path):
    other = tmp_path / "other"
    synthetic.write_data_dir(other, referential, seed=2, scale=SMALL)
    for kind in ("coordinations", "acteurs", "experiences"):
        assert rows(other, kind) != rows(small_dir, kind)


def test_counts_are_proportional_to_the_scale(referential):
    small = synthetic.generate(referential, seed=1, scale=SMALL).counts()
    larger = synthetic.generate(referential, seed=1, scale=0.05).counts()
    for counts, scale in ((small, SMALL), (larger, 0.05)):
        assert counts["acteurs"] == round(synthetic.BASE_ACTORS * scale)
        assert counts["experiences"] == round(synthetic.BASE_EXPERIENCES * scale)
        for ctype, base in synthetic.BASE_COORDINATIONS.items():
            assert counts[ctype] == max(1, round(base * scale)), ctype
        # Every actor has a role somewhere; coordinations have several participants.
        assert counts["participations"] >= counts["acteurs"]
    assert larger["acteurs"] == 5 * small["acteurs"]


def test_headers_follow_the_directory_templates(small_dir):
    assert synthetic.HEADERS == {kind: TEMPLATE_COLUMNS[kind] for kind in synthetic.HEADERS}
    for kind, header in synthetic.HEADERS.items():
        first = (small_dir / "directories" / f"synthetic-{kind}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert first == ";".join(header)


def test_every_file_is_marked_synthetic(small_dir):
    assert (small_dir / synthetic.NOTICE).exists()
    for kind in synthetic.HEADERS:
        sidecar = yaml.safe_load((small_dir / "directories" / f"synthetic-{kind}.yaml").read_text(encoding="utf-8"))
        (record,) = sidecar["source_document"]
        assert record["id"] == f"annuaire-synthetic-{kind}"
        assert record["synthetic"] is True
        assert record["document_type"] == "données synthétiques"
        assert "données fictives" in record["title"]
        assert record["license"].startswith("https://")
    for kind in ("coordinations", "acteurs", "experiences"):
        assert all(row["identifiant"].startswith("syn-") for row in rows(small_dir, kind))


def test_domain_rules_hold_in_the_rows(small_dir, referential):
    """The rules of shapes/domain-rules.ttl, checked on the rows themselves (fast, no build)."""
    matrix = synthetic.mission_matrix(PROJECT_ROOT / "data")
    actors = {row["identifiant"]: row for row in rows(small_dir, "acteurs")}
    roles: dict[str, list[tuple[str, str]]] = {}
    for row in rows(small_dir, "participations"):
        assert row["acteur"] in actors
        roles.setdefault(row["coordination"], []).append((actors[row["acteur"]]["types"], row["role"]))
    communes = {c["code"]: c for c in referential["communes"] if c["type"] == "commune-actuelle"}
    epci = {e["code"]: e for e in referential["epci"]}
    qpv = {row["code"] for row in rows(small_dir, "qpv")}
    local_authorities = {"commune", "intercommunalite", "departement", "region"}
    for row in rows(small_dir, "coordinations"):
        roles.setdefault(row["identifiant"], []).append((actors[row["porteur"]]["types"], "porteur"))
    for row in rows(small_dir, "coordinations"):
        ctype, places = row["type"], row["territoires"].split("|")
        assert set(filter(None, row["missions"].split("|"))) == set(matrix.get(ctype, [])), row["identifiant"]
        assert row["porteur"] in actors
        if ctype == "CLS":
            assert ("ars", "cosignataire") in roles[row["identifiant"]]
            assert any(kind in local_authorities and role == "cosignataire" for kind, role in roles[row["identifiant"]])
        if ctype == "ASV":
            assert all(p in communes or p in qpv for p in places)
        if ctype == "CLS":
            assert all(p in communes or p in epci for p in places)
        if ctype == "RTPS":
            assert all(p in epci and {communes[m["code"]]["region"] for m in epci[p]["membres"]} == {"28"}
                       for p in places)
        if ctype == "CMT":
            assert all(p.startswith("departement:") for p in places)
    for row in rows(small_dir, "experiences"):
        assert row["lieux"] and row["themes"] and row["axes"]


def test_never_written_into_the_repository_data(referential):
    with pytest.raises(synthetic.SyntheticError):
        synthetic.write_data_dir(PROJECT_ROOT / "data" / "synthetic", referential, scale=SMALL)
    assert not (PROJECT_ROOT / "data" / "synthetic").exists()


def test_a_foreign_directory_is_not_overwritten(referential, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(synthetic.SyntheticError):
        synthetic.write_data_dir(tmp_path, referential, scale=SMALL)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_every_generated_line_passes_the_build(small_result):
    result = small_result
    synthetic_problems = [p for p in blocking(result.problems) if "synthetic" in (p.file or "")]
    assert not synthetic_problems, "\n".join(p.format("fr") for p in synthetic_problems[:20])
    # The directories did reach the graph.
    graphs = {str(g.identifier) for g in result.dataset.graphs()}
    assert any(name.endswith("graph/annuaire-synthetic-coordinations") for name in graphs)


def test_synthetic_graphs_are_marked_and_never_published(small_result, tmp_path):
    from graph_builder.publication.outputs import SyntheticRefused, write_outputs

    result = small_result
    assert result.synthetic_graphs
    with pytest.raises(SyntheticRefused):
        write_outputs(result, PROJECT_ROOT / "build", force=True)
    manifest = write_outputs(result, tmp_path / "out", force=True)
    assert manifest["synthetic"] is True
    metadata = (tmp_path / "out" / "maillage.nq").read_text(encoding="utf-8")
    assert '<https://w3id.org/maillage/def/core#synthetic> "true"' in metadata


def test_command_line(referential, tmp_path):
    from click.testing import CliRunner

    from maillage.cli.main import main

    runner = CliRunner()
    done = runner.invoke(main, ["synthetic", "--out", str(tmp_path / "syn"), "--scale", "0.01", "--seed", "4"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "syn" / "directories" / "synthetic-coordinations.csv").exists()
    refused = runner.invoke(main, ["synthetic", "--out", str(PROJECT_ROOT / "data" / "x"), "--scale", "0.01"])
    assert refused.exit_code == 2
    assert not (PROJECT_ROOT / "data" / "x").exists()
