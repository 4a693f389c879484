"""The viewer's graph opened once per process, in the background, with the caches the pages read filled
(app/viewer/warmup.py; app/server.py begins it when the server starts)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from app.viewer import model, sharing, warmup
from app.viewer.francemap import spots
from app.viewer.network import cached_network
from app.viewer.partners import PartnerGraph
from graph_builder.referential.geometry import prepared
from maillage.stores import StoreError


def test_the_graph_is_opened_once_and_its_caches_filled(seed_out, monkeypatch):
    monkeypatch.setattr(warmup, "FIRST_VISIT_S", 0)  # no visitor here: warm up at once
    opening = warmup.begin(str(seed_out))
    assert warmup.begin(str(seed_out)) is opening  # a second page (or the server's start) joins the first opening
    viewer = opening.viewer
    assert opening.warmed.wait(timeout=120)
    # cached properties are stored on the instance; the pages' cached functions answer without computing
    assert {"territories", "territory_search", "experiences", "coordinations"} <= set(vars(viewer))
    # Accueil's answers: kept with the build (written by the warm-up when the build had none), read without the graph
    assert model.Viewer.kept(opening.source).counts_by_type("fr") == viewer.counts_by_type("fr")
    assert not viewer.store._early  # the cards took the answers their queries were given ahead (same parameters)
    hits = cached_network.cache_info().hits
    cached_network(viewer, "fr")
    assert cached_network.cache_info().hits == hits + 1
    assert PartnerGraph.of(viewer) is PartnerGraph.of(viewer)
    assert "coordination" in {PartnerGraph.of(viewer).kind(iri) for iri in viewer.coordinations}
    assert spots.cache_info().currsize >= 1 or prepared() is None


def test_a_missing_build_is_said_and_tried_again(tmp_path):
    opening = warmup.begin(str(tmp_path))
    with pytest.raises(StoreError, match="maillage build"):
        _ = opening.viewer
    assert warmup.begin(str(tmp_path)) is not opening  # after `maillage build`, a reload finds the graph


def test_the_longest_steps_wait_for_a_pause_in_the_visits():
    visits = warmup.Visits(quiet_s=0.3)
    resumed = []
    with visits.visiting():
        waiting = threading.Thread(target=lambda: (visits.pause(), resumed.append(time.monotonic())))
        waiting.start()
        time.sleep(0.4)
        assert not resumed  # a page is being run
    left = time.monotonic()
    with pytest.raises(RuntimeError), visits.visiting():  # a page that fails ends its visit all the same
        raise RuntimeError
    waiting.join(timeout=5)
    assert resumed and resumed[0] - left >= 0.3


def test_quick_switches_are_undone_afterwards():
    before = sys.getswitchinterval()
    with warmup.quick_switches(0.0005):
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    assert sys.getswitchinterval() == before


def _returns_within(call, seconds: float) -> bool:
    done = threading.Event()
    threading.Thread(target=lambda: (call(), done.set()), daemon=True).start()
    return done.wait(seconds)


def test_the_warm_up_gives_way_to_a_page_unless_the_page_waits_for_it():
    visits = warmup.Visits(patience_s=30)
    assert _returns_within(visits.courtesy, 1)  # no page running
    computing, release = threading.Lock(), threading.Event()
    with visits.visiting():
        assert not _returns_within(visits.courtesy, 0.3)  # a page runs: the warm-up waits
        computing.acquire()  # the warm-up computes a shared value...

        def page_waits():
            with sharing.turn(computing):  # ...the page asks for it
                release.set()

        threading.Thread(target=page_waits, daemon=True).start()
        assert _returns_within(visits.courtesy, 2)  # waiting for the page would wait forever: go on
        computing.release()
        assert release.wait(2)


def test_the_warm_up_waits_for_a_page_no_longer_than_its_patience():
    visits = warmup.Visits(patience_s=0.3)
    with visits.visiting():
        started = time.monotonic()
        visits.courtesy()
        assert time.monotonic() - started >= 0.25  # the page ran 0.3 s: it may wait for the warm-up unseen


def test_the_manifest_is_read_before_the_graph_opens(seed_out, tmp_path):
    build = model.manifest(str(seed_out))
    assert build["conforms"] is True and build["quads"] > 1000 and build["built_at"]
    assert model.manifest(str(tmp_path)) is None  # no build yet: the opening says what to do
    (tmp_path / "manifest.json").write_text("{ not json", encoding="utf-8")
    assert model.manifest(str(tmp_path)) is None
    assert model.manifest("http://127.0.0.1:7878/query") is None  # an endpoint has no manifest


def test_no_territory_asked_needs_no_index(seed_out):
    viewer = warmup.begin(str(seed_out)).viewer
    assert viewer.territory("") is None
    assert viewer.territory("territoire/commune/13001").name == "Aix-en-Provence"


def test_a_first_coordination_and_experience_page_read_only_queries_read_ahead(app, seed_store, monkeypatch):
    """The warm-up's entity_pages_ahead reads every query a coordination's page and an experience's page read, so
    that the first visitor's click on one does not wait for rdflib's parser (a tenth of a second per query)."""
    from app.viewer.ahead import entity_pages_ahead

    library = sys.modules["maillage.library"]  # the module, whose functions are patched
    asked: list[tuple[str, str]] = []  # (thread, query file) of every query read, parsed or not
    reading = library._read_once
    monkeypatch.setattr(library, "_read_once", lambda path: (asked.append((threading.current_thread().name, path.stem)),
                                                             reading(path))[1])

    def read_by_pages() -> set[str]:
        return {name for thread, name in asked if thread != "maillage-warm-up"}  # not the background's own

    viewer = model.Viewer(seed_store)
    entity_pages_ahead(viewer)
    ahead = read_by_pages()
    assert {"entity_cards", "coordination_timeline", "entity_history"} <= ahead
    first_coordination, first_experience = next(iter(viewer.coordinations)), next(iter(viewer.experiences))
    asked.clear()
    app("coordinations", id=model.short(first_coordination))
    app("experiences", id=model.short(first_experience))
    pages = read_by_pages()
    assert "entity_cards" in pages  # the pages were run and read their cards
    own_steps = {"territory_search_names", "territory_search_codes", *model.CARD_QUERIES,
                 "build_description", "entities_by_type", "entities_by_source"}  # the index, the cards, Accueil's
    assert pages <= ahead | own_steps, pages - ahead


def test_cards_a_page_made_first_are_not_asked_again_ahead(seed_out):
    """A visitor's page made the experiences' cards before the warm-up came to them (a warm-up starts a while after a
    first page): their queries are not answered ahead again, for nobody to read."""
    viewer = model.Viewer.open(seed_out)
    assert len(viewer.experiences) > 5  # the page's
    warmup.warm(viewer)
    assert "coordinations" in vars(viewer) and not viewer.store._early
