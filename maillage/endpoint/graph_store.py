"""`maillage load`: the built dataset into any SPARQL 1.1 Graph Store Protocol endpoint.

One HTTP PUT of N-Triples per named graph to `<endpoint>?graph=<iri>`
(Oxigraph `/store`, Fuseki `/<dataset>/data`, GraphDB
`/repositories/<id>/rdf-graphs/service`, QLever...): PUT replaces the graph,
so loading the same build twice gives the same store, and graphs of the
store that the build does not have are left alone. Personal-data graphs are
pushed only when asked (a remote store is a publication).

A store that wants credentials (Virtuoso's `/sparql-graph-crud-auth` takes
Digest only; Fuseki, GraphDB behind a proxy take Basic) gets them as HTTP
authentication, in the scheme its challenge names (`Credentials`): never in
the URL, where they would be sent as Basic whatever the server asks and
printed wherever the URL is (`endpoint_url` refuses such a URL).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox

from graph_builder.problems import BilingualError
from maillage.endpoint.dataset import BuiltDataset

N_TRIPLES = "application/n-triples"
SCHEMES = ("auto", "basic", "digest")


class EndpointRefused(BilingualError, ValueError):
    """A Graph Store URL that cannot be used as given (credentials inside, not HTTP)."""


def endpoint_url(url: str) -> str:
    """`url` if it is an http(s) URL without credentials; EndpointRefused otherwise (the message never repeats them)."""
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:  # checked first: no message repeats credentials
        shown = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
        raise EndpointRefused(
            f"Adresse refusée : elle contient un identifiant ou un mot de passe (« …@ ») ; donnez {shown} et les "
            "identifiants par MAILLAGE_LOAD_USER et MAILLAGE_LOAD_PASSWORD (ou --user, le mot de passe étant alors "
            "demandé), jamais dans l'adresse, qui s'affiche et part en clair (Basic).",
            f"Address refused: it holds a user name or a password ('…@'); give {shown} and the credentials through "
            "MAILLAGE_LOAD_USER and MAILLAGE_LOAD_PASSWORD (or --user, the password then asked), never in the "
            "address, which is printed and sent in clear (Basic).")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointRefused(f"Adresse du Graph Store illisible : « {url} » ; attendu http://hôte:port/chemin.",
                              f"Unreadable Graph Store address: '{url}'; expected http://host:port/path.")
    return url.strip()


class Credentials(httpx.Auth):
    """A user and password, sent the way the server asks: `scheme` "auto" waits for its 401 and answers its
    challenge (Digest when offered, else Basic), so that nothing is sent to a server that does not ask and a Digest
    server never sees the password; "basic" sends Basic at once, "digest" Digest after the challenge."""

    def __init__(self, user: str, password: str, scheme: str = "auto"):
        if scheme not in SCHEMES:
            raise ValueError(f"unknown authentication scheme {scheme!r}")
        self.user = user
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)  # remembers the server's nonce: one 401 per load, not per PUT
        self._chosen: httpx.Auth | None = {"basic": self._basic, "digest": self._digest}.get(scheme)

    def __repr__(self) -> str:  # no password in a traceback or a log
        return f"Credentials(user={self.user!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
            return
        response = yield request
        offered = {value.split(None, 1)[0].lower() for value in response.headers.get_list("www-authenticate")
                   if value.strip()}
        if response.status_code != 401:
            return
        if "digest" in offered:
            self._chosen = self._digest
            flow = self._digest.auth_flow(request)
            next(flow)  # the request as it was first sent: `response` answered it with the challenge
            try:
                request = flow.send(response)
            except StopIteration:
                return
            yield request
        elif "basic" in offered:
            self._chosen = self._basic
            yield from self._basic.auth_flow(request)


class LoadError(Exception):
    """A graph the endpoint did not accept; says which one and why."""

    def __init__(self, graph: str, reason: str):
        super().__init__(f"{graph}: {reason}")
        self.graph, self.reason = graph, reason

    def message(self, lang: str = "fr") -> str:
        if lang == "fr":
            return f"Échec du chargement du graphe <{self.graph}> : {self.reason}"
        return f"Loading graph <{self.graph}> failed: {self.reason}"


class Unauthorised(LoadError):
    """The store refused the credentials (or wants some): says what to set, never what was sent."""

    def __init__(self, graph: str, endpoint: str, status: int, given: bool):
        super().__init__(graph, f"HTTP {status}")
        self.endpoint, self.status, self.given = endpoint, status, given

    def message(self, lang: str = "fr") -> str:
        if lang == "fr":
            why = ("identifiant ou mot de passe refusé, ou droits d'écriture manquants" if self.given
                   else "ce Graph Store demande une authentification")
            return (f"Chargement refusé par {self.endpoint} (HTTP {self.status}) : {why}. Donnez l'utilisateur par "
                    "MAILLAGE_LOAD_USER (ou --user) et le mot de passe par MAILLAGE_LOAD_PASSWORD (ou à l'invite).")
        why = ("user name or password refused, or no write permission" if self.given
               else "this Graph Store wants authentication")
        return (f"Load refused by {self.endpoint} (HTTP {self.status}): {why}. Give the user through MAILLAGE_LOAD_USER "
                "(or --user) and the password through MAILLAGE_LOAD_PASSWORD (or at the prompt).")


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
         auth: Credentials | None = None, on_plan: Callable[[list[GraphLoad]], None] | None = None,
         on_graph: Callable[[GraphLoad], None] | None = None) -> list[GraphLoad]:
    """PUT every graph of the build to the Graph Store `endpoint` (with `auth` when it wants credentials);
    EndpointRefused for a URL with credentials inside, LoadError on the first graph refused."""
    endpoint = endpoint_url(endpoint)
    store = dataset.store(include_personal)
    loads = plan(store)
    if on_plan is not None:
        on_plan(loads)
    with httpx.Client(timeout=timeout, auth=auth) as client:
        for load in loads:
            target = ox.NamedNode(load.graph) if load.graph else ox.DefaultGraph()
            body = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=target)
            params = {"graph": load.graph} if load.graph else {"default": ""}
            try:
                response = client.put(endpoint, params=params, content=body, headers={"Content-Type": N_TRIPLES})
            except httpx.HTTPError as exc:
                raise LoadError(load.graph or "default", f"{endpoint} injoignable / unreachable ({exc})") from exc
            if response.status_code in (401, 403):
                raise Unauthorised(load.graph or "default", endpoint, response.status_code, given=auth is not None)
            if not response.is_success:
                raise LoadError(load.graph or "default", f"HTTP {response.status_code} {response.text[:500].strip()}")
            if on_graph is not None:
                on_graph(load)
    return loads
