"""The whole data flow in memory: sources -> records -> graph -> validation.

`build_graph` never writes anything; `publish.write_outputs` does, and only
for a graph that conforms (or when forced).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import metadata as package_metadata
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from graph_builder.collector import paused_gc
from graph_builder.constants import DATA_DIR, DEFAULT_BASE, ONTOLOGY_DIR, SHAPES_DIR
from graph_builder.conversion.metadata import describe, describe_referential
from graph_builder.conversion.privacy import personal_leaks
from graph_builder.conversion.records import Built, convert_records
from graph_builder.conversion.revisions import revise
from graph_builder.kinds import Schema, load_schema
from graph_builder.problems import BuildError, Problem, blocking
from graph_builder.referential.check import ReferentialCheck, cache_key
from graph_builder.referential.package import ReferentialError, default_cache, fetch, load
from graph_builder.referential.territories import SOURCE_ID as REFERENTIAL_SOURCE
from graph_builder.referential.territories import Places
from graph_builder.sources import read_data_dir
from graph_builder.sources.located import ParsedFiles, RawRecord
from graph_builder.validation.kept import keep_outcome, kept_outcome, outcome_key
from graph_builder.validation.shacl import ValidationOutcome, load_shapes, validate_graph
from graph_builder.vocabulary import Vocabulary, load_vocabulary


@dataclass(frozen=True)
class Settings:
    """Where the inputs are and how IRIs are minted."""

    data_dir: Path = DATA_DIR
    ontology_dir: Path = ONTOLOGY_DIR
    shapes_dir: Path = SHAPES_DIR
    base: str = DEFAULT_BASE
    built_at: dt.datetime | None = None
    # Where the official referential (and what is derived from it) is cached.
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.base.startswith(("http://", "https://")) or not self.base.endswith(("/", "#")):
            raise ValueError(f"base IRI must be http(s) and end with '/' or '#': {self.base!r}")

    def build_time(self) -> dt.datetime:
        """Build time, or SOURCE_DATE_EPOCH's for reproducible builds."""
        if self.built_at is not None:
            return self.built_at
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        return dt.datetime.now(tz=dt.UTC).replace(microsecond=0)

    def graph_iri(self, name: str) -> URIRef:
        return URIRef(f"{self.base}graph/{name}")

    @property
    def cache(self) -> Path:
        return self.cache_dir or default_cache()


BUILD_CODE = Path(__file__).resolve().parent  # graph_builder/: the build's code


def _files_digest(digest, folder: Path, patterns: Iterable[str]) -> None:
    for pattern in patterns:
        for path in sorted(p for p in folder.rglob(pattern) if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())


def build_fingerprint(settings: Settings) -> str:
    """Everything but the data that a build's output depends on: the build's code, ontology, shapes, base IRI and
    referential (4 to 7 ms). What a data file's parse (`ParsedFiles.salt`) and a validation's outcome are kept by."""
    digest = hashlib.sha256(f"{package_metadata.version('maillage')} {settings.base}".encode())
    _files_digest(digest, BUILD_CODE, ("*.py", "*.yaml"))
    _files_digest(digest, settings.ontology_dir, ("*",))
    _files_digest(digest, settings.shapes_dir, ("*",))
    digest.update(cache_key(settings.ontology_dir).encode())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def load_places(cache: Path, base: str) -> Places:
    """The official referential's territories (read once per process: they never change within one)."""
    try:
        return Places(load(fetch(cache)), base)
    except ReferentialError as exc:
        raise BuildError([Problem(str(cache), None, None, None, exc.message_fr, exc.message_en)]) from exc


