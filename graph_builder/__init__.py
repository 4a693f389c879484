"""Maillage graph builder: curated sources -> validated, sourced RDF dataset.

Data flow, one module per step:
  sources.py     read curated YAML records and directory CSV lines with their file and line
  territories.py the official referential's territories (referential.py: the pinned package)
  records.py     records -> triples, one named graph per source document
  metadata.py    the dataset's own DCAT / VoID / PROV-O description
  validation.py  SHACL validation (no inference), reported per record and field
  publish.py     atomic TriG / N-Quads / Turtle dumps, written through Oxigraph (store.py)
  pipeline.py    ties the steps together; cli.py is the `maillage` command
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

# Where each name of the package's API lives. Imported at first use (PEP 562), so that importing one module (the
# viewer's, say) does not import the whole build pipeline and pySHACL with it (0.2 s at every viewer start).
_EXPORTS = {
    "BuildResult": "pipeline", "Settings": "pipeline", "build_graph": "pipeline",
    "BuildError": "problems", "Problem": "problems",
    "PublicationRefused": "publish", "write_outputs": "publish",
}
__all__ = ["BuildError", "BuildResult", "Problem", "PublicationRefused", "Settings", "build_graph", "write_outputs"]

if TYPE_CHECKING:
    from .pipeline import BuildResult, Settings, build_graph
    from .problems import BuildError, Problem
    from .publish import PublicationRefused, write_outputs


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
