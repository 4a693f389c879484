"""SHACL validation of the official referential's graph, once per version.

The referential (about 420,000 triples) only changes with its pinned
version, the shapes, the ontology or the code that maps it: its report is
cached under a key made of all four, and a build reuses it. When there is no
cached report, the validation runs in a separate process, side by side with
the curated data's own work (it needs ~2 GiB and ~40 s with pyshacl).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from rdflib import RDF, Graph

from graph_builder.constants import DEFAULT_BASE
from graph_builder.conversion.records import Built
from graph_builder.files import atomic_write
from graph_builder.kinds import load_schema
from graph_builder.problems import Problem
from graph_builder.referential.package import INTEGRITY, PACKAGE, VERSION, ReferentialError, fetch, load
from graph_builder.referential.territories import Places
from graph_builder.validation.shacl import load_shapes, validate_graph
from graph_builder.vocabulary import load_vocabulary

# Shapes do not depend on IRIs: the referential is always checked under the default base.
CHECK_BASE = DEFAULT_BASE
HERE = Path(__file__).resolve().parent
KINDS = HERE.parent / "record_kinds.yaml"


def cache_key(ontology_dir: Path, shapes_dir: Path | None = None) -> str:
    """What the referential's graph (and, given the shapes, its report) is derived from."""
    digest = hashlib.sha256(INTEGRITY.encode())
    inputs = [HERE / "territories.py", Path(__file__).resolve(), KINDS]
    inputs += (sorted(shapes_dir.glob("*.ttl")) if shapes_dir else []) + sorted(ontology_dir.rglob("*.ttl"))
    for path in inputs:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def report_path(cache: Path, ontology_dir: Path, shapes_dir: Path) -> Path:
    return cache / "validation" / f"referential-{cache_key(ontology_dir, shapes_dir)}.json"


def check(cache: Path, ontology_dir: Path, shapes_dir: Path) -> list[dict]:
    """Validate the whole referential graph; write and return its problems (as dicts)."""
    schema = load_schema()
    vocabulary = load_vocabulary(ontology_dir)
    places = Places(load(fetch(cache)), CHECK_BASE)
    graph = Graph()
    graph.addN((s, p, o, graph) for s, p, o in places.triples(vocabulary))
    # What the territories' shapes look at beyond the territories: their levels' and source's types.
    level_class = schema.expand("mlg:TerritoryLevel")
    for level in vocabulary.schemes.subjects(RDF.type, level_class):
        graph.add((level, RDF.type, level_class))
    graph.add((places.source_iri, RDF.type, schema.expand("mlg:SourceDocument")))
    outcome = validate_graph(graph, load_shapes(shapes_dir), Built(), schema)
    where = f"{PACKAGE}@{VERSION}"
    prefix = f"{CHECK_BASE}territoire/"
    problems = [
        Problem(file=where, line=None, record=(p.focus or "").removeprefix(prefix), field=p.field,
                message_fr=p.message_fr, message_en=p.message_en, severity=p.severity, shape=p.shape,
                value=p.value, focus=p.focus).to_dict()
        for p in outcome.problems
        # Only the territories are checked here (their source document is checked with the curated data).
        if (p.focus or "").startswith(prefix)
    ]
    atomic_write(report_path(cache, ontology_dir, shapes_dir), json.dumps(problems, ensure_ascii=False).encode("utf-8"))
    return problems


class ReferentialCheck:
    """The referential's problems: from the cache, or from a validation started in the background.

    The background check is a separate Python process (`python -m
    graph_builder.referential.check`), so that its memory is freed as soon as
    it ends and it works the same from a script, a notebook or the CLI.
    """

    def __init__(self, cache: Path, ontology_dir: Path, shapes_dir: Path):
        self.path = report_path(cache, ontology_dir, shapes_dir)
        self._process: subprocess.Popen | None = None
        if not self.path.exists():
            self._process = subprocess.Popen(
                [sys.executable, "-m", "graph_builder.referential.check", str(cache), str(ontology_dir), str(shapes_dir)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )

    @property
    def cached(self) -> bool:
        return self._process is None

    def problems(self) -> list[Problem]:
        if self._process is not None:
            _out, error = self._process.communicate()
            if self._process.returncode != 0 or not self.path.exists():
                raise ReferentialError(
                    f"la validation du référentiel a échoué : {error.strip()[-500:]}",
                    f"the referential's validation failed: {error.strip()[-500:]}",
                )
        found = json.loads(self.path.read_text(encoding="utf-8"))
        return [Problem(**item) for item in found]


if __name__ == "__main__":
    check(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
