"""Answers kept with a build: the library queries whose header says `kept`, answered once when the build is
published and read back before the graph is open.

At national size the graph takes seconds to load (1.1 million quads), and the viewer's first page (Accueil) only
needs four small answers (the build's date, the counts by type and by source, the map's counts per département):
`maillage build` writes them beside its dumps, in the generation it publishes (`kept-answers.json`: for each query
and language, the query's text as sent and its answer in SPARQL 1.1 Query Results JSON), and `KeptStore` answers
exactly those texts from the file. The territory search's index (two queries of 40,000 rows, seconds at national
size) is kept the same way, as texts (`kept: texts` in the header; `kept-texts.json`, the values as SPARQL CSV gives
them), so that the viewer makes its index (`kept_search`) without asking the graph. `maillage build` also keeps these long
answers in its cache, by the quads they were answered from (`_long_answer`): the next build of the same data reads
them back instead of asking again. The files are a cache: a build
that cannot write them, or a reader that finds them missing, damaged or made for another dump, goes to the graph as
before (the viewer then writes them once open).

The whole graph is kept too, as an on-disk Oxigraph store (`kept-store/`, `keep_store`): opened read-only in a
hundredth of a second where reading the dump into memory takes seconds, it lets every page of the viewer answer from
the complete graph at once (`KeptGraph`), the in-memory store taking over once read (twice to eight times faster on
long answers). It is made from the build's own on-disk store (`.maillage-state/store`, a RocksDB backup: hard links,
no copy), else loaded from the dump; `kept-store.json` says which dump it holds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph as ox

from graph_builder.files import atomic_write, keep_latest, used
from graph_builder.incremental.state import fragment_name, state_dir
from graph_builder.publication.generations import OutputLocked, locked, resolve
from maillage.library import QUERIES, NamedQuery, get_query, read_header
from maillage.sparql import bind
from maillage.stores import FORMATS, JsonAnswers, OxigraphStore, QueryStore, StoreError, dump_of
from maillage.territories import Search

KEPT_FILE = "kept-answers.json"  # `kept: true`: Accueil's answers, read at each of its runs while the graph opens
TEXTS_FILE = "kept-texts.json"  # `kept: texts`: long answers of names and codes, read once per process
STORE_DIR = "kept-store"  # the whole graph, an on-disk Oxigraph store opened read-only (KeptGraph)
STORE_STAMP = "kept-store.json"  # written last: which dump the store holds, and how many quads
FORMAT = 1  # the files' layout; another number is read as missing
log = logging.getLogger(__name__)


def kept_queries(directory: Path | None = None, kind: object = True) -> list[NamedQuery]:
    """The library's queries whose header says `kept: KIND` (true: Accueil's; "texts": the search's), by name; only
    their headers are read to find them (parsing every query takes seconds)."""
    folder = directory or QUERIES
    names = sorted(path.stem for path in folder.glob("*.rq")
                   if read_header(path.read_text(encoding="utf-8")).get("kept") == kind)
    return [get_query(name, folder) for name in names]


def texts(query: NamedQuery) -> list[str]:
    """The texts a store receives for `query` with its defaults, in each language when it has labels (as
    QueryStore.select binds them)."""
    return [bind(query.text, query.bindings({"lang": lang})) for lang in query.languages]


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_digest(folder: Path) -> str | None:
    """The SHA-256 of the dump a generation's manifest names (maillage.nq), None when it has none readable."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return manifest["files"]["maillage.nq"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep_answers(store: QueryStore, out_dir: Path | str, cache: Path | None = None) -> Path | None:
    """Answer the kept queries on `store` (the dataset `out_dir` publishes now) and write them into its current
    generation (KEPT_FILE, TEXTS_FILE); Accueil's file, or None when it could not be written (a cache: the build is
    not failed for it). With a `cache` folder, the long answers are kept there too, by what they are answered from
    (`_long_answer`)."""
    folder = resolve(out_dir)
    digest = dump_digest(folder)
    if digest is None:
        return None
    answers = {}
    for query in kept_queries():
        for text in texts(query):
            variables, bindings = store.select_json(text)
            answers[_key(text)] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    long = {}
    quads = None if cache is None else _quads_digest(folder, Path(out_dir))  # once for every long answer
    for query in kept_queries(kind="texts"):
        for text in texts(query):
            long[_key(text)] = _long_answer(store, text, quads, cache)
    written = None
    for name, kept in ((TEXTS_FILE, long), (KEPT_FILE, answers)):  # Accueil's last: its presence says both are there
        body = json.dumps({"format": FORMAT, "dump": digest, "answers": kept}, ensure_ascii=False, sort_keys=True)
        try:
            atomic_write(folder / name, body.encode("utf-8"))
            (folder / name).chmod(0o644)  # readable as the dumps beside it are
            written = folder / name
        except OSError as error:  # a read-only or full disk: the readers go to the graph, as without the file
            log.warning("kept answers not written in %s: %s", folder, error)
            return None
    return written


