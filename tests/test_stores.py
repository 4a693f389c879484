"""The query interface: the same answers on Oxigraph, rdflib and a real SPARQL server; nothing but reads."""

from __future__ import annotations

import sys
from decimal import Decimal

import pytest
from rdflib import BNode, Literal, URIRef

from maillage.sparql import QueryRefused, check_query
from maillage.stores import EndpointStore, OxigraphStore, RdflibStore, StoreError, open_store
from tests.conftest import ID, Listener

XSD = "http://www.w3.org/2001/XMLSchema#"
ASV_AIX = f"{ID}coordination/asv-aix-en-provence"
# Values that would change a query if they were pasted into its text.
HOSTILE = [
    'x" } ; DROP ALL ; SELECT * WHERE { "',
    "x' } } UNION { ?s ?p ?o }",
    "} ; DROP ALL",
    "SERVICE <http://example.org/sparql> { ?s ?p ?o }",
    '"""\\" ^^<http://x> @fr',
]


@pytest.fixture(scope="module")
def rdflib_store(small_build) -> RdflibStore:
    """rdflib over the seed build with only the places it cites (what these tests ask about): parsing the whole
    referential's 420,000 quads with rdflib took 20 s."""
    return RdflibStore.from_file(small_build / "maillage.nq")


@pytest.fixture(scope="module")
def endpoint(seed_endpoint) -> EndpointStore:
    return EndpointStore(seed_endpoint)


@pytest.fixture(scope="module")
def backends(seed_store, rdflib_store, endpoint):
    return {"oxigraph": seed_store, "rdflib": rdflib_store, "endpoint": endpoint}


NORMALISED = """
SELECT ?decimal ?string ?tagged ?integer ?blank ?unbound
WHERE {
  VALUES (?decimal ?string ?tagged ?integer) { ("54.0"^^<http://www.w3.org/2001/XMLSchema#decimal>
    "x"^^<http://www.w3.org/2001/XMLSchema#string> "oui"@FR "007"^^<http://www.w3.org/2001/XMLSchema#integer>) }
  BIND (BNODE("a") AS ?blank)
  OPTIONAL { ?nothing <http://example.org/never> ?unbound }
}
"""


def test_terms_are_normalised_the_same_on_every_backend(backends):
    expected = (Literal("54", datatype=URIRef(XSD + "decimal")), Literal("x"), Literal("oui", lang="fr"),
                Literal("7", datatype=URIRef(XSD + "integer")), BNode("b0"), None)
    for name, store in backends.items():
        rows = store.select(NORMALISED)
        assert rows.variables == ("decimal", "string", "tagged", "integer", "blank", "unbound"), name
        assert list(rows) == [expected], name
        assert rows.values() == [(Decimal(54), "x", "oui", 7, "_:b0", None)], name
        assert store.select_values(NORMALISED) == rows.values(), name  # the JSON-read fast path of some backends


def test_json_answers_keep_languages_the_same_on_every_backend(backends):
    """select_json (what the viewer's cards read): SPARQL JSON bindings, an unbound variable left out."""
    query = """SELECT ?iri ?text ?tagged ?unbound WHERE {
      VALUES (?iri ?text ?tagged) { (<http://example.org/a> "x" "oui"@fr) }
      OPTIONAL { ?nothing <http://example.org/never> ?unbound } }"""
    expected = [{"iri": {"type": "uri", "value": "http://example.org/a"}, "text": {"type": "literal", "value": "x"},
                 "tagged": {"type": "literal", "value": "oui", "xml:lang": "fr"}}]
    for name, store in backends.items():
        assert store.select_json(query) == (["iri", "text", "tagged", "unbound"], expected), name


def test_an_answer_asked_ahead_is_the_same_and_taken_once(backends):
    query = "SELECT ?p ?o WHERE { ?_s_iri ?p ?o } ORDER BY ?p ?o"
    for name, store in backends.items():
        expected = store.select_json(query, {"_s_iri": ASV_AIX})
        store.ahead(query, {"_s_iri": ASV_AIX})
        store.ahead(query, {"_s_iri": f"{ID}coordination/other"})  # other parameters, another answer
        assert store.select_json(query, {"_s_iri": ASV_AIX}) == expected, name
        assert store.select_json(query, {"_s_iri": ASV_AIX}) == expected, name  # asked again: answered again
        assert store.select_json(query, {"_s_iri": f"{ID}coordination/other"}) == (["p", "o"], []), name
        store.ahead(query, {"_s_iri": ASV_AIX})
        assert store.select(query, {"_s_iri": ASV_AIX}).to_json()["results"]["bindings"] == expected[1], name
        with pytest.raises(QueryRefused):
            store.ahead("INSERT DATA { <http://example.org/a> <http://example.org/b> 1 }")
    assert not backends["oxigraph"]._early


