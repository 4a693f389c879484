"""The partner finder (viewer page « Trouver des partenaires »): who else acts where I work, on what I work on.

The RDF graph is read through two queries of the library (`partner_graph_edges`,
`partner_graph_nodes`) plus the territory names the viewer already holds
(its territory search's index), and turned into a networkx MultiDiGraph whose edges are
keyed by relation: `within` (official nesting, QPV -> commune -> EPCI ->
département -> région), `covers` (coordination -> territory), `basedIn`
(actor -> territory), `place` (experience -> territory), `theme`,
`determinant`, `ottawaAxis`, `carriedOutBy` (experience -> coordination),
`type`, `mission` (coordination or mission-matrix cell -> mission),
`contactRole` and `memberOf` (actor -> coordination, with its roles). It is
built once per store (`PartnerGraph.of`, cached) and never changed.

Given a territory T, selected concepts (themes, determinants, Ottawa axes) and
optionally the user's own coordination type U, `rank` proposes coordinations
and actors. Every reason is a path of that graph (`Reason.steps`: edges as
stated, source -relation-> target), rendered as a sentence by `sentence`.

Ranking: near ones first. Each proposal has a distance from the chosen territory (maillage/proximity.py: 0 when
one of its places is the territory, holds it or lies inside it; else the crow-flies distance between the points
of its nearest place and of the territory; an actor's from where it is based, else from its best coordination).
Proposals are ordered by distance band (on the spot, within 30 km, within 100 km, farther, unknown), then by score
(the sum of their reasons' weights), then by distance, then by label. So a coordination matching every chosen
theme 500 km away comes after one that merely works next door: a coordinator can reach the second. The page
shows the distance and the reasons' short names (`motifs`), never the score.

  territory (the best one only; `covers` for a coordination, `basedIn` for an actor)
    same          X -> T                                        4.0
    contained     X -> P -within-> ... -> T                     3.0
    enclosing     X -> A <-within- ... <- T, by A's level:  EPCI/EPT 3.0, département 2.5, région 2.0
    neighbour     X -> P -within-> ... -> A <- ... <- T, A the nearest shared EPCI/EPT 2.0, département 1.0
    near          X -covers-> P, P within 30 km of T (and no other territory reason): proposed for that alone  1.0
  concept (per selected concept, the best path only)
    concept       K -theme-> c                                  3.0
    experience    K <-carriedOutBy- E -theme-> c                2.0
    type          K -type-> V -theme-> c                        1.0
  experience-place (the first only)  K <-carriedOutBy- E -place-> P, P = T or inside T   1.0
  mission (per mission) K -type-> V <-type- cell -mission-> M   0.5
    M is complementary: a mission of the matrix that U does not have (U given, with a row in the matrix), else
    that no coordination working in T or around it has (by its type's matrix row or its own missions; all of
    them when none does)
  own type U (given; K with a territory reason):
    peer          K -type-> U: the same type, someone to share practice with                              0.5
    type-theme    K -type-> V -theme-> c, V != U, c not among U's themes (one reason, every such c)        0.5
  actors, besides their territory:
    member        A -memberOf-> K, K a proposed coordination with a territory reason (the best K)   1.0
    member-concept  A -memberOf-> K followed by K's concept path (per concept, the best)        1.0

A coordination is proposed if it has a territory reason or a concept reason
of kind `concept` or `experience` (a type's theme alone would propose every
coordination of the type); an actor if it has a territory reason or a
`member` reason. Ties are broken by label (accents and case folded), then IRI:
the order is the same on every run.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import networkx as nx

from app.viewer.downloads import spreadsheet_csv
from app.viewer.model import MLG, Territory, Viewer, entity_base, fold, pick, short
from app.viewer.sharing import turn
from graph_builder.referential.geometry import Geometry
from maillage.proximity import NEAR_KM, REASONABLE_KM, Locator, band, said

IGEO = "http://rdf.insee.fr/def/geo#"
ORG = "http://www.w3.org/ns/org#"
RELATIONS = {IGEO + "subdivisionDirecteDe": "within", MLG + "territory": "covers", MLG + "basedIn": "basedIn",
             MLG + "place": "place", MLG + "theme": "theme", MLG + "determinant": "determinant",
             MLG + "ottawaAxis": "ottawaAxis", MLG + "carriedOutBy": "carriedOutBy", MLG + "coordinationType": "type",
             MLG + "mission": "mission", MLG + "contactRole": "contactRole", ORG + "memberOf": "memberOf"}
CONCEPT_KINDS = ("theme", "determinant", "ottawaAxis")
TERRITORY_WEIGHTS = {"same": 4.0, "contained": 3.0}
ENCLOSING_WEIGHTS = {"epci": 3.0, "ept": 3.0, "departement": 2.5, "region": 2.0}
NEIGHBOUR_WEIGHTS = {"epci": 2.0, "ept": 2.0, "departement": 1.0}
NEAR_WEIGHT = 1.0
ON_THE_SPOT = ("same", "contained", "enclosing")  # nested with the chosen territory: 0 km
CONCEPT_WEIGHTS = {"concept": 3.0, "experience": 2.0, "type": 1.0}
EXPERIENCE_PLACE_WEIGHT = 1.0
MISSION_WEIGHT = 0.5
MEMBER_WEIGHT = 1.0
MEMBER_CONCEPT_WEIGHT = 1.0
PEER_WEIGHT = 0.5
TYPE_THEME_WEIGHT = 0.5


@dataclass(frozen=True)
class Step:
    """One edge of the partner graph, as stated: source -relation-> target."""

    source: str
    relation: str
    target: str


@dataclass(frozen=True)
class Reason:
    """Why a proposal is made: a path of the graph (`steps`), its kind and weight; `about` names what the path
    is measured against when the sentence needs it (the chosen territory, the user's type, the territory a
    neighbour shares with the chosen one)."""

    kind: str
    weight: float
    steps: tuple[Step, ...]
    about: str | None = None
    inner: Reason | None = None  # an actor's reason through a coordination: the coordination's own reason
    distance: float | None = None  # a `territory-near` reason: kilometres from the chosen territory
    others: tuple[str, ...] = ()  # a `type-theme` reason: the further themes of the same type

    @property
    def nodes(self) -> list[str]:
        """The path's nodes in order, from the proposal on (each step shares a node with the next, whichever way
        its edge points)."""
        first = self.steps[0]
        nodes = [first.source, first.target]
        if len(self.steps) > 1 and first.source in (self.steps[1].source, self.steps[1].target):
            nodes.reverse()  # the path leaves the proposal against the edge (experience -carriedOutBy-> it)
        for step in self.steps[1:]:
            nodes.append(step.target if nodes[-1] == step.source else step.source)
        return nodes


@dataclass
class Proposal:
    iri: str
    kind: str  # coordination | actor
    label: str
    reasons: list[Reason] = field(default_factory=list)
    distance: float | None = None  # kilometres from the chosen territory (None: unknown)

    @property
    def score(self) -> float:
        return sum(r.weight for r in self.reasons)


@dataclass
class Finding:
    """What the page shows for a territory: the proposals, best first, and the nearest coordination the graph
    knows there whatever the choices (IRI, kilometres), None when no distance could be measured; whether the
    territory has a point (None: no points at all)."""

    territory: str
    proposals: list[Proposal]
    nearest: tuple[str, float] | None
    located: bool | None = None


class PartnerGraph:
    """The partner graph (networkx) of one store; read only once built."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        # The graph's adjacency by relation, sorted once (a stable order whatever the store's): each lookup of
        # the ranking is then a dictionary access, not a walk over a node's every edge.
        outgoing: dict[tuple[str, str], list[str]] = defaultdict(list)
        incoming: dict[tuple[str, str], list[str]] = defaultdict(list)
        for source, target, relation in graph.edges(keys=True):
            outgoing[(source, relation)].append(target)
            incoming[(target, relation)].append(source)
        self._out = {key: tuple(sorted(value)) for key, value in outgoing.items()}
        self._in = {key: tuple(sorted(value)) for key, value in incoming.items()}
        self._folded: dict[tuple[str, str], str] = {}
        self.missions_of_type: dict[str, dict[str, str]] = defaultdict(dict)  # type -> mission -> matrix cell
        for node, data in graph.nodes(data=True):
            if data.get("kind") == "missionCell":
                for kind_ in self.out(node, "type"):
                    for mission in self.out(node, "mission"):
                        self.missions_of_type[kind_][mission] = node
        self.all_missions = sorted(n for n, d in graph.nodes(data=True) if d.get("kind") == "mission")
        # Every (coordination, place it covers): where the nearest coordinations are looked for.
        self.placed = tuple((c, place) for c in sorted(n for n, d in graph.nodes(data=True) if d.get("kind") ==
                                                        "coordination") for place in self.out(c, "covers"))
        self._locators: dict[Geometry, Locator] = {}
        self._locating = threading.Lock()

    @classmethod
    def of(cls, viewer: Viewer) -> PartnerGraph:
        """The partner graph of the viewer's store, built once (cached per viewer, hence per store): a second
        caller (the page while the warm-up builds it) waits for it rather than building it again."""
        with turn(_BUILDING):
            return _partner_graph(viewer)

    @classmethod
    def from_viewer(cls, viewer: Viewer) -> PartnerGraph:
        graph = nx.MultiDiGraph()
        for territory in viewer.territories:
            graph.add_node(territory.iri, kind=territory.level, territory=territory)
        for node, kind, label in viewer.in_each_language("partner_graph_nodes"):  # built once for every visitor
            data = graph.nodes[str(node)] if str(node) in graph else None
            if data is None:
                graph.add_node(str(node), kind=str(kind), labels=[])
                data = graph.nodes[str(node)]
            if label is not None and label not in data.setdefault("labels", []):
                data["labels"].append(label)
        roles: dict[tuple[str, str], list[str]] = defaultdict(list)
        edges = []
        for source, prop, target, role in viewer.values("partner_graph_edges"):  # all IRIs: plain strings
            relation = RELATIONS[prop]
            if relation == "memberOf":
                roles[(source, target)].append(role)
            else:
                edges.append((source, target, relation))
        graph.add_edges_from(edges)
        graph.add_edges_from((s, t, "memberOf", {"roles": sorted(set(r))}) for (s, t), r in roles.items())
        return cls(graph)

    # -- reading the graph -------------------------------------------------------------------------
    def kind(self, node: str) -> str | None:
        return self.graph.nodes[node].get("kind") if node in self.graph else None

    def out(self, node: str, relation: str) -> tuple[str, ...]:
        """Targets of node's `relation` edges, sorted."""
        return self._out.get((node, relation), ())

    def into(self, node: str, relation: str) -> tuple[str, ...]:
        """Sources of the `relation` edges pointing to node, sorted."""
        return self._in.get((node, relation), ())

    def sort_key(self, node: str, lang: str = "fr") -> str:
        """The node's label folded (accents, case), computed once: the tie-break of the ranking."""
        key = (node, lang)
        if key not in self._folded:
            self._folded[key] = fold(self.label(node, lang))
        return self._folded[key]

    def label(self, node: str, lang: str = "fr") -> str:
        data = self.graph.nodes[node] if node in self.graph else {}
        territory: Territory | None = data.get("territory")
        if territory is not None:
            return territory.title(lang)
        return pick(data.get("labels", []), lang) or short(node)

    def roles(self, actor: str, coordination: str) -> list[str]:
        return self.graph.edges[actor, coordination, "memberOf"]["roles"]

    def choices(self, kind: str, lang: str = "fr") -> dict[str, str]:
        """IRI -> label of the nodes of a kind (theme, determinant, ottawaAxis, type), sorted by label."""
        found = {n: self.label(n, lang) for n, d in self.graph.nodes(data=True) if d.get("kind") == kind}
        return dict(sorted(found.items(), key=lambda item: (fold(item[1]), item[0])))

    def from_codes(self, kind: str, codes: Iterable[str]) -> list[str]:
        """IRIs of the nodes of a kind named by their codes (the last segment of the IRI: `sante-mentale`, `CMT`),
        as a shared link gives them; unknown codes are left out."""
        wanted = set(codes)
        return [iri for iri in self.choices(kind) if code(iri) in wanted]

    def locator(self, geometry: Geometry) -> Locator:
        """Where this graph's territories are, from `geometry`'s points (one locator per geometry, kept)."""
        with self._locating:
            if geometry not in self._locators:
                def key(node: str) -> str | None:
                    territory = self.graph.nodes[node].get("territory") if node in self.graph else None
                    return territory.key if territory is not None else None

                self._locators[geometry] = Locator(geometry.point, key, lambda node: self.into(node, "within"),
                                                   lambda node: self.out(node, "within"))
            return self._locators[geometry]

    # -- territory ---------------------------------------------------------------------------------
    def _climb(self, start: str, up: bool) -> dict[str, list[str]]:
        """Territories reached from `start` along `within` (up: containing, else contained), each with its
        shortest path from `start` (breadth first, sorted neighbours: deterministic)."""
        paths, frontier = {start: [start]}, [start]
        while frontier:
            following = []
            for node in frontier:
                for other in (self.out(node, "within") if up else self.into(node, "within")):
                    if other not in paths:
                        paths[other] = paths[node] + [other]
                        following.append(other)
            frontier = following
        return paths

    def _territory_paths(self, territory: str) -> dict[str, tuple[str, float, list[Step], str | None]]:
        """Each territory related to `territory` -> (kind, weight, `within` steps from it to `territory`, the
        shared territory of a neighbour). Nearest relations win: same, contained, enclosing, then neighbours
        through the EPCI before those through the département."""
        def up_steps(path: list[str]) -> list[Step]:  # a path going up (child first), as stated
            return [Step(child, "within", parent) for child, parent in zip(path, path[1:], strict=False)]

        def down_steps(path: list[str]) -> list[Step]:  # a path going down, walked back up from its end
            return up_steps(path[::-1])

        found: dict[str, tuple[str, float, list[Step], str | None]] = {
            territory: ("same", TERRITORY_WEIGHTS["same"], [], None)}
        up = self._climb(territory, up=True)
        for node, path in self._climb(territory, up=False).items():
            found.setdefault(node, ("contained", TERRITORY_WEIGHTS["contained"], down_steps(path), None))
        for node, path in up.items():
            if node != territory and self.kind(node) in ENCLOSING_WEIGHTS:
                found[node] = ("enclosing", ENCLOSING_WEIGHTS[self.kind(node)], up_steps(path)[::-1], None)
        shared = sorted((n for n in up if n != territory and self.kind(n) in NEIGHBOUR_WEIGHTS),
                        key=lambda n: (-NEIGHBOUR_WEIGHTS[self.kind(n)], n))
        for ancestor in shared:
            to_territory = up_steps(up[ancestor])[::-1]  # from the ancestor down to the territory
            for node, path in self._climb(ancestor, up=False).items():
                if node not in found and node not in up:
                    found[node] = ("neighbour", NEIGHBOUR_WEIGHTS[self.kind(ancestor)],
                                   down_steps(path) + to_territory, ancestor)
        return found

    def _best_territory(self, entity: str, relation: str, related) -> Reason | None:
        """The entity's strongest territory reason (then the shortest path, then the first place)."""
        best = None
        for place in self.out(entity, relation):
            if place in related:
                kind_, weight, steps, shared = related[place]
                reason = Reason(f"territory-{kind_}", weight, (Step(entity, relation, place), *steps), shared)
                if best is None or (weight, -len(reason.steps)) > (best.weight, -len(best.steps)):
                    best = reason
        return best

    # -- ranking -----------------------------------------------------------------------------------
    def rank(self, territory: str, concepts: Iterable[str] = (), own_type: str | None = None,
             lang: str = "fr", geometry: Geometry | None = None) -> list[Proposal]:
        """Coordinations and actors for `territory` (IRI), the selected concepts (IRIs) and the user's type,
        best first (see the module's docstring); distances from `geometry`'s points, unknown without it."""
        return self.find(territory, concepts, own_type, lang, geometry).proposals

    def find(self, territory: str, concepts: Iterable[str] = (), own_type: str | None = None,
             lang: str = "fr", geometry: Geometry | None = None) -> Finding:
        """`rank`'s proposals, with the nearest coordination known around the territory."""
        territory = territory if territory.startswith(("http://", "https://")) else f"{entity_base()}territoire/{territory}"
        related = self._territory_paths(territory)
        where = self.locator(geometry) if geometry is not None else None

        def distance(place: str) -> float | None:
            if related.get(place, ("",))[0] in ON_THE_SPOT:
                return 0.0
            return where.distance(place, territory) if where is not None else None

        distances = {place: distance(place) for place in {place for _, place in self.placed}}
        concepts = sorted(set(concepts))
        coordinations: dict[str, Proposal] = {}

        def add(coordination: str, reason: Reason) -> None:
            if coordination not in coordinations:
                coordinations[coordination] = Proposal(coordination, "coordination", self.label(coordination, lang))
            coordinations[coordination].reasons.append(reason)

        for node in related:
            for coordination in self.into(node, "covers"):
                if self.kind(coordination) == "coordination" and coordination not in coordinations:
                    add(coordination, self._best_territory(coordination, "covers", related))
        nearest: dict[str, tuple[float, str]] = {}  # coordination -> (kilometres, its nearest place)
        for coordination, place in self.placed:
            if distances[place] is not None and (distances[place], place) < nearest.get(coordination, (math.inf, "")):
                nearest[coordination] = (distances[place], place)
        for coordination, (km, place) in nearest.items():
            if km <= NEAR_KM and coordination not in coordinations:
                add(coordination, Reason("territory-near", NEAR_WEIGHT, (Step(coordination, "covers", place),),
                                         territory, distance=km))
        for concept in concepts:
            for coordination, reason in self._concept_paths(concept).items():
                if coordination in coordinations or reason.kind != "concept-type":
                    add(coordination, reason)
        for node, (kind_, _, steps, _) in related.items():
            if kind_ in ("same", "contained"):
                for experience in self.into(node, "place"):
                    for coordination in self.out(experience, "carriedOutBy"):
                        found = coordinations.get(coordination)
                        if found and not any(r.kind == "experience-place" for r in found.reasons):
                            found.reasons.append(Reason("experience-place", EXPERIENCE_PLACE_WEIGHT, (
                                Step(experience, "carriedOutBy", coordination), Step(experience, "place", node),
                                *steps)))
        self._missions(coordinations, territory, own_type)
        self._own_type(coordinations, own_type)
        actors = self._actors(coordinations, related, lang)
        for iri, found in coordinations.items():
            found.distance = nearest[iri][0] if iri in nearest else None
        for found in actors.values():
            found.distance = self._actor_distance(found, distance, coordinations)
        proposals = sorted([*coordinations.values(), *actors.values()], key=lambda p: (
            band(p.distance), -p.score, math.inf if p.distance is None else p.distance, self.sort_key(p.iri, lang), p.iri))
        closest = min(((km, c) for c, (km, _) in nearest.items()), default=None)
        return Finding(territory, proposals, (closest[1], closest[0]) if closest else None,
                       None if where is None else where.where(territory) is not None)

    def _actor_distance(self, actor: Proposal, distance, coordinations: dict[str, Proposal]) -> float | None:
        """Kilometres from where the actor is based (its nearest place), else from the coordination its `member`
        reason names."""
        found = [km for place in self.out(actor.iri, "basedIn") if (km := distance(place)) is not None]
        if found:
            return min(found)
        for reason in actor.reasons:
            if reason.kind == "member":
                return coordinations[reason.steps[0].target].distance
        return None

    def _concept_paths(self, concept: str) -> dict[str, Reason]:
        """Coordination -> its best path to `concept` (direct, through an experience, through its type)."""
        relation = self.kind(concept) or "theme"
        best: dict[str, Reason] = {}

        def offer(coordination: str, reason: Reason) -> None:
            if self.kind(coordination) == "coordination" and (
                    coordination not in best or reason.weight > best[coordination].weight):
                best[coordination] = reason

        for source in self.into(concept, relation):  # sorted: the first experience found wins a tie
            kind_ = self.kind(source)
            if kind_ == "coordination":
                offer(source, Reason("concept", CONCEPT_WEIGHTS["concept"], (Step(source, relation, concept),)))
            elif kind_ == "experience":
                for coordination in self.out(source, "carriedOutBy"):
                    offer(coordination, Reason("concept-experience", CONCEPT_WEIGHTS["experience"], (
                        Step(source, "carriedOutBy", coordination), Step(source, relation, concept))))
            elif kind_ == "type":
                for coordination in self.into(source, "type"):
                    offer(coordination, Reason("concept-type", CONCEPT_WEIGHTS["type"], (
                        Step(coordination, "type", source), Step(source, relation, concept))))
        return best

    def missions_of(self, coordination: str) -> set[str]:
        """What the graph knows a coordination does: its type's row of the mission matrix and its own missions."""
        found = set(self.out(coordination, "mission"))
        for kind_ in self.out(coordination, "type"):
            found |= set(self.missions_of_type.get(kind_, {}))
        return found

    def _missions(self, coordinations: dict[str, Proposal], territory: str, own_type: str | None) -> None:
        if own_type:
            lacking, about, kind_ = set(self.all_missions) - set(self.missions_of_type.get(own_type, {})), own_type, \
                "mission-own"
            if not self.missions_of_type.get(own_type):  # a type absent from the matrix: its missions are unknown
                lacking = set()
        else:
            covering = [p for p in coordinations.values()
                        if any(r.kind in ("territory-same", "territory-enclosing") for r in p.reasons)]
            done = set().union(*(self.missions_of(p.iri) for p in covering)) if covering else set()
            lacking, about = set(self.all_missions) - done, territory
            kind_ = "mission-covered" if covering else "mission-uncovered"
        for found in coordinations.values():  # a far coordination fills no local gap: local ones only
            if not any(r.kind.startswith("territory-") for r in found.reasons):
                continue
            for type_ in self.out(found.iri, "type"):
                for mission, cell in sorted(self.missions_of_type.get(type_, {}).items()):
                    if mission in lacking:
                        found.reasons.append(Reason(kind_, MISSION_WEIGHT, (
                            Step(found.iri, "type", type_), Step(cell, "type", type_), Step(cell, "mission", mission)),
                            about))

    def _own_type(self, coordinations: dict[str, Proposal], own_type: str | None) -> None:
        """The user's own type at work on local coordinations: a peer of the same type; another type's themes
        the user's type lacks (one reason with all of them)."""
        if not own_type:
            return
        own_themes = set(self.out(own_type, "theme"))
        for found in coordinations.values():
            if not any(r.kind.startswith("territory-") for r in found.reasons):
                continue
            for type_ in self.out(found.iri, "type"):
                if type_ == own_type:
                    found.reasons.append(Reason("type-peer", PEER_WEIGHT, (Step(found.iri, "type", type_),), own_type))
                    continue
                themes = [c for c in self.out(type_, "theme") if c not in own_themes]
                if themes:
                    found.reasons.append(Reason("type-theme", TYPE_THEME_WEIGHT, (
                        Step(found.iri, "type", type_), Step(type_, "theme", themes[0])), own_type,
                        others=tuple(themes[1:])))

    def own_type_note(self, own_type: str, lang: str = "fr") -> str:
        """What the user's type does according to the mission matrix, and how the proposals use it."""
        en, name = lang == "en", self.label(own_type, lang)
        missions = sorted(self.missions_of_type.get(own_type, {}), key=lambda m: self.sort_key(m, lang))
        then = (" Flagged below: nearby coordinations of your type (peers) and those whose type works on themes "
                "yours does not list" if en else
                " Sont signalées ci-dessous : les coordinations proches de votre type (des pairs) et celles dont le "
                "type travaille des thématiques que le vôtre ne compte pas")
        if not missions:
            return (f"The mission matrix says nothing of your type ({name}): no mission can be called complementary."
                    + then + "." if en else
                    f"La matrice des missions ne dit rien de votre type ({name}) : aucune mission ne peut être dite "
                    "complémentaire." + then + ".")
        listed = ", ".join(f"« {self.label(m, lang)} »" for m in missions)
        if len(missions) == len(self.all_missions):
            return (f"According to the mission matrix, your type ({name}) has all its missions ({listed}): none is "
                    "missing." + then + "." if en else
                    f"D'après la matrice des missions, votre type ({name}) a toutes ses missions ({listed}) : "
                    "aucune ne lui manque." + then + ".")
        return (f"According to the mission matrix, your type ({name}) has: {listed}." + then +
                ", and those whose type has a mission yours lacks." if en else
                f"D'après la matrice des missions, votre type ({name}) a : {listed}." + then +
                ", ainsi que celles dont le type a une mission que le vôtre n'a pas.")

    def remark(self, finding: Finding, lang: str = "fr") -> str | None:
        """A plain sentence when nothing known lies within reach of the territory (REASONABLE_KM), when the
        nearest known coordination is not among the proposals, or when the territory has no point; else None."""
        en, limit, where = lang == "en", f"{REASONABLE_KM:.0f} km", self.label(finding.territory, lang)
        if finding.located is False:
            return (f"Where {where} lies is unknown: distances from it cannot be measured." if en else
                    f"La position de {where} est inconnue : les distances depuis ce territoire ne peuvent pas être "
                    "mesurées.")
        if finding.nearest is None:
            return None
        nearest, km = finding.nearest
        if km > REASONABLE_KM:
            return (f"No known coordination within {limit} of {where}; the nearest: {self.label(nearest, lang)}, "
                    f"{said(km, lang)}." if en else
                    f"Aucune coordination connue à moins de {limit} de {where} ; la plus proche : "
                    f"{self.label(nearest, lang)}, {said(km, lang)}.")
        if not any(p.kind == "coordination" and band(p.distance) <= 2 for p in finding.proposals):
            return (f"No proposed coordination within {limit}; the nearest known one, {self.label(nearest, lang)} "
                    f"({said(km, lang)}), does not match your choices." if en else
                    f"Aucune coordination proposée à moins de {limit} ; la plus proche connue, "
                    f"{self.label(nearest, lang)} ({said(km, lang)}), ne correspond pas à vos choix.")
        return None

    def _actors(self, coordinations: dict[str, Proposal], related, lang: str) -> dict[str, Proposal]:
        actors: dict[str, Proposal] = {}
        local = {iri: p for iri, p in coordinations.items() if any(r.kind.startswith("territory-") for r in p.reasons)}
        candidates = {a for node in related for a in self.into(node, "basedIn") if self.kind(a) == "actor"}
        candidates |= {a for iri in local for a in self.into(iri, "memberOf") if self.kind(a) == "actor"}
        for actor in sorted(candidates):
            found = Proposal(actor, "actor", self.label(actor, lang))
            territory_reason = self._best_territory(actor, "basedIn", related)
            if territory_reason:
                found.reasons.append(territory_reason)
            memberships = sorted((c for c in self.out(actor, "memberOf") if c in local),
                                 key=lambda c: (-local[c].score, self.sort_key(c, lang), c))
            if memberships:
                best = memberships[0]
                found.reasons.append(Reason("member", MEMBER_WEIGHT, (Step(actor, "memberOf", best),)))
            per_concept: dict[str, Reason] = {}
            for coordination in memberships:
                for reason in local[coordination].reasons:
                    if reason.kind in ("concept", "concept-experience"):
                        concept = reason.steps[-1].target
                        per_concept.setdefault(concept, Reason("member-concept", MEMBER_CONCEPT_WEIGHT, (
                            Step(actor, "memberOf", coordination), *reason.steps), inner=reason))
            found.reasons.extend(per_concept[c] for c in sorted(per_concept))
            if found.reasons:
                actors[actor] = found
        return actors

    # -- plain language ----------------------------------------------------------------------------
    def sentence(self, reason: Reason, lang: str = "fr") -> str:
        """The reason as a sentence in `lang`, naming each node of its path."""
        en = lang == "en"
        steps, name = reason.steps, (lambda node: self.label(node, lang))
        kind_ = reason.kind
        if kind_.startswith("territory-"):
            place, chosen = name(steps[0].target), name(reason.nodes[-1])
            where = (("Based in" if en else "Implantation") if steps[0].relation == "basedIn" else
                     ("Works in" if en else "Territoire d'intervention")) + (": " if en else " : ") + place
            if kind_ == "territory-same":
                return where + (", the chosen territory." if en else ", le territoire choisi.")
            if kind_ == "territory-contained":
                return where + (f", within {chosen}." if en else f", situé dans {chosen}.")
            if kind_ == "territory-enclosing":
                return where + (f", which contains {chosen}." if en else f", qui englobe {chosen}.")
            if kind_ == "territory-near":
                return where + (f", {said(reason.distance, lang)} from {name(reason.about)}." if en else
                                f", {said(reason.distance, lang)} de {name(reason.about)}.")
            shared = name(reason.about)
            return where + (f", within {shared} like {chosen}." if en else f", comme {chosen} dans {shared}.")
        if kind_ == "concept":
            return (f"Works on {_noun(self.kind(steps[0].target), en)} « {name(steps[0].target)} »." if en else
                    f"Travaille {_noun(self.kind(steps[0].target), en)} « {name(steps[0].target)} ».")
        if kind_ == "concept-experience":
            experience, concept = steps[0].source, steps[1].target
            return (f"Carried out the experience « {name(experience)} », on {_noun(self.kind(concept), en)} "
                    f"« {name(concept)} »." if en else
                    f"A porté l'expérience « {name(experience)} », liée à {_noun(self.kind(concept), en)} "
                    f"« {name(concept)} ».")
        if kind_ == "concept-type":
            type_, concept = steps[0].target, steps[1].target
            return (f"Its type ({name(type_)}) lists {_noun(self.kind(concept), en)} « {name(concept)} »." if en else
                    f"Son type ({name(type_)}) compte {_noun(self.kind(concept), en)} « {name(concept)} » "
                    "parmi ses thématiques.")
        if kind_ == "experience-place":
            experience, place = steps[0].source, steps[1].target
            return (f"Carried out the experience « {name(experience)} » in {name(place)}." if en else
                    f"A porté l'expérience « {name(experience)} » sur {name(place)}.")
        if kind_.startswith("mission-"):
            type_, mission = steps[0].target, steps[2].target
            has = (f"Mission « {name(mission)} » of its type ({name(type_)}, mission matrix)" if en else
                   f"Mission « {name(mission)} » de son type ({name(type_)}, matrice des missions)")
            if kind_ == "mission-own":
                return has + (f", which your type ({name(reason.about)}) does not have." if en else
                              f", que votre type ({name(reason.about)}) n'a pas.")
            if kind_ == "mission-covered":
                return has + (", which no known coordination has in or around the chosen territory." if en else
                              ", qu'aucune coordination connue n'a sur le territoire choisi ni autour.")
            return has + (", while no known coordination works in or around the chosen territory." if en else
                          ", alors qu'aucune coordination connue n'intervient sur le territoire choisi ni autour.")
        if kind_ == "type-peer":
            return (f"Same type as yours ({name(reason.about)}): a peer to share practice with." if en else
                    f"Même type que le vôtre ({name(reason.about)}) : un pair avec qui échanger sur vos pratiques.")
        if kind_ == "type-theme":
            type_, themes = steps[0].target, (steps[1].target, *reason.others)
            listed = ", ".join(f"« {name(c)} »" for c in themes)
            if en:
                return (f"Its type ({name(type_)}) works on {'the theme' if len(themes) == 1 else 'the themes'} "
                        f"{listed}, which your type ({name(reason.about)}) does not list.")
            return (f"Son type ({name(type_)}) travaille {'la thématique' if len(themes) == 1 else 'les thématiques'} "
                    f"{listed}, que votre type ({name(reason.about)}) ne compte pas parmi les siennes.")
        if kind_ in ("member", "member-concept"):
            actor, coordination = steps[0].source, steps[0].target
            roles = ", ".join(self.label(r, lang) for r in self.roles(actor, coordination))
            text = (f"Role « {roles} » in « {name(coordination)} »" if en else
                    f"Rôle « {roles} » dans « {name(coordination)} »")
            if kind_ == "member":
                return text + "."
            inner = self.sentence(reason.inner, lang)
            return f"{text}, " + ("which " if en else "qui : ") + inner[0].lower() + inner[1:]
        raise ValueError(f"unknown reason kind {kind_}")

    def motifs(self, found: Proposal, lang: str = "fr") -> list[str]:
        """The reasons' short names, once each, in the reasons' order: what the page shows in place of a score."""
        names: list[str] = []
        for reason in found.reasons:
            kind_ = reason.kind
            if kind_ == "territory-neighbour":
                level = self.kind(reason.about)
                text = MOTIFS[lang == "en"][f"neighbour-{level}" if f"neighbour-{level}" in MOTIFS[0] else kind_]
            elif kind_ in ("concept", "concept-experience", "concept-type"):
                concept_kind = self.kind(reason.steps[-1].target) or "theme"
                text = MOTIFS[lang == "en"][f"{kind_}-{concept_kind}"]
            else:
                text = MOTIFS[lang == "en"][kind_.split("-")[0] if kind_.startswith("mission-") else kind_]
            if text not in names:
                names.append(text)
        return names

    def contact(self, found: Proposal, lang: str = "fr") -> str:
        """How to reach a proposal: the role to contact (never a person), or, for an actor, its role in a
        proposed coordination."""
        if found.kind == "coordination":
            roles = self.out(found.iri, "contactRole") or sorted(  # else the role its experiences give
                {r for e in self.into(found.iri, "carriedOutBy") for r in self.out(e, "contactRole")})
            return ", ".join(self.label(r, lang) for r in roles) or ("not given" if lang == "en" else "non renseigné")
        for reason in found.reasons:
            if reason.kind == "member":
                coordination = reason.steps[0].target
                roles = ", ".join(self.label(r, lang) for r in self.roles(found.iri, coordination))
                return f"{roles} — {self.label(coordination, lang)}"
        return "not given" if lang == "en" else "non renseigné"


