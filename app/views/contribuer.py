"""Contribuer: declare a coordination, an experience or a structure, or correct a card; checked before sending.

Each field is checked by the build's own rules when « Vérifier » is pressed, and its problems are shown under it;
« Envoyer » is possible only for a proposal that conforms (warnings allowed) and has not changed since.
A correction (`?corriger=coordination/<id>`, from a card's « Proposer une correction ») starts from the card's
record and shows the difference.
"""

import time

import streamlit as st

from app.viewer import contributions as c
from app.viewer.text import md
from app.viewer.ui import choose as choose_one
from app.viewer.ui import entity_base, graph, lang, t
from graph_builder.contributions.records import SOURCE_KINDS, Statement
from graph_builder.contributions.store import ProposalError

KINDS = {"coordination": ("Une coordination (ASV, CLS, CLSM…)", "A coordination (ASV, CLS, CLSM…)"),
         "experience": ("Une expérience de terrain", "A field experience"),
         "actor": ("Une structure (acteur)", "A structure (actor)"),
         "annuaire": ("Un annuaire rempli (modèle CSV ou XLSX)", "A filled directory (CSV or XLSX template)")}
NEW = c.NEW
g = graph()
problems = st.session_state.get("contrib.problems", {})
shown: set[str] = set()


def under(name: str) -> None:
    """The last check's problems of field `name`, just under it."""
    shown.add(name)
    for problem in problems.get(name, []):
        text = md(problem.message(lang()))
        if problem.severity in ("warning", "info"):  # shown, never blocking
            st.warning(text)
        else:
            st.error(text)


def key(name: str) -> str:
    return f"contrib.{name}"


# A correction of the French name leaves its English version as it was: the form shows it, to be updated or emptied.
ENGLISH_HELP = ("La version anglaise du nom, s'il en a une : si vous corrigez le nom, corrigez-la aussi ou videz-la.",
                "The name's English version, if it has one: if you correct the name, correct it too or empty it.")


def text(name: str, fr: str, en: str, area: bool = False, help_fr: str = "", help_en: str = "") -> str:
    widget = st.text_area if area else st.text_input
    value = widget(t(fr, en), key=key(name), help=t(help_fr, help_en) or None)
    under(name)
    return value.strip()


def choose(name: str, fr: str, en: str, options: dict[str, str], many: bool = False, blank: bool = True,
           none: tuple[str, str] = ("Aucun choix possible", "Nothing to choose")):
    """A choice among `options`; `none` the multiple choice's words while it has no option (Streamlit's own are
    English, « No options to select »)."""
    keys = ([""] if blank and not many else []) + list(options)
    label = {"": t("(à choisir)", "(choose)"), **options}.get
    if many:
        value = st.multiselect(t(fr, en), keys, format_func=label, key=key(name), select_all=False, disabled=not keys,
                               placeholder=choose_one() if keys else t(*none))
    else:
        value = st.selectbox(t(fr, en), keys, format_func=label, key=key(name))
    under(name)
    return value


def territories(name: str, fr: str, en: str, many: bool = True):
    """Territories found with the viewer's territory search: type a name or a code, pick among the matches."""
    typed = st.text_input(t(f"{fr} : chercher (nom ou code officiel)", f"{en}: search (name or official code)"),
                          key=key(f"{name}.search"))
    chosen = st.session_state.get(key(name), [] if many else "")
    options = {} if not chosen else {k: k for k in (chosen if many else [chosen])}
    for found in g.search_territories(typed, limit=20) if typed.strip() else []:
        options[found.key] = f"{found.name} ({found.key})"
    for known in options:
        if (territory := g.territory(known)) is not None:
            options[known] = f"{territory.name} ({territory.key})"
    return choose(name, fr, en, options, many=many,
                  none=("Cherchez d'abord un nom ou un code ci-dessus", "First search a name or a code above"))


@st.cache_data(show_spinner=False)
def actors(language: str) -> dict[str, str]:
    prefix = entity_base() + "acteur/"
    found = {iri.removeprefix(prefix): card.text("label", language) for iri, card in g.cards("Actor").items()
             if iri.startswith(prefix)}
    return dict(sorted(found.items(), key=lambda item: item[1].casefold()))


