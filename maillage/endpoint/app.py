"""The public front of `maillage serve`: a thin Starlette app before the Oxigraph server.

- `/sparql` (and `/query`, Oxigraph's name): SPARQL 1.1 Protocol queries, GET
  or POST (urlencoded or `application/sparql-query`), checked by guard.py and
  passed to Oxigraph with the client's `Accept` header, so Oxigraph does the
  content negotiation (SPARQL JSON/XML/CSV/TSV, Turtle/N-Triples...).
  Without an `Accept` header (or with `*/*` only), SELECT and ASK answer SPARQL
  JSON, CONSTRUCT and DESCRIBE Turtle. `GET /sparql` (or HEAD) without a
  query is the SPARQL 1.1 Service Description (description.py).
- The dataset: the default graph is the union of the named graphs (Oxigraph's
  `union-default-graph`, asked for query by query), unless the query names its
  own with FROM / FROM NAMED or `default-graph-uri` / `named-graph-uri`, which
  Oxigraph then honours. A triple stated in several named graphs is repeated
  in the union once per graph (Oxigraph cannot do otherwise): DISTINCT, FROM
  or GRAPH say which is wanted (docs/endpoint.md).
- `/update`, `/store` writes and any update form or content type: 403.
- `/id/<path>`: the entity `<base><path>` (its facts and what points to it) as
  Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads, TriG or a French HTML page
  (Accept, or `?format=` for links); 404 page if unknown. Example IRIs of the
  catalogue (`<base>query/<name>`) and the concept schemes resolve there too.
- `/def/core`: the ontology, HTML documentation for people (ontology_docs),
  its graph in any RDF format above for machines.
- `/.well-known/void`, `/.well-known/sparql-examples`: the dataset's VoID and
  the query catalogue, in the same RDF formats.
- `/feeds/territory/<level>/<code>.atom`, `/feeds/theme/<code>.atom`: the Atom
  feeds of what changed from one build to the next (maillage/feeds.py), from
  the diffs kept beside the build (`changes/`); a territory or theme with no
  change has a valid feed without entries.
- `/`: what this endpoint is, with an example query.

Concurrency and deadlines. The front's event loop only moves bytes: the
checks run in parser processes behind a cache of checked texts
(checker.py), and each query is evaluated by an Oxigraph worker of its own
(engines.py), leased from a small pool for that query alone. Oxigraph's
`--timeout-s` is cooperative: it stops most evaluations but then answers 200
with a body cut short by "The SPARQL operation has been cancelled", and some
(ORDER BY, aggregates over a cartesian product) it does not stop at all
(oxigraph 0.5.13). So the front reads the whole answer within its own
deadline (timeout + GRACE_S): a cut body or a missed deadline is a 504 with
a French/English message, and on a missed deadline that query's worker is
killed and replaced; the other queries go on. A query that grows its worker
past the memory bound makes it abort: a 500 saying so, the worker replaced.
Queries wait their turn for a worker; after `queue_s` a 503 asks to try again.

No silent truncation. A capped answer used to be cut at `limit` rows and
said so only in a header, which SPARQL clients do not show: a client got
10,000 of 36,359 territories with a 200. Now an answer is complete or
refused:
- a query without a LIMIT is sent with LIMIT limit+1; if more than `limit`
  results come back, the front answers 400 with a French/English message
  saying how to page (ORDER BY + LIMIT/OFFSET), and the headers
  `Maillage-Result-Refused: rows` and `Maillage-Result-Limit`;
- an answer longer than `max_bytes` (rows are not bytes: one CONSTRUCT was
  101 MB) is refused the same way (`Maillage-Result-Refused: bytes`);
- a LIMIT above the cap is refused (guard.py).
Every answer states both caps (`Maillage-Result-Limit`,
`Maillage-Result-Max-Bytes`). Refusing rather than cutting is the only way a
standard client (SPARQLWrapper, YASGUI, curl) sees the cap. A client that
wants whole answers says so with the request header
`Maillage-Complete-Answer: yes`: no LIMIT is appended for it (the cap in
bytes, the deadline and the memory bound still hold). The project's own
client (stores.EndpointStore) sends it, and pages when an answer is over the
cap in bytes, so the library, the CLI, the Python API and the viewer get
every row, each query evaluated once (paging with OFFSET evaluates the
whole query again for each page: 5 times for the 36,359 territories).
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
import pyoxigraph as ox
from markupsafe import Markup, escape
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from graph_builder.constants import ONTOLOGY_DIR
from graph_builder.kinds import load_schema
from graph_builder.publication.ontology_docs import render
from maillage.endpoint.checker import Checker
from maillage.endpoint.description import service_description
from maillage.endpoint.engines import Busy, EnginePool, Worker
from maillage.endpoint.entities import INCOMING_MAX, describe, jsonld_context
from maillage.endpoint.guard import QueryRefused, count_results, update_refused
from maillage.feeds import FeedRefused, territory_feed, theme_feed
from maillage.library import EXAMPLES_GRAPH
from maillage.stores import QueryStore, StoreError

HERE = Path(__file__).parent
EXAMPLE_QUERY = HERE / "sparql" / "example.rq"
GRACE_S = 2.0
GRAPH_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?_graph_iri { ?s ?p ?o } }"
RUNNABLE = {URIRef(f"http://www.w3.org/ns/shacl#{form}") for form in ("select", "ask", "construct")}
FORMAT_LINKS = [("turtle", "text/turtle", "Turtle"), ("nt", "application/n-triples", "N-Triples"),
                ("rdfxml", "application/rdf+xml", "RDF/XML"), ("jsonld", "application/ld+json", "JSON-LD"),
                ("nquads", "application/n-quads", "N-Quads"), ("trig", "application/trig", "TriG")]
CANCELLED = b"The SPARQL operation has been cancelled"
# What Oxigraph answers (500) when the system refuses it a thread or memory: EAGAIN, ENOMEM.
RESOURCE_ERRORS = (b"(os error 11)", b"(os error 12)")
LIMIT_HEADER = "Maillage-Result-Limit"
BYTES_HEADER = "Maillage-Result-Max-Bytes"
REFUSED_HEADER = "Maillage-Result-Refused"  # rows or bytes: the answer was over that cap
COMPLETE_HEADER = "Maillage-Complete-Answer"  # "yes" from a client: no LIMIT appended (see above)
# Media types of an entity, least preferred first: python-mimeparse gives ties to the last one,
# so `*/*` (curl, scripts) gets Turtle and browsers, which ask for text/html, get the page.
ENTITY_TYPES = ["text/html", "application/json", "application/ld+json", "application/rdf+xml", "application/n-quads",
                "application/trig", "application/n-triples", "text/turtle"]
RDF_TYPES = ENTITY_TYPES[1:]  # documents with no HTML page of their own (VoID, catalogue, service description)
FORMATS = {"html": "text/html", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
           "turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
           "n-triples": "application/n-triples", "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml",
           "xml": "application/rdf+xml", "nq": "application/n-quads", "nquads": "application/n-quads",
           "n-quads": "application/n-quads", "trig": "application/trig"}
# rdflib's serialiser of each media type; N-Quads and TriG say in which named graph each triple is stated.
SERIALISERS = {"application/json": "json-ld", "application/ld+json": "json-ld", "application/rdf+xml": "pretty-xml",
               "application/n-triples": "nt", "application/n-quads": "nquads", "application/trig": "trig",
               "text/turtle": "turtle"}
QUAD_TYPES = ("application/n-quads", "application/trig")
# What Oxigraph writes, least preferred first (python-mimeparse gives ties to the last): `*/*` or no Accept gets
# SPARQL JSON for SELECT and ASK, Turtle for CONSTRUCT and DESCRIBE (Oxigraph's own choice was N-Quads, or 406).
ANSWER_TYPES = {
    "results": ["text/tab-separated-values", "text/csv", "application/sparql-results+xml", "application/json",
                "application/sparql-results+json"],
    "graph": ["application/n-quads", "application/trig", "application/ld+json", "application/rdf+xml",
              "application/n-triples", "text/turtle"],
}
SPARQL_PARAMS = ("default-graph-uri", "named-graph-uri")
BAD_ACCEPT = ("En-tête Accept illisible : donnez des types de média comme « text/html » ou « text/turtle » (ou le "
              "paramètre format=html, turtle, jsonld, nt, rdfxml, nquads, trig). Formats disponibles : "
              + ", ".join(ENTITY_TYPES) + "\n"
              "Unreadable Accept header: give media types such as 'text/html' or 'text/turtle' (or the parameter "
              "format=html, turtle, jsonld, nt, rdfxml, nquads, trig).\n")
STORE_DOWN = ("Le magasin RDF ne répond pas (redémarrage en cours ?), réessayez.\n"
              "The RDF store is not answering (restarting?), try again.\n")
BUSY = ("Le point d'accès est saturé : la requête n'a pas pu démarrer, réessayez dans un instant.\n"
        "The endpoint is saturated: the query could not start, try again shortly.\n")


@dataclass(frozen=True)
class FrontConfig:
    base: str  # entity IRIs base, served under /id/
    timeout: float  # seconds
    limit: int  # result cap, in results
    max_bytes: int  # result cap, in bytes
    memory_bytes: int | None = None  # each worker's bound, for the message
    # How long a query may wait for a free worker: under load, queries queue (50 clients, 4 workers), and
    # that is no reason to fail them; only a wait this long (a saturated endpoint) is answered 503.
    queue_s: float = 120.0
    public_url: str | None = None  # the endpoint's URL as clients reach it (service description); else the request's
    out_dir: Path | None = None  # the build served: its kept diffs give the Atom feeds (maillage/feeds.py)
    built_at: str | None = None  # its date, the `updated` of a feed without entries


class AnswerTooLong(Exception):
    pass


def unavailable(exc: Exception) -> PlainTextResponse:
    """A page that could not be read from the store (down, or its query refused or past its deadline): 503 saying
    why, in French then English, never a traceback."""
    if isinstance(exc, StoreError):
        return PlainTextResponse(f"{exc.message('fr')}\n{exc.message('en')}\n", status_code=503,
                                 headers={"Retry-After": "1", "Vary": "Accept"})
    return PlainTextResponse(STORE_DOWN, status_code=503, headers={"Retry-After": "1", "Vary": "Accept"})


def out_of_resources(content: bytes) -> bool:
    return any(error in content[-300:] for error in RESOURCE_ERRORS)


def _refusal(exc: QueryRefused) -> PlainTextResponse:
    return PlainTextResponse(exc.text(), status_code=exc.status)


def timeout_response(timeout: float) -> PlainTextResponse:
    return PlainTextResponse(
        f"La requête a dépassé le délai de {timeout:g} s et a été arrêtée : restreignez-la (motifs plus précis, LIMIT).\n"
        f"The query exceeded the {timeout:g} s timeout and was stopped: narrow it down (more specific patterns, LIMIT).\n",
        status_code=504)


def memory_response(memory_bytes: int | None) -> PlainTextResponse:
    bound = f" ({memory_bytes / (1 << 30):g} Gio / GiB)" if memory_bytes else ""
    return PlainTextResponse(
        f"La requête a dépassé la mémoire permise{bound} et a été arrêtée : restreignez-la (motifs plus précis, LIMIT).\n"
        f"The query exceeded the memory allowed{bound} and was stopped: narrow it down (more specific patterns, LIMIT).\n",
        status_code=500)


def too_many(config: FrontConfig, what: str, headers: dict[str, str]) -> PlainTextResponse:
    """The refusal of an answer over a cap: a message any client shows, the cap in headers for the project's."""
    if what == "rows":
        fr = (f"La réponse dépasse le plafond de {config.limit} résultats : elle n'est pas tronquée mais refusée. "
              f"Paginez avec ORDER BY et LIMIT {config.limit} OFFSET 0, {config.limit}, …")
        en = (f"The answer is over the cap of {config.limit} results: it is refused, not cut. "
              f"Page with ORDER BY and LIMIT {config.limit} OFFSET 0, {config.limit}, …")
    else:
        fr = (f"La réponse dépasse le plafond de {config.max_bytes} octets : elle n'est pas tronquée mais refusée. "
              "Paginez avec ORDER BY et LIMIT / OFFSET, ou demandez moins de valeurs.")
        en = (f"The answer is over the cap of {config.max_bytes} bytes: it is refused, not cut. "
              "Page with ORDER BY and LIMIT / OFFSET, or ask for fewer values.")
    return PlainTextResponse(f"{fr}\n{en}\n", status_code=400, headers={**headers, REFUSED_HEADER: what})


