"""Answers kept with a build: the library queries whose header says `kept`, answered once when the build is
published and read back before the graph is open.

At national size the graph takes seconds to load (1.1 million quads), and the viewer's first page (Accueil) only
needs four small answers (the build's date, the counts by type and by source, the map's counts per département):
`maillage build` writes them beside its dumps, in the generation it publishes (`kept-answers.json`: for each query
and language, the query's text as sent and its answer in SPARQL 1.1 Query Results JSON), and `KeptStore` answers
exactly those texts from the file. The territory search's index (two queries of 40,000 rows, seconds at national
size) is kept the same way, as texts (`kept: texts` in the header; `kept-texts.json`, the values as SPARQL CSV gives
them), so that the viewer makes its index (`kept_search`) without asking the graph. The files are a cache: a build
that cannot write them, or a reader that finds them missing, damaged or made for another dump, goes to the graph as
before (the viewer then writes them once open).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from graph_builder.files import atomic_write
from graph_builder.publication.generations import resolve
from maillage.library import QUERIES, NamedQuery, get_query, read_header
from maillage.sparql import bind
from maillage.stores import JsonAnswers, QueryStore, StoreError
from maillage.territories import Search

KEPT_FILE = "kept-answers.json"  # `kept: true`: Accueil's answers, read at each of its runs while the graph opens
TEXTS_FILE = "kept-texts.json"  # `kept: texts`: long answers of names and codes, read once per process
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


def keep_answers(store: QueryStore, out_dir: Path | str) -> Path | None:
    """Answer the kept queries on `store` (the dataset `out_dir` publishes now) and write them into its current
    generation (KEPT_FILE, TEXTS_FILE); Accueil's file, or None when it could not be written (a cache: the build is
    not failed for it)."""
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
    for query in kept_queries(kind="texts"):
        for text in texts(query):
            variables, rows = store.select_texts(text)
            long[_key(text)] = {"vars": variables, "rows": rows}
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
