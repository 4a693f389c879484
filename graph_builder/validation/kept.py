"""A data validation's outcome kept in the cache folder by everything it depends on, for the next build of the
same data (a full build again, into another output directory, the tests' builds of the same files).

The key is the build's fingerprint (the package's code, ontology, shapes, base IRI and referential: what a data
file's parse is salted with, `ParsedFiles.salt`), pySHACL's and rdflib's versions, and every file of the data
directory (names and bytes). Validation reads nothing else: the metadata graph, whose date changes at each build,
joins the dataset afterwards. At seed size the validation takes 1.2 s, at national size 21 s.
"""

from __future__ import annotations

import hashlib
import json
from contextlib import suppress
from importlib import metadata
from pathlib import Path

from rdflib import Graph

from graph_builder.files import atomic_write, keep_latest, used
from graph_builder.problems import Problem
from graph_builder.validation.shacl import ValidationOutcome

FORMAT = 1
KEPT = 16  # outcomes kept, the most recently used


def outcome_key(salt: str, data_dir: Path) -> str:
    """What a validation of `data_dir`'s records depends on (`salt`: the build's fingerprint)."""
    digest = hashlib.sha256(json.dumps([FORMAT, salt, metadata.version("pyshacl"),
                                        metadata.version("rdflib")]).encode())
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(data_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:32]


def kept_outcome(folder: Path, key: str) -> ValidationOutcome | None:
    """The outcome kept under `key`, or None (never kept, pruned, unreadable)."""
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        outcome = ValidationOutcome(conforms=bool(data["conforms"]),
                                    problems=[Problem.from_dict(problem) for problem in data["problems"]],
                                    report=Graph().parse(data=data["report"], format="nt"))
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return None
    used(folder / f"{key}.json")
    return outcome


def keep_outcome(folder: Path, key: str, outcome: ValidationOutcome) -> None:
    """Keep `outcome` under `key` (and the KEPT used last); a cache that cannot be written is left as it is."""
    body = {"format": FORMAT, "conforms": outcome.conforms, "problems": [p.to_dict() for p in outcome.problems],
            "report": outcome.report.serialize(format="nt")}
    with suppress(OSError):
        atomic_write(folder / f"{key}.json", json.dumps(body, ensure_ascii=False).encode("utf-8"))
        keep_latest(folder.glob("*.json"), KEPT)
