"""`maillage bench` at a tiny size: a smoke test of the whole measurement, never a timing assertion."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from rich.console import Console

from graph_builder.referential.package import ReferentialError, default_cache, fetch
from maillage.bench import build as bench
from maillage.cli.main import main

SIZES = ["seed", "national"]


@pytest.fixture(scope="module")
def measures(tmp_path_factory) -> list[bench.Measure]:
    try:
        fetch(default_cache())
    except ReferentialError as exc:
        pytest.skip(exc.message_en)
    # rdflib's load is left out here (22 s at seed size): test_rdflib_load_is_timed times it on a small dump.
    return bench.run_bench(SIZES, tmp_path_factory.mktemp("bench"), seed=1, scale_factor=0.01, rdflib_sizes=())


def test_every_size_is_measured(measures):
    assert [m.size for m in measures] == SIZES
    for m in measures:
        assert m.error is None, m.error
        for figure in (m.build_s, m.validation_s, m.dump_s, m.load_oxigraph_s, m.edit_s, m.peak_rss_mb):
            assert figure is not None and figure > 0, m
        assert m.quads and m.loaded_quads and m.loaded_quads > 0
        assert m.steps, "the build's progress steps were timed"
    seed, national = measures
    # At the national sizes, a contribution checked, then accepted: rebuilt incrementally and found by the library
    # once the graph was opened (maillage/bench/contributions.py).
    assert national.check_s > 0 and national.accepted_s > 0, national.accepted
    assert national.accepted["kind"] == "incremental" and national.accepted["found"], national.accepted
    assert seed.check_s is None and seed.accepted_s is None
    assert seed.load_rdflib_s is None and national.load_rdflib_s is None  # not asked for
    assert national.scale == pytest.approx(0.01)
    assert national.rows > 0 and national.generation_s > 0
    assert national.quads > seed.quads


def test_rdflib_load_is_timed(small_build):
    assert bench.load_rdflib(small_build / "maillage.nq") > 0
    assert bench.RDFLIB_LOAD_SIZES == {"seed", "referential"}  # the command's default: only the small sizes


def test_outputs_have_a_row_per_size_and_every_column(measures):
    info = bench.machine()
    header, rows = bench.rows_of(measures, "fr")
    assert header == [fr for fr, _ in bench.COLUMNS.values()]
    assert len(rows) == len(SIZES) and all(len(row) == len(header) for row in rows)

    text = bench.markdown(measures, info)
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    assert len(table_lines) == 2 + len(SIZES)
    assert all(line.count("|") == len(header) + 1 for line in table_lines)
    assert "Machine :" in text and str(info["cpus"]) in text

    parsed = json.loads(bench.as_json(measures, info))
    assert [s["size"] for s in parsed["sizes"]] == SIZES and parsed["machine"]["cpus"] >= 1

    console = Console(record=True, width=250)
    console.print(bench.rich_table(measures, "en"))
    rendered = console.export_text()
    assert "Peak memory (MB)" in rendered and "national (0.01)" in rendered


def test_unknown_size_is_a_usage_error():
    result = CliRunner().invoke(main, ["bench", "--sizes", "seed,planet"])
    assert result.exit_code == 2
    assert "planet" in result.output
