"""Benchmarks, out of the product's path: each prints a table of figures with the machine's CPU.

  build.py    `maillage bench`: build, validation, dumps and loading per data size
  queries.py  `maillage bench-queries`: every library query's latency per size and engine
  viewer.py   `maillage bench-viewer`: the viewer's first page and interactions in a real browser
  browser.py  the viewer in Debian's chromium, offline, driven by Playwright (also the browser test's)
"""
