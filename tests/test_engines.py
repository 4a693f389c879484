"""The same library on three engines: the embedded store, a real Oxigraph server and Debian's Virtuoso 7, loaded
with `maillage load` through its Digest-protected Graph Store. Same rows, same order, for every query of the library
with its defaults; and `maillage load`'s authentication (docs/engines.md, docs/endpoint.md).

The data is the seed build with the referential cut to what the queries read with their defaults (conftest's
`library_build`): every engine holds exactly the same quads. Rows are compared as the project's client gives them
(maillage.stores): numbers in canonical form, language tags in lower case, a literal typed xsd:string as a simple
literal; that is serialisation only, nothing else is normalised here.
"""

from __future__ import annotations

import http.server
import os
import pty
import select
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from rdflib import XSD, Literal, URIRef

from maillage.cli.main import main
from maillage.endpoint.dataset import BuiltDataset
from maillage.library import get_query, library
from maillage.sparql import QueryRefused, bind, checkable
from maillage.stores import EndpointStore, OxigraphStore, StoreError
from tests.conftest import HTTP, ID, QUERY_NAMES


def load(url: str, build, *args: str, **env: str):
    """`maillage load` into `url` with the environment `env` (credentials), as a user runs it."""
    return CliRunner().invoke(main, ["load", "--endpoint", url, "--out", str(build), *args], env=env)


# What the tests load into the session's Virtuoso is always the library build, personal graphs included, which the
# `engines` fixture loads too: in whatever order the tests run, the engines compared hold the same quads.
SAME = ("--include-personal",)


@pytest.fixture(scope="module")
def engines(library_build, virtuoso, tmp_path_factory):
    """The three stores over the same quads: embedded, Oxigraph server, Virtuoso (the personal graphs too)."""
    from maillage.endpoint.oxigraph_server import OxigraphServer, oxigraph_binary

    began = time.monotonic()
    loaded = load(virtuoso.graph_store, library_build, *SAME, MAILLAGE_LOAD_USER=virtuoso.user,
                  MAILLAGE_LOAD_PASSWORD=virtuoso.password)
    print(f"\nVirtuoso loaded with maillage load in {time.monotonic() - began:.1f} s")
    assert loaded.exit_code == 0, loaded.output
    assert virtuoso.password not in loaded.output
    dump = library_build / "maillage.nq"
    location = tmp_path_factory.mktemp("oxigraph-library") / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(dump)], check=True,
                   capture_output=True)
    with OxigraphServer(location, timeout_s=30) as server:
        yield {"embedded": OxigraphStore.from_file(dump, trusted=True),
               "oxigraph-server": EndpointStore(f"{server.url}/query"), "virtuoso": EndpointStore(virtuoso.sparql)}


# What only accepted corrections write (the seed has none): empty here, compared on the Oxigraph server and Virtuoso
# over a corrected build by tests/test_contributions_revise.py.
EMPTY_ON_THE_SEED = {"entity_history"}


def test_the_names_run_below_are_the_whole_library():
    assert QUERY_NAMES == sorted(library())


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_every_library_query_gives_the_same_rows_in_the_same_order_on_every_engine(name, engines):
    query = get_query(name)
    answers = {engine: query.run(store) for engine, store in engines.items()}
    embedded = answers.pop("embedded")
    assert len(embedded) > 0 or name in EMPTY_ON_THE_SEED, name  # every other default answer says something here
    assert "ORDER BY" in query.text, name  # every answer of the library in a total order, the same everywhere
    for engine, rows in answers.items():
        assert rows.variables == embedded.variables, engine
        assert list(rows) == list(embedded), engine


def test_comparable_territories_of_a_small_commune_are_the_same_on_every_engine(engines):
    """A commune under 1,000 inhabitants: its band is read population by population (the query's narrow-band
    branch, not met by the defaults), the same rows on every engine, whole or cut (Virtuoso sorts 10,000 rows at
    most: `limit` 20,000 is refused there)."""
    query = get_query("comparable_territories")
    small = engines["embedded"].select(
        "PREFIX mlg: <https://w3id.org/maillage/def/core#> SELECT ?t WHERE { ?t mlg:populationGroup ?g ; "
        "mlg:population ?p FILTER (?p > 100 && ?p < 1000) } ORDER BY DESC(?p) ?t LIMIT 1")[0][0]
    territory = str(small).removeprefix(f"{ID}territoire/")
    for params, rows in (({"territory": territory, "limit": 10000}, None), ({"territory": territory, "limit": 3}, 3)):
        answers = {engine: list(query.run(store, params)) for engine, store in engines.items()}
        assert len(answers["embedded"]) == rows if rows else len(answers["embedded"]) > 3, params
        assert answers["virtuoso"] == answers["oxigraph-server"] == answers["embedded"], params


