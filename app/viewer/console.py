"""The viewer's read-only SPARQL console: a user's query, refused if it is not a plain read, stopped at a time limit.

Refusals are the library's own: `sparql.parse_read_query` (updates, SERVICE,
bad syntax, text the engine could read otherwise) and the endpoint front's result cap (`endpoint.guard.check_query`:
a LIMIT is added when the query has none, a larger one is refused).

The time limit must really stop the evaluation: the embedded Oxigraph store
has no query timeout and a Python thread cannot be killed. So the query runs
in a forked worker process, which shares the loaded store with the viewer
(copy-on-write: nothing is reloaded, the fork takes milliseconds) and is
killed when the limit passes. The same holds on a remote endpoint (the
worker's HTTP request is abandoned with it; the endpoint has its own timeout).

Defence in depth: on an embedded store the worker needs no network, so it
first moves into network and user namespaces of its own (Linux; where the
platform refuses, it goes on without): a SERVICE clause the check had
misread would then find no interface to call out from.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import time
from dataclasses import dataclass

from rdflib import Literal

from graph_builder.problems import BilingualError
from maillage.endpoint.guard import QueryRefused as GuardRefused
from maillage.endpoint.guard import check_query as capped
from maillage.sparql import check_query, parse_read_query
from maillage.stores import EndpointStore, QueryStore, Rows

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_CAP = 1000
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000  # <linux/sched.h>
FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


class ConsoleError(BilingualError):
    """What the console says instead of an answer: refused, too slow, or failed (French and English)."""

    def __init__(self, message_fr: str, message_en: str, kind: str):
        super().__init__(message_fr, message_en)
        self.kind = kind  # syntax, update, service, cap, timeout, failed


@dataclass(frozen=True)
class ConsoleAnswer:
    rows: Rows            # SELECT rows; ASK as one `answer` row; CONSTRUCT/DESCRIBE as subject/predicate/object rows
    form: str             # SELECT, ASK, CONSTRUCT, DESCRIBE
    cut_at: int | None    # the cap, when the console added the LIMIT and the answer reached it
    seconds: float


def checked(query: str, cap: int = DEFAULT_CAP) -> tuple[str, str, int | None]:
    """(query to run, form, LIMIT added or None); ConsoleError for what the console does not run."""
    if not query.strip():
        raise ConsoleError("Écrivez une requête SPARQL (SELECT, ASK, CONSTRUCT ou DESCRIBE).",
                           "Write a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).", "syntax")
    try:
        parse_read_query(query)
        limited = capped(query, cap)
    except BilingualError as refused:  # sparql.QueryRefused: update, SERVICE, syntax
        raise ConsoleError(refused.message_fr, refused.message_en, getattr(refused, "kind", "syntax")) from None
    except GuardRefused as refused:
        raise ConsoleError(refused.fr, refused.en, "cap") from None
    # Parsed here, into check_query's cache, which the worker inherits: the worker then never takes the parser's
    # lock, which another thread may hold at the moment of the fork (it would stay locked in the worker).
    check_query(limited.text)
    return limited.text, FORMS[limited.form], limited.limit_added


def _answer(store: QueryStore, query: str, form: str) -> Rows:
    if form == "SELECT":
        return store.select(query)
    if form == "ASK":
        return Rows(("answer",), ((Literal(store.ask(query)),),))
    return Rows(("subject", "predicate", "object"), tuple(store.construct(query)))


def offline() -> bool:
    """Move this process into new user and network namespaces (a loopback only, down): True if it could.

    Unprivileged where the kernel allows user namespaces, for a process of one thread (a forked worker)."""
    flags = CLONE_NEWUSER | CLONE_NEWNET
    try:
        if hasattr(os, "unshare"):  # Python 3.12
            os.unshare(flags)
            return True
        return ctypes.CDLL(None, use_errno=True).unshare(flags) == 0
    except (OSError, AttributeError):  # not Linux, or user namespaces refused
        return False


def _work(store: QueryStore, query: str, form: str, pipe) -> None:
    """In the worker: the answer, or the error's messages, sent back on the pipe."""
    if not isinstance(store, EndpointStore):  # an endpoint is reached over the network; nothing else is
        offline()
    try:
        pipe.send(("rows", _answer(store, query, form)))
    except BilingualError as error:
        pipe.send(("error", error.message_fr, error.message_en))
    except Exception as error:  # whatever the engine raises reaches the user as a message, not a dead worker
        pipe.send(("error", f"La requête a échoué : {error}", f"The query failed: {error}"))
    finally:
        pipe.close()


def run_console(store: QueryStore, query: str, timeout_s: float = DEFAULT_TIMEOUT_S,
                cap: int = DEFAULT_CAP) -> ConsoleAnswer:
    """Run a user's read query on `store`, stopped after `timeout_s` seconds, at most `cap` rows."""
    text, form, limit_added = checked(query, cap)
    context = multiprocessing.get_context("fork")  # the worker must share the loaded store, not reload it
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(store, text, form, sender), daemon=True)
    start = time.monotonic()
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            raise ConsoleError(
                f"La requête a dépassé le délai de {timeout_s:g} s et a été arrêtée : restreignez-la "
                "(motifs plus précis, filtres, LIMIT).",
                f"The query exceeded the {timeout_s:g} s time limit and was stopped: narrow it down "
                "(more specific patterns, filters, LIMIT).", "timeout")
        try:
            message = receiver.recv()
        except EOFError:  # the worker died without answering (out of memory...)
            raise ConsoleError("La requête a échoué (le processus de calcul s'est arrêté).",
                               "The query failed (the worker process stopped).", "failed") from None
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if message[0] == "error":
        raise ConsoleError(message[1], message[2], "failed")
    rows = message[1]
    cut = limit_added if limit_added is not None and len(rows) >= limit_added else None
    return ConsoleAnswer(rows, form, cut, time.monotonic() - start)
