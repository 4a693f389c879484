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
from pathlib import Path

from rdflib import Dataset, Graph

from .pipeline import BuildResult
from .problems import Problem, blocking

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


def sorted_nquads(dataset: Dataset) -> str:
    """N-Quads with sorted lines, so that two builds of the same data diff cleanly."""
    text = dataset.serialize(format="nquads")
    lines = sorted({line for line in text.splitlines() if line.strip()})
    return "\n".join(lines) + "\n"


def public_graph(result: BuildResult) -> Graph:
    graph = result.data_graph(include_personal=False)
    for prefix, namespace in result.dataset.namespaces():
        graph.bind(prefix, namespace)
    return graph


def _write(directory: Path, name: str, content: str) -> str:
    data = content.encode("utf-8")
    (directory / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def problems_json(problems: list[Problem]) -> str:
    return json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2) + "\n"


def write_outputs(result: BuildResult, out_dir: Path, force: bool = False) -> dict:
    """Serialise the dataset into `out_dir`; refuse a non-conforming graph unless forced."""
    stopping = blocking(result.problems)
    if stopping and not force:
        raise PublicationRefused(stopping)
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        checksums = {
            "maillage.trig": _write(staging, "maillage.trig", result.dataset.serialize(format="trig")),
            "maillage.nq": _write(staging, "maillage.nq", sorted_nquads(result.dataset)),
            "maillage-public.ttl": _write(staging, "maillage-public.ttl",
                                          public_graph(result).serialize(format="turtle")),
            "validation.json": _write(staging, "validation.json", problems_json(result.problems)),
        }
        report = result.validation.report if result.validation else Graph()
        checksums["validation.ttl"] = _write(staging, "validation.ttl", report.serialize(format="turtle"))
        manifest = {
            "built_at": result.built_at.isoformat(timespec="seconds"),
            "base": result.settings.base,
            "forced": bool(stopping),
            "conforms": not stopping,
            "quads": sum(1 for _ in result.dataset.quads((None, None, None, None))),
            "files": {name: {"sha256": digest, "content": DUMPS[name]} for name, digest in checksums.items()},
        }
        _write(staging, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        out_dir.mkdir(exist_ok=True)
        # The manifest goes last: its presence says the set is complete.
        for name in [*checksums, "manifest.json"]:
            os.replace(staging / name, out_dir / name)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)
