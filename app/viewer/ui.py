"""What every page of the viewer (app/) shares: the graph (opened once, cached), the chosen language,
links to entity pages. Streamlit-side helpers; the logic itself is in viewer.py."""

from __future__ import annotations

import streamlit as st

from app.viewer.model import Search, Territory, Viewer, entity_base, manifest, short
from app.viewer.text import date_text, md
from app.viewer.warmup import begin, out_dir
from graph_builder.problems import thousands
from graph_builder.referential.geometry import Geometry, GeometryError, prepared, prepared_directory
from graph_builder.referential.geometry import load as load_geometry
from maillage.territories import MAX_TEXT

SEARCH_LIMIT = 30  # candidates a territory field lists (Viewer.find_territories)


@st.cache_resource(show_spinner=False)
def viewer(directory: str) -> Viewer:
    """The built graph of `directory`, opened once per process, read only. Its opening may already be under
    way: app/server.py begins it when the server starts (warmup.begin), before anyone connects."""
    return begin(directory).viewer


def graph() -> Viewer:
    opening = begin(out_dir())
    if not opening.opened.is_set():
        _while_opening(opening)
    return viewer(out_dir())


def first_view() -> Viewer:
    """Accueil's graph: the answers kept with the build (maillage/kept.py: the graph's own, Accueil drawn at once
    instead of waiting seconds for the graph), else the opened graph."""
    opening = begin(out_dir())
    if (kept := Viewer.kept(opening.source)) is not None:
        return kept
    return graph()


def _while_opening(opening) -> None:
    """While the graph opens (seconds at national size, once per process), say so over the outline of France,
    with what the build's manifest says and where to start. Meanwhile the browser loads the code that draws the
    maps (Plotly, 4.7 MB), the tables and the links (Streamlit loads each kind of element's code when first
    shown): the first page waited for them after its run (measured: its map drawn a second later)."""
    from app.viewer.maps import outline_figure

    shown = st.empty()
    with shown.container():
        st.caption(t("Ouverture du graphe : quelques secondes au premier lancement…",
                     "Opening the graph: a few seconds at the first start…"))
        if (build := manifest(opening.source)) is not None:
            st.table(_build_table(build))
        entry_points()
        if (geo := prepared()) is not None:
            st.plotly_chart(outline_figure(geo), config={"displaylogo": False, "staticPlot": True},
                            alt=t("Carte de France", "Map of France"))
    opening.opened.wait()
    shown.empty()


def _build_table(build: dict) -> dict[str, list[str]]:
    """The manifest's date, size and conformity, in the chosen language."""
    yes, no = t("oui", "yes"), t("non", "no")
    rows = [(t("Construit le", "Built on"), date_text(build.get("built_at", ""), lang())),
            (t("Quadruplets", "Quads"), thousands(build.get("quads", 0), lang())),
            # The manifest's "conforms" is the build's flag (no violation), not SHACL's sh:conforms (no result at all).
            (t("Sans violation SHACL", "No SHACL violation"), yes if build.get("conforms") else no)]
    if build.get("synthetic"):
        rows.append((t("Données de synthèse", "Synthetic data"), yes))
    return {t("Graphe", "Graph"): [name for name, _ in rows], t("Valeur", "Value"): [value for _, value in rows]}


def entry_points() -> None:
    """Links to the pages a newcomer starts from (Accueil, and the opening view)."""
    st.page_link("views/partenaires.py", label=t("Trouver des partenaires", "Find partners"))
    st.page_link("views/territoires.py", label=t("Chercher un territoire", "Find a territory"))
    st.page_link("views/experiences.py", label=t("Parcourir les expériences", "Browse the experiences"))
    st.page_link("views/coordinations.py", label=t("Parcourir les coordinations", "Browse the coordinations"))


def geometry() -> Geometry | None:
    """The maps' points and outlines, prepared by `maillage geometry fetch` (never fetched from here: offline);
    None, and said so, when they are missing."""
    try:
        return load_geometry(prepared_directory())
    except GeometryError as error:
        st.info(error.message(lang()))
        return None


def lang() -> str:
    return st.session_state.get("lang", "fr")


def t(fr: str, en: str) -> str:
    """The text in the chosen language."""
    return en if lang() == "en" else fr


def choose() -> str:
    """The placeholder of every select box and multiple choice: Streamlit's own is « Choose an option »."""
    return t("Choisissez…", "Choose…")


