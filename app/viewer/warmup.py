"""The viewer's graph, opened once per process, and its slow first computations, done in the background.

At national size the graph takes seconds to open (1.1 million quads read into Oxigraph) and the first
visit of some pages waits for what is then kept for the life of the process: the territory names
(36,000), the map's places, the coordination and experience cards, the network, the partner graph
(seconds each, see docs/performance/viewer.md). `begin(out_dir)` starts all of it in a daemon thread,
once per process and build directory: `app/server.py` calls it when the server starts, before anyone
connects, and the first page otherwise. A page waits only for the graph and what the first page
shows (`Opening.viewer`); the rest goes on behind. A page asking for something still being computed
waits for it (the caches are shared, the slow ones locked): nothing is computed twice.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from app.viewer.model import Viewer
from app.viewer.sharing import in_background, waiting
from graph_builder.publication.generations import resolve
from graph_builder.referential.geometry import Geometry, prepared
from maillage.kept import KeptGraph, all_kept, keep_answers, kept_search
from maillage.stores import StoreError

log = logging.getLogger(__name__)


def first_page(viewer: Viewer, geometry: Geometry | None) -> None:
    """What Accueil shows: the build, the counts and the map (francemap.accueil_map)."""
    from app.viewer.francemap import accueil_map

    def counts() -> None:
        viewer.build()
        viewer.counts_by_type()
        viewer.counts_by_source()

    # Oxigraph answers without holding the GIL: the counts are computed beside the map's spots.
    counting = threading.Thread(target=counts, name="maillage-counts", daemon=True)
    counting.start()
    if geometry is not None:
        accueil_map(viewer, geometry, "fr")
    else:
        viewer.plain("departements_map")
    counting.join()


class Visits:
    """Whether a page is being run for a visitor, and since when none has: the warm-up gives way to the pages,
    because Python runs one thread at a time (the GIL) and a page run beside it took twice as long or more. Its
    longest steps wait for a pause (`quiet_s` without a run: the visitor is reading); the others, and every piece
    of their work (sharing.give_way), wait while a page runs (`courtesy`)."""

    def __init__(self, quiet_s: float = 3.0, patience_s: float = 0.5):
        self.quiet_s = quiet_s
        self.patience_s = patience_s
        self._running = 0
        self._since = 0.0  # when the pages now running began
        self._last = 0.0
        self._lock = threading.Lock()
        self.visited = threading.Event()  # set once a first page has been run

    @contextmanager
    def visiting(self):
        """Around a page's run."""
        with self._lock:
            if not self._running:
                self._since = time.monotonic()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                self._last = time.monotonic()
            self.visited.set()

    def pause(self) -> None:
        """Return once no page has run for `quiet_s` seconds."""
        while self._running or time.monotonic() - self._last < self.quiet_s:
            time.sleep(0.1)

    def courtesy(self) -> None:
        """Return once no page is running, or at once if a page waits for what the warm-up computes (it would
        wait forever: sharing.waiting), or once pages have run for `patience_s` (one may wait for it in a way
        not counted)."""
        while self._running and not waiting() and time.monotonic() - self._since < self.patience_s:
            time.sleep(0.005)


VISITS = Visits()
# How long the warm-up waits for a first visitor's page before going on alone: the server answers 2.5 s after its
# launch on a quiet machine, and a first page run beside the warm-up's Python took up to twice as long.
FIRST_VISIT_S = 10.0
# And how long after that first page's run: the run ends when the server has queued the page, well before the browser
# has drawn it and loaded its elements' code, which the warm-up's Python slowed (measured with bench-viewer).
AFTER_FIRST_VISIT_S = 1.0


def after_first_visit() -> None:
    """Return a while after a first page has been run, or a while after the start if nobody came."""
    if VISITS.visited.wait(FIRST_VISIT_S):
        time.sleep(AFTER_FIRST_VISIT_S)


@contextmanager
def quick_switches(interval_s: float = 0.0005):
    """Python's thread switch interval shortened meanwhile (5 ms by default): a page's run and the server's event
    loop, waiting for the GIL behind the warm-up at each of their many small steps, waited up to 5 ms each time
    (measured: a search's run started 1 s after the keystroke beside the warm-up)."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(interval_s)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def kept() -> None:
    """Move what the process has made so far out of the cyclic garbage collector's way (gc.freeze): the
    viewer's caches (millions of objects) live as long as the process, and every full collection walked all
    of them, at random moments of a visitor's page (measured: a 6 ms json.loads took 0.4 s)."""
    gc.freeze()


