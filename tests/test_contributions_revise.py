"""An accepted correction replaces the value it corrects; the earlier value stays traceable in the history graph.

One module fixture accepts four corrections of the Aix-en-Provence ASV into a copy of the pristine build
(tests/conftest.py), each rebuilt incrementally as `maillage contributions accept` does: its label, start date and
missions (a list); its label again; then the same values (a correction that changes nothing); then the same values
with its objectives emptied (French and English). The tests read the builds kept after each step, then one full
build of the final data is compared byte for byte."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from graph_builder import Settings
from graph_builder.builder import build
from graph_builder.contributions import review
from graph_builder.contributions.check import check_proposal
from graph_builder.contributions.records import Statement, render, today
from graph_builder.contributions.store import ProposalStore
from graph_builder.problems import blocking
from maillage.cli.main import main
from maillage.stores import EndpointStore, OxigraphStore
from tests.conftest import EPOCH, ID, run_query, with_places

AIX = f"{ID}coordination/asv-aix-en-provence"
COORDINATION = "https://w3id.org/maillage/def/core#Coordination"
HISTORY = f"{ID}graph/history"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ORIGINAL, FIRST, SECOND = ("Atelier santé ville d'Aix-en-Provence", "Atelier santé ville du Pays d'Aix",
                           "Atelier santé ville d'Aix-en-Provence et du Pays d'Aix")
TIMES = ("2026-12-06T10:00:00Z", "2026-12-06T11:00:00Z", "2026-12-06T12:00:00Z", "2026-12-06T13:00:00Z")
CLEARS = ((), (), (), ("objectives", "objectives_en"))  # what each correction empties
OBJECTIVES = "https://w3id.org/maillage/def/core#objective"


def aix(label: str, start: str = "2004", missions: tuple[str, ...] = ("diagnostic",)) -> list[tuple[str, dict]]:
    """The ASV's record as the correction form makes it (its own fields; the type and territory unchanged)."""
    return [("coordination", {"id": "asv-aix-en-provence", "label": label, "type": "ASV",
                              "territories": ["commune/13001"], "start": start, "missions": list(missions)})]


def correction(revises: list[str], clears: tuple[str, ...] = ()) -> Statement:
    return Statement("ville-aix-en-provence", "lien", "https://www.aixenprovence.fr/asv", True,
                     target={"kind": "coordination", "id": "asv-aix-en-provence"}, revises=revises,
                     structure_label="Ville d'Aix-en-Provence", clears=list(clears))


@pytest.fixture(scope="module")
def steps(pristine, tmp_path_factory):
    """The pristine build, then the build after each accepted correction (a copy of its outputs per step):
    {"data", "out", "ids", "dumps": [before, after 1, after 2, after 3, after 4]}."""
    folder = tmp_path_factory.mktemp("revise")
    data, out = folder / "data", folder / "out"
    shutil.copytree(pristine[0], data)
    shutil.copytree(pristine[1], out, symlinks=True)
    store = ProposalStore(folder / "store")
    settings = Settings(data_dir=data)
    dumps, ids = [pristine[1] / "maillage.nq"], []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        for n, (records, when, clears) in enumerate(zip((aix(FIRST), aix(SECOND), aix(SECOND), aix(SECOND)), TIMES,
                                                        CLEARS, strict=True)):
            revises = review.current_record(settings, "coordination", "asv-aix-en-provence")["source"]
            statement = correction(revises if isinstance(revises, list) else [revises], clears)
            pid = store.submit(lambda p, s=statement, r=records: render(p, s, r, today()),
                               statement.as_meta("correction"))
            outcomes = []

            def rebuild(outcomes=outcomes):
                outcomes.append(build(settings, out))
                return blocking(outcomes[-1].problems)

            patch.setattr(review, "now_utc", lambda when=when: when)
            review.accept(store, pid, "alice", settings, rebuild)
            assert outcomes[-1].kind == "incremental", outcomes[-1].full_reason
            ids.append(pid)
            dumps.append(folder / f"maillage-{n + 1}.nq")
            shutil.copy(out / "maillage.nq", dumps[-1])
    return {"data": data, "out": out, "ids": ids, "dumps": dumps}


