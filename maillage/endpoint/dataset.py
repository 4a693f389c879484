"""The built dataset as the endpoint and `load` publish it.

Both read `maillage.nq` (every named graph, sorted) and its checksum in
`manifest.json`, written by publish.write_outputs. Graphs of personal
contact data (`.../personal`) are left out unless explicitly asked for, as
in the public dumps: an endpoint or a remote store is a publication too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graph_builder.publication.generations import resolve

DUMP = "maillage.nq"


class DatasetMissing(Exception):
    """No complete build in the directory."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        super().__init__(f"{out_dir}: no built dataset")

    def message(self, lang: str = "fr") -> str:
        if lang == "fr":
            return f"{self.out_dir} : aucun graphe construit ({DUMP} et manifest.json), lancez d'abord « maillage build »."
        return f"{self.out_dir}: no built graph ({DUMP} and manifest.json), run 'maillage build' first."


def is_personal(graph: str) -> bool:
    """A named graph of personal contact data (see docs/data-model.md, « IRIs and graphs »)."""
    return graph.endswith("/personal")


@dataclass(frozen=True)
class BuiltDataset:
    out_dir: Path
    checksum: str  # sha256 of maillage.nq, from the manifest
    base: str
    folder: Path  # where the files are read: the build's generation published when opened (resolved once)

    @classmethod
    def open(cls, out_dir: Path) -> BuiltDataset:
        folder = resolve(out_dir)
        manifest_path, dump = folder / "manifest.json", folder / DUMP
        if not manifest_path.is_file() or not dump.is_file():
            raise DatasetMissing(out_dir)
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        return cls(out_dir=out_dir, checksum=manifest["files"][DUMP]["sha256"], base=manifest["base"], folder=folder)

    @property
    def dump(self) -> Path:
        return self.folder / DUMP

    def quads(self, include_personal: bool = False) -> Iterator[ox.Quad]:
        for quad in ox.parse(path=self.dump, format=ox.RdfFormat.N_QUADS):
            if include_personal or not (isinstance(quad.graph_name, ox.NamedNode) and is_personal(quad.graph_name.value)):
                yield quad

    def store(self, include_personal: bool = False) -> ox.Store:
        """The dataset in an in-memory Oxigraph store."""
        store = ox.Store()
        store.extend(self.quads(include_personal))
        return store