def sent_within_limit() -> list[float] | None:
    """The session's sending times, or None (and said so) when it sent too many lately."""
    sent = st.session_state.setdefault("contrib.sent", [])
    if c.allowed(sent):
        return sent
    st.error(t("Trop de propositions envoyées depuis cette session : réessayez dans quelques minutes.",
               "Too many proposals sent from this session: try again in a few minutes."))
    return None


def new_structure(prefix: str) -> c.NewStructure:
    st.markdown(t("**Nouvelle structure**", "**New structure**"))
    label = text(f"{prefix}.label", "Nom de la structure", "Structure's name")
    kinds = choose(f"{prefix}.kind", "Type(s) de structure", "Kind(s) of structure", c.concepts(g, "actor-kind", lang()),
                   many=True)
    url = text(f"{prefix}.url", "Site web (facultatif)", "Website (optional)")
    email = text(f"{prefix}.email", "Contact publié de la structure (courriel institutionnel, facultatif)",
                 "The structure's published contact (institutional e-mail, optional)")
    return c.NewStructure(label, kinds, url=url, email=email)


st.title(t("Contribuer", "Contribute"))
st.markdown(t("Déclarez une coordination, une expérience ou une structure que le graphe ne connaît pas, ou corrigez "
              "une fiche. Chaque proposition est vérifiée avant l'envoi par les mêmes règles que la construction du "
              "graphe, puis relue avant publication. Ce que vous déclarez est publié sous licence CC BY 4.0, avec sa "
              "source et sa date.",
              "Declare a coordination, an experience or a structure the graph does not know, or correct a card. Each "
              "proposal is checked before sending by the same rules as the graph's build, then reviewed before "
              "publication. What you declare is published under the CC BY 4.0 licence, with its source and date."))

target = st.query_params.get("corriger", "")
before = None
if target:
    path_, _, ident_ = target.partition("/")  # a card's short IRI: the record kind's path segment, then its id
    from graph_builder.kinds import load_schema

    kind_ = next((name for name, spec in load_schema().kinds.items() if spec.path == path_ and name in KINDS), "")
    target = f"{kind_}/{ident_}"
    from graph_builder.contributions.review import current_record

    before = current_record(c.settings(), kind_, ident_) if kind_ in KINDS else None
    if before is None:
        st.error(t(f"Fiche à corriger introuvable : « {md(target)} ».", f"Card to correct not found: '{md(target)}'."))
        st.stop()
    if key("prefilled") not in st.session_state:  # the form starts from the card's record, once
        for name, value in before.items():
            if isinstance(value, list) and value and not isinstance(value[0], dict):
                st.session_state[key(f"{kind_}.{name}")] = value if name in ("territories", "themes", "missions",
                    "places", "axes", "determinants", "kind") else "\n".join(map(str, value))
            elif isinstance(value, str | int):
                st.session_state[key(f"{kind_}.{name}")] = str(value)
        st.session_state[key("prefilled")] = target
        st.session_state[key("kind")] = kind_
    st.info(t(f"Correction de la fiche « {md(before.get('label', ident_))} » : modifiez ce qui doit l'être. Une fois "
              "acceptée, chaque valeur changée remplace l'actuelle, qui reste lisible avec sa source dans "
              "l'historique des corrections de la fiche ; un champ vidé perd sa valeur (lisible de même dans "
              "l'historique) ; un champ laissé tel quel garde sa source.",
              f"Correcting the card '{md(before.get('label', ident_))}': change what must be. Once accepted, each "
              "value changed replaces the current one, which stays readable with its source in the card's correction "
              "history; a field emptied loses its value (readable there too); a field left as it is keeps its "
              "source."))

kind = st.radio(t("Que proposez-vous ?", "What do you propose?"), list(KINDS), key=key("kind"), horizontal=True,
                format_func=lambda k: t(*KINDS[k]), disabled=bool(target))
