"""Files: written whole or not at all, fetched once, and the header of the project's query files."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

import yaml


def atomic_write(path: Path, data: bytes) -> None:
    """Write through a temporary file of the same directory, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            handle.write(data)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def used(path: Path) -> None:
    """Mark a cached file as just used: its modification time, what `keep_latest` keeps by (a read-only cache stays
    as it is)."""
    with suppress(OSError):
        os.utime(path)


def keep_latest(paths: Iterable[Path], count: int, siblings: Iterable[str] = ()) -> None:
    """Delete all but the `count` of `paths` used last (`used`), each with its `siblings` (the files of the same name
    with these suffixes instead). A file another process removed meanwhile, or one that cannot be removed, is left to
    the next call; one another process is writing (`atomic_write`'s hidden name) is never counted nor removed."""
    dated = []
    for path in paths:
        if path.name.startswith("."):
            continue
        with suppress(OSError):
            dated.append((path.stat().st_mtime, path))
    for _, path in sorted(dated, reverse=True)[count:]:
        for old in (path, *(path.with_suffix(suffix) for suffix in siblings)):
            with suppress(OSError):
                old.unlink()


def sync(path: Path) -> None:
    """fsync a file, or a directory (its entries: the renames and creations done in it)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def stderr_tail(done: subprocess.CompletedProcess) -> str:
    return done.stderr.strip()[-300:]


def fetched_once(target: Path, command: Callable[[str], list[str]], verify: Callable[[Path], None],
                 error: Callable[[str, str], Exception], label: str, timeout_s: int,
                 reason: Callable[[subprocess.CompletedProcess], str] = stderr_tail) -> Path:
    """`target` (a pinned package's file), checked by `verify`: from the cache, or else downloaded once by
    `command(staging_dir)` (a package manager writing `target.name` into that directory), checked, then moved
    into place whole. A failed or timed-out download raises `error(French, English)` with the tool's `reason`
    (by default its last words) and what to do."""
    if target.exists():
        verify(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as staging:
        try:
            done = subprocess.run(command(staging), capture_output=True, text=True, check=False, timeout=timeout_s)
            failed, detail = done.returncode != 0, reason(done)
        except subprocess.TimeoutExpired:
            failed, detail = True, f"pas de réponse en {timeout_s} s / no answer within {timeout_s} s"
        fetched = Path(staging) / target.name
        if failed or not fetched.exists():
            raise error(f"téléchargement de {label} impossible : {detail}\nVérifiez l'accès au réseau (et au registre "
                        f"du paquet) puis relancez ; sans réseau, copiez le fichier {target.name} dans {target.parent}.",
                        f"cannot download {label}: {detail}\nCheck the network (and the package's registry) and run "
                        f"again; offline, copy the file {target.name} into {target.parent}.")
        verify(fetched)
        os.replace(fetched, target)
    return target


def read_header(text: str) -> dict:
    """The grlc-style `#+ ` header of a query file (queries/, queries/export/), as YAML; libyaml's loader where
    PyYAML has it (eight times faster: the library reads every header)."""
    lines = [line[3:] for line in text.splitlines() if line.startswith("#+ ") or line == "#+"]
    return yaml.load("\n".join(lines), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
