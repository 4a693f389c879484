"""`maillage bench-viewer` at a tiny scale: a smoke test of the whole measurement, never a timing assertion.

One walk only (a viewer server and a browser cost ~20 s): the synthetic graph prepared, then the command walks that
build and prints the table; the measure it printed is read back from the real `run` it called."""

from __future__ import annotations

from click.testing import CliRunner

from maillage.bench import viewer as bench_viewer
from maillage.cli.main import main


def test_command_walks_a_small_synthetic_graph_and_prints_the_table(tmp_path, monkeypatch):
    out = bench_viewer.prepare(tmp_path, scale=0.01, report=lambda _line: None)
    assert (out / "maillage.nq").is_file()
    assert bench_viewer.prepare(tmp_path, scale=0.01, report=lambda _line: None) == out  # reused, not rebuilt

    measures, real_run = [], bench_viewer.run

    def observed(*args, **kwargs):
        measures.append(real_run(*args, **kwargs))
        return measures[-1]

    monkeypatch.setattr(bench_viewer, "run", observed)
    result = CliRunner().invoke(main, ["bench-viewer", "--build", str(out), "--rounds", "1"])
    assert result.exit_code == 0, result.output
    assert "Première page après le lancement" in result.output and "95e centile" in result.output
    assert "Requêtes vers d'autres hôtes bloquées : 0." in result.output
    assert "Ancre, même lancement" in result.output and "charge au départ (uptime)" in result.output

    [measure] = measures
    assert measure.blocked == []
    assert 0 < measure.healthy_s < measure.first_page_s and measure.again_s > 0
    [steps] = measure.rounds
    assert [name for name, _ in steps][:2] == ["page Territoires",
                                               "Nom ou code du territoire (INSEE, SIREN, code postal) = Grenoble"]
    assert len(steps) == 11 and all(seconds > 0 for _, seconds in steps)
    assert 0 < measure.p95_s <= max(measure.times)