def test_virtuoso_holds_what_was_loaded_and_nothing_of_its_own(engines, library_build):
    """Graph by graph, the quads of the build; and Virtuoso's own graphs (made private) out of the default graph,
    which then counts what the embedded store's does (docs/engines.md)."""
    expected = Counter(quad.graph_name.value for quad in BuiltDataset.open(library_build).quads(include_personal=True))
    answer = engines["virtuoso"].select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert {str(g): int(n) for g, n in answer} == expected
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert engines["virtuoso"].select(count)[0] == engines["embedded"].select(count)[0]
    assert not engines["virtuoso"].ask("ASK { ?s ?p ?o FILTER (STRSTARTS(STR(?s), 'http://www.openlinksw.com/')) }")


BOUND = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?_entity_iri ?_text_fr (COUNT(?_entity_iri) AS ?n) ("?_entity_iri # ?_text_fr" AS ?kept)
WHERE { # ?_entity_iri: a comment
  ?_entity_iri rdfs:label ?label .
  FILTER (?label != ?_text_fr && ?_entity_iri != <urn:x:?_entity_iri>)
}
GROUP BY ?_entity_iri ?_text_fr
ORDER BY ?_entity_iri"""


def test_parameters_become_terms_where_the_query_uses_them_and_nowhere_else(engines):
    """A value replaces its variable in patterns, filters, the projection and GROUP BY / ORDER BY, never inside a
    string, an IRI or a comment; a hostile text stays one escaped literal. The same row on every engine."""
    entity = f"{ID}coordination/asv-aix-en-provence"
    hostile = 'x" } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } #'
    params = {"_entity_iri": entity, "_text_fr": hostile}
    text = bind(BOUND, params)
    assert '"?_entity_iri # ?_text_fr"' in text and "<urn:x:?_entity_iri>" in text and "# ?_entity_iri: a comment" in text
    assert f"(<{entity}> AS ?_entity_iri)" in text and f"ORDER BY (<{entity}>)" in text
    rows = {name: store.select(BOUND, params) for name, store in engines.items()}
    expected = (URIRef(entity), Literal(hostile, lang="fr"), Literal(2, datatype=XSD.integer),
                Literal("?_entity_iri # ?_text_fr"))
    assert [tuple(row) for row in rows["embedded"]] == [expected]
    assert rows["oxigraph-server"] == rows["embedded"] == rows["virtuoso"]
    keywords = ("PREFIX group: <urn:g:> SELECT ?s WHERE { ?s group:order ?_entity_iri ; group:select ?_entity_iri ; "
                ":values ?_entity_iri ; :as ?_entity_iri }")
    assert bind(keywords, params).count(f" <{entity}>") == 4  # names that spell keywords change nothing
    with pytest.raises(ValueError, match="assigns its parameter"):
        bind("SELECT * WHERE { BIND (1 AS ?_n_integer) }", {"_n_integer": 2})


LIMITED = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?_n_integer WHERE { ?entity rdfs:label ?label FILTER (STRLEN(?label) > ?_n_integer) }
ORDER BY ?entity
LIMIT ?_n_integer OFFSET ?_skip_integer"""