structure = None
if kind == "coordination":
    st.header(t("La coordination", "The coordination"))
    values = {"type": choose("coordination.type", "Type", "Type", c.concepts(g, "coordination-type", lang())),
              "label": text("coordination.label", "Nom", "Name"),
              "label_en": text("coordination.label_en", "Nom en anglais (facultatif)", "Name in English (optional)",
                               help_fr=ENGLISH_HELP[0], help_en=ENGLISH_HELP[1])}
    values["territories"] = territories("coordination.territories", "Territoires d'intervention", "Territories")
    values["start"] = text("coordination.start", "Début (AAAA, AAAA-MM ou AAAA-MM-JJ)", "Start (YYYY, YYYY-MM or YYYY-MM-DD)")
    values["end"] = text("coordination.end", "Fin (facultatif)", "End (optional)")
    values["themes"] = choose("coordination.themes", "Thématiques", "Themes", c.concepts(g, "theme", lang()), many=True)
    values["missions"] = choose("coordination.missions", "Missions", "Missions", c.concepts(g, "mission", lang()), many=True)
    values["contact_role"] = choose("coordination.contact_role", "Rôle à contacter (jamais une personne nommée)",
                                    "Role to contact (never a named person)", c.concepts(g, "role", lang()))
    values["objectives"] = text("coordination.objectives", "Objectifs (un par ligne, facultatif)",
                                "Objectives (one per line, optional)", area=True)
    carrier = choose("coordination.porteur", "Structure porteuse", "Carrying structure",
                     {NEW: t("— une structure absente de la liste —", "— a structure not in the list —"),
                      **actors(lang())})
    new = new_structure("porteur") if carrier == NEW else None
    values["porteur"] = "" if carrier == NEW else carrier
    values["cosignataires"] = choose("coordination.cosignataires", "Cosignataires (pour un CLS : l'ARS et la collectivité)",
                                     "Co-signatories (for a CLS: the ARS and the local authority)",
                                     ({NEW: new.label or t("la nouvelle structure", "the new structure")} if new else {})
                                     | actors(lang()), many=True)
    if target:
        values["id"] = target.partition("/")[2]
    records = c.coordination_records(values, new)
    structure = new.ident if new and new.label else values["porteur"]
elif kind == "experience":
    st.header(t("L'expérience", "The experience"))
    values = {"label": text("experience.label", "Titre", "Title"),
              "label_en": text("experience.label_en", "Titre en anglais (facultatif)", "Title in English (optional)",
                               help_fr=ENGLISH_HELP[0], help_en=ENGLISH_HELP[1]),
              "subject": text("experience.subject", "Objet du projet", "The project's subject", area=True)}
    values["places"] = territories("experience.places", "Lieux", "Places")
    values["themes"] = choose("experience.themes", "Thématiques", "Themes", c.concepts(g, "theme", lang()), many=True)
    values["axes"] = choose("experience.axes", "Axes de la Charte d'Ottawa", "Ottawa Charter axes",
                            c.concepts(g, "ottawa-axis", lang()), many=True)
    values["determinants"] = choose("experience.determinants", "Déterminants de santé", "Health determinants",
                                    c.concepts(g, "determinant", lang()), many=True)
    for name, fr, en in (("history", "Histoire du projet", "History"), ("results", "Résultats", "Results"),
                         ("good_practices", "Bonnes pratiques", "Good practices")):
        values[name] = text(f"experience.{name}", f"{fr} (un paragraphe par ligne, facultatif)",
                            f"{en} (one paragraph per line, optional)", area=True)
    values["references"] = text("experience.references", "Lien vers le document publié (facultatif)",
                                "Link to the published document (optional)")
    if target:
        values["id"] = target.partition("/")[2]
    records = c.experience_records(values)
elif kind == "annuaire":
    st.header(t("L'annuaire", "The directory"))
    st.markdown(t("Un tableau rempli selon l'un des modèles d'annuaire (coordinations, acteurs, participations, "
                  "expériences, quartiers prioritaires : `data/templates/directories/`), lu par le même import que "
                  "`maillage import` ; chaque ligne à corriger est signalée par son numéro et sa colonne.",
                  "A spreadsheet filled in after one of the directory templates, read by the same import as "
                  "`maillage import`; each line to fix is told by its number and column."))
    uploaded = st.file_uploader(t("Fichier CSV ou XLSX", "CSV or XLSX file"), type=["csv", "xlsx"],
                                key=key("annuaire.file"))
    records = []
