"""Languages as a parameter (issue 19): every library query answers in the asked language, one row per fact, in a
total order.

The whole library runs on the seed store in French and in English: no two rows may differ only by the language of
a literal, no row may come twice, and no two rows may be equal on every ORDER BY key (the order would then be the
engine's). A label missing in the asked language falls back to the other one, on both embedded engines.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import NamedTuple

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import XSD, Dataset, Literal, Variable
from rdflib.plugins.sparql.parserutils import CompValue

from maillage.cli.main import main
from maillage.library import LANG_USE, LANGUAGES, LibraryError, get_query
from maillage.sparql import bind, checkable, parse_read_query
from maillage.stores import OxigraphStore, RdflibStore
from tests.conftest import ID, QUERY_NAMES

MLG = "https://w3id.org/maillage/def/core#"


def _unwrapped(expression):
    """The expression under rdflib's one-child grammar wrappers (ConditionalOrExpression{expr: ...} ...)."""
    while isinstance(expression, CompValue) and expression.name.endswith("Expression") and list(expression) == ["expr"]:
        expression = expression["expr"]
    return expression


def order_keys(name: str) -> list[tuple[str, str]]:
    """The query's outer ORDER BY as (function, variable): `var` (?x), `str` (str(?x)), `lang` (lang(?x)), the two
    last also as COALESCE(str(?x), "") (an optional value: str() of an unbound value is an error, which rdflib
    cannot sort); the test fails on any other form, since it could not tell whether the order is total."""
    orderby = parse_read_query(checkable(get_query(name).text)).get("orderby")  # a LIMIT parameter read as 0
    assert orderby is not None, f"{name}: pas d'ORDER BY, l'ordre des lignes serait celui du moteur"
    keys = []
    for condition in orderby["condition"]:
        expression = _unwrapped(condition["expr"] if isinstance(condition, CompValue) and
                                condition.name == "OrderCondition" else condition)
        if isinstance(expression, Variable):
            keys.append(("var", str(expression)))
            continue
        if isinstance(expression, CompValue) and expression.name == "Builtin_COALESCE":
            first, default = (_unwrapped(argument) for argument in expression["arg"])
            assert isinstance(default, CompValue) and default.get("string") == Literal(""), \
                f"{name}: clé de tri non lue par ce test : {expression}"
            expression = first
        assert isinstance(expression, CompValue) and expression.name in ("Builtin_STR", "Builtin_LANG"), \
            f"{name}: clé de tri non lue par ce test : {expression}"
        argument = _unwrapped(expression["arg"])
        assert isinstance(argument, Variable), f"{name}: clé de tri non lue par ce test : {expression}"
        keys.append((expression.name.removeprefix("Builtin_").lower(), str(argument)))
    return keys


class Term(NamedTuple):
    """A value of an answer, read from Oxigraph's own terms (no rdflib term made: 74,000 rows are checked)."""

    kind: str  # NamedNode, Literal, BlankNode
    value: str
    language: str | None
    datatype: str | None


def _term(term) -> Term | None:
    if term is None:
        return None
    datatype = getattr(term, "datatype", None)
    return Term(type(term).__name__, term.value, getattr(term, "language", None),
                None if datatype is None else datatype.value)


def answer(name: str, store: OxigraphStore, lang: str) -> tuple[list[str], list[tuple[Term | None, ...]]]:
    """The query's variables and rows, asked in `lang` (the library's bindings, run by the embedded Oxigraph)."""
    query = get_query(name)
    solutions = store.store.query(bind(query.text, query.bindings({"lang": lang})), use_default_graph_as_union=True)
    variables = [variable.value for variable in solutions.variables]
    return variables, [tuple(_term(solution[v]) for v in variables) for solution in solutions]


def _text(value: Term | None) -> bool:
    """A literal that may be a label: language-tagged, or a plain string (no tag: another "language")."""
    return value is not None and value.kind == "Literal" and (value.language is not None or
                                                               value.datatype in (None, str(XSD.string)))


