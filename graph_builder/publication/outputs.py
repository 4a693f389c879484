"""Step 5 of the data flow: write the dumps, atomically as a set.

Every file of a build is written into a new generation folder of the output
directory; only when all of them are written are readers switched to it at
once (generations.py: the layout, the lock, how readers resolve a build). A
build that fails (bad input, shapes violated, a crash or a kill while
serialising) leaves the previous output untouched.

`staged` and `move_into_place` serve the other outputs (exports, ontology
pages): files moved one by one, each atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from graph_builder.constants import PROJECT_ROOT
from graph_builder.files import atomic_write, keep_latest, used
from graph_builder.incremental.state import fragment_name
from graph_builder.pipeline import BuildResult
from graph_builder.problems import Problem, blocking
from graph_builder.publication.generations import generation, locked, publish, reached, scratch
from graph_builder.publication.oxigraph_store import DatasetStore, referential_dump

DUMPS = {
    "maillage.trig": "complete dataset, one named graph per source (personal data included, in its own graphs)",
    "maillage.nq": "same as maillage.trig, as sorted N-Quads",
    "maillage-public.ttl": "union of the public graphs as Turtle (no personal data, no ontology)",
    "validation.json": "SHACL and input problems, machine-readable",
    "validation.ttl": "SHACL validation report",
    "manifest.json": "build time, counts and checksums",
}


class PublicationRefused(Exception):
    """The graph violates the shapes and publication was not forced."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} blocking problem(s)")
        self.problems = problems


class SyntheticRefused(Exception):
    """Synthetic (generated) directories are never written where the published graph goes."""

    def __init__(self, graphs: list[URIRef]):
        super().__init__(f"synthetic graphs cannot be published: {', '.join(graphs)}")
        self.graphs = graphs


def private_graphs(result: BuildResult) -> set[str]:
    """Graphs left out of the public Turtle: personal data, the ontology, the build's metadata."""
    graph_iri = result.settings.graph_iri
    return {str(g) for g in {*result.personal_graphs, graph_iri("ontology"), graph_iri("metadata")}}


def nquads_lines(quads: Iterable[ox.Quad]) -> list[bytes]:
    """The quads (distinct) as sorted N-Quads lines: two builds of the same data diff cleanly."""
    lines = ox.serialize(quads, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)
    lines.sort()
    return lines


def fragment_lines(fragments: Path, graph: str) -> list[bytes]:
    """The sorted N-Quads lines of `graph` as its fragment was last written (none if it had no quad)."""
    path = fragments / f"{fragment_name(graph)}.nq"
    return path.read_bytes().splitlines(keepends=True) if path.exists() else []


# Graphs of this many lines or more have their TriG and Turtle kept in the cache, by content: the referential's
# graph (420,000 lines) is the same from one build to the next, and serialising it twice took 2.1 s of an 8 s build.
CACHED_LINES = 100_000
CACHED_KEPT = 4  # documents of so many graphs are kept, the most recently used
PLACES_FORMAT = 1  # how the referential graph's fragments are kept (`_places_key`)


def write_fragment(fragments: Path, graph: str, lines: list[bytes], public: bool, prefixes: dict[str, str],
                   written: Callable[[Path], None] | None = None, cache: Path | None = None) -> None:
    """One graph's fragments from its sorted N-Quads lines: the lines, a TriG document and, if public, a Turtle one.

    `written` hears the N-Quads fragment's path as soon as it is written, before the other two are made. With a
    `cache` folder, the documents of a large graph are taken from there when the same lines were serialised with
    the same prefixes before."""
    name = fragment_name(graph)
    for suffix in (".nq", ".trig", ".ttl"):
        (fragments / f"{name}{suffix}").unlink(missing_ok=True)
    if not lines:
        return
    sorted_nquads = b"".join(lines)
    atomic_write(fragments / f"{name}.nq", sorted_nquads)
    if written is not None:
        written(fragments / f"{name}.nq")
    suffixes = (".trig", ".ttl") if public else (".trig",)
    key = _cache_key(sorted_nquads, prefixes) if cache is not None and len(lines) >= CACHED_LINES else None
    if key is not None and _from_cache(cache, key, suffixes, fragments / name):
        return
    # In the lines' order (an in-memory and an on-disk store list quads in different orders), parsed as a stream
    # for each document: a list of the largest graph's quads weighed 0.2 GB more at the build's peak.
    documents = {".trig": lambda: ox.serialize(ox.parse(sorted_nquads, format=ox.RdfFormat.N_QUADS),
                                               format=ox.RdfFormat.TRIG, prefixes=prefixes),
                 ".ttl": lambda: ox.serialize((q.triple for q in ox.parse(sorted_nquads, format=ox.RdfFormat.N_QUADS)),
                                              format=ox.RdfFormat.TURTLE, prefixes=prefixes)}
    for suffix in suffixes:
        document = documents[suffix]()
        atomic_write(fragments / f"{name}{suffix}", document)
        if key is not None:
            try:
                atomic_write(cache / f"{key}{suffix}", document)
            except OSError:  # a cache that cannot be written (read-only, full) only makes the next build slower
                key = None
    if key is not None:
        with suppress(OSError):
            _prune(cache)