def serialise(graph: Graph, media: str, quads: Dataset | None = None) -> bytes:
    """`graph` in `media`; for N-Quads and TriG, `quads` (the same triples in their named graphs) when given."""
    if media in QUAD_TYPES:
        if quads is None:
            quads = Dataset()
            quads.default_context += graph  # no graph is named: the triples go in the default graph
        return quads.serialize(format=SERIALISERS[media], encoding="utf-8")
    if SERIALISERS[media] == "json-ld":  # the context inlined: reading it needs no network
        return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8")
    return graph.serialize(format=SERIALISERS[media], encoding="utf-8")


def negotiate(request: Request, types: list[str]) -> str | Response:
    """The media type to answer with (`?format=`, else `Accept`, ties to the last of `types`), or the 400/406."""
    headers = {"Vary": "Accept"}
    given = request.query_params.get("format", "").lower()
    if given:
        if FORMATS.get(given) in types:
            return FORMATS[given]
        known = ", ".join(sorted(name for name, media in FORMATS.items() if media in types))
        return PlainTextResponse(f"Format inconnu : « {given} ». Formats : {known}\nUnknown format: '{given}'. "
                                 f"Formats: {known}\n", status_code=400, headers=headers)
    try:
        wanted = mimeparse.best_match(types, request.headers.get("accept") or "*/*")
    except mimeparse.MimeTypeParseException:  # a malformed media range (« ;;; », « a/b/c »)
        return PlainTextResponse(BAD_ACCEPT, status_code=400, headers=headers)
    if not wanted:
        return PlainTextResponse("Formats disponibles / available: " + ", ".join(types) + "\n", status_code=406,
                                 headers=headers)
    return wanted


