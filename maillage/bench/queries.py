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
import os
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


# Issue 22's cases (its target: each new query under 100 ms median at national size), and the anchor they are
# divided by: a query of the same store measured in the same rounds, so that a loaded machine shows as a ratio.
ANCHOR = "entities_in_territory:territory=departement/38"
ISSUE_22_CASES = (
    "population_covered:territory=departement/13",
    "population_covered:territory=region/84",
    "population_covered:territory=region/84,coordinationType=CLS",
    "population_covered_by_departement",
    "communes_not_covered:territory=departement/38",
    "communes_not_covered:territory=departement/13,coordinationType=CLS",
    "communes_not_covered:territory=region/84",
    "communes_not_covered:territory=region/84,coordinationType=CLS",
    "epci_not_covered:territory=departement/38",
    "epci_not_covered:territory=departement/13",
    "epci_not_covered:territory=departement/13,coordinationType=CLS",
    "epci_not_covered:territory=region/84",
    "comparable_territories:territory=commune/38185",
    "comparable_territories:territory=epci/200040715",
    "comparable_territories:territory=ept/200057867",
    "comparable_territories:territory=epci/200071751",
    "comparable_territories:territory=epci/200000172",
    "comparable_territories:territory=commune/01001",
    "comparable_territories:territory=commune/01002",
    "participations_not_in_force",
)


@dataclass
class Case:
    """One query with its parameters, as written on the command line: `name[:param=value,param=value]`."""
    label: str
    query: NamedQuery
    values: dict[str, str]


def read_case(text: str, queries: dict[str, NamedQuery] | None = None) -> Case:
    """The case `text` names; ValueError (in French) for an unknown query or a parameter without `=`."""
    name, _, given = text.strip().partition(":")
    known = queries or library()
    if name not in known:
        raise ValueError(f"requête inconnue : « {name} »")
    values = {}
    for item in filter(None, (part.strip() for part in given.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"attendu paramètre=valeur, reçu « {item} » (cas « {text} »)")
        values[key.strip()] = value.strip()
    known[name].bindings(values)  # a bad parameter is said now, not as a failed measurement
    return Case(text.strip(), known[name], values)


def bench_cases(size: str, directory: Path, cases: list[Case], anchor: Case, runs: int = 6,
                report=lambda line: None) -> list[Timing]:
    """Each case and the anchor on Oxigraph, in rounds (every case once per round, so that a change of load
    falls on all alike): one warm-up round, then `runs` rounds; the median of each case's runs."""
    start = time.perf_counter()
    store = open_store(dump_of(directory), backend="oxigraph")
    load_s = round(time.perf_counter() - start, 2)
    report(f"{size} / oxigraph : chargé en {load_s:.1f} s")
    everything = [anchor, *[case for case in cases if case.label != anchor.label]]
    samples: dict[str, list[float]] = {case.label: [] for case in everything}
    rows: dict[str, int] = {}
    for index in range(runs + 1):
        for case in everything:
            begin = time.perf_counter()
            rows[case.label] = len(case.query.run(store, case.values))
            if index:
                samples[case.label].append((time.perf_counter() - begin) * 1000)
        report(f"  tour {index}/{runs}")
    return [Timing(size, "oxigraph", case.label, statistics.median(samples[case.label]), rows[case.label], load_s,
                   "ancre" if case is anchor else "") for case in everything]


def cases_markdown(timings: list[Timing], info: dict, lang: str = "fr", target_ms: float = TARGET_MS) -> str:
    """One row per case: rows, median, ratio to the anchor (the first timing), the target met or not."""
    anchor = timings[0]
    fr = lang == "fr"
    lines = [("| Cas | lignes | médiane (ms) | rapport à l'ancre | cible 100 ms |" if fr else
              "| Case | rows | median (ms) | ratio to the anchor | target 100 ms |"), "|---|---:|---:|---:|---|"]
    for timing in timings:
        met = ("ancre" if fr else "anchor") if timing is anchor else (
            ("atteinte" if fr else "met") if timing.median_ms <= target_ms else ("manquée" if fr else "missed"))
        rows = f"{timing.rows:,}".replace(",", "\u202f" if fr else ",")
        lines.append(f"| `{timing.query}` | {rows} | {timing.median_ms:.1f} | "
                     f"{timing.median_ms / anchor.median_ms:.2f} | {met} |")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return ("\n".join(lines) + "\n\n" + machine_line(info, lang) + "\n"
            + (f"Charge (1, 5, 15 min) à la fin : {load}.\n" if fr else f"Load average (1, 5, 15 min) at the end: {load}.\n"))


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


__all__ = ["ANCHOR", "ENGINES", "ISSUE_22_CASES", "Case", "Timing", "as_json", "bench_cases", "bench_size",
           "cases_markdown", "machine", "markdown", "over_target", "read_case"]
