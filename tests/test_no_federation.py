"""No entry point ever makes the engine call out: SERVICE is refused however it is spelt, on Oxigraph's own reading.

A real TCP listener on 127.0.0.1 stands for the server a SERVICE clause would
call. Every query of the corpus names it, in every spelling found (case,
comments between tokens, \\u escapes in keywords, IRIs, comments and strings,
a carriage return ending a comment, nesting). Each goes through the endpoint
over HTTP (`maillage serve`: Oxigraph's server behind the front), the viewer's
console, `maillage query --file` and the Python API: each is refused with a
French message or runs, and the listener is never reached. The corpus is
first run on a bare pyoxigraph store: the spellings Oxigraph reads as a call
do reach the listener there, so the test fails if a check lets one through.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

import maillage
from app.viewer.console import ConsoleError, offline, run_console
from maillage.bench.endpoint import stop_front
from maillage.cli.main import main
from maillage.endpoint.oxigraph_server import OxigraphServer
from maillage.sparql import QueryRefused
from maillage.stores import open_store
from tests.conftest import HTTP, Listener
from tests.test_endpoint import start_serve

FRENCH = ("Requête refusée", "Requête SPARQL illisible", "Les requêtes fédérées")


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.socket.close()


def corpus(port: int) -> dict[str, str]:
    """Queries naming the listener: SERVICE clauses however spelt, and SERVICE only in strings or comments."""
    url = f"http://127.0.0.1:{port}/sparql"
    call = f"SERVICE <{url}> {{ ?a ?b ?c }}"
    return {
        "upper case": f"SELECT * WHERE {{ {call} }}",
        "lower case": f"select * where {{ service <{url}> {{ ?a ?b ?c }} }}",
        "mixed case": f"SELECT * WHERE {{ SeRvIcE <{url}> {{ ?a ?b ?c }} }}",
        "silent": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?a ?b ?c }} }}",
        "comments between tokens": f"SELECT * WHERE {{ SERVICE # one\n SILENT # two\n <{url}> # three\n {{ ?a ?b ?c }} }}",
        "prefixed name": f"PREFIX e: <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE e:sparql {{ ?a ?b ?c }} }}",
        "relative IRI": f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?a ?b ?c }} }}",
        "variable": f"SELECT * WHERE {{ BIND (<{url}> AS ?x) SERVICE ?x {{ ?a ?b ?c }} }}",
        "escaped keyword": f"SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        "escaped keyword, 8 digits": f"SELECT * WHERE {{ \\U00000053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        "escaped keyword, lower u 8 digits": f"SELECT * WHERE {{ \\u00000053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        "escaped IRI path": f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/\\u0073parql> {{ ?a ?b ?c }} }}",
        "escaped IRI scheme": f"SELECT * WHERE {{ SERVICE <\\u0068ttp://127.0.0.1:{port}/> {{ ?a ?b ?c }} }}",
        # The issue's query: rdflib expanded the \u000A of the comments and read a string between the two """.
        "escaped newline in comments around a long string": (
            f'SELECT * WHERE {{ ?s ?p ?o FILTER (?o != # \\u000A """\n 1) {call} FILTER (1 = 1\n# \\u000A """\n)\n}}'),
        "same with '''": (
            f"SELECT * WHERE {{ ?s ?p ?o FILTER (?o != # \\u000A '''\n 1) {call} FILTER (1 = 1\n# \\u000A '''\n)\n}}"),
        "escaped newline then call in a comment": f"SELECT * WHERE {{ # \\u000A {call}\n }}",
        "escaped quote in a string": f'SELECT * WHERE {{ BIND ("\\u0022) {call} BIND (\\u0022" AS ?x) }}',
        "escaped backslash": f'SELECT * WHERE {{ BIND ("\\u005C" AS ?x) {call} }}',
        "escape spelling an escape": f"SELECT * WHERE {{ \\u005Cu0053ERVICE <{url}> {{ ?a ?b ?c }} }}",
        # Oxigraph ends a comment at a carriage return, rdflib at a line feed only.
        "carriage return ends a comment": f"SELECT * WHERE {{ # note\r {call} \n }}",
        "carriage return in a long string": f'SELECT * WHERE {{ BIND ("""\r""" AS ?x) {call} }}',
        "CR LF ends a comment": f"SELECT * WHERE {{ # note\r\n {call} \n }}",
        "subquery": f"SELECT * WHERE {{ {{ SELECT ?a WHERE {{ {call} }} }} }}",
        "optional": f"SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ {call} }} }}",
        "union": f"SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ {call} }} }}",
        "graph": f"SELECT * WHERE {{ GRAPH ?g {{ {call} }} }}",
        "minus": f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ {call} }} }}",
        "exists": f"SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ {call} }} }}",
        "not exists": f"SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ {call} }} }}",
        "ask": f"ASK {{ {call} }}",
        "construct": f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ {call} }}",
        "describe": f"DESCRIBE ?a WHERE {{ {call} }}",
        # Read the same by both: runs, and names the listener only as data.
        "in a string": f'SELECT ?x WHERE {{ BIND ("{call}" AS ?x) }}',
        "in a long string": f'SELECT ?x WHERE {{ BIND ("""\n{call}\n""" AS ?x) }}',
        "in a comment": f"SELECT ?x WHERE {{ BIND (1 AS ?x) # {call}\n}}",
        "as an IRI": f"SELECT ?x WHERE {{ BIND (<{url}> AS ?x) }}",
    }