else:
    st.header(t("La structure", "The structure"))
    values = {"label": text("actor.label", "Nom", "Name"),
              "label_en": text("actor.label_en", "Nom en anglais (facultatif)", "Name in English (optional)",
                               help_fr=ENGLISH_HELP[0], help_en=ENGLISH_HELP[1]),
              "kind": choose("actor.kind", "Type(s)", "Kind(s)", c.concepts(g, "actor-kind", lang()), many=True)}
    values["based_in"] = territories("actor.based_in", "Territoire d'implantation", "Where it is based", many=False)
    values["url"] = text("actor.url", "Site web (facultatif)", "Website (optional)")
    values["email"] = text("actor.email", "Contact publié (courriel institutionnel, facultatif)",
                           "Published contact (institutional e-mail, optional)")
    values["description"] = text("actor.description", "Description (facultatif)", "Description (optional)", area=True)
    if target:
        values["id"] = target.partition("/")[2]
    records = c.actor_records(values)
    structure = records[0][1]["id"] if values["label"] else ""

st.header(t("Qui propose, et d'où vient l'information", "Who proposes, and where the information comes from"))
if structure is None or kind == "experience" or target:  # a correction: who corrects, chosen
    picked = choose("contribution.structure", "Structure qui contribue", "Contributing structure", actors(lang()))
    structure = picked
else:
    st.caption(t("Structure qui contribue : la structure porteuse ou déclarée ci-dessus.",
                 "Contributing structure: the carrying or declared structure above."))
    under("contribution.structure")
role = text("contribution.role", "Votre rôle dans la structure (ex. coordinatrice du CLS ; jamais votre nom)",
            "Your role in the structure (e.g. CLS coordinator; never your name)")
source_kind = st.radio(t("Source de ce que vous déclarez", "Source of what you declare"), list(SOURCE_KINDS),
                       key=key("contribution.source_kind"), format_func=lambda k: t(*SOURCE_KINDS[k]), index=None)
source_value = "" if source_kind in ("declaration", None) else text(
    "contribution.source", "Référence du document" if source_kind == "document" else "Adresse du lien",
    "Document's reference" if source_kind == "document" else "Link's address")
if source_kind in ("declaration", None):
    under("contribution.source")
licence = st.checkbox(t("J'accepte que ma contribution soit publiée sous licence CC BY 4.0",
                        "I agree that my contribution is published under the CC BY 4.0 licence"),
                      key=key("contribution.licence"))
under("contribution.licence")
with st.expander(t("Vous joindre (facultatif, jamais publié)", "How to reach you (optional, never published)")):
    st.caption(t("Nom et courriel servent seulement aux relecteurs ; ils ne sont jamais publiés et sont effacés à "
                 "votre demande.", "Name and e-mail are for the reviewers only; they are never published and are "
                 "erased on request."))
    person = {"name": st.text_input(t("Votre nom", "Your name"), key=key("personal.name")),
              "email": st.text_input(t("Votre courriel", "Your e-mail"), key=key("personal.email"))}

if kind == "annuaire":
    statement = Statement(structure or "", source_kind or "", source_value, licence, role,
                          structure_label=actors("fr").get(structure or "", ""))
    content = uploaded.getvalue() if uploaded is not None else None
    for problem in statement.problems():
        st.error(md(problem.message(lang())))
    if content is not None and st.button(t("Vérifier", "Check"), key=key("check")):
        checks = st.session_state.setdefault("contrib.checks", [])
        try:
            if not c.allowed(checks, limit=c.CHECK_LIMIT):
                raise ProposalError("trop de vérifications depuis cette session : réessayez dans quelques minutes",
                                    "too many checks from this session: try again in a few minutes")
            checks.append(time.time())
            result, name = c.check_upload(uploaded.name, content)
        except ProposalError as error:
            st.error(md(error.message(lang())))
        else:
            for problem in result.problems:
                (st.error if problem.blocking else st.warning)(md(problem.format(lang())))
            if not result.refused:
                st.session_state["contrib.upload"] = (content, name)
    kept = st.session_state.get("contrib.upload")
    ready = kept is not None and content is not None and kept[0] == content and not statement.problems()
    if ready:
        st.success(t("Annuaire conforme : vous pouvez l'envoyer.", "The directory conforms: you can send it."))
    if st.button(t("Envoyer", "Send"), disabled=not ready, type="primary", key=key("send")):
        if (sent := sent_within_limit()) is not None:
            ident = c.send_upload(statement, kept[1], kept[0], person)
            sent.append(time.time())
            st.success(t(f"Merci ! Annuaire {ident} envoyé : il sera relu avant publication.",
                         f"Thank you! Directory {ident} sent: it will be reviewed before publication."))
    st.stop()
