"""The SPARQL endpoint, entity IRIs that resolve, and pushing the dataset to remote stores.

  dataset.py         the built dataset (build/maillage.nq) as quads, personal graphs left out unless asked
  oxigraph_server.py the real `oxigraph` server (PyPI package `oxigraph`): a cached on-disk store
                     loaded from the dump, `serve-read-only` on 127.0.0.1, readiness, clean stop
  guard.py           what the front lets through: queries only, no SERVICE, a result cap, a size limit
  checker.py         the guard's checks off the event loop: a cache of checked texts, parser processes, a parse limit
  engines.py         a pool of Oxigraph workers, one query each: a missed deadline or the memory bound ends that one
  entities.py        entity descriptions for the /id/... pages (facts and incoming links), read through a QueryStore
  description.py     what the endpoint says of itself: the catalogue it loads, its VoID links, its service description
  app.py             the Starlette front: SPARQL 1.1 Protocol proxy, /id/... and /def/core content negotiation,
                     /.well-known/void and /.well-known/sparql-examples, /
  serve.py           `maillage serve`: store + Oxigraph workers + parsers + front under uvicorn
  graph_store.py     `maillage load`: the dataset into any SPARQL 1.1 Graph Store, graph by graph (Digest or Basic)
"""