def _from_cache(cache: Path, key: str, suffixes: tuple[str, ...], fragment: Path) -> bool:
    """Copy the cached documents of `key` beside `fragment` (its path without suffix); False when one is missing
    (never made, or pruned meanwhile by another build): they are then serialised again."""
    try:
        for suffix in suffixes:
            shutil.copyfile(cache / f"{key}{suffix}", fragment.with_name(fragment.name + suffix))
    except OSError:
        return False
    for suffix in suffixes:
        used(cache / f"{key}{suffix}")
    return True


def _cache_key(sorted_nquads: bytes, prefixes: dict[str, str]) -> str:
    digest = hashlib.sha256(json.dumps([ox.__version__, prefixes], sort_keys=True).encode())  # the writer's bytes
    digest.update(sorted_nquads)
    return digest.hexdigest()[:32]


def _prune(cache: Path) -> None:
    """Keep the documents of the CACHED_KEPT graphs used last."""
    keep_latest(cache.glob("*.trig"), CACHED_KEPT, siblings=(".nq", ".ttl"))


def write_fragments(store: ox.Store, graphs: Iterable[str], public: Callable[[str], bool], prefixes: dict[str, str],
                    fragments: Path, copy_to: ox.Store | None = None, copied: Callable[[str], bool] = lambda graph: True,
                    cache: Path | None = None, cached: Callable[[str], bool] = lambda graph: True) -> dict[str, int]:
    """Serialise each of `graphs` on its own (`write_fragment`, its large documents kept in `cache` if `cached`
    accepts the graph); with `copy_to`, bulk-load the lines of each graph `copied` accepts into that store too. The
    number of lines (quads) of each graph.

    The dumps are these fragments put end to end (`assemble_dumps`), so an
    incremental rebuild re-serialises only the graphs it changed. A graph
    with no quad left has no fragment. The copy is loaded one fragment at a
    time in a thread (Oxigraph loads without the GIL) as soon as its N-Quads
    are written, while its TriG and Turtle and the next graphs are
    serialised: at national size, loading the whole dump afterwards took 9 s
    more and 0.6 GB more memory; at seed size, loading the referential's
    graph only once its TriG and Turtle were written cost 1.7 s of the
    build's 12.8 s (for 0.16 GB more at the peak, the two overlapping).
    """
    fragments.mkdir(parents=True, exist_ok=True)
    sizes = {}
    with ThreadPoolExecutor(1) as loader:
        loads = []

        def load(path: Path) -> None:
            loads.append(loader.submit(copy_to.bulk_load, path=path, format=ox.RdfFormat.N_QUADS))

        for graph in graphs:
            lines = nquads_lines(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
            write_fragment(fragments, graph, lines, public(graph), prefixes,
                           written=load if copy_to is not None and copied(graph) else None,
                           cache=cache if cached(graph) else None)
            sizes[graph] = len(lines)
        for loaded in loads:
            loaded.result()
    return sizes


def _places_key(dataset: DatasetStore, public: bool, prefixes: dict[str, str]) -> str:
    """What the referential graph's fragments are made of: the referential dump (named by what it is derived from,
    `referential_dump`) and the dataset's own quads in that graph (the records its sources cite from it)."""
    dump = referential_dump(dataset.result)
    own = nquads_lines(dataset.store.quads_for_pattern(None, None, None, ox.NamedNode(dataset.referential)))
    digest = hashlib.sha256(json.dumps([PLACES_FORMAT, ox.__version__, dump.name, dump.stat().st_size, public,
                                        prefixes], sort_keys=True).encode())
    digest.update(b"".join(own))
    return "places-" + digest.hexdigest()[:32]


def _places_fragments(key: str, graph: str, public: bool, fragments: Path, cache: Path) -> int | None:
    """The referential graph's fragments copied from `cache` when kept there under `key` (`_places_key`): then its
    number of quads; else None (never kept, or pruned meanwhile)."""
    name = fragment_name(graph)
    if not _from_cache(cache, key, (".nq", ".trig", ".ttl") if public else (".nq", ".trig"), fragments / name):
        return None
    with open(fragments / f"{name}.nq", "rb") as lines:
        return sum(block.count(b"\n") for block in iter(lambda: lines.read(1 << 20), b""))


def _keep_places(key: str, graph: str, public: bool, fragments: Path, cache: Path) -> None:
    """Keep the referential graph's fragments just written in `cache` under `key` (for `_places_fragments`)."""
    name = fragment_name(graph)
    try:
        for suffix in (".nq", ".trig", ".ttl") if public else (".nq", ".trig"):
            atomic_write(cache / f"{key}{suffix}", (fragments / f"{name}{suffix}").read_bytes())
        _prune(cache)
    except OSError:  # a cache that cannot be written (read-only, full) only makes the next build slower
        pass


def _join(parts: list[Path], target: Path) -> str:
    """Write `parts` end to end into `target`; the sha256 of the result.

    The bytes are copied by the kernel (copy_file_range), and read once more
    only to be hashed: at national size, writing the 360 MB of dumps from
    Python took twice as long.
    """
    digest = hashlib.sha256()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    with open(target, "wb") as out:
        for part in parts:
            with open(part, "rb") as source:
                size = os.fstat(source.fileno()).st_size
                copied = _copy(source, out, size)
                while read := source.readinto(buffer):
                    digest.update(view[:read])
                    if copied < size:  # the kernel could not copy: written from here
                        out.write(view[:read])
    return digest.hexdigest()


def _copy(source, out, size: int) -> int:
    """Bytes of `source` appended to `out` by the kernel (0 where it cannot: another file system...)."""
    copied = 0
    if not hasattr(os, "copy_file_range"):  # Linux only
        return copied
    out.flush()
    try:
        while copied < size:
            done = os.copy_file_range(source.fileno(), out.fileno(), size - copied, copied)
            if not done:
                break
            copied += done
    except OSError:
        pass
    if copied not in (0, size):  # a partial copy: start again from Python
        os.ftruncate(out.fileno(), os.lseek(out.fileno(), -copied, os.SEEK_CUR))
        copied = 0
    return copied


def assemble_dumps(graphs: Iterable[str], fragments: Path, staging: Path) -> dict[str, str]:
    """maillage.nq, maillage.trig and maillage-public.ttl as the graphs' fragments end to end, in graph order.

    maillage.nq is sorted by graph, then by line. Concatenated TriG or Turtle
    documents are one valid document (prefixes may be declared again); a
    triple of two public graphs is written twice in the Turtle: the same RDF graph.
    The three are joined at once (hashing releases the GIL).
    """
    order = sorted(graphs)
    dumps = {"maillage.nq": ".nq", "maillage.trig": ".trig", "maillage-public.ttl": ".ttl"}
    jobs = {dump: [part for graph in order if (part := fragments / f"{fragment_name(graph)}{suffix}").exists()]
            for dump, suffix in dumps.items()}
    with ThreadPoolExecutor(len(jobs)) as pool:
        joined = {dump: pool.submit(_join, parts, staging / dump) for dump, parts in jobs.items()}
    return {dump: future.result() for dump, future in joined.items()}


def store_graphs(store: ox.Store) -> list[str]:
    return sorted(graph.value for graph in store.named_graphs() if isinstance(graph, ox.NamedNode))


def _prefixes(result: BuildResult) -> dict[str, str]:
    return {prefix: str(namespace) for prefix, namespace in result.dataset.namespaces() if prefix}


def _write(directory: Path, name: str, content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    (directory / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def problems_json(problems: list[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2) + "\n"


@contextmanager
def staged(out_dir: Path) -> Iterator[Path]:
    """A staging directory next to `out_dir` (same file system, so `os.replace` is atomic), removed afterwards."""
    out_dir.resolve().parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.resolve().name}-", dir=out_dir.resolve().parent))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def move_into_place(staging: Path, out_dir: Path, names: Iterable[str]) -> None:
    """Move the staged files into `out_dir`, each with an atomic `os.replace`, in the order given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.replace(staging / name, out_dir / name)


def check_publishable(result: BuildResult, out_dir: Path, force: bool = False) -> None:
    """PublicationRefused for a graph that violates the shapes (unless forced), SyntheticRefused for synthetic
    data written where the published graph goes; checked before anything is written or removed."""
    stopping = blocking(result.problems)
    if stopping and not force:
        raise PublicationRefused(stopping)
    if result.synthetic_graphs and out_dir.resolve() == (PROJECT_ROOT / "build").resolve():
        raise SyntheticRefused(sorted(result.synthetic_graphs))


def write_outputs(result: BuildResult, out_dir: Path, force: bool = False, store: DatasetStore | None = None,
                  fragments: Path | None = None, copy_to: ox.Store | None = None,
                  copied: Callable[[str], bool] = lambda graph: True) -> dict:
    """Serialise the dataset (`store`, else made here) into a new generation of `out_dir` and publish it; refuse a
    non-conforming graph unless forced.

    The graphs' serialised fragments are kept in `fragments` when given, and those `copied` accepts loaded into
    `copy_to` (for the next incremental rebuild).
    """
    check_publishable(result, out_dir, force)
    stopping = blocking(result.problems)
    out_dir = out_dir.resolve()
    with locked(out_dir), generation(out_dir) as folder, scratch(out_dir) as temporary:
        dataset = store if store is not None else DatasetStore(result)
        private = private_graphs(result)
        graphs = sorted({*store_graphs(dataset.store), dataset.referential})
        fragments = fragments or temporary / "fragments"
        fragments.mkdir(parents=True, exist_ok=True)
        prefixes, cache = _prefixes(result), result.settings.cache / "fragments"
        places_public = dataset.referential not in private
        # The referential graph is the same from one build to the next (the places, and the few records the sources
        # cite from it): its fragments are copied from the cache, without loading, serialising and sorting its
        # 495,000 quads (1.2 s of a seed build). The places are loaded only when it is not there.
        key = _places_key(dataset, places_public, prefixes)  # before the places are loaded
        places = _places_fragments(key, dataset.referential, places_public, fragments, cache)
        written = [graph for graph in graphs if places is None or graph != dataset.referential]
        sizes = write_fragments(dataset.store if places is not None else dataset.whole(), written,
                                lambda graph: graph not in private, prefixes, fragments, copy_to, copied, cache=cache,
                                cached=lambda graph: graph != dataset.referential)
        if places is None:
            _keep_places(key, dataset.referential, places_public, fragments, cache)
        else:
            sizes[dataset.referential] = places
        checksums = assemble_dumps(graphs, fragments, folder)
        report = result.validation.report if result.validation else Graph()
        return finish_outputs(folder, out_dir, checksums, result.problems, report, {
            "built_at": result.built_at.isoformat(timespec="seconds"),
            "base": result.settings.base,
            "forced": bool(stopping),
            "conforms": not stopping,
            "synthetic": bool(result.synthetic_graphs),
            "quads": sum(sizes.values()),
        })


def finish_outputs(folder: Path, out_dir: Path, checksums: dict[str, str], problems: list[Problem], report: Graph,
                   manifest: dict) -> dict:
    """Write the validation files and the manifest beside the dumps in the generation `folder`, then publish it
    (under `out_dir`'s lock)."""
    reached("dumps")
    checksums = {**checksums, "validation.json": _write(folder, "validation.json", problems_json(problems)),
                 "validation.ttl": _write(folder, "validation.ttl", report.serialize(format="turtle"))}
    manifest = {**manifest, "files": {name: {"sha256": digest, "content": DUMPS[name]}
                                      for name, digest in checksums.items()}}
    # The manifest goes last: its presence says the generation is complete.
    _write(folder, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    publish(out_dir, folder, DUMPS)
    return manifest
