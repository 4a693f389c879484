"""`maillage contributions`: the review queue from the command line (graph_builder.contributions).

Every command but `reviewer add` needs a reviewer's credentials: `--reviewer NAME` and the password, asked
without echo (or read from MAILLAGE_REVIEWER_PASSWORD, for scripts); never an option, so that it stays out of
shell histories, process lists and logs. Exit codes, beside common.py's: 6 credentials refused (after a delay
that grows with failures), 7 no such proposal, or already decided.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
import pyoxigraph as ox

from graph_builder.constants import PROJECT_ROOT
from graph_builder.contributions import review
from graph_builder.contributions.records import SOURCE_KINDS, Statement, records_of
from graph_builder.contributions.reviewers import Reviewers
from graph_builder.contributions.store import STATUSES, ProposalError, ProposalStore
from graph_builder.problems import BuildError, blocking
from graph_builder.publication.generations import OutputLocked
from maillage.cli.common import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    LANG,
    err,
    exit_unreadable,
    exit_unreadable_bilingual,
    fail,
    make_settings,
    out,
    print_problems,
    settings_options,
    status,
)

EXIT_AUTH, EXIT_PROPOSAL = 6, 7
PASSWORD_ENV = "MAILLAGE_REVIEWER_PASSWORD"

STORE = click.option("--store", "store_dir", type=click.Path(path_type=Path), envvar="MAILLAGE_CONTRIBUTIONS",
                     default=None, help="Proposal store (env MAILLAGE_CONTRIBUTIONS; default contributions/).")
REVIEWERS = click.option("--reviewers", "reviewers_file", type=click.Path(path_type=Path), envvar="MAILLAGE_REVIEWERS",
                         default=None, help="Reviewers file (env MAILLAGE_REVIEWERS; default <store>/relecteurs.json).")
REVIEWER = click.option("--reviewer", required=True, help="Your reviewer name (the password is asked).")
OUT = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=PROJECT_ROOT / "build",
                   show_default="build/", help="The built graph the proposals are checked against and rebuilt into.")


def reviewed(command):
    """The options of every review command: the proposal store, the reviewers' file, the reviewer's name."""
    return STORE(REVIEWERS(REVIEWER(command)))


def _store(store_dir: Path | None) -> ProposalStore:
    return ProposalStore(store_dir)


def _reviewers(store: ProposalStore, reviewers_file: Path | None) -> Reviewers:
    return Reviewers(reviewers_file or store.root / "relecteurs.json")


def _authenticated(store: ProposalStore, reviewers_file: Path | None, name: str) -> str:
    """The reviewer's name once their password is checked; exit 6 otherwise (after the growing delay)."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt("Mot de passe / Password", hide_input=True, err=True)
    try:
        return _reviewers(store, reviewers_file).require(name, password)
    except ProposalError as exc:
        exit_unreadable_bilingual(exc, EXIT_AUTH)


def _title(records: str) -> str:
    found = records_of(records)
    if not found:
        return ""
    kind, data = found[-1]  # the proposed record itself, after the structure declared with it
    return f"{kind} {data.get('id', '')} — {data.get('label', '')}"


@click.group()
def contributions() -> None:
    """Review the proposals sent from the viewer's page « Contribuer »."""


@contributions.command("list")
@reviewed
@click.option("--status", "wanted", type=click.Choice(sorted(STATUSES)), default=None, help="Only this status.")
@LANG
def list_(store_dir, reviewers_file, reviewer, wanted, lang):
    """The proposals, oldest first."""
    store = _store(store_dir)
    _authenticated(store, reviewers_file, reviewer)
    fr = lang == "fr"
    # One line per proposal, tab-separated: read by people and by `cut`/`grep` alike.
    click.echo("\t".join(("identifiant", "envoyée", "type", "statut", "contenu") if fr else
                         ("id", "sent", "kind", "status", "content")))
    for proposal in store.all():
        if wanted and proposal.status != wanted:
            continue
        meta = proposal.meta
        click.echo("\t".join((proposal.id, meta.get("submitted_at", ""), meta.get("kind", ""),
                              STATUSES[proposal.status][0 if fr else 1], _title(proposal.records))))


