"""Answers kept with a build (maillage/kept.py): written by `maillage build`, the same as the graph's, ignored when
they do not belong to the dump, and Accueil drawn from them while the graph is still opening. The whole graph kept
on disk the same way: the same rows as the dump's, every page answered from it while the dump is read, then from
memory, never a partial graph."""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import threading
import time
from collections import Counter

import pyoxigraph as ox
import pytest
from streamlit.testing.v1 import AppTest

from app.viewer import warmup
from app.viewer.model import Viewer
from app.viewer.text import WORD_JOINER, markdown_table, md
from graph_builder.constants import PROJECT_ROOT
from graph_builder.incremental.state import fragment_name, state_dir
from graph_builder.problems import thousands
from graph_builder.publication.generations import resolve
from maillage.kept import (
    KEPT_FILE,
    STORE_DIR,
    STORE_STAMP,
    TEXTS_FILE,
    KeptGraph,
    KeptStore,
    _long_answer,
    _quads_digest,
    all_kept,
    keep_answers,
    keep_store,
    kept_graph_store,
    kept_queries,
    kept_search,
    texts,
)
from maillage.library import get_query, library
from maillage.stores import OxigraphStore, StoreError, open_store


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


def test_the_build_keeps_the_search_index_as_texts(built):
    """The territory search's two queries kept as texts, the same rows as the graph gives: the viewer makes its
    index from them (each text found: no query), before the graph is open."""
    out, store = built
    assert [query.name for query in kept_queries(kind="texts")] == ["territory_search_codes", "territory_search_names"]
    kept = KeptStore.texts_of(out)
    for query in kept_queries(kind="texts"):
        (text,) = texts(query)
        variables, rows = kept.select_texts(text)
        assert (variables, rows) == store.select_texts(text) and len(rows) > 38_000, query.name
    search = kept_search(out)
    assert search is kept_search(out)  # made once per build
    assert {c.target.key for c in search.search("38100")} == {"commune/38100", "commune/38185"}  # Le Cheylas, Grenoble
    assert Viewer(store, resolve(out)).territory_search is search  # the viewer asks no query for it


def test_kept_answers_for_other_query_texts_are_said_in_one_line(built, tmp_path, caplog):
    """A build older than the viewer's queries (a kept query's text changed since): Accueil is not made ahead from
    its kept answers, and the server's log says so in one line, not a traceback."""
    folder = resolve(built[0])
    shutil.copy(folder / "manifest.json", tmp_path / "manifest.json")
    kept = json.loads((folder / KEPT_FILE).read_text(encoding="utf-8"))
    map_text = texts(get_query("departements_map"))[0]
    del kept["answers"][hashlib.sha256(map_text.encode("utf-8")).hexdigest()]
    (tmp_path / KEPT_FILE).write_text(json.dumps(kept), encoding="utf-8")
    with caplog.at_level("INFO", logger="app.viewer.warmup"):
        warmup.first_page_ahead(str(tmp_path))
    said = [record for record in caplog.records if record.name == "app.viewer.warmup"]
    assert [record.getMessage() for record in said] == [
        "first page not made ahead: This answer is not kept with the build: open the graph."]
    assert said[0].exc_info is None


def test_kept_texts_of_another_dump_are_ignored(built, tmp_path):
    folder = resolve(built[0])
    shutil.copy(folder / "manifest.json", tmp_path / "manifest.json")
    kept = json.loads((folder / TEXTS_FILE).read_text(encoding="utf-8"))
    (tmp_path / TEXTS_FILE).write_text(json.dumps({**kept, "dump": "0" * 64}), encoding="utf-8")
    assert KeptStore.texts_of(tmp_path) is None and kept_search(tmp_path) is None and not all_kept(tmp_path)


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


