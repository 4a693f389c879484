"""What a first territory page, coordination page or experience page does only once, done ahead by the warm-up
(app/viewer/warmup.py runs these among its steps, handed in by app/server.py: the warm-up never imports the pages'
modules, which import it)."""

from __future__ import annotations

from app.viewer.model import Viewer
from graph_builder.referential.geometry import Geometry


def territory_page_ahead(viewer: Viewer, geometry: Geometry | None, lang: str = "fr") -> None:
    """What a territory's page does only the first time, done once on one commune's page (its own answers are kept
    as any page's): its queries read and checked (rdflib's parser, a tenth of a second each), the shapes' code
    patterns, the first answers and Plotly's figure classes, its table's conversion to Arrow (pyarrow imported).
    Measured: the first territory page's run took 1.5 s, the next 0.35 s."""
    from streamlit.dataframe_util import convert_anything_to_arrow_bytes

    from app.viewer.answers import elsewhere, uncovered_themes_answer
    from app.viewer.coverage import by_type
    from app.viewer.maps import territory_coverage

    chosen = next((place for place in viewer.territories if place.level == "commune"), None)
    if chosen is None:
        return
    viewer.nesting(chosen.key)
    found = viewer.around(chosen.key, lang)
    viewer.covering(chosen.key, lang)
    uncovered_themes_answer(viewer, chosen, len(found["coordination"]), lang)
    elsewhere(viewer, chosen, "experience", lang)
    rows = by_type(viewer, chosen.key)
    convert_anything_to_arrow_bytes([{"type": kind, "communes": row.covered_communes} for kind, row in rows.items()])
    if geometry is not None:
        territory_coverage(viewer, geometry, chosen, {"covered": "", "uncovered": "", "chosen": chosen.name})


def entity_pages_ahead(viewer: Viewer, geometry: Geometry | None = None, lang: str = "fr") -> None:
    """What a first coordination's page and a first experience's page do only once, done on the first of each (their
    answers are kept as any page's): their queries read and checked, a tenth of a second each under load. Measured at
    national size: a first coordination's page 0.40 s of Python, the next 0.04 s; in the browser, the first « lien 1er »
    of the Coordinations page 0.9 to 1.9 s under load, 0.3 to 0.6 s the second time."""
    from app.viewer.actors import participants_not_in_force, timeline
    from app.viewer.revisions import history

    for cards in (viewer.coordinations, viewer.experiences):
        card = next(iter(cards.values()), None)
        if card is None:
            continue
        viewer.complete(card)
        history(viewer, card.iri, lang)
        if card.kind == "Coordination":
            timeline(viewer, card.iri, lang)
            viewer.roles(card.iri, lang)
            participants_not_in_force(viewer, card.iri, lang)
            viewer.communes(card.iri)
            viewer.experiences_of(card.iri)
            for kind, _ in card.links("type"):
                viewer.typical_funders(kind, lang)