def _open_graph(out_dir: Path) -> ox.Store | None:
    from graph_builder.incremental.state import state_dir

    path = state_dir(out_dir) / "store"
    return ox.Store.read_only(str(path)) if path.is_dir() else None


@contributions.command()
@click.argument("ident")
@reviewed
@OUT
@settings_options
def show(ident, store_dir, reviewers_file, reviewer, out_dir, data_dir, ontology_dir, shapes_dir, base, lang):
    """A proposal: its statement, its records, their validation and their difference with the data."""
    from graph_builder.contributions.check import check_proposal

    store = _store(store_dir)
    _authenticated(store, reviewers_file, reviewer)
    settings = make_settings(data_dir, ontology_dir, shapes_dir, base)
    fr = lang == "fr"
    try:
        proposal = store.get(ident)
    except ProposalError as exc:
        fail(exc, lang, EXIT_PROPOSAL)
    meta = proposal.meta
    statement = Statement.from_meta(meta)
    kind_text = SOURCE_KINDS.get(statement.source_kind, ("?", "?"))[0 if fr else 1]
    lines = [(("Proposition", "Proposal"), proposal.id), (("Statut", "Status"), STATUSES[proposal.status][0 if fr else 1]),
             (("Envoyée le", "Sent on"), meta.get("submitted_at", "")), (("Type", "Kind"), meta.get("kind", "")),
             (("Structure", "Structure"), statement.structure), (("Rôle", "Role"), statement.role),
             (("Source", "Source"), f"{kind_text} {statement.source_value}".strip()),
             (("Licence", "Licence"), meta.get("licence", "") + (" ✓" if statement.licence_accepted else " ✗"))]
    for decision in meta.get("decisions", []):
        lines.append(((f"Décision ({decision['at']})", f"Decision ({decision['at']})"),
                      f"{STATUSES[decision['status']][0 if fr else 1]} — {decision['reviewer']} {decision['reason']}"))
    personal = proposal.personal()
    if personal:
        lines.append((("Contact (privé)", "Contact (private)"), f"{personal.get('name', '')} <{personal.get('email', '')}>"))
    for label, value in lines:
        out.print(f"[bold]{label[0 if fr else 1]}[/bold] : {value}" if fr else f"[bold]{label[1]}[/bold]: {value}",
                  highlight=False)
    out.print(proposal.records, markup=False, highlight=False)
    if meta.get("kind") == "annuaire" and review.upload_of(proposal).suffix == ".csv":
        out.print(review.upload_of(proposal).read_text(encoding="utf-8", errors="replace"), markup=False,
                  highlight=False)
    if statement.target:
        before = review.current_record(settings, statement.target["kind"], statement.target["id"])
        after = next((data for kind, data in records_of(proposal.records) if kind == statement.target["kind"]), {})
        for line in review.difference(before, after):
            out.print(line, markup=False, highlight=False,
                      style="green" if line.startswith("+") else "red" if line.startswith("-") else None)
    graph = _open_graph(out_dir)
    if graph is None:
        err.print("Pas de graphe construit dans --out : lancez « maillage build » pour vérifier la proposition."
                  if fr else "No built graph in --out: run 'maillage build' to check the proposal.", style="yellow")
        return
    try:
        check = check_proposal(settings, proposal.records, graph, statement, statement.target)
    except BuildError as exc:
        exit_unreadable(exc, lang)
    print_problems(check.problems, lang)
    err.print(("Conforme." if check.conforms else "NON conforme.") if fr else
              ("Conforms." if check.conforms else "Does NOT conform."), style="green" if check.conforms else "red")


