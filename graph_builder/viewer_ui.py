"""What every page of the viewer (app/) shares: the graph (opened once, cached), the chosen language,
links to entity pages. Streamlit-side helpers; the logic itself is in viewer.py."""

from __future__ import annotations

import os

import streamlit as st

from .viewer import ID, Viewer, short


@st.cache_resource(show_spinner=False)
def viewer(out_dir: str) -> Viewer:
    """The built graph of `out_dir` (MAILLAGE_OUT, default build/), opened once per process, read only."""
    return Viewer.open(out_dir)


def graph() -> Viewer:
    return viewer(os.environ.get("MAILLAGE_OUT", "build"))


def lang() -> str:
    return st.session_state.get("lang", "fr")


def t(fr: str, en: str) -> str:
    """The text in the chosen language."""
    return en if lang() == "en" else fr


def link(page: str, iri: str, label: str) -> str:
    """A Markdown link to an entity's page: a shareable URL (query parameter `id`)."""
    return f"[{label}](/{page}?id={short(iri)})"


def at_most(items: list, limit: int = 50) -> list:
    """The first `limit` items, saying so when there are more: thousands of cards would take a minute to draw."""
    if len(items) > limit:
        st.caption(t(f"Les {limit} premières sont affichées : précisez les filtres pour voir les autres.",
                     f"The first {limit} are shown: narrow the filters to see the others."))
    return items[:limit]


def unknown(wanted: str) -> None:
    """Say that the page's `id` names nothing known (a mistyped or outdated link)."""
    st.error(t(f"Aucune fiche ne correspond à « {wanted} » : le lien est peut-être erroné ou ancien.",
               f"Nothing matches '{wanted}': the link may be mistyped or outdated."))


def linked_card(cards: dict):
    """The card the page's `id` names (a shared link), or None; a link naming nothing is said so."""
    wanted = st.query_params.get("id", "")
    card = cards.get(ID + wanted)
    if card is None and wanted:
        unknown(wanted)
    return card


def territory_filter(label_fr: str, label_en: str) -> str | None:
    """A territory typed as level/code: its key, or None when empty or unknown (an unknown one is said so)."""
    place = st.text_input(t(label_fr, label_en)).strip()
    territory = graph().territory(place) if place else None
    if place and territory is None:
        st.error(t(f"Territoire inconnu : « {place} ».", f"Unknown territory: '{place}'."))
    return territory.key if territory else None
