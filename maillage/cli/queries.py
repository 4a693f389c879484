"""The query commands of `maillage`: `queries`, `query` (registered by main.py).

Options are parsed here, the work is done by maillage/library.py and stores.py. Errors are printed in French
by default (`--lang en`); exit codes are those of common.py (2: bad command line, unknown query or parameter,
refused query; 3: the graph or the endpoint cannot be read).
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from graph_builder.constants import DEFAULT_BASE, PROJECT_ROOT
from maillage.cli.common import EXIT_UNREADABLE, EXIT_USAGE, err, fail
from maillage.library import LANGUAGE, LibraryError, catalogue_graph, get_query, library, read_query
from maillage.sparql import QueryRefused
from maillage.stores import Rows, StoreError, open_store
from maillage.territories import current_communes

out = Console(soft_wrap=True)
LANG = click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
                    help="Language of messages and summaries; for `query`, of the labels too (unless --param lang=).")


@click.command("queries")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "turtle"]), default="text", show_default=True,
              help="text for people; json; turtle: the catalogue as SPARQL examples (SHACL, schema.org).")
@click.option("--target", default=None, metavar="URL",
              help="SPARQL endpoint the catalogue points to (schema:target); default: maillage serve's, "
                   "http://127.0.0.1:7878/sparql (`maillage serve` serves the catalogue itself, for its own URL).")
@LANG
def queries(fmt, target, lang):
    """List the query library: name, question, parameters (type, default, description)."""
    catalogue = library()
    if fmt == "turtle":
        click.echo(catalogue_graph(catalogue, target=target).serialize(format="turtle"), nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps([{
            "name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags),
            "parameters": [{"name": p.name, "type": p.type, "required": p.required, "default": p.default,
                            "check": p.check, "description": p.description} for p in q.parameters],
        } for q in catalogue.values()], ensure_ascii=False, indent=2))
        return
    every = "toutes les requêtes" if lang == "fr" else "every query"
    out.print(f"({every}) --param lang=…  [{LANGUAGE.check}] = {LANGUAGE.default}\n        {LANGUAGE.describe(lang)}",
              highlight=False, markup=False)
    for query in catalogue.values():
        out.print(f"[bold]{query.name}[/bold] — {query.summary[lang] or query.summary['fr']}", highlight=False)
        for parameter in query.parameters:
            default = f" = {parameter.default}" if parameter.default else ""
            need = "" if parameter.required else (" (facultatif)" if lang == "fr" else " (optional)")
            out.print(f"    --param {parameter.name}=…  [{parameter.check or parameter.type}]{need}{default}",
                      highlight=False, markup=False)
            out.print(f"        {parameter.describe(lang)}", highlight=False, markup=False)


def _parse_params(items: tuple[str, ...], lang: str) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(("attendu nom=valeur, reçu « {} »" if lang == "fr" else "expected name=value, got '{}'")
                                     .format(item), param_hint="--param")
        values[name.strip()] = value
    return values


def _table(rows: Rows) -> Table:
    table = Table(show_lines=False)
    for name in rows.variables:
        table.add_column(name, overflow="fold")
    for row in rows.values():
        table.add_row(*("" if value is None else str(value) for value in row))
    return table


@click.command("query")
@click.argument("name", required=False)
@click.option("--file", "path", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None,
              help="Run the SPARQL query of this file (a header with parameters is read as for the library).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter of the query (repeat it); see `maillage queries`.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json"]), default="table", show_default=True,
              help="json: SPARQL 1.1 Query Results JSON; csv, tsv: SPARQL 1.1 Query Results CSV/TSV.")
@click.option("--endpoint", default=None, metavar="URL", help="Query this SPARQL 1.1 endpoint instead of a built graph.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build", show_default="build/",
              help="Directory of a built graph (`maillage build`), loaded into the embedded store.")
@click.option("--engine", type=click.Choice(["oxigraph", "rdflib"]), default="oxigraph", show_default=True,
              help="Embedded engine (Oxigraph: chosen by measurement, see docs/queries.md).")
@click.option("--base", envvar="MAILLAGE_BASE", default=DEFAULT_BASE, show_default=True,
              help="Base IRI of the graph's entities, for identifiers given as parameters.")
@LANG
def query(name, path, params, fmt, endpoint, out_dir, engine, base, lang):
    """Run a query of the library (NAME) or of a file (--file), on a built graph or on an endpoint."""
    if bool(name) == bool(path):
        raise click.UsageError("donnez soit le nom d'une requête, soit --file" if lang == "fr"
                               else "give either a query name or --file")
    try:
        named = read_query(path) if path else get_query(name)
        values = _parse_params(params, lang)
        values.setdefault("lang", lang)  # the labels in the language of the messages, unless asked otherwise
        bindings = named.bindings(values, base)
    except (LibraryError, QueryRefused) as exc:
        fail(exc, lang, EXIT_USAGE)
    try:
        store = open_store(endpoint or out_dir, backend=engine)
        bindings, replaced = current_communes(store, bindings, base)
        for former, current in replaced:  # said, since the rows are those of another code than the one given
            err.print(f"« {former} » est un ancien code INSEE : la requête porte sur sa commune actuelle, {current} "
                      "(date du changement inconnue du référentiel)." if lang == "fr" else
                      f"'{former}' is a former INSEE code: the query is about its current commune, {current} "
                      "(the referential gives no date for the change).")
        rows = store.select(named.text, bindings)
    except QueryRefused as exc:
        fail(exc, lang, EXIT_USAGE)
    except StoreError as exc:
        fail(exc, lang, EXIT_UNREADABLE)
    if fmt == "json":
        click.echo(json.dumps(rows.to_json(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(rows.to_csv(), nl=False)
    elif fmt == "tsv":
        click.echo(rows.to_tsv(), nl=False)
    else:
        out.print(_table(rows))
        err.print(f"{len(rows)} ligne(s)" if lang == "fr" else f"{len(rows)} row(s)")


COMMANDS = (queries, query)