@contributions.command()
@click.argument("ident")
@reviewed
@OUT
@settings_options
def accept(ident, store_dir, reviewers_file, reviewer, out_dir, data_dir, ontology_dir, shapes_dir, base, lang):
    """Publish a proposal: its file joins data/contributions/ and the graph is rebuilt into --out."""
    from graph_builder.builder import build as build_and_publish

    store = _store(store_dir)
    name = _authenticated(store, reviewers_file, reviewer)
    settings = make_settings(data_dir, ontology_dir, shapes_dir, base)
    outcomes = []

    def rebuild():
        with status() as progress:
            outcome = build_and_publish(settings, out_dir, progress=progress)
        outcomes.append(outcome)
        if outcome.write_error is not None:
            raise outcome.write_error
        return blocking(outcome.problems)

    try:
        proposal = review.accept(store, ident, name, settings, rebuild)
    except ProposalError as exc:
        if outcomes:
            print_problems(outcomes[-1].problems, lang)
        fail(exc, lang, EXIT_PROBLEMS if outcomes else EXIT_PROPOSAL)
    except BuildError as exc:
        exit_unreadable(exc, lang)
    except OutputLocked as exc:
        exit_unreadable_bilingual(exc, 5)
    err.print((f"Proposition {ident} acceptée : {proposal.meta['published']} ; graphe reconstruit dans {out_dir}."
               if lang == "fr" else f"Proposal {ident} accepted: {proposal.meta['published']}; graph rebuilt in "
               f"{out_dir}."), style="green", markup=False)


def _decision(action, ident, store_dir, reviewers_file, reviewer, reason, lang, done_fr, done_en):
    store = _store(store_dir)
    name = _authenticated(store, reviewers_file, reviewer)
    try:
        action(store, ident, name, reason)
    except ProposalError as exc:
        fail(exc, lang, EXIT_PROPOSAL if "introuvable" in exc.message_fr or "déjà" in exc.message_fr else EXIT_USAGE)
    err.print(done_fr if lang == "fr" else done_en, markup=False)


def _decision_command(name: str, action, reason_help: str, summary: str, done_fr: str, done_en: str):
    """A review decision with its reason (reject, ask): the same options, the same checks, its own words."""

    @contributions.command(name, help=summary)
    @click.argument("ident")
    @click.option("--reason", required=True, help=reason_help)
    @reviewed
    @LANG
    def decide(ident, reason, store_dir, reviewers_file, reviewer, lang):
        _decision(action, ident, store_dir, reviewers_file, reviewer, reason, lang,
                  done_fr.format(ident=ident), done_en.format(ident=ident))

    return decide


reject = _decision_command("reject", review.reject, "Why (told to the contributor).", "Reject a proposal, with the reason.",
                           "Proposition {ident} refusée.", "Proposal {ident} rejected.")
ask = _decision_command("ask", review.ask_changes, "The change asked for.", "Ask the contributor for a change.",
                        "Modification demandée pour {ident}.", "Change asked for {ident}.")


@contributions.command()
@click.argument("email")
@reviewed
@LANG
def forget(email, store_dir, reviewers_file, reviewer, lang):
    """Erase a contributor's personal data (name, e-mail) from every proposal."""
    store = _store(store_dir)
    _authenticated(store, reviewers_file, reviewer)
    forgotten = store.forget(email)
    err.print(f"Données personnelles effacées de {len(forgotten)} proposition(s)." if lang == "fr"
              else f"Personal data erased from {len(forgotten)} proposal(s).")


@contributions.group()
def reviewer() -> None:
    """Reviewers (names and hashed passwords)."""


@reviewer.command("add")
@click.argument("name")
@STORE
@REVIEWERS
def reviewer_add(name, store_dir, reviewers_file):
    """Declare a reviewer, or change their password (asked twice, without echo)."""
    store = _store(store_dir)
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt("Mot de passe / Password", hide_input=True, confirmation_prompt=True, err=True)
    try:
        _reviewers(store, reviewers_file).add(name, password)
    except ProposalError as exc:
        exit_unreadable_bilingual(exc, EXIT_USAGE)
    err.print(f"Relecteur « {name.strip()} » enregistré. / Reviewer '{name.strip()}' saved.", markup=False)


COMMANDS = [contributions]
