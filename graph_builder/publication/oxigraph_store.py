"""The built dataset in an Oxigraph store: the whole graph, referential included.

rdflib holds the curated graphs while they are built and validated; the
dataset as published (and queried through the territorial nesting) goes
into Oxigraph, which parses, serialises and answers queries at national size
tens of times faster (measured: docs/performance/).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from graph_builder.files import atomic_write
from graph_builder.referential.check import cache_key
from graph_builder.terms import TermConverter


def referential_dump(result) -> Path:
    """The whole referential's graph as N-Triples, made once per version, ontology and base IRI.

    Making its 420,000 triples term by term takes seconds; Oxigraph parses
    the cached file in a fraction of that.
    """
    settings = result.settings
    key = cache_key(settings.ontology_dir) + "-" + hashlib.sha256(settings.base.encode()).hexdigest()[:8]
    path = settings.cache / "graphs" / f"referential-{key}.nt"
    if not path.exists():
        convert = TermConverter()
        data = ox.serialize((ox.Triple(convert(s), convert(p), convert(o)) for s, p, o in result.place_triples()),
                            format=ox.RdfFormat.N_TRIPLES)
        atomic_write(path, data)
    return path


class DatasetStore:
    """A build's dataset in an in-memory Oxigraph store, the referential's places loaded only when the whole graph is
    read (`whole`).

    The places are the cached referential dump's 495,000 triples (0.7 s to load at any size): writing the dumps
    needs them only when their fragment is not in the cache (outputs.write_outputs), and a build whose answers
    are not kept (the tests' reference builds, `graph_builder.build` without `published`) never reads them.
    """

    def __init__(self, result) -> None:
        self.result = result
        self.referential = str(result.referential_graph)
        self.store = ox.Store()
        convert = TermConverter()
        for graph in result.dataset.graphs():
            # The dataset's referential graph holds the records a source cites from the referential (its
            # publisher...) and the cited places: the latter are in the dump too, loaded in `whole`.
            if isinstance(graph.identifier, URIRef) and len(graph):
                self.store.extend(convert.quads(graph, graph.identifier))
        self._whole = False

    def whole(self) -> ox.Store:
        """The store with every place of the referential."""
        if not self._whole:
            # `load`, not `bulk_load`: in memory it is 0.7 s instead of 1.1 to 1.3; not checked again (`lenient`):
            # the dump is this code's own serialisation of checked terms.
            self.store.load(path=referential_dump(self.result), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(self.referential), lenient=True)
            self._whole = True
        return self.store


def build_store(result) -> ox.Store:
    """Every named graph of a build (see pipeline.BuildResult), the whole referential included."""
    return DatasetStore(result).whole()


def referential_store(result, location: Path) -> ox.Store:
    """An on-disk store at `location` holding the referential's graph as build_store holds it (every place, and
    the dataset's own quads in that graph); the other graphs are for the caller to load.

    The places are copied from a store made once per referential dump (and Oxigraph version): bulk-loading their
    420,000 triples into RocksDB took 3.8 s of a 12 s build, copying its files 0.02 s.
    """
    dump = referential_dump(result)
    graph = ox.NamedNode(str(result.referential_graph))
    made = dump.with_name(f"{dump.stem}-oxigraph-{ox.__version__}")
    if not made.is_dir():
        with suppress(OSError):  # a cache that cannot be written (read-only, full) only makes the build slower
            _make_store(dump, graph, made)
    copied = made.is_dir()
    if copied:
        shutil.copytree(made, location)
    store = ox.Store(str(location))
    if not copied:
        store.bulk_load(path=dump, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
    store.extend(TermConverter().quads(result.dataset.graph(result.referential_graph), result.referential_graph))
    return store


def _make_store(dump: Path, graph: ox.NamedNode, made: Path) -> None:
    """The store of `dump`'s triples in `graph`, made aside and renamed to `made` (another build may make it at
    the same time: the first rename wins, the same files)."""
    scratch = Path(tempfile.mkdtemp(prefix=f".{made.name}-", dir=made.parent))
    try:
        places = ox.Store(str(scratch / "store"))
        places.bulk_load(path=dump, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        del places  # closed, its files complete
        os.rename(scratch / "store", made)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
