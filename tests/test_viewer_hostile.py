"""Data shown as data: Markdown, HTML and links written in the graph's texts reach the viewer's page as text.

A build whose coordination label, description, passage, experience label and
source title are one hostile spreadsheet cell (a remote image on a loopback
listener, a link, raw HTML, bold, LaTeX, a bare address) is opened in the real
viewer and browser (maillage/bench/browser.py). Each page shows the cell
literally; no image, link or formula is made of it; the listener is never
asked for the image. `md` itself is checked against a CommonMark renderer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from app.viewer.text import WORD_JOINER, md, md_link, web_url
from graph_builder import Settings, build_graph
from graph_builder.constants import PROJECT_ROOT
from graph_builder.publication.outputs import write_outputs
from tests.conftest import Listener

HOSTILE_TEXTS = [
    "![x](http://127.0.0.1:9/leak.png)", "[clic](http://evil.example)", "<img src=http://127.0.0.1:9/i.png>",
    "**gras** __gras__ *it* _it_ ~~barré~~", "$x$ $$y$$", ":red[rouge] :material/home:", "`code` ```bloc```",
    "# titre", "1. liste", "- liste", "> cité", "| a | b |\n|---|---|", "titre\n===", "<https://evil.example>",
    "&lt;b&gt; &amp;", "\\*échappé\\*", "[ref]: http://evil.example", "a\\\nb", "<!-- commentaire -->",
]


def rendered_text(markdown: str) -> str:
    """What a CommonMark renderer shows of `markdown` (tags removed, entities read), and its HTML."""
    import html
    import re

    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip(), rendered


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_md_shows_markdown_and_html_as_themselves(text):
    shown, rendered = rendered_text(md(text))
    assert shown.replace(WORD_JOINER, "") == text.strip()
    for tag in ("<a ", "<img", "<em>", "<strong>", "<code>", "<h1>", "<ol>", "<ul>", "<blockquote>", "<table>", "<s>"):
        assert tag not in rendered, (text, rendered)


def test_md_breaks_bare_addresses_that_gfm_would_link():
    for text in ("http://evil.example", "HTTPS://evil.example", "www.evil.example", "qui@evil.example"):
        escaped = md(text)
        assert WORD_JOINER in escaped and escaped.replace(WORD_JOINER, "").replace("\\", "") == text


def test_links_only_to_checked_http_urls():
    assert web_url("https://www.ville.fr/sante?x=1") == "https://www.ville.fr/sante?x=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "//evil.example", "http://", "http://a b", "ftp://x.fr",
                "https://x.fr/<img>", 'https://x.fr/"', "http://x.fr/\nx"):
        assert web_url(bad) is None, bad
    assert md_link("Rapport [2020]", "https://x.fr/a_(b)") == "[Rapport \\[2020\\]](<https://x.fr/a_(b)>)"
    assert md_link("[clic](http://evil.example)", "javascript:alert(1)") == md("[clic](http://evil.example)")


# --- in the real viewer -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.socket.close()


def payload(port: int) -> str:
    return (f"![x](http://127.0.0.1:{port}/leak.png) [clic](http://evil.example) "
            f"<img src=http://127.0.0.1:{port}/img.png> **gras** $x$ www.evil.example")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_out(listener, tmp_path_factory) -> Path:
    """A build of the curated data where one cell of each kind of text is the payload."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("templates"))
    cell = payload(listener.port)
    _replace(data / "coordinations.yaml", "label: \"Atelier santé ville d'Aix-en-Provence\"", f'label: "{cell}"')
    _replace(data / "coordinations.yaml", '"Comité de pilotage local : instance', f'"{cell} instance')
    _replace(data / "coordinations.yaml", "passage: \"L'ASV d'Aix en Provence", f'passage: "{cell} ')
    _replace(data / "sources.yaml", 'title: "Ateliers santé ville : outils', f'title: "{cell} outils')
    out = root / "build"
    write_outputs(build_graph(Settings(data_dir=data)), out)
    return out


@pytest.fixture(scope="module")
def tab(hostile_out):
    from maillage.bench.browser import OfflineBrowser, ViewerServer

    with ViewerServer(hostile_out) as server, OfflineBrowser() as browser:
        opened = browser.tab(server.url)
        yield opened
        assert browser.blocked == [], browser.blocked


@pytest.mark.parametrize("path", [
    "/coordinations?id=coordination/asv-aix-en-provence",
    "/coordinations",
    "/territoires?id=territoire/commune/13001",
    "/partenaires?territory=commune/13001",
    "/qualite?id=coordination/asv-aix-en-provence",
    "/accueil",
])
def test_hostile_cells_are_shown_as_text(tab, listener, path):
    tab.open(path)
    assert not tab.exceptions(), tab.exceptions()
    page, main = tab.page, tab.page.get_by_test_id("stMain")
    shown = tab.text().replace(WORD_JOINER, "")
    assert payload(listener.port) in shown, shown[:2000]
    assert main.locator(f"img[src*='{listener.port}']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert not page.evaluate(  # bold the page wraps around a whole cell is its own; none made of the cell's **gras**
        "() => [...document.querySelectorAll('[data-testid=stMain] strong')].some(e => e.textContent.trim() === 'gras')")
    assert main.locator(".katex").count() == 0
    page.wait_for_timeout(300)  # an image the page asked for would have reached the listener by now
    assert listener.connections == 0


def test_a_hostile_shared_link_is_shown_as_text(tab, listener):
    tab.open("/coordinations?id=[clic](http://evil.example)")
    assert "[clic](http://evil.example)" in tab.text().replace(WORD_JOINER, "")
    assert tab.page.locator("a[href*='evil.example']").count() == 0
