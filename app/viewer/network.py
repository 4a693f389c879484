"""The Réseau page's network: actors, coordinations, experiences, themes and territories as one networkx graph.

Built once per language from query-library rows (the viewer's coordination and experience cards, and
the `participations` query), then cut down per request: a territory (through the official nesting),
a theme, the kinds of node shown, and a cap on the node count that keeps the most connected nodes, so
that the national graph stays readable and quick to draw. `echarts_options` turns the cut into an
ECharts graph series (streamlit-echarts draws it without any outside request).
"""

from __future__ import annotations

import heapq
from functools import lru_cache

import networkx as nx

from app.viewer.model import Viewer, pick, short

KINDS = ("coordination", "experience", "actor", "theme", "territory")
KIND_NAMES = {"fr": {"coordination": "Coordinations", "experience": "Expériences", "actor": "Acteurs",
                     "theme": "Thématiques", "territory": "Territoires"},
              "en": {"coordination": "Coordinations", "experience": "Experiences", "actor": "Actors",
                     "theme": "Themes", "territory": "Territories"}}
# Each kind its own marker, so that the kinds are told apart without colour (WCAG 1.4.1): ECharts symbols, and the
# same shapes in words and as characters for the page's text legend.
SYMBOLS = {"coordination": "circle", "experience": "rect", "actor": "triangle", "theme": "diamond", "territory": "pin"}
SYMBOL_NAMES = {"fr": {"circle": ("●", "rond"), "rect": ("■", "carré"), "triangle": ("▲", "triangle"),
                       "diamond": ("◆", "losange"), "pin": ("📍", "épingle")},
                "en": {"circle": ("●", "circle"), "rect": ("■", "square"), "triangle": ("▲", "triangle"),
                       "diamond": ("◆", "diamond"), "pin": ("📍", "pin")}}
# The most connected nodes always show their name, whatever the number of nodes drawn (all of them up to 60).
LABELLED = 15
KIND_NAME = {"fr": {"coordination": "coordination", "experience": "expérience", "actor": "acteur", "theme": "thématique",
                    "territory": "territoire"},
             "en": {"coordination": "coordination", "experience": "experience", "actor": "actor", "theme": "theme",
                    "territory": "territory"}}
# The viewer page (url_path) that shows a node of each kind; other kinds have none.
PAGES = {"coordination": "coordinations", "experience": "experiences", "actor": "acteurs", "territory": "territoires"}
DEFAULT_CAP = 150
# networkx lays out fewer than 500 nodes with numpy alone (more needs scipy); more would not be readable anyway.
MAX_CAP = 400


def _add(graph: nx.Graph, iri: str, kind: str, label: str) -> str:
    node = short(iri)
    if node not in graph:
        graph.add_node(node, kind=kind, label=label or node)
    return node


def network_graph(viewer: Viewer, lang: str = "fr") -> nx.Graph:
    """The whole network: one node per entity (id = the viewer's short IRI), one edge per relation."""
    graph = nx.Graph()
    for kind, cards in (("coordination", viewer.coordinations), ("experience", viewer.experiences)):
        for card in cards.values():
            node = _add(graph, card.iri, kind, card.text("label", lang))
            for name, other in (("theme", "theme"), ("territory", "territory"), ("place", "territory")):
                for iri, label in card.links(name, lang):
                    graph.add_edge(node, _add(graph, iri, other, label), relation=name)
    for card in viewer.experiences.values():
        for iri, label in card.links("carrier", lang):
            carrier = _add(graph, iri, "coordination" if iri in viewer.coordinations else "actor", label)
            graph.add_edge(short(card.iri), carrier, relation="carrier")
    labels: dict[str, list] = {}
    for coordination, actor, actor_label, _kind, role in viewer.run("participations", lang=lang):
        labels.setdefault(str(actor), []).append(actor_label)
        if str(coordination) in viewer.coordinations:
            node = _add(graph, str(actor), "actor", "")
            graph.add_edge(node, short(str(coordination)), relation=str(role))
    for actor, values in labels.items():
        graph.nodes[short(actor)]["label"] = pick(values, lang)
    return graph


@lru_cache(maxsize=4)
def cached_network(viewer: Viewer, lang: str = "fr") -> nx.Graph:
    """network_graph, once per viewer (opened once per process) and language; never mutated."""
    return network_graph(viewer, lang)


def within_territory(viewer: Viewer, key: str) -> set[str]:
    """Short IRIs of the coordinations and experiences in a territory (`level/code`) or a territory it contains."""
    coordinations, experiences = viewer.in_territory(key)
    return {short(iri) for iri in coordinations | experiences}


def matching(graph: nx.Graph, kinds: tuple[str, ...] = KINDS, within: set[str] | None = None,
             theme: str | None = None) -> set[str]:
    """The nodes asked for: coordinations and experiences `within` (short IRIs, None: all) and about `theme`,
    with their neighbours, all of the chosen `kinds`."""
    anchors = [n for n, kind in graph.nodes(data="kind") if kind in ("coordination", "experience")
               and (within is None or n in within) and (not theme or graph.has_edge(n, theme))]
    keep = {n for n in anchors if graph.nodes[n]["kind"] in kinds}
    for node in anchors:
        keep.update(m for m in graph.neighbors(node) if graph.nodes[m]["kind"] in kinds)
    return keep


