"""Distances between territories (maillage/proximity.py): the great circle, the bands, the words, and where a
territory without a point of its own is placed (from what is inside it, else above it), a malformed nesting
included."""

from __future__ import annotations

import pytest

from maillage.proximity import Locator, band, km, said

PARIS, MARSEILLE = (2.3522, 48.8566), (5.3698, 43.2965)


def test_great_circle():
    assert km(PARIS, MARSEILLE) == pytest.approx(661, abs=2)  # the usual figure, Paris to Marseille
    assert km(PARIS, PARIS) == 0
    assert km((0.0, 0.0), (180.0, 0.0)) == pytest.approx(20015, abs=1)  # half the equator: no domain error
    assert km((-61.5, 16.25), (55.45, -20.9)) > 10000  # Guadeloupe to La Réunion


def test_bands_and_words():
    assert [band(d) for d in (0.0, 0.4, 30.0, 30.01, 100.0, 480.0, None)] == [0, 1, 1, 2, 2, 3, 4]
    assert [said(d) for d in (0.0, 0.4, 27.6, 7020.4, None)] == [
        "sur place", "à moins de 1 km", "à 28 km", "à 7\u202f020 km", "distance inconnue"]
    assert [said(d, "en") for d in (0.0, 0.4, 7020.4, None)] == [
        "on the spot", "less than 1 km away", "7,020 km away", "distance unknown"]


def locator(points: dict[str, tuple[float, float]], within: dict[str, list[str]]) -> Locator:
    inside: dict[str, list[str]] = {}
    for child, parents in within.items():
        for parent in parents:
            inside.setdefault(parent, []).append(child)
    return Locator(points.get, lambda node: node, lambda node: inside.get(node, []), lambda node: within.get(node, []))


def test_a_territory_without_a_point_is_placed_from_around_it():
    where = locator({"c1": (0.0, 0.0), "c2": (2.0, 0.0), "dep": (10.0, 10.0)},
                    {"c1": ["ept", "dep"], "c2": ["ept", "dep"], "qpv": ["c1"], "ept": ["dep"], "lost": []})
    assert where.where("ept") == (1.0, 0.0)  # the mean of its communes
    assert where.where("qpv") == (0.0, 0.0)  # its commune's
    assert where.where("lost") is None and where.distance("lost", "c1") is None
    assert where.distance("c1", "c2") == pytest.approx(km((0.0, 0.0), (2.0, 0.0)))


def test_a_nesting_with_a_cycle_ends():
    where = locator({}, {"a": ["b"], "b": ["a"]})
    assert where.where("a") is None and where.where("b") is None