def language_only_duplicates(variables: list[str], rows: list[tuple]) -> list:
    """Rows that tell the same fact in several languages: equal once their language-tagged literals are set aside
    (a fact in French and in English, in one column or more), or once one column's text is set aside, that column
    holding the text with and without a language tag (a French name and the same untagged name)."""
    found, masks = [], []
    languages = [{v.language for row in rows if _text(v := row[i])} for i in range(len(variables))]
    if any(found_ - {None} for found_ in languages):
        masks.append(lambda i, v: v is not None and v.language is not None)
    # Only where a column mixes tagged and untagged texts (36,000 territory names need no such pass).
    masks += [lambda i, v, c=c: i == c and _text(v) for c, found_ in enumerate(languages) if len(found_) > 1]
    for masked in masks:
        groups = defaultdict(set)
        for row in rows:
            key = tuple(("text",) if masked(i, v) else v for i, v in enumerate(row))
            groups[key].add(tuple(None if v is None else v.language for v in row))
        found += [languages for languages in groups.values() if len(languages) > 1]
    return found


def languages_asked(name: str) -> tuple[str, ...]:
    """Both languages for a query that reads `?_lang`; one run for the others (the language changes nothing)."""
    return get_query(name).languages


@pytest.mark.parametrize("name", QUERY_NAMES)
def test_one_row_per_fact_in_a_total_order(name, seed_store):
    keys = order_keys(name)
    for lang in languages_asked(name):
        variables, rows = answer(name, seed_store, lang)
        where = f"{name} (lang={lang})"
        assert not language_only_duplicates(variables, rows), \
            f"{where}: des lignes ne diffèrent que par la langue d'un libellé"
        assert len(set(rows)) == len(rows), f"{where}: une ligne revient plusieurs fois"
        index = {variable: i for i, variable in enumerate(variables)}
        unknown = [variable for _, variable in keys if variable not in index]
        assert not unknown, f"{where}: ORDER BY sur des variables non projetées {unknown}: ordre total non vérifiable"
        ordered = {}
        for row in rows:
            key = []
            for function, variable in keys:
                value = row[index[variable]]
                if function == "var":
                    # Languages order differently from one engine to another: a tagged literal is sorted by str()
                    # and lang(), never as itself.
                    assert value is None or value.language is None, \
                        f"{where}: ORDER BY ?{variable} sur un libellé : trier par str(?{variable}) lang(?{variable})"
                    key.append(value)
                elif function == "str":
                    key.append("" if value is None else value.value)
                else:
                    key.append("" if value is None else value.language or "")
            key = tuple(key)
            assert ordered.setdefault(key, row) == row, \
                f"{where}: deux lignes égales sur toutes les clés de l'ORDER BY {keys}: {key}"


