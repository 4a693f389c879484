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
  load otherwise spent in its first minute, beside the queries;
- the accepted checks of the `warm` texts are kept in the cache folder
  (`kept`), by text, cap, the checks' code and the parser's versions
  (sparql.checker_version), as the library keeps its own: a front whose
  catalogue the same code checked before parses none of it (every front
  start did, about 10 CPU s, the tests' and the benchmark's fronts
  included). A kept entry that is no outcome check_query could give is
  checked again; a refusal is never kept (checked again, with its
  message), nor any text a client sends.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from graph_builder.files import atomic_write, keep_latest, used
from maillage.endpoint import guard
from maillage.endpoint.guard import LIMITED_FORMS, CheckedQuery, QueryRefused, capped, check_query, check_size
from maillage.sparql import FORMS, checker_version

MAX_QUERY_BYTES = 100_000  # the longest library query with its parameters is under 4 kB
PARSE_S = 10.0  # a library query parses in 0.1-1 s (more on a busy machine); the size limit keeps most texts far below
CACHE_ENTRIES = 4096
CACHE_BYTES = 32 << 20  # texts kept, at most
KEPT_CHECKS = 1024  # warm checks kept in the cache folder, the used last: a catalogue is 62 texts per base and cap
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


def _kept_at(folder: Path, text: str, cap: int) -> Path:
    """Where the check of `text` under `cap` is kept (always a probe's, the front's only check)."""
    key = f"{checker_version(Path(guard.__file__), Path(__file__))}\n{cap}\n{text}"
    return folder / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()}.json"


def _kept(path: Path, text: str, cap: int) -> CheckedQuery | None:
    """The accepted check of `text` kept at `path`; None when there is none, or what is there is no check
    check_query(text, cap, probe=True) could give (then the text is checked again: never trusted)."""
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(kept, dict) or set(kept) != {"form", "limit_added", "dataset"}:
        return None
    form, limit_added, dataset = kept["form"], kept["limit_added"], kept["dataset"]
    if not isinstance(form, str) or form not in FORMS or not isinstance(dataset, bool):
        return None
    if limit_added is not None and not (type(limit_added) is int and limit_added == cap and form in LIMITED_FORMS):
        return None
    used(path)
    return CheckedQuery(text if limit_added is None else capped(text, cap + 1), form, limit_added, dataset)


def _keep(path: Path, checked: CheckedQuery) -> None:
    with suppress(OSError):  # a cache that cannot be written only makes the next front parse the text again
        atomic_write(path, json.dumps({"form": checked.form, "limit_added": checked.limit_added,
                                       "dataset": checked.dataset}).encode("utf-8"))


def parse_too_long(limit_s: float) -> QueryRefused:
    return QueryRefused(
        400, f"L'analyse de la requête a dépassé {limit_s:g} s et a été arrêtée : simplifiez-la ou raccourcissez-la.",
        f"Parsing the query took more than {limit_s:g} s and was stopped: simplify or shorten it.")


class Checker:
    """`await check(text)`: the CheckedQuery to send, or QueryRefused. `kept`: the folder where the `warm` texts'
    accepted checks are kept for the next fronts (serve: the cache folder's); None, none kept."""

    def __init__(self, cap: int, *, max_bytes: int = MAX_QUERY_BYTES, parse_s: float = PARSE_S, processes: int = 2,
                 warm: Sequence[str] = (), kept: Path | None = None):
        self.cap, self.max_bytes, self.parse_s, self.processes = cap, max_bytes, parse_s, processes
        self.warm = list(dict.fromkeys(warm))
        self.kept = kept
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
        """Check the `warm` texts, each parser taking its share of those not kept (`kept`); outcomes remembered as a
        request's would be, the accepted ones kept."""
        outcomes: dict[str, tuple] = {}
        failed: set[int] = set()
        sized = [text for text in self.warm if len(text.encode("utf-8")) <= self.max_bytes]
        places = {text: _kept_at(self.kept, text, self.cap) for text in sized} if self.kept is not None else {}
        for text, path in places.items():
            checked = _kept(path, text, self.cap)
            if checked is not None:
                outcomes[text] = ("ok", checked)
        unchecked = [text for text in sized if text not in outcomes]

        def share(index: int, texts: list[str]) -> None:
            for text in texts:
                outcome = self._parsers[index].check(text, self.cap, self.parse_s)
                if outcome is None:  # over `parse_s`, or the process died: its answer must not be read as the next one's
                    failed.add(index)
                    return
                outcomes[text] = outcome

        threads = [threading.Thread(target=share, args=(index, unchecked[index::len(self._parsers)]))
                   for index in range(len(self._parsers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for text in sized:  # in the given order, so that the cache's eviction order does not depend on the threads
            if text in outcomes:  # a parse over `parse_s` is not remembered, as for a request
                self._remember(text, _outcome(outcomes[text]))
        if self.kept is not None:
            accepted = [text for text in unchecked if text in outcomes and outcomes[text][0] == "ok"]
            for text in accepted:
                _keep(places[text], outcomes[text][1])
            if accepted:  # pruned by whoever writes, as the other kept things
                keep_latest(self.kept.glob("*.json"), KEPT_CHECKS)
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
