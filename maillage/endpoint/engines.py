"""A small pool of Oxigraph servers on one store, each running one query at a time, so that a deadline stops one query.

Oxigraph's own timeout is cooperative and misses some evaluations (ORDER BY
or aggregates over a cartesian product): the only way to end those is to end
the process. With a single server that ended everyone's queries; here each
query leases a worker of its own (`oxigraph serve-read-only` on the shared
store directory: RocksDB read-only opens take no lock, and Oxigraph states
that several read-only processes may read one store), and a missed deadline
kills that worker alone; a new one is started in the background on the same
directory, the others keep answering.

Memory: every worker runs under an address-space bound (RLIMIT_AS, see
OxigraphServer); a query that would grow past it makes its worker abort, and
that worker alone is replaced. The engines' memory is at most
`size * memory_bytes`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from maillage.endpoint.oxigraph_server import OxigraphServer
from maillage.stores import tls_context

# Queries in evaluation at once. One at a time per worker means first come, first served: a few long queries
# (the library's national dumps take 10-40 s) hold workers while short ones wait. Measured at national size, 50
# clients: 4 workers answered 17 % of what bare Oxigraph (all 50 at once) answered in 60 s, 16 workers 30 %.
WORKERS = 16
MEMORY_BYTES = 3 << 29  # 1.5 GiB per worker: a library query stays under 100 MB resident at national size


class Busy(Exception):
    """No worker became free within the wait: the endpoint is saturated."""


@dataclass
class Worker:
    server: OxigraphServer
    client: httpx.AsyncClient = field(init=False)
    retired: bool = False

    def __post_init__(self) -> None:
        # One connection at a time: a worker evaluates one query at a time. The process's SSL context, not one more.
        self.client = httpx.AsyncClient(base_url=self.server.url, timeout=None, verify=tls_context(),
                                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))


class EnginePool:
    """`size` Oxigraph workers on `location`; `lease()` gives one for one query."""

    def __init__(self, location: Path, *, size: int = WORKERS, timeout_s: float = 10.0,
                 memory_bytes: int | None = MEMORY_BYTES):
        self.location, self.size, self.timeout_s, self.memory_bytes = location, size, timeout_s, memory_bytes
        self._workers: list[Worker] = []
        self._idle: asyncio.Queue[Worker] | None = None
        self._lock = threading.Lock()
        self._replacing: set[asyncio.Task] = set()
        self._started: list[OxigraphServer] = []  # every process started, replacements being started included
        self._closed = False

    def _server(self) -> OxigraphServer:
        # offline: Oxigraph cannot call out even if a SERVICE clause got past the front (defence in depth).
        # No union default graph by default: the front asks for it query by query (`union-default-graph`), except
        # for a query that names its dataset (FROM, default-graph-uri), which Oxigraph then honours (app.py).
        server = OxigraphServer(self.location, timeout_s=self.timeout_s, memory_bytes=self.memory_bytes, offline=True,
                                union_default_graph=False)
        with self._lock:
            self._started.append(server)
        return server

    def start(self) -> EnginePool:
        """Start every worker (in parallel: each opens the store), before serving."""
        servers = [self._server() for _ in range(self.size)]
        errors: list[Exception] = []

        def run(server: OxigraphServer) -> None:
            try:
                server.start()
            except Exception as exc:  # reported once all have been tried
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(server,)) for server in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            for server in servers:
                server.stop()
            raise errors[0]
        self._workers = [Worker(server) for server in servers]
        return self

    @property
    def servers(self) -> list[OxigraphServer]:
        with self._lock:
            return [worker.server for worker in self._workers]

    def open(self) -> None:
        """Make the queue of free workers, in the server's event loop."""
        self._idle = asyncio.Queue()
        for worker in self._workers:
            self._idle.put_nowait(worker)

    @contextlib.asynccontextmanager
    async def lease(self, wait_s: float) -> AsyncIterator[Worker]:
        """A free worker for one query; Busy if none is free within `wait_s`. Back to the pool after, unless retired."""
        assert self._idle is not None, "EnginePool.open() first"
        try:
            worker = await asyncio.wait_for(self._idle.get(), wait_s)
        except TimeoutError:
            raise Busy from None
        try:
            yield worker
        finally:
            if not worker.retired:
                self._idle.put_nowait(worker)

    def retire(self, worker: Worker) -> None:
        """Kill `worker` (its query is over its deadline, or it died) and start a replacement in the background."""
        if worker.retired:
            return
        worker.retired = True
        task = asyncio.get_running_loop().create_task(self._replace(worker))
        self._replacing.add(task)
        task.add_done_callback(self._replacing.discard)

    async def _replace(self, worker: Worker) -> None:
        await asyncio.to_thread(worker.server.kill)
        await worker.client.aclose()
        with self._lock:  # forgotten once ended (its log file closes with it)
            self._started = [server for server in self._started if server is not worker.server]
        while True:
            server = self._server()
            try:
                await asyncio.to_thread(server.start)
                break
            except Exception:  # the store is still there: try again shortly, never leave the pool smaller
                await asyncio.sleep(1.0)
        if self._closed:  # stopped while this one was starting: it must not outlive the pool
            server.stop()
            return
        fresh = Worker(server)
        with self._lock:
            self._workers = [fresh if w is worker else w for w in self._workers]
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    async def close(self) -> None:
        for task in list(self._replacing):
            task.cancel()
        for worker in self._workers:
            await worker.client.aclose()
        self.stop()

    def stop(self) -> None:
        self._closed = True
        with self._lock:
            servers, self._started = list(self._started), []
        for server in servers:
            server.stop()