def would_call(query: str, listener: Listener) -> bool:
    """Whether Oxigraph alone, with no check before it, reaches the listener on this query."""
    before = listener.settled()
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("o")))  # patterns before a call match
    try:
        answer = store.query(query)
        if not isinstance(answer, ox.QueryBoolean):
            list(answer)
    except Exception:  # noqa: BLE001 (the listener closes at once: the call fails; a bad query fails too)
        pass
    return listener.settled() > before


@pytest.fixture(scope="module")
def calls(listener) -> set[str]:
    """The spellings of the corpus that Oxigraph reads as a call: the test is worth only if they are many."""
    found = {name for name, query in corpus(listener.port).items() if would_call(query, listener)}
    listener.connections = 0
    return found


def test_the_corpus_holds_calls_oxigraph_makes(calls):
    # The two the check missed before (rdflib and Oxigraph read them differently) are among them.
    assert {"escaped newline in comments around a long string", "carriage return ends a comment", "upper case",
            "lower case", "escaped IRI path", "subquery", "exists"} <= calls
    assert not calls & {"in a string", "in a long string", "in a comment", "as an IRI"}


@pytest.fixture(scope="module")
def tiny_out(tmp_path_factory) -> Path:
    """A one-triple build: what `maillage serve`, `maillage query` and `maillage.open` read."""
    out = tmp_path_factory.mktemp("no-federation") / "build"
    out.mkdir()
    dump = b'<urn:s> <urn:p> "o" <https://w3id.org/maillage/id/graph/t> .\n'
    (out / "maillage.nq").write_bytes(dump)
    manifest = {"base": "https://w3id.org/maillage/id/",
                "files": {"maillage.nq": {"sha256": hashlib.sha256(dump).hexdigest()}}}
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def _french(message: str, name: str) -> None:
    assert message.startswith(FRENCH), (name, message)


