"""The viewer's maps, as plotly figures drawn from the project's own geometry (geometry.py), without tiles.

`map_style="white-bg"` draws no basemap at all: plotly fetches no tile, style or font, and the
plotly.js that draws the figure is the one Streamlit bundles. The départements' outlines stand in
for a basemap. Every marker or area carries its territory's `level/code` as customdata, which a
click sends back to the page (the Territoires page's `id` is `territoire/level/code`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import plotly.graph_objects as go

from .geometry import Geometry
from .viewer import ID, Territory, Viewer

FRANCE = {"lat": 46.6, "lon": 2.4}
BLUE, RED, GREY, LINE = "#000091", "#c9191e", "#e3e3fd", "#929292"  # DSFR's blue France, Marianne red, greys


@dataclass(frozen=True)
class Spot:
    """A territory with the coordinations and experiences located there, and where to draw it."""

    key: str
    name: str
    lon: float
    lat: float
    coordinations: int
    experiences: int


@lru_cache(maxsize=4)
def spots(viewer: Viewer, geometry: Geometry) -> tuple[list[Spot], int]:
    """Where the coordinations and experiences are, one spot per territory; and how many places have no point
    (a commune whose outline the geometry lacks falls back to its département)."""
    counts: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for entity, kind, territory in viewer.values("entity_places"):
        counts[territory.removeprefix(f"{ID}territoire/")][kind].add(entity)
    found, missing = [], 0
    for key, kinds in sorted(counts.items()):
        territory = viewer.territory(key)
        point = geometry.point(key)
        if point is None and territory is not None and territory.departement:
            point = geometry.point(f"departement/{territory.departement}")
        if point is None or territory is None:
            missing += 1
            continue
        found.append(Spot(key, territory.name, point[0], point[1], len(kinds["coordination"]), len(kinds["experience"])))
    return found, missing


def _collection(shapes: dict[str, dict]) -> dict:
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "id": code, "geometry": shape, "properties": {}} for code, shape in shapes.items()]}


def _layout(figure: go.Figure, center: dict, zoom: float, height: int) -> go.Figure:
    figure.update_layout(map={"style": "white-bg", "center": center, "zoom": zoom}, height=height,
                         margin={"l": 0, "r": 0, "t": 0, "b": 0}, legend={"orientation": "h", "y": 1.0, "x": 0},
                         clickmode="event+select")
    return figure


def _outlines(shapes: dict[str, dict], names: dict[str, str], level: str, fill: str = GREY) -> go.Choroplethmap:
    codes = sorted(shapes)
    return go.Choroplethmap(geojson=_collection(shapes), locations=codes, z=[0] * len(codes),
                            colorscale=[[0, fill], [1, fill]], showscale=False, marker={"line": {"color": LINE, "width": 0.6}},
                            text=[names.get(c, c) for c in codes], hoverinfo="text", showlegend=False,
                            customdata=[f"{level}/{c}" for c in codes])


def france_figure(found: list[Spot], geometry: Geometry, names: dict[str, str], labels: dict[str, str]) -> go.Figure:
    """Metropolitan France (pan for overseas): départements as background, a marker per territory for the
    coordinations and for the experiences, sized by their number. `labels`: the two traces' names."""
    figure = go.Figure(_outlines(geometry.level("departement"), names, "departement"))
    for kind, colour, shift in (("coordinations", BLUE, 0.0), ("experiences", RED, 0.06)):
        shown = [s for s in found if getattr(s, kind)]
        figure.add_trace(go.Scattermap(
            lon=[s.lon + shift for s in shown], lat=[s.lat for s in shown], mode="markers", name=labels[kind],
            marker={"size": [min(30, 7 + 3 * getattr(s, kind)) for s in shown], "color": colour, "opacity": 0.8},
            text=[f"{s.name} : {getattr(s, kind)}" for s in shown], hoverinfo="text",
            customdata=[s.key for s in shown]))
    return _layout(figure, FRANCE, 4.3, 560)


def france_map(viewer: Viewer, geometry: Geometry, labels: dict[str, str]) -> tuple[go.Figure, int]:
    """The Accueil's map (see france_figure) and the number of places it cannot place."""
    found, missing = spots(viewer, geometry)
    return france_figure(found, geometry, _names(viewer), labels), missing


