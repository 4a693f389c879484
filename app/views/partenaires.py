"""Trouver des partenaires: a territory, themes, determinants or Ottawa axes, one's own coordination type ->
coordinations and actors, near ones first, each with its distance, why (paths of the graph, in words) and the role
to contact. The choices live in the URL, so that the result can be shared by link, and a link fills every field
again. Logic: app/viewer/partners.py; distances: maillage/proximity.py."""

import streamlit as st

from app.viewer.alike import show_partners as show_comparable_partners
from app.viewer.downloads import MIME
from app.viewer.model import short
from app.viewer.partners import PartnerGraph, code, to_csv
from app.viewer.text import md
from app.viewer.ui import graph, lang, t, territory_field, unknown
from graph_builder.referential.geometry import prepared
from maillage.proximity import BAND_NAMES, NEAR_KM, said

SHOWN = 30  # proposals shown (and exported) per kind
FILTERS = (("theme", "themes", "Thématiques", "Themes"), ("determinant", "determinants", "Déterminants de santé",
           "Health determinants"), ("ottawaAxis", "axes", "Axes de la charte d'Ottawa", "Ottawa charter axes"))



def upper(text: str) -> str:
    return text[:1].upper() + text[1:]


g = graph()
with st.spinner(t("Préparation du graphe des partenaires (une fois par démarrage)…",
                  "Preparing the partner graph (once per start)…")):
    partners = PartnerGraph.of(g)
params = st.query_params
st.title(t("Trouver des partenaires", "Find partners"))
st.caption(t("Dites où vous travaillez et sur quoi : le graphe propose des coordinations et des acteurs, et dit "
             "pourquoi.", "Say where you work and on what: the graph proposes coordinations and actors, and says why."))

chosen = g.territory(params.get("territory", ""))
if chosen is None and params.get("territory"):
    unknown(params["territory"])
# A shared link fills the field with its territory's name and keeps that territory chosen among homonyms.
picked, text = territory_field("Territoire : nom ou code (commune, EPCI, département, région, code postal)",
                               "Territory: name or code (municipality, EPCI, département, region, postal code)",
                               "partner_search", value=chosen.name if chosen is not None else "", chosen=chosen)
if text:  # the search's answer, even none: no earlier territory stays under its warning
    chosen = picked

selected: dict[str, list[str]] = {}
columns = st.columns(len(FILTERS))
for column, (kind, param, fr, en) in zip(columns, FILTERS, strict=True):
    options = partners.choices(kind, lang())
    key = f"partner_{param}"
    if key not in st.session_state:  # a shared link's choices, once; then the widget's own
        st.session_state[key] = partners.from_codes(kind, params.get_all(param))
    with column:
        selected[param] = st.multiselect(t(fr, en), options, format_func=options.get, key=key,
                                         placeholder=t("Choisissez…", "Choose…"), select_all=False)
types = {"": t("(non précisé)", "(not given)")} | partners.choices("type", lang())
if "partner_type" not in st.session_state:
    st.session_state["partner_type"] = next(iter(partners.from_codes("type", params.get_all("type"))), "")
own_type = st.selectbox(t("Votre type de coordination (facultatif)", "Your coordination type (optional)"), types,
                        format_func=types.get, key="partner_type")

if "partner_alike" not in st.session_state:
    st.session_state["partner_alike"] = params.get("comparables") == "1"
alike = st.checkbox(t("Territoires comparables : proposer aussi des coordinations de territoires de même catégorie et "
                      "de population voisine (commune, EPCI ou EPT)",
                      "Comparable territories: also propose coordinations of territories of the same category and a "
                      "similar population (municipality, EPCI or EPT)"), key="partner_alike")

state = {"territory": chosen.key if chosen else None, "type": code(own_type) if own_type else None,
         "comparables": "1" if alike else None}