def test_the_endpoint_never_calls_out(listener, calls, tiny_out):
    process, url = start_serve(tiny_out)
    try:
        for name, query in corpus(listener.port).items():
            response = HTTP.post(url + "/sparql", data={"query": query}, timeout=30,
                                  headers={"Accept": "application/sparql-results+json"})
            if response.status_code != 200:
                assert response.status_code == 400, (name, response.text)
                _french(response.text, name)
            else:
                assert name not in calls, name
            assert listener.settled() == 0, name
        # A dataset named by a remote IRI is a graph name of the store, never fetched: FROM is honoured (app.py),
        # in the query and in the protocol's parameters.
        remote = f"http://127.0.0.1:{listener.port}/graph"
        for query, params in ((f"SELECT * FROM <{remote}> WHERE {{ ?s ?p ?o }}", {}),
                              (f"SELECT * FROM NAMED <{remote}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
                              ("SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": remote}),
                              ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": remote})):
            response = HTTP.post(url + "/sparql", data={"query": query, **params}, timeout=30,
                                  headers={"Accept": "application/sparql-results+json"})
            assert response.status_code == 200 and response.json()["results"]["bindings"] == [], (query, params)
            assert listener.settled() == 0, (query, params)
    finally:
        stop_front(process)


def test_the_console_never_calls_out(listener, calls, tiny_out):
    store = open_store(tiny_out)
    for name, query in corpus(listener.port).items():
        try:
            run_console(store, query, timeout_s=20)
        except ConsoleError as refused:
            assert refused.kind != "failed", (name, refused.message("fr"))
            _french(refused.message("fr"), name)
        else:
            assert name not in calls, name
        assert listener.settled() == 0, name


def test_the_query_command_never_calls_out(listener, calls, tiny_out, tmp_path):
    for number, (name, query) in enumerate(corpus(listener.port).items()):
        path = tmp_path / f"{number}.rq"
        path.write_bytes(query.encode())  # as written: a carriage return stays one
        result = CliRunner().invoke(main, ["query", "--file", str(path), "--out", str(tiny_out), "--format", "json"])
        if result.exit_code == 0:
            assert name not in calls, name
        else:
            assert result.exit_code == 2, (name, result.output)
            _french(result.output.strip(), name)
        assert listener.settled() == 0, name


def test_the_python_api_never_calls_out(listener, calls, tiny_out):
    graph = maillage.open(tiny_out)
    run = {"SELECT": graph.select, "ASK": graph.store.ask, "CONSTRUCT": graph.store.construct,
           "DESCRIBE": graph.store.construct}
    for name, query in corpus(listener.port).items():
        form = next((form for form in run if query.lstrip().upper().startswith(form)), "SELECT")
        try:
            run[form](query)
        except QueryRefused as refused:
            _french(refused.message_fr, name)
        else:
            assert name not in calls, name
        assert listener.settled() == 0, name


def _call_out(port: int, isolate: bool) -> None:
    """In a forked process: a SERVICE call by Oxigraph itself, no check before it, offline first or not."""
    if isolate and not offline():
        raise SystemExit(3)
    try:
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?a ?b ?c }} }}"))
    except Exception:  # noqa: BLE001 (the call fails either way: closed at once, or no network)
        pass


def test_a_console_worker_on_an_embedded_store_has_no_network():
    """Defence in depth: even a query that reached Oxigraph unchecked could not call out from the worker."""
    listener, fork = Listener(), multiprocessing.get_context("fork")
    try:
        for isolate, expected in ((False, 1), (True, 0)):
            listener.connections = 0
            worker = fork.Process(target=_call_out, args=(listener.port, isolate))
            worker.start()
            worker.join(30)
            if worker.exitcode == 3:
                pytest.skip("this platform refuses user and network namespaces")
            assert worker.exitcode == 0 and listener.settled() == expected, isolate
    finally:
        listener.socket.close()


@pytest.mark.parametrize("offline", [False, True])
def test_the_endpoint_oxigraph_cannot_call_out_when_offline(tiny_out, tmp_path, offline):
    """Defence in depth: a SERVICE query sent to Oxigraph itself, past the front, reaches nothing when offline."""
    import subprocess

    from maillage.endpoint.oxigraph_server import oxigraph_binary

    location = tmp_path / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(tiny_out / "maillage.nq")],
                   check=True, capture_output=True)
    listener = Listener()
    query = f"SELECT * WHERE {{ ?s ?p ?o SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?a ?b ?c }} }}"
    try:
        with OxigraphServer(location, timeout_s=5, offline=offline) as server:
            if offline and "sans isolation" in server.log():
                pytest.skip("this platform refuses user and network namespaces")
            answer = HTTP.post(f"{server.url}/query", data={"query": query}, timeout=30,
                                headers={"Accept": "application/sparql-results+json"})
            plain = HTTP.post(f"{server.url}/query", data={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30,
                               headers={"Accept": "application/sparql-results+json"})
        assert plain.status_code == 200 and len(plain.json()["results"]["bindings"]) == 1  # it answers through the relay
        assert listener.settled() == (0 if offline else 1)
        if offline:  # the call went to the namespace's own loopback, where nothing listens on that port
            assert "Connection refused" in answer.text or "unreachable" in answer.text, answer.text
    finally:
        listener.socket.close()