def _fit(shapes: list[dict], height: int) -> tuple[dict, float]:
    """Center and zoom that show `shapes` (GeoJSON) whole in a map about 700 × `height` pixels."""
    xs, ys = [], []

    def walk(coordinates):
        if coordinates and isinstance(coordinates[0], (int, float)):
            xs.append(coordinates[0])
            ys.append(coordinates[1])
        else:
            for item in coordinates:
                walk(item)

    for shape in shapes:
        walk(shape["coordinates"])
    if not xs:
        return FRANCE, 4.3
    lat = (min(ys) + max(ys)) / 2
    # A web-map tile is 256 px wide for 360° / 2^zoom; latitudes stretch by 1 / cos(lat).
    width_zoom = math.log2(360 * 700 / 256 / max(max(xs) - min(xs), 1e-3))
    height_zoom = math.log2(360 * height / 256 * math.cos(math.radians(lat)) / max(max(ys) - min(ys), 1e-3))
    return {"lon": (min(xs) + max(xs)) / 2, "lat": lat}, max(3.0, min(11.0, min(width_zoom, height_zoom) - 0.7))


def coverage_figure(shapes: dict[str, dict], level: str, uncovered: set[str], chosen: dict[str, dict],
                    names: dict[str, str], labels: dict[str, str], focus: list[dict] | None = None) -> go.Figure:
    """Territories of one `level` (`shapes`: code -> outline) covered by a known coordination (blue) or not
    (grey), with the page's territory (`chosen`: code -> outline) outlined in red; fitted to `focus`, else all.
    `labels`: names of the covered, uncovered and chosen traces."""
    figure = go.Figure()
    for name, colour, codes in (("covered", BLUE, sorted(set(shapes) - uncovered)),
                                ("uncovered", GREY, sorted(set(shapes) & uncovered))):
        if codes:
            figure.add_trace(go.Choroplethmap(
                geojson=_collection({c: shapes[c] for c in codes}), locations=codes, z=[1] * len(codes),
                colorscale=[[0, colour], [1, colour]], showscale=False, name=labels[name], showlegend=True,
                marker={"line": {"color": "#ffffff", "width": 0.5}, "opacity": 0.85},
                text=[names.get(c, c) for c in codes], hoverinfo="text", customdata=[f"{level}/{c}" for c in codes]))
    if chosen:
        codes = sorted(chosen)
        figure.add_trace(go.Choroplethmap(
            geojson=_collection(chosen), locations=codes, z=[1] * len(codes), name=labels["chosen"], showlegend=True,
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker={"line": {"color": RED, "width": 3}}, hoverinfo="skip"))
    height = 480
    center, zoom = _fit(focus or list(shapes.values()), height)
    return _layout(figure, center, zoom, height)


@lru_cache(maxsize=64)
def _coverage(viewer: Viewer, geometry: Geometry, territory: Territory) -> tuple | None:
    """(level, shapes, uncovered codes, chosen shapes, focus) around a territory (see territory_coverage); cached."""
    if territory.level == "region":
        region = geometry.level("region").get(territory.code)
        if region is None:
            return None
        uncovered = {str(c) for c in viewer.run("departements_without_coordination").column("code")}
        return "departement", geometry.level("departement"), uncovered, {territory.code: region}, [region]
    if territory.level == "commune":
        departement = territory.departement
    else:
        departement = next((t.code for t in viewer.nesting(territory.key) if t.level == "departement"), None)
    shapes = geometry.communes(departement) if departement else {}
    if not shapes:
        return None
    uncovered = {str(c) for c in viewer.run("communes_without_coordination", departement=departement).column("code")}
    chosen = {territory.code: shapes[territory.code]} if territory.level == "commune" and territory.code in shapes else {}
    return "commune", shapes, uncovered, chosen, None


@lru_cache(maxsize=4)
def _names(viewer: Viewer) -> dict[str, str]:
    """Code -> name of the communes and départements (their codes never collide)."""
    return {t.code: t.name for t in viewer.territories if t.level in ("commune", "departement")}


def territory_coverage(viewer: Viewer, geometry: Geometry, territory: Territory, labels: dict[str, str]) -> go.Figure | None:
    """The coverage around a territory: for a région, the départements (of France, the région outlined); else
    the communes of its département, the commune itself outlined. None when no outline is known there."""
    found = _coverage(viewer, geometry, territory)
    if found is None:
        return None
    level, shapes, uncovered, chosen, focus = found
    return coverage_figure(shapes, level, uncovered, chosen, _names(viewer), labels, focus)


def clicked_territory(event) -> str | None:
    """The `level/code` a click on a map selected (st.plotly_chart's selection), or None."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", [])
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if data:
            return str(data)
    return None
