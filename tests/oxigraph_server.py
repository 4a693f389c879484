"""A real Oxigraph SPARQL server for tests: loaded from a dump, read-only, on 127.0.0.1 and a free port.

The `oxigraph` PyPI package (test extra) ships the server binary. The
dataset is loaded into a fresh directory (`oxigraph load`), then served by
`oxigraph serve-read-only --union-default-graph` (queries read the union of
the named graphs, as the embedded store does).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def oxigraph_binary() -> str:
    """The server from the `oxigraph` package: next to this Python, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = str(beside) if beside.exists() else shutil.which("oxigraph")
    if found is None:
        raise RuntimeError("the oxigraph server is missing: pip install -e '.[test]'")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def oxigraph_server(dump: Path, location: Path, timeout_s: int = 30) -> Iterator[str]:
    """Serve `dump` read-only; yields the query endpoint's URL; stops the server on exit."""
    binary = oxigraph_binary()
    subprocess.run([binary, "load", "--location", str(location), "--file", str(dump)],
                   check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                               "--union-default-graph", "--timeout-s", str(timeout_s)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"oxigraph server exited: {server.stderr.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
