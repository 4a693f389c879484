"""`maillage bench`, `bench-queries`, `bench-viewer`: how the build, the query library and the viewer scale
(maillage/bench/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from graph_builder.constants import PROJECT_ROOT
from graph_builder.referential.package import ReferentialError
from maillage.bench.endpoint import bench_endpoint_command
from maillage.cli.common import EXIT_PROBLEMS, EXIT_UNREADABLE, err, fail, out
from maillage.cli.queries import LANG
from maillage.stores import StoreError


@click.command()
@click.option("--sizes", default="seed,referential,national,national2x", show_default=True,
              help="Comma-separated sizes: seed, referential, national, national2x.")
@click.option("--scale-factor", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Multiplies the national sizes (0.01 for a quick run).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic directories.")
@click.option("--workdir", type=click.Path(path_type=Path), default=None,
              help="Where the data and dumps of each size go (kept); a temporary directory otherwise (removed).")
@click.option("--cold-cache", is_flag=True,
              help="Start each size from a cache holding only the referential's tarball (nothing derived from it, "
                   "such as its validation report, is reused); by default the user's cache is used as it is.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def bench(sizes, scale_factor, seed, workdir, cold_cache, fmt, lang):
    """Time build, SHACL validation, dumps and loading, with peak memory, for growing data sizes."""
    import shutil

    from maillage.bench.build import SIZES, as_json, default_workdir, machine, markdown, rich_table, run_bench

    chosen = [s.strip() for s in sizes.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SIZES]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or '(vide)'} ; tailles possibles : {', '.join(SIZES)}",
                                 param_hint="--sizes")
    directory = workdir or default_workdir()
    try:
        measures = run_bench(chosen, directory, seed=seed, scale_factor=scale_factor, cold_cache=cold_cache,
                             report=lambda line: err.print(line, markup=False, highlight=False))
    except ReferentialError as exc:
        err.print(exc.message_fr, style="red")
        sys.exit(EXIT_UNREADABLE)
    finally:
        if workdir is None:
            shutil.rmtree(directory, ignore_errors=True)
    info = machine()
    if fmt == "json":
        click.echo(as_json(measures, info), nl=False)
    elif fmt == "markdown":
        click.echo(markdown(measures, info, lang), nl=False)
    else:
        out.print(rich_table(measures, lang))
        out.print(markdown(measures, info, lang).rsplit("\n\n", 1)[1].strip(), highlight=False)
    if any(m.error for m in measures):
        sys.exit(EXIT_PROBLEMS)


@click.command("bench-queries")
@click.option("--size", "sizes", multiple=True, metavar="LABEL=DIR",
              help="A built graph to measure (repeat it), e.g. graines=build national=../national-build. "
                   "Default: graines=build.")
@click.option("--engines", default="oxigraph,rdflib", show_default=True, help="Comma-separated: oxigraph, rdflib.")
@click.option("--runs", type=click.IntRange(min=1), default=5, show_default=True, help="Timed runs per query (median).")
@click.option("--cap", "cap_s", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds after which an rdflib query is stopped and reported as '> CAP s'.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--case", "cases", multiple=True, metavar="NAME[:PARAM=VALUE,...]",
              help="Measure this query with these parameters (repeat it) on Oxigraph, in rounds with the anchor, "
                   "instead of every query with its defaults; « issue22 » names issue 22's cases.")
@click.option("--anchor", default=None, metavar="NAME[:PARAM=VALUE,...]",
              help="With --case: the query every case is divided by, measured in the same rounds. "
                   "Default: entities_in_territory:territory=departement/38.")
@LANG
def bench_queries(sizes, engines, runs, cap_s, fmt, cases, anchor, lang):
    """Median latency of every library query on rdflib's memory store and on Oxigraph, per data size."""
    from maillage.bench.queries import (
        ANCHOR,
        ENGINES,
        ISSUE_22_CASES,
        as_json,
        bench_cases,
        bench_size,
        cases_markdown,
        machine,
        markdown,
        over_target,
        read_case,
    )

    chosen = [e.strip() for e in engines.split(",") if e.strip()]
    if not chosen or set(chosen) - set(ENGINES):
        raise click.BadParameter(f"moteurs possibles : {', '.join(ENGINES)}", param_hint="--engines")
    pairs = []
    for item in sizes or (f"graines={PROJECT_ROOT / 'build'}",):
        label, sep, directory = item.partition("=")
        if not sep:
            raise click.BadParameter(f"attendu LABEL=DOSSIER, reçu « {item} »", param_hint="--size")
        pairs.append((label, Path(directory)))
    timings = []
    if cases:
        try:
            chosen_cases = [read_case(text) for item in cases
                            for text in (ISSUE_22_CASES if item.strip() == "issue22" else (item,))]
            anchor_case = read_case(anchor or ANCHOR)
        except ValueError as exc:  # LibraryError included: a bad parameter of a case
            raise click.BadParameter(getattr(exc, "message_fr", str(exc)), param_hint="--case") from None
        try:
            for label, directory in pairs:
                timings += bench_cases(label, directory, chosen_cases, anchor_case, runs=runs,
                                       report=lambda line: err.print(line, markup=False, highlight=False))
        except StoreError as exc:
            fail(exc, lang, EXIT_UNREADABLE)
        info = machine()
        click.echo(as_json(timings, info) if fmt == "json" else cases_markdown(timings, info, lang), nl=False)
        return
    try:
        for label, directory in pairs:
            timings += bench_size(label, directory, chosen, runs=runs, cap_s=cap_s,
                                  report=lambda line: err.print(line, markup=False, highlight=False))
    except StoreError as exc:
        fail(exc, lang, EXIT_UNREADABLE)
    info = machine()
    if fmt == "json":
        click.echo(as_json(timings, info), nl=False)
    else:
        click.echo(markdown(timings, info, lang), nl=False)
    slow = over_target(timings)
    if slow:
        err.print(("Au-dessus de 100 ms sur Oxigraph : " if lang == "fr" else "Above 100 ms on Oxigraph: ")
                  + ", ".join(f"{t.query} ({t.size})" for t in slow), style="yellow")


@click.command("bench-viewer")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="Size of the synthetic graph (1 = national; 0.01 for a quick run).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the synthetic directories.")
@click.option("--workdir", type=click.Path(path_type=Path), default=None,
              help="Where the synthetic data and build go (kept, and reused at the same scale); a temporary "
                   "directory otherwise (removed).")
@click.option("--build", "build_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None,
              help="Measure this existing build directory instead of a synthetic one.")
@click.option("--rounds", type=click.IntRange(min=1), default=2, show_default=True, help="Walks through the pages.")
def bench_viewer(scale, seed, workdir, build_dir, rounds):
    """Time the viewer in a real browser (offline chromium): first page after start, each interaction."""
    import shutil
    import tempfile

    from maillage.bench.viewer import prepare, rich_table, run, summary

    directory = workdir or Path(tempfile.mkdtemp(prefix="maillage-bench-viewer-"))
    try:
        graph_dir = build_dir or prepare(directory, scale, seed, report=err.print)
        measure = run(graph_dir, scale if build_dir is None else 0, rounds, report=err.print)
    finally:
        if workdir is None:
            shutil.rmtree(directory, ignore_errors=True)
    out.print(rich_table(measure))
    out.print(summary(measure), highlight=False)


COMMANDS = (bench, bench_queries, bench_viewer, bench_endpoint_command)  # bench-endpoint: bench/endpoint.py
