"""`maillage diff` and the Atom feeds: two real builds (the session's pristine build, then an incremental rebuild of an
edited copy), compared from their dumps; the feeds read by an independent Atom parser (feedparser) and checked
against RFC 4287's rules; served by the endpoint's own routes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser
import pytest
from click.testing import CliRunner

from graph_builder.publication.generations import GENERATIONS, PREVIOUS
from maillage.cli.main import main
from maillage.diff import Build, as_text
from maillage.endpoint.app import FrontConfig, make_app
from maillage.feeds import CHANGES, territory_feed, theme_feed
from tests.conftest import EPOCH, ID

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "Atelier <script>alert(1)</script> & Cie de Nanterre"
ADDED = f"{ID}coordination/asv-nanterre-hostile-test"
CHANGED = f"{ID}coordination/cls-nanterre-test"
NEW_LINE = (f"asv-nanterre-hostile-test;ASV;\"{HOSTILE}\";ville-nanterre-test;92050;2021;;nutrition;diagnostic;"
            "porteur;;\n")


@pytest.fixture(scope="module")
def builds(pristine, tmp_path_factory) -> Path:
    """A copy of the pristine build, rebuilt (incrementally) after one record was changed and one added: its
    previous generation is the pristine build."""
    folder = tmp_path_factory.mktemp("diff")
    data, out = folder / "data", folder / "out"
    shutil.copytree(pristine[0], data)
    shutil.copytree(pristine[1], out, symlinks=True)
    csv = data / "directories" / "cls-ars.csv"
    text = csv.read_text(encoding="utf-8")
    line = "Contrat local de santé de Nanterre;ville-nanterre-test;92050;2019-03;;"
    assert line in text  # renamed, and given an end
    csv.write_text(text.replace(line, "Contrat local de santé de la ville de Nanterre;ville-nanterre-test;92050;"
                                      "2019-03;2024-12-31;") + NEW_LINE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(out), "--feeds"])
    assert result.exit_code == 0, result.output
    assert "Reconstruction incrémentale" in result.output
    return out


def _json(*args: str) -> dict:
    result = CliRunner().invoke(main, ["diff", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def forward(builds) -> dict:
    """The diff `maillage build --feeds` kept beside the edited build: the JSON of `maillage diff --previous OUT`
    (each diff of the seed build reads 2 x 420,000 quads: the tests reuse this one)."""
    [kept] = (builds / CHANGES).glob("*.json")
    return json.loads(kept.read_text(encoding="utf-8"))


def test_a_record_added_removed_and_changed_appear_as_such(builds, forward):
    previous = builds / GENERATIONS / PREVIOUS
    assert Build.previous(builds).folder == Build.open(previous).folder.resolve() == previous.resolve()
    entities = {entity["iri"]: entity for entity in forward["entities"]}
    assert entities[ADDED]["change"] == "added" and entities[ADDED]["label"] == HOSTILE
    assert entities[ADDED]["kind"] == "coordination"
    assert entities[CHANGED]["change"] == "changed"
    [label] = [p for p in entities[CHANGED]["properties"] if p["property"].endswith("rdf-schema#label")]
    assert label["removed"] == ['"Contrat local de santé de Nanterre"@fr']
    assert label["added"] == ['"Contrat local de santé de la ville de Nanterre"@fr']
    [end] = [p for p in entities[CHANGED]["properties"] if p["property"] == "https://schema.org/endDate"]
    assert end["removed"] == [] and end["added"][0].startswith('"2024-12-31"')
    assert entities[CHANGED]["dates"] == {"start": ["2019-03"], "end": ["2024-12-31"]}
    assert not any(entity["change"] == "removed" for entity in forward["entities"])
    # Backwards (`maillage diff NEW OLD --format json`, another run), the added record is a removed one, with its
    # facts read from the build that had it; everything else mirrors the forward diff.
    backward = _json(str(builds), str(previous))
    assert backward["territories"] == forward["territories"] and backward["themes"] == forward["themes"]
    assert (backward["old"]["sha256"], backward["new"]["sha256"]) == (forward["new"]["sha256"], forward["old"]["sha256"])
    gone = {entity["iri"]: entity for entity in backward["entities"]}[ADDED]
    assert gone["change"] == "removed" and gone["label"] == HOSTILE and gone["territories"] == [f"{ID}territoire/commune/92050"]
    assert backward["counts"] == {"added": forward["counts"]["removed"], "removed": forward["counts"]["added"],
                                  "changed": forward["counts"]["changed"]}
    # Nothing else: what did not change is not listed; a build compared with itself has no change.
    assert set(entities) == {ADDED, CHANGED, f"{ADDED}/participation/ville-nanterre-test-porteur"}


def test_changes_are_grouped_by_territory_with_its_nesting_and_by_theme(forward):
    found = forward
    territories = {group["iri"]: group for group in found["territories"]}
    nanterre = territories[f"{ID}territoire/commune/92050"]
    assert ADDED in nanterre["direct"] and CHANGED in nanterre["direct"]
    assert nanterre["label"] == "Nanterre" and nanterre["level"] == "commune" and nanterre["code"] == "92050"
    departement = territories[f"{ID}territoire/departement/92"]  # through the referential's nesting
    assert ADDED in departement["entities"] and departement["direct"] == []
    assert f"{ID}territoire/region/11" in territories
    nutrition = {group["iri"]: group for group in found["themes"]}[f"{ID}theme/nutrition"]
    assert ADDED in nutrition["direct"] and nutrition["label"] == "Nutrition"
    # A total order: entities and groups by IRI, every list sorted.
    assert [e["iri"] for e in found["entities"]] == sorted(e["iri"] for e in found["entities"])
    assert [g["iri"] for g in found["territories"]] == sorted(territories)
    assert all(group["entities"] == sorted(group["entities"]) for group in found["territories"] + found["themes"])


def test_text_in_french_then_english_and_lines_in_any_order(builds, forward, tmp_path):
    """The list for people; the new build given as a hand-made dump in another order (reversed): the same changes,
    since lines are compared as sets."""
    folder = tmp_path / "reversed"
    folder.mkdir()
    lines = Build.open(builds).dump.read_bytes().splitlines(keepends=True)
    (folder / "maillage.nq").write_bytes(b"".join(reversed(lines)))
    french = CliRunner().invoke(main, ["diff", str(builds / GENERATIONS / PREVIOUS), str(folder)])
    assert french.exit_code == 0, french.output
    title, rest = french.stdout.split("\n", 1)
    assert title.endswith(f"à {folder} (date inconnue)")  # no manifest beside the reversed dump
    assert rest == as_text(forward, "fr").split("\n", 1)[1]
    assert "2 entité(s) ajoutée(s), 0 retirée(s), 1 modifiée(s)." in french.stdout and "Par territoire" in french.stdout
    assert f"+ coordination « {HOSTILE} » <{ADDED}>" in french.stdout
    assert f"~ coordination « Contrat local de santé de la ville de Nanterre » <{CHANGED}> — modifié : " in french.stdout
    assert "Nanterre (commune 92050)" in french.stdout and "Nutrition (nutrition)" in french.stdout
    english = as_text(forward, "en")  # what `--lang en` prints
    assert "2 entity(ies) added, 0 removed, 1 changed." in english and "By territory" in english
    assert "— changed: end date, label" in english
    assert f"+ participation « {HOSTILE} › ville-nanterre-test-porteur »" in french.stdout  # a nested record, named


def _valid_atom(body: bytes) -> ET.Element:
    """RFC 4287's rules a reader relies on, checked on the document, then the same feed read by feedparser."""
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for element in [root, *root.findall(f"{ATOM}entry")]:
        for required in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{required}")) == 1, (element.tag, required)
        assert element.findtext(f"{ATOM}id").startswith("urn:uuid:")
        assert "T" in element.findtext(f"{ATOM}updated")  # an RFC 3339 date-time
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Maillage"  # entries inherit the feed's author
    ids = [entry.findtext(f"{ATOM}id") for entry in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return root


def test_the_feeds_parse_as_atom_and_escape_the_data(builds):
    assert len(list((builds / CHANGES).glob("*.json"))) == 1  # kept by `maillage build --feeds`
    body = territory_feed(builds, ID, "departement", "92", "http://example.org/feeds/territory/departement/92.atom")
    root = _valid_atom(body)
    titles = [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]
    assert f"Ajout : {HOSTILE} (coordination)" in titles
    assert "Fin : Contrat local de santé de la ville de Nanterre (coordination)" in titles  # given an end date
    assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie" in body and b"<script>" not in body
    entry = next(e for e in root.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title").startswith("Ajout"))
    assert entry.find(f"{ATOM}link").get("href") == ADDED
    ended = next(e for e in root.findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title").startswith("Fin"))
    assert ended.findtext(f"{ATOM}summary").endswith(" Début : 2019-03. Fin : 2024-12-31.")
    parsed = feedparser.parse(body)
    assert parsed.feed.title == "Maillage — ce qui change : Hauts-de-Seine (département 92)"
    assert {e.link for e in parsed.entries} >= {ADDED, CHANGED}
    # Stable across runs: the feed is made from the kept diff only, whose every field but the folders' paths is
    # the same for the same two builds (the backward diff, computed by another run, mirrors it exactly: see above).
    assert territory_feed(builds, ID, "departement", "92", "http://example.org/feeds/territory/departement/92.atom") == body
    # Another spelling of the same territory is the same feed.
    assert territory_feed(builds, ID, "Departement", "92", "http://example.org/feeds/territory/departement/92.atom") == body
    assert theme_feed(builds, ID, "Nutrition") == theme_feed(builds, ID, "nutrition")
    # A theme's feed; a territory without change has a valid feed without entries.
    assert _valid_atom(theme_feed(builds, ID, "nutrition")).findall(f"{ATOM}entry")
    quiet = _valid_atom(territory_feed(builds, ID, "departement", "2A", updated="2026-12-06T00:00:00+00:00"))
    assert quiet.findall(f"{ATOM}entry") == []


def test_the_endpoint_serves_the_feeds(builds):
    """The routes of `maillage serve`'s front (its SPARQL workers are not needed for feeds, and not started)."""
    from starlette.testclient import TestClient  # here, where the warning filter above applies

    config = FrontConfig(base=ID, timeout=5, limit=10, max_bytes=1000, out_dir=builds,
                         built_at=Build.open(builds).built_at)
    client = TestClient(make_app(config, store=None, engines=None, checker=None))
    answer = client.get("/feeds/territory/commune/92050.atom")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/atom+xml")
    root = _valid_atom(answer.content)
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/feeds/territory/commune/92050.atom"
    assert client.get("/feeds/theme/nutrition.atom").status_code == 200
    for bad in ("/feeds/territory/%3Cscript%3E/1.atom", "/feeds/theme/a%20b.atom", "/feeds/territory/commune/x&y.atom"):
        refused = client.get(bad)
        assert refused.status_code == 404 and refused.text.startswith("Territoire illisible" if "territory" in bad
                                                                         else "Thématique illisible"), bad


def test_bad_builds_are_told_in_french_with_exit_codes(builds, tmp_path):
    def run(*args: str):
        return CliRunner().invoke(main, ["diff", *args])

    missing = run(str(tmp_path / "nulle-part"), str(builds))
    assert missing.exit_code == 3 and "ce dossier n'existe pas" in missing.stderr
    assert "no such directory" in run(str(tmp_path / "nulle-part"), str(builds), "--lang", "en").stderr
    (tmp_path / "vide").mkdir()
    empty = run(str(tmp_path / "vide"), str(builds))
    assert empty.exit_code == 3 and "aucune construction ici (maillage.nq manque)" in empty.stderr
    assert run(str(builds)).exit_code == 2 and "Donnez deux dossiers" in run(str(builds)).stderr
    assert run("--previous", str(builds), str(builds)).exit_code == 2
    single = tmp_path / "single"
    single.mkdir()
    (single / "maillage.nq").write_bytes(b"")
    first = run("--previous", str(single))
    assert first.exit_code == 3 and "pas de construction précédente" in first.stderr
    not_a_folder = run(str(builds / "maillage.nq"), str(builds))
    assert not_a_folder.exit_code == 3 and "ce n'est pas un dossier" in not_a_folder.stderr
    # A changed line that is not N-Quads: named, never a traceback (small dumps: no need to read a whole build).
    broken, fine = tmp_path / "broken", tmp_path / "fine"
    broken.mkdir()
    fine.mkdir()
    (broken / "maillage.nq").write_bytes(f"<{ADDED}> <{ID}p> \"non fermé <{ID}graph/001> .\n".encode())
    (fine / "maillage.nq").write_bytes(f"<{ADDED}> <{ID}p> \"fermé\" <{ID}graph/001> .\n".encode())
    bad = run(str(broken), str(fine))
    assert bad.exit_code == 3 and "ligne N-Quads illisible" in bad.stderr and "non fermé" in bad.stderr
    assert bad.exception is None or isinstance(bad.exception, SystemExit)


def test_a_feed_holds_any_text_and_skips_what_is_not_a_diff(forward, tmp_path):
    """Names with characters XML 1.0 cannot hold, `]]>` and markup; a kept file that is not JSON: the feed stays valid
    Atom (checked on a copy of the kept diff, no build needed)."""
    (tmp_path / CHANGES).mkdir()
    odd = json.loads(json.dumps(forward))
    entity = next(e for e in odd["entities"] if e["iri"] == ADDED)
    entity["label"] = "Nom\x01\x0b avec ]]> et <b>gras</b> & \ud800 fin"
    (tmp_path / CHANGES / "20990101000000-aaaaaaaaaaaa.json").write_text(json.dumps(odd), encoding="utf-8")
    (tmp_path / CHANGES / "20990102000000-bbbbbbbbbbbb.json").write_text("{pas du JSON", encoding="utf-8")
    root = _valid_atom(territory_feed(tmp_path, ID, "commune", "92050"))
    titles = [entry.findtext(f"{ATOM}title") for entry in root.findall(f"{ATOM}entry")]
    assert "Ajout : Nom avec ]]> et <b>gras</b> &  fin (coordination)" in titles
