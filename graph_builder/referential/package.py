"""The official territorial referential: Etalab's `@etalab/decoupage-administratif`.

The npm package (communes, EPCI, EPT, départements, régions as JSON, from
INSEE's Code officiel géographique) is pinned to one version and checked
against the registry's published sha512 integrity. It is fetched once with
the ordinary client (`npm pack`) into a cache; later runs work offline from
the cache and re-check its integrity every time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef

from graph_builder.files import fetched_once, stderr_tail
from graph_builder.problems import BilingualError

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
# dist.integrity of the pinned version, as published by the npm registry.
INTEGRITY = "sha512-XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="
# Vintage of the Code officiel géographique in this version (the package's README table).
VINTAGE = 2026
# The data's licence, per the package's README (package.json's "license" is the code's).
DATA_LICENCE = "Licence Ouverte / Open Licence (Etalab)"
DATA_LICENCE_IRI = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
TARBALL = f"etalab-decoupage-administratif-{VERSION}.tgz"
FILES = ("communes", "epci", "ept", "departements", "regions", "arrondissements")
# Offline, npm's defaults retry for minutes in silence (two retries, 10 to 60 s apart, 5 min per request):
# one try, and a request unanswered within 60 s (the 1.6 MB tarball included) is a failure the user is told about.
NPM_FAIL_FAST = ("--fetch-retries=0", "--fetch-timeout=60000")


class ReferentialError(BilingualError):
    """The referential cannot be fetched or fails its integrity check."""


def default_cache() -> Path:
    """`MAILLAGE_CACHE`, else the user's cache directory."""
    configured = os.environ.get("MAILLAGE_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "maillage"


def integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def verify(path: Path) -> None:
    found = integrity_of(path)
    if found != INTEGRITY:
        raise ReferentialError(
            f"{path} : empreinte inattendue ({found[:20]}…), le fichier est corrompu ou n'est pas la version "
            f"{VERSION} de {PACKAGE}. Supprimez-le et relancez « maillage referential fetch ».",
            f"{path}: unexpected integrity ({found[:20]}…): the file is corrupt or not version {VERSION} of "
            f"{PACKAGE}. Delete it and run 'maillage referential fetch' again.",
        )


def fetch(cache: Path | None = None) -> Path:
    """The pinned package's tarball, from the cache or else from the registry (once)."""
    cache = cache or default_cache()
    target = cache / TARBALL
    if target.exists():
        verify(target)
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise ReferentialError(
            f"référentiel absent du cache ({target}) et npm introuvable pour le télécharger.",
            f"referential not in the cache ({target}) and npm not found to download it.",
        )
    return fetched_once(target, lambda staging: [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", staging,
                                                 "--loglevel=error", "--json", *NPM_FAIL_FAST],
                        verify, ReferentialError, f"{PACKAGE}@{VERSION}", timeout_s=300, reason=_npm_reason)


def _npm_reason(done: subprocess.CompletedProcess) -> str:
    """npm's own one-line summary of its failure (its --json error), else its last words."""
    try:
        return json.loads(done.stdout)["error"]["summary"]
    except (ValueError, KeyError, TypeError):
        return stderr_tail(done)


@dataclass(frozen=True)
class Referential:
    """The package's JSON files, as lists of records, with the package's metadata."""

    version: str
    package_licence: str
    vintage: int
    tables: dict[str, list[dict]]

    def __getitem__(self, name: str) -> list[dict]:
        return self.tables[name]


def load(tarball: Path) -> Referential:
    """Read the JSON tables straight from the verified tarball."""
    verify(tarball)
    tables = {}
    with tarfile.open(tarball, "r:gz") as archive:
        package = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
        for name in FILES:
            member = archive.extractfile(f"package/data/{name}.json")
            tables[name] = json.load(member)  # type: ignore[arg-type]
    return Referential(version=package["version"], package_licence=package.get("license", ""), vintage=VINTAGE,
                       tables=tables)


def _key(name: str) -> str:
    """Name comparison key: no accents, no case, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    for mark in "-'’":
        text = text.replace(mark, " ")
    return " ".join(text.split())


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    departement_code: str
    departement_name: str

    def describe(self) -> str:
        return f"{self.name} ({self.code}, {self.departement_name} {self.departement_code})"


def resolve_commune(referential: Referential, name: str) -> list[Candidate]:
    """Current communes bearing `name`, homonyms included: the caller decides, never this function."""
    departements = {d["code"]: d["nom"] for d in referential["departements"]}
    wanted = _key(name)
    found = [
        Candidate(c["code"], c["nom"], c.get("departement", ""), departements.get(c.get("departement", ""), ""))
        for c in referential["communes"]
        if c.get("type") == "commune-actuelle" and _key(c["nom"]) == wanted
    ]
    return sorted(found, key=lambda c: c.code)


def resolve_former_commune(referential: Referential, name: str) -> list[tuple[Candidate, Candidate]]:
    """(former commune, current commune) for each commune déléguée or associée named `name`: a former commune the
    referential still names, with the commune it is now part of (the referential gives no date of the change)."""
    departements = {d["code"]: d["nom"] for d in referential["departements"]}
    current = {c["code"]: c for c in referential["communes"] if c.get("type") == "commune-actuelle"}
    wanted = _key(name)
    found = []
    for part in referential["communes"]:
        if part.get("type") in ("commune-deleguee", "commune-associee") and _key(part["nom"]) == wanted \
                and part.get("chefLieu") in current:
            now = current[part["chefLieu"]]
            dep = now.get("departement", "")
            found.append((Candidate(part["code"], part["nom"], dep, departements.get(dep, "")),
                          Candidate(now["code"], now["nom"], dep, departements.get(dep, ""))))
    return sorted(found, key=lambda pair: (pair[1].code, pair[0].code))
