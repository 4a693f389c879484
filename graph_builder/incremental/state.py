"""The state a build keeps beside its outputs (`.maillage-state/state.json`), as typed records.

What the next build compares with the data to redo only what changed: each unit of conversion (a top-level record
with its nested records), the ids references resolve through, each named graph's description, the problems found.
The file carries its FORMAT: a state of another format, or one that cannot be read, is no state (a full build).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from graph_builder.files import atomic_write
from graph_builder.problems import Problem

STATE = ".maillage-state"
DIRTY = "dirty"
FORMAT = 3


def state_dir(out_dir: Path) -> Path:
    return out_dir.resolve() / STATE


def fragment_name(graph: str) -> str:
    """The name of a named graph's fragments in the state (`fragments/NAME.nq`, `.trig`, `.ttl`: what the dumps are
    made of, publication.outputs)."""
    return hashlib.sha256(graph.encode()).hexdigest()[:24]


@dataclass(slots=True)
class SavedUnit:
    """A unit as the previous build converted it."""

    digest: str  # of its records' data, locations left out
    iris: list[str]  # the subjects it writes
    graphs: list[str]  # the names of the graphs it writes
    files: list[str]  # the data files its records come from

    def to_json(self) -> list:
        return [self.digest, self.iris, self.graphs, self.files]

    @classmethod
    def from_json(cls, data: list) -> SavedUnit:
        return cls(*data)


@dataclass(frozen=True, slots=True)
class IdUse:
    """What an id named: an entry's kind and IRI (an edit that changes it changes what references mean)."""

    kind: str
    iri: str


@dataclass(slots=True)
class GraphInfo:
    """What the metadata graph says of a named graph."""

    source: str | None
    size: int
    personal: bool
    synthetic: bool


@dataclass
class BuildState:
    fingerprint: str
    conforms: bool
    # Problems the builder found (not SHACL's): an incremental rebuild cannot re-locate them.
    builder_problems: int
    units: dict[str, SavedUnit]
    files: dict[str, str]  # data file -> key of its content (ParsedFiles.keys)
    by_id: dict[str, list[IdUse]]
    graphs: dict[str, GraphInfo]
    prefixes: dict[str, str]
    problems: list[Problem]
    # Not saved in state.json: the mark a rebuild leaves while it updates the store.
    dirty: bool = field(default=False, compare=False)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "fingerprint": self.fingerprint, "conforms": self.conforms,
            "builder_problems": self.builder_problems,
            "units": {key: unit.to_json() for key, unit in self.units.items()},
            "files": self.files,
            "by_id": {ident: [[use.kind, use.iri] for use in uses] for ident, uses in self.by_id.items()},
            "graphs": {iri: {"source": info.source, "size": info.size, "personal": info.personal,
                             "synthetic": info.synthetic} for iri, info in self.graphs.items()},
            "prefixes": self.prefixes,
            "problems": [problem.to_dict() for problem in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict) -> BuildState:
        return cls(
            fingerprint=data["fingerprint"], conforms=data["conforms"], builder_problems=data["builder_problems"],
            units={key: SavedUnit.from_json(unit) for key, unit in data["units"].items()},
            files=data["files"],
            by_id={ident: [IdUse(*use) for use in uses] for ident, uses in data["by_id"].items()},
            graphs={iri: GraphInfo(**info) for iri, info in data["graphs"].items()},
            prefixes=data["prefixes"],
            problems=[Problem.from_dict(problem) for problem in data["problems"]],
        )


def read_state(out_dir: Path) -> BuildState | None:
    """The state kept in `out_dir`, or None if there is none this code can read."""
    try:
        data = json.loads((state_dir(out_dir) / "state.json").read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        state = BuildState.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # While the store is updated, this mark says the state may be half-changed (a file of its own: a few bytes
    # written instead of the whole state).
    state.dirty = (state_dir(out_dir) / DIRTY).exists()
    return state


def write_state(out_dir: Path, state: BuildState) -> None:
    atomic_write(state_dir(out_dir) / "state.json", json.dumps(state.to_json(), ensure_ascii=False).encode())
