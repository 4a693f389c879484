"""`maillage bench`: how build, validation, dumps and loading grow with the data.

For each size, the data directory is prepared first (curated copy, synthetic
directories: timed as « génération »), then a fresh Python process builds it,
validates it (SHACL) and writes the dumps (`graph_builder.builder.build`, full), and
loads the written N-Quads dump back (pyoxigraph; rdflib too for the small
sizes). A fresh process per size makes its peak memory (ru_maxrss) its own.
The phases are split with the timestamps of the build's progress steps:
everything from the first step named « validation… » to « écriture des fichiers » is validation.

Sizes:
  seed          the curated data (data/), as the published graph
  referential   the referential alone: a data directory holding only the source
                documents and their publishers (sources.yaml, actors.yaml)
  national      the curated data + synthetic directories at scale 1 (× --scale-factor)
  national2x    the same at scale 2

After the full build and one record edited (`edit_s`, an incremental rebuild), at the national sizes (issue 20's
targets are national), a contribution is checked and accepted (maillage/bench/contributions.py): `check_s` and
`accepted_s` (accepted → rebuilt → opened → found).

Peak memory is the larger of the build process's and of its biggest worker
process's (the referential may be validated in a worker). By default the
user's cache is used as it is (a build reuses the referential's cached
validation report); `cold_cache` gives each size a cache holding only the
referential's tarball, so that nothing derived from it is reused.

The timings are not assertions: they depend on the machine, printed with them.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from graph_builder.problems import thousands
from graph_builder.publication.generations import resolve

SIZES = ("seed", "referential", "national", "national2x")
SCALES = {"national": 1.0, "national2x": 2.0}
# "Referential only": the source documents (the referential's own among them) and the actors that publish them.
REFERENTIAL_FILES = ("sources.yaml", "actors.yaml")
RDFLIB_LOAD_SIZES = {"seed", "referential"}   # rdflib parses slowly: only the small sizes
WRITING = "écriture des fichiers"  # the build's progress step that writes the dumps
LABELS = {
    "fr": {"seed": "graines", "referential": "référentiel seul", "national": "national", "national2x": "2 × national"},
    "en": {"seed": "seed", "referential": "referential only", "national": "national", "national2x": "2 × national"},
}
COLUMNS = {  # key -> (French, English)
    "size": ("Taille", "Size"),
    "rows": ("Lignes d'annuaire", "Directory rows"),
    "quads": ("Quadruplets", "Quads"),
    "generation_s": ("Génération (s)", "Generation (s)"),
    "build_s": ("Construction (s)", "Build (s)"),
    "validation_s": ("Validation SHACL (s)", "SHACL validation (s)"),
    "dump_s": ("Écriture (s)", "Dump (s)"),
    "load_oxigraph_s": ("Chargement pyoxigraph (s)", "Load pyoxigraph (s)"),
    "load_rdflib_s": ("Chargement rdflib (s)", "Load rdflib (s)"),
    "edit_s": ("Édition d'un enregistrement (s)", "One record edited (s)"),
    "check_s": ("Proposition vérifiée (s)", "Proposal checked (s)"),
    "accepted_s": ("Acceptée → visible (s)", "Accepted → visible (s)"),
    "peak_rss_mb": ("Mémoire max (Mo)", "Peak memory (MB)"),
    "conforms": ("Conforme", "Conforms"),
}

Report = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass
class Measure:
    size: str
    scale: float | None = None
    rows: int = 0
    generation_s: float = 0.0
    build_s: float | None = None
    validation_s: float | None = None
    dump_s: float | None = None
    load_oxigraph_s: float | None = None
    load_rdflib_s: float | None = None
    edit_s: float | None = None
    check_s: float | None = None  # a contribution checked before sending (maillage/bench/contributions.py)
    accepted_s: float | None = None  # an accepted contribution rebuilt incrementally, opened and found
    accepted: dict = field(default_factory=dict)  # its parts: rebuild_s, open_s, kind, found
    peak_rss_mb: float | None = None
    quads: int | None = None
    loaded_quads: int | None = None
    conforms: bool | None = None
    blocking: int | None = None
    steps: dict[str, float] = field(default_factory=dict)
    rss_mb_after: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def machine() -> dict[str, str | int]:
    """The machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = int(line.split()[1]) / 1024 / 1024
                break
    except OSError:
        pass
    versions = {}
    for package in ("rdflib", "pyshacl", "pyoxigraph"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "-"
    return {"cpu": cpu, "cpus": os.cpu_count() or 0, "memory_gb": round(memory_gb, 1),
            "python": platform.python_version(), "system": f"{platform.system()} {platform.release()}", **versions}


# ---------------------------------------------------------------------------
# The child: one size, in its own process
# ---------------------------------------------------------------------------

def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS) of this process or of its
    largest finished child (the build may validate in a worker process)."""
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def measure(data_dir: Path, out_dir: Path, rdflib_load: bool, report: Report = _quiet, contribution: bool = False) -> dict:
    """Build, validate, dump and reload one data directory (and a contribution checked and accepted, if asked);
    times in seconds. Runs in the child."""
    from graph_builder.builder import build
    from graph_builder.incremental.state import state_dir
    from graph_builder.pipeline import Settings
    from graph_builder.problems import blocking

    result: dict = {"steps": {}, "rss_mb_after": {}}
    marks: list[tuple[str, float]] = []

    def progress(step: str) -> None:
        if step == WRITING:
            result["rss_mb_after"]["validation"] = _rss_mb()
        marks.append((step, time.perf_counter()))
        report(step)

    shutil.rmtree(state_dir(out_dir) / "parsed", ignore_errors=True)  # every file parsed: the build measured whole
    start = time.perf_counter()
    # A full build, written even if it does not conform, as `maillage build --force` does.
    outcome = build(Settings(data_dir=data_dir), out_dir, full=True, force=True, progress=progress)
    end = time.perf_counter()
    marks.append(("", end))
    writing = next(at for step, at in marks if step == WRITING)
    for (step, at), (_, after) in zip(marks, marks[1:], strict=False):
        if step != WRITING:
            result["steps"][step] = round(result["steps"].get(step, 0.0) + after - at, 3)
    validation_start = next((at for step, at in marks if step.lower().startswith("validation")), writing)
    result["build_s"] = round(validation_start - start, 3)
    result["validation_s"] = round(writing - validation_start, 3)
    stopping = blocking(outcome.problems)
    result["conforms"] = not stopping
    result["blocking"] = len(stopping)
    if outcome.write_error is not None:
        raise outcome.write_error
    if outcome.manifest is None:
        raise RuntimeError(f"nothing written ({outcome.refused})")
    result["dump_s"] = round(end - writing, 3)
    result["quads"] = outcome.manifest.get("quads")
    result["rss_mb_after"]["dump"] = _rss_mb()
    del outcome  # the built graph, and the on-disk store closed: the incremental rebuild below opens it again

    dump = resolve(out_dir) / "maillage.nq"
    report("chargement pyoxigraph")
    import pyoxigraph

    at = time.perf_counter()
    store = pyoxigraph.Store()
    store.bulk_load(path=str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
    result["loaded_quads"] = len(store)
    result["load_oxigraph_s"] = round(time.perf_counter() - at, 3)
    del store
    result["rss_mb_after"]["load_oxigraph"] = _rss_mb()
    if rdflib_load:
        report("chargement rdflib")
        result["load_rdflib_s"] = load_rdflib(dump)
        result["rss_mb_after"]["load_rdflib"] = _rss_mb()
    report("édition d'un enregistrement")
    edit_one_record(data_dir)
    result["edit_s"] = timed_rebuild(data_dir, out_dir)
    if contribution:
        from maillage.bench.contributions import check_seconds, timed_acceptance

        report("contribution vérifiée")
        result["check_s"] = check_seconds(data_dir, out_dir)
        report("contribution acceptée")
        accepted = result["accepted"] = timed_acceptance(data_dir, out_dir)
        ok = accepted["kind"] == "incremental" and accepted["found"]
        result["accepted_s"] = accepted["visible_s"] if ok else None
    result["rss_mb_after"]["workers"] = _rss_mb(resource.RUSAGE_CHILDREN)
    result["peak_rss_mb"] = max(_rss_mb(), result["rss_mb_after"]["workers"])
    return result


def load_rdflib(dump: Path) -> float:
    """Seconds rdflib takes to parse the N-Quads `dump` into a Dataset (the dataset then dropped)."""
    from rdflib import Dataset

    at = time.perf_counter()
    Dataset().parse(dump, format="nquads")
    return round(time.perf_counter() - at, 3)


def timed_rebuild(data_dir: Path, out_dir: Path) -> float | None:
    """Seconds `maillage build` took, in a process of its own as a coordinator runs it, to rebuild after an edit;
    None if it did not rebuild incrementally (in the bench's process, after the full build, it took 1 s more)."""
    command = [sys.executable, "-c", "from maillage.cli.main import run; run()",
               "build", "--data", str(data_dir), "--out", str(out_dir), "--lang", "en"]
    at = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = round(time.perf_counter() - at, 3)
    return seconds if done.returncode == 0 and "Incremental rebuild: 1 record(s) changed" in done.stderr else None


def edit_one_record(data_dir: Path) -> None:
    """What a coordinator does between two builds: one actor's label changed (actors.yaml is there at every size)."""
    path = data_dir / "actors.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('\n    label: "', '\n    label: "(édité) ', 1), encoding="utf-8")


def _child_main(argv: list[str]) -> int:
    """`python -m maillage.bench.build DATA OUT [--rdflib]`: one JSON object on stdout, steps on stderr."""
    data_dir, out_dir = Path(argv[0]), Path(argv[1])

    def report(step: str) -> None:
        print(f"STEP {step}", file=sys.stderr, flush=True)

    result = measure(data_dir, out_dir, "--rdflib" in argv, report, "--contribution" in argv)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


# ---------------------------------------------------------------------------
# The parent: prepare each size, run its child, gather the figures
# ---------------------------------------------------------------------------

def prepare(size: str, target: Path, referential, seed: int, scale_factor: float,
            data_dir: Path) -> tuple[Path, float, int, float | None]:
    """The data directory of one size: (path, generation seconds, synthetic rows, scale)."""
    from graph_builder.sources import synthetic

    at = time.perf_counter()
    if target.exists():
        shutil.rmtree(target)
    if size == "seed":
        target.mkdir(parents=True)
        synthetic.copy_curated(data_dir, target)
        return target, round(time.perf_counter() - at, 3), 0, None
    if size == "referential":
        target.mkdir(parents=True)
        for name in REFERENTIAL_FILES:
            shutil.copy2(data_dir / name, target / name)
        return target, round(time.perf_counter() - at, 3), 0, None
    scale = SCALES[size] * scale_factor
    counts = synthetic.write_data_dir(target, referential, seed=seed, scale=scale, data_dir=data_dir)
    rows = sum(counts[kind] for kind in synthetic.HEADERS)
    return target, round(time.perf_counter() - at, 3), rows, scale


def run_child(data: Path, out: Path, rdflib_load: bool, env: dict[str, str], report: Report,
              contribution: bool = False) -> dict:
    command = [sys.executable, "-m", "maillage.bench.build", str(data), str(out)]
    if rdflib_load:
        command.append("--rdflib")
    if contribution:
        command.append("--contribution")
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as child:
        tail: list[str] = []
        assert child.stderr is not None and child.stdout is not None
        for line in child.stderr:
            line = line.rstrip("\n")
            if line.startswith("STEP "):
                report(f"{line[5:]} ({time.perf_counter() - started:.0f} s)")
            elif line.strip():
                tail = (tail + [line])[-15:]
        output = child.stdout.read()
        code = child.wait()
    if code != 0:
        raise RuntimeError(f"exit {code}: " + "\n".join(tail))
    return json.loads(output.strip().splitlines()[-1])


def run_bench(sizes: list[str], workdir: Path, seed: int = 1, scale_factor: float = 1.0, cold_cache: bool = False,
              data_dir: Path | None = None, referential=None, report: Report = _quiet,
              rdflib_sizes: Collection[str] = RDFLIB_LOAD_SIZES) -> list[Measure]:
    """Measure every size in turn (each build in a fresh process); rdflib's load only for `rdflib_sizes`."""
    from graph_builder.constants import PROJECT_ROOT
    from graph_builder.referential.package import default_cache, fetch, load

    data_dir = data_dir or PROJECT_ROOT / "data"
    tarball = fetch(default_cache())
    if referential is None and any(size in SCALES for size in sizes):
        referential = load(tarball)
    measures = []
    for size in sizes:
        report(f"[{size}] préparation des données")
        root = workdir / size
        try:
            data, generation, rows, scale = prepare(size, root / "data", referential, seed, scale_factor, data_dir)
        except Exception as exc:  # noqa: BLE001 - reported in the table, the other sizes still run
            measures.append(Measure(size=size, error=f"{type(exc).__name__}: {exc}"))
            report(f"[{size}] échec : {exc}")
            continue
        env = dict(os.environ)
        if cold_cache:
            # Only the referential's tarball: whatever the build derives from it is computed again.
            cache = root / "cache"
            if cache.exists():
                shutil.rmtree(cache)
            cache.mkdir(parents=True)
            shutil.copy2(tarball, cache / tarball.name)
            env["MAILLAGE_CACHE"] = str(cache)
        env.setdefault("PYTHONHASHSEED", "0")
        # The child imports this very package, installed or not.
        package_root = str(PROJECT_ROOT)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        measure_ = Measure(size=size, scale=scale, rows=rows, generation_s=generation)
        try:
            figures = run_child(data, root / "out", size in rdflib_sizes, env,
                                lambda step, size=size: report(f"[{size}] {step}"), contribution=size in SCALES)
        except (RuntimeError, json.JSONDecodeError, IndexError) as exc:
            measure_.error = str(exc)
            report(f"[{size}] échec : {exc}")
        else:
            for key, value in figures.items():
                setattr(measure_, key, value)
            report(f"[{size}] terminé : {measure_.quads} quadruplets, {measure_.peak_rss_mb} Mo au plus")
        measures.append(measure_)
    return measures


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def _cell(measure: Measure, key: str, lang: str) -> str:
    if key == "size":
        label = LABELS[lang].get(measure.size, measure.size)
        return f"{label} ({measure.scale:g})" if measure.scale is not None else label
    if measure.error is not None and key not in ("rows", "generation_s"):
        return "échec" if lang == "fr" else "failed"
    value = getattr(measure, key)
    if value is None:
        return "-"
    if key == "conforms":
        yes, no = ("oui", "non") if lang == "fr" else ("yes", "no")
        return yes if value else f"{no} ({measure.blocking})"
    if isinstance(value, float):
        return f"{value:.1f}" if key == "peak_rss_mb" or value >= 10 else f"{value:.2f}"
    return thousands(value, lang)


def rows_of(measures: list[Measure], lang: str = "fr") -> tuple[list[str], list[list[str]]]:
    index = 0 if lang == "fr" else 1
    header = [COLUMNS[key][index] for key in COLUMNS]
    return header, [[_cell(m, key, lang) for key in COLUMNS] for m in measures]


def machine_line(info: dict, lang: str = "fr") -> str:
    if lang == "fr":
        return (f"Machine : {info['cpu']}, {info['cpus']} cœurs logiques, {info['memory_gb']} Go de mémoire ; "
                f"{info['system']} ; Python {info['python']}, rdflib {info['rdflib']}, pyshacl {info['pyshacl']}, "
                f"pyoxigraph {info['pyoxigraph']}.")
    return (f"Machine: {info['cpu']}, {info['cpus']} logical CPUs, {info['memory_gb']} GB of memory; {info['system']}; "
            f"Python {info['python']}, rdflib {info['rdflib']}, pyshacl {info['pyshacl']}, pyoxigraph {info['pyoxigraph']}.")


def markdown(measures: list[Measure], info: dict, lang: str = "fr") -> str:
    header, rows = rows_of(measures, lang)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n" + machine_line(info, lang) + "\n"


def as_json(measures: list[Measure], info: dict) -> str:
    return json.dumps({"machine": info, "sizes": [asdict(m) for m in measures]}, ensure_ascii=False, indent=2) + "\n"


def rich_table(measures: list[Measure], lang: str = "fr"):
    from rich.table import Table

    header, rows = rows_of(measures, lang)
    table = Table(title="Mesures de performance" if lang == "fr" else "Performance measurements")
    for index, name in enumerate(header):
        table.add_column(name, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def default_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="maillage-bench-"))


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
