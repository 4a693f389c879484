"""Step 5 of the data flow: write the dumps, atomically.

Every file is first written to a temporary directory next to the output
directory; only when all of them are written are they moved into place,
each with an atomic `os.replace`. A build that fails (bad input, shapes
violated, a crash while serialising) leaves the previous output untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .pipeline import PROJECT_ROOT, BuildResult
from .problems import Problem, blocking
from .store import build_store

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


def sorted_nquads(store: ox.Store) -> bytes:
    """N-Quads with sorted lines, so that two builds of the same data diff cleanly."""
    lines = store.dump(format=ox.RdfFormat.N_QUADS).splitlines()
    return b"\n".join(sorted(set(lines))) + b"\n"


def public_ntriples(result: BuildResult, nquads: bytes) -> bytes:
    """The union of the public graphs (no personal data, no ontology, no build metadata) as sorted N-Triples.

    Made from the sorted N-Quads lines: a triple's lines in several graphs
    are next to each other (its text ends with a space, the smallest
    character), so they are merged without a set of a million terms.
    """
    private = {*result.personal_graphs, result.settings.graph_iri("ontology"), result.settings.graph_iri("metadata")}
    private_names = {f"<{graph}>".encode() for graph in private}
    kept: list[bytes] = []
    for line in nquads.splitlines():
        triple, graph, _dot = line.rsplit(b" ", 2)
        if graph not in private_names and (not kept or kept[-1] != triple):
            kept.append(triple)
    return b"".join(triple + b" .\n" for triple in kept)


def public_triples(result: BuildResult, store: ox.Store) -> Iterator[ox.Triple]:
    """The public union (see `public_ntriples`) as Oxigraph triples."""
    return ox.parse(public_ntriples(result, sorted_nquads(store)), format=ox.RdfFormat.N_TRIPLES)


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


def write_outputs(result: BuildResult, out_dir: Path, force: bool = False, store: ox.Store | None = None) -> dict:
    """Serialise the dataset (`store`, else built here) into `out_dir`; refuse a non-conforming graph unless forced."""
    stopping = blocking(result.problems)
    if stopping and not force:
        raise PublicationRefused(stopping)
    out_dir = out_dir.resolve()
    if result.synthetic_graphs and out_dir == (PROJECT_ROOT / "build").resolve():
        raise SyntheticRefused(sorted(result.synthetic_graphs))
    with staged(out_dir) as staging:
        store = store if store is not None else build_store(result)
        prefixes = _prefixes(result)
        checksums = {
            "maillage.trig": _write(staging, "maillage.trig", store.dump(format=ox.RdfFormat.TRIG, prefixes=prefixes)),
            "maillage.nq": _write(staging, "maillage.nq", nquads := sorted_nquads(store)),
            "maillage-public.ttl": _write(staging, "maillage-public.ttl", ox.serialize(
                ox.parse(public_ntriples(result, nquads), format=ox.RdfFormat.N_TRIPLES),
                format=ox.RdfFormat.TURTLE, prefixes=prefixes)),
            "validation.json": _write(staging, "validation.json", problems_json(result.problems)),
        }
        report = result.validation.report if result.validation else Graph()
        checksums["validation.ttl"] = _write(staging, "validation.ttl", report.serialize(format="turtle"))
        manifest = {
            "built_at": result.built_at.isoformat(timespec="seconds"),
            "base": result.settings.base,
            "forced": bool(stopping),
            "conforms": not stopping,
            "synthetic": bool(result.synthetic_graphs),
            "quads": len(store),
            "files": {name: {"sha256": digest, "content": DUMPS[name]} for name, digest in checksums.items()},
        }
        _write(staging, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        # The manifest goes last: its presence says the set is complete.
        move_into_place(staging, out_dir, [*checksums, "manifest.json"])
        return manifest
