"""Shared fixtures: the seed graph is built once per test session."""

from __future__ import annotations

import fcntl
import gc
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from streamlit.testing.v1 import AppTest

from graph_builder import BuildResult, Settings, build_graph
from graph_builder.constants import PROJECT_ROOT
from maillage.library import get_query
from maillage.stores import http_client

QUERIES = PROJECT_ROOT / "queries"
# The library's query names, as maillage.library.library() names them (its top-level *.rq files), for parametrize:
# without parsing every query at collection, in each worker (7 CPU s with rdflib's parser), whether or not it runs them.
QUERY_NAMES = sorted(path.stem for path in QUERIES.glob("*.rq"))
ID = "https://w3id.org/maillage/id/"
EPOCH = "1700000000"  # SOURCE_DATE_EPOCH of the incremental builds: the same build time for each

# What each file costs, in CPU seconds of the whole run (its servers included; docs/performance/tests.md, the
# evening of 6 December 2026, a loaded machine: the order matters, not the figures): pytest-xdist hands the costliest
# out first (longest first), so that the workers end together; the files not listed (a few seconds each) come after,
# in their own order.
COST_S = {
    "test_incremental.py": 120, "test_endpoint.py": 113, "test_build.py": 88, "test_generations.py": 67,
    "test_e2e_browser.py": 63, "test_export.py": 58, "test_e2e_contribution.py": 44, "test_bad_input.py": 43,
    "test_bench.py": 43, "test_contributions_revise.py": 38, "test_viewer_hostile.py": 38, "test_bench_viewer.py": 37,
    "test_engines.py": 37, "test_directory_import.py": 28, "test_territory_search.py": 21, "test_query_languages.py": 19,
    "test_viewer_people.py": 17, "test_query_library.py": 17, "test_synthetic.py": 16, "test_viewer.py": 16,
    "test_kept.py": 15, "test_cli_queries.py": 14, "test_no_federation.py": 14, "test_viewer_contributions.py": 14,
    "test_viewer_pages.py": 12, "test_diff.py": 11, "test_domain_rules.py": 11, "test_contributions.py": 11,
    "test_import_robustness.py": 10, "test_contributions_review.py": 9, "test_import_fuzz.py": 9,
    "test_shacl_engines.py": 8, "test_maps.py": 6, "test_backbone.py": 6, "test_ontology_reasoner.py": 6,
    "test_stores.py": 5, "test_periods.py": 5, "test_referential.py": 5,
}
# Files whose tests share no state but their fixtures: each test may run on any worker, those that use the file's
# own module or session fixtures (or one another's, through these) together, so that each fixture is made once.
# The other files stay whole on one worker, as --dist loadfile keeps them.
SPLIT = {"test_incremental.py", "test_build.py", "test_generations.py"}
# Files that share a costly session fixture of this file run on one worker, which makes it once: the seed's
# Oxigraph server (seed_endpoint, its store loaded from the 420,000 quads' dump).
TOGETHER = {"test_cli_queries.py": "seed_endpoint", "test_stores.py": "seed_endpoint"}
# Where the workers leave the groups for the controller's scheduler (in the run's base temporary directory). The
# groups cannot travel in the tests' ids, as pytest-xdist's own `xdist_group` does: pytest 9 ignores the suffix
# it writes there (--dist loadgroup then runs every test alone, each worker making every module fixture).
GROUPS = "xdist-groups.json"


def _own_fixtures(item: pytest.Item) -> set[str]:
    """The fixtures broader than a test that `item` needs (directly or not) from its own file."""
    file = item.nodeid.split("::")[0]
    return {name for name, defs in item._fixtureinfo.name2fixturedefs.items()
            if defs[-1].scope != "function" and defs[-1].baseid == file}


