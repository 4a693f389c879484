"""`maillage bench-endpoint`: `maillage serve` under concurrent load, against Oxigraph's own server on the same store.

The graph is the national-size synthetic build of bench-viewer (`prepare`, reused while its scale is the same), or
a build given with --out. Every client is a thread of the project's own client (stores.EndpointStore: complete
answers, paged when over the cap) sending the library's queries as the served catalogue publishes them (default
parameters bound: what other systems run verbatim; the front checks them at start, --warm) one after another,
each client from its own place in the list, for `duration` seconds; everything on 127.0.0.1.

Three loads, one after the other:
  anchor    the same clients on a bare `oxigraph serve-read-only` on the same store directory
  front     the same clients on `maillage serve`
  runaway   the same, with a runaway query (ORDER BY over a cartesian product, which Oxigraph's own timeout does
            not stop) sent every `runaway_every` seconds; it is counted apart, with its status and message.
Reported per load: queries answered, failed, throughput and median latency; the front's throughput as a share
of the anchor's (target 90 %), the largest resident memory of one Oxigraph process of the front and its bound.

The figures are not assertions: they depend on the machine, printed with them (the test suite runs it small).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click
import httpx

from maillage.bench.build import machine, machine_line
from maillage.bench.viewer import prepare
from maillage.cli.common import EXIT_UNREADABLE
from maillage.endpoint.dataset import BuiltDataset, DatasetMissing
from maillage.endpoint.oxigraph_server import OxigraphServer, free_port
from maillage.endpoint.serve import served_store
from maillage.library import library, published_text
from maillage.stores import EndpointStore, StoreError, http_client

RUNAWAY = "SELECT ?a ?d WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 10"
ACCEPT = "application/sparql-results+json"
THROUGHPUT_TARGET = 0.9
PUBLIC_URL = "http://127.0.0.1:7878/sparql"  # every front's --public-url: one store for the anchor and the fronts


@dataclass
class Load:
    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    unfinished: int = 0  # answered after the end, or still running then (abandoned): neither answered nor failed
    runaways: list[str] = field(default_factory=list)  # status, seconds and first line of each runaway's answer
    peak_rss_mb: float | None = None
    closed: bool = False  # the load is over: clients still running record nothing more

    @property
    def answered(self) -> int:
        return len(self.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    @property
    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


def workload(base: str) -> list[tuple[str, str]]:
    """(name, text) of every library query as the served catalogue publishes it (its defaults bound), the text
    other systems run verbatim."""
    return [(query.name, published_text(query, base)) for query in library().values()]


def run_load(url: str, name: str, clients: int, duration: float, base: str, grace_s: float = 5.0) -> Load:
    """`clients` threads, each sending the workload in turn until `duration` has passed; a query still running
    `grace_s` after the end is abandoned, so that the load ends in bounded time."""
    queries, load, lock = workload(base), Load(name), threading.Lock()
    start = time.monotonic()
    end = start + duration

    def client(number: int) -> None:
        index = number * len(queries) // clients
        # One store per client, as a program using the library would hold one: its connection kept, not a new client
        # (and SSL context, 15-30 ms of CPU) per query counted in every latency.
        with closing(EndpointStore(url)) as store:
            while time.monotonic() < end:
                query_name, text = queries[index % len(queries)]
                index += 1
                begun = time.perf_counter()
                store.timeout_s = end + grace_s - time.monotonic()
                try:
                    store.answers(text, ACCEPT)
                except StoreError as exc:
                    with lock:
                        if load.closed:
                            return
                        if time.monotonic() >= end + grace_s - 0.5:
                            load.unfinished += 1
                        else:
                            load.failures.append(f"{query_name}: {exc.message('en')[:200]}")
                    continue
                with lock:
                    if load.closed:
                        return
                    if time.monotonic() <= end:
                        load.latencies_ms.append((time.perf_counter() - begun) * 1000)
                    else:  # answered after the end: not in the throughput of `duration` seconds
                        load.unfinished += 1

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # A long answer streams: no HTTP timeout ends it. Clients still waiting are left behind (the server is
        # stopped after the load) and counted as unfinished.
        thread.join(max(0.0, end + grace_s - time.monotonic()))
    with lock:
        load.closed = True
        load.unfinished += sum(thread.is_alive() for thread in threads)
    load.seconds = duration
    return load


def _rss_mb(pids: list[int]) -> float:
    largest = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]) / 1024)
        except OSError:
            pass  # ended between the listing and the reading
    return largest


def _engines_of(process: subprocess.Popen) -> list[int]:
    engines = []
    for pid in subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split():
        try:
            if b"serve-read-only" in Path(f"/proc/{pid}/cmdline").read_bytes():
                engines.append(int(pid))
        except OSError:
            pass  # a worker killed and replaced between the listing and the reading
    return engines


def start_front(out: Path, timeout: float, limit: int, workers: int = 4, memory_gb: float = 3.0,
                max_mb: float = 64.0, wait: float = 300.0, public_url: str | None = None,
                warm: bool = True) -> tuple[subprocess.Popen, str]:
    """`maillage serve` over `out` on a free loopback port, once it answers: the process and its base URL.
    `public_url`: its --public-url (by default its own URL); `warm`: its --warm (the catalogue checked at start)."""
    port = free_port()
    command = [sys.executable, "-c", "from maillage.cli.main import main; main()", "serve", "--out", str(out),
               "--port", str(port), "--timeout", f"{timeout:g}", "--limit", str(limit), "--workers", str(workers),
               "--memory-gb", f"{memory_gb:g}", "--max-mb", f"{max_mb:g}", *(["--public-url", public_url] if public_url else []),
               "--warm" if warm else "--no-warm"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    with http_client(timeout=2) as client:  # one for the wait, not one per try (httpx.get)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise click.ClickException(f"maillage serve stopped: {process.stdout.read().decode() if process.stdout else ''}")
            try:
                if client.get(url + "/").status_code == 200:
                    return process, url
            except httpx.TransportError:
                time.sleep(0.2)
    stop_front(process)  # its workers too: killed alone, it left four Oxigraph servers behind (seen in the tests)
    raise click.ClickException(f"maillage serve did not answer within {wait:g} s")


def stop_front(process: subprocess.Popen) -> None:
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    process.terminate()  # uvicorn stops on SIGTERM, and the front then stops its workers and parsers
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        for child in children:  # its workers and parsers, which it could not stop
            subprocess.run(["kill", "-9", child], capture_output=True)


def with_runaways(url: str, every: float, duration: float, timeout: float, load: Load) -> threading.Thread:
    """A thread sending the runaway every `every` s during `duration` s, its outcomes into `load.runaways`."""
    def send() -> None:
        end = time.monotonic() + duration
        with http_client(timeout=timeout + 30) as client:  # one for the thread, like each client's store
            while time.monotonic() < end:
                begun = time.monotonic()
                try:
                    answer = client.post(url + "/sparql", data={"query": RUNAWAY}, headers={"Accept": ACCEPT})
                    first = answer.text.strip().splitlines()[0] if answer.text.strip() else ""
                    load.runaways.append(f"{answer.status_code} in {time.monotonic() - begun:.1f} s: {first}")
                except httpx.HTTPError as exc:
                    load.runaways.append(f"no answer in {time.monotonic() - begun:.1f} s: {exc}")
                time.sleep(max(0.0, every - (time.monotonic() - begun)))

    thread = threading.Thread(target=send)
    thread.start()
    return thread


def one_per_client(clients: int) -> int:
    """The workers of the front by default: one per client (the front's most), so that every query runs at once,
    as on bare Oxigraph (see the command's --workers)."""
    return min(clients, 64)


def bench_endpoint(out: Path, *, clients: int = 50, duration: float = 60.0, runaway_every: float = 10.0,
                   timeout: float = 120.0, limit: int = 10000, workers: int | None = None, memory_gb: float = 1.0,
                   max_mb: float = 64.0, public_url: str = PUBLIC_URL, warm: bool = True, report=print) -> list[Load]:
    workers = workers or one_per_client(clients)
    # The store the fronts serve (with the catalogue for one URL), so that it is loaded once for the three loads.
    dataset = BuiltDataset.open(out)
    location = served_store(dataset, public_url)
    report(f"anchor: oxigraph serve-read-only, {clients} clients, {duration:g} s")
    with OxigraphServer(location) as bare:
        loads = [run_load(f"{bare.url}/query", "anchor", clients, duration, dataset.base)]
    for name in ("front", "runaway"):
        # A fresh front for each load: the queries abandoned by the previous one do not weigh on it.
        process, url = start_front(out, timeout, limit, workers, memory_gb, max_mb, public_url=public_url, warm=warm)
        try:
            report(f"{name}: maillage serve ({workers} workers), {clients} clients, {duration:g} s"
                   + (f", a runaway every {runaway_every:g} s" if name == "runaway" else ""))
            loads.append(_front_load(process, url, name, clients, duration, runaway_every, timeout, dataset.base))
        finally:
            stop_front(process)
    return loads


def _front_load(process: subprocess.Popen, url: str, name: str, clients: int, duration: float, runaway_every: float,
                timeout: float, base: str) -> Load:
    """One load on the front, the largest resident memory of its workers watched; runaways sent for "runaway"."""
    runaway, peak, watching = Load(name), [0.0], threading.Event()
    sender = with_runaways(url, runaway_every, duration, timeout, runaway) if name == "runaway" else None

    def watch() -> None:
        while not watching.wait(0.2):
            peak[0] = max(peak[0], _rss_mb(_engines_of(process)))

    watcher = threading.Thread(target=watch)
    watcher.start()
    measured = run_load(f"{url}/sparql", name, clients, duration, base)
    if sender is not None:
        sender.join()
    watching.set()
    watcher.join()
    measured.runaways, measured.peak_rss_mb = runaway.runaways, peak[0]
    return measured


def markdown(loads: list[Load], info: dict, settings: dict, lang: str = "fr") -> str:
    fr = lang == "fr"
    header = (["Charge", "Requêtes", "Échecs", "Inachevées", "Requêtes/s", "Médiane (ms)", "Part de l'ancre"] if fr else
              ["Load", "Queries", "Failed", "Unfinished", "Queries/s", "Median (ms)", "Share of anchor"])
    anchor = next((load for load in loads if load.name == "anchor"), None)
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    for load in loads:
        share = f"{load.per_second / anchor.per_second:.0%}" if anchor and anchor.per_second else "-"
        lines.append(f"| {load.name} | {load.answered} | {len(load.failures)} | {load.unfinished} | {load.per_second:.1f} | "
                     f"{load.median_ms:.0f} | {share} |")
    lines.append("")
    lines.append(("Réglages : " if fr else "Settings: ") + ", ".join(f"{k} {v}" for k, v in settings.items()) + ".")
    for load in loads:
        if load.runaways:
            lines.append(("Requêtes incontrôlées : " if fr else "Runaway queries: ") + "; ".join(load.runaways))
        if load.peak_rss_mb is not None:
            lines.append((f"Mémoire résidente la plus haute d'un processus Oxigraph ({load.name}) : "
                          f"{load.peak_rss_mb:.0f} Mo (borne : {settings['memory_gb']:g} Gio d'espace d'adressage par "
                          "processus)") if fr else
                         (f"Largest resident memory of one Oxigraph process ({load.name}): {load.peak_rss_mb:.0f} MB "
                          f"(bound: {settings['memory_gb']:g} GiB of address space per process)"))
        for failure in load.failures[:5]:
            lines.append(f"- {load.name}: {failure}")
    return "\n".join(lines) + "\n\n" + machine_line(info, lang) + "\n"


@click.command("bench-endpoint")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="A built graph to serve (default: the national-size synthetic build, made once in --workdir).")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=Path("/tmp/maillage-bench-national"),
              show_default=True, help="Where the synthetic build is made and kept.")
