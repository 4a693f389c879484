"""Answers kept with a build: the library queries whose header says `kept: true`, answered once when the build is
published and read back before the graph is open.

At national size the graph takes seconds to load (1.1 million quads), and the viewer's first page (Accueil) only
needs four small answers (the build's date, the counts by type and by source, the map's counts per département):
`maillage build` writes them beside its dumps, in the generation it publishes (`kept-answers.json`: for each query
and language, the query's text as sent and its answer in SPARQL 1.1 Query Results JSON), and `KeptStore` answers
exactly those texts from the file. The file is a cache: a build that cannot write it, or a reader that finds it
missing, damaged or made for another dump, goes to the graph as before (the viewer then writes it once open).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from graph_builder.files import atomic_write
from graph_builder.publication.generations import resolve
from maillage.library import QUERIES, NamedQuery, get_query, read_header
from maillage.sparql import bind
from maillage.stores import JsonAnswers, QueryStore, StoreError

KEPT_FILE = "kept-answers.json"
FORMAT = 1  # the file's layout; another number is read as missing
log = logging.getLogger(__name__)


def kept_queries(directory: Path | None = None) -> list[NamedQuery]:
    """The library's queries marked `kept: true`, by name; only their headers are read to find them (parsing every
    query takes seconds)."""
    folder = directory or QUERIES
    names = sorted(path.stem for path in folder.glob("*.rq")
                   if read_header(path.read_text(encoding="utf-8")).get("kept") is True)
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
    generation; the file, or None when it could not be written (a cache: the build is not failed for it)."""
    folder = resolve(out_dir)
    digest = dump_digest(folder)
    if digest is None:
        return None
    answers = {}
    for query in kept_queries():
        for text in texts(query):
            variables, bindings = store.select_json(text)
            answers[_key(text)] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    body = json.dumps({"format": FORMAT, "dump": digest, "answers": answers}, ensure_ascii=False, sort_keys=True)
    try:
        atomic_write(folder / KEPT_FILE, body.encode("utf-8"))
        (folder / KEPT_FILE).chmod(0o644)  # readable as the dumps beside it are
    except OSError as error:  # a read-only or full disk: the readers go to the graph, as without the file
        log.warning("kept answers not written in %s: %s", folder, error)
        return None
    return folder / KEPT_FILE


class KeptStore(JsonAnswers):
    """The kept answers of a build, as a store that answers exactly the kept queries' texts (StoreError for any
    other: the caller opens the graph)."""

    name = "kept"

    def __init__(self, answers: dict[str, dict]):
        self.answers = answers

    @classmethod
    def of(cls, out_dir: Path | str) -> KeptStore | None:
        """The answers kept with the build `out_dir` publishes now; None when there are none for its dump (never
        written, damaged, of another format or another dump)."""
        folder = resolve(out_dir)
        try:
            found = json.loads((folder / KEPT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (not isinstance(found, dict) or found.get("format") != FORMAT or not isinstance(found.get("answers"), dict)
                or found.get("dump") != dump_digest(folder)):
            return None
        return cls(found["answers"])

    def _json(self, query):
        answer = self.answers.get(_key(query))
        try:
            return list(answer["head"]["vars"]), list(answer["results"]["bindings"])
        except (TypeError, KeyError) as exc:
            raise StoreError("Cette réponse n'est pas gardée avec la construction : ouvrez le graphe.",
                             "This answer is not kept with the build: open the graph.") from exc

    def _ask(self, query):
        raise StoreError("Seules des réponses SELECT sont gardées avec la construction.",
                         "Only SELECT answers are kept with the build.")

    _construct = _ask