# A reason kind's short name (French, English): the « motifs » of a proposal.
_MOTIFS = {
    "territory-same": ("même territoire", "same territory"),
    "territory-contained": ("dans votre territoire", "within your territory"),
    "territory-enclosing": ("englobe votre territoire", "contains your territory"),
    "territory-neighbour": ("territoire voisin", "neighbouring territory"),
    "neighbour-epci": ("même EPCI", "same EPCI"),
    "neighbour-ept": ("même EPT", "same EPT"),
    "neighbour-departement": ("même département", "same département"),
    "territory-near": ("à proximité", "nearby"),
    "concept-theme": ("thématique partagée", "shared theme"),
    "concept-determinant": ("déterminant partagé", "shared determinant"),
    "concept-ottawaAxis": ("axe d'Ottawa partagé", "shared Ottawa axis"),
    "concept-experience-theme": ("expérience sur la thématique", "experience on the theme"),
    "concept-experience-determinant": ("expérience sur le déterminant", "experience on the determinant"),
    "concept-experience-ottawaAxis": ("expérience sur l'axe d'Ottawa", "experience on the Ottawa axis"),
    "concept-type-theme": ("thématique de son type", "theme of its type"),
    "concept-type-determinant": ("déterminant de son type", "determinant of its type"),
    "concept-type-ottawaAxis": ("axe d'Ottawa de son type", "Ottawa axis of its type"),
    "experience-place": ("expérience sur votre territoire", "experience in your territory"),
    "mission": ("mission complémentaire", "complementary mission"),
    "type-peer": ("même type que le vôtre", "same type as yours"),
    "type-theme": ("thématique complémentaire", "complementary theme"),
    "member": ("membre d'une coordination proposée", "member of a proposed coordination"),
    "member-concept": ("membre d'une coordination proposée", "member of a proposed coordination"),
}
MOTIFS = ({k: fr for k, (fr, _) in _MOTIFS.items()}, {k: en for k, (_, en) in _MOTIFS.items()})


