"""`maillage bench-viewer`: how fast the viewer answers in a real browser at national size.

The graph is the backbone's national-size one: `maillage synthetic --out DIR/data --scale S` then
`maillage build --data DIR/data --out DIR/out` (kept in DIR and reused when its scale matches). Then
the viewer's server (`maillage-viewer`) serves it on 127.0.0.1 and Debian's chromium, offline
(viewer_browser), does what a coordinator does: opens each page, filters, searches a territory, opens an entity from its link.
Measured: the first page after start (from launching the server until the first page is drawn, in a browser
already open; target < 2 s from the moment the server answers, issue 21) and each interaction (from the click to
the end of the run it causes and its paint, target: 95th percentile < 1 s). The walk is done twice: the first
round meets cold caches, as the first visitor after a start does; both rounds count in the percentile. The anchor,
measured in the same run: the first page opened again by another visitor once the server is warm (Streamlit's
front end and the page alone), and the machine's load when the run began.

The timings are not assertions: they depend on the machine, printed with them.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from maillage.bench.browser import OfflineBrowser, ViewerServer, Walk
from maillage.bench.build import machine

FIRST_PAGE_TARGET_S = 2.0  # once the server answers (its health check)
INTERACTION_TARGET_S = 1.0


@dataclass
class ViewerMeasure:
    scale: float
    first_page_s: float = 0.0
    healthy_s: float = 0.0
    rounds: list[list[tuple[str, float]]] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    again_s: float = 0.0  # the anchor: the first page opened again, by a new visitor, once everything is warm
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)  # the machine's load averages (uptime) at the start

    @property
    def after_ready_s(self) -> float:
        """The first page's wait for a visitor who comes once the server answers."""
        return self.first_page_s - self.healthy_s

    @property
    def times(self) -> list[float]:
        return [seconds for steps in self.rounds for _, seconds in steps]

    @property
    def p95_s(self) -> float:
        """95th percentile of the interactions (nearest rank)."""
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else 0.0


def _maillage() -> str:
    """The `maillage` console script of this Python (a venv need not be on PATH)."""
    return str(Path(sys.executable).with_name("maillage"))


def prepare(workdir: Path, scale: float, seed: int = 1, report=print) -> Path:
    """DIR/out: the synthetic national-size build at `scale`, made once (reused while its scale is the same)."""
    data, out, stamp = workdir / "data", workdir / "out", workdir / "scale.txt"
    wanted = f"{scale:g} {seed}"
    if (out / "maillage.nq").is_file() and stamp.is_file() and stamp.read_text().strip() == wanted:
        return out
    workdir.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    report(f"maillage synthetic --scale {scale:g} --seed {seed}")
    subprocess.run([_maillage(), "synthetic", "--out", str(data), "--scale", f"{scale:g}", "--seed", str(seed)],
                   check=True, stdout=subprocess.DEVNULL)
    report("maillage build")
    subprocess.run([_maillage(), "build", "--data", str(data), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(wanted + "\n")
    return out


def walk(steps: Walk) -> None:
    """One coordinator's round through the pages, on whatever the graph holds (first options, first links)."""
    steps.page("Territoires")
    steps.type_in("Nom ou code du territoire (INSEE, SIREN, code postal)", "Grenoble")
    steps.page("Expériences")
    steps.choose("Thématique")
    steps.follow()
    steps.page("Coordinations")
    steps.choose("Type")
    steps.follow()
    steps.page("Accueil")
    steps.page("Coordinations")
    steps.type_in("Territoire : nom ou code (ex. Bouches-du-Rhône, 13, 13100)", "departement/38")


def run(out_dir: Path, scale: float, rounds: int = 2, report=print) -> ViewerMeasure:
    result = ViewerMeasure(scale=scale, load=os.getloadavg())
    server = ViewerServer(out_dir)
    # The visitor's browser is already running (its start is not the viewer's): chromium and the tab first.
    with OfflineBrowser() as browser:
        tab = browser.tab(server.url, timeout_s=300)
        with server:
            result.healthy_s = server.healthy - server.started
            tab.open("/")
            result.first_page_s = time.monotonic() - server.started
            report(f"première page : {result.first_page_s:.2f} s")
            for number in range(rounds):
                steps = Walk(tab)
                walk(steps)
                result.rounds.append(steps.steps)
                report(f"tour {number + 1} : {len(steps.steps)} interactions")
            # The anchor, in the same run: Accueil for another visitor (a new browser context and session) once the
            # server is warm: what Streamlit's front end and the page cost alone, without the start.
            result.again_s = browser.tab(server.url, timeout_s=300).open("/")
            report(f"la même page, serveur prêt : {result.again_s:.2f} s")
        result.blocked = list(browser.blocked)
    return result


def rich_table(measure: ViewerMeasure):
    from rich.table import Table

    size = f"échelle {measure.scale:g}" if measure.scale else "graphe donné (--build)"
    table = Table(title=f"Visionneuse dans chromium, {size}")
    table.add_column("Interaction")
    for number in range(len(measure.rounds)):
        table.add_column(f"Tour {number + 1} (s)", justify="right")
    for index, (name, _) in enumerate(measure.rounds[0] if measure.rounds else []):
        table.add_row(name, *(f"{steps[index][1]:.2f}" for steps in measure.rounds))
    return table


def summary(measure: ViewerMeasure) -> str:
    def verdict(ok: bool) -> str:
        return "atteint" if ok else "MANQUÉ"

    info = machine()
    return (f"Première page après le lancement : {measure.first_page_s:.2f} s (serveur prêt à {measure.healthy_s:.2f} s, "
            f"puis {measure.after_ready_s:.2f} s ; cible < {FIRST_PAGE_TARGET_S:g} s une fois le serveur prêt : "
            f"{verdict(measure.after_ready_s < FIRST_PAGE_TARGET_S)}).\n"
            f"Ancre, même lancement : la même page pour un autre visiteur, serveur prêt : {measure.again_s:.2f} s "
            f"(rapport {measure.after_ready_s / measure.again_s if measure.again_s else 0:.2f}).\n"
            f"Interactions : {len(measure.times)}, 95e centile {measure.p95_s:.2f} s, "
            f"maximum {max(measure.times, default=0):.2f} s "
            f"(cible < {INTERACTION_TARGET_S:g} s : {verdict(measure.p95_s < INTERACTION_TARGET_S)}).\n"
            f"Requêtes vers d'autres hôtes bloquées : {len(measure.blocked)}.\n"
            f"Machine : {info['cpu']}, {info['cpus']} cœurs logiques, {info['memory_gb']} Go ; {info['system']} ; "
            f"Python {info['python']}, pyoxigraph {info['pyoxigraph']} ; charge au départ (uptime) : "
            f"{', '.join(f'{load:.2f}' for load in measure.load)}.")
