"""What the viewer sets around every page, once per run (app/main.py): its CSS (a visible keyboard focus, the phone's
« Pages » button) and the page's language, with Streamlit's own accessible names in French; and, once per tab, the
code of the elements the next pages draw loaded while the visitor reads the first one (PRELOADED).

Streamlit writes `<html lang="en">` whatever the page says (RGAA 8.3) and names its own controls in English (the
skip link, the sidebar's buttons, a select box's « Choose an option »...), with no setting for either. A script,
run in the page itself (`st.html(..., unsafe_allow_javascript=True)`: not in a frame), sets `lang` to the chosen
language and, as Streamlit draws its elements, gives the names listed in STREAMLIT_WORDS their French form (their
English one back when English is chosen). Everything the project can set through Streamlit's own parameters is set
there instead (`placeholder=`, `select_all=False`); what stays in English is listed in docs/accessibility.md.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import streamlit as st

THEME_CSS = Path(__file__).with_name("theme.css")

# Streamlit's accessible names and placeholders (English) -> French. Exact texts, plus prefixes ending in a space
# for names built around a label (« Remove Santé mentale »). Only attributes, the skip link and a text field's hint
# are rewritten, never text from the graph.
STREAMLIT_WORDS = {
    "Skip to main content": "Aller au contenu principal",
    "Sidebar": "Menu latéral",
    "Expand sidebar": "Ouvrir le menu des pages",
    "Collapse sidebar": "Fermer le menu des pages",
    "App pages": "Pages du site",
    "Main menu": "Menu principal",
    "Choose an option": "Choisissez…",
    "Choose options": "Choisissez…",
    "No options to select": "Aucun choix possible",
    "Selected values": "Valeurs choisies",
    "Clear all": "Tout effacer",
    "Clear value": "Effacer",
    "Open": "Ouvrir la liste",
    "Close": "Fermer",
    "Link to heading": "Lien vers ce titre",
    "Search": "Rechercher",
    "Show/hide columns": "Afficher ou masquer des colonnes",
    # the hint under a text field being typed in
    "Press Enter to apply": "Appuyez sur Entrée pour valider",
    "Press Ctrl+Enter to apply": "Appuyez sur Ctrl+Entrée pour valider",
    "Press ⌘+Enter to apply": "Appuyez sur ⌘+Entrée pour valider",
    "Press Enter to submit form": "Appuyez sur Entrée pour envoyer le formulaire",
    "Fullscreen": "Plein écran",
    "Close fullscreen": "Quitter le plein écran",
    "Increment value": "Augmenter",
    "Decrement value": "Diminuer",
    # plotly's tool bar over the maps (its own `locale` needs a bundle Streamlit does not ship)
    "Download plot as a PNG": "Télécharger l'image (PNG)",
    "Zoom": "Zoomer",
    "Pan": "Déplacer",
    "Zoom in": "Agrandir",
    "Zoom out": "Réduire",
    "Autoscale": "Échelle automatique",
    "Reset axes": "Revenir à la vue d'origine",
    "Remove ": "Retirer ",
    "Help for ": "Aide : ",
}
# The words the phone's « Pages » button shows (theme.css), per language.
PAGES_BUTTON = {"fr": "Pages", "en": "Pages"}

# The code of Streamlit's elements that the pages after the first one draw, which Streamlit's front end loads only when
# a first such element arrives (its Vite chunks, STREAMLIT_JS): measured at national size, a first territory page
# was drawn 1.8 s after the end of its run (Plotly's 4.7 MB, the tables' Arrow reader), a second one at once. The
# script loads them one by one while the browser is idle, the most needed first and Plotly last, once per tab.
PRELOADED = ("TextInput", "Selectbox", "NumberInput", "Checkbox", "DownloadButton", "Multiselect", "DataFrame",
             "PlotlyChart")
STREAMLIT_JS = Path(st.__file__).parent / "static" / "static" / "js"

_SCRIPT = """<script>
(() => {
  const chrome = window.maillageChrome = window.maillageChrome || {};
  chrome.lang = %(lang)s;
  chrome.button = %(button)s;
  if (!chrome.words) {
    const fr = %(words)s;
    const en = Object.fromEntries(Object.entries(fr).map(([english, french]) => [french, english]));
    chrome.words = {fr, en};
  }
  // Streamlit's texts (not attributes) rewritten: the skip link, the hint under a text field.
  const TEXTS = '[data-testid="stSkipToContent"], [data-testid="InputInstructions"] > span';
  const say = (text) => {
    const words = chrome.words[chrome.lang] || {};
    if (text in words) return words[text];
    for (const [from, to] of Object.entries(words)) {
      if (from.endsWith(" ") && text.startsWith(from)) return to + text.slice(from.length);
    }
    return text;
  };
  chrome.apply = () => {
    chrome.pending = false;
    chrome.preload();
    if (document.documentElement.lang !== chrome.lang) document.documentElement.lang = chrome.lang;
    for (const name of ["aria-label", "placeholder", "title", "data-title"]) {
      for (const element of document.querySelectorAll(`[${name}]`)) {
        const before = element.getAttribute(name), after = say(before);
        if (after !== before) element.setAttribute(name, after);
      }
    }
    for (const element of document.querySelectorAll(TEXTS)) {
      const after = say(element.textContent);
      if (after !== element.textContent) element.textContent = after;
    }
    for (const element of document.querySelectorAll('[data-testid="stExpandSidebarButton"]')) {
      if (element.getAttribute("data-maillage-text") !== chrome.button) element.setAttribute("data-maillage-text", chrome.button);
    }
  };
  if (!chrome.observer) {
    // Streamlit draws (and redraws) its elements after this script: each batch of changes is looked at once,
    // at the next frame. Only what differs is written, so the observer never feeds itself.
    chrome.observer = new MutationObserver(() => {
      if (!chrome.pending) { chrome.pending = true; requestAnimationFrame(chrome.apply); }
    });
    chrome.observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true,
                                            attributeFilter: ["aria-label", "placeholder", "title", "data-title",
                                                              "data-test-script-state"]});
  }
  // The code of the next pages' elements, loaded one by one when the browser is idle, from the same URLs as
  // Streamlit's own lazy imports (the module loaded here is the one Streamlit finds later). Not while the first page
  // is drawn: once it is (its run over, no element waiting for its code), at the visitor's first click or key (the
  // browser then waits for the server's next run) or 3 s later, whichever comes first.
  chrome.preload = () => {
    const drawn = document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')
      && !document.querySelector('[data-testid="stSkeleton"]');
    if (chrome.preloading || !drawn) return;
    chrome.preloading = true;
    const index = document.querySelector('script[src*="/static/js/index."]');
    const chunks = index ? %(chunks)s.map((name) => new URL(name, index.src).href) : [];
    const idle = (then) => window.requestIdleCallback ? requestIdleCallback(then, {timeout: 3000}) : setTimeout(then, 200);
    const next = () => { const chunk = chunks.shift(); if (chunk) idle(() => import(chunk).catch(() => {}).finally(next)); };
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      for (const kind of ["pointerdown", "keydown"]) document.removeEventListener(kind, start, true);
      next();
    };
    const timer = setTimeout(start, 3000);
    for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, start, true);
  };
  chrome.apply();
})();
</script>"""


@cache
def preloaded_chunks() -> tuple[str, ...]:
    """The file names of the PRELOADED elements' chunks in the installed Streamlit (`Selectbox.<hash>.js`), in that
    order; an element whose chunk is not found exactly once (another Streamlit) is left out: only slower."""
    found = {name: sorted(STREAMLIT_JS.glob(f"{name}.*.js")) for name in PRELOADED}
    return tuple(files[0].name for files in found.values() if len(files) == 1)


def script(lang: str) -> str:
    """The page's script for `lang` (fr or en): the language and the words are data, serialised as JSON."""
    return _SCRIPT % {"lang": json.dumps(lang), "button": json.dumps(PAGES_BUTTON[lang]),
                      "words": json.dumps(STREAMLIT_WORDS, ensure_ascii=False),
                      "chunks": json.dumps(list(preloaded_chunks()))}


def dress(lang: str) -> None:
    """The CSS (kept out of the page's flow by Streamlit: style only) and the script, in the sidebar so that no
    blank block opens the main area; Streamlit keeps the sidebar in the page, folded or not."""
    st.html(THEME_CSS)
    with st.sidebar:
        st.html(script(lang), unsafe_allow_javascript=True, width="content")
