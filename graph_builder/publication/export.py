"""`maillage export`: the built dataset as linked-data dumps, CSV tables and a VoID/DCAT description.

The input is a build's `maillage.nq` (and `manifest.json`), loaded into
Oxigraph; nothing is rebuilt. What is exported is every named graph of the
build except the build's own description (`graph/metadata`, replaced by the
export's `void.ttl`, whose counts are those of the files written) and,
unless personal data is asked for, the personal graphs (`…/personal`) and any
e-mail or phone number of a person found elsewhere.

Turtle, N-Triples and TriG are written by Oxigraph (sorted, so that two
exports of the same build are identical); JSON-LD by rdflib, compacted with
the context shipped in `ontology/maillage.context.jsonld` and embedded in the
file (Oxigraph writes expanded JSON-LD only). Measured on the seed
(docs/performance/publication.md). Files are written to a staging directory and moved into
place one by one (`os.replace`), the manifest last; files of a previous
export that this one does not write (a `personnes.csv` of an export with
personal data, say) are removed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import socket
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, VOID

from graph_builder.constants import MLG
from graph_builder.conversion.metadata import (
    Contents,
    Distribution,
    count_contents,
    describe,
    describe_export,
    site_root,
)
from graph_builder.problems import BilingualError
from graph_builder.publication.counts import load_dataset
from graph_builder.publication.generations import resolve
from graph_builder.publication.jsonld_context import CONTEXT_PATH, load_context
from graph_builder.publication.outputs import move_into_place, staged
from graph_builder.publication.tables import TableQuery, table_csv, table_queries
from graph_builder.terms import RdflibConverter

SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PERSON_CLASSES = {ox.NamedNode(f"{SCHEMA}Person"), ox.NamedNode(f"{FOAF}Person")}
# A person's contact details: left out of public exports wherever they are.
CONTACT_PROPERTIES = {ox.NamedNode(iri) for iri in (
    f"{SCHEMA}email", f"{SCHEMA}telephone", f"{SCHEMA}faxNumber", f"{FOAF}mbox", f"{FOAF}phone")}
PERSONAL_SUFFIX = "/personal"


@dataclass(frozen=True)
class DumpFormat:
    key: str
    file_name: str
    media_type: str
    title_fr: str
    title_en: str


DUMP_FORMATS = {f.key: f for f in (
    DumpFormat("turtle", "maillage.ttl", "text/turtle",
               "Graphe entier en Turtle (union des graphes nommés)", "Whole graph as Turtle (union of the named graphs)"),
    DumpFormat("ntriples", "maillage.nt", "application/n-triples",
               "Graphe entier en N-Triples (union des graphes nommés, lignes triées)",
               "Whole graph as N-Triples (union of the named graphs, sorted lines)"),
    DumpFormat("trig", "maillage.trig", "application/trig",
               "Jeu de données en TriG, un graphe nommé par source", "Dataset as TriG, one named graph per source"),
    DumpFormat("jsonld", "maillage.jsonld", "application/ld+json",
               "Jeu de données en JSON-LD compacté (contexte maillage.context.jsonld inclus)",
               "Dataset as compacted JSON-LD (context maillage.context.jsonld embedded)"),
)}
FORMATS = (*DUMP_FORMATS, "csv")
DESCRIPTION = "void.ttl"
MANIFEST = "manifest.json"


class ExportError(BilingualError):
    """The built dataset cannot be read, or the export cannot be done as asked."""


@dataclass
class Selection:
    """What an export publishes, and what it left out."""

    store: ox.Store
    graphs: list[ox.NamedNode]
    personal_graphs_left_out: list[str] = field(default_factory=list)
    contact_triples_left_out: int = 0


@dataclass
class ExportReport:
    out_dir: Path
    include_personal: bool
    files: dict[str, dict]
    contents: Contents
    selection: Selection
    built: dict

    def to_dict(self) -> dict:
        return {
            "built_at": self.built.get("built_at"),
            "base": self.built.get("base"),
            "conforms": self.built.get("conforms"),
            "synthetic": self.built.get("synthetic", False),
            "personal_data": self.include_personal,
            "left_out": {
                "personal_graphs": self.selection.personal_graphs_left_out,
                "person_contact_triples": self.selection.contact_triples_left_out,
            },
            "triples": self.contents.triples,
            "quads": len(self.selection.store),
            "files": self.files,
        }


def load_build(build_dir: Path) -> tuple[ox.Store, dict]:
    """The dataset of a build (`maillage.nq`) and its manifest, from the generation published when called."""
    folder = resolve(build_dir)
    nquads, manifest = folder / "maillage.nq", folder / "manifest.json"
    if not nquads.is_file() or not manifest.is_file():
        raise ExportError(f"{nquads} : introuvable ; lancez d'abord « maillage build --out {build_dir} ».",
                          f"{nquads}: not found; run 'maillage build --out {build_dir}' first.")
    try:
        return load_dataset(nquads), json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError) as exc:
        raise ExportError(f"{nquads} : illisible ({exc}).", f"{nquads}: unreadable ({exc}).") from exc


def select(store: ox.Store, base: str, include_personal: bool = False) -> Selection:
    """The quads to publish: every graph but the build's metadata, and personal data only when asked."""
    metadata = ox.NamedNode(f"{base}graph/metadata")
    persons = {quad.subject for quad in store.quads_for_pattern(None, RDF_TYPE, None, None)
               if quad.object in PERSON_CLASSES}
    selected = ox.Store()
    selection = Selection(store=selected, graphs=[])
    for graph in sorted(store.named_graphs(), key=lambda g: g.value):
        if graph == metadata:
            continue
        if graph.value.endswith(PERSONAL_SUFFIX) and not include_personal:
            selection.personal_graphs_left_out.append(graph.value)
            continue
        quads = []
        for quad in store.quads_for_pattern(None, None, None, graph):
            if not include_personal and quad.predicate in CONTACT_PROPERTIES and quad.subject in persons:
                selection.contact_triples_left_out += 1
                continue
            quads.append(quad)
        if quads:
            selected.extend(quads)
            selection.graphs.append(graph)
    return selection