# Steps that do ahead what a page does only the first time, (viewer, geometry, lang) -> None, handed in by the
# pages' side (app/server.py: app.viewer.ahead), which this module never imports (the pages import it).
PAGE_AHEAD: list[Callable[[Viewer, Geometry | None, str], None]] = []


def warm(viewer: Viewer, lang: str = "fr", pause=lambda: None, courtesy=lambda: None,
         geometry: Geometry | None = None, in_memory=lambda: None) -> None:
    """Fill the viewer's caches once the first page's are (first_page), most used first: each step, and each
    piece of their work (sharing.give_way), once no page is running (`courtesy()`: Python runs one thread at a
    time, and a visitor's first clicks came up to twice as slow beside a step), and the steps that one page reads
    (every query for Requêtes, the network, the partner graph: seconds each at national size), which that page
    computes itself if it comes first, after a pause (`pause()`). The long answers (the cards) once the graph is read
    into memory (`in_memory()`: a kept graph answers them from disk up to eight times slower)."""
    from app.viewer.network import cached_network
    from app.viewer.partners import PartnerGraph
    from maillage.library import LEVELS, code_rule, library

    def cards_ahead() -> None:
        in_memory()
        for kind, cards in (("FieldExperience", "experiences"), ("Coordination", "coordinations")):
            # Their queries answered beside what follows; not for cards a page has made (or is making) meanwhile:
            # nothing would read those answers (megabytes at national size).
            if not getattr(Viewer, cards).started(viewer):
                viewer.cards_ahead(kind)

    soon = (  # the most used first: a territory search (index and folded names), then the cards
        lambda: viewer.territories,  # shared properties: reading them fills them (the search's index first)
        cards_ahead,
        lambda: viewer.experiences,  # the lists and filters of two pages: not worth a pause
        lambda: viewer.coordinations,
        # What a first territory page does once, after the cards: a first search does it itself, a first Expériences
        # page cannot (measured under load, the cards after it: the first Expériences page 7 to 10 s instead of 1-2).
        lambda: [step(viewer, geometry, lang) for step in PAGE_AHEAD],
        lambda: [code_rule(level) for level in LEVELS],  # the code patterns of a territory parameter (from the shapes)
    )
    with in_background(courtesy):
        for step in soon:
            courtesy()
            step()
        kept()
        # After a pause: every library query read and checked (rdflib's parser: 0.6 s in all, which slowed a
        # visitor's first clicks; a page parses the few it reads itself), the network, the partner graph.
        for step in (library, lambda: cached_network(viewer, lang), lambda: PartnerGraph.of(viewer)):
            pause()
            step()
            kept()


def import_drawing_libraries() -> None:
    import pandas  # noqa: F401  (st.table, st.dataframe)
    import plotly.graph_objects  # noqa: F401


def first_page_ahead(source: str) -> None:
    """Accueil made ready from the answers kept with the build (its queries read, France's outlines projected, its
    map drawn), while the graph opens and before the first visitor comes, who would otherwise wait for it."""
    from app.viewer.francemap import accueil_map

    try:
        kept = Viewer.kept(source)
        if kept is None:
            return
        kept.build()
        kept.counts_by_type()
        kept.counts_by_source()  # its query is the one answers.source_dates reads
        if (geometry := prepared()) is not None:
            accueil_map(kept, geometry, "fr")
    except StoreError as error:  # kept for other query texts (a build older than the viewer's queries): the graph's
        log.info("first page not made ahead: %s", error.message("en"))
    except Exception:  # the page reports its own errors; this only saves time
        log.exception("first page not made ahead")


