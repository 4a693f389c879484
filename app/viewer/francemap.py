"""Accueil's map of France, drawn on the server as SVG: each département a link to its page.

The first page used to draw this map with Plotly: the browser then loaded Plotly's 4.7 MB bundle and drew the
chart before the page was complete, about 2 s of a 4 s first page at national size (docs/performance/viewer.md).
Here the map is SVG markup: each département an `<a href>` to its Territoires page (focusable, named « Calvados
(14) : 3 coordinations, 1 expérience »), filled by its number of coordinations (a legend gives the classes), with
a red circle for the experiences. Streamlit's `st.html` strips SVG (its sanitiser keeps HTML only), so the map is
shown by `st.markdown(..., unsafe_allow_html=True)`, which renders it without running anything (no script, no
event attribute reaches the page): every text from the graph is escaped here (`as_text`), line breaks included,
so that a name is shown as text and never read as markup or Markdown.

The outlines come from the maps' prepared geometry (graph_builder/referential/geometry.py), projected once per
process (`drawing`); only the fills and names change with the graph and the language. Overseas départements are
drawn in insets under metropolitan France, each at its own scale, as French maps do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from urllib.parse import quote

from app.viewer.model import Viewer
from graph_builder.problems import thousands
from graph_builder.referential.geometry import Geometry

METROPOLE = (-5.3, 41.3, 9.7, 51.2)  # west, south, east, north: metropolitan France and Corsica
OVERSEAS = ("971", "972", "973", "974", "976")  # drawn in insets, in this order
SCALE = 60  # map units (about a pixel at the map's usual width) per degree of latitude
TOLERANCE = 0.8  # map units: an outline's points closer than this to the simplified line are left out
INSET = (112, 96, 12)  # an overseas inset's width, height, and the gap between insets (units)
# White for none, then blues (DSFR's blue France) for more coordinations, each class 1.6 to 2.3 times darker than the
# one before (contrast ratio); grey outlines (5.4:1 on white); red (Marianne) for experiences.
NONE_FILL, LINE, RED = "#ffffff", "#6a6a6a", "#c9191e"
BLUES = ("#cacafb", "#8585f6", "#4747e5", "#000091")
FOCUS = "#0a76f6"  # the viewer's focus colour (theme.css)


@dataclass(frozen=True)
class Spot:
    """A territory (a département, or a région) with the coordinations and experiences located there."""

    key: str
    name: str
    lon: float
    lat: float
    coordinations: int
    experiences: int

    @property
    def code(self) -> str:
        return self.key.split("/", 1)[1]


@lru_cache(maxsize=4)
def spots(viewer: Viewer, geometry: Geometry) -> tuple[list[Spot], dict[str, str], int]:
    """Where the coordinations and experiences are, one spot per département (a région-wide one at its région:
    query departements_map); every département's name; and how many coordinations and experiences cannot be
    placed. One aggregate query (kept with the build, maillage/kept.py): the first page need not wait for the
    index of the 36,000 territories, nor for the graph."""
    placed, names, missing = [], {}, 0
    for _, level, code, name, coordinations, experiences in viewer.plain("departements_map"):
        if level == "departement":
            names[code] = name
        if not (coordinations or experiences):
            continue
        point = geometry.point(f"{level}/{code}") if level else None
        if point is None:
            missing += coordinations + experiences
            continue
        placed.append(Spot(f"{level}/{code}", name, point[0], point[1], coordinations, experiences))
    return placed, names, missing


# -- the outlines, projected once ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawing:
    """The départements' outlines as SVG path data in the map's units, where each one's circle goes, the size of the
    map and the insets' frames (code -> x, y, width, height)."""

    paths: dict[str, str]
    centres: dict[str, tuple[int, int]]
    width: int
    height: int
    insets: dict[str, tuple[int, int, int, int]]


