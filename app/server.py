"""The viewer's server: `streamlit run app/server.py` serves app/main.py and opens the graph at start-up.

Streamlit runs a page's script only when someone connects; at national size, opening the graph and
computing what the first page shows takes seconds. Here that work begins as the server starts
(app.viewer.warmup.begin, in a background thread), so that the first visitor finds it done or under
way. `streamlit run app/main.py` works too, opening the graph at the first visit.
"""

import streamlit as st

from app.viewer.ahead import entity_pages_ahead, territory_page_ahead
from app.viewer.warmup import PAGE_AHEAD, begin, out_dir

# A first territory page's one-time work, then a first coordination's and experience's, done by the warm-up (which
# cannot import the pages' modules).
for step in (territory_page_ahead, entity_pages_ahead):
    if step not in PAGE_AHEAD:
        PAGE_AHEAD.append(step)
# Begun when this module is imported, not in the App's lifespan: Streamlit's runtime is made first, and
# making it scans every installed package for components (0.7 s) while the graph could already be loading.
begin(out_dir())

app = st.App("main.py")