def answer_type(accept: str | None, form: str) -> str:
    """The media type to ask Oxigraph for: the best it writes for this query form, else the client's own header
    (Oxigraph then says what it cannot write)."""
    types = ANSWER_TYPES["graph" if form in ("ConstructQuery", "DescribeQuery") else "results"]
    try:
        return mimeparse.best_match(types, accept or "*/*") or accept or "*/*"
    except mimeparse.MimeTypeParseException:
        return accept or "*/*"


def incoming_query(iri: str, page: int) -> str:
    """A query listing every link to `iri`, `page` at a time (the entity page lists the first INCOMING_MAX)."""
    return (f"SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {ox.NamedNode(iri)} }} "
            f'FILTER (!STRENDS(STR(?g), "/personal")) }}\nORDER BY ?p ?s\nLIMIT {page} OFFSET 0')


@cache
def example_query() -> str:
    """The example of the landing page, without its documenting header."""
    lines = EXAMPLE_QUERY.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.startswith("#+")).strip()


@cache
def ontology_page() -> str:
    """The ontology's HTML documentation (`maillage docs`), rendered once."""
    return render(ONTOLOGY_DIR)


def make_app(config: FrontConfig, store: QueryStore, engines: EnginePool, checker: Checker,
             on_shutdown: Callable[[], None] | None = None) -> Starlette:
    """The front over started `engines` and `checker`; `on_shutdown` runs when the server stops."""
    templates = Jinja2Templates(directory=HERE / "templates")
    prefixes = load_schema().prefixes
    caps = {LIMIT_HEADER: str(config.limit), BYTES_HEADER: str(config.max_bytes)}

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
        if request.method in ("GET", "HEAD"):
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

    async def evaluate(worker: Worker, text: str, dataset: dict[str, list[str]], accept: str) -> httpx.Response:
        """The worker's whole answer, read within the cap in bytes (AnswerTooLong past it)."""
        form = {"query": text, **dataset}
        async with worker.client.stream("POST", "/query", data=form, headers={"Accept": accept}) as answer:
            body = bytearray()
            async for chunk in answer.aiter_bytes():
                body += chunk
                if len(body) > config.max_bytes:
                    raise AnswerTooLong  # leaving the block closes the connection: Oxigraph stops writing
        return httpx.Response(answer.status_code, headers=answer.headers, content=bytes(body))

    async def sparql(request: Request) -> Response:
        try:
            text, dataset = await read_query(request)
            if text is None and request.method in ("GET", "HEAD") and not dataset:
                return await run_in_threadpool(service, request)
            checked = await checker.check(text or "")
        except QueryRefused as exc:
            return _refusal(exc)
        accept = answer_type(request.headers.get("accept"), checked.form)
        if not checked.dataset and not dataset:
            # The union of the named graphs as default graph, for this query only: one that names its dataset
            # (FROM, FROM NAMED, default-graph-uri, named-graph-uri) gets that dataset from Oxigraph.
            dataset = {"union-default-graph": [""]}
        complete = request.headers.get(COMPLETE_HEADER, "").lower() == "yes" and checked.limit_added is not None
        try:
            for attempt in range(2):
                async with engines.lease(wait_s=config.queue_s) as worker:
                    try:
                        upstream = await asyncio.wait_for(evaluate(worker, text if complete else checked.text, dataset, accept),
                                                          timeout=config.timeout + GRACE_S)
                    except TimeoutError:
                        engines.retire(worker)  # this query alone: the other workers keep answering
                        return timeout_response(config.timeout)
                    except httpx.TransportError:
                        engines.retire(worker)
                        # A worker that ended during the query hit its memory bound (Oxigraph aborts on a failed allocation).
                        if await asyncio.to_thread(worker.server.ended, 0.5) is None:
                            return PlainTextResponse(STORE_DOWN, status_code=503)
                        if attempt == 0:
                            # Its address space may have been near the bound before this query (threads and arenas of
                            # earlier ones: a seed-size query was seen to end a worker under load), as for « os error
                            # 12 » below: once more on another worker; a query that really needs that much ends it too.
                            continue
                        return memory_response(config.memory_bytes)
                    if CANCELLED in upstream.content[-200:]:
                        # Cancelled by Oxigraph's own timeout: ended for the client, but not always in the worker (an ORDER
                        # BY was seen to grow its worker afterwards, failing the next query there): that worker goes too.
                        engines.retire(worker)
                        return timeout_response(config.timeout)
                    if attempt == 0 and upstream.status_code == 500 and out_of_resources(upstream.content):
                        # The worker could not start a thread or map memory (its address space near its bound after
                        # an earlier query; seen under load): it goes, and the query, read-only, runs once more on
                        # another worker.
                        engines.retire(worker)
                        continue
                break
        except Busy:
            return PlainTextResponse(BUSY, status_code=503, headers={"Retry-After": "1"})
        except AnswerTooLong:
            return too_many(config, "bytes", caps)
        headers = {"Vary": "Accept", **caps}
        media = upstream.headers.get("content-type") or ""
        if (upstream.status_code == 200 and checked.limit_added is not None and not complete
                and len(upstream.content) > config.limit):
            # Below limit+1 bytes no answer can hold limit+1 results (each takes a byte at least): no need to count.
            if await run_in_threadpool(count_results, upstream.content, media) > config.limit:
                return too_many(config, "rows", caps)
        return Response(upstream.content, status_code=upstream.status_code, headers=headers, media_type=media or None)

    def refuse_update(request: Request) -> Response:
        return _refusal(update_refused())

    def landing(request: Request) -> Response:
        return templates.TemplateResponse(request, "index.html", page_context())

    def public_url(request: Request) -> str:
        return config.public_url or str(request.url_for("sparql"))

    graphs: dict[str, Graph] = {}

    def named_graph(name: str) -> Graph:
        """A named graph of the served store, read once (the store does not change while it is served)."""
        if name not in graphs:
            graph = Graph()
            for prefix, namespace in prefixes.items():
                graph.bind(prefix, namespace)
            for triple in store.construct(GRAPH_QUERY, {"_graph_iri": name}):
                graph.add(triple)
            graphs[name] = graph
        return graphs[name]

    def document(request: Request, name: str, types: list[str] = RDF_TYPES,
                 more: Callable[[], Graph] | None = None) -> Response:
        """The named graph `name` of the served store (and the triples `more` gives) as an RDF document, in the format
        negotiated among `types`; 503 when the store cannot be read."""
        try:
            graph = named_graph(name) if more is None else named_graph(name) + more()
        except (httpx.HTTPError, StoreError) as exc:
            return unavailable(exc)
        wanted = negotiate(request, types)
        if isinstance(wanted, Response):
            return wanted
        quads = Dataset()
        named = quads.graph(URIRef(name))
        named += graph
        return Response(serialise(graph, wanted, quads), media_type=wanted, headers={"Vary": "Accept"})

    def service(request: Request) -> Response:
        wanted = negotiate(request, ENTITY_TYPES)
        if wanted == "text/html":  # a browser on the endpoint's URL: the page that says how to query it
            return landing(request)
        if isinstance(wanted, Response):
            return wanted
        try:
            names = sorted(str(row[0]) for row in store.select("SELECT ?g WHERE { GRAPH ?g { } }"))
        except (httpx.HTTPError, StoreError) as exc:
            return unavailable(exc)
        graph = service_description(public_url(request), names)
        return Response(serialise(graph, wanted), media_type=wanted, headers={"Vary": "Accept"})

    def void(request: Request) -> Response:
        return document(request, config.base + "graph/metadata", more=links_graph)

    def links_graph() -> Graph:
        """The VoID triples of the served catalogue's graph (description.examples_graph): those about the dataset
        and the catalogue's graph."""
        examples = named_graph(config.base + EXAMPLES_GRAPH)
        found = Graph()
        for subject in (URIRef(config.base + "dataset"), URIRef(config.base + EXAMPLES_GRAPH)):
            for p, o in examples.predicate_objects(subject):
                found.add((subject, p, o))
        return found

    def examples(request: Request) -> Response:
        return document(request, config.base + EXAMPLES_GRAPH)

    def ontology(request: Request) -> Response:
        wanted = negotiate(request, ENTITY_TYPES)
        if isinstance(wanted, Response):
            return wanted
        if wanted == "text/html":
            return HTMLResponse(ontology_page(), headers={"Vary": "Accept"})
        return document(request, config.base + "graph/ontology", [wanted])  # the format negotiated above

    def entity(request: Request) -> Response:
        path = request.path_params["path"]
        iri = config.base + path
        headers = {"Vary": "Accept"}
        wanted = negotiate(request, ENTITY_TYPES)
        if isinstance(wanted, Response):
            return wanted
        try:
            found = describe(store, iri)
        except ValueError:  # not an IRI at all: nothing can be known of it
            found = None
        except (httpx.HTTPError, StoreError) as exc:
            return unavailable(exc)
        if found is None:
            if wanted == "text/html":
                return templates.TemplateResponse(request, "not_found.html", {**page_context(), "iri": iri},
                                                  status_code=404, headers=headers)
            return PlainTextResponse(f"Entité inconnue : {iri}\nUnknown entity: {iri}\n", status_code=404, headers=headers)
        if wanted != "text/html":
            return Response(serialise(found.graph(), wanted, found.dataset()), media_type=wanted, headers=headers)
        run = next((str(f.value) for f in found.facts if f.predicate in RUNNABLE), None)
        return templates.TemplateResponse(request, "entity.html", {
            **page_context(), "entity": found, "path": f"/id/{path}", "formats": FORMAT_LINKS,
            "run_url": "/sparql?" + urlencode({"query": run}) if run else None,
            "incoming_page": min(INCOMING_MAX, config.limit),
            "incoming_url": "/sparql?" + urlencode({"query": incoming_query(iri, min(INCOMING_MAX, config.limit))})},
            headers=headers)

    def feed(request: Request) -> Response:
        """An Atom feed of what changed (maillage/feeds.py), read from the diffs kept beside the build."""
        params = request.path_params
        self_url = str(request.url)
        try:
            if config.out_dir is None:
                raise FeedRefused("Pas de flux : ce point d'accès ne sert pas de dossier de construction.\n"
                                  "No feeds: this endpoint serves no build directory.")
            if "level" in params:
                body = territory_feed(config.out_dir, config.base, params["level"], params["code"], self_url,
                                      config.built_at)
            else:
                body = theme_feed(config.out_dir, config.base, params["code"], self_url, config.built_at)
        except FeedRefused as exc:
            return PlainTextResponse(f"{exc}\n", status_code=404)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        engines.open()
        checker.open()
        yield
        await engines.close()
        checker.stop()
        # Here, not after uvicorn.run returns: on SIGTERM uvicorn re-raises the signal once shut down.
        if on_shutdown is not None:
            await run_in_threadpool(on_shutdown)

    routes = [
        Route("/", landing),
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/query", sparql, methods=["GET", "POST"]),
        Route("/update", refuse_update, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Route("/store", refuse_update, methods=["POST", "PUT", "DELETE", "PATCH"]),
        Route("/id/{path:path}", entity),
        Route("/def/core", ontology),
        Route("/.well-known/void", void),
        Route("/.well-known/sparql-examples", examples),
        Route("/feeds/territory/{level}/{code}.atom", feed),
        Route("/feeds/theme/{code}.atom", feed),
    ]
    # Any request header a browser client sends (YASGUI, Comunica: Authorization, X-Requested-With, Cache-Control...):
    # nothing here depends on credentials, so none is refused.
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                             allow_headers=["*"],
                             expose_headers=[LIMIT_HEADER, BYTES_HEADER, REFUSED_HEADER])]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
