"""The pages « Contribuer » and « Relecture » under AppTest: a valid and an invalid proposal per kind (the French
message under its field), a correction pre-filled from a card, sending only once conforming, the reviewers'
sign-in."""

from __future__ import annotations

import time

import pytest

from app.viewer.contributions import CHECK_LIMIT, RATE_LIMIT, RATE_WINDOW_S, allowed, field_of
from graph_builder.contributions import reviewers
from graph_builder.contributions.store import ProposalStore
from graph_builder.problems import Problem

PASSWORD = "correct horse battery staple"


@pytest.fixture
def page(app, tmp_path, monkeypatch):
    """`page(**params)`: « Contribuer » on the seed build, proposals kept in a store of the test's own."""
    monkeypatch.setenv("MAILLAGE_CONTRIBUTIONS", str(tmp_path / "store"))
    return lambda name="contribuer", **params: app(name, **params)


def _widget(at, key: str):
    """The form's widget of `key`, or None while the page does not show it yet."""
    for kind in ("text_input", "text_area", "selectbox", "multiselect", "checkbox", "radio"):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    return None


def fill(at, values: dict):
    """Set the form's fields (keys without the `contrib.` prefix) as a visitor would; the page runs only when a
    field it does not show yet is reached (one that appears after a choice, a search's matches)."""
    for name, value in values.items():
        key = f"contrib.{name}"
        widget = _widget(at, key)
        if widget is None or name.endswith("territories") or name.endswith("places") or name.endswith("based_in"):
            at.run()  # the choices depend on what was typed before
            widget = _widget(at, key)
        if isinstance(value, list):
            for item in value:
                widget.select(item)
        elif isinstance(value, bool):
            widget.check() if value else widget.uncheck()
        elif hasattr(widget, "input"):
            widget.input(value)
        else:
            widget.set_value(value)
    at.run()
    assert not at.exception, at.exception
    return at


STATEMENT = {"contribution.role": "coordinatrice du CLS", "contribution.source_kind": "declaration",
             "contribution.licence": True}


def checked(at):
    at.button(key="contrib.check").click().run()
    assert not at.exception, at.exception
    return at


def errors(at) -> list[str]:
    return [e.value.replace("\u2060", "") for e in at.error]  # without the word joiners that keep links inert


def test_coordination_valid_is_checked_then_sent(page, tmp_path):
    at = page()
    assert at.button(key="contrib.send").disabled  # nothing sent before a check
    fill(at, {"coordination.type": "CLS", "coordination.label": "Contrat local de santé de Grenoble",
              "coordination.territories.search": "Grenoble", "coordination.territories": ["commune/38185"],
              "coordination.start": "2019", "coordination.themes": ["sante-mentale"],
              "coordination.porteur": "__nouvelle__", "porteur.label": "Ville de Grenoble",
              "porteur.kind": ["commune"], "coordination.cosignataires": ["__nouvelle__", "ars"], **STATEMENT,
              "personal.email": "camille@exemple.fr"})
    checked(at)
    assert errors(at) == [], errors(at)
    assert any("Proposition conforme" in s.value for s in at.success)
    assert not at.button(key="contrib.send").disabled
    at.button(key="contrib.send").click().run()
    assert any("envoyée" in s.value for s in at.success)
    [proposal] = ProposalStore(tmp_path / "store").all()
    assert "cls-contrat-local-de-sante-de-grenoble" in proposal.records and "ville-de-grenoble" in proposal.records
    assert "camille@exemple.fr" not in proposal.records and proposal.personal() == {"email": "camille@exemple.fr"}


def test_coordination_invalid_message_under_its_field(page):
    at = fill(page(), {"coordination.type": "CLS", "coordination.label": "CLS de Grenoble",
                       "coordination.start": "2019-13", "coordination.porteur": "ars"})
    checked(at)
    found = errors(at)
    # Under its field: the message alone (the located form « ERREUR — … » is for problems of no field).
    assert "valeur invalide : une date AAAA, AAAA-MM ou AAAA-MM-JJ est attendue." in found
    assert any(m.startswith("acceptez la licence CC BY 4.0") for m in found)
    assert any(m.startswith("indiquez d'où vient") for m in found)
    assert at.button(key="contrib.send").disabled


def test_experience_valid_and_invalid(page):
    at = fill(page(), {"kind": "experience", "experience.label": "Jardins partagés de quartier",
                       "experience.subject": "Des jardins partagés pour l'alimentation et le lien social.",
                       "experience.places.search": "38185", "experience.places": ["commune/38185"],
                       "experience.themes": ["nutrition"], "experience.axes": ["action-communautaire"],
                       "contribution.structure": "ars", **STATEMENT})
    checked(at)
    assert errors(at) == [], errors(at)
    # A recommendation is shown under its field, and does not block sending.
    assert any(w.value.startswith("Aucun déterminant de santé indiqué") for w in at.warning)
    assert not at.button(key="contrib.send").disabled
    fill(at, {"experience.references": "www.exemple.fr/rapport"})
    checked(at)
    assert ("valeur invalide : une adresse web commençant par http:// ou https:// est attendue." in errors(at))
    assert at.button(key="contrib.send").disabled


def test_actor_valid_and_invalid(page):
    at = fill(page(), {"kind": "actor", "actor.label": "Maison de santé du Village", **STATEMENT})
    checked(at)
    assert any("actor-kind" in m or "Type" in m or "type" in m for m in errors(at)), errors(at)
    fill(at, {"actor.kind": ["centre-de-sante"], "actor.based_in.search": "Grenoble", "actor.based_in": "commune/38185"})
    checked(at)
    assert errors(at) == [], errors(at)
    assert not at.button(key="contrib.send").disabled