class Opening:
    """The graph of one build directory being opened, then warmed up, in a daemon thread."""

    def __init__(self, out_dir: str, imports: bool = True):
        self.out_dir, self.imports = out_dir, imports
        # The build's generation, resolved once: the manifest shown while opening is the graph's that opens.
        self.source = out_dir if out_dir.startswith(("http://", "https://")) else str(resolve(out_dir))
        self.opened = threading.Event()  # set once the graph answers (or failed to open)
        self.in_memory = threading.Event()  # set once it answers from memory, where its long answers are fastest
        self.warmed = threading.Event()  # set once every cache is filled (or the warm-up failed)
        self._viewer: Viewer | None = None
        self.error: Exception | None = None
        self.thread = threading.Thread(target=self._run, name="maillage-warm-up", daemon=True)

    def _run(self) -> None:
        # Oxigraph reads the dump without holding the GIL: meanwhile, Accueil is made from the kept answers and the
        # libraries the other pages draw with are imported (Opening.ahead).
        if self.imports:
            threading.Thread(target=self.ahead, name="maillage-imports", daemon=True).start()
        try:
            # The graph kept on disk with the build answers at once (0.02 s to open at national size, against
            # seconds to read the dump), while its dump is read into memory beside the first pages (KeptGraph).
            graph = None if self.source.startswith(("http://", "https://")) else KeptGraph.of(self.source)
            self._viewer = Viewer.open(self.source, graph)
        except Exception as error:  # given to the page that asks for the viewer (a StoreError says what to do)
            self.error = error
            self.opened.set()
            self.in_memory.set()
            self.warmed.set()
            return
        try:
            in_memory = lambda: None  # noqa: E731  (read from its dump: in memory already)
            if graph is not None:
                self.opened.set()
                threading.Thread(target=graph.read, name="maillage-memory", daemon=True).start()
                in_memory = graph.in_memory.wait
            threading.Thread(target=lambda: (in_memory(), self.in_memory.set()), daemon=True).start()
            geometry = prepared()
            if Viewer.kept(self.source) is None:  # Accueil's answers from the graph: none kept with the build
                in_memory()  # (the map's aggregate took seconds on disk)
                first_page(self._viewer, geometry)
                kept()
            self.opened.set()
            if self._viewer.folder is not None and not all_kept(self.source):
                in_memory()
                keep_answers(self._viewer.store, self.source)  # the next start's Accueil, drawn before the graph opens
            # Not beside Streamlit's start and a first visitor's page (Python runs one thread at a time): once a
            # first page has been run, or a while after the start if nobody came.
            after_first_visit()
            with quick_switches():
                warm(self._viewer, pause=VISITS.pause, courtesy=VISITS.courtesy, geometry=geometry, in_memory=in_memory)
        except Exception:  # the pages report their own errors; a warm-up only saves time
            log.exception("viewer warm-up failed")
        finally:
            self.opened.set()
            self.in_memory.set()
            self.warmed.set()

    def ahead(self) -> None:
        """Accueil made from the kept answers (first_page_ahead), then the libraries other pages draw with imported
        (Accueil needs neither: a second of Python a first visitor's page waited behind), then the territory search's
        index made from the kept texts: beside the graph's opening, before anyone connects. Never while Streamlit is
        being imported (see begin)."""
        first_page_ahead(self.source)
        # The rest once a first page has been run, or a while after the start: not beside the first visitor's page.
        after_first_visit()
        if not self.source.startswith(("http://", "https://")):
            kept_search(self.source)  # the territory search's index, from the kept texts: ready for the first search
        import_drawing_libraries()

    @property
    def viewer(self) -> Viewer:
        """The opened graph, once it answers (at once from the graph kept on disk with the build); the opening's
        error if it failed."""
        self.opened.wait()
        if self._viewer is None:
            raise self.error
        return self._viewer


def out_dir() -> str:
    """The build directory the viewer shows (MAILLAGE_OUT, default build/), or an endpoint's URL."""
    return os.environ.get("MAILLAGE_OUT", "build")


_OPENINGS: dict[str, Opening] = {}
_LOCK = threading.Lock()


def forget(out_dir: str) -> None:
    """Drop the opening of `out_dir`: the next `begin` opens the graph again (a build published meanwhile, e.g.
    an accepted contribution)."""
    with _LOCK:
        _OPENINGS.pop(out_dir, None)


def begin(out_dir: str, imports: bool = True) -> Opening:
    """The opening of `out_dir` (MAILLAGE_OUT), started on the first call of the process; a failed one
    (no build yet, say) is tried again, so that a reload after `maillage build` finds the graph. `imports`: the
    drawing libraries imported meanwhile in another thread, then Accueil made ahead (Opening.ahead); not while
    Streamlit is being imported (plotly then read a half-imported pandas and failed): launch.main starts it once
    Streamlit is."""
    with _LOCK:
        opening = _OPENINGS.get(out_dir)
        if opening is None or (opening.opened.is_set() and opening._viewer is None):
            opening = _OPENINGS[out_dir] = Opening(out_dir, imports)
            opening.thread.start()
        return opening
