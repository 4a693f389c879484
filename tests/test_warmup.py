"""The viewer's background warm-up fills the caches the pages then read (graph_builder/warmup.py)."""

from __future__ import annotations

from graph_builder import warmup
from graph_builder.network import cached_network
from graph_builder.partners import PartnerGraph
from graph_builder.viewer import Viewer


def test_warm_up_fills_the_caches_the_pages_read(seed_store):
    viewer = Viewer(seed_store)
    thread = warmup.start(viewer)
    thread.join(timeout=120)
    assert not thread.is_alive()
    # cached properties are stored on the instance; the pages' cached functions answer without computing
    assert {"territories", "experiences", "coordinations"} <= set(vars(viewer))
    hits = cached_network.cache_info().hits
    cached_network(viewer, "fr")
    assert cached_network.cache_info().hits == hits + 1
    assert PartnerGraph.of(viewer) is PartnerGraph.of(viewer)
    assert "coordination" in {PartnerGraph.of(viewer).kind(iri) for iri in viewer.coordinations}
