"""`maillage serve`: the built dataset behind a read-only SPARQL endpoint and resolvable entity IRIs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import uvicorn

from graph_builder.referential.package import default_cache
from maillage.diff import Build
from maillage.endpoint.app import FrontConfig, make_app
from maillage.endpoint.checker import MAX_QUERY_BYTES, Checker
from maillage.endpoint.dataset import BuiltDataset
from maillage.endpoint.description import as_quads, examples_graph
from maillage.endpoint.engines import MEMORY_BYTES, WORKERS, EnginePool
from maillage.endpoint.oxigraph_server import free_port, prepare_store
from maillage.library import EXAMPLES_GRAPH, library, published_text
from maillage.stores import EndpointStore

MAX_ANSWER_BYTES = 64_000_000  # the library's longest national answer (partner_graph_edges) is 61 MB of JSON


def served_store(dataset: BuiltDataset, public_url: str, include_personal: bool = False) -> Path:
    """The store `serve` reads: the build's dump and the query catalogue for `public_url` (its own named graph).
    It is loaded again when either changes: give the same --public-url to serves that share a build."""
    examples = as_quads(examples_graph(dataset.base, public_url), dataset.base + EXAMPLES_GRAPH)
    return prepare_store(dataset, include_personal, examples)


def serve(out_dir: Path, *, host: str = "127.0.0.1", port: int = 7878, timeout: float = 10.0, limit: int = 10000,
          include_personal: bool = False, workers: int = WORKERS, memory_bytes: int | None = MEMORY_BYTES,
          max_bytes: int = MAX_ANSWER_BYTES, max_query_bytes: int = MAX_QUERY_BYTES, public_url: str | None = None,
          warm: bool = True, announce: Callable[[str], None] = print, note: Callable[[str], None] = print) -> None:
    """Load (or reuse) the store of the build, start the Oxigraph workers and the parsers, serve the front until stopped.

    `announce` hears the endpoint's URL once it is served, `note` where the store is kept when not beside the build.
    `public_url`: the endpoint's URL as others reach it (behind a proxy), the catalogue's `schema:target` and
    the VoID's `void:sparqlEndpoint`; by default `http://host:port/sparql`. `warm`: check the catalogue's examples
    before serving (checker.py), so that running them never waits for a parse; their checks are kept in the cache
    folder (MAILLAGE_CACHE), for the next serve of the same catalogue.
    """
    dataset = BuiltDataset.open(out_dir)
    port = port or free_port(host)
    public_url = public_url or f"http://{host}:{port}/sparql"
    location = served_store(dataset, public_url, include_personal)
    if not location.is_relative_to(out_dir):
        note(f"Dossier de construction en lecture seule : le store d'Oxigraph est gardé dans {location.parent}.\n"
                 f"Read-only build directory: Oxigraph's store is kept in {location.parent}.")
    engines = EnginePool(location, size=workers, timeout_s=timeout, memory_bytes=memory_bytes).start()
    examples = [published_text(query, dataset.base) for query in library().values()] if warm else []
    checker = Checker(limit, max_bytes=max_query_bytes, warm=examples, kept=default_cache() / "front-checks").start()
    try:
        # Entity pages read through the front itself: the same checks, workers and deadlines as any query.
        loopback = "127.0.0.1" if host in ("0.0.0.0", "::", "localhost") else host
        store = EndpointStore(f"http://{loopback}:{port}/sparql", timeout_s=timeout + 5)
        config = FrontConfig(base=dataset.base, timeout=timeout, limit=limit, max_bytes=max_bytes, memory_bytes=memory_bytes,
                             public_url=public_url, out_dir=out_dir, built_at=Build.open(dataset.folder).built_at)
        app = make_app(config, store, engines, checker, on_shutdown=engines.stop)
        announce(f"http://{host}:{port}/sparql")
        # Stopping does not wait for queries still running past a few seconds (a long one could hold it minutes).
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    finally:
        engines.stop()
        checker.stop()