@dataclass
class BuildResult:
    settings: Settings
    dataset: Dataset
    built: Built
    problems: list[Problem]
    built_at: dt.datetime
    places: Places
    vocabulary: Vocabulary
    validation: ValidationOutcome | None = None
    personal_graphs: set[URIRef] = field(default_factory=set)
    # Graphs of the synthetic-data generator's directories: never published.
    synthetic_graphs: set[URIRef] = field(default_factory=set)
    # What the metadata graph says of each named graph: its source document and its size.
    graph_sources: dict[URIRef, URIRef | None] = field(default_factory=dict)
    graph_sizes: dict[URIRef, int] = field(default_factory=dict)
    # The data files' parses, kept for the next incremental rebuild (see incremental.py).
    parsed: ParsedFiles | None = None

    @property
    def ok(self) -> bool:
        """True when nothing blocks publication."""
        return not blocking(self.problems)

    @property
    def referential_graph(self) -> URIRef:
        return self.settings.graph_iri(REFERENTIAL_SOURCE)

    def place_triples(self, idents=None):
        """Triples of the referential's territories (all of them by default)."""
        return self.places.triples(self.vocabulary, idents)

    @cached_property
    def cited_places(self) -> Graph:
        """The referential's territories the curated records cite, with every territory above them
        (and the records of the referential's own source, which share their graph)."""
        return self.dataset.graph(self.referential_graph)

    def data_graph(self, include_personal: bool = True) -> Graph:
        """A copy of the union of every curated data graph (vocabularies included, ontology excluded)
        and of the places it cites.

        The whole referential is left out: the dataset's referential graph only
        holds the cited places; the whole of it is published from the store
        (`store.build_store`), where queries through the nesting are fast.
        """
        union = Graph()
        ontology = self.settings.graph_iri("ontology")
        metadata = self.settings.graph_iri("metadata")
        for graph in self.dataset.graphs():
            if graph.identifier in (ontology, metadata) or not isinstance(graph.identifier, URIRef):
                continue
            if not include_personal and graph.identifier in self.personal_graphs:
                continue
            union += graph
        return union


Progress = Callable[[str], None]


def _noop(_step: str) -> None:
    return None


def _fill(dataset: Dataset, name: URIRef, triples: Graph) -> None:
    target = dataset.graph(name)
    target += triples


def synthetic_sources(built: Built) -> set[str]:
    return {entry.ident for entries in built.index.values() for entry in entries
            if entry.kind.name == "source_document" and entry.record.data.get("synthetic") is True}


# -- the steps every build takes, full (`build_graph`) or incremental (incremental/rebuild.py) ----------------


@dataclass(frozen=True)
class Inputs:
    """What a build reads before the data: the record kinds, the ontology and its vocabularies, the build time."""

    schema: Schema
    vocabulary: Vocabulary
    built_at: dt.datetime


def read_inputs(settings: Settings, progress: Progress = _noop) -> Inputs:
    schema = load_schema()
    built_at = settings.build_time()
    progress("ontologie et vocabulaires")
    return Inputs(schema, load_vocabulary(settings.ontology_dir), built_at)


def read_records(settings: Settings, parsed: ParsedFiles | None,
                 progress: Progress = _noop) -> tuple[list[RawRecord], list[Problem], Places]:
    """Every record of the data directory, the problems met reading them, and the official territories."""
    records, problems = read_data_dir(settings.data_dir, parsed)
    progress("référentiel territorial")
    return records, problems, load_places(settings.cache, settings.base)


def input_problems(built: Built, schema: Schema) -> list[Problem]:
    """What converting the records found, personal data where it may not be included."""
    return built.problems + personal_leaks(built, schema)


@dataclass(frozen=True)
class GraphOrigin:
    """Where a named graph's triples come from, as its description in the metadata graph says."""

    source: URIRef | None  # the source document
    personal: bool
    synthetic: bool  # a synthetic-data generator's directory: never published


def graph_origins(built: Built, names: Iterable[str]) -> dict[str, GraphOrigin]:
    """The origin of each graph named (`<source id>` or `<source id>/personal`)."""
    documents = {entry.ident: entry.iri for entry in built.entries if entry.kind.name == "source_document"}
    synthetic = synthetic_sources(built)
    return {name: GraphOrigin(documents.get(name.removesuffix("/personal")), name in built.personal_graphs,
                              name.removesuffix("/personal") in synthetic) for name in names}


def describe_build(settings: Settings, sizes: dict[URIRef, int], sources: dict[URIRef, URIRef | None],
                   personal: set[URIRef], synthetic: set[URIRef], built_at: dt.datetime, places: Places) -> Graph:
    """The metadata graph: the dataset, each named graph with its source and size, the referential used."""
    metadata = describe(sizes, settings.base, sources, personal, built_at, synthetic)
    describe_referential(metadata, settings.graph_iri(REFERENTIAL_SOURCE), places.referential)
    return metadata


def referential_problems(settings: Settings, check: ReferentialCheck) -> list[Problem]:
    """The official referential's own problems (checked once per referential, ontology and shapes)."""
    try:
        return check.problems()
    except ReferentialError as exc:
        raise BuildError([Problem(str(settings.cache), None, None, None, exc.message_fr, exc.message_en)]) from exc