def test_a_text_answer_asked_ahead_is_the_same_and_taken_once(backends):
    """An answer asked ahead as texts (the viewer's cards: select_texts) is the one select_texts gives, taken once;
    one asked ahead as JSON is not taken by select_texts, nor the other way round."""
    query = "SELECT ?p ?o WHERE { ?_s_iri ?p ?o } ORDER BY ?p ?o"
    for name, store in backends.items():
        expected = store.select_texts(query, {"_s_iri": ASV_AIX})
        assert len(expected[1]) > 3, name
        store.ahead(query, {"_s_iri": ASV_AIX}, texts=True)
        assert store.select_texts(query, {"_s_iri": ASV_AIX}) == expected, name
        assert store.select_texts(query, {"_s_iri": ASV_AIX}) == expected, name  # asked again: answered again
        store.ahead(query, {"_s_iri": ASV_AIX}, texts=True)
        store.ahead(query, {"_s_iri": ASV_AIX})
        assert store.select_json(query, {"_s_iri": ASV_AIX})[0] == ["p", "o"], name
        assert store.select_texts(query, {"_s_iri": ASV_AIX}) == expected, name
    assert not backends["oxigraph"]._early


def test_text_answers_are_the_same_on_every_backend(backends):
    """select_texts (what the viewer's territory index reads): CSV's texts, quotes, commas and lines kept, "" when
    unbound, the language and datatype dropped."""
    query = """SELECT ?iri ?text ?tagged ?number ?unbound WHERE {
      VALUES (?iri ?text ?tagged ?number) { (<http://example.org/a> "Saint-Denis, « la \\"Plaine\\" »\\nbis" "oui"@fr 7) }
      OPTIONAL { ?nothing <http://example.org/never> ?unbound } }"""
    expected = (["iri", "text", "tagged", "number", "unbound"],
                [["http://example.org/a", 'Saint-Denis, « la "Plaine" »\nbis', "oui", "7", ""]])
    for name, store in backends.items():
        assert store.select_texts(query) == expected, name
    with pytest.raises(StoreError, match="ASK"):
        backends["oxigraph"].select_texts("ASK { ?s ?p ?o }")


