"""The JSON-LD context shipped in the repository (`ontology/maillage.context.jsonld`).

The JSON-LD dump is compacted with this context and embeds it, so that no
reader ever fetches a remote context. The file is generated from the
project's prefixes (those of `record_kinds.yaml` and of the ontology file,
plus VoID and the entities' base) and a test checks that the shipped file is
up to date (`maillage context --check`).
"""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import VOID

from graph_builder.constants import DEFAULT_BASE, PROJECT_ROOT
from graph_builder.kinds import load_schema

CONTEXT_PATH = PROJECT_ROOT / "ontology" / "maillage.context.jsonld"


def project_prefixes(ontology_dir: Path = PROJECT_ROOT / "ontology") -> dict[str, str]:
    """Every prefix the project declares, sorted; a prefix declared twice must name one namespace."""
    declared: dict[str, set[str]] = {}
    ontology = Graph(bind_namespaces="none").parse(ontology_dir / "maillage.ttl")
    sources = [load_schema().prefixes.items(), ((p, str(n)) for p, n in ontology.namespaces()),
               [("void", str(VOID)), ("id", DEFAULT_BASE)]]
    for pairs in sources:
        for prefix, namespace in pairs:
            if prefix:
                declared.setdefault(prefix, set()).add(str(namespace))
    clashes = {p: sorted(n) for p, n in declared.items() if len(n) > 1}
    if clashes:
        raise ValueError(f"prefixes declared with different namespaces: {clashes}")
    return {prefix: declared[prefix].pop() for prefix in sorted(declared)}


def context_document(prefixes: dict[str, str] | None = None) -> dict:
    """The context document: one prefix term per namespace, nothing else (no aliasing, no coercion)."""
    return {"@context": dict(prefixes if prefixes is not None else project_prefixes())}


def context_text(prefixes: dict[str, str] | None = None) -> str:
    return json.dumps(context_document(prefixes), ensure_ascii=False, indent=2) + "\n"


def load_context(path: Path = CONTEXT_PATH) -> dict:
    """The shipped context's `@context` object (read from the repository, never from the network)."""
    return json.loads(path.read_text(encoding="utf-8"))["@context"]


def context_is_current(path: Path = CONTEXT_PATH) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == context_text()