def test_the_asked_language_is_given_and_a_missing_label_falls_back_to_the_other(seed_store):
    """Aix-en-Provence's participants on 15 July 2010 (the DDASS, until July 2010, and the ARS, since, both in force):
    the same facts in both languages, each actor named in English when it has an English name, else in French; the
    roles (all bilingual) in the asked language."""
    english = {str(actor) for actor, in seed_store.select(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT DISTINCT ?actor WHERE { "
        "?actor rdfs:label ?label FILTER (lang(?label) = 'en') }").values()}
    answers = {lang: get_query("coordination_participants").run(seed_store, {"lang": lang, "at": "2010-07-15"})
               for lang in LANGUAGES}
    facts = {lang: [(row[0], row[2], row[4]) for row in rows] for lang, rows in answers.items()}
    assert facts["fr"] == facts["en"] and len(facts["fr"]) == 19
    assert {row[1].language for row in answers["fr"]} == {"fr"}
    named = {str(row[0]): row[1].language for row in answers["en"]}
    assert named == {actor: "en" if actor in english else "fr" for actor in named}
    assert set(named.values()) == {"en", "fr"}  # both cases are met at seed size
    assert {row[3].language for row in answers["en"]} == {"en"}


TINY = f"""
@prefix mlg: <{MLG}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ID}graph/tiny> {{
  <{ID}coordination/both> a mlg:Coordination ; mlg:coordinationType <{ID}coordination-type/ASV> ;
      rdfs:label "Les deux"@fr, "Both"@en .
  <{ID}coordination/french> a mlg:Coordination ; mlg:coordinationType <{ID}coordination-type/ASV> ;
      rdfs:label "Seulement en français"@fr .
  <{ID}coordination/english> a mlg:Coordination ; mlg:coordinationType <{ID}coordination-type/ASV> ;
      rdfs:label "English only"@en .
}}
"""


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_fallback_on_both_embedded_engines(engine):
    if engine == "oxigraph":
        store = ox.Store()
        store.load(TINY.encode(), format=ox.RdfFormat.TRIG)
        graph = OxigraphStore(store)
    else:
        dataset = Dataset(default_union=True)
        dataset.parse(data=TINY, format="trig")
        graph = RdflibStore(dataset)
    expected = {
        "fr": {"both": Literal("Les deux", lang="fr"), "french": Literal("Seulement en français", lang="fr"),
               "english": Literal("English only", lang="en")},
        "en": {"both": Literal("Both", lang="en"), "french": Literal("Seulement en français", lang="fr"),
               "english": Literal("English only", lang="en")},
    }
    for lang, labels in expected.items():
        rows = get_query("coordinations_by_type").run(graph, {"coordinationType": "ASV", "lang": lang})
        found = {str(row[0]).rsplit("/", 1)[1]: row[1] for row in rows}
        assert found == labels and len(rows) == 3, (engine, lang)
        assert [str(r[1]) for r in rows] == sorted(str(v) for v in labels.values()), (engine, lang)  # str(?label)
        fields = get_query("entity_summaries").run(graph, {"kind": f"{MLG}Coordination", "lang": lang})
        assert {str(r[0]).rsplit("/", 1)[1]: r[2] for r in fields if str(r[1]) == "label"} == labels, (engine, lang)


@pytest.mark.parametrize("value", ["de", "français", "fr-FR", "", " en ", "EN", "fr\n", "x" * 10_000])
def test_the_language_value_is_checked(value):
    query = get_query("coordinations_by_type")
    if value.strip().lower() in LANGUAGES:
        bound = query.bindings({"lang": value})
        assert bound["_lang"] == value.strip().lower() and bound["_otherLang"] != bound["_lang"]
        return
    if value == "":  # no value: the default
        assert query.bindings({"lang": value})["_lang"] == "fr"
        return
    with pytest.raises(LibraryError) as refused:
        query.bindings({"lang": value})
    assert refused.value.message("fr").startswith("coordinations_by_type : valeur refusée pour « lang »")
    assert "Langues possibles : fr, en." in refused.value.message("fr")
    assert "Possible languages: fr, en." in refused.value.message("en")


def test_a_query_without_labels_takes_the_language_and_binds_nothing():
    query = get_query("coordination_roles_summary")
    assert not LANG_USE.search(query.text)
    assert query.bindings({"lang": "en"}) == query.bindings({})
    with pytest.raises(LibraryError):
        query.bindings({"lang": "de"})


def test_the_command_line_passes_its_language(small_build):
    def labels(*options: str) -> set[str]:
        result = CliRunner().invoke(main, ["query", "concepts_of_scheme", "--format", "json", "--out", str(small_build),
                                           *options])
        assert result.exit_code == 0, result.output
        return {binding["label"]["xml:lang"] for binding in json.loads(result.output)["results"]["bindings"]}

    assert labels("--lang", "en") == {"en"}  # French by default: tests/test_cli_queries.py
    assert labels("--lang", "en", "--param", "lang=fr") == {"fr"}  # an explicit parameter wins
    refused = CliRunner().invoke(main, ["query", "concepts_of_scheme", "--out", str(small_build), "--param", "lang=de"])
    assert refused.exit_code == 2 and "Langues possibles : fr, en." in refused.output
    assert "Traceback" not in refused.output
    listed = CliRunner().invoke(main, ["queries", "--lang", "en"])
    assert listed.exit_code == 0 and "(every query) --param lang=…  [lang] = fr" in listed.output
