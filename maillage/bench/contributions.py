"""`maillage bench`'s contribution figures (issue 20's targets): a proposal checked before sending (< 2 s), and an
accepted proposal visible (< 10 s), on a build `maillage build` wrote with its incremental state.

- check: a new CLS in Grenoble with its carrier (what the page « Contribuer » sends) checked by the build's rules
  (graph_builder.contributions.check) against the build's kept store; the median of the checks after the first,
  as in the viewer's process, which keeps the data files' parses once read;
- accepted → visible: in a fresh process, as the page « Relecture » does, the proposal accepted into the data
  directory (graph_builder.contributions.review.accept) and the build rebuilt (incrementally: a new source document
  and its records), then the rebuilt graph opened as the viewer opens it (maillage.stores.open_store) and the CLS
  found by the library's `coordinations_in_territory`.

The data directory is left with the accepted contribution (the bench's own copy). Figures, not assertions.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRENOBLE = "commune/38185"
CLS_ID = "cls-bench-contribution-grenoble"
CHECKS = 3  # the first reads every data file; the median of the others is the figure


def _statement():
    from graph_builder.contributions.records import Statement

    return Statement("ville-bench-contribution-grenoble", "declaration", "", True, "coordinatrice du CLS",
                     structure_label="Ville de Grenoble (banc d'essai)")


def _records() -> list[tuple[str, dict]]:
    carrier = "ville-bench-contribution-grenoble"
    return [("actor", {"id": carrier, "label": "Ville de Grenoble (banc d'essai)", "kind": ["commune"],
                       "based_in": GRENOBLE}),
            ("coordination", {"id": CLS_ID, "label": "Contrat local de santé de Grenoble (banc d'essai)",
                              "type": "CLS", "territories": [GRENOBLE], "start": "2019", "themes": ["sante-mentale"],
                              "participations": [{"actor": carrier, "role": "porteur"},
                                                 {"actor": carrier, "role": "cosignataire"},
                                                 {"actor": "ars", "role": "cosignataire"}]})]


def check_seconds(data_dir: Path, out_dir: Path) -> float:
    """Median seconds of a proposal's check after the first (raises if the proposal does not conform)."""
    import pyoxigraph as ox

    from graph_builder.contributions.check import check_proposal
    from graph_builder.contributions.records import render, today
    from graph_builder.incremental.state import state_dir
    from graph_builder.pipeline import Settings

    store = ox.Store.read_only(str(state_dir(out_dir) / "store"))
    text = render("00000000-000000-00000000", _statement(), _records(), today())
    times = []
    for _ in range(CHECKS):
        checked = check_proposal(Settings(data_dir=data_dir), text, store, _statement())
        if not checked.conforms:
            raise RuntimeError("; ".join(p.format("en") for p in checked.problems if p.blocking))
        times.append(checked.seconds)
    return round(statistics.median(times[1:]), 3)


def accepted_visible(data_dir: Path, out_dir: Path) -> dict:
    """Accept the proposal, rebuild, open the graph and find the CLS: seconds of each (run in a fresh process)."""
    from graph_builder.builder import build
    from graph_builder.constants import DEFAULT_BASE
    from graph_builder.contributions import review
    from graph_builder.contributions.records import render, today
    from graph_builder.contributions.store import ProposalStore
    from graph_builder.pipeline import Settings
    from graph_builder.problems import blocking
    from maillage.library import get_query
    from maillage.stores import open_store

    settings = Settings(data_dir=data_dir)
    with tempfile.TemporaryDirectory(prefix="maillage-bench-propositions-") as folder:
        store = ProposalStore(Path(folder))
        ident = store.submit(lambda pid: render(pid, _statement(), _records(), today()),
                             _statement().as_meta("coordination"), {})
        kinds = []
        started = time.perf_counter()

        def rebuild():
            outcome = build(settings, out_dir)
            kinds.append(outcome.kind)
            return blocking(outcome.problems)

        review.accept(store, ident, "banc d'essai", settings, rebuild)
        rebuilt = time.perf_counter()
    graph = open_store(out_dir)
    opened = time.perf_counter()
    rows = get_query("coordinations_in_territory").run(graph, {"territory": f"{DEFAULT_BASE}territoire/{GRENOBLE}"})
    found = any(str(value).endswith(f"/coordination/{CLS_ID}") for row in rows for value in row)
    end = time.perf_counter()
    return {"rebuild_s": round(rebuilt - started, 3), "open_s": round(opened - rebuilt, 3),
            "visible_s": round(end - started, 3), "kind": kinds[-1] if kinds else None, "found": found}


def timed_acceptance(data_dir: Path, out_dir: Path) -> dict:
    """`accepted_visible` in a process of its own, as the viewer's server runs it after the bench's full build."""
    command = [sys.executable, "-m", "maillage.bench.contributions", str(data_dir), str(out_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(accepted_visible(Path(sys.argv[1]), Path(sys.argv[2]))), flush=True)
