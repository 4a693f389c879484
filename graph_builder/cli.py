"""The `maillage` command: options are parsed here, work is done elsewhere.

Exit codes:
  0  success (graph built and written, or data valid)
  1  the data has problems (input errors or shape violations): nothing written
  2  bad command line
  3  the ontology, vocabularies, shapes or data directory cannot be read
  4  the output cannot be written
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .kinds import load_schema
from .pipeline import DEFAULT_BASE, PROJECT_ROOT, BuildResult, Settings, build_graph
from .problems import BuildError, Problem, blocking
from .publish import PublicationRefused, problems_json, write_outputs
from .referential import (
    DATA_LICENCE,
    PACKAGE,
    Referential,
    ReferentialError,
    default_cache,
    fetch,
    load,
    resolve_commune,
)
from .stats import compute_stats, load_dataset
from .templates import stale_templates, write_templates

EXIT_PROBLEMS, EXIT_UNREADABLE, EXIT_WRITE = 1, 3, 4

err = Console(stderr=True, soft_wrap=True)
out = Console()

TEXT = {
    "fr": {
        "ok": "Graphe conforme aux formes SHACL.",
        "written": "Graphe écrit dans {out} ({quads} quadruplets).",
        "refused": "Graphe NON publié : {n} problème(s) bloquant(s). Corrigez-les ou relancez avec --force.",
        "forced": "Publié malgré {n} problème(s) bloquant(s) (--force).",
        "unreadable": "Entrées illisibles :",
        "summary": "{errors} erreur(s), {violations} non-conformité(s), {warnings} avertissement(s).",
    },
    "en": {
        "ok": "The graph conforms to the SHACL shapes.",
        "written": "Graph written to {out} ({quads} quads).",
        "refused": "Graph NOT published: {n} blocking problem(s). Fix them or run again with --force.",
        "forced": "Published despite {n} blocking problem(s) (--force).",
        "unreadable": "Unreadable inputs:",
        "summary": "{errors} error(s), {violations} violation(s), {warnings} warning(s).",
    },
}


def settings_options(function):
    """Options shared by the commands that build a graph."""
    options = [
        click.option("--data", "data_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data",
                     show_default="data/", help="Curated data directory."),
        click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path),
                     default=PROJECT_ROOT / "ontology", show_default="ontology/", help="Ontology and vocabularies."),
        click.option("--shapes", "shapes_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "shapes",
                     show_default="shapes/", help="SHACL shapes."),
        click.option("--base", envvar="MAILLAGE_BASE", default=DEFAULT_BASE, show_default=True,
                     help="Base IRI of the graph's entities (env MAILLAGE_BASE)."),
        click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
                     help="Language of messages."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _settings(data_dir: Path, ontology_dir: Path, shapes_dir: Path, base: str) -> Settings:
    try:
        return Settings(data_dir=data_dir, ontology_dir=ontology_dir, shapes_dir=shapes_dir, base=base)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base") from exc


def _build(settings: Settings, lang: str) -> BuildResult:
    try:
        with err.status("…") as status:
            return build_graph(settings, progress=lambda step: status.update(f"[bold]{step}[/bold]…"))
    except BuildError as exc:
        err.print(TEXT[lang]["unreadable"], style="bold red")
        _print_problems(exc.problems, lang)
        sys.exit(EXIT_UNREADABLE)


def _print_problems(problems: list[Problem], lang: str) -> None:
    styles = {"error": "red", "violation": "red", "warning": "yellow", "info": "cyan"}
    for problem in sorted(problems):
        err.print(problem.format(lang), style=styles[problem.severity], markup=False, highlight=False)


def _summary(problems: list[Problem], lang: str) -> str:
    count = {s: sum(1 for p in problems if p.severity == s) for s in ("error", "violation", "warning")}
    return TEXT[lang]["summary"].format(errors=count["error"], violations=count["violation"],
                                        warnings=count["warning"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="maillage")
def main() -> None:
    """Maillage: the knowledge graph of French local health coordination."""


@main.command()
@settings_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Output directory.")
@click.option("--force", is_flag=True, help="Write the graph even if it violates the shapes.")
def build(data_dir, ontology_dir, shapes_dir, base, lang, out_dir, force):
    """Build, validate and write the graph (TriG, N-Quads, Turtle)."""
    result = _build(_settings(data_dir, ontology_dir, shapes_dir, base), lang)
    _print_problems(result.problems, lang)
    stopping = blocking(result.problems)
    try:
        manifest = write_outputs(result, out_dir, force=force)
    except PublicationRefused as exc:
        err.print(_summary(result.problems, lang))
        err.print(TEXT[lang]["refused"].format(n=len(exc.problems)), style="bold red")
        sys.exit(EXIT_PROBLEMS)
    except OSError as exc:
        err.print(f"{out_dir}: {exc}", style="bold red")
        sys.exit(EXIT_WRITE)
    if stopping:
        err.print(TEXT[lang]["forced"].format(n=len(stopping)), style="bold yellow")
    else:
        err.print(TEXT[lang]["ok"], style="green")
    err.print(TEXT[lang]["written"].format(out=out_dir, quads=manifest["quads"]))
    _print_stats_table(compute_stats(result.dataset), lang)


@main.command()
@settings_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True,
              help="Report format: text for people, json or turtle (SHACL report) for programs.")
def validate(data_dir, ontology_dir, shapes_dir, base, lang, fmt):
    """Check the data against the shapes without writing anything."""
    result = _build(_settings(data_dir, ontology_dir, shapes_dir, base), lang)
    if fmt == "json":
        click.echo(problems_json(result.problems), nl=False)
    elif fmt == "turtle":
        report = result.validation.report if result.validation else None
        click.echo(report.serialize(format="turtle") if report is not None else "")
    else:
        _print_problems(result.problems, lang)
        err.print(_summary(result.problems, lang))
        if result.ok:
            err.print(TEXT[lang]["ok"], style="green")
    sys.exit(0 if result.ok else EXIT_PROBLEMS)


def _print_stats_table(stats, lang: str) -> None:
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


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built graph.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def stats(out_dir, fmt, lang):
    """Counts per class and per source of the built graph."""
    path = out_dir / "maillage.trig"
    if not path.exists():
        err.print(f"{path} : introuvable, lancez d'abord « maillage build »." if lang == "fr"
                  else f"{path}: not found, run 'maillage build' first.", style="red")
        sys.exit(EXIT_UNREADABLE)
    result = compute_stats(load_dataset(path))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_stats_table(result, lang)


@main.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data" / "templates",
              show_default="data/templates/")
@click.option("--check", is_flag=True, help="Only check that the templates are up to date.")
def templates(directory, check):
    """Write (or check) one template per record kind, from the record kinds."""
    schema = load_schema()
    if check:
        stale = stale_templates(schema, directory)
        if stale:
            err.print(f"templates à régénérer : {', '.join(stale)} (maillage templates)", style="red")
            sys.exit(EXIT_PROBLEMS)
        return
    for path in write_templates(schema, directory):
        err.print(str(path))


def _load_referential(cache: Path | None) -> Referential:
    """The pinned referential from the cache (fetched once), or exit 3 with the reason."""
    try:
        return load(fetch(cache or default_cache()))
    except ReferentialError as exc:
        err.print(exc.message_fr, style="red")
        sys.exit(EXIT_UNREADABLE)


@main.group()
def referential() -> None:
    """The official territorial referential (Etalab's découpage administratif, pinned)."""


@referential.command("fetch")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def referential_fetch(cache):
    """Fetch the pinned referential once (npm), check its integrity, print its counts."""
    data = _load_referential(cache)
    table = Table(title=f"{PACKAGE} {data.version} (COG {data.vintage} ; données : {DATA_LICENCE} ; "
                        f"paquet : {data.package_licence})")
    table.add_column("Table")
    table.add_column("Enregistrements", justify="right")
    for name, rows in data.tables.items():
        table.add_row(name, str(len(rows)))
    out.print(table)


@referential.command("resolve")
@click.argument("name")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def referential_resolve(name, cache):
    """Find the INSEE code of a commune by name; homonyms are listed, never guessed."""
    candidates = resolve_commune(_load_referential(cache), name)
    for candidate in candidates:
        out.print(candidate.describe(), highlight=False)
    if len(candidates) == 1:
        return
    if candidates:
        err.print(f"{len(candidates)} communes s'appellent « {name} » : choisissez le code INSEE de la bonne "
                  "(département entre parenthèses).", style="yellow")
    else:
        err.print(f"aucune commune actuelle ne s'appelle « {name} ».", style="red")
    sys.exit(EXIT_PROBLEMS)
