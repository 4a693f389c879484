"""Answers kept with a build (maillage/kept.py): written by `maillage build`, the same as the graph's, ignored when
they do not belong to the dump, and Accueil drawn from them while the graph is still opening."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from app.viewer import warmup
from app.viewer.model import Viewer
from graph_builder.constants import PROJECT_ROOT
from graph_builder.publication.generations import resolve
from maillage.kept import KEPT_FILE, KeptStore, keep_answers, kept_queries, texts
from maillage.stores import StoreError, open_store


@pytest.fixture(scope="module")
def built(pristine):
    """The pristine build (`maillage build`, full) and its graph, opened from its dump as the viewer opens it."""
    _, out = pristine
    return out, open_store(out)


def test_the_build_keeps_the_first_page_answers_as_the_graph_gives_them(built):
    out, store = built
    assert (resolve(out) / KEPT_FILE).is_file()
    kept = KeptStore.of(out)
    names = [query.name for query in kept_queries()]
    assert names == ["build_description", "departements_map", "entities_by_source", "entities_by_type"]
    for query in kept_queries():
        for text in texts(query):
            assert kept.select_json(text) == store.select_json(text), query.name
    assert len(kept.answers) == sum(len(texts(query)) for query in kept_queries())


def test_accueil_reads_the_same_from_the_kept_answers_as_from_the_graph(built):
    out, _ = built
    kept, real = Viewer.kept(str(resolve(out))), Viewer.open(out)
    for lang in ("fr", "en"):
        assert kept.counts_by_type(lang) == real.counts_by_type(lang)
        assert kept.counts_by_source(lang) == real.counts_by_source(lang)
    assert kept.build() == real.build() and kept.build()["builtAt"]
    assert kept.plain("departements_map") == real.plain("departements_map")


def test_anything_else_is_refused_in_french_and_english(built):
    kept = KeptStore.of(built[0])
    with pytest.raises(StoreError) as refused:
        kept.select("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    assert "n'est pas gardée" in refused.value.message("fr") and "not kept" in refused.value.message("en")
    with pytest.raises(StoreError):
        kept.ask("ASK { ?s ?p ?o }")


@pytest.mark.parametrize("damage", ["garbage", "array", "format", "other dump", "missing answers", "no manifest"])
def test_kept_answers_that_do_not_belong_to_the_dump_are_ignored(built, tmp_path, damage):
    folder = resolve(built[0])
    for name in ("manifest.json", KEPT_FILE):
        shutil.copy(folder / name, tmp_path / name)
    kept = json.loads((tmp_path / KEPT_FILE).read_text(encoding="utf-8"))
    body = {"garbage": "{not json", "array": "[]",
            "format": json.dumps({**kept, "format": 99}),
            "other dump": json.dumps({**kept, "dump": "0" * 64}),
            "missing answers": json.dumps({k: v for k, v in kept.items() if k != "answers"}),
            "no manifest": json.dumps(kept)}[damage]
    (tmp_path / KEPT_FILE).write_text(body, encoding="utf-8")
    if damage == "no manifest":
        (tmp_path / "manifest.json").unlink()
    assert KeptStore.of(tmp_path) is None and Viewer.kept(str(tmp_path)) is None
    assert Viewer.kept("http://127.0.0.1:9/sparql") is None  # an endpoint has no kept answers


def test_a_build_that_cannot_write_them_is_not_failed(built, tmp_path):
    for name in ("manifest.json",):
        shutil.copy(resolve(built[0]) / name, tmp_path / name)
    (tmp_path / KEPT_FILE).mkdir()  # the rename onto it fails, as on a read-only or full disk
    assert keep_answers(built[1], tmp_path) is None


def test_accueil_is_drawn_from_the_kept_answers_while_the_graph_opens(built, monkeypatch):
    """The graph's opening under way and never done (its thread not started): Accueil is drawn all the same, from
    the kept answers, without waiting (AppTest's timeout would stop it)."""
    out, _ = built
    opening = warmup.Opening(str(out))
    monkeypatch.setitem(warmup._OPENINGS, str(out), opening)
    monkeypatch.setenv("MAILLAGE_OUT", str(out))
    at = AppTest.from_file(str(PROJECT_ROOT / "app" / "main.py"), default_timeout=30)
    at.run()
    assert not at.exception and not at.error, (at.exception, at.error)
    assert not opening.opened.is_set()
    assert at.title[0].value == "Maillage : la coordination locale en santé"
    knows = next(m.value for m in at.markdown if m.value.startswith("Le graphe connaît"))
    assert "Coordination locale en santé (" in knows
    assert len(at.table) == 2


def test_the_viewer_keeps_them_once_the_graph_is_open(small_build, tmp_path):
    """A build without them (an incremental one, or one made before): the viewer's warm-up writes them once the
    graph is open, for its next start."""
    for name in ("maillage.nq", "manifest.json"):
        shutil.copy(small_build / name, tmp_path / name)
    assert KeptStore.of(tmp_path) is None
    opening = warmup.Opening(str(tmp_path), imports=False)
    opening.thread.start()
    deadline = time.monotonic() + 120
    while KeptStore.of(tmp_path) is None:
        assert time.monotonic() < deadline, "no kept answers written"
        time.sleep(0.2)
    assert Viewer.kept(str(tmp_path)).counts_by_type("fr") == opening.viewer.counts_by_type("fr")
