"""`maillage export`, `context`, `docs`, `serve`, `load`: the built graph published, described and served."""

from __future__ import annotations

import re
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
    err,
    exit_unreadable,
    exit_unreadable_bilingual,
    out,
    status,
)

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


@click.command()
@click.option("--from", "build_dir", type=click.Path(path_type=Path, file_okay=False), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built dataset (maillage.nq, manifest.json).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write the export to.")
@click.option("--formats", default="turtle,ntriples,trig,jsonld,csv", show_default=True,
              help="Comma-separated: turtle, ntriples, trig, jsonld, csv.")
@click.option("--include-personal", is_flag=True,
              help="Include personal data (persons' graphs, e-mails, phones): never for publication.")
@click.option("--endpoint-url", envvar="MAILLAGE_ENDPOINT_URL", default=None,
              help="Public URL of the SPARQL endpoint, the description's dcat:DataService (env MAILLAGE_ENDPOINT_URL; "
                   "default: the base IRI's site + sparql, https://w3id.org/maillage/sparql). A loopback address is "
                   "refused in a public export.")
@click.option("--download-url", envvar="MAILLAGE_DOWNLOAD_URL", default=None,
              help="Public URL the files will be downloadable under (env MAILLAGE_DOWNLOAD_URL; default: "
                   "<base>dataset/dumps/). A loopback address is refused in a public export.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def export(build_dir, out_dir, formats, include_personal, endpoint_url, download_url, lang):
    """Export a built dataset: Turtle, N-Triples, TriG, JSON-LD, CSV per main class, VoID/DCAT description."""
    from graph_builder.publication.export import ExportError, export_dataset

    text = EXPORT_TEXT[lang]
    try:
        with status() as progress:
            report = export_dataset(build_dir, out_dir, include_personal=include_personal,
                                    formats=[f.strip() for f in formats.split(",") if f.strip()],
                                    endpoint=endpoint_url, download_url=download_url,
                                    progress=progress)
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


@click.command()
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


@click.command()
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
        exit_unreadable(exc, "fr")
    for path in written:
        err.print(str(path), markup=False, highlight=False)


def _http_url(value: str | None) -> str | None:
    """An absolute http(s) URL with nothing an IRI cannot hold, or a French/English usage error."""
    if value is not None and not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", value):
        raise click.BadParameter(f"une URL http(s) absolue est attendue, reçu « {value} » / an absolute http(s) URL "
                                 f"is expected, got '{value}'", param_hint="--public-url")
    return value


@click.command()
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
@click.option("--public-url", default=None, metavar="URL", callback=lambda ctx, param, value: _http_url(value),
              help="The endpoint's URL as clients reach it (behind a proxy): the query catalogue's schema:target, "
                   "the VoID's void:sparqlEndpoint (default: http://HOST:PORT/sparql).")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="Check the query catalogue's examples before serving (a few seconds), so that running them never "
                   "waits for a parse.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def serve(out_dir, host, port, timeout, limit, max_mb, workers, memory_gb, include_personal, public_url, warm, lang):
    """Serve the built graph: read-only SPARQL endpoint (/sparql) and entity pages (/id/...)."""
    from maillage.endpoint.dataset import DatasetMissing
    from maillage.endpoint.oxigraph_server import OxigraphError
    from maillage.endpoint.serve import serve as run

    def announce(url: str) -> None:
        err.print(("Point d'accès SPARQL : {url} (Ctrl-C pour arrêter)" if lang == "fr"
                   else "SPARQL endpoint: {url} (Ctrl-C to stop)").format(url=url), markup=False, highlight=False)

    try:
        run(out_dir, host=host, port=port, timeout=timeout, limit=limit, include_personal=include_personal,
            workers=workers, memory_bytes=int(memory_gb * (1 << 30)), max_bytes=int(max_mb * 1e6), public_url=public_url,
            warm=warm, announce=announce,
            note=lambda text: err.print(text, markup=False, highlight=False))
    except DatasetMissing as exc:
        err.print(exc.message(lang), style="red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    except OxigraphError as exc:
        err.print(str(exc), style="red", markup=False)
        sys.exit(EXIT_UNREADABLE)


@click.command("load")
@click.option("--endpoint", required=True, help="SPARQL 1.1 Graph Store endpoint, e.g. http://localhost:7878/store "
              "(never with credentials inside).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
              show_default="build/", help="Directory of a built graph.")
@click.option("--include-personal", is_flag=True, help="Also push the personal contact data graphs.")
@click.option("--user", envvar="MAILLAGE_LOAD_USER", default=None, show_envvar=True,
              help="User for a Graph Store that wants authentication; the password comes from MAILLAGE_LOAD_PASSWORD, "
                   "else it is asked (never an option: it would be seen in the process list).")
@click.option("--auth", "scheme", type=click.Choice(["auto", "basic", "digest"]), default="auto", show_default=True,
              help="HTTP authentication: auto answers the server's challenge (Digest when offered, else Basic).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def load_command(endpoint, out_dir, include_personal, user, scheme, lang):
    """Push the built graph into a Graph Store (Oxigraph, Fuseki, GraphDB, Virtuoso...), one PUT per named graph."""
    import os

    from rich.progress import Progress

    from maillage.endpoint.dataset import BuiltDataset, DatasetMissing
    from maillage.endpoint.graph_store import Credentials, EndpointRefused, LoadError, endpoint_url, push

    fr = lang == "fr"
    try:
        endpoint = endpoint_url(endpoint)
    except EndpointRefused as exc:
        exit_unreadable_bilingual(exc, EXIT_USAGE)
    auth = None
    if user:
        password = os.environ.get("MAILLAGE_LOAD_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                err.print("Mot de passe attendu dans MAILLAGE_LOAD_PASSWORD (pas de terminal pour le demander)."
                          if fr else "Password expected in MAILLAGE_LOAD_PASSWORD (no terminal to ask for it).",
                          style="red", markup=False, highlight=False)
                sys.exit(EXIT_USAGE)
            password = click.prompt(f"Mot de passe de {user}" if fr else f"Password of {user}", hide_input=True,
                                    err=True)
        auth = Credentials(user, password, scheme)
    try:
        dataset = BuiltDataset.open(out_dir)
    except DatasetMissing as exc:
        err.print(exc.message(lang), style="red", markup=False)
        sys.exit(EXIT_UNREADABLE)
    with Progress(console=err, transient=False) as progress:
        task = progress.add_task("Chargement" if fr else "Loading", total=None)

        def start(loads) -> None:
            progress.update(task, total=sum(load.triples for load in loads))

        def advance(load) -> None:
            progress.update(task, advance=load.triples, description=load.graph.rsplit("/graph/", 1)[-1] or "default")

        try:
            loads = push(dataset, endpoint, include_personal=include_personal, auth=auth, on_plan=start,
                         on_graph=advance)
        except LoadError as exc:
            progress.stop()
            err.print(exc.message(lang), style="bold red", markup=False, highlight=False)
            sys.exit(EXIT_WRITE)
    err.print(("{g} graphes, {t} triplets chargés dans {e}" if fr else "{g} graphs, {t} triples loaded into {e}").format(
        g=len(loads), t=sum(load.triples for load in loads), e=endpoint), style="green", markup=False, highlight=False)


COMMANDS = (export, context, docs, serve, load_command)
