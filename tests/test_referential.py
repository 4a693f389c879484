"""The official referential: pinned, integrity-checked, offline from the cache; seed places agree with it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef
from ruamel.yaml import YAML

from graph_builder.constants import PROJECT_ROOT
from graph_builder.referential.package import TARBALL, Referential, ReferentialError, fetch, load, resolve_commune
from graph_builder.referential.territories import Places
from maillage.cli.main import main

SH = Namespace("http://www.w3.org/ns/shacl#")
MLGSH = Namespace("https://w3id.org/maillage/def/shapes#")


@pytest.fixture(scope="module")
def referential() -> Referential:
    return load(fetch())


def shape_pattern(shape: str) -> re.Pattern[str]:
    """The sh:pattern on igeo:codeINSEE of a shape in shapes/core.ttl: the same rule, not a copy."""
    shapes = Graph().parse(PROJECT_ROOT / "shapes" / "core.ttl")
    for prop in shapes.objects(MLGSH[shape], SH.property):
        pattern = shapes.value(prop, SH.pattern)
        if pattern is not None and shapes.value(prop, SH.path) == URIRef("http://rdf.insee.fr/def/geo#codeINSEE"):
            return re.compile(str(pattern))
    raise AssertionError(shape)


def test_code_patterns_hold_for_the_whole_referential(referential: Referential):
    communes = [c["code"] for c in referential["communes"] if c["type"] == "commune-actuelle"]
    assert len(communes) > 34000
    commune = shape_pattern("CommuneShape")
    assert [c for c in communes if not commune.match(c)] == []
    assert sum(1 for c in communes if c[:2] in ("2A", "2B")) == 360
    departement = shape_pattern("DepartementShape")
    assert [d["code"] for d in referential["departements"] if not departement.match(d["code"])] == []
    region = shape_pattern("RegionShape")
    assert [r["code"] for r in referential["regions"] if not region.match(r["code"])] == []
    epci = shape_pattern("IntercommunaliteShape")
    assert [e["code"] for e in referential["epci"] if not epci.match(e["code"])] == []


def test_referential_nesting_is_complete(referential: Referential):
    departements = {d["code"]: d for d in referential["departements"]}
    regions = {r["code"] for r in referential["regions"]}
    communes = {c["code"] for c in referential["communes"] if c["type"] == "commune-actuelle"}
    for commune in referential["communes"]:
        if commune["type"] == "commune-actuelle":
            assert commune["departement"] in departements, commune
            assert commune["region"] in regions, commune
    for epci in referential["epci"]:
        assert {m["code"] for m in epci["membres"]} <= communes, epci["code"]


def test_postal_and_former_codes_are_on_current_communes_only(referential: Referential):
    places = Places(referential, "https://example.org/")
    assert places.by_ident["commune/38185"].postal_codes == ("38000", "38100")  # Grenoble
    assert "74011" in places.by_ident["commune/74010"].former_codes  # Annecy-le-Vieux, merged into Annecy
    assert places.by_ident["commune-deleguee/74011"].postal_codes == places.by_ident["commune-deleguee/74011"].former_codes == ()
    # The package's current communes with postal codes (its 45 arrondissements' codes are their communes' too) and
    # with former codes.
    assert sum(bool(p.postal_codes) for p in places.by_ident.values()) == 34964
    assert sum(bool(p.former_codes) for p in places.by_ident.values()) == 2667


def test_seed_places_are_official_territories(referential: Referential):
    """Every place data/territories.yaml says a seed names is a territory of the referential, by code."""
    places = Places(referential, "https://w3id.org/maillage/id/")
    records = YAML(typ="safe").load((PROJECT_ROOT / "data" / "territories.yaml").read_text(encoding="utf-8"))
    assert len(records["territory"]) >= 15
    for record in records["territory"]:
        assert f"{record['level']}/{record['code']}" in places, record["code"]
        assert "name" not in record and "parents" not in record, "the referential gives them"


def test_homonyms_are_listed_not_guessed(referential: Referential):
    nazaire = resolve_commune(referential, "Saint-Nazaire")
    assert [(c.code, c.departement_code) for c in nazaire] == [("30288", "30"), ("44184", "44"), ("66186", "66")]
    assert [c.code for c in resolve_commune(referential, "echirolles")] == ["38151"]
    assert resolve_commune(referential, "Nulle-Part-sur-Rien") == []


def test_cli_resolve(tmp_path: Path):
    runner = CliRunner()
    several = runner.invoke(main, ["referential", "resolve", "Saint-Nazaire"])
    assert several.exit_code == 1
    assert "Loire-Atlantique 44" in several.output and "3 communes" in several.output
    one = runner.invoke(main, ["referential", "resolve", "Aubervilliers"])
    assert one.exit_code == 0 and "93001" in one.output


def test_rebuild_from_cache_works_offline(monkeypatch, tmp_path: Path):
    cache = tmp_path / "cache"
    cache.mkdir()
    shutil.copy(fetch(), cache / TARBALL)

    def refuse(*_args, **_kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("PATH", "")  # not even npm
    assert len(load(fetch(cache))["regions"]) == 26


def test_corrupt_cache_is_refused(tmp_path: Path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / TARBALL).write_bytes(b"not the package")
    with pytest.raises(ReferentialError) as failure:
        fetch(cache)
    assert TARBALL in failure.value.message_fr and "empreinte inattendue" in failure.value.message_fr


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm (scripts/setup.sh test) fetches the referential")
def test_offline_fetch_with_an_empty_cache_fails_fast_and_says_what_to_do(tmp_path: Path):
    """The real `maillage referential fetch` and the real npm, with a registry nobody answers at: one try, exit 3,
    the reason and what to do in both languages, no traceback (npm's defaults retried for over a minute)."""
    env = dict(os.environ, MAILLAGE_CACHE=str(tmp_path / "cache"), npm_config_registry="http://127.0.0.1:9/",
               npm_config_cache=str(tmp_path / "npm"))
    started = time.monotonic()
    done = subprocess.run([str(Path(sys.executable).with_name("maillage")), "referential", "fetch"], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert "téléchargement de @etalab/decoupage-administratif@6.0.0 impossible" in done.stderr
    assert "ECONNREFUSED" in done.stderr and "Vérifiez l'accès au réseau" in done.stderr
    assert f"offline, copy the file {TARBALL}" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "cache" / TARBALL).exists()
    assert elapsed < 60, f"{elapsed:.0f} s"
