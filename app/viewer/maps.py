"""The viewer's maps, as plotly figures drawn from the project's own geometry (geometry.py), without tiles.

The outlines are drawn as plain SVG shapes on two hidden axes (longitude, latitude at the map's scale):
no basemap, no tile, style or font to fetch, and no WebGL. Plotly's `*_map` charts (MapLibre, WebGL) drew
the same picture offline, but in a browser without a GPU, each map cost 0.5 to 1 s at every page change
(measured with `maillage bench-viewer`). The départements' outlines stand in for a basemap. A click
selects a place's marker, whose customdata is its territory's `level/code`, which the page sends on
(the Territoires page's `id` is `territoire/level/code`).
"""

from __future__ import annotations

import math
from functools import lru_cache
from html import escape

import numpy as np
import plotly.graph_objects as go

from app.viewer.francemap import METROPOLE, RED, rings
from app.viewer.model import Territory, Viewer
from graph_builder.referential.geometry import Geometry

BLUE, GREY, LINE = "#000091", "#e3e3fd", "#929292"  # DSFR's blue France, greys


def _areas(shapes: dict[str, dict], name: str, fill: str, line: str, width: float, legend: bool = True) -> go.Scatter:
    """The outlines of `shapes` (code -> GeoJSON) as one SVG path, filled; each ring ended by a gap (NaN).
    Coordinates go as a numpy array of 32-bit floats (a metre's precision): plotly checks a list point by point
    (0.3 s for a département's communes) and sends an array as binary, a third smaller than as text."""
    drawn = [ring for code in sorted(shapes) for ring in rings(shapes[code])]
    points = np.full((sum(len(ring) + 1 for ring in drawn), 2), np.nan, dtype=np.float32)
    start = 0
    for ring in drawn:
        points[start:start + len(ring)] = ring
        start += len(ring) + 1
    return go.Scatter(x=points[:, 0], y=points[:, 1], mode="lines", fill="toself", fillcolor=fill,
                      line={"color": line, "width": width}, name=escape(name), showlegend=legend, hoverinfo="skip")


def _places(points: list[tuple[str, str, tuple[float, float]]], name: str, colour: str, size, legend: bool = True,
            opacity: float = 0.8) -> go.Scatter:
    """Markers (key `level/code`, hover text, (lon, lat)): what a click selects and what hovering names.
    Plotly reads some HTML in texts and names (`<a href>`, `<b>`): names from the graph are escaped."""
    return go.Scatter(x=[lon for _, _, (lon, _) in points], y=[lat for _, _, (_, lat) in points], mode="markers",
                      name=escape(name), showlegend=legend, marker={"size": size, "color": colour, "opacity": opacity,
                                                            "line": {"color": "#ffffff", "width": 0.5}},
                      text=[escape(text) for _, text, _ in points], hoverinfo="text", customdata=[key for key, _, _ in points])


def _layout(figure: go.Figure, bounds: tuple[float, float, float, float], height: int) -> go.Figure:
    """Hidden axes over `bounds` (west, south, east, north), a degree of latitude drawn 1 / cos(latitude) times
    a degree of longitude (the map's scale at its middle)."""
    west, south, east, north = bounds
    stretch = 1 / math.cos(math.radians((south + north) / 2))
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    figure.update_layout(height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, plot_bgcolor="#ffffff",
                         paper_bgcolor="#ffffff", legend={"orientation": "h", "y": 1.0, "x": 0}, dragmode="pan",
                         clickmode="event+select", hovermode="closest",
                         xaxis={**axis, "range": [west, east]},
                         yaxis={**axis, "range": [south, north], "scaleanchor": "x", "scaleratio": stretch})
    return figure


def outline_figure(geometry: Geometry) -> go.Figure:
    """Metropolitan France's départements alone (what is shown while the graph opens)."""
    return _layout(go.Figure(_areas(geometry.level("departement"), "", GREY, LINE, 0.6, legend=False)), METROPOLE, 560)


def _fit(shapes: list[dict]) -> tuple[float, float, float, float]:
    """The bounds (west, south, east, north) of `shapes` (GeoJSON), with a margin; metropolitan France if none."""
    xs = [point[0] for shape in shapes for ring in rings(shape) for point in ring]
    ys = [point[1] for shape in shapes for ring in rings(shape) for point in ring]
    if not xs:
        return METROPOLE
    margin = 0.05 * max(max(xs) - min(xs), max(ys) - min(ys), 0.02)
    return min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin


def coverage_figure(shapes: dict[str, dict], level: str, uncovered: set[str], chosen: dict[str, dict],
                    names: dict[str, str], labels: dict[str, str], focus: list[dict] | None = None,
                    points: dict[str, tuple[float, float]] | None = None) -> go.Figure:
    """Territories of one `level` (`shapes`: code -> outline) covered by a known coordination (blue) or not
    (grey), with the page's territory (`chosen`: code -> outline) outlined in red; fitted to `focus`, else all.
    `points` (code -> (lon, lat)): where each territory's marker goes, the one a click selects.
    `labels`: names of the covered, uncovered and chosen traces."""
    figure = go.Figure()
    for name, colour, codes in (("covered", BLUE, sorted(set(shapes) - uncovered)),
                                ("uncovered", GREY, sorted(set(shapes) & uncovered))):
        if codes:
            figure.add_trace(_areas({c: shapes[c] for c in codes}, labels[name], colour, "#ffffff", 0.5))
    if chosen:
        figure.add_trace(_areas(chosen, labels["chosen"], "rgba(0,0,0,0)", RED, 3))
    figure.add_trace(_places([(f"{level}/{c}", names.get(c, c), points[c]) for c in sorted(shapes) if c in (points or {})],
                             "", "#161616", 5, legend=False, opacity=0.5))
    return _layout(figure, _fit(focus or list(shapes.values())), 480)


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
    points = {code: point for code in shapes if (point := geometry.point(f"{level}/{code}"))}
    return coverage_figure(shapes, level, uncovered, chosen, _names(viewer), labels, focus, points)


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


SHARE_BINS = ((0, "#e3e3fd"), (25, "#a9a9f2"), (50, "#5f5fd6"), (75, "#000091"))  # lower bound (%), colour: DSFR blues


def share_figure(shapes: dict[str, dict], shares: dict[str, float | None], names: dict[str, str],
                 points: dict[str, tuple[float, float]], level: str, labels: dict[str, str]) -> go.Figure:
    """Territories of one `level` (`shapes`: code -> outline) shaded by the share of their population covered
    (`shares`: code -> per cent, None without population), four bands of a quarter; a marker per territory
    (hover: its name and share; a click opens its page). `labels`: `none` (no figure) and `unit` (« % »)."""
    figure = go.Figure()
    bands = [(low, high, colour) for (low, colour), (high, _) in zip(SHARE_BINS, (*SHARE_BINS[1:], (101, "")), strict=True)]
    for low, high, colour in bands:
        codes = {c: shapes[c] for c in shapes if shares.get(c) is not None and low <= shares[c] < high}
        if codes:
            figure.add_trace(_areas(codes, f"{low}–{min(high, 100)} {labels['unit']}", colour, "#ffffff", 0.5))
    missing = {c: shapes[c] for c in shapes if shares.get(c) is None}
    if missing:
        figure.add_trace(_areas(missing, labels["none"], "#ffffff", LINE, 0.5))
    figure.add_trace(_places([(f"{level}/{c}", f"{names.get(c, c)} — {labels['format'](shares.get(c))}", points[c])
                              for c in sorted(shapes) if c in points], "", "#161616", 5, legend=False, opacity=0.5))
    return _layout(figure, METROPOLE, 560)
