"""The viewer's server: `streamlit run app/server.py` serves app/main.py and opens the graph at start-up.

Streamlit runs a page's script only when someone connects; at national size, opening the graph and
computing what the first page shows takes seconds. This `st.App` begins that work when the server
starts (its lifespan, graph_builder.warmup.begin), so that the first visitor finds it done or under
way. `streamlit run app/main.py` works too, opening the graph at the first visit.
"""

from contextlib import asynccontextmanager

import streamlit as st

from graph_builder.viewer_ui import out_dir
from graph_builder.warmup import begin


@asynccontextmanager
async def lifespan(_app):
    begin(out_dir())  # in a daemon thread: the server answers at once
    yield


app = st.App("main.py", lifespan=lifespan)
