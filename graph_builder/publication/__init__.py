"""Step 5 of the data flow and what is published from a build.

  outputs.py         the dumps (N-Quads, TriG, Turtle, JSON-LD), the report and manifest, written atomically
  oxigraph_store.py  the built dataset in an Oxigraph store (which serialises the dumps)
  jsonld_context.py  the JSON-LD context shipped in ontology/
  export.py          `maillage export`: linked-data dumps, CSV tables (tables.py) and a VoID/DCAT description
  counts.py          entities per class and triples per named graph of a built dataset
  ontology_docs.py   the ontology's HTML documentation (html/)
"""