class _Stores:
    """The embedded store over a step's dump (the library's reader of a built graph), each loaded once when read."""

    def __init__(self, dumps):
        self.dumps, self.loaded = dumps, {}

    def __getitem__(self, step: int) -> OxigraphStore:
        if step not in self.loaded:
            self.loaded[step] = OxigraphStore.from_file(self.dumps[step], trusted=True)
        return self.loaded[step]


@pytest.fixture(scope="module")
def stores(steps):
    return _Stores(steps["dumps"])


def card(store, field: str) -> list[str]:
    """The values of a field of the ASV's card, as the viewer's card reads them (entity_cards)."""
    return [row["value"] for row in run_query(store, "entity_cards", kind=COORDINATION, entity=AIX, lang="fr")
            if row["field"] == field]


def title(ident: str) -> str:
    return f"Contribution de Ville d'Aix-en-Provence du {int(ident[6:8])} décembre {ident[:4]}"


def test_a_correction_replaces_the_label_the_date_and_the_list(steps, stores):
    first = stores[1]  # before: the pristine build's label and start, ORIGINAL and 2003-05 (the diff test reads them)
    assert card(first, "label") == [FIRST]
    assert card(first, "start") == ["2004"]
    assert card(first, "mission") == [f"{ID}mission/diagnostic"]  # the correction's list replaces the earlier one
    # A field the correction leaves as it was keeps its earlier value and source: the type, from both.
    rows = run_query(first, "sources_of_entity", entity=AIX)
    typed = {row["graph"] for row in rows if row["property"].endswith("#coordinationType")}
    assert typed == {f"{ID}graph/002", f"{ID}graph/contribution-{steps['ids'][0]}"}
    labels = [(row["value"], row["graph"]) for row in rows if row["property"] == LABEL]
    assert labels == [(FIRST, f"{ID}graph/contribution-{steps['ids'][0]}")]
    # The English label is not replaced by a French one.
    english = run_query(first, "entity_cards", kind=COORDINATION, entity=AIX, lang="en")
    assert [r["value"] for r in english if r["field"] == "label"] == ["Aix-en-Provence City Health Workshop (ASV)"]


def test_the_earlier_values_are_in_the_history_with_their_source(steps, stores):
    rows = run_query(stores[1], "entity_history", entity=AIX)
    replaced = {(row["property"].rsplit("/", 1)[-1].rsplit("#", 1)[-1], row["value"]) for row in rows}
    assert replaced == {("label", ORIGINAL), ("startDate", "2003-05"), ("mission", f"{ID}mission/programme")}
    assert {row["source"] for row in rows} == {"https://w3id.org/maillage/id/source/002"}
    assert {row["replacedAt"] for row in rows} == {TIMES[0]}
    assert {row["replacedByTitle"] for row in rows} == {title(steps["ids"][0])}
    assert all(row["sourceTitle"] for row in rows)
    # The history is read by no query of current facts: a reified statement asserts nothing.
    for store in (stores[1], stores[2]):
        found = store.store.query(f"ASK {{ <{AIX}> <{LABEL}> \"{ORIGINAL}\"@fr }}", use_default_graph_as_union=True)
        assert not bool(found)


