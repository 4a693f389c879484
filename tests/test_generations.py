"""Outputs that never mix: real builds killed at each step of publication, two builds on one directory, disk errors
(read-only, full), `maillage serve` on a read-only build, older layouts still read.

Real `maillage build` processes, on copies of the session's incremental build (conftest.pristine): an edit is
rebuilt in about 3 s, so each kill costs that much; the one full build after a kill is made once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph_builder import Settings
from graph_builder.builder import build
from graph_builder.publication.generations import (
    CURRENT,
    GENERATIONS,
    KILL_AT,
    LOCK,
    PREVIOUS,
    generation,
    locked,
    publish,
    resolve,
)
from graph_builder.publication.outputs import DUMPS
from maillage.endpoint.dataset import BuiltDataset
from maillage.endpoint.oxigraph_server import free_port
from maillage.stores import dump_of, open_store
from tests.conftest import EPOCH, HTTP, ID

EDIT = ("coordinations.yaml", 'label: "Atelier santé ville de Lyon"', 'label: "Atelier santé ville de Lyon (Rhône)"')
# Every step of publication (generations.reached), in order: the dumps written, the generation complete (manifest),
# `previous` switched, `current` switched, the top-level links made.
STEPS = ("dumps", "complete", "previous", "switch", "links")
MAIN = "from maillage.cli.main import main; main()"
# `maillage` once the file named by its first argument exists (imported before: it then reaches the lock at once).
WHEN_TOLD = ("import os, sys, time\nfrom maillage.cli.main import main\ngo = sys.argv.pop(1)\n"
             "while not os.path.exists(go):\n    time.sleep(0.01)\nmain()")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(out: Path) -> dict[str, str]:
    """The checksums of the set readers see, checked whole: the resolved generation's files are those its manifest
    names, and so are the files behind the top-level names (what people and scripts open)."""
    folder = resolve(out)
    files = {name: entry["sha256"] for name, entry in
             json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"].items()}
    assert set(files) == set(DUMPS) - {"manifest.json"}
    for name, digest in files.items():
        assert sha256(folder / name) == digest, f"{name} does not match the manifest beside it"
    top = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    for name, entry in top.items():
        assert sha256(out / name) == entry["sha256"], f"top-level {name} does not match the top-level manifest"
    return files


def same_set(files: dict[str, str], expected: dict[str, str]) -> bool:
    """The same build's files (validation.ttl aside: its blank nodes are labelled anew by each serialisation)."""
    return {k: v for k, v in files.items() if k != "validation.ttl"} == \
        {k: v for k, v in expected.items() if k != "validation.ttl"}


def leftovers(out: Path) -> set[str]:
    """What `.generations` holds besides the current and previous generations and their pointers."""
    folder = out / GENERATIONS
    kept = {CURRENT, PREVIOUS} | {os.readlink(folder / p) for p in (CURRENT, PREVIOUS) if (folder / p).is_symlink()}
    return {entry.name for entry in folder.iterdir()} - kept


def maillage(*args: str, env: dict | None = None, prefix: tuple[str, ...] = (), code: str = MAIN
             ) -> subprocess.CompletedProcess:
    """A real `maillage` process (this Python), its output captured."""
    return subprocess.run([*prefix, sys.executable, "-c", code, *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, **(env or {})}, timeout=300)


@pytest.fixture(scope="module")
def edited(pristine, tmp_path_factory) -> Path:
    """The pristine data with one record edited."""
    data = tmp_path_factory.mktemp("edited") / "data"
    shutil.copytree(pristine[0], data)
    path = data / EDIT[0]
    text = path.read_text(encoding="utf-8")
    assert EDIT[1] in text
    path.write_text(text.replace(EDIT[1], EDIT[2], 1), encoding="utf-8")
    return data


def copy_build(pristine, target: Path) -> Path:
    shutil.copytree(pristine[1], target, symlinks=True)
    return target


@dataclass
class Reference:
    """The edit's incremental build (a real one, not killed) on a copy of the pristine build, and what happened
    around it: a second build started meanwhile, and the generation a reader resolved before it."""

    old: dict[str, str]  # the published set before
    new: dict[str, str]  # and after
    second: subprocess.CompletedProcess  # a build started while the first held the lock
    resolved: Path  # the generation a reader resolved before the build
    out: Path


