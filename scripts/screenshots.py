"""Draw again the viewer's screenshots of the docs (docs/images/), from a build directory, in Debian's chromium.

    .venv/bin/maillage build && .venv/bin/python scripts/screenshots.py [build]

Needs the `test` extra (Playwright) and /usr/bin/chromium, as the browser tests; offline: a request to another
host fails the run. Each scene is a shareable link of the viewer (docs/guide-coordinateurs.md, « Partager un lien »)
drawn at 1280 pixels wide, as tall as the scene needs. tests/test_docs_images.py checks that every image the docs
show is one of these scenes, and every scene is shown.
"""

from __future__ import annotations

import sys
from pathlib import Path

from maillage.bench.browser import OfflineBrowser, ViewerServer

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
# file name -> (the link, the height drawn)
SCENES = {
    "viewer-accueil.png": ("/", 2000),
    "viewer-territoires.png": ("/territoires?id=territoire/commune/67482", 1300),
    "viewer-coordination.png": ("/coordinations?id=coordination/asv-aix-en-provence", 1000),
    "viewer-experience.png": ("/experiences?id=experience/strasbourg-sante-mentale-hopital-ville", 1000),
    "viewer-partenaires.png": ("/partenaires?territory=commune/67482&themes=sante-mentale", 900),
    "viewer-reseau.png": ("/reseau", 900),
    "viewer-langue.png": ("/partenaires?territory=commune/67482&themes=sante-mentale&lang=en", 900),
    "viewer-qualite.png": ("/qualite?id=coordination/asv-aix-en-provence", 900),
    "viewer-contribuer.png": ("/contribuer", 1000),
}


def main(out_dir: str = "build") -> int:
    if not (Path(out_dir) / "maillage.trig").is_file():
        print(f"{out_dir} : aucun graphe construit ; lancez d'abord `maillage build` / no build there: run "
              "`maillage build` first", file=sys.stderr)
        return 2
    with ViewerServer(out_dir) as server, OfflineBrowser() as browser:
        for number, (name, (link, height)) in enumerate(SCENES.items(), 1):
            tab = browser.tab(server.url)
            tab.page.set_viewport_size({"width": 1280, "height": height})
            tab.open(link)
            if tab.exceptions():
                print(f"{link} : la page affiche une erreur / the page shows an error: {tab.exceptions()}",
                      file=sys.stderr)
                return 1
            tab.page.screenshot(path=IMAGES / name)
            tab.page.context.close()
            print(f"[{number}/{len(SCENES)}] {name} <- {link}", flush=True)
        if browser.blocked:
            print(f"requêtes vers d'autres hôtes / requests to other hosts: {browser.blocked}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
