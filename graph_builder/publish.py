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


def sorted_nquad_lines(store: ox.Store) -> list[bytes]:
    """The store's N-Quads lines, sorted, so that two builds of the same data diff cleanly (a store holds no duplicates)."""
    lines = store.dump(format=ox.RdfFormat.N_QUADS).splitlines()
    lines.sort()
    return lines


def public_ntriple_lines(result: BuildResult, nquad_lines: list[bytes]) -> Iterator[bytes]:
    """The union of the public graphs (no personal data, no ontology, no build metadata) as sorted N-Triples lines.

    Made from the sorted N-Quads lines: a triple's lines in several graphs
    are next to each other (its text ends with a space, the smallest
    character), so they are merged without a set of a million terms.
    """
    private = {*result.personal_graphs, result.settings.graph_iri("ontology"), result.settings.graph_iri("metadata")}
    private_names = {f"<{graph}>".encode() for graph in private}
    previous = None
    for line in nquad_lines:
        triple, graph, _dot = line.rsplit(b" ", 2)
        if graph not in private_names and triple != previous:
            previous = triple
            yield triple + b" .\n"


def _prefixes(result: BuildResult) -> dict[str, str]:
    return {prefix: str(namespace) for prefix, namespace in result.dataset.namespaces() if prefix}


def _write(directory: Path, name: str, content: str | bytes) -> str:
    data = content.encode("utf-8") if isinstance(content, str) else content
    (directory / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _write_lines(directory: Path, name: str, lines: Iterable[bytes], newline: bytes = b"") -> str:
    """Write lines as they come (a national dump is hundreds of megabytes: never joined in memory)."""
    digest = hashlib.sha256()
    with open(directory / name, "wb") as handle:
        for line in lines:
            digest.update(line + newline)
            handle.write(line + newline)
    return digest.hexdigest()


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
        # Files are streamed (Oxigraph writes to paths itself): at national size, strings of the dumps
        # held in memory next to the store took more than a gigabyte.
        store.dump(output=staging / "maillage.trig", format=ox.RdfFormat.TRIG, prefixes=prefixes)
        lines = sorted_nquad_lines(store)
        checksums = {
            "maillage.trig": _digest(staging / "maillage.trig"),
            "maillage.nq": _write_lines(staging, "maillage.nq", lines, b"\n"),
        }
        public_nt = staging / "public.nt"
        _write_lines(staging, public_nt.name, public_ntriple_lines(result, lines))
        del lines
        ox.serialize(ox.parse(path=public_nt, format=ox.RdfFormat.N_TRIPLES), output=staging / "maillage-public.ttl",
                     format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        checksums["maillage-public.ttl"] = _digest(staging / "maillage-public.ttl")
        checksums["validation.json"] = _write(staging, "validation.json", problems_json(result.problems))
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