def _groups(items: list[pytest.Item]) -> dict[str, str | None]:
    """Each test's group (by id): its file (or its TOGETHER name); in a SPLIT file, None (alone) for a test that
    needs none of the file's own fixtures, else the fixtures of its cluster (the tests linked by the fixtures they
    share)."""
    groups: dict[str, str | None] = {}
    clusters: list[tuple[set[str], list[str]]] = []  # (fixtures, test ids), disjoint
    for item in items:
        if item.path.name not in SPLIT:
            groups[item.nodeid] = TOGETHER.get(item.path.name, item.nodeid.split("::")[0])
        elif not (own := _own_fixtures(item)):
            groups[item.nodeid] = None
        else:
            linked = [c for c in clusters if c[0] & own]
            merged = (own.union(*(c[0] for c in linked)), [item.nodeid, *(i for c in linked for i in c[1])])
            clusters = [c for c in clusters if not c[0] & own] + [merged]
    for fixtures, ids in clusters:
        for nodeid in ids:
            groups[nodeid] = f"{nodeid.split('::')[0]}:{'+'.join(sorted(fixtures))}"
    return groups


# One HTTP client for the tests' own requests (each worker's): httpx.get/post/put... make a new client per call, whose
# SSL context (the CA bundle loaded again) costs 15-30 ms of CPU, for loopback URLs too. Thread-safe, keeping no
# cookie (requests as independent as before); callers give their timeout as they did to httpx.get.
HTTP = http_client()


def pytest_sessionfinish() -> None:
    HTTP.close()


def pytest_configure(config: pytest.Config) -> None:
    # The test processes keep the session's builds (millions of rdflib objects) alive: with Python's default
    # thresholds, each full collection rescanned them all (0.3-0.4 s each, 18 % of test_build.py's CPU), for garbage
    # the tests hardly make. Rarer collections: 9.3 to 1.9 CPU s of collector for test_incremental.py and
    # test_bad_input.py together, peak memory 0.9 to 1.3 GiB. The processes the tests start keep Python's defaults.
    gc.set_threshold(20_000, 10, 100)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups = _groups(items)
    per_file: dict[str, int] = {}
    for item in items:
        per_file[item.path.name] = per_file.get(item.path.name, 0) + 1

    def cost(item: pytest.Item) -> float:  # a test alone: its share of its file
        file_cost = COST_S.get(item.path.name, 0)
        return file_cost / per_file[item.path.name] if groups[item.nodeid] is None else file_cost

    items.sort(key=cost, reverse=True)  # stable: the order within a file (or among the unlisted) kept
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker collects the same tests: the same groups
        path = config._tmp_path_factory.getbasetemp().parent / GROUPS
        written = path.with_name(f"{GROUPS}.{os.environ['PYTEST_XDIST_WORKER']}")
        written.write_text(json.dumps(groups), encoding="utf-8")
        os.replace(written, path)


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: unknown when it is not loaded (-p no:xdist)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """--dist loadfile with the groups above (read once every worker has collected, when scheduling starts)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    path = config._tmp_path_factory.getbasetemp() / GROUPS

    class Grouped(LoadScopeScheduling):
        groups: dict[str, str | None] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # none written (a worker's own plugins changed?): by file, as loadfile
                self.groups = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
            return self.groups.get(nodeid, nodeid.split("::")[0]) or nodeid

    return Grouped(config, log)


@pytest.fixture(scope="session")
def seed_build() -> BuildResult:
    return build_graph(Settings())


@pytest.fixture(scope="session")
def seed_store(seed_build):
    """The seed build in the embedded store (Oxigraph), the referential included."""
    from maillage.stores import OxigraphStore

    return OxigraphStore.from_build(seed_build)


@pytest.fixture(scope="session")
def seed_dump(seed_store, tmp_path_factory) -> Path:
    """The seed build as an N-Quads dump (what `maillage build` writes as maillage.nq)."""
    import pyoxigraph as ox

    path = tmp_path_factory.mktemp("seed-dump") / "maillage.nq"
    seed_store.store.dump(output=str(path), format=ox.RdfFormat.N_QUADS)
    return path


@pytest.fixture(scope="session")
def seed_endpoint(seed_dump, tmp_path_factory):
    """A real Oxigraph SPARQL server over the seed dump (read-only, union default graph), on 127.0.0.1: its query URL."""
    import subprocess

    from maillage.endpoint.oxigraph_server import OxigraphServer, oxigraph_binary

    location = tmp_path_factory.mktemp("oxigraph") / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(seed_dump)],
                   check=True, capture_output=True)
    with OxigraphServer(location, timeout_s=30) as server:
        yield f"{server.url}/query"


@pytest.fixture(scope="session")
def seed_out(seed_build, seed_store, tmp_path_factory) -> Path:
    """The seed build written as `maillage build` writes it, with the answers it keeps for the viewer's first page and
    territory search (maillage/kept.py; not its on-disk graph): what the viewer (app/) opens. Without them, every
    viewer on it (each worker's, each server's) answered them from the graph again."""
    from graph_builder.publication.outputs import write_outputs
    from graph_builder.referential.package import default_cache
    from maillage.kept import keep_answers

    out = tmp_path_factory.mktemp("viewer-build")
    write_outputs(seed_build, out)
    assert keep_answers(seed_store, out, cache=default_cache() / "kept-texts") is not None
    return out


@pytest.fixture(scope="session")
def small_build(seed_build, seed_out, tmp_path_factory) -> Path:
    """The seed build with only the referential territories the data cites: for checks that hold at any size and
    would spend most of their time on the 420,000 quads of the whole referential (re-parsed with rdflib, loaded
    over HTTP...)."""
    cited = {ox.NamedNode(str(s)) for s in set(seed_build.cited_places.subjects())}
    return with_places(seed_out, cited, tmp_path_factory.mktemp("small-build"))


def with_places(build: Path, kept: set, out: Path) -> Path:
    """`build` written into `out` with only the `kept` places of the referential's graph (the other graphs whole)."""
    referential = ox.NamedNode(f"{ID}graph/cog-insee")
    quads = [q for q in ox.parse(path=build / "maillage.nq", format=ox.RdfFormat.N_QUADS)
             if q.graph_name != referential or q.subject in kept]
    ox.serialize(quads, out / "maillage.nq", ox.RdfFormat.N_QUADS)
    shutil.copy(build / "manifest.json", out / "manifest.json")
    return out