def cut(graph: nx.Graph, keep: set[str], cap: int = DEFAULT_CAP) -> nx.Graph:
    """At most `cap` of the `keep` nodes, the most connected in the whole network first (then by kind and id:
    stable); degrees in the whole graph are read directly, where a subgraph view would filter every neighbour."""
    if len(keep) > cap:
        degree = graph.degree
        keep = set(heapq.nsmallest(cap, keep, key=lambda n: (-degree[n], KINDS.index(graph.nodes[n]["kind"]), n)))
    # A copy: a subgraph view filters a theme's thousands of neighbours at every look (degree, edges, layout).
    return graph.subgraph(keep).copy()


def main_nodes(part: nx.Graph, count: int = LABELLED) -> list[tuple[str, str, str]]:
    """The `count` most connected nodes of `part` (then by kind and id: stable): (id, label, kind)."""
    ranked = heapq.nsmallest(count, part.nodes, key=lambda n: (-part.degree(n), KINDS.index(part.nodes[n]["kind"]), n))
    return [(node, part.nodes[node]["label"], part.nodes[node]["kind"]) for node in ranked]


def named(options: dict) -> list[tuple[str, str, str]]:
    """The nodes `echarts_options` names on the drawing (main_nodes), in the same order: (id, label, kind)."""
    data = [node for node in options["series"][0]["data"] if "label" in node]
    data.sort(key=lambda n: (-n["value"], KINDS.index(n["kind"]), n["id"]))
    return [(node["id"], node["name"], node["kind"]) for node in data]


def legend(lang: str = "fr") -> list[tuple[str, str, str]]:
    """(character, shape's name, kind's name) per kind: the markers in words, for the page's text legend."""
    return [(*SYMBOL_NAMES[lang][SYMBOLS[kind]], KIND_NAMES[lang][kind]) for kind in KINDS]


def echarts_options(part: nx.Graph, lang: str = "fr") -> dict:
    """An ECharts graph series of `part`: one category per kind, each with its marker shape, node size by degree, the
    main nodes named. Positions are computed here (networkx spring layout, fixed seed): the same filters always draw
    the same picture, nothing moves under the pointer, and the browser has no layout to run."""
    categories = [{"name": KIND_NAMES[lang][kind], "symbol": SYMBOLS[kind]} for kind in KINDS]
    positions = nx.spring_layout(part, seed=1, iterations=60) if part else {}
    named = {node for node, _, _ in main_nodes(part)}
    nodes = [{"id": node, "name": data["label"], "category": KINDS.index(data["kind"]), "kind": data["kind"],
              "symbol": SYMBOLS[data["kind"]], "value": part.degree(node),
              "symbolSize": min(40, 8 + 3 * part.degree(node)),
              "x": round(float(positions[node][0]) * 500, 1), "y": round(float(positions[node][1]) * 500, 1)}
             | ({"label": {"show": True, "fontWeight": "bold"}} if node in named else {})
             for node, data in sorted(part.nodes(data=True))]
    links = [{"source": a, "target": b} for a, b in sorted(tuple(sorted(e)) for e in part.edges())]
    counts = ", ".join(f"{sum(1 for n in nodes if n['kind'] == kind)} {KIND_NAMES[lang][kind].lower()}" for kind in KINDS)
    description = (f"Réseau de {len(nodes)} nœuds ({counts}) et {len(links)} liens." if lang == "fr" else
                   f"Network of {len(nodes)} nodes ({counts}) and {len(links)} links.")
    return {
        "aria": {"enabled": True, "label": {"description": description}},  # read by screen readers
        "animation": False,  # nothing moves (WCAG 2.3.3); a click lands where the node is drawn
        "tooltip": {},
        "legend": [{"data": [c["name"] for c in categories], "bottom": 0}],
        "series": [{
            "type": "graph", "layout": "none", "roam": True, "draggable": False,
            "data": nodes, "links": links, "categories": categories,
            "label": {"show": len(nodes) <= 60, "position": "right"}, "labelLayout": {"hideOverlap": True},
            "lineStyle": {"color": "#929292", "opacity": 0.6},
            "emphasis": {"focus": "adjacency"},
        }],
    }


# Sent back to Python when a node is clicked (streamlit-echarts' `events`): its id and kind only.
CLICK_HANDLER = "function(params) { if (params.dataType === 'node') { return {id: params.data.id, kind: params.data.kind}; } }"


@lru_cache(maxsize=64)
def view(viewer: Viewer, lang: str, kinds: tuple[str, ...], territory: str | None, theme: str | None,
         cap: int) -> tuple[dict, int, int]:
    """What the Réseau page draws for its filters: ECharts options, nodes shown, nodes matching before the cap.
    Cached: the same filters answer at once."""
    graph = cached_network(viewer, lang)
    within = within_territory(viewer, territory) if territory else None
    keep = matching(graph, kinds, within, short(theme) if theme else None)
    part = cut(graph, keep, min(cap, MAX_CAP))
    return echarts_options(part, lang), part.number_of_nodes(), len(keep)


def clicked_page(state) -> tuple[str, str] | None:
    """(page url_path, id) for the node a click on the network sent back (streamlit-echarts' chart_event), or
    None: a kind with no page (actors, themes) or no node."""
    event = state.get("chart_event") if isinstance(state, dict) else getattr(state, "chart_event", None)
    if not isinstance(event, dict):
        return None
    page = PAGES.get(str(event.get("kind")))
    return (page, str(event["id"])) if page and event.get("id") else None