def rings(shape: dict) -> list[list]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon (an enclave is its own département's shape)."""
    if shape["type"] == "Polygon":
        return [shape["coordinates"][0]]
    return [polygon[0] for polygon in shape["coordinates"]]


def _path(outlines: list[list], project) -> str:
    """Rings as path data: points within TOLERANCE of the line through their neighbours left out (Douglas-Peucker,
    shapely), whole units, relative moves (a sign separates numbers). France's 96 départements take about 40 KB:
    the less markup, the sooner the browser has read and drawn it."""
    import shapely

    parts = []
    for ring in outlines:
        projected = [project(lon, lat) for lon, lat in ring]
        if len(projected) < 4:
            continue
        simple = shapely.simplify(shapely.LinearRing(projected), TOLERANCE, preserve_topology=True)
        points = []
        for x, y in simple.coords:
            point = (round(x), round(y))
            if not points or point != points[-1]:
                points.append(point)
        if len(points) < 4:  # a ring of a unit or two: an islet invisible at this scale
            continue
        (x, y), moves = points[0], []
        for px, py in points[1:-1]:
            moves.append(f"{px - x}{py - y:+d}".replace("+", " "))
            x, y = px, py
        parts.append(f"M{points[0][0]} {points[0][1]}l" + " ".join(moves) + "z")
    return "".join(parts)


def _projection(bounds: tuple[float, float, float, float], scale: float, left: float = 0, top: float = 0):
    """(lon, lat) -> map units: a degree of longitude drawn cos(latitude) times a degree of latitude, at the middle
    latitude of `bounds` (west, south, east, north), its north-west corner at (left, top)."""
    west, south, _, north = bounds
    stretch = math.cos(math.radians((south + north) / 2))

    def project(lon: float, lat: float) -> tuple[float, float]:
        return left + (lon - west) * stretch * scale, top + (north - lat) * scale

    return project


def _centre(project, point: tuple[float, float]) -> tuple[int, int]:
    x, y = project(*point)
    return round(x), round(y)


def _bounds(outlines: list[list]) -> tuple[float, float, float, float]:
    lons = [lon for ring in outlines for lon, _ in ring]
    lats = [lat for ring in outlines for _, lat in ring]
    return min(lons), min(lats), max(lons), max(lats)


@lru_cache(maxsize=2)
def drawing(geometry: Geometry) -> Drawing:
    """Metropolitan France at SCALE, the overseas départements in a row of insets under it, each fitted to its
    frame; a circle's place is the département's point (geometry.point). Once per process (0.2 s, shapely imported)."""
    outlines = geometry.level("departement")
    west, south, east, north = METROPOLE
    project = _projection(METROPOLE, SCALE)
    width = round((east - west) * math.cos(math.radians((south + north) / 2)) * SCALE)
    top = round((north - south) * SCALE) + INSET[2]
    paths, centres, insets = {}, {}, {}
    for code in sorted(outlines):
        if code in OVERSEAS:
            continue
        paths[code] = _path(rings(outlines[code]), project)
        if (point := geometry.point(f"departement/{code}")) is not None:
            centres[code] = _centre(project, point)
    left = 0
    for code in (c for c in OVERSEAS if c in outlines):
        shapes = rings(outlines[code])
        bounds = _bounds(shapes)
        w, s, e, n = bounds
        stretch = math.cos(math.radians((s + n) / 2))
        frame_w, frame_h, gap = INSET
        fit = min((frame_w - 8) / max((e - w) * stretch, 1e-6), (frame_h - 20) / max(n - s, 1e-6))
        # centred in its frame, above the frame's name
        inner_left = left + (frame_w - (e - w) * stretch * fit) / 2
        inner_top = top + 4 + (frame_h - 20 - (n - s) * fit) / 2
        inset_project = _projection(bounds, fit, inner_left, inner_top)
        paths[code] = _path(shapes, inset_project)
        if (point := geometry.point(f"departement/{code}")) is not None:
            centres[code] = _centre(inset_project, point)
        insets[code] = (left, top, frame_w, frame_h)
        left += frame_w + gap
    height = top + (INSET[1] if insets else 0)
    return Drawing(paths, centres, max(width, left), height, insets)


# -- the map, per graph and language -------------------------------------------------------------------------

def classes(counts: list[int]) -> list[tuple[int, int]]:
    """Up to four classes (lowest, highest) of the non-zero counts, by quartile, each a whole range and none empty;
    [] when every count is zero."""
    found = sorted(c for c in counts if c > 0)
    if not found:
        return []
    cuts = sorted({found[min(len(found) - 1, math.ceil(q * len(found)) - 1)] for q in (0.25, 0.5, 0.75, 1.0)})
    bounds, low = [], found[0]
    for high in cuts:
        if high >= low:
            bounds.append((low, high))
            low = high + 1
    return bounds


def _fill(count: int, bounds: list[tuple[int, int]]) -> str:
    if count <= 0:
        return NONE_FILL
    shift = len(BLUES) - len(bounds)  # fewer classes use the darker blues: the most still stands out
    return next(BLUES[shift + i] for i, (_, high) in enumerate(bounds) if count <= high)


def _counted(count: int, singular: str, plural: str, lang: str) -> str:
    """« 0 coordination », « 1 coordination », « 3 coordinations »; in English 0 takes the plural."""
    one = count <= 1 if lang == "fr" else count == 1
    return f"{thousands(count, lang)} {singular if one else plural}"


def spot_name(name: str, code: str, coordinations: int, experiences: int, lang: str) -> str:
    """A département's or région's accessible name: « Calvados (14) : 3 coordinations, 1 expérience »."""
    counts = (_counted(coordinations, "coordination", "coordinations", lang) + ", "
              + _counted(experiences, *(("expérience", "expériences") if lang == "fr" else ("experience", "experiences")),
                         lang))
    return f"{name} ({code}) : {counts}" if lang == "fr" else f"{name} ({code}): {counts}"


def as_text(value: object) -> str:
    """`value` as text inside the map's HTML: markup escaped, and line breaks as character references, so that
    Markdown (which shows the map, see accueil_map) never sees a blank line that would end its HTML block."""
    return escape(str(value)).replace("\r", "&#13;").replace("\n", "&#10;")


def territory_href(level: str, code: str, lang: str) -> str:
    """The Territoires page of `level/code`, relative to the viewer's address (its base path kept), in `lang`."""
    return f"territoires?id={quote(f'territoire/{level}/{code}', safe='/')}" + ("&lang=en" if lang == "en" else "")


def _link(level: str, code: str, name: str, inner: str, lang: str) -> str:
    # `data-maillage-page`: followed inside the open session by LINKS_SCRIPT (a plain link when scripts are off).
    return (f'<a href="{as_text(territory_href(level, code, lang))}" data-maillage-page="territoires" '
            f'aria-label="{as_text(name)}"><title>{as_text(name)}</title>{inner}</a>')


STYLE = (f".mlg-map a path{{stroke:{LINE};stroke-width:.6}}"
         f".mlg-map a:hover path,.mlg-map a:focus-visible path{{stroke:{FOCUS};stroke-width:2.5}}"
         f".mlg-map a:focus-visible{{outline:2px solid {FOCUS};outline-offset:2px}}"
         ".mlg-map .mlg-dots{pointer-events:none}"
         ".mlg-map .mlg-frame{fill:none;stroke:#929292;stroke-width:.6}"
         ".mlg-map text{font:11px sans-serif;fill:#3a3a3a}")


def france_svg(found: list[Spot], names: dict[str, str], shape: Drawing, lang: str = "fr") -> str:
    """The map as HTML: an SVG whose départements are links (name and counts as their accessible name and
    tooltip), its legend, and the région-wide coordinations and experiences as links under it."""
    fr = lang == "fr"
    by_code = {s.code: s for s in found if s.key.startswith("departement/")}
    bounds = classes([s.coordinations for s in by_code.values()])
    links, dots = [], []
    biggest = max((s.experiences for s in by_code.values()), default=0) or 1
    for code, data in shape.paths.items():
        spot = by_code.get(code)
        coordinations, experiences = (spot.coordinations, spot.experiences) if spot else (0, 0)
        name = spot_name(names.get(code, code), code, coordinations, experiences, lang)
        links.append(_link("departement", code, name, f'<path d="{data}" fill="{_fill(coordinations, bounds)}"/>',
                           lang))
        if experiences and code in shape.centres:
            x, y = shape.centres[code]
            radius = 2 + 8 * math.sqrt(experiences / biggest)  # area ∝ number
            dots.append(f'<circle cx="{x}" cy="{y}" r="{radius:.1f}"/>')
    frames = [f'<rect class="mlg-frame" x="{x}" y="{y}" width="{w}" height="{h}"/>'
              f'<text x="{x + w / 2:g}" y="{y + h - 5}" text-anchor="middle">{as_text(names.get(code, code))}</text>'
              for code, (x, y, w, h) in shape.insets.items()]
    title = ("Carte de France des coordinations et des expériences connues, par département" if fr
             else "Map of France of the known coordinations and experiences, by département")
    svg = (f'<svg class="mlg-map" viewBox="0 0 {shape.width} {shape.height}" role="group" aria-label="{as_text(title)}" '
           f'xmlns="http://www.w3.org/2000/svg" style="width:100%;max-width:{shape.width + 80}px;height:auto">'
           f'<style>{STYLE}</style><g aria-hidden="true">{"".join(frames)}</g><g>{"".join(links)}</g>'
           f'<g class="mlg-dots" aria-hidden="true" fill="{RED}" fill-opacity=".85" stroke="#ffffff" stroke-width=".8">'
           f'{"".join(dots)}</g></svg>')
    return f'<figure style="margin:0">{svg}{legend(bounds, lang)}{_wide(found, lang)}</figure>'


def _swatch(fill: str) -> str:
    return (f'<svg width="14" height="14" aria-hidden="true" style="vertical-align:-2px">'
            f'<rect x=".5" y=".5" width="13" height="13" fill="{fill}" stroke="{LINE}"/></svg>')


def legend(bounds: list[tuple[int, int]], lang: str = "fr") -> str:
    """The classes' colours and ranges, and what a red circle says, as text beside each swatch."""
    fr = lang == "fr"
    items = [(NONE_FILL, "aucune" if fr else "none")]
    items += [(_fill(high, bounds), f"{low}" if low == high else f"{low} à {high}" if fr else f"{low} to {high}")
              for low, high in bounds]
    swatches = " ".join(f'<span style="white-space:nowrap">{_swatch(fill)} {as_text(label)}</span>' for fill, label in items)
    dot = (f'<svg width="14" height="14" aria-hidden="true" style="vertical-align:-2px"><circle cx="7" cy="7" r="6" '
           f'fill="{RED}"/></svg>')
    title = "Coordinations par département :" if fr else "Coordinations per département:"
    circles = ("expériences : un cercle d'autant plus grand qu'il y en a. Une coordination d'EPCI compte dans le "
               "département de ses communes ; cliquez un département pour ouvrir sa page." if fr else
               "experiences: a circle the larger the more there are. An EPCI's coordination counts in its communes' "
               "département; click a département to open its page.")
    return f'<figcaption style="font-size:.9rem">{title} {swatches}<br>{dot} {circles}</figcaption>'


def _wide(found: list[Spot], lang: str) -> str:
    """The région-wide coordinations and experiences (no département holds them), as links to their région."""
    wide = [s for s in found if s.key.startswith("region/")]
    if not wide:
        return ""
    links = [_plain_link("region", s.code, spot_name(s.name, s.code, s.coordinations, s.experiences, lang), lang)
             for s in wide]
    items = (" ; " if lang == "fr" else "; ").join(links)
    title = "À l’échelle d’une région :" if lang == "fr" else "Region-wide:"
    return f'<p style="font-size:.9rem">{title} {items}</p>'


def _plain_link(level: str, code: str, label: str, lang: str) -> str:
    return f'<a href="{as_text(territory_href(level, code, lang))}" data-maillage-page="territoires">{as_text(label)}</a>'


_MAPS: dict[tuple, tuple[str, int]] = {}


def accueil_map(viewer: Viewer, geometry: Geometry, lang: str = "fr") -> tuple[str, int]:
    """Accueil's map as HTML (france_svg) and the number of coordinations and experiences it cannot place; made once
    per build and language (the answers kept with a build and its opened graph give the same map: tests/test_kept.py),
    so that the warm-up can make it before the first visitor comes (warmup.first_page_ahead)."""
    key = (viewer.folder if viewer.folder is not None else viewer, geometry, lang)
    if key not in _MAPS:
        if len(_MAPS) > 8:  # builds published while the viewer runs (accepted contributions): the old ones' maps
            _MAPS.clear()
        found, names, missing = spots(viewer, geometry)
        _MAPS[key] = france_svg(found, names, drawing(geometry), lang), missing
    return _MAPS[key]


# Followed in the open session, as Streamlit's own page links are: the address changed, then Streamlit told (it
# reruns the page the address names, with its query, as for the browser's back button). Without this script, or
# with a modifier key (a new tab), the link is an ordinary one: a new session on the same page.
LINKS_SCRIPT = """<script>
(() => {
  if (window.maillageLinks) return;
  window.maillageLinks = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-maillage-page]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
        || event.altKey) return;
    const target = new URL(link.getAttribute("href"), document.baseURI);
    if (target.origin !== location.origin) return;
    event.preventDefault();
    history.pushState(null, "", target.href);
    window.dispatchEvent(new PopStateEvent("popstate"));
  });
})();
</script>"""