@pytest.fixture(scope="session")
def library_build(seed_build, seed_store, seed_out, tmp_path_factory) -> Path:
    """The seed build with only the referential territories the library's queries read with their defaults: those the
    data cites, those the defaults name and the ones directly in them (the communes of a département...), and every
    territory above all these. What the queries run on every engine (tests/test_engines.py) at a sixth of the whole
    referential's quads."""
    from maillage.library import library

    within = ox.NamedNode("http://rdf.insee.fr/def/geo#subdivisionDirecteDe")
    named = {ox.NamedNode(value) for query in library().values() for value in query.bindings().values()
             if str(value).startswith(f"{ID}territoire/")}
    kept = {ox.NamedNode(str(s)) for s in set(seed_build.cited_places.subjects())} | named
    kept |= {quad.subject for place in named for quad in seed_store.store.quads_for_pattern(None, within, place)}
    todo = list(kept)
    while todo:  # upwards: the EPCI, département and région of each
        for quad in seed_store.store.quads_for_pattern(todo.pop(), within, None):
            if quad.object not in kept:
                kept.add(quad.object)
                todo.append(quad.object)
    return with_places(seed_out, kept, tmp_path_factory.mktemp("library-build"))


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """A private Virtuoso 7 (Debian's) on loopback free ports, dba's password set, stopped at the end (tests/virtuoso.py).
    Its start time is printed (pytest -s) and kept as `started_s`."""
    from tests.virtuoso import Virtuoso

    with Virtuoso(tmp_path_factory.mktemp("virtuoso")) as server:
        print(f"\nVirtuoso started in {server.started_s:.1f} s")
        yield server