def test_the_search_index_is_answered_once_for_the_same_quads(tmp_path):
    """With a cache, a long answer is kept by its text and the quads the build wrote (its graphs' fragments), the
    metadata graph's aside (its date changes at each build): the same quads again read it back, another quad in
    any other graph answers it again, and without fragments nothing is kept."""
    base = "https://example.org/id/"
    out, cache = tmp_path / "out", tmp_path / "cache"
    fragments = state_dir(out) / "fragments"
    fragments.mkdir(parents=True)
    (out / "manifest.json").write_text(json.dumps({"base": base}), encoding="utf-8")
    data, metadata = (fragments / f"{fragment_name(base + 'graph/' + name)}.nq" for name in ("001", "metadata"))
    data.write_text("<https://example.org/a> <https://example.org/p> \"1\" <https://example.org/g> .\n")
    metadata.write_text('<https://example.org/m> <https://example.org/at> "2026-12-07" .\n')
    graph = ox.Store()
    store = OxigraphStore(graph)
    text = "SELECT ?o WHERE { ?s <https://example.org/p> ?o } ORDER BY ?o"

    def add(value: str) -> None:
        graph.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/p"),
                          ox.Literal(value), ox.NamedNode("https://example.org/g")))

    def answer() -> list:
        return [row[0] for row in _long_answer(store, text, _quads_digest(out, out), cache)["rows"]]

    add("1")
    assert answer() == ["1"] and len(list(cache.glob("*.json"))) == 1
    add("2")  # the fragments unchanged: the kept answer is read back, no query
    assert answer() == ["1"]
    metadata.write_text('<https://example.org/m> <https://example.org/at> "2026-12-08" .\n')
    assert answer() == ["1"]
    data.write_text(data.read_text() + "<https://example.org/a> <https://example.org/p> \"2\" <https://example.org/g> .\n")
    assert answer() == ["1", "2"] and len(list(cache.glob("*.json"))) == 2
    for kept in cache.glob("*.json"):
        kept.write_text("{damaged", encoding="utf-8")
    add("3")
    assert answer() == ["1", "2", "3"]  # a damaged entry is answered again
    shutil.rmtree(fragments)
    add("4")
    assert answer() == ["1", "2", "3", "4"]


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
    # the counts as Markdown tables (no st.table: its code is a megabyte the first page waited for), a row each
    by_type, by_source = [m.value for m in at.markdown if m.value.startswith("| ")]
    assert by_type.startswith("| Type | Nombre |\n|---|---:|\n") and by_source.startswith("| Document source | Date |")
    counts = Viewer.kept(str(resolve(out))).counts_by_type("fr")
    assert by_type.count("\n") == 1 + len(counts) and f"| {md(counts[0][0])} | {thousands(counts[0][1])} |" in by_type
    assert not at.table and not at.get("plotly_chart")


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


def test_markdown_tables_show_cells_as_text():
    """Accueil's tables (markdown_table): a cell is one line of text whatever it holds, read by a Markdown renderer."""
    from markdown_it import MarkdownIt

    hostile = ["a | b", "ligne\n\nsuivante", "<script>x</script>", "![x](http://127.0.0.1:9/x.png)", "**gras**", ""]
    table = markdown_table({"Valeur": hostile, "Nombre": [thousands(1234567)] * len(hostile)}, right=("Nombre",))
    rendered = MarkdownIt("commonmark").enable("table").render(table)
    cells = [html.unescape(re.sub(r"<[^>]+>", "", c)).replace(WORD_JOINER, "")  # md's joiner: no bare link
             for c in re.findall(r"<td>(.*?)</td>", rendered)]
    assert cells == ["a | b", "ligne suivante", "<script>x</script>", "![x](http://127.0.0.1:9/x.png)", "**gras**", ""]
    assert "<img" not in rendered and "<strong>" not in rendered and "<script" not in rendered
    assert rendered.count('<td style="text-align:right">1\u202f234\u202f567</td>') == len(hostile)


# -- the whole graph kept on disk ---------------------------------------------------------------------------------------

def _files(folder):
    """Every file under `folder` with its size and modification time: what a reader must leave as it was."""
    return {path: (path.stat().st_size, path.stat().st_mtime_ns) for path in folder.rglob("*")}


