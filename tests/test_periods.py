"""Validity periods and the `at` day of the library queries that list current facts (issue 22, « Time »).

The seed's own dated facts (source 002): the DDASS was cosignatory of the Aix-en-Provence ASV until July 2010
(`end: "2010-07"`), the ARS from July 2010 (`start: "2010-07"`). The shapes' side (an end before its start) is in
tests/examples/ (test_domain_rules.py).
"""

from __future__ import annotations

import pytest
from rdflib import XSD, Literal, URIRef
from rdflib.namespace import SH

from maillage.library import QUERIES, LibraryError, catalogue_graph, current_day, example_iri, get_query, published_text
from tests.conftest import ID

DDASS, ARS = f"{ID}acteur/ddass", f"{ID}acteur/ars-provence-alpes-cote-d-azur"
AIX = f"{ID}coordination/asv-aix-en-provence"
DATED = ("coordination_participants", "actor_participations", "actor_roles", "coordination_members_by_role")


def actors(store, at: str | None = None) -> set[str]:
    params = {} if at is None else {"at": at}
    return {str(row[0]) for row in get_query("coordination_participants").run(store, params)}


@pytest.mark.parametrize(("at", "ddass", "ars"), [
    ("2009-06-01", True, False),   # before the change
    ("2010-07-01", True, True),    # July 2010: both months hold for each of its days
    ("2010-07-31", True, True),
    ("2010-08-01", False, True),   # the DDASS's participation ended before this day
])
def test_a_participation_ended_before_a_day_is_absent_that_day_and_present_before(seed_store, at, ddass, ars):
    found = actors(seed_store, at)
    assert (DDASS in found) is ddass and (ARS in found) is ars
    assert f"{ID}acteur/ville-aix-en-provence" in found  # undated: in force at any day


def test_the_other_queries_answer_at_the_day_too(seed_store):
    ddass_roles = get_query("actor_roles")
    assert len(ddass_roles.run(seed_store, {"actor": "ddass", "at": "2010-06-15"})) == 1
    assert len(ddass_roles.run(seed_store, {"actor": "ddass", "at": "2010-08-01"})) == 0
    participations = get_query("actor_participations")
    assert [str(r[0]) for r in participations.run(seed_store, {"actor": "ddass", "at": "2005-01-01"})] == [AIX]
    assert len(participations.run(seed_store, {"actor": "ddass"})) == 0  # today
    members = get_query("coordination_members_by_role")
    cosignatories = {at: {str(r[0]) for r in members.run(seed_store, {"role": "cosignataire", "at": at})}
                     for at in ("2005-01-01", "2015-01-01")}
    assert DDASS in cosignatories["2005-01-01"] and ARS not in cosignatories["2005-01-01"]
    assert ARS in cosignatories["2015-01-01"] and DDASS not in cosignatories["2015-01-01"]


def test_a_coordination_is_in_force_from_its_start(seed_store):
    """The Aix-en-Provence ASV was set up in May 2003 (`start: "2003-05"`): absent before, present from 1 May."""
    def found(name, at, **params):
        return AIX in {str(row[0]) for row in get_query(name).run(seed_store, {**params, "at": at})}

    for name, params in (("coordinations_in_territory", {"territory": "departement/13"}),
                         ("coordinations_covering_commune", {"commune": "13001"}),
                         ("entities_in_territory", {"territory": "departement/13"})):
        assert not found(name, "2003-04-30", **params) and found(name, "2003-05-01", **params), name
        assert found(name, "today", **params), name


def test_what_was_not_in_force_is_listed_apart_ended_or_not_yet_started(seed_store):
    query = get_query("participations_not_in_force")
    today = query.run(seed_store).dicts()
    assert [(r["actor"], r["start"], r["end"]) for r in today] == [(DDASS, None, "2010-07")]
    before = query.run(seed_store, {"entity": ARS, "at": "2009-12-31"}).dicts()
    assert [(r["coordination"], r["start"], r["end"]) for r in before] == [(AIX, "2010-07", None)]
    assert query.run(seed_store, {"entity": DDASS, "at": "2010-07-31"}).dicts() == []


def test_every_dated_query_declares_at_with_today_as_default():
    """A query reading `?__at_xsd_date` without its default would leave it unbound: every dated row would fail the
    filter (an error), silently (found so on entities_in_territory while writing it)."""
    dated = [get_query(path.stem) for path in sorted(QUERIES.glob("*.rq"))  # each parsed alone: cheap
             if "__at_xsd_date" in path.read_text(encoding="utf-8")]
    assert len(dated) >= 9
    for query in dated:
        assert query.parameter("at").default == "today", query.name
        assert query.bindings()["__at_xsd_date"] == current_day().isoformat(), query.name
        assert "« at »" in query.description or "at" in query.parameter("at").describe("fr"), query.name


