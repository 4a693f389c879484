"""The viewer's logic, as plain Python over the query library: every page of app/views is a thin layer on it.

  model.py        what pages show, as plain data (Viewer): cards, territories, search
  ui.py           what every page shares on Streamlit's side: the graph opened once, language, links
  warmup.py       the graph opened at start-up and the slow first computations done in the background
  sharing.py      the visitors' pages and the warm-up sharing one process (courtesy, values computed once)
  launch.py       `maillage-viewer`: the server, with the graph opened from the process's first moment
  maps.py, network.py, partners.py, query_forms.py, quality.py, console.py: one page's logic each
"""