def test_the_build_keeps_its_graph_on_disk_without_copying_it(built):
    """`maillage build` keeps the graph as an on-disk store in its generation, a backup of the build's own store:
    its files hard links to that store's (no copy), its stamp naming the dump; opened read-only, it writes nothing."""
    out, store = built
    folder = resolve(out)
    stamp = json.loads((folder / STORE_STAMP).read_text(encoding="utf-8"))
    assert stamp["quads"] == json.loads((folder / "manifest.json").read_text())["quads"] > 400_000
    own = {path.stat().st_ino for path in (state_dir(out) / "store").glob("*.sst")}
    kept = list((folder / STORE_DIR).glob("*.sst"))
    assert kept and {path.stat().st_ino for path in kept} <= own
    before = _files(folder)
    disk = kept_graph_store(out)
    assert len(disk) == stamp["quads"]
    graph = KeptGraph(disk, folder)
    assert graph.select_values("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == \
        store.select_values("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    del disk, graph
    assert _files(folder) == before  # a published generation is never written by its readers


@pytest.fixture(scope="module")
def kept_library(library_build, tmp_path_factory):
    """The library's build (conftest: the referential cut to what the queries read with their defaults) with its
    graph kept on disk, and that graph read from its dump."""
    out = tmp_path_factory.mktemp("kept-library")
    for name in ("maillage.nq", "manifest.json"):
        shutil.copy(library_build / name, out / name)
    assert keep_store(out) == out / STORE_DIR
    return out, open_store(out)


def test_every_library_query_gives_the_same_rows_from_the_kept_graph_as_from_the_dump(kept_library):
    """Read from disk, then from memory once the dump is read (KeptGraph.read): the same rows, in the same order,
    for every query of the library with its defaults."""
    out, store = kept_library
    graph = KeptGraph.of(out)
    disk = graph.store
    wanted = {name: get_query(name).run(store) for name in sorted(library())}
    for name, rows in wanted.items():
        found = get_query(name).run(graph)
        assert found.variables == rows.variables, name
        assert (list(found) == list(rows)) if "ORDER BY" in get_query(name).text else Counter(found) == Counter(rows), name
    graph.read()
    assert graph.in_memory.is_set() and graph.store is not disk
    for name in ("entities_by_type", "territory_nesting", "coordinations_by_theme"):
        assert list(get_query(name).run(graph)) == list(wanted[name]), name


def test_no_query_is_lost_or_partial_while_the_memory_store_takes_over(kept_library):
    """Queries asked without a pause while the dump is read and the memory store takes over: every answer whole."""
    out, store = kept_library
    graph = KeptGraph.of(out)
    query = get_query("entities_by_type")
    wanted = list(query.run(store))
    answers, stop = [], threading.Event()

    def ask():
        while not stop.is_set():
            answers.append(list(query.run(graph)))

    asking = threading.Thread(target=ask)
    asking.start()
    try:
        graph.read()
        time.sleep(0.2)  # a few more from memory
    finally:
        stop.set()
        asking.join()
    assert len(answers) > 2 and all(found == wanted for found in answers)


@pytest.mark.parametrize("damage", ["no stamp", "garbage", "other dump", "format", "no store"])
def test_a_kept_graph_that_does_not_belong_to_the_dump_is_ignored(built, tmp_path, damage):
    folder = resolve(built[0])
    shutil.copy(folder / "manifest.json", tmp_path / "manifest.json")
    os.symlink(folder / STORE_DIR, tmp_path / STORE_DIR)
    stamp = json.loads((folder / STORE_STAMP).read_text(encoding="utf-8"))
    body = {"no stamp": None, "garbage": "[", "other dump": json.dumps({**stamp, "dump": "0" * 64}),
            "format": json.dumps({**stamp, "format": 99}), "no store": json.dumps(stamp)}[damage]
    if body is not None:
        (tmp_path / STORE_STAMP).write_text(body, encoding="utf-8")
    if damage == "no store":
        (tmp_path / STORE_DIR).unlink()
    assert kept_graph_store(tmp_path) is None and KeptGraph.of(tmp_path) is None


def test_without_the_builds_own_store_the_graph_is_kept_from_the_dump(small_build, tmp_path):
    """A build directory without the builder's state (copied, or an older layout): the kept graph is loaded from the
    dump, as many quads; kept once; a place it cannot be written leaves the build as it was."""
    for name in ("maillage.nq", "manifest.json"):
        shutil.copy(small_build / name, tmp_path / name)
    assert not (tmp_path / ".maillage-state").exists()
    made = keep_store(tmp_path)
    assert made == tmp_path / STORE_DIR
    assert len(kept_graph_store(tmp_path)) == len(open_store(tmp_path).store) > 5_000
    assert keep_store(tmp_path) == made and not list(tmp_path.glob(f".{STORE_DIR}-*"))  # kept once, no scratch left
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    for name in ("maillage.nq", "manifest.json"):
        shutil.copy(small_build / name, blocked / name)
    (blocked / STORE_DIR).write_text("")  # the rename onto it fails, as on a read-only or full disk
    assert keep_store(blocked) is None and kept_graph_store(blocked) is None
    assert not list(blocked.glob(f".{STORE_DIR}-*"))


def test_a_page_answered_from_the_kept_graph_shows_the_same_as_from_memory(built, monkeypatch):
    """The viewer opens the kept graph at once: a territory's page is drawn while the dump is still being read (held
    back here), and shows the same once the memory store has taken over."""
    out, _ = built
    release = threading.Event()
    reading = KeptGraph.read

    def held(graph):
        release.wait(60)
        reading(graph)

    monkeypatch.setattr(KeptGraph, "read", held)
    opening = warmup.Opening(str(out), imports=False)
    monkeypatch.setitem(warmup._OPENINGS, str(out), opening)
    monkeypatch.setenv("MAILLAGE_OUT", str(out))
    opening.thread.start()
    assert opening.opened.wait(30)

    def page() -> tuple:
        at = AppTest.from_file(str(PROJECT_ROOT / "app" / "main.py"), default_timeout=60)
        at.run()
        at.switch_page("views/territoires.py")
        at.query_params["id"] = "territoire/commune/13001"
        at.run()
        assert not at.exception and not at.error, (at.exception, at.error)
        return [m.value for m in at.markdown], [link.label for link in at.page_link], [h.value for h in at.header]

    try:
        before = page()
        assert not opening.in_memory.is_set() and isinstance(opening.viewer.store, KeptGraph)
    finally:
        release.set()
    assert opening.in_memory.wait(60)
    assert "Aix-en-Provence" in " ".join(before[2]) and len(before[1]) > 5
    assert page() == before
