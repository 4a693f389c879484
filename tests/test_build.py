"""The seed graph: conforms, one named graph per source, provenance, determinism, personal data."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, PROV, VOID

from graph_builder import Settings, build, build_graph, pipeline
from graph_builder.constants import DEFAULT_BASE, ONTOLOGY_DIR, VOCABULARY_BASE
from graph_builder.incremental.state import state_dir
from graph_builder.problems import BuildError, blocking
from graph_builder.publication import outputs, oxigraph_store
from graph_builder.referential.package import default_cache
from graph_builder.vocabulary import load_vocabulary
from maillage.cli.main import main
from tests.conftest import copy_data, rapper

ID = "https://w3id.org/maillage/id/"
MLG = "https://w3id.org/maillage/def/core#"
SEEDS = ["000", "001", "002", "003", "004"]


def test_seed_graph_conforms(seed_build):
    assert not blocking(seed_build.problems), "\n".join(p.format() for p in blocking(seed_build.problems))
    assert seed_build.validation is not None and seed_build.validation.no_violation


def test_validation_report_says_conforms_as_shacl_defines_it(seed_build, seed_out):
    """sh:conforms is false as soon as the report holds one result, whatever its severity (SHACL 3.1.1); the seed's
    warnings make it false, while the build, which only violations block, is published and its manifest says so."""
    from graph_builder.validation.shacl import SH

    validation = seed_build.validation
    results = list(validation.report.objects(None, SH.result))
    assert results and {validation.report.value(r, SH.resultSeverity) for r in results} <= {SH.Warning, SH.Info}
    assert validation.conforms is False and validation.no_violation
    written = Graph().parse(seed_out / "validation.ttl")
    [report] = written.subjects(RDF.type, SH.ValidationReport)
    assert written.value(report, SH.conforms) == Literal(False) and len(list(written.objects(report, SH.result))) == len(results)
    assert json.loads((seed_out / "manifest.json").read_text(encoding="utf-8"))["conforms"] is True


def test_one_named_graph_per_seed_source(seed_build):
    names = {str(g.identifier) for g in seed_build.dataset.graphs() if len(g)}
    for seed in SEEDS:
        assert f"{ID}graph/{seed}" in names


def test_named_graphs_are_described_with_their_source(seed_build):
    metadata = seed_build.dataset.graph(URIRef(f"{ID}graph/metadata"))
    for seed in SEEDS:
        graph = URIRef(f"{ID}graph/{seed}")
        assert (graph, RDF.type, DCAT.Dataset) in metadata
        assert metadata.value(graph, PROV.wasDerivedFrom) == URIRef(f"{ID}source/{seed}")
        assert metadata.value(graph, PROV.generatedAtTime) is not None
        triples = metadata.value(graph, VOID.triples)
        assert int(triples) == len(seed_build.dataset.graph(graph)) > 0
    # The source documents themselves name their seed file.
    sources = seed_build.dataset.graph(URIRef(f"{ID}graph/sources"))
    assert str(sources.value(URIRef(f"{ID}source/002"), DCTERMS.identifier)) == "002_34e7f213e59bcc7b.txt"


def test_every_fact_graph_entity_cites_a_seed(seed_build):
    for seed in SEEDS:
        graph = seed_build.dataset.graph(URIRef(f"{ID}graph/{seed}"))
        subjects = {s for s in graph.subjects() if isinstance(s, URIRef)}
        cited = set(graph.subjects(DCTERMS.source, URIRef(f"{ID}source/{seed}")))
        # Every subject of a source's graph is an entity citing it, or a concept the record describes.
        assert subjects - cited == set(), sorted(subjects - cited)[:5]


def test_personal_data_only_in_personal_graphs(seed_build, seed_out: Path):
    personal = {URIRef(f"{ID}graph/002/personal")}
    assert personal <= seed_build.personal_graphs
    metadata = seed_build.dataset.graph(URIRef(f"{ID}graph/metadata"))
    assert metadata.value(URIRef(f"{ID}graph/002/personal"), URIRef(MLG + "containsPersonalData")) == Literal(True)
    assert metadata.value(URIRef(f"{ID}graph/002"), URIRef(MLG + "containsPersonalData")) == Literal(False)
    public = seed_build.data_graph(include_personal=False)
    text = public.serialize(format="nt")
    for private in ("Borrás", "pourrierea@", "04 42 91 90 62", "Motard", "Loïc Marcé"):
        assert private not in text, private
    full = seed_build.data_graph().serialize(format="nt")
    assert "Borrás" in full and "pourrierea@mairie-aixenprovence.fr" in full
    assert "Borrás" not in (seed_out / "maillage-public.ttl").read_text(encoding="utf-8")  # write_outputs(seed_build)


def _without_build_caches(tmp_path: Path) -> Path:
    """A cache folder with the referential and what is derived from it once (its N-Triples, its validation), but
    none of what builds keep to go faster (the referential's store, the large graphs' documents, the data files'
    parses, the data's validations)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for item in default_cache().iterdir():
        if item.name == "graphs":
            (cache / "graphs").mkdir()
            for dump in item.glob("*.nt"):
                (cache / "graphs" / dump.name).symlink_to(dump)
        elif item.name not in ("fragments", "parsed", "validated"):
            (cache / item.name).symlink_to(item)
    return cache


def test_build_is_deterministic_with_or_without_the_build_caches(tmp_path: Path, monkeypatch):
    """Two full builds, the first with none of the build's caches, the second with the caches the first filled:
    the same bytes, and the kept store (a copy of the cached referential's store) as complete each time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    settings = Settings(cache_dir=_without_build_caches(tmp_path))
    loaded = []  # builds that loaded the referential's places into the in-memory store
    whole = oxigraph_store.DatasetStore.whole
    monkeypatch.setattr(oxigraph_store.DatasetStore, "whole", lambda self: loaded.append(1) or whole(self))
    validated = []  # builds that validated the data (the second reads the first's outcome)
    validate = pipeline.validate_graph
    monkeypatch.setattr(pipeline, "validate_graph", lambda *args: validated.append(1) or validate(*args))
    first = build(settings, tmp_path / "a", full=True).manifest
    assert list((settings.cache / "fragments").glob("places-*.nq")), "the referential graph's fragments kept"
    assert list((settings.cache / "graphs").glob("*-oxigraph-*")), "the referential's store kept"
    assert loaded == [1]
    assert list((settings.cache / "parsed").iterdir()), "the data files' parses kept for a build elsewhere"
    second = build(settings, tmp_path / "b", full=True).manifest
    assert loaded == [1], "the second build took the referential graph's fragments from the cache, places unloaded"
    assert validated == [1], "the second build read the first one's validation"
    assert (tmp_path / "a" / "validation.json").read_bytes() == (tmp_path / "b" / "validation.json").read_bytes()
    assert isomorphic(Graph().parse(tmp_path / "a" / "validation.ttl"), Graph().parse(tmp_path / "b" / "validation.ttl"))
    for name in ("maillage.nq", "maillage.trig", "maillage-public.ttl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
        assert first["files"][name] == second["files"][name], name
    for out in ("a", "b"):
        assert len(ox.Store.read_only(str(state_dir(tmp_path / out) / "store"))) == first["quads"]
    assert first["built_at"] == "2023-11-14T22:13:20+00:00"


def test_a_kept_validation_is_never_read_for_other_data(tmp_path: Path):
    """The validation kept by a build of the data is not what a build of edited data reports: an experience without a
    theme is a violation, fixed again it conforms; a damaged kept outcome is validated again."""
    data = copy_data(tmp_path / "data")
    settings = Settings(data_dir=data, cache_dir=_without_build_caches(tmp_path))
    assert not blocking(build_graph(settings).problems)
    text = (data / "experiences.yaml").read_text(encoding="utf-8")
    (data / "experiences.yaml").write_text(text.replace("    themes: [sante-mentale, petite-enfance]\n", "", 1),
                                           encoding="utf-8")
    edited = build_graph(settings).problems
    assert any(p.severity == "violation" and p.file == "data/experiences.yaml" for p in edited)
    (data / "experiences.yaml").write_text(text, encoding="utf-8")
    for kept in (settings.cache / "validated").iterdir():
        kept.write_bytes(kept.read_bytes()[:-10])  # damaged
    assert not blocking(build_graph(settings).problems)


def test_the_referential_fragments_are_kept_by_what_they_are_made_of(seed_build):
    """The key the referential graph's fragments are kept under changes with the dataset's own quads in that graph
    (the records its sources cite from the referential), the prefixes and whether the graph is public."""
    dataset = oxigraph_store.DatasetStore(seed_build)
    key = outputs._places_key(dataset, True, {"ex": "urn:"})
    assert key == outputs._places_key(dataset, True, {"ex": "urn:"})
    assert key != outputs._places_key(dataset, False, {"ex": "urn:"})
    assert key != outputs._places_key(dataset, True, {"ex": "urn:x"})
    dataset.store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o"),
                              ox.NamedNode(dataset.referential)))
    assert key != outputs._places_key(dataset, True, {"ex": "urn:"})


def test_dumps_parse_and_agree(seed_out: Path):
    """The dumps write_outputs(seed_build) wrote (the session's seed_out) parse with an independent parser (rapper),
    hold the same quads, as many as the manifest says; the public Turtle is their public graphs' union."""
    manifest = json.loads((seed_out / "manifest.json").read_text(encoding="utf-8"))
    nquads = set(ox.parse(rapper(seed_out / "maillage.nq", "nquads", "nquads"), format=ox.RdfFormat.N_QUADS))
    trig = set(ox.parse(rapper(seed_out / "maillage.trig", "trig", "nquads"), format=ox.RdfFormat.N_QUADS))
    assert trig == nquads and len(nquads) == manifest["quads"]
    public = {q.triple for q in ox.parse(rapper(seed_out / "maillage-public.ttl", "turtle", "ntriples"),
                                         format=ox.RdfFormat.N_TRIPLES)}
    left_out = ("/personal", "graph/ontology", "graph/metadata")
    assert public == {q.triple for q in nquads if not q.graph_name.value.endswith(left_out)}
    assert manifest["conforms"] is True


OTHER_BASE = "https://example.org/x/"


@pytest.fixture(scope="module")
def other_base_out(tmp_path_factory) -> Path:
    """The seed graph built with `--base OTHER_BASE`."""
    out = tmp_path_factory.mktemp("other-base") / "out"
    built = CliRunner().invoke(main, ["build", "--base", OTHER_BASE, "--out", str(out)])
    assert built.exit_code == 0, built.output
    return out


def test_another_base_moves_every_entity_but_the_concepts(other_base_out: Path):
    """`--base` mints every entity, graph and description under it; only the vocabularies' IRIs (VOCABULARY_BASE,
    which happens to be the default base) stay: their concepts, records nested in a concept (a coordination type's
    characteristics) and the source documents the vocabularies cite."""
    base, out = OTHER_BASE, other_base_out
    iris = {term.value for quad in ox.parse(path=out / "maillage.nq", format=ox.RdfFormat.N_QUADS)
            for term in (quad.subject, quad.predicate, quad.object, quad.graph_name) if isinstance(term, ox.NamedNode)}
    concepts = {str(term) for term in load_vocabulary(ONTOLOGY_DIR).schemes.subjects()}
    assert f"{base}coordination/asv-aix-en-provence" in iris and f"{base}graph/metadata" in iris
    def of_the_vocabularies(iri: str) -> bool:
        return (iri in concepts or iri.startswith(f"{VOCABULARY_BASE}source/")
                or any(iri.startswith(f"{concept}/") for concept in concepts))

    assert sorted(iri for iri in iris if iri.startswith(DEFAULT_BASE) and not of_the_vocabularies(iri)) == []
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["base"] == base


def test_the_viewer_follows_the_build_base(other_base_out: Path, monkeypatch):
    """The viewer reads the base from the build's manifest: its links, territories and pages use it."""
    from app.viewer import model, quality

    monkeypatch.setattr(model, "_entity_base", model.DEFAULT_BASE)  # restored after the test
    viewer = model.Viewer.open(other_base_out)
    assert model.entity_base() == OTHER_BASE
    assert model.short(f"{OTHER_BASE}coordination/asv-aix-en-provence") == "coordination/asv-aix-en-provence"
    assert model.short(f"{model.DEFAULT_BASE}coordination/asv-aix-en-provence").startswith("https://")
    isere = viewer.territory("departement/38")
    assert isere is not None and isere.iri == f"{OTHER_BASE}territoire/departement/38"
    assert quality.page_of(f"{OTHER_BASE}coordination/asv-aix-en-provence") == "coordinations"
    assert model.built_base(other_base_out.parent / "missing") == model.DEFAULT_BASE


def test_one_build_entry_point(tmp_path: Path):
    """`graph_builder.build` is the entry point the CLI and the benchmark use; unreadable inputs raise BuildError
    (no state kept there: it goes to a full build, which stops at the missing data directory)."""
    import graph_builder
    from graph_builder.builder import build

    assert graph_builder.build is build
    with pytest.raises(BuildError):
        build(Settings(data_dir=tmp_path / "missing"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_build_stats_and_validate(tmp_path: Path):
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--out", str(tmp_path / "out")])
    assert built.exit_code == 0, built.output
    assert "Aucune violation des formes SHACL" in built.output
    stats = runner.invoke(main, ["stats", "--out", str(tmp_path / "out"), "--format", "json"])
    assert stats.exit_code == 0
    assert '"mlg:FieldExperience"' in stats.output
    valid = runner.invoke(main, ["validate", "--lang", "en"])
    assert valid.exit_code == 0 and "No violation of the SHACL shapes" in valid.output
    report = runner.invoke(main, ["validate", "--format", "json"])
    assert report.exit_code == 0 and report.output.lstrip().startswith("[")
    missing = runner.invoke(main, ["stats", "--out", str(tmp_path / "nowhere")])
    assert missing.exit_code == 3


def test_warnings_are_reported_but_do_not_block(seed_build):
    """The seeds give no scale for CLSM: a warning, not a violation."""
    warnings = [p for p in seed_build.problems if p.severity == "warning"]
    assert any(p.record == "coordination_type CLSM" and p.field == "scale" for p in warnings)
    assert seed_build.ok


def test_build_never_touches_the_network(monkeypatch, tmp_path: Path):
    """Parsing, conversion and validation run offline, even with an owl:imports to follow."""
    import shutil
    import socket

    def refuse(*_args, **_kwargs):
        raise AssertionError("network access during the build")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    ontology = tmp_path / "ontology"
    shutil.copytree(Settings().ontology_dir, ontology)
    (ontology / "imports.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://w3id.org/maillage/def/core> owl:imports <http://www.w3.org/ns/org> .\n", encoding="utf-8")
    result = build_graph(Settings(ontology_dir=ontology))
    assert result.ok


def test_every_class_of_the_data_has_a_shape(seed_build):
    """A node shape targets every class that data can hold (SKOS concepts included)."""
    from rdflib import Namespace

    from graph_builder.validation.shacl import load_shapes

    sh = Namespace("http://www.w3.org/ns/shacl#")
    shapes = load_shapes(seed_build.settings.shapes_dir)
    targeted = set(shapes.objects(None, sh.targetClass))
    used = set(seed_build.data_graph().objects(None, RDF.type))
    # Classes asserted only as superclasses of a targeted one are covered by it.
    covered_by_subclass = {URIRef("http://www.w3.org/ns/org#Membership"), URIRef("https://schema.org/Legislation"),
                           URIRef("https://schema.org/CreativeWork"), URIRef(MLG + "PersonalData")}
    scheme_classes = {URIRef(MLG + c) for c in ("Theme", "Determinant", "OttawaAxis", "ActorKind", "Role", "Mission",
                                                "TerritoryLevel")}
    assert used - targeted - covered_by_subclass - scheme_classes == set()


def test_force_publishes_a_violating_graph_and_says_so(data_copy: Path, tmp_path: Path):
    (data_copy / "zz-bad.yaml").write_text(
        "statistic:\n  - id: test-trop\n    source: \"001\"\n    label: Trop\n    indicator: part-asv-porteur\n"
        "    value: 150\n    unit: \"%\"\n    of: commune/13001\n", encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["build", "--data", str(data_copy), "--out", str(tmp_path / "out")])
    assert refused.exit_code == 1 and not (tmp_path / "out").exists()
    forced = runner.invoke(main, ["build", "--data", str(data_copy), "--out", str(tmp_path / "out"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "--force" in forced.output
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert '"conforms": false' in manifest


def test_build_program_ends_with_the_command_exit_code(tmp_path):
    """`maillage` (cli.run) ends a build's process at once (os._exit), with the command's exit code and output."""
    code = "import sys; from maillage.cli.main import run; sys.argv = ['maillage', *sys.argv[1:]]; run()"
    done = subprocess.run([sys.executable, "-c", code, "build", "--data", str(tmp_path / "none"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert done.returncode == 3
    assert "dossier de données introuvable" in done.stderr
    done = subprocess.run([sys.executable, "-c", code, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "maillage" in done.stdout


def test_large_graph_documents_are_kept_by_content_and_the_oldest_dropped(tmp_path: Path, monkeypatch):
    """write_fragment keeps a large graph's TriG and Turtle in the cache by content (so many lines, these prefixes),
    takes them back for the same lines, serialises again for other lines, and keeps the CACHED_KEPT used last."""
    monkeypatch.setattr(outputs, "CACHED_LINES", 2)
    cache, fragments = tmp_path / "cache", tmp_path / "fragments"
    fragments.mkdir()

    def lines(n: int) -> list[bytes]:
        return sorted(f'<urn:s{i}> <urn:p> "{n}" <urn:g> .\n'.encode() for i in range(3))

    for n in range(outputs.CACHED_KEPT + 2):
        outputs.write_fragment(fragments, "urn:g", lines(n), True, {"ex": "urn:"}, cache=cache)
        if n == 0:  # the first one used longest ago
            os.utime(next(cache.glob("*.trig")), (0, 0))
    assert len(list(cache.glob("*.trig"))) == len(list(cache.glob("*.ttl"))) == outputs.CACHED_KEPT
    name = outputs.fragment_name("urn:g")
    for path in cache.glob("*.trig"):  # a kept document is what is copied for the same lines (not serialised again)
        path.write_bytes(path.read_bytes() + b"# kept\n")
    outputs.write_fragment(fragments, "urn:g", lines(outputs.CACHED_KEPT + 1), True, {"ex": "urn:"}, cache=cache)
    assert (fragments / f"{name}.trig").read_bytes().endswith(b"# kept\n")
    outputs.write_fragment(fragments, "urn:g", lines(0), True, {"ex": "urn:"}, cache=cache)  # dropped: made again
    assert not (fragments / f"{name}.trig").read_bytes().endswith(b"# kept\n")
    assert '"0"' in (fragments / f"{name}.ttl").read_text()


def test_a_cache_that_cannot_be_written_only_makes_the_kept_store_slower(seed_build, tmp_path, monkeypatch):
    """The referential's store cannot be kept in the cache (read-only, full: `_make_store` fails): the kept store is
    bulk-loaded instead, with the same quads."""
    def refused(*_args):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(oxigraph_store, "_make_store", refused)
    result = SimpleNamespace(settings=Settings(cache_dir=_without_build_caches(tmp_path)), dataset=seed_build.dataset,
                             referential_graph=seed_build.referential_graph, place_triples=seed_build.place_triples)
    kept = oxigraph_store.referential_store(result, tmp_path / "store")
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{seed_build.referential_graph}> {{ ?s ?p ?o }} }}"
    [[expected]] = oxigraph_store.build_store(seed_build).query(count)
    [[quads]] = kept.query(count)
    assert quads == expected and int(quads.value) > 400_000
    assert not list((result.settings.cache / "graphs").glob("*-oxigraph-*"))
