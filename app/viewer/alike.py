"""Territories like mine (issue 22): the territory page's section « Territoires comparables » and the partner
finder's option « territoires comparables », both read from the library's query comparable_territories, so that
the command line and a notebook get the same territories in the same order.

Comparable: the same category (a commune's population group of CGCT art. L. 2334-3, an EPCI's or EPT's category
of the referential) and a population within the band [p / (1 + b/100), p × (1 + b/100)] (b = BAND per cent); those
where the graph knows a coordination or an experience first, then by population gap, then by code. Only what the
graph knows: an empty answer says so, with the number of coordinations the graph knows. The first READ of the
ranking are read (a small commune has thousands of peers), and the number of peers in all is said with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import streamlit as st

from app.viewer.model import Territory, Viewer, pick
from app.viewer.text import md
from app.viewer.ui import entity_link, lang, t
from graph_builder.problems import thousands

LEVELS = ("commune", "epci", "ept")  # what the query's `territory` check takes
BAND = 50  # the query's default margin, per cent: from p / 1.5 to p × 1.5
SHOWN = 10  # comparable territories listed with what is known there
ALSO = 5  # comparable territories without anything known, named after them
READ = 100  # the first of the ranking read (the query's `limit`): what the section and the partner finder show, and more


@dataclass(frozen=True)
class Comparable:
    """One comparable territory: its IRI, code, name, category (IRI), population, gap with the chosen one's, and
    the coordinations and experiences known on it or within it (IRIs, sorted)."""

    iri: str
    code: str
    name: str
    category: str
    population: int
    gap: int
    coordinations: tuple[str, ...]
    experiences: tuple[str, ...]

    @property
    def known(self) -> bool:
        return bool(self.coordinations or self.experiences)


@dataclass(frozen=True)
class Comparables:
    """The first READ territories of the ranking and the number of comparable territories in all (`peers`)."""

    first: tuple[Comparable, ...]
    peers: int

    @property
    def known(self) -> list[Comparable]:
        return [c for c in self.first if c.known]

    @property
    def all_known_read(self) -> bool:
        """Whether every peer with something known is among the first read: they come first, so either one without
        anything known was read after them, or every peer was read."""
        return len(self.known) < len(self.first) or len(self.first) == self.peers


def ranked(viewer: Viewer, territory: Territory, band: int = BAND) -> Comparables:
    """The first READ comparable territories and how many there are in all."""
    if territory.level not in LEVELS:
        return Comparables((), 0)
    return _read(viewer, territory, band)


@lru_cache(maxsize=256)  # the page reruns on every click
def _read(viewer: Viewer, territory: Territory, band: int) -> Comparables:
    found, peers = [], 0
    for row in viewer.run("comparable_territories", territory=territory.key, band=band, limit=READ).dicts():
        found.append(Comparable(str(row["territory"]), str(row["code"]), str(row["name"]), str(row["category"]),
                                int(row["population"]), int(row["gap"]),
                                tuple(str(row.get("coordinationList") or "").split()),
                                tuple(str(row.get("experienceList") or "").split())))
        peers = int(row["peers"])
    return Comparables(tuple(found), peers)


def category_name(viewer: Viewer, category: str, language: str = "fr") -> str:
    """The category's label (« Communes de 20 000 à 34 999 habitants », « Communauté d'agglomération »)."""
    names = viewer.concept_names(category.rsplit("/", 1)[0], language)  # the scheme: the concept's IRI minus its code
    return pick(names.get(category, []), language) or category.rsplit("/", 1)[-1]


def empty_answer(viewer: Viewer, territory: Territory, found: list[Comparable], language: str = "fr",
                 peers: int | None = None) -> str:
    """The honest answer when no comparable territory has anything known (or none is comparable at all); `peers`:
    how many are comparable in all (`found` are the first of them)."""
    known = thousands(len(viewer.coordinations), language)
    if territory.level not in LEVELS:
        return ("Territories are compared for a municipality, an EPCI or an EPT." if language == "en" else
                "Les territoires se comparent pour une commune, un EPCI ou un EPT.")
    if not found:
        return (f"No comparable territory: none of the same category within the population band, or no population "
                f"or category known for {territory.name}; the graph knows {known} coordinations." if language == "en"
                else f"Aucun territoire comparable : aucun de même catégorie dans la marge de population, ou pas de "
                f"population ni de catégorie connue pour {territory.name} ; le graphe connaît {known} coordinations.")
    many = thousands(len(found) if peers is None else peers, language)
    return (f"No comparable territory with a known coordination or experience among the {many} of the same category "
            f"and a similar population; the graph knows {known} coordinations." if language == "en" else
            f"Aucun territoire comparable connu pour une coordination ou une expérience parmi les {many} de même "
            f"catégorie et de population voisine ; le graphe connaît {known} coordinations.")


def _title(viewer: Viewer, found: Comparable, language: str) -> str:
    territory = viewer.territory(found.iri)
    return territory.title(language) if territory is not None else found.name


def _names(cards: dict, iris: tuple[str, ...], language: str) -> list[tuple[str, str]]:
    """(IRI, label) of entities, by their cards (loaded once per process), sorted by label."""
    named = [(iri, cards[iri].text("label", language) if iri in cards else iri.rsplit("/", 1)[-1]) for iri in iris]
    return sorted(named, key=lambda item: (item[1].casefold(), item[0]))


def show_section(viewer: Viewer, territory: Territory) -> None:
    """The territory page's section « Territoires comparables » (app/views/territoires.py): for a commune, an EPCI
    or an EPT only."""
    if territory.level not in LEVELS:
        return
    language = lang()
    st.subheader(t("Territoires comparables", "Comparable territories"))
    # On demand, as the coverage gaps: a small commune has thousands of peers (0.5 to 1 s at national size), and the
    # page's first view stays as fast as before.
    if not st.toggle(t("Voir les territoires de même catégorie et de population voisine, et ce qu'on y connaît",
                       "Show the territories of the same category and a similar population, and what is known there"),
                     key="alike_show"):
        return
    answer = ranked(viewer, territory)
    found = list(answer.first)
    population = thousands(territory.population, language) if territory.population is not None else "?"
    if found:
        st.caption(t(f"Même catégorie ({category_name(viewer, found[0].category, 'fr')}) et population voisine de "
                     f"celle de {territory.name} ({population} habitants) : entre p / 1,5 et p × 1,5. D'abord ceux où "
                     "le graphe connaît une coordination ou une expérience, puis les plus proches en population. Ce "
                     "que le graphe connaît seulement.",
                     f"Same category ({category_name(viewer, found[0].category, 'en')}) and a population close to "
                     f"{territory.name}'s ({population} inhabitants): between p / 1.5 and p × 1.5. First those where "
                     "the graph knows a coordination or an experience, then the closest in population. Only what the "
                     "graph knows."))
    known = answer.known
    if not known:
        st.info(empty_answer(viewer, territory, found, language, answer.peers))
    for comparable in known[:SHOWN]:
        with st.container(border=True):
            entity_link("territoires", comparable.iri, _title(viewer, comparable, language), bold=True)
            st.caption(t(f"{thousands(comparable.population, 'fr')} habitants (écart : "
                         f"{thousands(comparable.gap, 'fr')})",
                         f"{thousands(comparable.population, 'en')} inhabitants (gap: "
                         f"{thousands(comparable.gap, 'en')})"))
            for iri, label in _names(viewer.coordinations, comparable.coordinations, language):
                entity_link("coordinations", iri, label)
            for iri, label in _names(viewer.experiences, comparable.experiences, language):
                entity_link("experiences", iri, label)
    others = [c for c in found if not c.known]
    if not answer.all_known_read:  # the first READ of the ranking all hold something: how many more is not read
        st.caption(t(f"Les {SHOWN} premiers sur {thousands(answer.peers, 'fr')} territoires comparables ; les "
                     f"{thousands(len(found), 'fr')} premiers du classement ont tous une coordination ou une "
                     "expérience connue, les suivants ne sont pas lus ici.",
                     f"The first {SHOWN} of {thousands(answer.peers, 'en')} comparable territories; the first "
                     f"{thousands(len(found), 'en')} of the ranking all have a known coordination or experience, the "
                     "next ones are not read here."))
    elif len(known) > SHOWN:
        st.caption(t(f"Les {SHOWN} premiers sur {thousands(len(known), 'fr')} où le graphe connaît quelque chose.",
                     f"The first {SHOWN} of {thousands(len(known), 'en')} where the graph knows something."))
    if others:
        without = thousands(answer.peers - len(known), "fr"), thousands(answer.peers - len(known), "en")
        st.markdown(t(f"**Comparables, sans coordination ni expérience connue** ({without[0]}), "
                      "les plus proches en population :",
                      f"**Comparable, with no known coordination or experience** ({without[1]}), "
                      "the closest in population:"))
        for comparable in others[:ALSO]:
            entity_link("territoires", comparable.iri, _title(viewer, comparable, language))


def partner_reasons(viewer: Viewer, territory: Territory, found: list[Comparable],
                    language: str = "fr") -> list[tuple[str, str, str]]:
    """The partner finder's option « territoires comparables »: (coordination IRI, label, reason), the coordinations
    of the comparable territories `found` in their order, each once (at its first territory)."""
    proposed: dict[str, tuple[str, str, str]] = {}
    for comparable in found:
        where = _title(viewer, comparable, language)
        category = category_name(viewer, comparable.category, language)
        for iri, label in _names(viewer.coordinations, comparable.coordinations, language):
            reason = (f"Works in {where}, a comparable territory ({category}, "
                      f"{thousands(comparable.population, 'en')} inhabitants against "
                      f"{thousands(territory.population or 0, 'en')})." if language == "en" else
                      f"Intervient sur {where}, territoire comparable ({category}, "
                      f"{thousands(comparable.population, 'fr')} habitants contre "
                      f"{thousands(territory.population or 0, 'fr')}).")
            proposed.setdefault(iri, (iri, label, reason))
    return list(proposed.values())


def show_partners(viewer: Viewer, territory: Territory) -> None:
    """The partner finder's section for its option « territoires comparables » (app/views/partenaires.py)."""
    language = lang()
    st.subheader(t("Dans des territoires comparables", "In comparable territories"))
    answer = ranked(viewer, territory)  # none for another level: empty_answer says which levels compare
    found = list(answer.first)
    proposals = partner_reasons(viewer, territory, found, language)
    if not proposals and any(c.known for c in found):  # experiences there, but no coordination
        known = thousands(len(viewer.coordinations), language)
        st.info(t(f"Aucune coordination connue dans les territoires comparables (des expériences seulement) ; le "
                  f"graphe connaît {known} coordinations.",
                  f"No known coordination in the comparable territories (experiences only); the graph knows {known} "
                  "coordinations."))
    elif not proposals:
        st.info(empty_answer(viewer, territory, found, language, answer.peers))
    for rank, (iri, label, reason) in enumerate(proposals[:SHOWN * 3], start=1):
        with st.container(border=True):
            entity_link("coordinations", iri, f"{rank}. {label}")
            st.markdown(f"- {md(reason)}")
