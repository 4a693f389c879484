"""`maillage serve`: the built dataset behind a read-only SPARQL endpoint and resolvable entity IRIs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import uvicorn

from maillage.endpoint.app import GRACE_S, FrontConfig, make_app
from maillage.endpoint.dataset import BuiltDataset
from maillage.endpoint.oxigraph_server import OxigraphServer, free_port, prepare_store
from maillage.stores import EndpointStore


def serve(out_dir: Path, *, host: str = "127.0.0.1", port: int = 7878, timeout: float = 10.0, limit: int = 10000,
          include_personal: bool = False, announce: Callable[[str], None] = print) -> None:
    """Load (or reuse) the store of the build, start Oxigraph on an internal port, serve the front until stopped."""
    dataset = BuiltDataset.open(out_dir)
    location = prepare_store(dataset, include_personal)
    port = port or free_port(host)
    # offline: Oxigraph cannot call out even if a SERVICE clause got past the front (defence in depth).
    with OxigraphServer(location, timeout_s=timeout, cors=True, offline=True) as oxigraph:
        store = EndpointStore(f"{oxigraph.url}/query", timeout_s=timeout + GRACE_S)
        app = make_app(FrontConfig(upstream=oxigraph.url, base=dataset.base, timeout=timeout, limit=limit), store,
                       on_runaway=oxigraph.restart, on_shutdown=oxigraph.stop)
        announce(f"http://{host}:{port}/sparql")
        uvicorn.run(app, host=host, port=port, log_level="warning")
