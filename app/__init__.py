"""The viewer: a Streamlit app for coordinators and analysts over a built graph.

  main.py, server.py  Streamlit's entry scripts (`maillage-viewer` runs server.py)
  views/              the pages, thin: each reads plain data from viewer/ and lays it out
  viewer/             the viewer's logic, as plain Python: what pages show, maps, network, partner finder,
                      forms, the graph opened once and warmed up in the background
"""
