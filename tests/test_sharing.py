"""Work shared by the viewer's threads (app/viewer/sharing.py): values computed once however many threads ask,
and a background thread that gives way to the others; SPARQL JSON answers read row by row in the background."""

from __future__ import annotations

import json
import threading

import pyoxigraph as ox

from app.viewer import sharing
from maillage.stores import json_bindings


class Slow:
    def __init__(self):
        self.made = 0
        self.started = threading.Event()

    @sharing.shared_property
    def value(self):
        """A value several threads ask for at once."""
        self.made += 1
        self.started.set()
        for _ in range(200):  # until the three other threads wait for it
            if sharing.waiting() >= 3:
                break
            threading.Event().wait(0.01)
        return object()


def test_a_shared_value_is_computed_once_and_its_waiters_counted():
    slow, found = Slow(), []
    first = threading.Thread(target=lambda: found.append(slow.value))
    first.start()
    assert slow.started.wait(5)
    others = [threading.Thread(target=lambda: found.append(slow.value)) for _ in range(3)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join(10)
    assert slow.made == 1 and len(found) == 4 and all(value is found[0] for value in found)
    assert sharing.waiting() == 0
    assert Slow.value.__doc__.startswith("A value")


def test_only_a_background_thread_gives_way():
    calls = []
    sharing.give_way()
    assert not sharing.background()
    with sharing.in_background(lambda: calls.append(1)):
        assert sharing.background()
        sharing.give_way()
    sharing.give_way()
    assert calls == [1] and not sharing.background()


def _answer(rows: int) -> str:
    """Oxigraph's JSON answer of `rows` rows, one with a literal that looks like the end of a row."""
    store = ox.Store()
    for number in range(rows):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{number}"), ox.NamedNode("http://example.org/p"),
                          ox.Literal('"}},{"x":' if number == 7 else f"texte {number}", language="fr")))
    solutions = store.query("SELECT ?s ?o WHERE { ?s ?p ?o }")
    return solutions.serialize(format=ox.QueryResultsFormat.JSON).decode()


def test_a_json_answer_read_row_by_row_in_the_background_is_the_same():
    text, calls = _answer(2500), []
    with sharing.in_background(lambda: calls.append(1)):
        rows = json_bindings(text, sharing.courtesy())
        assert json_bindings(_answer(0), sharing.courtesy()) == []
        spaced = ('{ "head" : { "vars" : [ "a" ] } ,\n "results" : { "bindings" : '
                  '[ { "a" : { "type" : "uri", "value" : "u" } } ,\n {} ] } }')
        assert json_bindings(spaced, sharing.courtesy()) == json.loads(spaced)["results"]["bindings"]
    assert rows == json.loads(text)["results"]["bindings"] == json_bindings(text)
    assert len(calls) == 2  # every 1,000 rows
