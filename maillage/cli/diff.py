"""`maillage diff`: what changed between two builds (maillage/diff.py), for people or programs; kept beside the new
build for the Atom feeds of `maillage serve` (maillage/feeds.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from graph_builder.problems import BilingualError
from maillage.cli.common import EXIT_UNREADABLE, EXIT_USAGE, LANG, err, exit_write_failed, fail, status
from maillage.diff import Build, DiffError, as_text, diff
from maillage.feeds import record


@click.command("diff")
@click.argument("builds", metavar="[OLD] NEW", nargs=-1, type=click.Path(path_type=Path))
@click.option("--previous", is_flag=True,
              help="Compare NEW with the build published before it in the same directory (kept by `maillage build`).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text for people; json for programs (schema in docs/diff-and-feeds.md).")
@click.option("--write-feeds", is_flag=True,
              help="Also keep this diff in NEW/changes/, where `maillage serve` reads its Atom feeds.")
@LANG
def diff_command(builds, previous, fmt, write_feeds, lang):
    """What changed from the build OLD to the build NEW (directories written by `maillage build --out`): entities
    added, removed or changed (and which properties), by territory and by theme. Exit 0 when compared (changes or
    not), 2 for a bad command line, 3 when a build cannot be read, 4 when --write-feeds cannot write."""
    wanted = 1 if previous else 2
    if len(builds) != wanted:
        fail(BilingualError(
            "Donnez deux dossiers de construction (maillage diff ANCIEN NOUVEAU), ou un seul avec --previous."
            if not previous else "Avec --previous, donnez un seul dossier : celui de la construction (--out).",
            "Give two build directories (maillage diff OLD NEW), or one with --previous." if not previous
            else "With --previous, give one directory only: the build's (--out)."), lang, EXIT_USAGE)
    try:
        old, new = (Build.previous(builds[0]), Build.open(builds[0])) if previous else map(Build.open, builds)
        with status() as progress:
            found = diff(old, new, progress)
    except DiffError as exc:
        fail(exc, lang, EXIT_UNREADABLE)
    if write_feeds:
        _record(found, new.given, lang)
    form = found.as_json()
    if fmt == "json":
        sys.stdout.write(json.dumps(form, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(as_text(form, lang))


def _record(found, out_dir: Path, lang: str) -> None:
    try:
        kept = record(found, out_dir)
    except OSError as exc:
        exit_write_failed(exc, out_dir)
    if kept is None:
        err.print("Aucun changement depuis la construction précédente : rien à ajouter aux flux Atom." if lang == "fr"
                  else "No change since the previous build: nothing to add to the Atom feeds.")
    else:
        err.print(f"Changements gardés pour les flux Atom : {kept}" if lang == "fr"
                  else f"Changes kept for the Atom feeds: {kept}", markup=False, highlight=False)


def keep_changes(out_dir: Path, lang: str) -> None:
    """After `maillage build --feeds`: what changed since the previous build, kept for the feeds. The first build
    has no previous one (nothing to keep); a build that cannot be read is exit 3, as for `maillage diff`."""
    try:
        old = Build.previous(out_dir)
        new = Build.open(out_dir)
    except DiffError:
        err.print("Première construction ici : pas encore de changements pour les flux Atom." if lang == "fr"
                  else "First build here: no changes yet for the Atom feeds.")
        return
    try:
        with status() as progress:
            found = diff(old, new, progress)
    except DiffError as exc:
        fail(exc, lang, EXIT_UNREADABLE)
    _record(found, out_dir, lang)


COMMANDS = (diff_command,)