def code(iri: str) -> str:
    """A concept's code in the viewer's URLs: the last segment of its IRI (`theme/sante-mentale` -> sante-mentale)."""
    return iri.rsplit("/", 1)[-1]


def _noun(kind: str | None, en: bool) -> str:
    return {"theme": ("the theme", "la thématique"), "determinant": ("the determinant", "le déterminant"),
            "ottawaAxis": ("the Ottawa charter axis", "l'axe de la charte d'Ottawa")}.get(
        kind or "theme", ("the theme", "la thématique"))[0 if en else 1]


_BUILDING = threading.Lock()


@cache
def _partner_graph(viewer: Viewer) -> PartnerGraph:
    return PartnerGraph.from_viewer(viewer)


def to_csv(graph: PartnerGraph, proposals: Iterable[Proposal], lang: str = "fr") -> bytes:
    """The ranked list as a CSV French spreadsheets open (app/viewer/downloads.py): rank, kind, name, id, distance
    in km (blank when unknown), motifs, reasons (sentences joined by « | »), contact."""
    en = lang == "en"
    kinds = {"coordination": "coordination", "actor": "actor" if en else "acteur"}
    header = (["rank", "kind", "name", "id", "distance (km)", "motifs", "reasons", "contact"] if en else
              ["rang", "genre", "nom", "identifiant", "distance (km)", "motifs", "raisons", "contact"])
    return spreadsheet_csv(header, ([
        rank, kinds[found.kind], found.label, short(found.iri),
        "" if found.distance is None else round(found.distance), ", ".join(graph.motifs(found, lang)),
        " | ".join(graph.sentence(r, lang) for r in found.reasons), graph.contact(found, lang)]
        for rank, found in enumerate(proposals, start=1)))
