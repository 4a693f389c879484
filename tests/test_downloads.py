"""Every CSV the viewer offers opens in French Excel (app/viewer/downloads.py): `;`, UTF-8 with a byte order mark,
no cell a spreadsheet would run; checked on the helper, on each page's real download, and on the code (every
download button of app/ that offers a CSV gets its bytes from the helper)."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from app.viewer.downloads import BOM, spreadsheet_csv

APP = Path(__file__).resolve().parent.parent / "app"


def read(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM):]), delimiter=";"))


def test_cells_for_french_excel():
    data = spreadsheet_csv(["nom", "valeur"], [
        ['=HYPERLINK("http://example.org/?"&A1;"Cliquez")', "-5"], ["+33 4 76 00 00 00", "-1,55"],
        ["@SUM(A1)", None], ["\tcaché", "a;b"], ["Échirolles « 38 »", 'dit "oui"\nensuite']])
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 6  # BOM; one CRLF per row (one inside a cell)
    assert data.decode("utf-8").splitlines()[0] == "\ufeffnom;valeur"
    assert read(data) == [["nom", "valeur"],
                          ['\'=HYPERLINK("http://example.org/?"&A1;"Cliquez")', "-5"],  # a formula, neutralised
                          ["'+33 4 76 00 00 00", "-1,55"],  # a phone number starts like a formula; a number does not
                          ["'@SUM(A1)", ""], ["'\tcaché", "a;b"], ["Échirolles « 38 »", 'dit "oui"\nensuite']]


def csv_buttons(tree: ast.AST) -> list[ast.Call]:
    """The download_button calls whose file name or MIME type says CSV."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "download_button":
            if "csv" in ast.unparse(node).lower():
                found.append(node)
    return found


def test_every_viewer_csv_comes_from_the_helper():
    buttons = {path: csv_buttons(ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(APP.rglob("*.py"))}
    assert {p.name for p, found in buttons.items() if found} >= {"partenaires.py", "requetes.py"}  # the scan sees them
    for path, found in buttons.items():
        for call in found:
            data = ast.unparse(call.args[1] if len(call.args) > 1 else call.keywords[0].value)
            assert data.startswith(("spreadsheet_csv(", "to_csv(partners")), f"{path.name}: {data}"


@pytest.fixture
def downloads(monkeypatch) -> list[tuple[bytes, str, str | None]]:
    """What the pages hand Streamlit to download (data, MIME type, file name), recorded on the way in."""
    seen = []
    real = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        seen.append((path_or_data, mimetype, filename))
        return real(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return seen


def test_each_page_downloads_a_csv_for_french_excel(app, downloads):
    app("partenaires", territory="commune/67482", themes="sante-mentale")
    app("coordinations", id="coordination/asv-vallees-gier-ondaine-andrezieux-boutheon")  # its 53 communes
    at = app("requetes")
    at.button(key="run-console").click().run()  # the example query: the coordinations and their labels
    assert not at.exception
    files = {name: (data, mime) for data, mime, name in downloads if name and name.endswith(".csv")}
    assert sorted(files) == ["communes-asv-vallees-gier-ondaine-andrezieux-boutheon.csv", "console.csv",
                             "partenaires-commune-67482.csv"]
    communes = read(files["communes-asv-vallees-gier-ondaine-andrezieux-boutheon.csv"][0])
    assert communes[0] == ["Code INSEE", "Commune", "Population"] and len(communes) == 54
    for name, (data, mime) in files.items():
        rows = read(data)
        assert mime == "text/csv" and len(rows) > 1 and len(rows[0]) > 1, name  # `;` splits the header
    assert read(files["partenaires-commune-67482.csv"][0])[1][2] == "Atelier santé ville de Strasbourg"
    assert read(files["console.csv"][0])[0] == ["coordination", "label"]
