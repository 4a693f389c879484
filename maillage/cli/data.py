"""`maillage import`, `export-directory` and `synthetic`: directories ("annuaires") into and out of data/."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from graph_builder.constants import PROJECT_ROOT
from graph_builder.problems import BuildError
from maillage.cli.common import (
    EXIT_PROBLEMS,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    EXIT_WRITE,
    STYLES,
    err,
    exit_unreadable,
    load_referential,
    make_settings,
    out,
    print_problems,
    settings_options,
)

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


@click.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, exists=True, dir_okay=False, readable=True))
@click.option("--kind", type=click.Choice(_directory_kinds()), default=None,
              help="Directory template of the files (default: recognised from the header).")
@click.option("--name", default=None, help="Name of the stored directory (default: the file's name, slugified).")
@click.option("--licence", "licence", default=None,
              help="Licence of the files' lines: Licence Ouverte 2.0 (default), CC-BY-4.0, ODbL... or a URL.")
@click.option("--keep-good", is_flag=True, help="Import the good lines and leave the bad ones out (listed).")
@click.option("--sheet", default=None, help="Sheet to read in XLSX workbooks (required if one has several).")
@settings_options
def import_(files, kind, name, licence, keep_good, sheet, data_dir, ontology_dir, shapes_dir, base, lang):
    """Import directories (CSV or XLSX, one line per record) into data/directories/.

    Every line is checked with the whole build (shapes, official referential); every bad line is reported with
    its line and column, and nothing is written if any line is bad (unless --keep-good). Importing the same file
    again changes nothing.
    """
    from graph_builder.sources.importer import ImportUsageError, UnreadableDirectory, import_files

    text = IMPORT_TEXT[lang]
    settings = make_settings(data_dir, ontology_dir, shapes_dir, base)
    try:
        with err.status("…"):
            result = import_files(list(files), settings, kind=kind, name=name, license=licence, keep_good=keep_good,
                                  sheet=sheet)
    except ImportUsageError as exc:
        raise click.UsageError(exc.message_fr if lang == "fr" else exc.message_en) from exc
    except UnreadableDirectory as exc:
        err.print(exc.message_fr if lang == "fr" else exc.message_en, style="bold red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    except BuildError as exc:
        exit_unreadable(exc, lang)
    except OSError as exc:
        err.print(f"{data_dir}: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_WRITE)
    for problem in result.problems:
        err.print(problem.format(lang), style=STYLES[problem.severity], markup=False, highlight=False)
    if result.elsewhere:
        err.print(text["elsewhere"], style="bold red")
        print_problems(result.elsewhere, lang)
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


@click.command("export-directory")
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
        print_problems(problems, lang)
    try:
        write_rows(kind, rows, output, fmt)
    except OSError as exc:
        err.print(f"{output}: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_WRITE)
    err.print(text["exported"].format(n=len(rows), file=output), style="green", markup=False, highlight=False)


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Directory to write (never inside data/).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the random draws.")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True,
              help="1 = national size (about 1,300 coordinations, 40,000 actors, 5,000 experiences).")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def synthetic(out_dir, seed, scale, cache):
    """Write a data directory with FICTITIOUS national-size directories (benchmarks only, never published)."""
    from graph_builder.sources.synthetic import HEADERS, SyntheticError, write_data_dir

    referential_data = load_referential(cache)
    try:
        with err.status("génération des annuaires synthétiques…"):
            counts = write_data_dir(out_dir, referential_data, seed=seed, scale=scale)
    except SyntheticError as exc:
        err.print(exc.message_fr, style="red")
        sys.exit(EXIT_USAGE)
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


COMMANDS = (import_, export_directory, synthetic)
