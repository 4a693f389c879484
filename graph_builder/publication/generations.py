"""Step 5's last move: a build's files published as one generation, switched in at once, under a lock.

An output directory (`--out`):

    .generations/<id>/      one complete build each: the dumps, validation.json and .ttl, manifest.json
    .generations/current    -> <id>, the published build (a relative symlink, replaced atomically)
    .generations/previous   -> <id>, the build published before it, kept for readers that resolved it
    maillage.nq             -> .generations/current/maillage.nq (and so for each file of DUMPS): the names people
                               and scripts know, fixed symlinks through `current`
    .maillage.lock          locked (flock) by the build writing here: one build at a time
    .maillage-state/        what the next incremental build starts from (the builder's, no reader's)

A generation is written whole in its folder, manifest last, while readers go on reading `current`; then
`previous` and `current` are switched, each with one `os.replace`. A reader resolves the generation once
(`resolve`) and reads every file from that folder: it sees one complete build, the new or the one before, never a
mix, and the folder it resolved stays until the build after next. Whatever a killed build left in `.generations`
(a half-written generation, scratch files) is removed by the next build, under the lock.

A directory of plain files (an older layout, or a hand-made folder with maillage.nq) is read as it is; the first
build into it replaces its files by the links.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from graph_builder.files import sync
from graph_builder.problems import BilingualError

GENERATIONS = ".generations"
CURRENT, PREVIOUS = "current", "previous"
LOCK = ".maillage.lock"
KILL_AT = "MAILLAGE_KILL_AT"  # see reached()

_held: dict[Path, int] = {}  # out directory -> depth of `locked` in this process (the lock is reentrant here)


class OutputLocked(BilingualError):
    """Another build holds the output directory's lock."""


def resolve(out_dir: Path | str) -> Path:
    """The folder of the build `out_dir` publishes now: its current generation, or `out_dir` itself for a
    directory of plain files (an older layout, a hand-made folder). Resolve once, then read every file from it."""
    out_dir = Path(out_dir)
    pointer = out_dir / GENERATIONS / CURRENT
    try:
        target = os.readlink(pointer)
    except OSError:  # no generation published here
        return out_dir
    return (pointer.parent / target).resolve()


def reached(step: str) -> None:
    """Test hook: a process whose environment has MAILLAGE_KILL_AT=`step` kills itself here (SIGKILL), as a crash
    or an impatient user would; tests/test_generations.py kills real builds at each step this way."""
    if os.environ.get(KILL_AT) == step:
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold `out_dir`'s lock (created with the directory if need be); OutputLocked at once if another process holds
    it. Reentrant within a process: the build takes it, and publication takes it again. On entry, what a killed
    build left is removed (`clean`)."""
    out_dir = out_dir.resolve()
    if out_dir in _held:
        _held[out_dir] += 1
        try:
            yield
        finally:
            _held[out_dir] -= 1
        return
    made = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputLocked(
                f"{out_dir} : une autre construction écrit déjà dans ce dossier ; attendez qu'elle se termine "
                "(ou choisissez un autre --out). Rien n'a été écrit.",
                f"{out_dir}: another build is already writing to this directory; wait until it ends (or choose "
                "another --out). Nothing was written.") from None
        _held[out_dir] = 1
        try:
            clean(out_dir)
            reached("locked")
            yield
        finally:
            del _held[out_dir]
            if made:
                _unmade(out_dir)
    finally:
        os.close(descriptor)  # releases the lock


def _unmade(out_dir: Path) -> None:
    """Remove the directory `locked` made if the build wrote nothing in it (bad input): no trace of a failed build."""
    with contextlib.suppress(OSError):
        with contextlib.suppress(OSError):
            (out_dir / GENERATIONS).rmdir()  # only if empty
        if [entry.name for entry in out_dir.iterdir()] == [LOCK]:
            (out_dir / LOCK).unlink()
            out_dir.rmdir()


def clean(out_dir: Path) -> None:
    """Remove from `.generations` all but the current and previous generations (and their pointers): older builds,
    and whatever a killed build left. Under the lock only."""
    folder = out_dir / GENERATIONS
    if not folder.is_dir():
        return
    kept = {CURRENT, PREVIOUS}
    for pointer in (CURRENT, PREVIOUS):
        with contextlib.suppress(OSError):
            kept.add(os.readlink(folder / pointer))
    for entry in folder.iterdir():
        if entry.name in kept:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@contextlib.contextmanager
def scratch(out_dir: Path) -> Iterator[Path]:
    """A folder for a build's temporary files, inside `.generations` (same file system; removed afterwards, or by
    the next build if this one is killed)."""
    folder = out_dir / GENERATIONS
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".scratch-", dir=folder))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def generation(out_dir: Path) -> Iterator[Path]:
    """A new, empty generation folder to write a build into; removed if the block fails (publish it with
    `publish` inside the block). Under the lock only."""
    folder = out_dir / GENERATIONS
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        path = folder / dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        try:
            path.mkdir()
            break
        except FileExistsError:
            continue
    published = False
    try:
        yield path
        published = os.path.realpath(folder / CURRENT) == str(path.resolve())
    finally:
        if not published:
            shutil.rmtree(path, ignore_errors=True)


def _point(link: Path, target: str) -> None:
    """Make `link` a symlink to `target` in one step (a new link renamed over the old one)."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    if link.is_dir() and not link.is_symlink() and link.parent.name == GENERATIONS:
        # `current` or `previous` copied as a folder (a copy that followed the links): set aside, removed by `clean`
        link.rename(link.with_name(f".copied-{link.name}-{os.getpid()}"))
    os.replace(temporary, link)


def publish(out_dir: Path, path: Path, names: Iterable[str]) -> None:
    """Switch readers to the complete generation `path` (`names` are its files): `previous` takes what was
    `current`, then `current` points to `path`, each in one rename; the top-level links are made if missing, and
    generations older than the previous one removed. Under the lock only."""
    folder = out_dir / GENERATIONS
    names = list(names)
    for name in names:  # on disk before any pointer names them: a power cut cannot publish a half-flushed file
        sync(path / name)
    sync(path)
    reached("complete")
    with contextlib.suppress(OSError):
        _point(folder / PREVIOUS, os.readlink(folder / CURRENT))
    reached("previous")
    _point(folder / CURRENT, path.name)
    sync(folder)
    reached("switch")
    for name in names:
        _point(out_dir / name, f"{GENERATIONS}/{CURRENT}/{name}")
    sync(out_dir)
    reached("links")
    clean(out_dir)