@pytest.fixture(scope="module")
def reference(pristine, edited, tmp_path_factory) -> Reference:
    out = copy_build(pristine, tmp_path_factory.mktemp("reference") / "out")
    old, resolved = published(out), resolve(out)
    go = out.parent / "go"
    first, second = (subprocess.Popen([sys.executable, "-c", code, *extra, "build", "--data", str(edited), "--out",
                                       str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH})
                     for code, extra in ((MAIN, ()), (WHEN_TOLD, (str(go),))))
    deadline = time.monotonic() + 60
    with open(out / LOCK, "rb") as lock:  # until the first build holds the lock
        while time.monotonic() < deadline and first.poll() is None:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(lock, fcntl.LOCK_UN)
                time.sleep(0.01)
            except BlockingIOError:
                break
    go.touch()  # the second, imported meanwhile, starts its build now
    second.wait(timeout=120)
    second = subprocess.CompletedProcess(second.args, second.returncode, *second.communicate())
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    assert "Reconstruction incrémentale : 1" in stderr
    new = published(out)
    assert not same_set(old, new)
    assert leftovers(out) == set()
    return Reference(old, new, second, resolved, out)


@pytest.fixture(scope="module")
def killed(pristine, edited, reference, tmp_path_factory) -> dict[str, Path]:
    """A copy of the build per step, where the edit's build was killed (SIGKILL) at that step."""
    found = {}
    for step in STEPS:
        out = copy_build(pristine, tmp_path_factory.mktemp(f"killed-{step}") / "out")
        done = maillage("build", "--data", str(edited), "--out", str(out), env={KILL_AT: step})
        assert done.returncode == -9, f"{step}: {done.returncode} {done.stderr}"
        found[step] = out
    return found


@pytest.mark.parametrize("step", STEPS)
def test_a_build_killed_at_any_step_leaves_all_old_or_all_new(killed, reference, step):
    old, new = reference.old, reference.new
    out = killed[step]
    files = published(out)
    # Before the switch, readers see the previous build whole; from the switch on, the new one whole.
    assert same_set(files, new if STEPS.index(step) >= STEPS.index("switch") else old), step
    for reader in (dump_of(out).parent, BuiltDataset.open(out).folder):
        assert reader == resolve(out)
    # The next build, under the lock, first removes what the killed one left (a half or a whole generation).
    with locked(out):
        assert leftovers(out) == set()
    assert same_set(published(out), files)


def test_the_next_build_after_a_kill_succeeds_and_cleans_up(killed, edited, reference, monkeypatch):
    out = killed["complete"]  # a whole new generation left unpublished beside the old one
    assert leftovers(out) or resolve(out) != out  # (unless the kill test above already cleaned it)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    outcome = build(Settings(data_dir=edited), out)
    assert outcome.written and outcome.write_error is None
    assert outcome.full_reason is not None  # the killed rebuild left its state marked: a full build, as before
    assert same_set(published(out), reference.new)
    assert leftovers(out) == set()
    assert sorted(p.name for p in (out / GENERATIONS).iterdir() if not p.is_symlink()) == sorted(
        {os.readlink(out / GENERATIONS / CURRENT), os.readlink(out / GENERATIONS / PREVIOUS)})


def test_a_reader_keeps_the_generation_it_resolved(reference):
    """A reader that resolved the build before a publication reads it whole afterwards (the one after next removes
    it)."""
    folder = reference.resolved
    assert resolve(reference.out) != folder and (folder / "maillage.nq").is_file()
    files = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert {name: sha256(folder / name) for name in files} == {name: entry["sha256"] for name, entry in files.items()}
    assert same_set(reference.old, {name: entry["sha256"] for name, entry in files.items()})


# --- one build at a time ------------------------------------------------------------------------------------------

def test_a_second_build_on_the_same_directory_is_refused_in_french(reference):
    """Started while the first held the lock: exit 5 at once, said in French then English, nothing written (the
    first build's set is whole, see `reference`)."""
    second = reference.second
    assert second.returncode == 5, second.stderr
    assert "une autre construction écrit déjà dans ce dossier" in second.stderr
    assert str(reference.out.resolve()) in second.stderr and "another build" in second.stderr
    assert "Traceback" not in second.stderr and "RocksDB" not in second.stderr


def test_a_build_waits_for_no_lock_it_holds_itself(tmp_path):
    """The lock is reentrant within a process (the build takes it, publication again), exclusive between them."""
    with locked(tmp_path), locked(tmp_path):
        done = maillage("build", "--full", "--out", str(tmp_path), "--lang", "en")
    assert done.returncode == 5 and "une autre construction" in done.stderr and "another build" in done.stderr


# --- disk errors --------------------------------------------------------------------------------------------------

