"""The real Oxigraph SPARQL server (the `oxigraph` console binary of the PyPI package `oxigraph`).

The SPARQL 1.1 Protocol is Oxigraph's, never re-implemented here: this module
only prepares its on-disk store from the build, starts the server on a
loopback address, waits until it answers and stops it.

The store directory is a cache next to the build (`<out>/oxigraph/public`, or
`complete` with personal graphs), or in the user's cache when the build is
read-only (`store_caches`): it is loaded with `oxigraph load` and rebuilt
only when the checksum of `maillage.nq` in the manifest changes.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pyoxigraph as ox

from graph_builder.referential.package import default_cache
from maillage.endpoint.dataset import BuiltDataset


class OxigraphError(Exception):
    """The Oxigraph binary is missing, could not load the dump, or the server did not start."""


def oxigraph_binary() -> str:
    """The `oxigraph` console script, next to this Python first (a venv need not be on PATH)."""
    beside = Path(sys.executable).with_name("oxigraph")
    found = str(beside) if beside.is_file() else shutil.which("oxigraph")
    if not found:
        raise OxigraphError("le programme « oxigraph » est introuvable : installez le paquet PyPI « oxigraph » "
                            "(pip install -e .) / the 'oxigraph' program is missing: install the PyPI package 'oxigraph'")
    return found


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def store_caches(dataset: BuiltDataset) -> list[Path]:
    """Where the store of a build may be kept, in order: beside the build (`<out>/oxigraph`), else (a read-only
    build) in the user's cache, one folder per build directory."""
    key = hashlib.sha256(str(dataset.out_dir.resolve()).encode()).hexdigest()[:16]
    return [dataset.out_dir / "oxigraph", default_cache() / "oxigraph" / key]


def _loaded(cache: Path, variant: str, checksum: str) -> bool:
    try:
        return (cache / variant).is_dir() and (cache / f"{variant}.sha256").read_text().strip() == checksum
    except OSError:
        return False


def prepare_store(dataset: BuiltDataset, include_personal: bool = False, extra: Sequence[ox.Quad] = ()) -> Path:
    """The on-disk Oxigraph store of the build, loaded once per version of the dump (and of the `extra` quads
    served with it: the query catalogue), in the first of `store_caches` where it is loaded already or can be
    written."""
    variant = "complete" if include_personal else "public"
    checksum = dataset.checksum
    if extra:
        lines = sorted(str(quad) for quad in extra)
        checksum += "+" + hashlib.sha256("\n".join(lines).encode()).hexdigest()
    caches = store_caches(dataset)
    for cache in caches:
        if _loaded(cache, variant, checksum):
            return cache / variant
    for cache in caches:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{variant}-", dir=cache))
        except OSError:  # a read-only build: the next place
            continue
        return _load(dataset, include_personal, cache, variant, staging, extra, checksum)
    raise OxigraphError(f"aucun dossier où écrire le store d'Oxigraph ({', '.join(map(str, caches))}) ; donnez un "
                        "MAILLAGE_CACHE où écrire / nowhere to write Oxigraph's store: set a writable MAILLAGE_CACHE")


def _load(dataset: BuiltDataset, include_personal: bool, cache: Path, variant: str, staging: Path,
          extra: Sequence[ox.Quad], checksum: str) -> Path:
    location, stamp = cache / variant, cache / f"{variant}.sha256"
    try:
        # Quads are filtered here (personal graphs) and streamed to `oxigraph load` on its stdin.
        process = subprocess.Popen([oxigraph_binary(), "load", "--location", str(staging), "--format", "nq"],
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert process.stdin is not None
        try:
            quads = itertools.chain(dataset.quads(include_personal), extra)
            ox.serialize(quads, output=process.stdin, format=ox.RdfFormat.N_QUADS)
        finally:
            process.stdin.close()
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.wait() != 0:
            raise OxigraphError(f"oxigraph load {dataset.dump}: {stderr.strip()}")
        stamp.unlink(missing_ok=True)
        shutil.rmtree(location, ignore_errors=True)
        staging.rename(location)
        stamp.write_text(checksum + "\n")
        return location
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class OxigraphServer:
    """One `oxigraph serve-read-only` (or `serve`, writable, for tests and loading) process.

    `timeout_s` is Oxigraph's own query timeout; it is cooperative, so the
    front keeps its own deadline too (see app.py). `offline`: Oxigraph runs
    in a network namespace of its own, behind a relay (offline.py), so that
    it cannot call out (SERVICE), where the platform allows it. `memory_bytes`
    bounds the process's address space (RLIMIT_AS): past it an allocation
    fails and Oxigraph aborts, ending the query that grew it and nothing else.
    """

    def __init__(self, location: Path | None, *, host: str = "127.0.0.1", port: int | None = None,
                 read_only: bool = True, timeout_s: float | None = None, cors: bool = False,
                 union_default_graph: bool = True, offline: bool = False, memory_bytes: int | None = None):
        if read_only and location is None:
            raise ValueError("a read-only server needs a store location")
        self.location, self.host, self.port = location, host, port or free_port(host)
        self.read_only, self.timeout_s, self.cors, self.union_default_graph = read_only, timeout_s, cors, union_default_graph
        self.offline, self.memory_bytes = offline, memory_bytes
        self._process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        command = [oxigraph_binary(), "serve-read-only" if self.read_only else "serve", "--bind", f"{self.host}:{self.port}"]
        if self.location is not None:
            command += ["--location", str(self.location)]
        if self.timeout_s is not None:
            # Oxigraph takes whole seconds; never round a short timeout down to "no timeout".
            command += ["--timeout-s", str(max(1, round(self.timeout_s)))]
        if self.cors:
            command.append("--cors")
        if self.union_default_graph:
            command.append("--union-default-graph")
        if self.offline and sys.platform.startswith("linux"):  # a script: the standard library only, no package import
            command = [sys.executable, str(Path(__file__).with_name("offline.py")), *command]
        return command

    def start(self, wait: float = 30.0) -> OxigraphServer:
        # glibc gives each thread that allocates its own 64 MB arena of address space: two keep the
        # address space near what is used, so that the bound below measures memory, not reservations.
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        self._process = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=env)
        if self.memory_bytes is not None:
            # Set from here rather than in preexec_fn, which is unsafe in a parent with threads (the front's);
            # the server only takes queries once ready, long after this. Offline, this process is the relay
            # (offline.py), whose Oxigraph child inherits the bound: it starts once the relay's Python is up.
            resource.prlimit(self._process.pid, resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        self.wait_ready(wait)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def ended(self, wait: float = 0.0) -> int | None:
        """The exit status if the process has ended within `wait` s (negative: the signal that ended it), else None."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """End the process at once (a query it would not stop), without waiting for anything else."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait()

    def wait_ready(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        with httpx.Client(timeout=2) as client:  # one for the wait, not one (and its SSL context, 15-30 ms) per try
            while time.monotonic() < deadline:
                if self._process is None or self._process.poll() is not None:
                    raise OxigraphError(f"oxigraph s'est arrêté au démarrage / oxigraph stopped while starting: {self.log()}")
                try:
                    if client.get(f"{self.url}/query", params={"query": "ASK {}"}).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise OxigraphError(f"oxigraph ne répond pas sur {self.url} après {wait:.0f} s / not answering after {wait:.0f} s")

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace").strip()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def restart(self, wait: float = 30.0) -> None:
        """Stop and start again, on the same port: the only way to end a query Oxigraph does not cancel."""
        self.stop()
        self.start(wait)

    def __enter__(self) -> OxigraphServer:
        return self.start() if self._process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
