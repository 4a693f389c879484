"""What a first territory page does only once, done ahead by the warm-up (app/viewer/warmup.py runs it among its
steps, handed in by app/server.py: the warm-up never imports the pages' modules, which import it)."""

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