def test_select_ask_construct_describe_agree_across_backends(backends):
    select = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
      SELECT ?p ?o WHERE {{ <{ASV_AIX}> ?p ?o }} ORDER BY ?p str(?o)"""  # SPARQL leaves the order of
    # literals of different languages to each engine: order by their text
    construct = f"CONSTRUCT {{ <{ASV_AIX}> ?p ?o }} WHERE {{ <{ASV_AIX}> ?p ?o }}"
    answers = {name: (store.select(select), store.ask(f"ASK {{ <{ASV_AIX}> ?p ?o }}"), store.construct(construct),
                      store.describe(ASV_AIX)) for name, store in backends.items()}
    reference = answers["oxigraph"]
    assert len(reference[0]) > 20 and reference[1] is True
    assert reference[2] == reference[3] and len(reference[2]) == len({(r[0], r[1]) for r in reference[0]})
    for name, answer in answers.items():
        assert answer == reference, name


def test_union_of_named_graphs_is_the_default_graph(backends):
    # The commune comes from graph/cog-insee, the coordination from graph/001: one pattern joins them.
    query = f"""SELECT ?name WHERE {{ <{ID}coordination/asv-aubervilliers> <https://w3id.org/maillage/def/core#territory>
      ?c . ?c <http://rdf.insee.fr/def/geo#nom> ?name }}"""
    for name, store in backends.items():
        assert store.select(query).column("name") == ["Aubervilliers"], name


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { ?s ?p ?o . { select ?x where { service silent <http://example.org/q> { ?x ?y ?z } } } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { SeRvIcE ?endpoint { ?s ?q ?r } } }",
    "ASK { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
])
def test_service_is_refused_on_every_backend(backends, query):
    for name, store in backends.items():
        run = store.ask if query.startswith("ASK") else store.select
        with pytest.raises(QueryRefused) as refused:
            run(query)
        assert "SERVICE" in refused.value.message_fr and "n'est pas permis" in refused.value.message_fr, name
        assert "not allowed" in refused.value.message("en")


def test_service_in_a_string_or_an_iri_is_not_a_service_call(seed_store):
    assert check_query('SELECT ?x WHERE { BIND ("SERVICE <http://x> { }" AS ?x) }') == "SELECT"
    assert seed_store.select("SELECT ?s WHERE { ?s <http://example.org/SERVICE> ?o }").terms == ()


@pytest.mark.parametrize("update", [
    "DROP ALL",
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
])
def test_updates_are_refused(backends, update):
    for name, store in backends.items():
        with pytest.raises(QueryRefused, match="update"):
            store.select(update)
        assert "mise à jour" in pytest.raises(QueryRefused, store.select, update).value.message_fr, name
    assert len(backends["oxigraph"].store) > 400_000  # nothing was dropped


def test_unreadable_query_says_where():
    with pytest.raises(QueryRefused) as refused:
        check_query("SELECT ?x WHERE { ?x ?y }")
    assert "illisible (ligne 1" in refused.value.message_fr


def test_long_queries_parse_and_too_deep_ones_are_refused_in_french():
    """pyparsing recurses once per triple pattern: 90 went past Python's default depth (a traceback, a 500)."""
    patterns = " ".join(f"<urn:a> <urn:p{i}> ?o{i} ." for i in range(1000))
    assert check_query(f"SELECT * WHERE {{ {patterns} }}") == "SELECT"
    with pytest.raises(QueryRefused) as refused:
        check_query("ASK { FILTER(" + "(" * 40000 + "1" + ")" * 40000 + ") }")
    assert "trop imbriquée" in refused.value.message_fr
    assert sys.getrecursionlimit() < 10_000  # raised while parsing only


@pytest.mark.parametrize("value", HOSTILE)
def test_parameter_values_are_plain_values(backends, value):
    for name, store in backends.items():
        echo = store.select("SELECT ?echo WHERE { BIND (?_v AS ?echo) }", {"_v": value})
        assert echo.values() == [(value,)], name  # the value comes back intact...
        count = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?_v }", {"_v": value})
        assert count.values() == [(0,)], name  # ...and is only a value to match
    assert len(backends["oxigraph"].store) > 400_000


@pytest.mark.parametrize("value", ["http://example.org/a> } ; DROP ALL ; <http://x", "not an iri", "<http://x>"])
def test_iri_parameters_must_be_iris(seed_store, value):
    with pytest.raises(ValueError):
        seed_store.select("SELECT ?p WHERE { ?_x_iri ?p ?o }", {"_x_iri": value})


def test_the_form_must_match_the_call(seed_store):
    with pytest.raises(StoreError, match="ASK"):
        seed_store.select("ASK { ?s ?p ?o }")


def test_open_store_chooses_the_backend(seed_dump, seed_endpoint, tmp_path):
    assert isinstance(open_store(seed_dump.parent), OxigraphStore)
    assert isinstance(open_store(seed_endpoint), EndpointStore)
    with pytest.raises(StoreError) as missing:
        open_store(tmp_path)
    assert "maillage build" in missing.value.message_fr


def test_unreachable_endpoint_is_a_clear_error():
    from maillage.endpoint.oxigraph_server import free_port

    with pytest.raises(StoreError) as failed:
        EndpointStore(f"http://127.0.0.1:{free_port()}/query", timeout_s=5).select("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert "ne répond pas" in failed.value.message_fr


class ClosingIdle(Listener):
    """An HTTP/1.1 server that keeps the first connection open after its answer, then closes it, unanswered, when
    the next request comes on it (as a server whose idle timeout strikes while the request goes out); every other
    connection is answered. `closed` counts the requests it dropped, `answered` those it answered."""

    ANSWER = b'{"head": {}, "boolean": true}'

    def __init__(self, drops: int = 1) -> None:
        self.answered, self.closed, self.drops = 0, 0, drops
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}/sparql"

    @staticmethod
    def _request(connection) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        while len(body) < length:
            body += connection.recv(65536)
        return True

    def _answer(self, connection) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                           b"Content-Length: %d\r\n\r\n%s" % (len(self.ANSWER), self.ANSWER))
        self.answered += 1

    def handle(self, connection) -> None:
        with connection:
            while self._request(connection):
                if self.answered and self.closed < self.drops:
                    self.closed += 1
                    break  # closed with the request unanswered
                self._answer(connection)

    def stop(self) -> None:
        self.socket.close()


def test_a_kept_connection_the_server_closes_is_asked_again_on_a_new_one():
    """An analyst's store asks again, once, when the server closed the kept connection as the query went out; a
    server that closes the new connection too is a clear StoreError, not a traceback."""
    server = ClosingIdle()
    try:
        store = EndpointStore(server.url, timeout_s=5)
        assert store.ask("ASK { ?s ?p ?o }") is True
        assert store.ask("ASK { ?s ?p ?o }") is True  # the kept connection closed unanswered, then a new one
        assert (server.answered, server.closed) == (2, 1)
    finally:
        server.stop()
    server = ClosingIdle(drops=3)
    try:
        store = EndpointStore(server.url, timeout_s=5)
        assert store.ask("ASK { ?s ?p ?o }") is True
        with pytest.raises(StoreError) as failed:
            store.ask("ASK { ?s ?p ?o }")
        assert "ne répond pas" in failed.value.message_fr and server.closed == 2
    finally:
        server.stop()
