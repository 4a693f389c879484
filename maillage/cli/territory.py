"""`maillage territory search`: the territory search of the viewer, on the command line (maillage/territories.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.table import Table

from graph_builder.constants import PROJECT_ROOT
from graph_builder.problems import BilingualError
from maillage.cli.common import EXIT_PROBLEMS, EXIT_UNREADABLE, EXIT_USAGE, LANG, err, fail, out
from maillage.stores import StoreError, open_store
from maillage.territories import LEVEL_NAMES, MAX_TEXT, READINGS, Search, compact, fold

HEADERS = {"fr": ("Niveau", "Code", "Nom", "Département", "Lu comme", "Mène à"),
           "en": ("Level", "Code", "Name", "Département", "Read as", "Leads to")}


class SearchRefused(BilingualError):
    """A searched text that cannot name a territory (empty, too long)."""


@click.group("territory")
def territory() -> None:
    """The territories of the referential (communes and their parts, EPCI, EPT, départements, régions)."""


@territory.command("search")
@click.argument("texts", metavar="TEXT...", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=30, show_default=True,
              help="Candidates listed at most, per text.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people; json for programs (per text, its candidates).")
@click.option("--endpoint", default=None, metavar="URL", help="Search the graph of this SPARQL 1.1 endpoint.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build", show_default="build/",
              help="Directory of a built graph (`maillage build`).")
@LANG
def territory_search(texts, limit, fmt, endpoint, out_dir, lang):
    """List the territories each TEXT names: a name (case, accents, hyphens, apostrophes, St/Saint do not
    matter), an INSEE or SIREN code, a postal code or a former commune's code. Homonyms are all listed with their
    département, never chosen: exit 0 when each text names one territory exactly, 1 when one has a choice to
    make or names nothing."""
    for text in texts:
        try:
            refused(text)
        except SearchRefused as exc:
            fail(exc, lang, EXIT_USAGE)
    try:
        search = Search.read(open_store(endpoint or out_dir))
    except StoreError as exc:
        fail(exc, lang, EXIT_UNREADABLE)
    answers = [(text, search.search(text, limit=limit)) for text in texts]
    if fmt == "json":
        click.echo(json.dumps([{"text": text, "single": bool(Search.single(found)),
                                "candidates": [candidate.as_dict(lang) for candidate in found]}
                               for text, found in answers], ensure_ascii=False, indent=2))
    settled = True
    for text, found in answers:
        if fmt != "json" and found:
            out.print(_table(text, found, lang))
        if not found:
            err.print(f"Aucun territoire ne correspond à « {text} »." if lang == "fr"
                      else f"No territory matches '{text}'.", style="red", markup=False, highlight=False)
        elif Search.single(found) is None:
            err.print(f"« {text} » : {len(found)} candidats, choisissez le vôtre (aucun n'est choisi pour vous)."
                      if lang == "fr" else f"'{text}': {len(found)} candidates, choose yours (none is chosen for you).",
                      markup=False, highlight=False)
        settled = settled and Search.single(found) is not None
    if not settled:
        sys.exit(EXIT_PROBLEMS)


def refused(text: str) -> None:
    """SearchRefused if `text` cannot name a territory."""
    if len(text) > MAX_TEXT:
        raise SearchRefused(f"texte trop long ({len(text)} caractères) : au plus {MAX_TEXT}.",
                            f"text too long ({len(text)} characters): at most {MAX_TEXT}.")
    if not fold(text) and not compact(text):
        raise SearchRefused("texte vide : donnez un nom ou un code de territoire, ex. « Saint-Denis » ou « 38100 ».",
                            "empty text: give a territory's name or code, e.g. 'Saint-Denis' or '38100'.")


def _table(text: str, found: list, lang: str) -> Table:
    table = Table(*HEADERS[lang], title=f"« {text} »" if lang == "fr" else f"'{text}'")
    for candidate in found:
        place, target = candidate.territory, candidate.target
        read = READINGS[lang][candidate.reading]
        if candidate.reading in ("postal", "former"):
            read += f" {candidate.code}"
        table.add_row(LEVEL_NAMES[lang][place.level], place.code, place.name, place.departement or "", read,
                      "" if target == place else target.title(lang))
    return table


COMMANDS = (territory,)
