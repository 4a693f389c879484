"""Relecture: the reviewers' page, behind their name and password (st.form: nothing in the URL).

A failed sign-in waits (the delay doubles with the failures of that name, graph_builder.contributions.reviewers)
and a session that fails five times is refused for ten minutes. Once signed in, a reviewer sees each proposal,
its check by the build's rules and its difference with the card, and accepts, asks for a change or rejects.
"""

import time

import streamlit as st

from app.viewer import contributions as c
from app.viewer.text import md
from app.viewer.ui import graph, lang, t
from graph_builder.contributions import review
from graph_builder.contributions.records import SOURCE_KINDS, Statement, records_of
from graph_builder.contributions.reviewers import Reviewers
from graph_builder.contributions.store import STATUSES, ProposalError

SESSION_FAILURES = 5  # failed sign-ins a session may make within the contributions' rate window (10 min)
g = graph()
st.title(t("Relecture des contributions", "Reviewing contributions"))
reviewer = st.session_state.get("review.name")
if reviewer is None:
    failures = st.session_state.setdefault("review.failures", [])
    with st.form("review.signin"):
        name = st.text_input(t("Nom de relecteur", "Reviewer name"))
        password = st.text_input(t("Mot de passe", "Password"), type="password")
        submitted = st.form_submit_button(t("Se connecter", "Sign in"))
    if submitted:
        if not c.allowed(failures, limit=SESSION_FAILURES):
            st.error(t("Trop d'essais : réessayez dans dix minutes.", "Too many attempts: try again in ten minutes."))
        elif Reviewers(c.reviewers_file()).check(name, password):
            st.session_state["review.name"] = name
            st.rerun()
        else:
            failures.append(time.time())
            st.error(t("Identifiants refusés.", "Credentials refused."))
    st.stop()

st.caption(t(f"Connecté(e) : {md(reviewer)}", f"Signed in: {md(reviewer)}"))
if st.button(t("Se déconnecter", "Sign out")):
    st.session_state.pop("review.name")
    st.rerun()
store = c.store()
proposals = store.all()
waiting = [p for p in proposals if p.status in ("pending", "changes")]
st.caption(t(f"{len(waiting)} proposition(s) à relire sur {len(proposals)}",
             f"{len(waiting)} proposal(s) to review out of {len(proposals)}"))
if not proposals:
    st.stop()
labels = {p.id: f"{p.id} — {STATUSES[p.status][0 if lang() == 'fr' else 1]}" for p in proposals}
chosen = st.selectbox(t("Proposition", "Proposal"), [p.id for p in waiting + [p for p in proposals if p not in waiting]],
                      format_func=labels.get, key="review.chosen")
proposal = store.get(chosen)
statement = Statement.from_meta(proposal.meta)
st.table({t("Champ", "Field"): [t("Type", "Kind"), t("Structure", "Structure"), t("Rôle", "Role"), "Source",
                                 t("Licence acceptée", "Licence accepted"), t("Envoyée le", "Sent on")],
          t("Valeur", "Value"): [md(proposal.meta.get("kind", "")), md(statement.structure), md(statement.role),
                                 md(f"{t(*SOURCE_KINDS.get(statement.source_kind, ('?', '?')))} {statement.source_value}"),
                                 t("oui", "yes") if statement.licence_accepted else t("non", "no"),
                                 md(proposal.meta.get("submitted_at", ""))]})
personal = proposal.personal()
if personal:
    st.caption(t("Contact (privé) : ", "Contact (private): ") + md(" ".join(personal.values())))
st.code(proposal.records, language="yaml")  # text shown as text
if proposal.meta.get("kind") == "annuaire":
    upload = review.upload_of(proposal)
    if upload.suffix == ".csv":
        st.code(upload.read_text(encoding="utf-8", errors="replace")[:20000], language=None)
    else:
        st.caption(t(f"Classeur joint : {upload.name} ({upload.stat().st_size} octets)",
                     f"Attached workbook: {upload.name} ({upload.stat().st_size} bytes)"))
if statement.target:
    before = review.current_record(c.settings(), statement.target["kind"], statement.target["id"])
    after = next((data for kind, data in records_of(proposal.records) if kind == statement.target["kind"]), {})
    st.code("\n".join(review.difference(before, after)) or "—", language="diff")
try:
    result = c.check(statement, proposal.records, f"{statement.target['kind']}/{statement.target['id']}"
                     if statement.target else "", g.store.store if hasattr(g.store, "store") else None)
except ProposalError as error:
    st.warning(md(error.message(lang())))
else:
    for problem in result.problems:
        st.error(md(problem.format(lang())))
    if result.conforms:
        st.success(t("Conforme aux règles du graphe.", "Conforms to the graph's rules."))
for decision in proposal.meta.get("decisions", []):
    st.caption(md(f"{decision['at']} — {decision['reviewer']} : {STATUSES[decision['status']][0]} {decision['reason']}"))
if proposal.status in ("pending", "changes"):
    reason = st.text_input(t("Motif (refus ou modification demandée)", "Reason (rejection or change asked)"),
                           key="review.reason")
    accept, ask, reject = st.columns(3)
    try:
        if accept.button(t("Accepter et publier", "Accept and publish"), type="primary"):
            from app.viewer.warmup import out_dir
            from graph_builder.builder import build
            from graph_builder.problems import blocking

            settings = c.settings()
            with st.spinner(t("Publication et reconstruction du graphe…", "Publishing and rebuilding the graph…")):
                review.accept(store, chosen, reviewer, settings,
                              lambda: blocking(build(settings, c.Path(out_dir())).problems))
            c.reopen()
            st.success(t("Acceptée et publiée.", "Accepted and published."))
        if ask.button(t("Demander une modification", "Ask for a change")):
            review.ask_changes(store, chosen, reviewer, reason)
            st.success(t("Modification demandée.", "Change asked for."))
        if reject.button(t("Refuser", "Reject")):
            review.reject(store, chosen, reviewer, reason)
            st.success(t("Refusée.", "Rejected."))
    except ProposalError as error:
        st.error(md(error.message(lang())))