def test_a_limit_and_an_offset_are_written_as_numbers_and_cut_the_same_rows_on_every_engine(engines):
    """SPARQL takes a number after LIMIT and OFFSET, never a term: `bind` writes the integer there, the term
    elsewhere; a query with such a parameter is checked (updates, SERVICE) before it is bound."""
    params = {"_n_integer": 3, "_skip_integer": 1}
    text = bind(LIMITED, params)
    three = '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert text.endswith("LIMIT 3 OFFSET 1") and f"> {three})" in text and f"({three} AS ?_n_integer)" in text
    rows = {name: store.select(LIMITED, params) for name, store in engines.items()}
    assert len(rows["embedded"]) == 3
    assert rows["oxigraph-server"] == rows["embedded"] == rows["virtuoso"]
    whole = engines["embedded"].select(LIMITED.rsplit("LIMIT", 1)[0], {"_n_integer": 3})
    assert list(rows["embedded"]) == list(whole)[1:4]  # the ordered rows, the first skipped, then three
    for wrong in ({"_n_integer": -1, "_skip_integer": 0}, {"_n_integer": "3 } ; DROP ALL", "_skip_integer": 0}):
        with pytest.raises(ValueError):
            bind(LIMITED, wrong)
    with pytest.raises(ValueError, match="non-negative integer"):
        bind("SELECT * WHERE { ?s ?p ?o } LIMIT ?_n_iri", {"_n_iri": "urn:x:1"})
    assert checkable(LIMITED).endswith("LIMIT 0 OFFSET 0") and checkable(BOUND) == BOUND
    with pytest.raises(QueryRefused):  # what follows the limit's variable is checked too
        engines["embedded"].select("SELECT * WHERE { ?s ?p ?o } LIMIT ?_n_integer SERVICE", {"_n_integer": 1})


def test_a_parameter_after_a_subquery_limit_is_a_term_again():
    """A subquery's LIMIT ends at its closing brace: a parameter after it is bound as a term, not as a number (the
    territory in comparable_territories follows such subqueries)."""
    text = bind("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT ?_n_integer } FILTER (?s != ?_t_iri) }"
                " LIMIT ?_n_integer", {"_n_integer": 2, "_t_iri": "urn:x:t"})
    assert text == "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 2 } FILTER (?s != <urn:x:t>) } LIMIT 2"


def test_ask_construct_and_describe_agree_on_every_engine(engines):
    entity = f"{ID}coordination/asv-aix-en-provence"
    construct = f"CONSTRUCT {{ ?s ?p <{entity}> }} WHERE {{ ?s ?p <{entity}> }}"
    described = {name: (store.describe(entity), store.construct(construct), store.ask(f"ASK {{ <{entity}> ?p ?o }}"),
                        store.ask(f"ASK {{ <{entity}> <urn:nowhere> ?o }}")) for name, store in engines.items()}
    assert len(described["embedded"][0]) > 20 and described["embedded"][1] and described["embedded"][2:] == (True, False)
    assert described["oxigraph-server"] == described["embedded"] == described["virtuoso"]


def test_a_partial_virtuoso_answer_is_refused_not_read_as_whole(engines, virtuoso):
    """Virtuoso answers 200 with the rows it had at its deadline (here `timeout=` in the URL, as `MaxQueryExecutionTime`
    does) over the loaded data; the client sees X-SQL-State and refuses it."""
    store = EndpointStore(f"{virtuoso.sparql}?timeout=100")
    with pytest.raises(StoreError) as refused:
        store.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert "réponse incomplète" in refused.value.message("fr") and "S1TAT" in refused.value.message("fr")
    assert "incomplete answer" in refused.value.message("en")


# -- maillage load: authentication -------------------------------------------------------------------------------------

def test_a_wrong_password_is_refused_clearly_and_never_shown(virtuoso, library_build):
    result = load(virtuoso.graph_store, library_build, *SAME, MAILLAGE_LOAD_USER=virtuoso.user,
                  MAILLAGE_LOAD_PASSWORD="pas-le-bon-mot-de-passe")
    assert result.exit_code == 4
    assert "Chargement refusé par" in result.output and "HTTP 401" in result.output
    assert "identifiant ou mot de passe refusé" in result.output and "MAILLAGE_LOAD_PASSWORD" in result.output
    assert "pas-le-bon-mot-de-passe" not in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_store_that_wants_credentials_says_so_when_none_are_given(virtuoso, library_build):
    result = load(virtuoso.graph_store, library_build, *SAME)
    assert result.exit_code == 4
    assert "ce Graph Store demande une authentification" in result.output and "MAILLAGE_LOAD_USER" in result.output