def read_only(folder: Path) -> tuple[str, ...]:
    """A command prefix that runs a process with `folder` read-only: `chmod a-w` is ignored by root, so root mounts
    it read-only in a mount namespace of the process's own (unshare); skipped where neither is possible."""
    if os.geteuid() != 0:
        for path in (folder, *folder.rglob("*")):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode & ~0o222)
        return ()
    probe = subprocess.run(["unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0"', str(folder)],
                           capture_output=True, check=False) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("running as root without unshare -m: no read-only directory to test with")
    return ("unshare", "-m", "sh", "-c", 'mount --bind -o ro "$0" "$0" && exec "$@"', str(folder))


def writable_again(folder: Path) -> None:
    if os.geteuid() != 0:
        for path in (folder, *folder.rglob("*")):
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)


def full_disk(limit: int) -> str:
    """`maillage` with every file it writes limited to `limit` bytes (RLIMIT_FSIZE, SIGXFSZ ignored: a write past
    it fails with EFBIG, as on a full disk)."""
    return ("import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); " + MAIN)


@pytest.mark.parametrize("mode", ["read-only", "full"])
@pytest.mark.parametrize("kind", ["incremental", "--full"])
def test_a_disk_error_is_exit_4_in_french_and_the_previous_build_stays(pristine, edited, tmp_path, mode, kind):
    out = copy_build(pristine, tmp_path / "out")
    before = published(out)
    options = ["--full"] if kind == "--full" else []
    if mode == "read-only":
        done = maillage("build", "--data", str(edited), "--out", str(out), *options, prefix=read_only(out))
        writable_again(out)
    else:
        done = maillage("build", "--data", str(edited), "--out", str(out), *options, code=full_disk(4 << 20))
    assert done.returncode == 4, done.stderr
    assert "Écriture impossible dans" in done.stderr and "Cannot write to" in done.stderr
    assert ("lecture seule" if mode == "read-only" else "fichier trop grand") in done.stderr or \
        "permission refusée" in done.stderr
    assert "Traceback" not in done.stderr
    assert same_set(published(out), before)
    with locked(out):
        assert leftovers(out) == set()


# --- readers --------------------------------------------------------------------------------------------------------

def tiny_build(out: Path) -> Path:
    """A build of one quad, published as `maillage build` publishes (a generation, the links), in a blink."""
    dump = f'<urn:s> <urn:p> "one" <{ID}graph/t> .\n'.encode()
    with locked(out), generation(out) as folder:
        for name in DUMPS:
            (folder / name).write_bytes(dump if name == "maillage.nq" else b"")
        files = {name: {"sha256": sha256(folder / name)} for name in DUMPS if name != "manifest.json"}
        (folder / "manifest.json").write_text(json.dumps({"base": ID, "files": files}), encoding="utf-8")
        publish(out, folder, DUMPS)
    return out


def test_serve_answers_on_a_read_only_build(tmp_path):
    out = tiny_build(tmp_path / "out")
    assert published(out)
    port = free_port()
    command = [*read_only(out), sys.executable, "-c", MAIN, "serve", "--out", str(out), "--port", str(port),
               "--workers", "1", "--memory-gb", "3", "--no-warm"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "MAILLAGE_CACHE": str(tmp_path / "cache")}, start_new_session=True)
    try:
        deadline, answer = time.monotonic() + 120, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = HTTP.post(f"http://127.0.0.1:{port}/sparql", data={"query": "ASK { ?s ?p ?o }"},
                                    headers={"Accept": "application/sparql-results+json"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, process.poll()
        assert answer.json()["boolean"] is True
    finally:
        os.killpg(process.pid, 15)
        output = process.communicate(timeout=30)[0]
        writable_again(out)
    assert "lecture seule" in output and str(tmp_path / "cache") in output
    assert not (out / "oxigraph").exists()


def test_older_layouts_are_still_read(tmp_path):
    """A build directory of plain files (before generations), or a hand-made folder with only maillage.nq."""
    built, plain = tiny_build(tmp_path / "built"), tmp_path / "plain"
    plain.mkdir()
    for name in DUMPS:
        shutil.copyfile(built / name, plain / name)
    assert resolve(plain) == plain
    assert BuiltDataset.open(plain).dump == plain / "maillage.nq"
    assert dump_of(plain) == plain / "maillage.nq"
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "maillage.nq").write_text('<http://example.org/a> <http://example.org/b> "c" <http://example.org/g> .\n',
                                      encoding="utf-8")
    assert open_store(lone).ask("ASK { GRAPH ?g { ?s ?p \"c\" } }")
