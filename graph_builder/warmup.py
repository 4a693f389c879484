"""The viewer's slow first computations, done in the background once per process.

At national size the first visit of some pages waits for what is then kept
for the life of the process: the territory names (35,000), the coordination
and experience cards, the partner graph, the network and the map's places
(seconds each, see the README's viewer figures). The viewer starts this
warm-up after its first page is shown, so that the pages a coordinator opens
next answer at once; a page asking for something still being computed waits
for it (the caches are shared), it never computes it twice.
"""

from __future__ import annotations

import logging
import threading

from .geometry import Geometry
from .maps import spots
from .network import cached_network
from .partners import PartnerGraph
from .viewer import Viewer

log = logging.getLogger(__name__)


def warm(viewer: Viewer, geometry: Geometry | None = None, lang: str = "fr") -> None:
    """Fill the viewer's caches, cheapest and most used first."""
    viewer.territory("")  # the territory index (a cached property: reading it fills it)
    if geometry is not None:
        spots(viewer, geometry)
    viewer.experiences  # noqa: B018
    viewer.coordinations  # noqa: B018
    cached_network(viewer, lang)
    PartnerGraph.of(viewer)


def start(viewer: Viewer, geometry: Geometry | None = None, lang: str = "fr") -> threading.Thread:
    """`warm` in a daemon thread (it never keeps the process alive); a failure is logged, the pages then
    compute what they need themselves."""
    def run() -> None:
        try:
            warm(viewer, geometry, lang)
        except Exception:  # the pages report their own errors; a warm-up only saves time
            log.exception("viewer warm-up failed")

    thread = threading.Thread(target=run, name="maillage-warm-up", daemon=True)
    thread.start()
    return thread
