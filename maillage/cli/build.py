"""`maillage build`, `validate`, `stats`, `templates`: the build stage's commands (graph_builder)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from graph_builder.builder import BuildOutcome
from graph_builder.builder import build as build_and_publish
from graph_builder.constants import PROJECT_ROOT
from graph_builder.problems import BuildError, blocking
from graph_builder.publication.counts import Stats, stats_of
from graph_builder.publication.generations import OutputLocked, resolve
from graph_builder.publication.outputs import problems_json
from graph_builder.sources.templates import stale_all_templates, write_all_templates
from maillage.cli.common import (
    EXIT_LOCKED,
    EXIT_PROBLEMS,
    EXIT_UNREADABLE,
    TEXT,
    build_in_memory,
    err,
    exit_unreadable,
    exit_unreadable_bilingual,
    exit_write_failed,
    make_settings,
    out,
    print_problems,
    settings_options,
    status,
    summary,
)
from maillage.cli.diff import keep_changes
from maillage.kept import keep_answers, keep_store
from maillage.stores import OxigraphStore


@click.command()
@settings_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Output directory.")
@click.option("--force", is_flag=True, help="Write the graph even if it violates the shapes.")
@click.option("--full", is_flag=True, help="Rebuild everything, even if only a few records changed.")
@click.option("--feeds", is_flag=True, help="Then keep what changed since the previous build in OUT/changes/, for "
              "the Atom feeds of `maillage serve` (as `maillage diff --previous OUT --write-feeds`).")
def build(data_dir, ontology_dir, shapes_dir, base, lang, out_dir, force, full, feeds):
    """Build, validate and write the graph (TriG, N-Quads, Turtle).

    After a successful build, only the records edited since are converted,
    validated and re-serialised (see graph_builder/incremental/rebuild.py).
    Readers of --out see the previous build until the new one is complete
    (see graph_builder/publication/generations.py); one build at a time
    writes to a directory (exit 5 for a second one).
    """
    settings = make_settings(data_dir, ontology_dir, shapes_dir, base)

    def announce_full(why: tuple[str, str]) -> None:
        err.print(TEXT[lang]["full"].format(why=why[0 if lang == "fr" else 1]))

    def keep(store) -> None:  # the viewer's first page answered before the graph is open (maillage/kept.py)
        progress("réponses gardées pour la première page")
        keep_answers(OxigraphStore(store), out_dir, cache=settings.cache / "kept-texts")
        progress("graphe gardé sur disque pour la visionneuse")
        keep_store(out_dir)

    try:
        with status() as progress:
            outcome = build_and_publish(settings, out_dir, full=full, force=force, stats=True, progress=progress,
                                        on_full=announce_full, published=keep)
    except BuildError as exc:
        exit_unreadable(exc, lang)
    except OutputLocked as exc:
        exit_unreadable_bilingual(exc, EXIT_LOCKED)
    if outcome.kind == "incremental" and outcome.written:
        keep_store(out_dir)  # the rebuilt graph, for the viewer (a full build keeps it in `keep`)
    _report(outcome, out_dir, lang)
    if feeds:
        keep_changes(out_dir, lang)


def _report(outcome: BuildOutcome, out_dir: Path, lang: str) -> None:
    """What a build did, as `maillage build` says it; exits 1 (refused) or 4 (not written) when it did not write."""
    text = TEXT[lang]
    print_problems(outcome.problems, lang)
    if outcome.refused == "synthetic":
        err.print("Données synthétiques : elles ne s'écrivent jamais dans build/ (le graphe publié) ; choisissez --out."
                  if lang == "fr" else "Synthetic data is never written to build/ (the published graph); choose --out.",
                  style="bold red")
        sys.exit(EXIT_PROBLEMS)
    if outcome.refused == "problems":
        err.print(summary(outcome.problems, lang))
        err.print(text["refused"].format(n=len(blocking(outcome.problems))), style="bold red")
        sys.exit(EXIT_PROBLEMS)
    if outcome.write_error is not None:
        exit_write_failed(outcome.write_error, out_dir)
    if outcome.kind == "incremental":
        err.print(text["incremental"].format(n=outcome.changed))
    if outcome.forced:
        err.print(text["forced"].format(n=len(blocking(outcome.problems))), style="bold yellow")
    else:
        err.print(text["ok"], style="green")
    if outcome.manifest is not None:
        err.print(text["written"].format(out=out_dir, quads=outcome.manifest["quads"]))
    if outcome.stats is not None:
        print_stats_table(outcome.stats, lang)


@click.command()
@settings_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True,
              help="Report format: text for people, json or turtle (SHACL report) for programs.")
def validate(data_dir, ontology_dir, shapes_dir, base, lang, fmt):
    """Check the data against the shapes without writing anything."""
    result = build_in_memory(make_settings(data_dir, ontology_dir, shapes_dir, base), lang)
    if fmt == "json":
        click.echo(problems_json(result.problems), nl=False)
    elif fmt == "turtle":
        report = result.validation.report if result.validation else None
        click.echo(report.serialize(format="turtle") if report is not None else "")
    else:
        print_problems(result.problems, lang)
        err.print(summary(result.problems, lang))
        if result.ok:
            err.print(TEXT[lang]["ok"], style="green")
    sys.exit(0 if result.ok else EXIT_PROBLEMS)


def print_stats_table(stats: Stats, lang: str) -> None:
    fr = lang == "fr"
    classes = Table(title="Entités par classe" if fr else "Entities per class")
    classes.add_column("Classe" if fr else "Class")
    classes.add_column("Nombre" if fr else "Count", justify="right")
    for cls, count in stats.classes:
        classes.add_row(cls, str(count))
    graphs = Table(title="Graphes nommés" if fr else "Named graphs")
    for column in (("Graphe", "Graph"), ("Source", "Source"), ("Triplets", "Triples"), ("Entités", "Entities")):
        graphs.add_column(column[0] if fr else column[1], justify="right" if column[1] in ("Triples", "Entities")
                          else "left")
    for graph, source, triples, entities in stats.graphs:
        graphs.add_row(graph, source, str(triples), str(entities))
    out.print(classes)
    out.print(graphs)
    out.print(("Total : {n} quadruplets" if fr else "Total: {n} quads").format(n=stats.total_quads))


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built graph.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def stats(out_dir, fmt, lang):
    """Counts per class and per source of the built graph."""
    path = resolve(out_dir) / "maillage.trig"
    if not path.exists():
        err.print(f"{path} : introuvable, lancez d'abord « maillage build »." if lang == "fr"
                  else f"{path}: not found, run 'maillage build' first.", style="red")
        sys.exit(EXIT_UNREADABLE)
    result = stats_of(path)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_stats_table(result, lang)


@click.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data" / "templates",
              show_default="data/templates/")
@click.option("--check", is_flag=True, help="Only check that the templates are up to date.")
def templates(directory, check):
    """Write (or check) one template per record kind, from the record kinds, and the directory templates.

    The directory templates (CSV and XLSX, from graph_builder/sources/directory_templates.yaml) go to
    DIR/directories/; --check compares the CSV byte for byte and the XLSX by content.
    """
    if check:
        stale = stale_all_templates(directory)
        if stale:
            err.print(f"templates à régénérer : {', '.join(stale)} (maillage templates)", style="red")
            sys.exit(EXIT_PROBLEMS)
        return
    for path in write_all_templates(directory):
        err.print(str(path))


COMMANDS = (build, validate, stats, templates)