def test_the_latest_accepted_correction_wins(steps, stores):
    second = stores[2]
    assert card(second, "label") == [SECOND]
    assert card(second, "start") == ["2004"]  # given again by the second: still the first's, the same value
    rows = run_query(second, "entity_history", entity=AIX)
    labels = [(row["value"], row["source"].rsplit("/", 1)[-1], row["replacedAt"]) for row in rows
              if row["property"] == LABEL]
    assert labels == [(ORIGINAL, "002", TIMES[0]), (FIRST, f"contribution-{steps['ids'][0]}", TIMES[1])]
    # The next correction's form starts from the current values, every source of the card named as revised.
    current = review.current_record(Settings(data_dir=steps["data"]), "coordination", "asv-aix-en-provence")
    assert current["label"] == SECOND and current["start"] == "2004" and current["missions"] == ["diagnostic"]
    assert current["source"] == ["002", *(f"contribution-{pid}" for pid in steps["ids"])]
    assert current["label_en"] == "Aix-en-Provence City Health Workshop (ASV)"


def _union(dump) -> set[bytes]:
    """The distinct triples of a dump's named graphs (its lines without their graph), the build's own description
    (the metadata graph: sizes, dates) left out."""
    metadata = f"<{ID}graph/metadata>".encode()
    return {line.rsplit(b" ", 2)[0] for line in dump.read_bytes().splitlines()
            if line and line.rsplit(b" ", 2)[1] != metadata}


def test_a_correction_that_changes_nothing_adds_only_its_provenance(steps):
    before, after = _union(steps["dumps"][2]), _union(steps["dumps"][3])
    assert before <= after
    new = steps["ids"][2]
    added = after - before
    document = f"<{ID}source/contribution-{new}>".encode()
    # Its document (described in the sources graph) and the ASV's link to it: nothing else.
    assert added and all(document in line for line in added), sorted(added)[:20]
    assert f"<{AIX}> <http://purl.org/dc/terms/source> {document.decode()}".encode() in added


def test_an_emptied_field_leaves_the_graph_for_the_history(steps, stores):
    """The fourth correction empties the objectives (both languages): none is current, each is in the history with
    its source, and the next correction's form starts without them."""
    def objectives(store) -> set[str]:
        return {str(row[0]) for row in store.select(f"SELECT ?o WHERE {{ <{AIX}> <{OBJECTIVES}> ?o }}")}

    before = objectives(stores[3])
    assert len(before) == 2 and objectives(stores[4]) == set()  # French and English, then none
    rows = [row for row in run_query(stores[4], "entity_history", entity=AIX) if row["property"] == OBJECTIVES]
    assert {row["value"] for row in rows} == before
    assert {row["source"].rsplit("/", 1)[-1] for row in rows} == {"002"}
    assert {row["replacedAt"] for row in rows} == {TIMES[3]} and {row["replacedByTitle"] for row in rows} == {
        title(steps["ids"][3])}
    assert card(stores[4], "label") == [SECOND]  # what it gives again stays
    current = review.current_record(Settings(data_dir=steps["data"]), "coordination", "asv-aix-en-provence")
    assert "objectives" not in current and "objectives_en" not in current and current["label"] == SECOND
    assert current["history"]  # a field it neither gives nor empties keeps its value


def test_a_field_to_empty_that_the_record_has_not_is_a_located_problem(seed_store):
    text = render("20261206-000000-00000000", correction(["002"], ("objectifs", "end")), aix(FIRST), today())
    check = check_proposal(Settings(), text, seed_store.store, correction(["002"], ("objectifs", "end")),
                           {"kind": "coordination", "id": "asv-aix-en-provence"})
    found = [p for p in check.problems if p.field == "clears"]
    assert [p.value for p in found] == ["objectifs"], [p.format() for p in check.problems]  # « end » is a field
    assert "champ à vider inconnu" in found[0].message("fr") and "objectives" in found[0].message("fr")
    assert found[0].message("en").startswith("unknown field to empty") and blocking(found)