def rapper(path: Path, syntax: str, output: str) -> bytes:
    """`path` parsed by an independent parser (Debian's raptor2-utils, installed by scripts/setup.sh test),
    written as `output` (ntriples, nquads)."""
    found = shutil.which("rapper")
    assert found, "rapper not installed: apt-get install raptor2-utils"
    run = subprocess.run([found, "-q", "-i", syntax, "-o", output, str(path)], capture_output=True, check=False)
    assert run.returncode == 0, run.stderr.decode()[-2000:]
    return run.stdout


@pytest.fixture(scope="session")
def seed_graph(seed_build: BuildResult) -> Graph:
    return seed_build.data_graph()


@contextmanager
def made_once(tmp_path_factory, name: str):
    """A folder made once for the whole run, even across pytest-xdist's workers (they share the parent of their
    base temporary directories): yields (folder, made) under a lock; the block makes it when `made` is False."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder, done = root / f"once-{name}", root / f"once-{name}.done"
    with open(root / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another worker making it: wait, then reuse
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            yield folder, False
            done.touch()
        else:
            yield folder, True


@pytest.fixture(scope="session")
def pristine(tmp_path_factory) -> tuple[Path, Path]:
    """The curated data with imported directories, and its full build with the state the next rebuild starts
    from (`maillage build`): made once per run (by one xdist worker), copied by each test that edits or rebuilds
    it (test_incremental, test_generations), never changed in place."""
    with made_once(tmp_path_factory, "pristine") as (folder, made):
        if not made:
            _make_pristine(folder)
    return folder / "data", folder / "out"


def _make_pristine(folder: Path) -> None:
    from click.testing import CliRunner

    from maillage.cli.main import main

    data = folder / "data"
    shutil.copytree(PROJECT_ROOT / "data", data, ignore=shutil.ignore_patterns("templates"))
    samples = Path(__file__).parent / "directories"
    files = [str(samples / name) for name in ("qpv.csv", "cls-ars-acteurs.csv", "cls-ars.csv", "cls-ars-participations.csv")]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        imported = CliRunner().invoke(main, ["import", *files, "--data", str(data)])
        assert imported.exit_code == 0, imported.output
        result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    assert "Reconstruction complète" in result.output


def copy_data(target: Path) -> Path:
    """A writable copy of the curated data at `target` (its templates left out)."""
    shutil.copytree(PROJECT_ROOT / "data", target, ignore=shutil.ignore_patterns("templates"))
    return target


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the curated data, for tests that break it."""
    return copy_data(tmp_path / "data")


def build_with(data_dir: Path) -> BuildResult:
    return build_graph(Settings(data_dir=data_dir))


def run_query(store, name: str, **params) -> list[dict[str, str | None]]:
    """queries/NAME.rq through the library (declared defaults, checked parameters bound as RDF terms), as text."""
    rows = get_query(name).run(store, params)
    return [{v: (None if t is None else str(t)) for v, t in zip(rows.variables, row, strict=True)} for row in rows]


MAIN = str(PROJECT_ROOT / "app" / "main.py")


@pytest.fixture
def app(seed_out, monkeypatch):
    """`app(page, lang, **query_params)`: the viewer under Streamlit's AppTest on the seed build, that page run."""
    monkeypatch.setenv("MAILLAGE_OUT", str(seed_out))

    def start(page: str | None = None, lang: str = "fr", **params) -> AppTest:
        at = AppTest.from_file(MAIN, default_timeout=60)
        at.session_state["lang"] = lang
        at.run()
        if page:
            at.switch_page(f"views/{page}.py")
        for key, value in params.items():  # after switching: a page switch starts with no query parameters
            at.query_params[key] = value
        if page or params:
            at.run()
        assert not at.exception, at.exception
        return at

    return start


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it receives and closes them (`handle`): where a SERVICE
    call or an image the viewer should not load would arrive."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            self.handle(connection)

    def handle(self, connection: socket.socket) -> None:
        """What is done with each connection, in turn: closed at once."""
        connection.close()

    def settled(self) -> int:
        """The connections received, once any the kernel has queued are accepted."""
        time.sleep(0.1)
        return self.connections
