"""`maillage queries`, `maillage query`: the library from the command line, on a built graph or an endpoint."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from rdflib import RDF, Graph, Namespace

from maillage.cli.main import main
from maillage.library import library

SH = Namespace("http://www.w3.org/ns/shacl#")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_queries_lists_every_query_with_its_parameters():
    result = invoke("queries")
    assert result.exit_code == 0, result.output
    for name in library():
        assert name in result.output
    assert "--param commune=…  [commune] = 42218" in result.output
    english = invoke("queries", "--lang", "en")
    assert "Which coordinations cover a commune" in english.output


def test_queries_as_turtle_is_the_sparql_examples_catalogue():
    result = invoke("queries", "--format", "turtle", "--target", "http://127.0.0.1:7878/query")
    graph = Graph().parse(data=result.output, format="turtle")
    assert len(set(graph.subjects(RDF.type, SH.SPARQLSelectExecutable))) == len(library())


def test_query_with_parameters_in_every_format(seed_dump):
    build = str(seed_dump.parent)
    args = ("query", "coordinations_in_territory", "--param", "territory=departement/13", "--out", build)
    table = invoke(*args)
    assert table.exit_code == 0, table.output
    assert "Port-de-Bouc" in table.output
    as_csv = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv").output)))
    assert [row["placeName"] for row in as_csv] == ["Aix-en-Provence", "Martigues", "Port-de-Bouc"]
    tsv = invoke(*args, "--format", "tsv").output.splitlines()
    assert tsv[0].split("\t")[0] == "?coordination" and '"Martigues"' in tsv[2]
    answer = json.loads(invoke(*args, "--format", "json").output)
    assert answer["head"]["vars"] == ["coordination", "type", "label", "place", "placeName"]
    assert answer["results"]["bindings"][0]["label"] == {
        "type": "literal", "value": "Atelier santé ville d'Aix-en-Provence", "xml:lang": "fr"}


def test_endpoint_and_embedded_store_print_the_same_json(seed_dump, seed_endpoint):
    args = ("query", "experiences_in_territory", "--param", "territory=region/84", "--format", "json")
    embedded = invoke(*args, "--out", str(seed_dump.parent))
    remote = invoke(*args, "--endpoint", seed_endpoint)
    assert embedded.exit_code == remote.exit_code == 0
    assert json.loads(embedded.output) == json.loads(remote.output)
    assert len(json.loads(remote.output)["results"]["bindings"]) == 4


def test_query_file_with_its_own_parameters(seed_dump, tmp_path):
    path = tmp_path / "mine.rq"
    path.write_text("#+ summary: Quel libellé ?\n#+ params:\n#+   thing: {check: entity:coordination}\n"
                    "SELECT ?label WHERE { ?_thing_iri <http://www.w3.org/2000/01/rdf-schema#label> ?label "
                    'FILTER (lang(?label) = "fr") }\n', encoding="utf-8")
    result = invoke("query", "--file", str(path), "--param", "thing=asv-lyon", "--out", str(seed_dump.parent),
                    "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["label", "Atelier santé ville de Lyon"]


@pytest.mark.parametrize(("args", "french", "english"), [
    (("query", "coordinations_by_themes"), "Requête inconnue", "Unknown query"),
    (("query", "coordinations_by_theme", "--param", "theme=sante"), "n'est pas un concept", "Not a concept"),
    (("query", "coordinations_by_theme", "--param", "colour=blue"), "Paramètre inconnu", "Unknown parameter"),
])
def test_bad_query_or_parameter_is_a_clear_error(seed_dump, args, french, english):
    result = invoke(*args, "--out", str(seed_dump.parent))
    assert result.exit_code == 2 and french in result.output
    assert english in invoke(*args, "--out", str(seed_dump.parent), "--lang", "en").output


def test_a_file_with_service_or_an_update_is_refused(seed_dump, tmp_path):
    service = tmp_path / "service.rq"
    service.write_text("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }\n", encoding="utf-8")
    result = invoke("query", "--file", str(service), "--out", str(seed_dump.parent))
    assert result.exit_code == 2 and "SERVICE" in result.output and "refusée" in result.output
    update = tmp_path / "drop.rq"
    update.write_text("DROP ALL\n", encoding="utf-8")
    assert "mise à jour" in invoke("query", "--file", str(update), "--out", str(seed_dump.parent)).output


def test_missing_build_says_what_to_do(tmp_path):
    result = invoke("query", "ottawa_axes", "--out", str(tmp_path))
    assert result.exit_code == 3 and "maillage build" in result.output


def test_bench_queries_prints_a_median_per_query(small_build):
    # The small build: every query's line and figure are checked, not how long the whole referential takes.
    result = invoke("bench-queries", "--size", f"graines={small_build}", "--engines", "oxigraph", "--runs", "1")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("| `")]
    assert len(lines) == len(library())
    assert all(float(line.rsplit("|", 2)[1]) >= 0 for line in lines)


def test_bench_queries_measures_cases_with_their_parameters_against_an_anchor(small_build):
    """--case: a query with its parameters, measured in rounds with the anchor (first row, ratio 1), each row's
    count of rows that of the library's own answer; a bad case is refused before anything is measured."""
    from maillage.stores import dump_of, open_store

    result = invoke("bench-queries", "--size", f"graines={small_build}", "--runs", "2",
                    "--case", "comparable_territories:territory=commune/38185,limit=3", "--case", "funders")
    assert result.exit_code == 0, result.output
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in result.output.splitlines()
            if line.startswith("| `")]
    assert [row[0] for row in rows] == ["`entities_in_territory:territory=departement/38`",
                                        "`comparable_territories:territory=commune/38185,limit=3`", "`funders`"]
    assert rows[0][3] == "1.00" and rows[0][4] == "ancre"
    store = open_store(dump_of(small_build), backend="oxigraph")
    assert int(rows[1][1]) == len(library()["comparable_territories"].run(store, {"territory": "commune/38185",
                                                                                   "limit": 3}))
    assert int(rows[2][1]) == len(library()["funders"].run(store))
    assert all(float(row[2]) >= 0 for row in rows) and "Charge (1, 5, 15 min)" in result.output
    for case, said in (("comparable_territories:territory=commune/38185,limit=0", "Attendu entre 1 et 20000"),
                       ("comparable_territories:limit", "attendu paramètre=valeur"),
                       ("nothing_of_the_kind", "requête inconnue")):
        refused = invoke("bench-queries", "--size", f"graines={small_build}", "--case", case)
        assert refused.exit_code == 2 and said in refused.output, refused.output


def test_a_query_over_the_cap_is_stopped_and_reported():
    from maillage.bench.queries import _time

    def forever() -> int:
        while True:
            pass

    assert _time(forever, runs=1, cap_s=0.2) == (None, None, "> 0.2 s")
    median, rows, note = _time(lambda: 3, runs=3, cap_s=1)
    assert rows == 3 and note == "" and median >= 0