def test_correction_prefilled_from_the_card_with_its_difference(page):
    at = page(corriger="coordination/asv-aix-en-provence")
    assert at.text_input(key="contrib.coordination.label").value == "Atelier santé ville d'Aix-en-Provence"
    assert at.multiselect(key="contrib.coordination.territories").value == ["commune/13001"]
    fill(at, {"coordination.end": "2030", "contribution.structure": "ville-aix-en-provence", **STATEMENT})
    diff = [c.value for c in at.code]
    assert any("+end: '2030'" in d for d in diff), diff
    checked(at)
    assert not [m for m in errors(at) if "existe déjà" in m], errors(at)


def test_unknown_card_to_correct(page):
    at = page(corriger="coordination/inconnue")
    assert any("Fiche à corriger introuvable" in m for m in errors(at))


def test_problem_fields_and_rate_limit():
    assert field_of(Problem("proposition", 3, "coordination x", "start", "", "")) == "coordination.start"
    assert field_of(Problem("proposition", 5, "participation x-porteur", "actor", "", "")) == "coordination.porteur"
    assert field_of(Problem("proposition", None, "contribution", "source", "", "")) == "contribution.source"
    assert allowed([0.0] * (RATE_LIMIT - 1), now=1.0) and not allowed([0.0] * RATE_LIMIT, now=1.0)
    assert allowed([0.0] * RATE_LIMIT, now=RATE_WINDOW_S + 1)
    assert allowed([0.0] * RATE_LIMIT, now=1.0, limit=CHECK_LIMIT) and not allowed([0.0] * CHECK_LIMIT, 1.0, CHECK_LIMIT)


def test_review_page_needs_a_reviewer(page, tmp_path, monkeypatch):
    monkeypatch.setattr(reviewers, "FIRST_DELAY_S", 0.05)
    reviewers.Reviewers(tmp_path / "store" / "relecteurs.json").add("alice", PASSWORD)
    from app.viewer.contributions import send_upload
    from graph_builder.contributions.records import Statement

    send_upload(Statement("ars", "declaration", "", True), "annuaire.csv", b"code;nom;communes\n<b>x</b>;y;z\n",
                {"email": "camille@exemple.fr"})
    at = page("relecture")
    assert not at.selectbox  # nothing of the queue before signing in
    at.text_input[0].input("alice")
    at.text_input[1].input("mauvais mot de passe")
    at.button[0].click().run()
    assert "Identifiants refusés." in errors(at) and not at.selectbox
    assert "mauvais" not in str(at.query_params)
    # The same failure counter per reviewer name as the command line's: the next try of that name waits.
    assert reviewers.Reviewers(tmp_path / "store" / "relecteurs.json").delay_for("alice") == 0.05
    at.session_state["review.failures"] = [time.time()] * 5  # a session that failed five times lately
    at.text_input[0].input("alice")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert "Trop d'essais : réessayez dans dix minutes." in errors(at) and not at.selectbox  # even the right password
    at.session_state["review.failures"] = []
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Connecté(e) : alice" in c.value for c in at.caption)
    assert reviewers.Reviewers(tmp_path / "store" / "relecteurs.json").delay_for("alice") == 0  # reset by a success
    assert any("<b>x</b>;y;z" in c.value for c in at.code)  # the uploaded directory, as text
    assert any("camille@exemple.fr" in c.value.replace("\u2060", "") for c in at.caption)  # for reviewers only


def test_cards_link_to_a_prefilled_correction(app):
    at = app("coordinations", id="coordination/asv-aix-en-provence")
    links = [el.proto for el in at.get("page_link") if "corriger" in str(el.proto)]
    assert links and "corriger=coordination%2Fasv-aix-en-provence" in str(links[0]), links
    assert "Proposer une correction" in str(links[0])


def test_upload_with_a_bad_line_told_by_line_and_column(tmp_path, monkeypatch):
    """A filled directory template sent from the page is read by `maillage import` itself, on a copy of the data:
    a bad line is told by its number and column, and nothing of the data changes."""
    from app.viewer.contributions import check_upload, send_upload
    from graph_builder.constants import DATA_DIR
    from graph_builder.contributions.records import Statement

    before = sorted(p.name for p in DATA_DIR.rglob("*"))
    header = "identifiant;type;nom;porteur;territoires;debut;fin;themes;missions;role_contact;source;licence\n"
    good = "asv-grenoble-envoi;ASV;Atelier santé ville de Grenoble;;38185;2010;;;;;;\n"
    bad = "asv-nazaire-envoi;ASV;Atelier santé ville de Saint-Nazaire;;Saint-Nazaire;2010;;;;;;\n"
    result, name = check_upload("mon annuaire.csv", (header + good + bad).encode("utf-8"))
    assert result.refused and name == "annuaire.csv"
    [problem] = [p for p in result.problems if p.blocking]
    assert problem.line == 3 and problem.column == "territoires"
    assert "ligne 3, colonne territoires" in problem.format("fr") and "44184" in problem.format("fr")
    assert sorted(p.name for p in DATA_DIR.rglob("*")) == before
    monkeypatch.setenv("MAILLAGE_CONTRIBUTIONS", str(tmp_path))
    pid = send_upload(Statement("ars", "declaration", "", True), name, (header + good).encode("utf-8"), {})
    [proposal] = ProposalStore(tmp_path).all()
    assert proposal.id == pid and proposal.meta["kind"] == "annuaire"
    assert (proposal.folder / "annuaire.csv").read_text(encoding="utf-8") == header + good
    with pytest.raises(Exception) as refused:
        check_upload("x.exe", b"MZ")
    assert "CSV ou XLSX" in refused.value.message_fr
