"""Maillage's build stage: curated sources -> validated, sourced RDF dataset, written atomically.

The data flow, one subpackage per step:
  sources/       step 1: curated YAML records and directory lines (CSV, XLSX), each with its file and line
  referential/   the official territories (pinned Etalab package), their SHACL check, their map geometry
  conversion/    step 2: records -> triples, one named graph per source; 3: the dataset's DCAT/VoID description
  validation/    step 4: SHACL (no inference), reported in the records' terms; a second engine to compare
  publication/   step 5: atomic dumps through Oxigraph; exports, JSON-LD context, ontology documentation
  incremental/   the state a build keeps to redo only what an edit changed
  pipeline.py    the steps in memory (`build_graph`, writes nothing), shared with the incremental rebuild
  builder.py     `build`: the one entry point that builds, full or incremental, and publishes
constants.py, problems.py, files.py, kinds.py and vocabulary.py are shared by every stage.
The query library, stores and endpoint that use a built graph are in `maillage`; the viewer is in `app`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

# Where each name of the package's API lives. Imported at first use (PEP 562), so that importing one module (the
# viewer's, say) does not import the whole build pipeline and pySHACL with it (0.2 s at every viewer start).
_EXPORTS = {
    "BuildOutcome": "builder", "build": "builder",
    "BuildResult": "pipeline", "Settings": "pipeline", "build_graph": "pipeline",
    "BuildError": "problems", "Problem": "problems",
    "PublicationRefused": "publication.outputs", "write_outputs": "publication.outputs",
}
__all__ = ["BuildError", "BuildOutcome", "BuildResult", "Problem", "PublicationRefused", "Settings", "build",
           "build_graph", "write_outputs"]

if TYPE_CHECKING:
    from graph_builder.builder import BuildOutcome, build
    from graph_builder.pipeline import BuildResult, Settings, build_graph
    from graph_builder.problems import BuildError, Problem
    from graph_builder.publication.outputs import PublicationRefused, write_outputs


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
