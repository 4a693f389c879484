"""The front recovers from a worker the system starves: the query is answered by another worker, the starved one goes.

Under load, Oxigraph workers were seen answering 500 « Resource temporarily unavailable (os error 11) » (a thread
refused near their address-space bound), or ending at that bound during a small query. That cannot be caused on
purpose in a real worker, so the pool's only worker is first a process answering (or ending) as such a worker
does; its replacement, and the answer, are real Oxigraph."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from maillage.endpoint.app import FrontConfig, make_app
from maillage.endpoint.checker import Checker
from maillage.endpoint.engines import EnginePool, Worker
from maillage.endpoint.oxigraph_server import OxigraphServer, oxigraph_binary
from maillage.stores import EndpointStore

STARVED = b"Resource temporarily unavailable (os error 11)"
# Starlette's test client still runs on httpx (the project's HTTP client), which it now calls deprecated for it.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


class Starved:
    """An HTTP process that answers every query as a worker refused a thread answers, or (`dies`) ends under it
    as a worker aborted at its memory bound does (no answer, and `ended` gives its exit code); counts them."""

    def __init__(self, dies: bool = False) -> None:
        answered = self.answered = []
        self.dies = dies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers.get("content-length") or 0))
                answered.append(self.path)
                if dies:
                    self.connection.shutdown(socket.SHUT_RDWR)  # the connection ends with no answer at all
                    self.close_connection = True
                    return
                self.send_response(500)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(STARVED)))
                self.end_headers()
                self.wfile.write(STARVED)

            def log_message(self, *_args) -> None:
                pass

            def finish(self) -> None:
                with contextlib.suppress(OSError):  # the socket a dying worker shut
                    super().finish()

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"

    def kill(self) -> None:
        self.http.shutdown()

    def ended(self, _wait: float = 0.0) -> int | None:
        return -6 if self.dies and self.answered else None  # SIGABRT, as Oxigraph on a failed allocation

    def stop(self) -> None:
        self.kill()


@pytest.mark.parametrize("dies", [False, True], ids=["os-error-11", "ended-at-its-memory-bound"])
def test_a_starved_worker_is_replaced_and_the_query_answered_by_another(tmp_path, monkeypatch, dies):
    from starlette.testclient import TestClient  # here, where the warning filter above applies

    # The checker's parser processes are spawned, and a spawned child first runs the parent's __main__: in a test
    # worker that ran the viewer under AppTest, that is app/main.py (as `maillage serve`, this test has none).
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))

    dump = tmp_path / "one.nq"
    dump.write_text('<urn:s> <urn:p> "un" <urn:g> .\n', encoding="utf-8")
    location = tmp_path / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)], check=True,
                   capture_output=True)
    engines, checker, starved = EnginePool(location, size=1, timeout_s=10, memory_bytes=None), None, Starved(dies)
    try:  # whatever fails below, every process started is stopped
        engines.start()
        checker = Checker(100, processes=1).start()
        [real] = engines.servers
        real.stop()
        engines._workers = [Worker(starved)]  # the pool's only worker, until the front retires it
        app = make_app(FrontConfig(base="https://example.org/id/", timeout=10, limit=100, max_bytes=1 << 20),
                       EndpointStore("http://127.0.0.1:9/sparql"), engines, checker)
        with TestClient(app) as client:
            answer = client.post("/sparql", data={"query": 'ASK { ?s ?p "un" }'},
                                 headers={"Accept": "application/sparql-results+json"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["boolean"] is True
            assert starved.answered == ["/query"]  # asked once, then retired
            [replacement] = engines.servers
            assert isinstance(replacement, OxigraphServer)
            again = client.post("/sparql", data={"query": 'ASK { ?s ?p "deux" }'},
                                headers={"Accept": "application/sparql-results+json"})
            assert again.status_code == 200 and again.json()["boolean"] is False
            assert starved.answered == ["/query"]
    finally:
        engines.stop()
        if checker is not None:
            checker.stop()
        starved.stop()