def test_the_form_empties_what_the_contributor_left_blank():
    """The correction form's fields left blank that the card holds are emptied; the fields the form does not show,
    the nested records and the id never are."""
    from app.viewer.contributions import actor_records, cleared_fields, coordination_records

    before = {"id": "asv-x", "label": "ASV", "end": "2020", "objectives": ["a"], "description": ["d"],
              "participations": [{"actor": "ars", "role": "porteur"}], "themes": []}
    records = coordination_records({"id": "asv-x", "label": "ASV", "type": "ASV", "end": "", "objectives": ""}, None)
    assert cleared_fields(before, records, "coordination") == ["end", "objectives"]
    before["label_en"] = "Health workshop"  # the English name, shown by the form, emptied when left blank
    assert cleared_fields(before, records, "coordination") == ["label_en", "end", "objectives"]
    actor = {"id": "ars", "label": "ARS", "url": ["https://ars.example"], "email": ["contact@ars.example"]}
    records = actor_records({"id": "ars", "label": "ARS", "kind": ["ars"], "url": "https://ars.example"})
    assert cleared_fields(actor, records, "actor") == ["email"]


def test_full_build_equals_the_incremental_rebuilds(steps, tmp_path, monkeypatch):
    from tests.test_incremental import _same_as_full

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    _same_as_full(steps["data"], steps["out"], tmp_path)


@pytest.fixture(scope="module")
def small(steps, tmp_path_factory):
    """The build after the second correction without the referential's places (loaded in seconds), and the
    embedded store over it: what the servers are compared with."""
    folder = tmp_path_factory.mktemp("revise-small")
    (folder / "build").mkdir()
    (folder / "small").mkdir()
    shutil.copy(steps["dumps"][2], folder / "build" / "maillage.nq")
    shutil.copy(steps["out"] / "manifest.json", folder / "build" / "manifest.json")
    built = with_places(folder / "build", set(), folder / "small")
    return built, OxigraphStore.from_file(built / "maillage.nq", trusted=True)


def _same_answers(remote, embedded) -> None:
    """The card's query and the history's give the embedded store's rows (one label, the second correction's)."""
    for name, params in (("entity_cards", {"kind": COORDINATION}), ("entity_history", {})):
        assert run_query(remote, name, entity=AIX, **params) == run_query(embedded, name, entity=AIX, **params), name
    assert card(remote, "label") == [SECOND]
    assert len(run_query(remote, "entity_history", entity=AIX)) == 4


def test_the_oxigraph_server_sees_one_label(small, tmp_path):
    """The Oxigraph server (union default graph, as `maillage serve` runs it)."""
    from maillage.endpoint.oxigraph_server import OxigraphServer, oxigraph_binary

    location = tmp_path / "db"
    subprocess.run([oxigraph_binary(), "load", "--location", str(location), "--file", str(small[0] / "maillage.nq")],
                   check=True, capture_output=True)
    with OxigraphServer(location, timeout_s=30) as server:
        _same_answers(EndpointStore(f"{server.url}/query"), small[1])


def test_virtuoso_sees_one_label(small, tmp_path):
    """Virtuoso (Debian's, its default graph the union of the loaded graphs, docs/engines.md), loaded by `maillage
    load`: a private instance, the session's holds the library build the engines test compares."""
    from tests.virtuoso import Virtuoso

    (tmp_path / "virtuoso").mkdir()
    with Virtuoso(tmp_path / "virtuoso") as server:
        loaded = CliRunner().invoke(main, ["load", "--endpoint", server.graph_store, "--out", str(small[0])],
                                    env={"MAILLAGE_LOAD_USER": server.user, "MAILLAGE_LOAD_PASSWORD": server.password})
        assert loaded.exit_code == 0, loaded.output
        _same_answers(EndpointStore(server.sparql), small[1])


