"""What the viewer says of an actor, and a coordination's dated history: plain data, read through the query library
(actor_card, actor_participations, participations_not_in_force, coordination_timeline) and the viewer's cards.

Participations in force today (the library's `at` default) are listed apart from those that ended (« A participé à »,
« Ont participé ») or have not started yet (« À venir »), as the queries answer them (docs/queries.md, « Dates »).

Privacy rule (docs/viewer.md): an actor's page shows the contact an organisation publishes (schema:url, schema:email,
schema:telephone, mlg:socialAccount of an mlg:Actor, stated in a public graph). Nothing of a person (schema:Person,
mlg:PersonalData, the "/personal" graphs) is read: actor_card leaves them out, and a post (an actor of kind
professionnel, e.g. a coordinator) is the role to contact, never the person who holds it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.viewer.model import Card, Viewer, pick
from app.viewer.text import date_key
from maillage.library import current_day

CONTACT_FIELDS = ("url", "email", "telephone", "socialAccount")


def actor_facts(viewer: Viewer, actor: str, lang: str = "fr") -> dict[str, list[tuple[str, str]]]:
    """Field -> (value, its label in `lang`, else the value itself) of an actor's card, in the query's order."""
    labels: dict[tuple[str, str], list] = defaultdict(list)
    for name, value, label in viewer.run("actor_card", actor=actor, lang=lang):
        labels[str(name), str(value)].append(label)
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (name, value), names in labels.items():
        found[name].append((value, pick(names, lang) or value))
    return dict(found)


@dataclass(frozen=True)
class Participation:
    """An actor's role in a coordination, with where and on which themes the coordination works and, when the
    source gives them, the participation's dates."""

    coordination: str
    label: str
    role: str
    role_label: str
    start: str | None
    end: str | None
    types: tuple[tuple[str, str], ...]
    territories: tuple[tuple[str, str], ...]
    themes: tuple[tuple[str, str], ...]

    @property
    def ended(self) -> bool:
        return ended(self.end)


def ended(end: str | None) -> bool:
    """Ended before today, by the queries' rule: « 2010-07 » ends with July 2010 (« 2010-07~ » < today's date)."""
    return end is not None and f"{end}~" < current_day().isoformat()


def participations(viewer: Viewer, actor: str, lang: str = "fr", in_force: bool = True) -> list[Participation]:
    """The actor's participations in force today (`in_force`), else those that are not (ended, or not yet started),
    in time order (by start, those without a start first as the oldest known, then by coordination name and role)."""
    rows = defaultdict(lambda: {"label": [], "role_label": []})
    found_rows = viewer.run("actor_participations", actor=actor, lang=lang) if in_force else (
        (coordination, label, role, role_label, start, end) for coordination, label, _, _, role, role_label, start, end
        in viewer.run("participations_not_in_force", entity=actor, lang=lang))
    for coordination, label, role, role_label, start, end in found_rows:
        row = rows[str(coordination), str(role)]
        row["label"].append(label)
        row["role_label"].append(role_label)
        row["start"], row["end"] = (None if start is None else str(start)), (None if end is None else str(end))
    found = []
    for (coordination, role), row in rows.items():
        card = viewer.coordinations.get(coordination) or Card(coordination)
        found.append(Participation(coordination, pick(row["label"], lang), role, pick(row["role_label"], lang),
                                   row["start"], row["end"], tuple(card.links("type", lang)),
                                   tuple(card.links("territory", lang)), tuple(card.links("theme", lang))))
    return sorted(found, key=lambda p: (date_key(p.start) if p.start else "", p.label.casefold(), p.role_label))


def actor_experiences(viewer: Viewer, actor: str, coordinations: list[str]) -> list[tuple[Card, str | None]]:
    """The experiences the actor carries out itself (None) or through one of `coordinations` (that coordination's
    IRI), each once, by name."""
    found = []
    for card in viewer.experiences.values():
        carriers = [iri for iri, _ in card.links("carrier")]
        if actor in carriers:
            found.append((card, None))
        elif through := next((iri for iri in coordinations if iri in carriers), None):
            found.append((card, through))
    return sorted(found, key=lambda pair: pair[0].text("label").casefold())


@dataclass(frozen=True)
class Dated:
    """A dated fact of a coordination's history: its setting up (kind setUp), an administrative attachment (the
    service), or a participation whose dates the source gives (the actor and its role)."""

    kind: str
    start: str | None
    end: str | None
    subject: str | None
    label: str
    role_label: str


def timeline(viewer: Viewer, coordination: str, lang: str = "fr") -> list[Dated]:
    """The coordination's dated facts in time order: by start, or by end for a fact known only to have ended then
    (« jusqu'en juillet 2010 » comes after « depuis janvier 2010 »), its setting up first among those of a date."""
    found = []
    for _, kind, start, end, subject, label, role in viewer.run("coordination_timeline", coordination=coordination,
                                                               lang=lang):
        found.append(Dated(str(kind), None if start is None else str(start), None if end is None else str(end),
                           None if subject is None else str(subject), "" if label is None else str(label),
                           "" if role is None else str(role)))
    return sorted(found, key=lambda d: (date_key(d.start or d.end), d.kind != "setUp", date_key(d.end) if d.end else "~"))


@dataclass(frozen=True)
class FormerParticipant:
    """An actor's participation in a coordination that is not in force today: ended, or not yet started."""

    actor: str
    label: str
    role_label: str
    start: str | None
    end: str | None
    ended: bool


def participants_not_in_force(viewer: Viewer, coordination: str, lang: str = "fr") -> list[FormerParticipant]:
    """The coordination's participations not in force today, by end (else start), then actor name."""
    found = []
    for _, _, actor, label, _, role_label, start, end in viewer.run("participations_not_in_force",
                                                                     entity=coordination, lang=lang):
        start, end = (None if start is None else str(start)), (None if end is None else str(end))
        found.append(FormerParticipant(str(actor), str(label), str(role_label), start, end, ended(end)))
    return sorted(found, key=lambda p: (date_key(p.end or p.start), p.label.casefold(), p.role_label))
