"""The viewer's SPARQL console: reads only, refuses updates and SERVICE, and really stops a runaway query."""

from __future__ import annotations

import time

import pytest

from app.viewer.console import ConsoleError, run_console

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # every triple times every triple


@pytest.mark.parametrize(("query", "kind"), [
    ("INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }", "update"),
    ("DELETE WHERE { ?s ?p ?o }", "update"),
    ("LOAD <https://example.org/data.ttl>", "update"),
    ("CLEAR ALL", "update"),
    ("SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }", "service"),
    ("SELECT * WHERE { ?s ?p ?o . SERVICE SILENT <https://example.org/sparql> { ?s ?q ?r } } LIMIT 1", "service"),
    ("SELEC ?s WHERE { ?s ?p ?o }", "syntax"),
])
def test_the_console_refuses_what_is_not_a_read(seed_store, query, kind):
    with pytest.raises(ConsoleError) as refused:
        run_console(seed_store, query)
    assert refused.value.kind == kind
    assert refused.value.message("fr").startswith(("Requête refusée", "Requête SPARQL illisible"))
    assert refused.value.message("en")


def test_a_runaway_query_is_stopped_at_its_limit(seed_store):
    start = time.monotonic()
    with pytest.raises(ConsoleError) as stopped:
        run_console(seed_store, RUNAWAY, timeout_s=2)
    assert time.monotonic() - start < 6
    assert stopped.value.kind == "timeout"
    assert stopped.value.message("fr") == ("La requête a dépassé le délai de 2 s et a été arrêtée : restreignez-la "
                                           "(motifs plus précis, filtres, LIMIT).")
    # The store still answers afterwards (the worker was killed, not the viewer's store).
    assert run_console(seed_store, "ASK { ?s ?p ?o }").rows.values() == [(True,)]


def test_rows_are_capped_and_the_cap_said(seed_store):
    answer = run_console(seed_store, "SELECT ?s WHERE { ?s ?p ?o }", cap=5)
    assert len(answer.rows) == 5 and answer.cut_at == 5
    with pytest.raises(ConsoleError) as refused:
        run_console(seed_store, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 50", cap=5)
    assert refused.value.kind == "cap" and "LIMIT 50 dépasse le plafond de 5" in refused.value.message("fr")


def test_select_ask_and_construct_answer(seed_store):
    coordinations = run_console(seed_store, "SELECT ?c WHERE { ?c a <https://w3id.org/maillage/def/core#Coordination> }")
    assert coordinations.form == "SELECT" and len(coordinations.rows) == 11 and coordinations.cut_at is None
    graph = run_console(seed_store, "CONSTRUCT { ?c a ?t } WHERE { ?c a <https://w3id.org/maillage/def/core#Coordination>, ?t }")
    assert graph.rows.variables == ("subject", "predicate", "object") and len(graph.rows) >= 11
    assert run_console(seed_store, "ASK { ?s a <https://w3id.org/maillage/def/core#Nothing> }").rows.values() == [(False,)]