# The search's index is the same for every build of the same territories and data: most builds (the next one after an
# edit of a record, the tests' builds of the same data) answered its two queries again, 1.2 s of a 6 s seed build.
CACHED_TEXTS = 8  # long answers kept in the cache, the most recently used


def _long_answer(store: QueryStore, text: str, quads: str | None, cache: Path | None) -> dict:
    """The answer of `text` as texts, from `cache` when the same text was answered on the same quads before (`quads`:
    their digest, `_quads_digest`; None: nothing kept)."""
    key = None
    if cache is not None and quads is not None:
        key = hashlib.sha256(json.dumps([FORMAT, ox.__version__, text, quads]).encode("utf-8")).hexdigest()[:32]
    if key is not None:
        try:
            found = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
            if isinstance(found.get("vars"), list) and isinstance(found.get("rows"), list):
                used(cache / f"{key}.json")
                return found
        except (OSError, ValueError, AttributeError):
            pass  # never answered, pruned, or damaged: answered again below
    variables, rows = store.select_texts(text)
    answer = {"vars": variables, "rows": rows}
    if key is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written only makes the next build slower
            atomic_write(cache / f"{key}.json", json.dumps(answer, ensure_ascii=False).encode("utf-8"))
            keep_latest(cache.glob("*.json"), CACHED_TEXTS)
    return answer