@click.option("--scale", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True)
@click.option("--clients", type=click.IntRange(1, 500), default=50, show_default=True)
@click.option("--duration", type=click.FloatRange(1, 3600), default=60.0, show_default=True, help="Seconds per load.")
@click.option("--runaway-every", type=click.FloatRange(0.5), default=10.0, show_default=True, help="Seconds.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=120.0, show_default=True,
              help="maillage serve --timeout: longer than a load, so that no library query is stopped within it (the "
                   "heaviest national ones take 10-40 s alone, minutes among 50).")
@click.option("--limit", type=click.IntRange(1), default=10000, show_default=True, help="maillage serve --limit.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="maillage serve --workers.  [default: one per client, up to 64: every query runs at once, as on "
                   "bare Oxigraph; with 16 for 50 clients, the long queries held the workers and the short ones waited]")
@click.option("--memory-gb", type=click.FloatRange(0.5), default=1.0, show_default=True, help="maillage serve --memory-gb.")
@click.option("--max-mb", type=click.FloatRange(0, min_open=True), default=64.0, show_default=True,
              help="maillage serve --max-mb.")
@click.option("--public-url", default=PUBLIC_URL, show_default=True,
              help="maillage serve --public-url: the store holds the catalogue for it (the one a serve of the same "
                   "build already uses, to share its store).")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="maillage serve --warm: the catalogue (the load's queries) checked before the load, as after a "
                   "front's first minute; --no-warm includes those parses in the load.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def bench_endpoint_command(out_dir, workdir, scale, clients, duration, runaway_every, timeout, limit, workers,
                           memory_gb, max_mb, public_url, warm, fmt, lang):
    """`maillage serve` under concurrent library queries, with and without runaways, against bare Oxigraph."""
    def report(line: str) -> None:
        click.echo(line, err=True)

    out = out_dir or prepare(workdir, scale, report=report)
    try:
        loads = bench_endpoint(out, clients=clients, duration=duration, runaway_every=runaway_every, timeout=timeout,
                               limit=limit, workers=workers, memory_gb=memory_gb, max_mb=max_mb, public_url=public_url,
                               warm=warm, report=report)
    except DatasetMissing as exc:
        click.echo(exc.message(lang), err=True)
        sys.exit(EXIT_UNREADABLE)
    settings = {"clients": clients, "duration_s": duration, "timeout_s": timeout, "limit": limit, "max_mb": max_mb,
                "workers": workers or one_per_client(clients), "memory_gb": memory_gb, "runaway_every_s": runaway_every,
                "warm": warm}
    info = machine()
    if fmt == "json":
        click.echo(json.dumps({"machine": info, "settings": settings, "loads": [
            {**asdict(load), "latencies_ms": None, "answered": load.answered, "per_second": load.per_second,
             "median_ms": load.median_ms} for load in loads]}, ensure_ascii=False, indent=2))
    else:
        click.echo(markdown(loads, info, settings, lang), nl=False)