def test_digest_only_store_refuses_basic_and_the_auto_scheme_answers_digest(virtuoso, library_build):
    """Virtuoso's /sparql-graph-crud-auth takes Digest only: --auth basic is refused, auto (the default) and digest
    load; the first graph is sent once unauthenticated (the challenge), the others with the remembered nonce."""
    credentials = {"MAILLAGE_LOAD_USER": virtuoso.user, "MAILLAGE_LOAD_PASSWORD": virtuoso.password}
    assert load(virtuoso.graph_store, library_build, *SAME, "--auth", "basic", **credentials).exit_code == 4
    result = load(virtuoso.graph_store, library_build, *SAME, "--auth", "digest", **credentials)
    assert result.exit_code == 0, result.output
    assert "chargés dans" in result.output and virtuoso.password not in result.output


@pytest.mark.parametrize("url", ["http://dba:secret@127.0.0.1:1/store", "http://dba@127.0.0.1:1/store",
                                 "http://:secret@127.0.0.1:1/store", "HTTP://dba:secret@127.0.0.1:1/store",
                                 "http://dba:secret@", "ftp://dba:secret@127.0.0.1:1/store"])
def test_credentials_in_the_url_are_refused_and_not_repeated(url, small_build):
    result = load(url, small_build)
    assert result.exit_code == 2
    assert "Adresse refusée : elle contient un identifiant ou un mot de passe" in result.output
    assert "Address refused" in result.output and "Traceback" not in result.output
    assert "secret" not in result.output and "dba@" not in result.output


@pytest.mark.parametrize("url", ["127.0.0.1:8890/store", "ftp://127.0.0.1/store", "http:///store", "", "   "])
def test_an_unreadable_address_is_refused_in_french(url, small_build):
    result = load(url, small_build)
    assert result.exit_code == 2 and "Adresse du Graph Store illisible" in result.output


def test_the_password_is_asked_at_a_prompt_without_echo(virtuoso, library_build):
    """`--user` without MAILLAGE_LOAD_PASSWORD, in a terminal (a pseudo-terminal here): the password is asked, typed
    without echo, and the load goes through Digest."""
    maillage = str(Path(sys.executable).with_name("maillage"))
    pid, terminal = pty.fork()
    if pid == 0:  # the child: `maillage load` with the pseudo-terminal as its terminal
        try:
            os.environ.pop("MAILLAGE_LOAD_PASSWORD", None)
            os.execv(maillage, [maillage, "load", "--endpoint", virtuoso.graph_store, "--out", str(library_build),
                                *SAME, "--user", virtuoso.user])
        finally:
            os._exit(127)  # never back into pytest's code in the child
    seen = b""
    deadline = time.monotonic() + 120
    while b"Mot de passe de dba" not in seen and time.monotonic() < deadline:
        if select.select([terminal], [], [], 1)[0]:
            seen += os.read(terminal, 4096)
    os.write(terminal, virtuoso.password.encode() + b"\n")
    while time.monotonic() < deadline:
        try:
            chunk = os.read(terminal, 4096) if select.select([terminal], [], [], 1)[0] else b""
        except OSError:  # the child ended: its terminal is closed
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 0, seen.decode(errors="replace")
    assert virtuoso.password.encode() not in seen and "chargés dans".encode() in seen


def test_a_user_without_password_and_no_terminal_is_told_where_to_put_it(small_build):
    result = load("http://127.0.0.1:1/store", small_build, MAILLAGE_LOAD_USER="dba")
    assert result.exit_code == 2 and "MAILLAGE_LOAD_PASSWORD" in result.output


def test_virtuoso_answers_no_anonymous_write(virtuoso):
    """The default password is never left open and the anonymous endpoints do not write."""
    response = HTTP.put(virtuoso.graph_store.replace("-auth", ""), params={"graph": f"{ID}graph/intrus"},
                         content=b"<urn:a> <urn:b> <urn:c> .", headers={"Content-Type": "application/n-triples"})
    assert response.status_code in (401, 403, 404, 500)
    default = HTTP.put(virtuoso.graph_store, params={"graph": f"{ID}graph/intrus"},
                        content=b"<urn:a> <urn:b> <urn:c> .", headers={"Content-Type": "application/n-triples"},
                        auth=httpx.DigestAuth("dba", "dba"))
    assert default.status_code == 401


