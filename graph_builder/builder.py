"""The one way to build and publish a graph (`maillage build`, the benchmarks, `graph_builder.build`).

`build` decides: after a successful build whose state is kept in the output directory, only the records edited
since are redone (incremental/rebuild.py); otherwise, or when asked (`full`, `force`), everything is built
(`pipeline.build_graph`, which writes nothing) and published with the state the next build starts from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from graph_builder.collector import kept_from_collection
from graph_builder.incremental.rebuild import full_build_published, parsed_files, rebuild
from graph_builder.kinds import load_schema
from graph_builder.pipeline import BuildResult, Progress, Settings, build_graph
from graph_builder.problems import Problem, blocking
from graph_builder.publication.counts import Stats, compute_stats
from graph_builder.publication.generations import locked
from graph_builder.publication.outputs import PublicationRefused, SyntheticRefused


def _noop(_message) -> None:
    return None


@dataclass
class BuildOutcome:
    """What `build` did: which build, the problems found, what it wrote, or why it wrote nothing."""

    kind: Literal["incremental", "full"]
    problems: list[Problem] = field(default_factory=list)
    changed: int = 0  # records redone by an incremental build
    # Why an incremental build was not possible (French, English); None when it was, or was not tried.
    full_reason: tuple[str, str] | None = None
    manifest: dict | None = None  # the written outputs' manifest; None when nothing was written
    refused: Literal["problems", "synthetic"] | None = None  # why publication was refused
    write_error: OSError | None = None
    result: BuildResult | None = None  # a full build's graph in memory
    stats: Stats | None = None  # a full build's counts (when asked)

    @property
    def ok(self) -> bool:
        """True when nothing blocks publication."""
        return not blocking(self.problems)

    @property
    def written(self) -> bool:
        return self.manifest is not None

    @property
    def forced(self) -> bool:
        """Written despite blocking problems."""
        return self.written and not self.ok


def build(settings: Settings, out_dir: Path, *, full: bool = False, force: bool = False, stats: bool = False,
          progress: Progress = _noop, on_full: Callable[[tuple[str, str]], None] = _noop,
          published: Callable[[ox.Store], None] = _noop) -> BuildOutcome:
    """Build the data of `settings` into `out_dir`, incrementally when possible; publish it if it conforms (or if
    `force`).

    `on_full` hears why an incremental build was not possible, before the full build starts. `stats`: count a
    full build's classes and graphs. `published` is given a full build's dataset once it is published (the
    query stage keeps answers with it: maillage/kept.py). Raises BuildError when the ontology, vocabularies, shapes
    or data directory cannot be read, OutputLocked (at once, nothing written) when another build is writing to `out_dir`. A disk
    error (read-only directory, full disk) is the outcome's `write_error`: readers still see the previous build.
    """
    try:
        with locked(out_dir):
            return _build(settings, out_dir, full, force, stats, progress, on_full, published)
    except OSError as exc:
        return BuildOutcome("full" if full or force else "incremental", write_error=exc)


def _build(settings: Settings, out_dir: Path, full: bool, force: bool, stats: bool, progress: Progress,
           on_full: Callable[[tuple[str, str]], None], published: Callable[[ox.Store], None]) -> BuildOutcome:
    if not full and not force:
        rebuilt = rebuild(settings, out_dir, progress=progress)
        if rebuilt.full_reason is None:
            return BuildOutcome("incremental", problems=rebuilt.problems or [], changed=rebuilt.changed,
                                manifest=rebuilt.manifest, refused=None if rebuilt.ok else "problems")
        on_full(rebuilt.full_reason)
        outcome = _full_build(settings, out_dir, force, stats, progress, published)
        outcome.full_reason = rebuilt.full_reason
        return outcome
    return _full_build(settings, out_dir, force, stats, progress, published)


def _full_build(settings: Settings, out_dir: Path, force: bool, stats: bool, progress: Progress,
                published: Callable[[ox.Store], None] = _noop) -> BuildOutcome:
    result = build_graph(settings, progress=progress, parsed=parsed_files(settings, out_dir))
    outcome = BuildOutcome("full", problems=result.problems, result=result)
    progress("écriture des fichiers")
    with kept_from_collection():  # the built dataset: millions of objects that live until the outcome is dropped
        try:
            store, outcome.manifest = full_build_published(result, out_dir, force=force)
        except PublicationRefused:
            outcome.refused = "problems"
        except SyntheticRefused:
            outcome.refused = "synthetic"
        except OSError as exc:
            outcome.write_error = exc
        else:
            if stats:
                outcome.stats = compute_stats(store.whole(), load_schema().prefixes)
            if published is not _noop:
                published(store.whole())
            del store
    return outcome