# Each kind of page its icon (Material Symbols, in Streamlit's own bundle: nothing fetched), so that a link
# reads as one and says where it leads.
ICONS = {"territoires": ":material/location_on:", "experiences": ":material/lightbulb:",
         "coordinations": ":material/hub:", "acteurs": ":material/groups:"}


def entity_link(page: str, iri: str, label: str, bold: bool = False) -> None:
    """A link to an entity's page, opened in the same tab and session (quick: no new start), whose address is
    the entity's shareable URL (query parameter `id`); `label` (from the graph) is shown as text."""
    text = f"**{md(label)}**" if bold else md(label)
    st.page_link(f"views/{page}.py", label=text, icon=ICONS.get(page), query_params={"id": short(iri)})


def entity_links(page: str, items: list[tuple[str, str]], title: str = "", empty: str = "—") -> None:
    """Links to several entities' pages ((IRI, label) pairs) side by side, after `title` (Markdown written here) if
    given; `empty` (text) when there is none."""
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        if title:
            st.markdown(title, width="content")
        for iri, label in items:
            entity_link(page, iri, label)
        if not items:
            st.markdown(md(empty), width="content")


def sources_link(iri: str) -> None:
    """A link to the Qualité et sources page, showing where each fact about the entity comes from."""
    st.page_link("views/qualite.py", label=t("D'où vient chaque fait de cette fiche", "Where each fact of this card comes from"),
                 query_params={"id": short(iri)})


def correction_link(iri: str) -> None:
    """A link to the page Contribuer, its form pre-filled with the card's record (a proposed correction)."""
    st.page_link("views/contribuer.py", label=t("Proposer une correction", "Suggest a correction"), icon=":material/edit:",
                 query_params={"corriger": short(iri)})
