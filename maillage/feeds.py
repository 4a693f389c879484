"""Atom feeds (RFC 4287) of what changed, one per territory and one per theme, from the diffs kept beside a build.

Where the diffs are kept: `OUT/changes/<new build's date>-<its dump's sha256, 12 first>.json`, the JSON form of
`maillage diff` (maillage/diff.py) between the build published before and the one published then; written by
`maillage build --feeds` after each build that has a previous one (`.generations/previous`), or by
`maillage diff --write-feeds`. The last KEPT diffs stay, so that a feed reader polling once a month still sees
what changed between its visits. `maillage serve` renders a feed on request from them (`feed`).

A feed is valid Atom: an id (`urn:uuid:`, derived from the base IRI and the territory or theme: the same across
runs), a French title, `updated` (the newest entry's date, else the build's), an author, a `self` link; each entry
an id derived from the two builds' dumps and the entity (the same when the same diff is written again), a title
« Ajout / Retrait / Modification : name (kind) » (« Fin » when an end date was given), the new build's date, a
link to the entity's IRI and a text summary of what changed, with the entity's recorded start and end dates.
Data are text: ElementTree escapes them, and characters XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET

from graph_builder.files import atomic_write
from maillage.diff import ADDED, CHANGED, END, REMOVED, Diff, changed_properties, group_title, kind_label

CHANGES = "changes"
KEPT = 50  # diffs kept beside a build
MAX_ENTRIES = 500  # entries of one feed, newest first
ATOM = "http://www.w3.org/2005/Atom"
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
LEVEL = re.compile(r"^[a-z][a-z-]{1,39}$")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,79}$")
EPOCH = "1970-01-01T00:00:00Z"
VERBS = {ADDED: "Ajout", REMOVED: "Retrait", CHANGED: "Modification", "ended": "Fin"}
SUMMARIES = {ADDED: "Apparaît dans le graphe.", REMOVED: "Ne figure plus dans le graphe.",
             CHANGED: "Modifié : {what}."}

ET.register_namespace("", ATOM)


class FeedRefused(ValueError):
    """A territory or theme that cannot name a feed (its message is French, then English)."""


def changes_dir(out_dir: Path | str) -> Path:
    return Path(out_dir) / CHANGES


def record(found: Diff, out_dir: Path | str) -> Path | None:
    """Keep the diff `found` beside the build in `out_dir` (written whole or not at all), the KEPT newest only; None
    when nothing changed (no empty diff pushes a real one out)."""
    if not found.entities:
        return None
    folder = changes_dir(out_dir)
    folder.mkdir(exist_ok=True)
    stamp = re.sub(r"[^0-9]", "", found.new.built_at or "")[:14] or "0"
    path = folder / f"{stamp.ljust(14, '0')}-{(found.new.digest or 'sans-empreinte')[:12]}.json"
    atomic_write(path, json.dumps(found.as_json(), ensure_ascii=False, sort_keys=True).encode())
    for old in sorted(folder.glob("*.json"))[:-KEPT]:
        old.unlink(missing_ok=True)
    return path


_read: dict[Path, tuple[float, dict]] = {}


def kept(out_dir: Path | str) -> list[dict]:
    """The diffs kept beside the build, newest first (each file read again only when it changed)."""
    found = []
    for path in sorted(changes_dir(out_dir).glob("*.json"), reverse=True):
        try:
            stamp = path.stat().st_mtime
            if path not in _read or _read[path][0] != stamp:
                _read[path] = (stamp, json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):  # removed meanwhile, or half a file of another tool: not a diff of ours
            continue
        found.append(_read[path][1])
    return found


def territory_feed(out_dir: Path | str, base: str, level: str, code: str, self_url: str | None = None,
                   updated: str | None = None) -> bytes:
    """The feed of the territory `<base>territoire/<level>/<code>`: what changed on it or within it. Levels are
    lower case and codes upper case in the referential (`departement/2A`): `Departement/2a` is the same feed."""
    level, code = level.lower(), code.upper()
    if not LEVEL.match(level) or not CODE.match(code):
        raise FeedRefused("Territoire illisible : donnez un niveau et un code, ex. /feeds/territory/departement/38.atom\n"
                          "Unreadable territory: give a level and a code, e.g. /feeds/territory/departement/38.atom")
    return _feed(out_dir, base, "territories", f"{base}territoire/{level}/{code}", self_url, updated,
                 fallback=f"{level} {code}")


def theme_feed(out_dir: Path | str, base: str, code: str, self_url: str | None = None,
               updated: str | None = None) -> bytes:
    """The feed of the theme `<base>theme/<code>` (codes are lower case: `Nutrition` is `nutrition`)."""
    code = code.lower()
    if not CODE.match(code):
        raise FeedRefused("Thématique illisible : donnez son code, ex. /feeds/theme/nutrition.atom\n"
                          "Unreadable theme: give its code, e.g. /feeds/theme/nutrition.atom")
    return _feed(out_dir, base, "themes", f"{base}theme/{code}", self_url, updated, fallback=code)


def _feed(out_dir: Path | str, base: str, key: str, iri: str, self_url: str | None, updated: str | None,
          fallback: str) -> bytes:
    diffs = kept(out_dir)
    title, entries = None, []
    for found in diffs:
        group = next((g for g in found.get(key, []) if g.get("iri") == iri), None)
        if group is None:
            continue
        title = title or group_title(group)
        entities = {entity["iri"]: entity for entity in found.get("entities", [])}
        entries += [(found, entities[member]) for member in group.get("entities", []) if member in entities]
    entries = entries[:MAX_ENTRIES]
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    _add(feed, "id", _urn(f"{base}feeds/{key}/{iri}"))
    _add(feed, "title", f"Maillage — ce qui change : {title or fallback}")
    _add(feed, "subtitle", "Entités apparues, retirées ou modifiées d'une construction du graphe à la suivante "
                           "(ce que le graphe connaît).")
    newest = max((found["new"].get("built_at") or EPOCH for found, _ in entries), default=None)
    _add(feed, "updated", newest or updated or (diffs[0]["new"].get("built_at") if diffs else None) or EPOCH)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _add(author, "name", "Maillage")
    if self_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": _clean(self_url),
                                                "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "related", "href": _clean(iri)})
    for found, entity in entries:
        feed.append(_entry(found, entity))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(found: dict, entity: dict) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    change = entity["change"]
    old, new = found["old"].get("sha256") or "", found["new"].get("sha256") or ""
    _add(entry, "id", _urn(f"{old}|{new}|{change}|{entity['iri']}"))
    kind = kind_label(entity["kind"])
    ended = change == CHANGED and any(p["property"] == END and p["added"] for p in entity["properties"])
    _add(entry, "title", f"{VERBS['ended' if ended else change]} : {entity['label'] or entity['iri']} ({kind})")
    when = found["new"].get("built_at") or EPOCH
    _add(entry, "updated", when)
    ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": _clean(entity["iri"])})
    ET.SubElement(entry, f"{{{ATOM}}}category", {"term": entity["kind"], "label": kind})
    what = ", ".join(changed_properties(entity, found.get("property_labels", {})))
    dates = entity.get("dates") or {}
    period = "".join(f" {name} : {', '.join(dates[key])}." for key, name in (("start", "Début"), ("end", "Fin"))
                     if dates.get(key))
    summary = _add(entry, "summary", SUMMARIES[change].format(what=what) + period)
    summary.set("type", "text")
    return entry


def _add(parent: ET.Element, name: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    child.text = _clean(text)
    return child


def _clean(text: str) -> str:
    return NOT_XML.sub("", text)


def _urn(text: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, text)}"
