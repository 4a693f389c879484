"""The territory page's link to the territory's Atom feed of what changed (maillage/feeds.py), which `maillage serve`
serves: at MAILLAGE_ENDPOINT_URL (the endpoint's address as people reach it), else at serve's default address."""

from __future__ import annotations

import os
from urllib.parse import quote

import streamlit as st

from app.viewer.ui import t
from maillage.territories import Territory

DEFAULT_ENDPOINT = "http://127.0.0.1:7878"  # `maillage serve` without --host or --port


def feed_url(territory: Territory) -> str:
    endpoint = (os.environ.get("MAILLAGE_ENDPOINT_URL") or DEFAULT_ENDPOINT).rstrip("/")
    return f"{endpoint}/feeds/territory/{quote(territory.level, safe='')}/{quote(territory.code, safe='')}.atom"


def show_feed_link(territory: Territory) -> None:
    """« Suivre ce territoire (flux Atom) »: what appears, ends or changes on it, in any feed reader."""
    st.markdown(f"[{t('Suivre ce territoire (flux Atom)', 'Follow this territory (Atom feed)')}]({feed_url(territory)})"
                + t(" — ce qui apparaît, se termine ou change ici, d'une construction du graphe à l'autre.",
                    " — what appears, ends or changes here, from one build of the graph to the next."))
