"""Answers kept with a build (maillage/kept.py): written by `maillage build`, the same as the graph's, ignored when
they do not belong to the dump, and Accueil drawn from them while the graph is still opening."""

from __future__ import annotations

import html
import json
import re
import shutil
import time

import pytest
from streamlit.testing.v1 import AppTest

from app.viewer import warmup
from app.viewer.model import Viewer
from app.viewer.text import WORD_JOINER, markdown_table, md
from graph_builder.constants import PROJECT_ROOT
from graph_builder.problems import thousands
from graph_builder.publication.generations import resolve
from maillage.kept import KEPT_FILE, TEXTS_FILE, KeptStore, all_kept, keep_answers, kept_queries, kept_search, texts
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