def sorted_triples(store: ox.Store) -> list[ox.Triple]:
    """Distinct triples of the union of the store's graphs, sorted."""
    return sorted({quad.triple for quad in store}, key=str)


def sorted_quads(store: ox.Store) -> list[ox.Quad]:
    return sorted(store, key=lambda q: (q.graph_name.value, str(q.triple)))


def jsonld_bytes(quads: Iterable[ox.Quad], context: dict) -> bytes:
    """Compacted JSON-LD of the quads, with `context` embedded (never a remote context), in a stable order."""
    text = RdflibConverter().dataset(quads).serialize(format="json-ld", context=context, auto_compact=True)
    document = _stable_order(json.loads(text))
    return (json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _stable_order(node, in_list: bool = False):
    """Sort JSON-LD arrays (sets of nodes or values: their order carries nothing) except `@list` ones.

    rdflib lists nodes in the order of a Python set, which changes with each
    process's string hashing: without this, two exports of one build differ.
    """
    if isinstance(node, dict):
        return {key: _stable_order(value, in_list=key == "@list") for key, value in node.items()}
    if isinstance(node, list):
        items = [_stable_order(item) for item in node]
        if in_list:
            return items
        return sorted(items, key=lambda item: (item.get("@id", "") if isinstance(item, dict) else "",
                                               json.dumps(item, ensure_ascii=False, sort_keys=True)))
    return node


def build_description(store: ox.Store, selection: Selection, contents: Contents, built: dict,
                      distributions: list[Distribution], download_url: str, endpoint: str,
                      include_personal: bool) -> Graph:
    """VoID + DCAT description of the export: `metadata.describe` per graph, then what the files hold."""
    import datetime as dt

    base = built["base"]
    metadata = ox.NamedNode(f"{base}graph/metadata")
    convert = RdflibConverter()
    graph_sizes, graph_sources, personal, synthetic = {}, {}, set(), set()
    kept, described = [], []
    derived_from = ox.NamedNode(str(PROV.wasDerivedFrom))
    for graph in selection.graphs:
        name = convert(graph)
        graph_sizes[name] = sum(1 for _ in selection.store.quads_for_pattern(None, None, None, graph))
        source = next((q.object for q in store.quads_for_pattern(graph, derived_from, None, metadata)), None)
        graph_sources[name] = convert(source) if source is not None else None
        if graph.value.endswith(PERSONAL_SUFFIX):
            personal.add(name)
        for quad in store.quads_for_pattern(graph, None, None, metadata):
            if quad.predicate.value == str(MLG.synthetic):
                synthetic.add(name)
            elif quad.predicate.value != str(VOID.triples):
                kept.append((name, convert(quad.predicate), convert(quad.object)))
                # What is named under the graph's IRI (the referential's period...) belongs to its description.
                if isinstance(quad.object, ox.NamedNode) and quad.object.value.startswith(f"{graph.value}/"):
                    described.extend((convert(q.subject), convert(q.predicate), convert(q.object))
                                     for q in store.quads_for_pattern(quad.object, None, None, metadata))
    built_at = dt.datetime.fromisoformat(built["built_at"])
    meta = describe(graph_sizes, base, graph_sources, personal, built_at, synthetic, total=contents.triples)
    # The build's description of each graph (titles, referential version and vintage...) replaces the generic one.
    for name in {name for name, predicate, _ in kept if predicate in (DCTERMS.title, DCTERMS.description)}:
        meta.remove((name, DCTERMS.title, None))
        meta.remove((name, DCTERMS.description, None))
    for triple in [*kept, *described]:
        meta.add(triple)
    root = URIRef(f"{base}dataset")
    describe_export(meta, root, contents, load_context(), base, distributions, download_url, endpoint,
                    personal=include_personal)
    for prefix, namespace in load_context().items():
        meta.bind(prefix, namespace, replace=True)
    return meta


# Characters an IRI may not hold (RFC 3987), besides spaces and controls.
NOT_IN_IRI = set('<>"{}|\\^`')
# Dots browsers read as label separators in a host name (IDNA).
HOST_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def local_host(host: str) -> bool:
    """True for a host only the machine itself (or its link) can reach: `localhost`, a loopback, unspecified or
    link-local address, in any spelling a browser or client reads as one (`127.1`, `2130706433`, `0x7f.0.0.1`,
    `[::ffff:127.0.0.1]`, full-width digits, percent-encoding, a trailing dot...)."""
    name = unicodedata.normalize("NFKC", unquote(host)).translate(HOST_DOTS).lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])  # without an IPv6 zone (fe80::1%eth0)
    except ValueError:
        try:  # the legacy IPv4 forms inet_aton reads (and so does every C resolver): 127.1, 0x7f000001, 017700000001
            address = ipaddress.IPv4Address(socket.inet_aton(name))
        except (OSError, UnicodeError, ValueError):
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified or address.is_link_local


