"""Located records: what step 1 reads, each record with the file and line it comes from; each file's parse kept.

Shared by the curated YAML files (curated.py) and the directories (directories.py).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from graph_builder.files import atomic_write, keep_latest, used


@dataclass
class RawRecord:
    """One record as written in a data file, with its location."""

    kind: str
    data: dict[str, Any]
    file: str
    line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, name: str | None) -> int:
        if name is None:
            return self.line
        return self.field_lines.get(name, self.line)


T = TypeVar("T")


SHARED_KEPT = 64  # parses kept in the shared folder, the most recently used


class ParsedFiles:
    """Each data file's parse, kept in `folder` under the sha256 of the file's bytes: an unchanged file is not parsed
    again (at national size, parsing took 2 s of a 7 s incremental rebuild; loading the kept parses 0.2 s).

    `salt` holds what a parse depends on besides the file (the code, the referential: the incremental state's
    fingerprint). Each kept parse is stored with the sha256 of its bytes: a damaged one is parsed again. New parses
    are kept only by `save` (after a successful build, so that a failed one leaves the state as it was), pickled
    as soon as they are made (the records are mutated later: nested records attached, kinds set).

    `shared`, a folder of the user's cache, is read when `folder` lacks a parse, and `save` keeps its new parses there
    too (the SHARED_KEPT used last): a full build into another output directory of the same files (a first build,
    the tests' reference builds) then reads the YAML parses instead of parsing again (0.5 s at seed size).
    """

    def __init__(self, folder: Path | None = None, salt: str = "", shared: Path | None = None):
        self.folder = folder
        self.salt = salt
        self.shared = shared
        self.keys: dict[str, str] = {}  # display name -> key of its current content
        self.fresh: dict[str, bytes] = {}  # key -> pickled parse, made (or found in `shared` only) by this read
        self._made: set[str] = set()  # the keys of `fresh` parsed by this read (not yet in `shared`)

    def parse(self, path: Path, display: str, parser: Callable[[Path, str], T]) -> T:
        """`parser(path, display)`, or its kept result for the same bytes."""
        try:
            content = path.read_bytes()
        except OSError:
            return parser(path, display)  # reported by the parser
        key = hashlib.sha256(f"{self.salt}\0{display}\0".encode() + content).hexdigest()
        self.keys[display] = key
        kept = self._kept(key)
        if kept is not None:
            return kept
        result = parser(path, display)
        self.fresh[key] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        self._made.add(key)
        return result

    def _kept(self, key: str) -> Any:
        found = _read_kept(self.folder, key)
        if found is None and self.shared is not None:
            found = _read_kept(self.shared, key)
            if found is not None and self.folder is not None:
                self.fresh[key] = found[1]  # kept in `folder` too by `save`
            if found is not None:
                used(self.shared / key)
        return None if found is None else found[0]

    def save(self) -> None:
        """Keep this read's parses in `folder`, and only them; the new ones in `shared` too."""
        if self.shared is not None:
            with suppress(OSError):  # a cache that cannot be written only makes the next first build slower
                for key in self._made:
                    atomic_write(self.shared / key, hashlib.sha256(self.fresh[key]).digest() + self.fresh[key])
                keep_latest(self.shared.iterdir(), SHARED_KEPT)
        self._made = set()
        if self.folder is None:
            self.fresh = {}  # nothing more to keep: the pickles are not held for the build's lifetime
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for key, payload in self.fresh.items():
            atomic_write(self.folder / key, hashlib.sha256(payload).digest() + payload)
        current = set(self.keys.values())
        for path in self.folder.iterdir():
            if path.name not in current:
                path.unlink(missing_ok=True)
        self.fresh = {}


def _read_kept(folder: Path | None, key: str) -> tuple[Any, bytes] | None:
    """The parse kept under `key` in `folder` and its pickle, or None (none, damaged, unreadable)."""
    if folder is None:
        return None
    try:
        blob = (folder / key).read_bytes()
    except OSError:
        return None
    if hashlib.sha256(blob[32:]).digest() != blob[:32]:
        return None
    try:
        return pickle.loads(blob[32:]), blob[32:]
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