def _quads_digest(folder: Path, out_dir: Path) -> str | None:
    """A digest of every quad of the build but its metadata graph's (whose date changes at each build), read from the
    graphs' sorted N-Quads the build has just written (`.maillage-state/fragments`, what the dumps are made of); None
    when they are not there."""
    try:
        base = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["base"]
        parts = sorted((state_dir(out_dir) / "fragments").glob("*.nq"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    metadata = f"{fragment_name(f'{base}graph/metadata')}.nq"
    digest = hashlib.sha256()
    for part in parts:
        if part.name != metadata:
            digest.update(part.name.encode())
            try:
                with part.open("rb") as lines:
                    digest.update(hashlib.file_digest(lines, "sha256").digest())
            except OSError:
                return None
    return digest.hexdigest() if parts else None


def _read(folder: Path, name: str) -> dict | None:
    """The answers of a kept file written for the dump `folder` publishes; None when missing, damaged, of another
    format or another dump."""
    try:
        found = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(found, dict) or found.get("format") != FORMAT or not isinstance(found.get("answers"), dict)
            or found.get("dump") != dump_digest(folder)):
        return None
    return found["answers"]


def all_kept(out_dir: Path | str) -> bool:
    """Whether the build `out_dir` publishes now has both kept files, Accueil's valid for its dump."""
    return KeptStore.of(out_dir) is not None and (resolve(out_dir) / TEXTS_FILE).is_file()


class KeptStore(JsonAnswers):
    """The kept answers of a build, as a store that answers exactly the kept queries' texts (StoreError for any
    other: the caller opens the graph)."""

    name = "kept"

    def __init__(self, answers: dict[str, dict], long: dict[str, dict] | None = None):
        self.answers = answers
        self.long = long or {}  # texts kept as texts (select_texts), by key

    @classmethod
    def of(cls, out_dir: Path | str) -> KeptStore | None:
        """The answers kept with the build `out_dir` publishes now for Accueil; None when there are none for its
        dump (never written, damaged, of another format or another dump)."""
        answers = _read(resolve(out_dir), KEPT_FILE)
        return None if answers is None else cls(answers)

    @classmethod
    def texts_of(cls, out_dir: Path | str) -> KeptStore | None:
        """The long answers kept as texts with the build `out_dir` publishes now (the search's index); None when
        there are none for its dump."""
        long = _read(resolve(out_dir), TEXTS_FILE)
        return None if long is None else cls({}, long)

    def _json(self, query):
        answer = self.answers.get(_key(query))
        try:
            return list(answer["head"]["vars"]), list(answer["results"]["bindings"])
        except (TypeError, KeyError) as exc:
            raise _not_kept() from exc

    def select_texts(self, query, params=None):
        answer = self.long.get(_key(self._checked(query, params, "SELECT")))
        if answer is None:
            return super().select_texts(query, params)
        try:
            return list(answer["vars"]), [list(row) for row in answer["rows"]]
        except (TypeError, KeyError) as exc:
            raise _not_kept() from exc

    def _ask(self, query):
        raise StoreError("Seules des réponses SELECT sont gardées avec la construction.",
                         "Only SELECT answers are kept with the build.")

    _construct = _ask


def _not_kept() -> StoreError:
    return StoreError("Cette réponse n'est pas gardée avec la construction : ouvrez le graphe.",
                      "This answer is not kept with the build: open the graph.")


_SEARCHES: dict[str, Search | None] = {}
_SEARCH_LOCK = threading.Lock()


def kept_search(out_dir: Path | str, pace: Callable[[Iterable], Iterable] = iter) -> Search | None:
    """The territory search over the build `out_dir` publishes now, its index made from the texts kept with it
    (no query on the graph); made once per build and process, None without them. `pace`: as Search.read's."""
    folder = str(resolve(out_dir))
    with _SEARCH_LOCK:  # the viewer's first page thread and its warm-up may both ask: made once
        if folder not in _SEARCHES:
            store = KeptStore.texts_of(folder)
            _SEARCHES[folder] = None if store is None else Search.read(store, pace)
        return _SEARCHES[folder]


# -- the whole graph, on disk ---------------------------------------------------------------------------------------

def _manifest_quads(folder: Path) -> int | None:
    try:
        quads = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["quads"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return quads if isinstance(quads, int) else None


def _backed_up(out_dir: Path, scratch: Path) -> bool:
    """The build's own on-disk store backed up into `scratch` (RocksDB: hard links to its immutable files, no copy);
    False when there is none or it cannot be opened (a build holding it)."""
    source = state_dir(Path(out_dir)) / "store"
    if not source.is_dir():
        return False
    try:
        store = ox.Store(str(source))
        store.backup(str(scratch))
    except OSError as error:
        log.info("build store not backed up: %s", error)
        shutil.rmtree(scratch, ignore_errors=True)
        return False
    finally:
        store = None  # closed: RocksDB allows one writer
    return True


def _loaded(folder: Path, scratch: Path) -> None:
    """The dump of `folder` loaded into a new on-disk store at `scratch`."""
    dump = dump_of(folder)
    store = ox.Store(str(scratch))
    store.bulk_load(path=str(dump), format=FORMATS[dump.suffix], lenient=True)  # checked when built
    store.flush()


def keep_store(out_dir: Path | str) -> Path | None:
    """Keep the whole graph the build `out_dir` publishes now as an on-disk store in its generation (STORE_DIR), once:
    its folder, or None when it could not be made (a cache: the viewer then reads the dump, as without it).

    Made under the build's lock (another build would change the build's store meanwhile; one running: nothing kept),
    from the build's own store when it holds as many quads as the manifest says, else from the dump; renamed into
    place whole, its stamp written last."""
    try:
        with locked(Path(out_dir)):
            folder = resolve(out_dir)
            digest, quads = dump_digest(folder), _manifest_quads(folder)
            if digest is None or quads is None:
                return None
            if kept_graph_store(folder) is not None:
                return folder / STORE_DIR
            scratch = folder / f".{STORE_DIR}-{os.getpid()}"
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                if not (_backed_up(out_dir, scratch) and len(ox.Store.read_only(str(scratch))) == quads):
                    shutil.rmtree(scratch, ignore_errors=True)
                    _loaded(folder, scratch)
                shutil.rmtree(folder / STORE_DIR, ignore_errors=True)  # one of another dump, or without its stamp
                os.rename(scratch, folder / STORE_DIR)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            stamp = {"format": FORMAT, "dump": digest, "quads": quads}
            atomic_write(folder / STORE_STAMP, json.dumps(stamp).encode("utf-8"))
            (folder / STORE_STAMP).chmod(0o644)
            return folder / STORE_DIR
    except (OSError, StoreError) as error:  # a read-only or full disk, a build running: the viewer reads the dump
        log.warning("graph store not kept in %s: %s", out_dir, error)
        return None
    except OutputLocked:  # another build is writing there: the next build or start keeps it
        return None


def kept_graph_store(out_dir: Path | str) -> ox.Store | None:
    """The on-disk store kept with the build `out_dir` publishes now, opened read-only; None when there is none for its
    dump (never made, stamp missing or of another dump, unreadable)."""
    folder = resolve(out_dir)
    try:
        stamp = json.loads((folder / STORE_STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (not isinstance(stamp, dict) or stamp.get("format") != FORMAT or stamp.get("dump") is None
            or stamp.get("dump") != dump_digest(folder)):
        return None
    try:
        return ox.Store.read_only(str(folder / STORE_DIR))
    except OSError as error:
        log.warning("kept graph store unreadable in %s: %s", folder, error)
        return None


class KeptGraph(OxigraphStore):
    """The graph of a build answered at once from its kept on-disk store, then from memory once its dump is read
    (`read`, in a background thread): the same complete graph either way, never a partial one. Every query asked
    after the switch is answered from memory; one under way ends on disk."""

    name = "oxigraph"

    def __init__(self, disk: ox.Store, folder: Path):
        super().__init__(disk)
        self.folder = folder
        self.in_memory = threading.Event()

    @classmethod
    def of(cls, out_dir: Path | str) -> KeptGraph | None:
        folder = resolve(out_dir)
        disk = kept_graph_store(folder)
        return None if disk is None else cls(disk, folder)

    def read(self) -> None:
        """Read the dump into memory (Oxigraph does it without holding Python's lock), then answer from there; if it
        cannot be read (memory, a damaged dump), go on answering from disk."""
        try:
            self.store = OxigraphStore.from_file(dump_of(self.folder), trusted=True).store
        except (OSError, ValueError, SyntaxError, StoreError, MemoryError) as error:
            log.warning("graph kept on disk, not read into memory: %s", error)
        finally:
            self.in_memory.set()
