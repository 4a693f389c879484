"""`maillage load`: the built dataset into any SPARQL 1.1 Graph Store Protocol endpoint.

One HTTP PUT of N-Triples per named graph to `<endpoint>?graph=<iri>`
(Oxigraph `/store`, Fuseki `/<dataset>/data`, GraphDB
`/repositories/<id>/rdf-graphs/service`, QLever...): PUT replaces the graph,
so loading the same build twice gives the same store, and graphs of the
store that the build does not have are left alone. Personal-data graphs are
pushed only when asked (a remote store is a publication).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from maillage.endpoint.dataset import BuiltDataset

N_TRIPLES = "application/n-triples"


class LoadError(Exception):
    """A graph the endpoint did not accept; says which one and why."""

    def __init__(self, graph: str, reason: str):
        super().__init__(f"{graph}: {reason}")
        self.graph, self.reason = graph, reason

    def message(self, lang: str = "fr") -> str:
        if lang == "fr":
            return f"Échec du chargement du graphe <{self.graph}> : {self.reason}"
        return f"Loading graph <{self.graph}> failed: {self.reason}"


@dataclass(frozen=True)
class GraphLoad:
    graph: str  # IRI, or "" for the default graph
    triples: int


def plan(store: ox.Store) -> list[GraphLoad]:
    """The graphs to push with their sizes, default graph first when it has triples."""
    loads = [GraphLoad(g.value, sum(1 for _ in store.quads_for_pattern(None, None, None, g)))
             for g in sorted(store.named_graphs(), key=lambda g: g.value)]
    default = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return ([GraphLoad("", default)] if default else []) + [load for load in loads if load.triples]


def push(dataset: BuiltDataset, endpoint: str, *, include_personal: bool = False, timeout: float = 300.0,
         on_plan: Callable[[list[GraphLoad]], None] | None = None,
         on_graph: Callable[[GraphLoad], None] | None = None) -> list[GraphLoad]:
    """PUT every graph of the build to the Graph Store `endpoint`; LoadError on the first one refused."""
    store = dataset.store(include_personal)
    loads = plan(store)
    if on_plan is not None:
        on_plan(loads)
    with httpx.Client(timeout=timeout) as client:
        for load in loads:
            target = ox.NamedNode(load.graph) if load.graph else ox.DefaultGraph()
            body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=target)
            params = {"graph": load.graph} if load.graph else {"default": ""}
            try:
                response = client.put(endpoint, params=params, content=body, headers={"Content-Type": N_TRIPLES})
            except httpx.HTTPError as exc:
                raise LoadError(load.graph or "default", f"{endpoint} injoignable / unreachable ({exc})") from exc
            if not response.is_success:
                raise LoadError(load.graph or "default", f"HTTP {response.status_code} {response.text[:500].strip()}")
            if on_graph is not None:
                on_graph(load)
    return loads
