"""Competency questions: each query of queries/ on the built seed graph, with its exact answer from the seeds."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import ID, run_query


def test_five_types_with_their_territorial_scale(seed_store):
    rows = run_query(seed_store, "coordination_types_scale")
    scales = {row["code"]: set((row["scales"] or "").split()) for row in rows}
    assert scales == {
        "ASV": {"qpv", "commune", "epci"},  # 003: QPV "mais parfois communal ou intercommunal"
        "CLS": {"commune", "epci"},
        "CLSM": set(),  # not stated by the seeds: the note says so
        "RTPS": {"epci"},
        "CMT": {"departement"},
    }
    clsm = next(row for row in rows if row["code"] == "CLSM")
    assert clsm["scaleNote"]


def test_types_carrying_out_a_local_diagnosis_are_all_but_cmt(seed_store):
    rows = run_query(seed_store, "types_with_mission")
    assert [row["code"] for row in rows] == ["ASV", "CLS", "RTPS"]
    programme = run_query(seed_store, "types_with_mission", mission=f"{ID}mission/programme")
    assert [row["code"] for row in programme] == ["ASV", "CLS", "RTPS"]
    support = run_query(seed_store, "types_with_mission", mission=f"{ID}mission/accompagnement-methodologique")
    assert [row["code"] for row in support] == ["ASV", "CLS", "CMT", "RTPS"]
    assert "Pour l'ensemble des acteurs du territoire" in next(r for r in support if r["code"] == "CMT")["scopes"]


def test_the_five_ottawa_axes(seed_store):
    rows = run_query(seed_store, "ottawa_axes")
    assert [(row["notation"], row["labelFr"].rstrip(".")) for row in rows] == [
        ("1", "Développer des politiques publiques favorables à la santé"),
        ("2", "Créer des environnements favorables à la santé"),
        ("3", "Renforcer l'action communautaire"),
        ("4", "Développer les aptitudes individuelles"),
        ("5", "Réorienter les services de santé"),
    ]
    assert all(row["labelEn"] for row in rows)


def test_the_ten_2015_experiences_with_their_place(seed_store):
    rows = run_query(seed_store, "experiences_of_capitalisation")
    assert [row["rank"] for row in rows] == [str(i) for i in range(1, 11)]
    codes = [set(row["codes"].split()) for row in rows]
    assert codes[:6] == [{"93001"}, {"93014"}, {"95218"}, {"69123"}, {"13056", "13077"}, {"92050"}]
    assert "244200770" in codes[6]  # Saint-Étienne Métropole
    assert codes[7:] == [{"44184"}, {"67482"}, {"06152"}]
    places = [row["places"] for row in rows]
    assert places[0] == "Aubervilliers" and places[8] == "Strasbourg" and places[7] == "Saint-Nazaire"


def test_asv_profile_2012(seed_store):
    rows = run_query(seed_store, "statistical_profile")
    figures = sorted((row["indicator"], Decimal(row["value"])) for row in rows)
    assert figures == sorted([
        ("nombre-asv", Decimal(258)),
        ("part-asv-porteur", Decimal(54)), ("part-asv-porteur", Decimal(20)),
        ("part-asv-porteur", Decimal(11)), ("part-asv-porteur", Decimal(8)),
        ("part-asv-echelle", Decimal(69)),
        ("part-financement-etat", Decimal(45)),
        ("part-asv-etp-coordination", Decimal(55)), ("part-asv-etp-coordination", Decimal(22)),
    ])
    assert {row["source"] for row in rows} == {f"{ID}source/001"}
    assert all(row["survey"] for row in rows)


def test_regulatory_texts_on_asv_with_dates(seed_store):
    rows = run_query(seed_store, "regulatory_texts")
    assert [row["date"] for row in rows] == ["1999-12-14", "2000-06-13", "2006-09-04", "2012-03"]
    assert [row["kind"] for row in rows] == [
        "decision-interministerielle", "circulaire", "circulaire-interministerielle", "referentiel"]
    assert "2006-383" in rows[2]["number"]
    cls = run_query(seed_store, "regulatory_texts", coordinationType=f"{ID}coordination-type/CLS")
    assert [row["date"] for row in cls] == ["2009", "2016-01"]


def test_members_of_aix_steering_committee(seed_store):
    rows = run_query(seed_store, "coordination_members_by_role")
    kinds = sorted(kind for row in rows for kind in row["kinds"].split())
    assert len(rows) == 10, [row["actorLabel"] for row in rows]
    for expected in ("etat", "assurance-maladie", "commune", "region", "departement", "education-nationale",
                     "habitants"):
        assert expected in kinds, expected
    assert kinds.count("elu") >= 2
    coordinator = run_query(seed_store, "coordination_members_by_role", role=f"{ID}role/coordonnateur")
    assert len(coordinator) == 1 and "Borrás" not in coordinator[0]["actorLabel"]


def test_added_values_for_professionals(seed_store):
    rows = run_query(seed_store, "added_values")
    by_aspect: dict[str, list[str]] = {}
    for row in rows:
        by_aspect.setdefault(row["aspect"], []).append(row["label"])
    assert by_aspect["comment"] == [
        "Par un travail en réseau", "Par la mise en place de partenariats", "Par l'organisation de formations"]
    assert len(by_aspect["effets"]) == 4
    assert by_aspect["effets"][0].startswith("Un renforcement des compétences")
    assert by_aspect["synthese"] == [
        "Renforcement des compétences", "Modification des pratiques", "Constitution d'un réseau réactif"]


def test_who_concludes_a_cls(seed_store):
    rows = run_query(seed_store, "type_concluded_between")
    assert [row["code"] for row in rows] == ["ars", "collectivite-locale"]


def test_types_listing_mental_health(seed_store):
    rows = run_query(seed_store, "types_with_theme")
    assert [row["code"] for row in rows] == ["ASV", "CLS", "CLSM", "RTPS"]
    housing = run_query(seed_store, "types_with_theme", theme=f"{ID}theme/habitat-indigne")
    assert [row["code"] for row in housing] == ["CLS", "RTPS"]


def test_every_query_has_a_documented_header():
    from maillage.library import read_header
    from tests.conftest import QUERIES

    for path in sorted(QUERIES.glob("*.rq")):
        header = read_header(path.read_text(encoding="utf-8"))
        assert header.get("summary", "").endswith("?"), path.name
        assert header.get("description") and header.get("tags"), path.name