def test_diff_shows_the_record_changed(steps):
    result = CliRunner().invoke(main, ["diff", str(steps["dumps"][0].parent), str(steps["out"]), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = {entity["iri"]: entity for entity in json.loads(result.output)["entities"]}
    assert found[AIX]["change"] == "changed"
    assert not any("/historique/" in iri or "/correction/" in iri for iri in found)
    label = next(p for p in found[AIX]["properties"] if p["property"] == LABEL)
    assert [SECOND in v for v in label["added"]] == [True] and [ORIGINAL in v for v in label["removed"]] == [True]


def test_a_label_correction_passes_the_check(seed_store):
    """Before, the check refused it (« un seul nom par langue »: the earlier label and the correction's)."""
    text = render("20261206-000000-00000000", correction(["002"]), aix(FIRST), today())
    check = check_proposal(Settings(), text, seed_store.store, correction(["002"]),
                           {"kind": "coordination", "id": "asv-aix-en-provence"})
    assert check.conforms, [p.format() for p in check.problems]


def test_the_shapes_catch_two_values_of_a_single_valued_field(data_copy):
    """Two curated sources that disagree (no correction between them) are reported: the double label as before, and
    the fields the shapes did not bound (a coordination's role to contact); a document that empties a field without
    correcting any source too."""
    from tests.conftest import build_with

    path = data_copy / "coordinations.yaml"
    text = path.read_text(encoding="utf-8")
    label = '    label: "Atelier santé ville d\'Aix-en-Provence"\n'
    assert text.count(label) == 1 and "\ncoordination:\n" in text
    text = text.replace(label, label + "    contact_role: porteur\n")
    extra = ("  - id: asv-aix-en-provence\n    source: \"001\"\n    label: \"ASV d'Aix\"\n    type: ASV\n"
             "    contact_role: coordonnateur\n")
    path.write_text(text.replace("\ncoordination:\n", f"\ncoordination:\n{extra}", 1), encoding="utf-8")
    sources = data_copy / "sources.yaml"  # and a field to empty in a document that corrects nothing
    text = sources.read_text(encoding="utf-8")
    assert text.count('  - id: "001"\n') == 1
    sources.write_text(text.replace('  - id: "001"\n', '  - id: "001"\n    clears: [end]\n'), encoding="utf-8")
    fields = {(p.record, p.field) for p in build_with(data_copy).problems if p.severity == "violation"}
    assert {("coordination asv-aix-en-provence", "label"), ("coordination asv-aix-en-provence", "contact_role")} <= fields
    assert ("source_document 001", "revises") in fields, sorted(fields)


def test_the_card_shows_the_corrected_label_its_source_and_history(steps, monkeypatch):
    """The viewer on the build after the second correction: the corrected name, « Source : contribution de … », and
    the replaced names with their sources and dates (text only)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import MAIN

    monkeypatch.setenv("MAILLAGE_OUT", str(steps["out"]))
    at = AppTest.from_file(MAIN, default_timeout=60)
    at.session_state["lang"] = "fr"
    at.run()
    at.switch_page("views/coordinations.py")
    at.query_params["id"] = "coordination/asv-aix-en-provence"
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == SECOND
    text = "\n".join(m.value for m in at.markdown).replace("\\", "")  # Markdown's escapes
    first, second = (f"{title(pid)} (source/contribution-{pid})" for pid in steps["ids"][:2])
    lines = [line for line in text.splitlines() if line.startswith("**Corrigé**")]
    fourth = f"{title(steps['ids'][3])} (source/contribution-{steps['ids'][3]})"
    assert len(lines) == 3 and lines[1] == f"**Corrigé** (libellé) — Source : {second}", lines
    assert lines[2].startswith("**Corrigé** (objecti") and lines[2].endswith(f" — Source : {fourth}"), lines
    assert lines[0].endswith(f" — Source : {first}") and "date de début" in lines[0], lines
    history = next(e for e in at.expander if e.label == "Historique des corrections")
    shown = "\n".join(m.value for m in history.markdown).replace("\\", "")
    assert f"libellé : « {ORIGINAL} » — source : " in shown, shown
    assert f"« {FIRST} » — source : {title(steps['ids'][0])}" in shown, shown
    assert f"remplacé le 6 décembre 2026 par {title(steps['ids'][0])}" in shown, shown