def paged(items: list, per_page: int, param: str = "page", label: tuple[str, str] = ("Page", "Page")) -> list:
    """One page of `items`, `per_page` long, chosen in a field shown when there are more (kept in the URL,
    query parameter `param`): a browser draws tens of cards in a fraction of a second, thousands in a minute."""
    pages = -(-len(items) // per_page)
    if pages <= 1:
        in_url(param, None)
        return items
    wanted = st.query_params.get(param, "1")
    first = int(wanted) if wanted.isdigit() and 1 <= int(wanted) <= pages else 1
    # One field per length of the list: new filters start again at their first page.
    number = st.number_input(t(f"{label[0]} (sur {pages})", f"{label[1]} (of {pages})"), min_value=1, max_value=pages,
                             value=first, step=1, key=f"{param}.{len(items)}")
    in_url(param, str(number) if number > 1 else None)
    return items[(number - 1) * per_page:number * per_page]


def unknown(wanted: str) -> None:
    """Say that the page's `id` names nothing known (a mistyped or outdated link)."""
    st.error(t(f"Aucune fiche ne correspond à « {md(wanted)} » : le lien est peut-être erroné ou ancien.",
               f"Nothing matches '{md(wanted)}': the link may be mistyped or outdated."))


def linked_card(cards: dict):
    """The complete card (long texts included) the page's `id` names (a shared link), or None; a link naming
    nothing is said so."""
    wanted = st.query_params.get("id", "")
    card = cards.get(entity_base() + wanted)
    if card is not None:
        card = graph().complete(card)
    if card is None and wanted:
        unknown(wanted)
    elif card is not None:
        # A link from a filtered list of the same page reaches here with the browser's address unchanged: the
        # address is made the card's own (the list's filters dropped, the language kept), ready to be shared.
        for param in [p for p in st.query_params if p not in ("id", "lang")]:
            del st.query_params[param]
        st.query_params["id"] = wanted
    return card


def in_url(param: str, value: str | None) -> None:
    """Keep a filter's value in the URL (query parameter `param`), so that a filtered view can be shared."""
    if value:
        st.query_params[param] = value
    else:
        st.query_params.pop(param, None)


def url_select(label_fr: str, label_en: str, options: dict[str, str], param: str) -> str:
    """A filter (IRI -> label, "" first for everything) whose choice is read from and written to the URL."""
    keys = list(options)
    wanted = entity_base() + st.query_params.get(param, "") if st.query_params.get(param) else ""
    choice = st.selectbox(t(label_fr, label_en), keys, format_func=options.get, key=f"filter.{param}",
                          index=keys.index(wanted) if wanted in keys else 0, placeholder=choose())
    in_url(param, short(choice) if choice else None)
    return choice


def territory_field(label_fr: str, label_en: str, key: str, value: str = "",
                    chosen: Territory | None = None) -> tuple[Territory | None, str]:
    """A territory searched for by name or code (maillage/territories.py: case, accents, hyphens, « St », postal
    and former codes, communes déléguées, EPT...): (the territory chosen or None, the text typed).

    One territory named exactly is taken, and said; several (homonyms, a postal code that is also an INSEE
    code) are listed with their département for the visitor to choose from: none is chosen for them. A text
    naming nothing is said so and gives None: no earlier answer stays under the warning. `chosen`: the territory
    a shared link chose, preselected among its homonyms (« Saint-Denis » of the link, not the list's first)."""
    text = st.text_input(t(label_fr, label_en), value[:MAX_TEXT], key=key, max_chars=MAX_TEXT,  # a link's text, cut
                         placeholder=t("Nom, code INSEE ou code postal, ex. Saint-Denis ou 38100",
                                       "Name, INSEE or postal code, e.g. Saint-Denis or 38100"))
    if not text.strip():
        return None, ""
    g = graph()
    found = g.find_territories(text)
    if not found:
        st.warning(t(f"Aucun territoire ne correspond à « {md(text)} » : essayez un autre nom, un code INSEE ou un "
                     "code postal.", f"No territory matches '{md(text)}': try another name, an INSEE or postal code."))
        return None, text
    single = Search.single(found)
    if len(found) == 1:
        st.caption(md(single.label(lang())))
        return g.territory(single.target.key), text
    # Indexes as options: the choice is kept per text (a new text, a new choice) and never made for the visitor,
    # except for the one territory the text names exactly (the others, near names, stay listed to switch to).
    picked = st.selectbox(t(f"{len(found)} territoires correspondent : lequel ?",
                            f"{len(found)} territories match: which one?"), range(len(found)),
                          index=next((i for i, f in enumerate(found) if chosen is not None and f.target.key == chosen.key),
                                     found.index(single) if single is not None else None),
                          format_func=lambda i: found[i].label(lang()), key=f"{key}.pick.{text.strip()}",
                          placeholder=t("Choisissez votre territoire…", "Choose your territory…"))
    if len(found) == SEARCH_LIMIT:
        st.caption(t(f"Les {SEARCH_LIMIT} meilleurs : précisez le nom pour voir les autres.",
                     f"The best {SEARCH_LIMIT}: refine the name to see the others."))
    if picked is None:
        st.info(t("Plusieurs territoires portent ce nom ou ce code : choisissez le vôtre dans la liste.",
                  "Several territories bear this name or code: choose yours in the list."))
        return None, text
    return g.territory(found[picked].target.key), text


def territory_filter(label_fr: str, label_en: str, param: str = "territoire", halt: bool = False) -> str | None:
    """A place filter (territory_field): the chosen territory's key, or None when empty, unknown or not chosen yet.
    `halt`: the page stops there while a text names no territory or awaits a choice (the filter is its last
    field): no list stands under the warning as if it answered.

    The URL keeps the chosen territory's `level/code` (query parameter `param`), or the text while nothing is
    chosen: a shared link shows the same filter."""
    chosen, text = territory_field(label_fr, label_en, f"filter.{param}", st.query_params.get(param, ""))
    in_url(param, chosen.key if chosen else text.strip())
    if halt and text.strip() and chosen is None:
        st.stop()
    return chosen.key if chosen else None


def open_on_click(key: str, target) -> None:
    """Open the page a click on the chart `key` names: `target(state)` gives (page url_path, id) or None.
    Called as the chart's callback, so the Territoires search box can still be emptied for the new page."""
    found = target(st.session_state.get(key))
    if found:
        st.session_state["search"] = ""
        st.session_state["_open"] = found


def follow_click() -> None:
    """After a chart: switch to the page a click asked for (see open_on_click)."""
    found = st.session_state.pop("_open", None)
    if found:
        st.switch_page(f"views/{found[0]}.py", query_params={"id": found[1]})


def territory_map(figure, key: str, alt: str) -> None:
    """A plotly map whose click on a territory (customdata `level/code`) opens its Territoires page."""
    from app.viewer.maps import clicked_territory

    def target(state):
        clicked = clicked_territory(state)
        return ("territoires", f"territoire/{clicked}") if clicked else None

    st.plotly_chart(figure, key=key, on_select=lambda: open_on_click(key, target), selection_mode="points",
                    config={"displaylogo": False, "scrollZoom": True}, alt=alt)
    follow_click()
