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

from .pipeline import BuildResult, Settings, build_graph
from .problems import BuildError, Problem
from .publish import PublicationRefused, write_outputs

__all__ = ["BuildError", "BuildResult", "Problem", "PublicationRefused", "Settings", "build_graph", "write_outputs"]
