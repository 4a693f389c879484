"""Honest answers: what the graph knows, said as such. An empty result says whether the graph knows nothing there and
where the nearest it knows is (« 0 en Seine-Saint-Denis ; 1 en Île-de-France »: the larger territories containing it,
from the official nesting); a gap is worded as what the graph knows (« d'après les 11 coordinations connues du
graphe »), never as a verdict on the territory. Texts in French or English (`lang`), Markdown with the graph's names
escaped."""

from __future__ import annotations

from app.viewer.model import MLG, Territory, Viewer, pick
from app.viewer.text import md, period_text
from graph_builder.problems import thousands

KINDS = {"coordination": ("coordinations connues", "coordinations"), "experience": ("expériences connues", "experiences"),
         "actor": ("acteurs connus", "actors")}


def _count_in(territory: Territory, count: int, lang: str) -> str:
    """« Échirolles : 0 », « Bouches-du-Rhône : 2 »: the name then its count, never a preposition (« en Isère » but « dans
    les Bouches-du-Rhône », « au Havre »: the article of each name is not in the referential)."""
    return f"{territory.name} : {count}" if lang == "fr" else f"{territory.name}: {count}"


def nearest_known(viewer: Viewer, territory: Territory, kind: str, lang: str = "fr") -> list[tuple[Territory, int]]:
    """How many entities of `kind` (coordination, experience, actor) the graph knows in the territory, then in each
    larger territory containing it, up to the first one where it knows some."""
    counts = []
    for place in viewer.nesting(territory.key):
        counts.append((place, len(viewer.around(place.key, lang)[kind])))
        if counts[-1][1]:
            break
    return counts


def known_in_all(viewer: Viewer, kind: str) -> int:
    """How many entities of `kind` the whole graph knows (entities_by_type: read once, at the server's start)."""
    rows = viewer.once("entities_by_type")
    index = {name: i for i, name in enumerate(rows.variables)}
    wanted = MLG + {"coordination": "Coordination", "experience": "FieldExperience", "actor": "Actor"}[kind]
    return next((int(row[index["count"]]) for row in rows if str(row[index["class"]]) == wanted), 0)


def elsewhere(viewer: Viewer, territory: Territory, kind: str, lang: str = "fr") -> str:
    """The nearest known alternative to an empty answer: « D'après le graphe : Échirolles : 0 ; Grenoble-Alpes-Métropole :
    0 ; Isère : 0 ; Auvergne-Rhône-Alpes : 2 (11 coordinations connues en tout). »"""
    counts = nearest_known(viewer, territory, kind, lang)
    steps = " ; ".join(_count_in(place, count, lang) for place, count in counts)
    total = known_in_all(viewer, kind)
    if lang == "en":
        return f"According to the graph: {md(steps)} ({total} {KINDS[kind][1]} known in all)."
    return f"D'après le graphe : {md(steps)} ({total} {KINDS[kind][0]} en tout)."


def uncovered_themes_answer(viewer: Viewer, territory: Territory, here: int, lang: str = "fr") -> str:
    """The themes no known coordination of the territory works on, worded as what the graph knows: with none known
    there, that nothing can be said; else the themes, « d'après les N coordinations connues du graphe »."""
    total = known_in_all(viewer, "coordination")
    themes = viewer.uncovered_themes(territory.key, lang)
    if not here:
        return (f"The graph knows no coordination here (of the {total} it knows): it cannot say which themes are "
                f"worked on here." if lang == "en" else
                f"Le graphe ne connaît aucune coordination ici (sur les {total} qu'il connaît) : il ne peut pas dire "
                f"quelles thématiques y sont travaillées.")
    if not themes:
        return ("None: according to the graph, every theme is worked on by one of its coordinations here."
                if lang == "en" else
                "Aucune : d'après le graphe, chaque thématique est travaillée ici par l'une de ses coordinations.")
    listed = ", ".join(md(theme) for theme in themes)
    if lang == "en":
        return (f"According to the {total} coordinations known to the graph ({here} of them here), none works here "
                f"on: {listed}. The graph may not know every coordination.")
    return (f"D'après les {total} coordinations connues du graphe (dont {here} ici), aucune ne travaille ici : "
            f"{listed}. Le graphe ne connaît peut-être pas toutes les coordinations.")


def what_the_graph_knows(viewer: Viewer, lang: str = "fr") -> str:
    """One sentence for Accueil: the counts of the main kinds and the span of the sources' dates."""
    counts = dict(viewer.counts_by_type(lang))
    kinds = ", ".join(f"{md(name)} ({thousands(count, lang)})" for name, count in counts.items())
    dates = sorted(date for _, _, date in source_dates(viewer, lang) if date)
    span = ""
    if dates:
        span = (f" Its sources are dated {period_text(dates[0], dates[-1], lang)}." if lang == "en"
                else f" Ses sources sont datées {period_text(dates[0], dates[-1], lang)}.")
    return f"The graph knows, by type: {kinds}.{span}" if lang == "en" else f"Le graphe connaît, par type : {kinds}.{span}"


def source_dates(viewer: Viewer, lang: str = "fr") -> list[tuple[str, int, str | None]]:
    """(title in `lang`, entities described, ISO date of the document or None) of each source document, in the
    order of entities_by_source."""
    rows = viewer.once("entities_by_source", lang)
    index = {name: i for i, name in enumerate(rows.variables)}
    titles, counts, dates = {}, {}, {}
    for row in rows:
        document = row[index["document"]]
        titles.setdefault(document, []).append(row[index["title"]])
        counts[document] = int(row[index["count"]])
        issued = row[index["issued"]]
        dates[document] = None if issued is None else str(issued)
    return [(pick(titles[d], lang), counts[d], dates[d]) for d in counts]


def nothing_found(viewer: Viewer, kind: str, territory: str | None, *others: str | None) -> None:
    """Say what an empty filtered list means (Streamlit): with a territory as the only filter, the nearest larger
    territory where the graph knows some (`elsewhere`); with other filters, that none known meets them all."""
    import streamlit as st

    from app.viewer.ui import lang, t

    place = viewer.territory(territory) if territory else None
    if place is not None and not any(others):
        st.info(elsewhere(viewer, place, kind, lang()))
    else:
        st.info(t(f"Aucune des {known_in_all(viewer, kind)} {KINDS[kind][0]} du graphe ne répond à tous ces "
                  "filtres : essayez d'en retirer un.",
                  f"None of the {known_in_all(viewer, kind)} {KINDS[kind][1]} the graph knows meets all these "
                  "filters: try removing one."))