revises = list(before.get("source", [])) if before else []
revises = [revises] if isinstance(revises, str) else revises
declared = {r[1]["id"]: r[1]["label"] for r in records if r[0] == "actor" and r[1].get("id")}
statement = Statement(structure or "", source_kind or "", source_value, licence, role,
                      {"kind": kind, "id": target.partition("/")[2]} if target else None, revises,
                      declared.get(structure or "") or actors("fr").get(structure or "", ""),
                      c.cleared_fields(before, records, kind) if before else [])
try:
    proposal = c.proposal_text(statement, records)
except ProposalError as error:
    proposal = None
    st.error(md(error.message(lang())))

if before is not None:
    changed = c.difference_lines(before, records, kind)
    with st.expander(t("Différence avec la fiche actuelle", "Difference with the current card"), expanded=True):
        st.code("\n".join(changed) or t("(aucun changement)", "(no change)"), language="diff")


def check() -> None:
    """The proposal checked by the build's rules; its problems kept by field for the next run."""
    checks = st.session_state.setdefault("contrib.checks", [])
    if not c.allowed(checks, limit=c.CHECK_LIMIT):
        st.session_state["contrib.error"] = t("Trop de vérifications depuis cette session : réessayez dans quelques "
                                              "minutes.", "Too many checks from this session: try again in a few "
                                              "minutes.")
        return
    checks.append(time.time())
    try:
        result = c.check(statement, proposal, target, g.store.store if hasattr(g.store, "store") else None)
    except ProposalError as error:
        st.session_state["contrib.problems"] = {"": []}
        st.session_state["contrib.error"] = error.message(lang())
        return
    st.session_state["contrib.problems"] = c.by_field(result.problems)
    st.session_state["contrib.checked"] = (proposal, result.conforms)


left, right = st.columns(2)
left.button(t("Vérifier", "Check"), on_click=check, disabled=proposal is None, key=key("check"))
checked = st.session_state.get("contrib.checked")
if (refused := st.session_state.pop("contrib.error", None)) is not None:
    st.error(md(refused))
ready = proposal is not None and checked == (proposal, True)
for name, found in problems.items():  # the problems of no field shown above: the whole proposal's
    if name not in shown:
        for problem in found:
            (st.warning if problem.severity in ("warning", "info") else st.error)(md(problem.format(lang())))
if checked and checked[0] == proposal and not checked[1]:
    st.error(t("La proposition n'est pas encore conforme : corrigez les champs signalés, puis vérifiez à nouveau.",
               "The proposal does not conform yet: fix the fields shown, then check again."))
elif ready:
    st.success(t("Proposition conforme : vous pouvez l'envoyer.", "The proposal conforms: you can send it."))
if right.button(t("Envoyer", "Send"), disabled=not ready, type="primary", key=key("send")):
    if (sent := sent_within_limit()) is not None:
        try:
            ident = c.send(statement, records, kind if not target else "correction", person)
        except ProposalError as error:
            st.error(md(error.message(lang())))
        else:
            sent.append(time.time())
            st.session_state.pop("contrib.checked", None)
            st.success(t(f"Merci ! Proposition {ident} envoyée : elle sera relue avant publication.",
                         f"Thank you! Proposal {ident} sent: it will be reviewed before publication."))
