"""The docs' screenshots of the viewer: each image the docs show exists and is one of the scenes
scripts/screenshots.py draws again, and each scene is shown somewhere (no orphan, no image left stale by hand)."""

from __future__ import annotations

import ast
import re
import struct
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
# Markdown's ![text](path), or an <img src="path"> (the README's, drawn narrower)
SHOWN = re.compile(r"!\[[^\]]*\]\(((?:docs/)?images/[^)\s]+)\)|<img src=\"((?:docs/)?images/[^\"]+)\"")


def scenes() -> dict[str, tuple[str, int]]:
    """scripts/screenshots.py's SCENES, read without importing the script (it drives a browser)."""
    tree = ast.parse((ROOT / "scripts" / "screenshots.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [target.id for target in node.targets] == ["SCENES"]:
            return ast.literal_eval(node.value)
    raise AssertionError("SCENES not found in scripts/screenshots.py")


def shown() -> dict[str, list[str]]:
    """Each image shown by README.md or docs/*.md, with the pages that show it."""
    found: dict[str, list[str]] = {}
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for markdown, html in SHOWN.findall(page.read_text(encoding="utf-8")):
            found.setdefault(Path(markdown or html).name, []).append(page.relative_to(ROOT).as_posix())
    return found


def test_every_image_shown_is_a_scene_drawn_again_and_every_scene_is_shown():
    assert set(shown()) == set(scenes())
    assert {path.name for path in IMAGES.glob("*.png")} == set(scenes())


def test_every_scene_is_a_png_at_its_size():
    for name, (link, height) in scenes().items():
        head = (IMAGES / name).read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", name
        assert struct.unpack(">II", head[16:24]) == (1280, height), name
        assert link.startswith("/"), name
