"""The guard's checks (guard.check_query) off the front's event loop, remembered, and bounded in size and time.

rdflib's parser is pure Python: on the event loop it held every other
request (81 % of the front's time under load), and in a thread it would
still hold Python's lock. So:

- a query longer than `max_bytes` is refused at once (guard.check_size);
- the outcome of a check (the text to send, or the refusal) is remembered
  by query text: library queries repeat, most requests never parse;
- a text not seen yet is parsed in one of a few parser processes; one that
  takes more than `parse_s` is killed there (and replaced in the
  background) and the query refused with a message: a long parse delays
  that query only;
- the texts given to `warm` (the served catalogue's examples, which other
  systems run verbatim) are checked at start, in every parser at once:
  parsing the 62 of them takes 4 to 7 s of CPU, which a fresh front under
  load otherwise spent in its first minute, beside the queries.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
from collections import OrderedDict
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from maillage.endpoint.guard import CheckedQuery, QueryRefused, check_query, check_size

MAX_QUERY_BYTES = 100_000  # the longest library query with its parameters is under 4 kB
PARSE_S = 10.0  # a library query parses in 0.1-1 s (more on a busy machine); the size limit keeps most texts far below
CACHE_ENTRIES = 4096
CACHE_BYTES = 32 << 20  # texts kept, at most
# spawn, not fork: the front has threads (uvicorn, httpx), and a forked child would inherit their locks taken.
CONTEXT = multiprocessing.get_context("spawn")


def _serve_checks(connection: Connection) -> None:
    """A parser process: check each (text, cap) received, send back ("ok", CheckedQuery) or ("refused", ...)."""
    while True:
        try:
            text, cap = connection.recv()
        except EOFError:
            return
        try:
            outcome: tuple = ("ok", check_query(text, cap, probe=True))
        except QueryRefused as refused:
            outcome = ("refused", refused.status, refused.fr, refused.en)
        except RecursionError:  # past what sparql._deeply allows while parsing (a later step of the check)
            outcome = ("refused", 400, "Requête trop imbriquée pour être analysée.", "Query nested too deeply to be parsed.")
        connection.send(outcome)


class _Parser:
    def __init__(self) -> None:
        self.connection, child = CONTEXT.Pipe()
        self.process = CONTEXT.Process(target=_serve_checks, args=(child,), daemon=True, name="maillage-parser")
        self.process.start()
        child.close()

    def check(self, text: str, cap: int, limit_s: float) -> tuple | None:
        """The outcome, or None if the parse took longer than `limit_s` (or the process died)."""
        try:
            self.connection.send((text, cap))
            if not self.connection.poll(limit_s):
                return None
            return self.connection.recv()
        except (EOFError, OSError):
            return None

    def ready(self, wait: float = 120.0) -> None:
        if self.check("ASK {}", 1, wait) is None:
            raise RuntimeError(f"the parser process did not start within {wait:g} s")

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


def _outcome(outcome: tuple) -> CheckedQuery | QueryRefused:
    return outcome[1] if outcome[0] == "ok" else QueryRefused(*outcome[1:])


def parse_too_long(limit_s: float) -> QueryRefused:
    return QueryRefused(
        400, f"L'analyse de la requête a dépassé {limit_s:g} s et a été arrêtée : simplifiez-la ou raccourcissez-la.",
        f"Parsing the query took more than {limit_s:g} s and was stopped: simplify or shorten it.")


class Checker:
    """`await check(text)`: the CheckedQuery to send, or QueryRefused."""

    def __init__(self, cap: int, *, max_bytes: int = MAX_QUERY_BYTES, parse_s: float = PARSE_S, processes: int = 2,
                 warm: Sequence[str] = ()):
        self.cap, self.max_bytes, self.parse_s, self.processes = cap, max_bytes, parse_s, processes
        self.warm = list(dict.fromkeys(warm))
        self._known: OrderedDict[str, Any] = OrderedDict()  # text -> CheckedQuery or QueryRefused
        self._known_bytes = 0
        self._parsers: list[_Parser] = []
        self._idle: asyncio.Queue[_Parser] | None = None
        self._replacing: set[asyncio.Task] = set()

    def start(self) -> Checker:
        """Start the parsers and wait until each has checked a first query: importing rdflib takes seconds, which
        must not count in the first queries' parse time."""
        self._parsers = [_Parser() for _ in range(self.processes)]
        for parser in self._parsers:
            parser.ready()
        self._warm()
        return self

    def _warm(self) -> None:
        """Check the `warm` texts, each parser taking its share; outcomes remembered as a request's would be."""
        outcomes: dict[str, tuple] = {}
        failed: set[int] = set()

        def share(index: int, texts: list[str]) -> None:
            for text in texts:
                outcome = self._parsers[index].check(text, self.cap, self.parse_s)
                if outcome is None:  # over `parse_s`, or the process died: its answer must not be read as the next one's
                    failed.add(index)
                    return
                outcomes[text] = outcome

        sized = [text for text in self.warm if len(text.encode("utf-8")) <= self.max_bytes]
        threads = [threading.Thread(target=share, args=(index, sized[index::len(self._parsers)]))
                   for index in range(len(self._parsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for text in sized:  # in the given order, so that the cache's eviction order does not depend on the threads
            if text in outcomes:  # a parse over `parse_s` is not remembered, as for a request
                self._remember(text, _outcome(outcomes[text]))
        for index in sorted(failed):
            self._parsers[index].kill()
            self._parsers[index] = _Parser()
            self._parsers[index].ready()

    def open(self) -> None:
        """Make the queue of free parsers, in the server's event loop."""
        self._idle = asyncio.Queue()
        for parser in self._parsers:
            self._idle.put_nowait(parser)

    async def check(self, text: str) -> CheckedQuery:
        if not text or not text.strip():
            raise QueryRefused(400, "Requête SPARQL vide : donnez-la dans le paramètre « query ».",
                               "Empty SPARQL query: give it in the 'query' parameter.")
        check_size(text, self.max_bytes)
        known = self._known.get(text)
        if known is None:
            known = await self._parse(text)
            self._remember(text, known)
        else:
            self._known.move_to_end(text)
        if isinstance(known, QueryRefused):
            raise known
        return known

    async def _parse(self, text: str) -> CheckedQuery | QueryRefused:
        assert self._idle is not None, "Checker.open() first"
        parser = await self._idle.get()
        outcome = await asyncio.to_thread(parser.check, text, self.cap, self.parse_s)
        if outcome is None:
            task = asyncio.get_running_loop().create_task(self._replace(parser))
            self._replacing.add(task)
            task.add_done_callback(self._replacing.discard)
            raise parse_too_long(self.parse_s)  # not remembered: the same text may be sent again, and parsed again
        self._idle.put_nowait(parser)
        return _outcome(outcome)

    async def _replace(self, parser: _Parser) -> None:
        await asyncio.to_thread(parser.kill)
        fresh = await asyncio.to_thread(_Parser)
        await asyncio.to_thread(fresh.ready)
        self._parsers = [fresh if p is parser else p for p in self._parsers]
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    def _remember(self, text: str, outcome: CheckedQuery | QueryRefused) -> None:
        self._known[text] = outcome
        self._known_bytes += len(text)
        while len(self._known) > CACHE_ENTRIES or self._known_bytes > CACHE_BYTES:
            old, _ = self._known.popitem(last=False)
            self._known_bytes -= len(old)

    def stop(self) -> None:
        for task in list(self._replacing):
            task.cancel()
        for parser in self._parsers:
            parser.kill()
        self._parsers = []