def checked_url(url: str, option: str, public: bool) -> str:
    """`url` if it is an absolute http(s) URL that can stand in an IRI; for a public export, one other machines can
    reach (never a loopback address: the description is published for others). ExportError otherwise."""
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:  # an unbalanced IPv6 bracket, a port that is not a number...
        parts, host = None, None
    if (parts is None or parts.scheme not in ("http", "https") or not host or parts.fragment
            or any(c.isspace() or unicodedata.category(c) == "Cc" or c in NOT_IN_IRI for c in url)):
        raise ExportError(f"{option} « {url} » : il faut une URL absolue http:// ou https://, sans espace, fragment "
                          "ni caractère interdit dans une IRI (< > \" { } | \\ ^ `).",
                          f"{option} '{url}': an absolute http:// or https:// URL is needed, with no space, fragment "
                          "or character an IRI may not hold (< > \" { } | \\ ^ `).")
    if public and local_host(host):
        raise ExportError(f"{option} « {url} » : adresse locale ({host}), que personne d'autre ne peut joindre ; un "
                          "export public donne une adresse publique (ou l'omet : l'adresse tirée de la base IRI "
                          "est prise). Un export avec --include-personal, jamais publié, l'accepte.",
                          f"{option} '{url}': a local address ({host}) nobody else can reach; a public export gives a "
                          "public address (or omits it: the one the base IRI implies is used). An export with "
                          "--include-personal, never published, accepts it.")
    return url


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_dataset(
    build_dir: Path,
    out_dir: Path,
    *,
    include_personal: bool = False,
    formats: Iterable[str] = FORMATS,
    endpoint: str | None = None,
    download_url: str | None = None,
    queries: list[TableQuery] | None = None,
    progress: Callable[[str], None] = lambda step: None,
) -> ExportReport:
    """Export a build (`build_dir`) into `out_dir`; see the module's docstring."""
    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise ExportError(f"format(s) inconnu(s) : {', '.join(unknown)} ; formats possibles : {', '.join(FORMATS)}.",
                          f"unknown format(s): {', '.join(unknown)}; possible formats: {', '.join(FORMATS)}.")
    if out_dir.resolve() == build_dir.resolve():
        raise ExportError(f"{out_dir} : c'est le dossier de la construction ; choisissez un autre --out.",
                          f"{out_dir}: that is the build's directory; choose another --out.")
    public = not include_personal
    for url, option in ((endpoint, "--endpoint-url"), (download_url, "--download-url")):
        if url:  # checked before anything is read
            checked_url(url, option, public)
    progress("lecture du jeu de données")
    store, built = load_build(build_dir)
    base = built.get("base")
    if not base:
        raise ExportError(f"{build_dir / 'manifest.json'} : pas d'IRI de base.", f"{build_dir / 'manifest.json'}: no base IRI.")
    # The defaults come from the base IRI: a build made with a local base (MAILLAGE_BASE) needs the options.
    endpoint = checked_url(endpoint or f"{site_root(base)}sparql", "--endpoint-url", public)
    download_url = checked_url(download_url or f"{base}dataset/dumps/", "--download-url", public)
    if not download_url.endswith("/"):
        download_url += "/"  # the files' names are appended to it
    progress("sélection des graphes publiés")
    selection = select(store, base, include_personal)
    triples = sorted_triples(selection.store)
    contents = count_contents(triples, base)
    prefixes = load_context()
    files: dict[str, dict] = {}
    distributions: list[Distribution] = []
    with staged(out_dir) as staging:
        def write(name: str, data: bytes, content: str, **extra) -> None:
            (staging / name).write_bytes(data)
            files[name] = {"sha256": _sha256(data), "bytes": len(data), "content": content, **extra}

        for key in chosen:
            dump = DUMP_FORMATS.get(key)
            if dump is None:
                continue
            progress(f"écriture de {dump.file_name}")
            if key == "turtle":
                data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
            elif key == "ntriples":
                data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            elif key == "trig":
                data = ox.serialize(sorted_quads(selection.store), format=ox.RdfFormat.TRIG, prefixes=prefixes)
            else:
                data = jsonld_bytes(sorted_quads(selection.store), prefixes)
                write(CONTEXT_PATH.name, CONTEXT_PATH.read_bytes(), "JSON-LD context of maillage.jsonld (embedded in it)")
            write(dump.file_name, data, dump.title_en)
            distributions.append(Distribution(dump.file_name, dump.media_type, len(data), dump.title_fr, dump.title_en))
        if "csv" in chosen:
            for query in queries if queries is not None else table_queries():
                if query.personal and not include_personal:
                    continue
                progress(f"écriture de {query.file_name}")
                data, rows = table_csv(selection.store, query)
                write(query.file_name, data, query.summary, rows=rows)
                distributions.append(Distribution(query.file_name, "text/csv", len(data), query.summary,
                                                  f"Table {query.name} (CSV, French headers)", rdf_dump=False))
        progress(f"écriture de {DESCRIPTION}")
        description = build_description(store, selection, contents, built, distributions, download_url, endpoint,
                                         include_personal)
        write(DESCRIPTION, description.serialize(format="turtle").encode("utf-8"),
              "VoID and DCAT description of the export: counts, partitions, vocabularies, dumps, endpoint, sources")
        report = ExportReport(out_dir=out_dir, include_personal=include_personal, files=files, contents=contents,
                              selection=selection, built=built)
        manifest = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
        (staging / MANIFEST).write_text(manifest, encoding="utf-8")
        previous = _previous_files(out_dir)
        move_into_place(staging, out_dir, [*files, MANIFEST])
    for name in previous - set(files):
        (out_dir / name).unlink(missing_ok=True)
    return report


def _previous_files(out_dir: Path) -> set[str]:
    """Files a previous export listed in its manifest (only plain names: nothing outside `out_dir`)."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = manifest["files"] if "personal_data" in manifest else {}  # an export's manifest, not a build's
    except (OSError, ValueError, TypeError, KeyError):
        return set()
    return {name for name in listed if isinstance(name, str) and name == os.path.basename(name)}
