"""`maillage bench-queries`: median latency of every library query, per data size and per embedded engine.

Each size is a built dataset (a `maillage build` output directory). It is
loaded once per engine (Oxigraph, rdflib's in-memory Dataset); every query
of the library then runs with its default parameters: one warm-up run, then
`runs` timed runs, of which the median is kept. rdflib evaluates SPARQL in
pure Python: a query is stopped after `cap_s` seconds (SIGALRM interrupts
it) and reported as "> cap_s s"; Oxigraph is never capped.

The timings are not assertions: they depend on the machine, printed with them.
"""

from __future__ import annotations

import json
import signal
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from maillage.bench.build import machine, machine_line
from maillage.library import NamedQuery, library
from maillage.stores import dump_of, open_store

ENGINES = ("oxigraph", "rdflib")
TARGET_MS = 100.0  # the national-size goal on the embedded default


@dataclass
class Timing:
    size: str
    engine: str
    query: str
    median_ms: float | None  # None: stopped at the cap (or failed)
    rows: int | None
    load_s: float
    note: str = ""


class _Stopped(BaseException):  # not an Exception: the stores wrap those into StoreError
    pass


def _alarm(_signum, _frame):
    raise _Stopped


def _time(run: Callable[[], int], runs: int, cap_s: float | None) -> tuple[float | None, int | None, str]:
    """Median milliseconds over `runs` after one warm-up; (None, None, why) when stopped at the cap."""
    previous = signal.signal(signal.SIGALRM, _alarm) if cap_s else None
    samples, rows = [], None
    try:
        for index in range(runs + 1):
            if cap_s:
                signal.setitimer(signal.ITIMER_REAL, cap_s)
            start = time.perf_counter()
            rows = run()
            elapsed = (time.perf_counter() - start) * 1000
            if cap_s:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if index:
                samples.append(elapsed)
    except _Stopped:
        return None, None, f"> {cap_s:g} s"
    except Exception as exc:  # a failure is a measurement too: reported, not raised
        return None, None, f"erreur : {exc}"
    finally:
        if cap_s:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return statistics.median(samples), rows, ""


def bench_size(size: str, directory: Path, engines=ENGINES, runs: int = 5, cap_s: float = 10.0,
               queries: dict[str, NamedQuery] | None = None, report=lambda line: None) -> list[Timing]:
    dump = dump_of(directory)
    timings = []
    for engine in engines:
        start = time.perf_counter()
        store = open_store(dump, backend=engine)
        load_s = time.perf_counter() - start
        report(f"{size} / {engine} : chargé en {load_s:.1f} s")
        for name, query in (queries or library()).items():
            median, rows, note = _time(lambda q=query, s=store: len(q.run(s)), runs, cap_s if engine == "rdflib" else None)
            timings.append(Timing(size, engine, name, median, rows, round(load_s, 2), note))
            report(f"  {name} : {note or f'{median:.1f} ms'}")
    return timings


def _cell(timing: Timing | None) -> str:
    if timing is None:
        return "-"
    return timing.note or f"{timing.median_ms:.1f}"


def markdown(timings: list[Timing], info: dict, lang: str = "fr") -> str:
    """One row per query, one column per (size, engine): median milliseconds."""
    columns = list(dict.fromkeys((t.size, t.engine) for t in timings))
    by_key = {(t.query, t.size, t.engine): t for t in timings}
    names = list(dict.fromkeys(t.query for t in timings))
    head = "Requête" if lang == "fr" else "Query"
    lines = ["| " + " | ".join([head] + [f"{size} / {engine} (ms)" for size, engine in columns]) + " |",
             "|---|" + "---:|" * len(columns)]
    for name in names:
        lines.append("| " + " | ".join([f"`{name}`"] + [_cell(by_key.get((name, s, e))) for s, e in columns]) + " |")
    loads = ", ".join(f"{s} / {e} : {next(t.load_s for t in timings if (t.size, t.engine) == (s, e)):.1f} s"
                      for s, e in columns)
    lines.append("")
    lines.append(("Chargement : " if lang == "fr" else "Loading: ") + loads + ".")
    return "\n".join(lines) + "\n\n" + machine_line(info, lang) + "\n"


def as_json(timings: list[Timing], info: dict) -> str:
    return json.dumps({"machine": info, "timings": [asdict(t) for t in timings]}, ensure_ascii=False, indent=2) + "\n"


def over_target(timings: list[Timing], engine: str = "oxigraph", target_ms: float = TARGET_MS) -> list[Timing]:
    """Timings of `engine` above the target (or stopped)."""
    return [t for t in timings if t.engine == engine and (t.median_ms is None or t.median_ms > target_ms)]


__all__ = ["ENGINES", "Timing", "as_json", "bench_size", "machine", "markdown", "over_target"]