class BasicGate(http.server.ThreadingHTTPServer):
    """A store behind Basic authentication, as Fuseki or GraphDB behind a web server: a real Oxigraph `/store` that
    this gate on 127.0.0.1 passes each PUT to once its Basic credentials are right, 401 with a Basic challenge
    otherwise. `seen` holds the Authorization header of each request (None when absent)."""

    def __init__(self, store: str, user: str, password: str):
        self.store, self.expected, self.seen = store, httpx.BasicAuth(user, password), []
        super().__init__(("127.0.0.1", 0), _Gate)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/store"


class _Gate(http.server.BaseHTTPRequestHandler):
    def do_PUT(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        given = self.headers.get("Authorization")
        self.server.seen.append(given)
        expected = next(self.server.expected.auth_flow(httpx.Request("PUT", "http://x"))).headers["Authorization"]
        if given != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        query = self.path.partition("?")[2]
        answer = HTTP.put(f"{self.server.store}?{query}", content=body, headers={"Content-Type": self.headers["Content-Type"]})
        self.send_response(answer.status_code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


def test_basic_authentication_for_a_store_that_asks_for_it(small_build, tmp_path):
    from maillage.endpoint.oxigraph_server import OxigraphServer

    with OxigraphServer(tmp_path / "store", read_only=False) as server:
        gate = BasicGate(server.url + "/store", "curator", "s3cret-de-test")
        try:
            refused = load(gate.url, small_build, MAILLAGE_LOAD_USER="curator", MAILLAGE_LOAD_PASSWORD="faux")
            assert refused.exit_code == 4 and "identifiant ou mot de passe refusé" in refused.output
            gate.seen.clear()
            result = load(gate.url, small_build, MAILLAGE_LOAD_USER="curator", MAILLAGE_LOAD_PASSWORD="s3cret-de-test")
            assert result.exit_code == 0, result.output
            assert "s3cret-de-test" not in result.output
            # auto: nothing sent before the challenge, then Basic on every PUT
            assert gate.seen[0] is None and all(seen and seen.startswith("Basic ") for seen in gate.seen[1:])
            answer = EndpointStore(server.url + "/query").select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
            assert int(answer[0][0]) == sum(1 for _ in BuiltDataset.open(small_build).quads())
        finally:
            gate.shutdown()
            gate.server_close()


DATED = ("coordination_participants", "actor_participations", "actor_roles", "coordination_members_by_role",
         "participations_not_in_force", "coordinations_in_territory", "coordinations_covering_commune",
         "coordinations_covering_territory", "entities_in_territory", "population_covered",
         "population_covered_by_departement", "communes_not_covered", "epci_not_covered", "actors_in_territory",
         "funders")


@pytest.mark.parametrize("name", DATED)
def test_the_at_day_gives_the_same_rows_on_every_engine(name, engines):
    """Each side of the Aix ASV's start (« 2003-05 »), the DDASS's end (« 2010-07 ») and the ARS's start: a month
    compared with a day, as text, alike on every engine (Virtuoso reads typed dates its own way)."""
    query = get_query(name)
    params = {"actor": "ddass"} if name.startswith("actor_") else {"role": "cosignataire"} if "by_role" in name else \
        {"territory": "departement/13"} if name in ("population_covered", "communes_not_covered", "epci_not_covered") else {}
    for at in ("2003-04-30", "2003-05-01", "2010-07-31", "2010-08-01"):  # before, on a start's first day; last, after
        answers = {engine: query.run(store, {**params, "at": at}) for engine, store in engines.items()}
        embedded = answers.pop("embedded")
        for engine, rows in answers.items():
            assert list(rows) == list(embedded), (engine, at)


@pytest.mark.parametrize("name", ["population_covered", "communes_not_covered", "epci_not_covered",
                                  "population_covered_by_departement"])
def test_a_chosen_coordination_type_gives_the_same_rows_on_every_engine(name, engines):
    """The coverage queries with a type chosen (compared in a FILTER with COALESCE, unbound when none is chosen):
    some rows, the same on every engine."""
    query = get_query(name)
    params = {} if name.endswith("by_departement") else {"territory": "departement/13"}
    answers = {engine: query.run(store, {**params, "coordinationType": "CLS"}) for engine, store in engines.items()}
    embedded = answers.pop("embedded")
    assert list(embedded), name
    for engine, rows in answers.items():
        assert list(rows) == list(embedded), engine