def test_at_defaults_to_today_and_an_empty_field_means_today(seed_store):
    query = get_query("coordination_participants")
    assert query.bindings()["__at_xsd_date"] == current_day().isoformat()
    assert query.bindings({"at": ""})["__at_xsd_date"] == current_day().isoformat()
    for word in (" Today ", "aujourd'hui", "Aujourd’hui"):  # the Requêtes form shows « aujourd'hui »
        assert query.bindings({"at": word})["__at_xsd_date"] == current_day().isoformat()
    assert list(query.run(seed_store)) == list(query.run(seed_store, {"at": current_day().isoformat()}))


@pytest.mark.parametrize("name", [*DATED, "participations_not_in_force"])
@pytest.mark.parametrize("bad", ["2010-13-01", "2010-02-30", "2010", "2010-07", "01/07/2010", "2010-7-1",
                                 "2010-07-01T00:00:00", "0999-12-31", "２０１０-07-01", "2010-07-01\n",
                                 "\"2010-07-01\"^^xsd:date", "2010-07-01\" } ; DROP ALL ; {", "hier"])
def test_a_bad_day_is_refused_in_french_then_english(name, bad):
    if bad == "2010-07-01\n":  # stripped like every value: a day
        assert get_query(name).bindings({"at": bad})["__at_xsd_date"] == "2010-07-01"
        return
    with pytest.raises(LibraryError) as refused:
        get_query(name).bindings({"at": bad})
    message = refused.value.message_fr
    assert message.startswith(f"{name} : valeur refusée pour « at »"), message
    assert "AAAA-MM-JJ" in message and "YYYY-MM-DD" in refused.value.message_en


def test_the_day_is_bound_as_an_xsd_date_term_never_as_text():
    text = get_query("coordination_participants").bindings({"at": "2010-07-01"})
    assert text["__at_xsd_date"] == "2010-07-01"
    from maillage.sparql import bind
    bound = bind(get_query("coordination_participants").text, text)
    assert '"2010-07-01"^^<http://www.w3.org/2001/XMLSchema#date>' in bound and "?__at_xsd_date" not in bound


def test_the_catalogue_binds_the_day_of_source_date_epoch_so_it_is_reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1278028800")  # 2010-07-02
    query = get_query("coordination_participants")
    assert '"2010-07-02"^^<http://www.w3.org/2001/XMLSchema#date>' in published_text(query)
    graph = catalogue_graph({query.name: query})
    node = URIRef(f"{example_iri(query.name)}#__at_xsd_date")
    assert graph.value(node, SH.defaultValue) == Literal("2010-07-02", datatype=XSD.date)
    assert graph.value(node, SH.datatype) == XSD.date
    assert graph.value(node, SH.optional) == Literal(True)


def test_a_former_commune_code_given_to_a_query_resolves_to_its_current_commune(seed_store):
    """01018 (Châtillon-en-Michaille) is a former code of Valserhône (01033): `maillage query` asks about 01033 and
    says so; a current code is left as it is."""
    from maillage.territories import current_communes

    query = get_query("coordinations_covering_commune")
    bound = query.bindings({"commune": "01018"})
    resolved, replaced = current_communes(seed_store, bound, ID)
    assert resolved["_commune_iri"] == f"{ID}territoire/commune/01033" and replaced == [("01018", "01033")]
    assert {k: v for k, v in resolved.items() if k != "_commune_iri"} == {
        k: v for k, v in bound.items() if k != "_commune_iri"}
    current = query.bindings({"commune": "13001"})
    assert current_communes(seed_store, current, ID) == (current, [])


def test_an_oversized_day_is_refused_without_being_echoed():
    with pytest.raises(LibraryError) as refused:
        get_query("coordination_participants").bindings({"at": "2010-07-01" + "9" * 1_000_000})
    assert len(refused.value.message_fr) < 400 and "AAAA-MM-JJ" in refused.value.message_fr
    assert "'2010-07-019999" in refused.value.message_fr and "…" in refused.value.message_fr


def test_the_partner_graph_follows_the_day(seed_store):
    """partner_graph_edges (the partner finder's graph) links an actor to a coordination only while it takes part:
    the DDASS until July 2010, the ARS since."""
    aix = ID + "coordination/asv-aix-en-provence"
    ddass, ars = ID + "acteur/ddass", ID + "acteur/ars-provence-alpes-cote-d-azur"
    member_of = "http://www.w3.org/ns/org#memberOf"

    def members(day: str) -> set[str]:
        rows = get_query("partner_graph_edges").values(seed_store, {"at": day})
        return {source for source, prop, target, _ in rows if prop == member_of and target == aix} & {ddass, ars}

    assert members("2010-01-01") == {ddass}
    assert members("2010-07-15") == {ddass, ars}
    assert members("2010-08-01") == members("today") == {ars}
