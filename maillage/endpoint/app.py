"""The public front of `maillage serve`: a thin Starlette app before the Oxigraph server.

- `/sparql` (and `/query`, Oxigraph's name): SPARQL 1.1 Protocol queries, GET
  or POST (urlencoded or `application/sparql-query`), checked by guard.py and
  passed to Oxigraph with the client's `Accept` header, so Oxigraph does the
  content negotiation (SPARQL JSON/XML/CSV/TSV, Turtle/N-Triples...).
- `/update`, `/store` writes and any update form or content type: 403.
- `/id/<path>`: the entity `<base><path>` as Turtle, JSON-LD or a French HTML
  page (Accept, or `?format=turtle|jsonld|html` for links); 404 page if unknown.
- `/`: what this endpoint is, with an example query.

Runaway queries. Oxigraph's `--timeout-s` is cooperative: it stops most
evaluations but then answers 200 with a body cut short by the text "The
SPARQL operation has been cancelled", and some (ORDER BY, aggregates over a
cartesian product) it does not stop at all (measured with oxigraph 0.5.13).
So the front reads the whole answer (small, thanks to the result cap) within
its own deadline (timeout + GRACE_S): a cut body or a missed deadline becomes
a 504 with a readable French/English message, and on a missed deadline
`on_runaway` restarts Oxigraph, the only way to end such an evaluation.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import httpx
import mimeparse
from markupsafe import Markup, escape
from rdflib import Literal, URIRef
from rdflib.term import Node
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from graph_builder.kinds import load_schema
from maillage.endpoint.entities import describe, jsonld_context
from maillage.endpoint.guard import QueryRefused, check_query, update_refused
from maillage.stores import QueryStore

HERE = Path(__file__).parent
EXAMPLE_QUERY = HERE / "sparql" / "example.rq"
GRACE_S = 2.0
CANCELLED = b"The SPARQL operation has been cancelled"
LIMIT_HEADER = "Maillage-Result-Limit"
# Media types of an entity, least preferred first: python-mimeparse gives ties to the last one,
# so `*/*` (curl, scripts) gets Turtle and browsers, which ask for text/html, get the page.
ENTITY_TYPES = ["text/html", "application/json", "application/ld+json", "text/turtle"]
FORMATS = {"html": "text/html", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
           "turtle": "text/turtle", "ttl": "text/turtle"}
SPARQL_PARAMS = ("default-graph-uri", "named-graph-uri")
STORE_DOWN = ("Le magasin RDF ne répond pas (redémarrage en cours ?), réessayez.\n"
              "The RDF store is not answering (restarting?), try again.\n")


@dataclass(frozen=True)
class FrontConfig:
    upstream: str  # the Oxigraph server, e.g. http://127.0.0.1:7879
    base: str  # entity IRIs base, served under /id/
    timeout: float  # seconds
    limit: int  # result cap


def _refusal(exc: QueryRefused) -> PlainTextResponse:
    return PlainTextResponse(exc.text(), status_code=exc.status)


def timeout_response(timeout: float) -> PlainTextResponse:
    return PlainTextResponse(
        f"La requête a dépassé le délai de {timeout:g} s et a été arrêtée : restreignez-la (motifs plus précis, LIMIT).\n"
        f"The query exceeded the {timeout:g} s timeout and was stopped: narrow it down (more specific patterns, LIMIT).\n",
        status_code=504)


@cache
def example_query() -> str:
    """The example of the landing page, without its documenting header."""
    lines = EXAMPLE_QUERY.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("#+")).strip()


def make_app(config: FrontConfig, store: QueryStore, on_runaway: Callable[[], None] | None = None,
             on_shutdown: Callable[[], None] | None = None) -> Starlette:
    """The front; `on_runaway` ends a query Oxigraph does not stop, `on_shutdown` runs when the server stops."""
    templates = Jinja2Templates(directory=HERE / "templates")
    prefixes = load_schema().prefixes
    client_holder: dict[str, httpx.AsyncClient] = {}
    restart_lock = asyncio.Lock()

    def local(iri: str) -> str | None:
        return "/id/" + iri[len(config.base):] if iri.startswith(config.base) else None

    def curie(iri: str) -> str:
        for prefix, namespace in prefixes.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def value(node: Node, label: str | None = None) -> Markup:
        """A value for people: a link (local for the graph's own entities), or the literal in its language."""
        if isinstance(node, URIRef):
            href = local(str(node)) or str(node)
            return Markup('<a href="{}">{}</a>').format(href, label or curie(str(node)))
        if isinstance(node, Literal) and node.language:
            return Markup('<span lang="{}">{}</span>').format(node.language, str(node))
        return escape(str(node))

    templates.env.globals.update(value=value, curie=curie)

    def page_context() -> dict:
        return {"sparql_url": "/sparql", "base": config.base, "timeout": f"{config.timeout:g}", "limit": config.limit,
                "example": example_query(), "example_url": "/sparql?" + urlencode({"query": example_query()}),
                "example_entity": "/id/territoire/departement/38"}

    async def read_query(request: Request) -> tuple[str | None, dict[str, list[str]]]:
        """The query text and the dataset parameters of a SPARQL 1.1 Protocol request."""
        if request.method == "GET":
            pairs = list(request.query_params.multi_items())
        else:
            media = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = (await request.body()).decode("utf-8", errors="replace")
            if media == "application/sparql-update":
                raise update_refused()
            if media == "application/sparql-query":
                pairs = [("query", body), *request.query_params.multi_items()]
            elif media == "application/x-www-form-urlencoded":
                pairs = parse_qsl(body, keep_blank_values=True)
            else:
                raise QueryRefused(415, "Envoyez la requête en application/sparql-query ou en formulaire "
                                        "application/x-www-form-urlencoded (paramètre « query »).",
                                   "Send the query as application/sparql-query or as an application/x-www-form-urlencoded "
                                   "form ('query' parameter).")
        names = {name for name, _ in pairs}
        if "update" in names or "using-graph-uri" in names:
            raise update_refused()
        queries = [v for n, v in pairs if n == "query"]
        if len(queries) > 1:
            raise QueryRefused(400, "Un seul paramètre « query » par requête.", "Exactly one 'query' parameter per request.")
        dataset = {n: [v for m, v in pairs if m == n] for n in SPARQL_PARAMS if n in names}
        return (queries[0] if queries else None), dataset

    async def sparql(request: Request) -> Response:
        try:
            text, dataset = await read_query(request)
            checked = check_query(text or "", config.limit)
        except QueryRefused as exc:
            return _refusal(exc)
        accept = request.headers.get("accept") or "application/sparql-results+json"
        try:
            upstream = await asyncio.wait_for(
                client_holder["client"].post("/query", data={"query": checked.text, **dataset}, headers={"Accept": accept}),
                timeout=config.timeout + GRACE_S)
        except TimeoutError:
            if on_runaway is not None and not restart_lock.locked():
                async with restart_lock:
                    await run_in_threadpool(on_runaway)
            return timeout_response(config.timeout)
        except httpx.TransportError:
            return PlainTextResponse(STORE_DOWN, status_code=503)
        if CANCELLED in upstream.content[-200:]:
            return timeout_response(config.timeout)
        headers = {"Vary": "Accept"}
        if checked.limit_added is not None:
            headers[LIMIT_HEADER] = str(checked.limit_added)
        return Response(upstream.content, status_code=upstream.status_code, headers=headers,
                        media_type=upstream.headers.get("content-type"))

    def refuse_update(request: Request) -> Response:
        return _refusal(update_refused())

    def landing(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", page_context())

    def entity(request: Request) -> Response:
        path = request.path_params["path"]
        iri = config.base + path
        wanted = FORMATS.get(request.query_params.get("format", "").lower()) or mimeparse.best_match(
            ENTITY_TYPES, request.headers.get("accept") or "*/*")
        headers = {"Vary": "Accept"}
        if not wanted:
            return PlainTextResponse("Formats disponibles / available: " + ", ".join(ENTITY_TYPES) + "\n",
                                     status_code=406, headers=headers)
        try:
            found = describe(store, iri)
        except ValueError:  # not an IRI at all: nothing can be known of it
            found = None
        except httpx.HTTPError:
            return PlainTextResponse(STORE_DOWN, status_code=503, headers=headers)
        if found is None:
            if wanted == "text/html":
                return templates.TemplateResponse(request, "not_found.html", {**page_context(), "iri": iri},
                                                  status_code=404, headers=headers)
            return PlainTextResponse(f"Entité inconnue : {iri}\nUnknown entity: {iri}\n", status_code=404, headers=headers)
        if wanted == "text/turtle":
            return Response(found.graph().serialize(format="turtle"), media_type="text/turtle", headers=headers)
        if wanted in ("application/ld+json", "application/json"):
            body = found.graph().serialize(format="json-ld", context=jsonld_context(), auto_compact=True)
            return Response(body, media_type="application/ld+json", headers=headers)
        return templates.TemplateResponse(request, "entity.html", {**page_context(), "entity": found, "path": f"/id/{path}"},
                                          headers=headers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        async with httpx.AsyncClient(base_url=config.upstream, timeout=None) as client:
            client_holder["client"] = client
            yield
        # Here, not after uvicorn.run returns: on SIGTERM uvicorn re-raises the signal once shut down.
        if on_shutdown is not None:
            await run_in_threadpool(on_shutdown)

    routes = [
        Route("/", landing),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/query", sparql, methods=["GET", "POST"]),
        Route("/update", refuse_update, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/store", refuse_update, methods=["POST", "PUT", "DELETE", "PATCH"]),
        Route("/id/{path:path}", entity),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                             allow_headers=["Accept", "Content-Type"], expose_headers=[LIMIT_HEADER])]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