state |= {param: [code(iri) for iri in selected[param]] for _, param, _, _ in FILTERS}
state["lang"] = params.get("lang")  # the language a link asked for stays in the address
st.query_params.from_dict({k: v for k, v in state.items() if v})
if own_type:
    st.info(md(partners.own_type_note(own_type, lang())))

if chosen is None:
    st.info(t("Choisissez un territoire pour voir les partenaires proposés.",
              "Choose a territory to see the proposed partners."))
else:
    st.header(t(f"Partenaires proposés pour {md(chosen.title('fr'))}", f"Proposed partners for {md(chosen.title('en'))}"))
    geometry = prepared()
    finding = partners.find(chosen.iri, [iri for chosen_ in selected.values() for iri in chosen_], own_type or None,
                            lang(), geometry)
    ranked = finding.proposals
    st.caption(t(f"Les plus proches d'abord : {', '.join(BAND_NAMES['fr'][:4])} ; dans une même tranche, celles qui "
                 f"ont le plus de motifs, et les plus forts. Distances à vol d'oiseau ; une coordination à moins de "
                 f"{NEAR_KM:.0f} km est proposée pour sa seule proximité.",
                 f"Nearest first: {', '.join(BAND_NAMES['en'][:4])}; within a band, those with the most and strongest "
                 f"reasons. Distances as the crow flies; a coordination within {NEAR_KM:.0f} km is proposed for its "
                 "nearness alone."))
    if geometry is None:
        st.warning(t("Distances inconnues : les points des territoires manquent (« maillage geometry fetch »).",
                     "Distances unknown: the territories' points are missing ('maillage geometry fetch')."))
    elif (remark := partners.remark(finding, lang())) is not None:
        st.warning(md(remark))
    by_kind = {kind: [p for p in ranked if p.kind == kind] for kind in ("coordination", "actor")}
    shown = [p for kind in by_kind for p in by_kind[kind][:SHOWN]]
    tabs = st.tabs([f"Coordinations ({len(by_kind['coordination'])})",
                    t(f"Acteurs ({len(by_kind['actor'])})", f"Actors ({len(by_kind['actor'])})")])
    for tab, kind in zip(tabs, by_kind, strict=True):
        with tab:
            if len(by_kind[kind]) > SHOWN:
                st.caption(t(f"Les {SHOWN} premiers.", f"The first {SHOWN}."))
            if not by_kind[kind]:
                st.info(t("Aucune proposition.", "No proposal."))
            for rank, proposal in enumerate(by_kind[kind][:SHOWN], start=1):
                with st.container(border=True):
                    if kind == "coordination":
                        st.page_link("views/coordinations.py", label=f"{rank}. {md(proposal.label)}",
                                     query_params={"id": short(proposal.iri)})
                    else:
                        st.markdown(f"**{rank}. {md(proposal.label)}**")
                    st.markdown("\n".join(f"- {md(partners.sentence(r, lang()))}" for r in proposal.reasons))
                    motifs = ", ".join(partners.motifs(proposal, lang()))
                    st.caption(md(t(f"{upper(said(proposal.distance, 'fr'))} · Motifs : {motifs} · "
                                    f"Contact : {partners.contact(proposal, 'fr')}",
                                    f"{upper(said(proposal.distance, 'en'))} · Reasons: {motifs} · "
                                    f"Contact: {partners.contact(proposal, 'en')}")))
                    # Where the proposal comes from, as on its card: a contribution says who and when.
                    card = g.coordinations.get(proposal.iri) if kind == "coordination" else None
                    if card is not None and (named := [label for _, label in g.complete(card).links("source", lang())]):
                        st.caption(md(t("Source : ", "Source: ") + " ; ".join(named)))
    if alike:
        show_comparable_partners(g, chosen)  # app/viewer/alike.py
    st.download_button(t("Télécharger la liste (CSV pour tableur)", "Download the list (CSV for spreadsheets)"),
                       to_csv(partners, shown, lang()), file_name=f"partenaires-{chosen.key.replace('/', '-')}.csv",
                       mime=MIME)