def with_shacl(problems: list[Problem], shacl: Iterable[Problem]) -> list[Problem]:
    """The problems, then SHACL's, but for a field already reported by the builder (not reported twice)."""
    known = {(p.file, p.record, p.field) for p in blocking(problems)}
    return problems + [p for p in shacl if (p.file, p.record, p.field) not in known]


def build_graph(settings: Settings, progress: Progress = _noop, parsed: ParsedFiles | None = None) -> BuildResult:
    """Read, convert and validate; return the dataset and every problem found.

    `parsed`: the data files' kept parses, if any (an unchanged file is not parsed again).

    Raises BuildError only when the ontology, vocabularies or shapes cannot
    be read (the data's own problems are returned, all at once).
    """
    inputs = read_inputs(settings, progress)
    schema, vocabulary = inputs.schema, inputs.vocabulary
    progress("formes SHACL")
    shapes = load_shapes(settings.shapes_dir)
    referential_check = ReferentialCheck(settings.cache, settings.ontology_dir, settings.shapes_dir)
    progress("lecture des données")
    if not settings.data_dir.is_dir():
        raise BuildError([Problem(str(settings.data_dir), None, None, None,
                                  "dossier de données introuvable", "data directory not found")])
    if parsed is None:  # no state of its own: the parses shared through the cache folder only
        parsed = ParsedFiles(None, build_fingerprint(settings), shared=settings.cache / "parsed")
    with paused_gc():
        records, problems, places = read_records(settings, parsed, progress)
        if parsed.folder is None:
            parsed.save()
        progress("conversion en RDF")
        dataset = Dataset()
        built = convert_records(records, schema, vocabulary, settings.base, places, dataset, settings.graph_iri)
        revise(built)  # an accepted correction's values replace those it corrects (the replaced: graph/history)
    problems = problems + input_problems(built, schema)

    # Until validation, the dataset holds only data (validated as the union of its graphs, without a copy):
    # the vocabularies, the records' graphs and, in the referential's graph, the places they cite.
    _fill(dataset, settings.graph_iri("vocabularies"), vocabulary.schemes)
    referential_graph = settings.graph_iri(REFERENTIAL_SOURCE)
    cited = dataset.graph(referential_graph)
    referential_records = len(cited)  # the referential's own records (its publisher...), before the places
    cited.addN((*triple, cited) for triple in places.triples(vocabulary, places.with_ancestors(built.cited_places)))
    origins = {settings.graph_iri(name): origin for name, origin in graph_origins(built, sorted(built.graphs)).items()}
    graph_sources: dict[URIRef, URIRef | None] = {iri: origin.source for iri, origin in origins.items()}
    personal = {iri for iri, origin in origins.items() if origin.personal}
    synthetic = {iri for iri, origin in origins.items() if origin.synthetic}
    for fixed in ("ontology", "vocabularies"):
        graph_sources[settings.graph_iri(fixed)] = None
    graph_sources[referential_graph] = places.source_iri
    sizes = {iri: len(dataset.graph(iri)) for iri in graph_sources if iri != referential_graph}
    sizes[settings.graph_iri("ontology")] = len(vocabulary.ontology)
    sizes[referential_graph] = referential_records + places.triple_count(vocabulary)
    metadata = describe_build(settings, sizes, graph_sources, personal, synthetic, inputs.built_at, places)
    for prefix, namespace in schema.prefixes.items():
        dataset.bind(prefix, namespace)
    dataset.bind("id", settings.base)

    result = BuildResult(settings=settings, dataset=dataset, built=built, problems=problems,
                         built_at=inputs.built_at, places=places, vocabulary=vocabulary, personal_graphs=personal,
                         synthetic_graphs=synthetic, graph_sources=graph_sources, graph_sizes=sizes, parsed=parsed)
    progress("validation SHACL")
    # Kept for the next build of the same data and code (the parses' salt: the build's fingerprint).
    key = outcome_key(parsed.salt, settings.data_dir) if parsed.salt else None
    outcome = kept_outcome(settings.cache / "validated", key) if key else None
    if outcome is None:
        outcome = validate_graph(dataset, shapes, built, schema)
        if key:
            keep_outcome(settings.cache / "validated", key, outcome)
    result.validation = outcome
    _fill(dataset, settings.graph_iri("ontology"), vocabulary.ontology)
    _fill(dataset, settings.graph_iri("metadata"), metadata)
    progress("validation du référentiel" + (" (en cache)" if referential_check.cached else ""))
    result.problems = with_shacl(problems + referential_problems(settings, referential_check), outcome.problems)
    return result
