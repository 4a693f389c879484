"""What changed between two builds (`maillage diff OLD NEW`): entities added, removed or changed, per territory and
per theme, read from each build's sorted N-Quads dump (`maillage.nq`), never rebuilt.

An entity is a subject IRI of the data graphs: every named graph but `graph/metadata` (the build's own description,
new at each build), `graph/ontology`, `graph/vocabularies` and the personal graphs (`…/personal`, left out of the
public dump: a diff is published as feeds). Its facts are its (property, value, graph) triples there. It is
*added* when it has no fact in OLD, *removed* when it has none in NEW, *changed* when its facts differ; then the
properties whose values differ are named, with the values added and removed (and the graphs, when only the
source of a fact moved).

How it stays fast at national size (1.2 million quads, 260 MB each): the dumps are sorted by graph, then by line
(graph_builder/publication/outputs.py) and written the same way, so the lines that differ are found as sets of
bytes, without parsing either file (a merge of the sorted files, line by line in Python, took 20 s); only the
lines of their subjects, with their parents (nested records: `coordination/x/participation/y` belongs to
`coordination/x`), are then parsed. The order of the lines does not matter. Lines are compared as
written: two builds write the same quad the same way (Oxigraph's canonical N-Quads); lines that differ in spelling
only are parsed and found to be the same facts.

Territories and themes: an entity is on the territories its facts name (any value under `<base>territoire/`, the
entity itself for a territory, its parents' for a nested record), and, through the referential's nesting
(`igeo:subdivisionDirecteDe`, of either build), on every territory containing those: a change in a commune is
news for its EPCI, département and région. Its themes are the values of `mlg:theme` (its parents' too).

The JSON form (`as_json`, schema in docs/diff-and-feeds.md) has stable keys and a total order: entities by IRI,
territories and themes by IRI, lists sorted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from graph_builder.constants import DEFAULT_BASE
from graph_builder.kinds import load_schema
from graph_builder.problems import BilingualError
from graph_builder.publication.generations import GENERATIONS, PREVIOUS, resolve
from maillage.endpoint.entities import standard_labels
from maillage.territories import LEVEL_NAMES

FORMAT = "maillage-diff/1"
DUMP = "maillage.nq"
MANIFEST = "manifest.json"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
CHANGES = (ADDED, REMOVED, CHANGED)
# After the base; and …/personal. The history graph (the values corrections replaced) mirrors the changes of the
# entities' facts, which the diff shows.
SKIPPED_GRAPHS = ("graph/metadata", "graph/ontology", "graph/vocabularies", "graph/history")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
WITHIN = "http://rdf.insee.fr/def/geo#subdivisionDirecteDe"
NAME = "http://rdf.insee.fr/def/geo#nom"
THEME = "https://w3id.org/maillage/def/core#theme"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
START, END = "https://schema.org/startDate", "https://schema.org/endDate"  # a coordination's period, as recorded
# An entity's name for people, the first property found, in this order.
LABELS = (PREF_LABEL, RDFS_LABEL, "https://schema.org/name", NAME, "http://purl.org/dc/terms/title",
          "http://xmlns.com/foaf/0.1/name")
# Lines of the whole files kept for the nesting and the territories' names: found as bytes, parsed when needed.
NESTING, NAMING = (f"> <{iri}> ".encode() for iri in (WITHIN, NAME))
TERMS_GRAPHS = ("graph/ontology", "graph/vocabularies")  # property labels, concept labels: read whole (small)

Progress = Callable[[str], None]


class DiffError(BilingualError):
    """A build that cannot be read (missing, no dump, an unreadable line)."""


@dataclass(frozen=True)
class Build:
    """One build as a reader finds it: the folder of its files (a generation, resolved once) and its manifest."""

    given: Path  # as the user named it
    folder: Path  # where its files are read
    built_at: str | None
    digest: str | None  # the dump's sha256, from the manifest
    base: str | None

    @classmethod
    def open(cls, path: Path | str) -> Build:
        """The build published in `path` (an output directory, a generation folder or a folder with maillage.nq);
        DiffError, in French and English, when there is none to read."""
        path = Path(path)
        if not path.exists():
            raise DiffError(f"{path} : ce dossier n'existe pas. Donnez le dossier d'une construction (--out de "
                            "`maillage build`).",
                            f"{path}: no such directory. Give the directory of a build (--out of `maillage build`).")
        if not path.is_dir():
            raise DiffError(f"{path} : ce n'est pas un dossier. Donnez le dossier d'une construction (--out de "
                            "`maillage build`).",
                            f"{path}: not a directory. Give the directory of a build (--out of `maillage build`).")
        folder = resolve(path)
        dump = folder / DUMP
        if not dump.is_file():
            raise DiffError(f"{path} : aucune construction ici ({DUMP} manque). Lancez `maillage build --out {path}` "
                            "ou donnez un autre dossier.",
                            f"{path}: no build here ({DUMP} is missing). Run `maillage build --out {path}` or give "
                            "another directory.")
        try:
            with dump.open("rb") as readable:
                readable.read(1)
        except OSError as exc:
            raise DiffError(f"{dump} : illisible ({exc.strerror or exc}).",
                            f"{dump}: unreadable ({exc.strerror or exc}).") from None
        manifest = {}
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # a hand-made folder: the dump alone is enough
            pass
        if not isinstance(manifest, dict):
            manifest = {}
        digest = (manifest.get("files") or {}).get(DUMP, {}).get("sha256") if isinstance(manifest.get("files"), dict) \
            else None
        return cls(path, folder, _text(manifest.get("built_at")), _text(digest), _text(manifest.get("base")))

    @classmethod
    def previous(cls, out_dir: Path | str) -> Build:
        """The build published before the current one in `out_dir` (`.generations/previous`, kept by `maillage build`
        until the build after next)."""
        out_dir = Path(out_dir)
        cls.open(out_dir)  # the same messages for a missing or empty directory
        pointer = out_dir / GENERATIONS / PREVIOUS
        if not pointer.is_dir():
            raise DiffError(f"{out_dir} : pas de construction précédente (une seule construction publiée ici). "
                            "Donnez les deux dossiers : maillage diff ANCIEN NOUVEAU.",
                            f"{out_dir}: no previous build (only one build published here). Give both directories: "
                            "maillage diff OLD NEW.")
        return cls.open(pointer.resolve())

    @property
    def dump(self) -> Path:
        return self.folder / DUMP

    def describe(self) -> dict:
        return {"path": str(self.given), "built_at": self.built_at, "sha256": self.digest}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class Entity:
    iri: str
    change: str
    kind: str
    types: list[str]
    label: str | None
    properties: list[dict]  # {"property", "added": [terms], "removed": [terms]}
    graphs: dict  # {"added": [...], "removed": [...]}: the graphs the entity's facts are in, when they differ
    territories: list[str]  # named by its facts (or its parents')
    themes: list[str]
    dates: dict  # {"start": [...], "end": [...]}: its schema:startDate and endDate (lexical), in NEW (else OLD)

    def as_json(self) -> dict:
        return {"iri": self.iri, "change": self.change, "kind": self.kind, "types": self.types, "label": self.label,
                "properties": self.properties, "graphs": self.graphs, "territories": self.territories,
                "themes": self.themes, "dates": self.dates}


@dataclass
class Group:
    """A territory or a theme, with the entities whose change concerns it."""

    iri: str
    label: str | None
    entities: list[str] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)  # those whose facts name it (not through the nesting)

    @property
    def code(self) -> str:
        return self.iri.rsplit("/", 1)[-1]

    @property
    def level(self) -> str | None:
        parts = self.iri.rsplit("/", 3)
        return parts[-2] if len(parts) == 4 and parts[-3].endswith("territoire") else None

    def as_json(self, kind: str) -> dict:
        found = {"iri": self.iri, "code": self.code, "label": self.label, "entities": self.entities,
                 "direct": self.direct}
        if kind == "territory":
            found["level"] = self.level
        return found


@dataclass
class Diff:
    old: Build
    new: Build
    base: str
    entities: list[Entity]
    territories: list[Group]
    themes: list[Group]
    property_labels: dict[str, dict[str, str]]  # property IRI -> {lang: label}, from the ontology graph
    lines: dict[str, int]  # lines read in each dump

    def counts(self) -> dict[str, int]:
        return {change: sum(1 for e in self.entities if e.change == change) for change in CHANGES}

    def as_json(self) -> dict:
        return {"format": FORMAT, "base": self.base, "old": self.old.describe(), "new": self.new.describe(),
                "counts": self.counts(), "entities": [e.as_json() for e in self.entities],
                "territories": [g.as_json("territory") for g in self.territories],
                "themes": [g.as_json("theme") for g in self.themes],
                "property_labels": {iri: self.property_labels[iri] for iri in sorted(self.property_labels)}}


# --- Reading the dumps ----------------------------------------------------------------------------------------------

def _graph_of(line: bytes) -> bytes:
    """The graph IRI of an N-Quads line as the builder writes it (`… <g> .`), b"" for a triple of the default graph.
    Used only to leave out the graphs that are not data: a misread of a hand-made line changes no fact."""
    end = line.rstrip()
    if not end.endswith(b"> ."):
        return b""
    start = end.rfind(b" <", 0, len(end) - 2)
    return end[start + 2:-3] if start >= 0 else b""


@dataclass
class _Index:
    """What is read of the whole dumps besides their lines: the nesting and names of territories, the ontology's and
    the vocabularies' graphs."""

    nesting: list[bytes] = field(default_factory=list)
    naming: list[bytes] = field(default_factory=list)
    terms: list[bytes] = field(default_factory=list)


def _read(path: Path, base: str, index: _Index) -> set[bytes]:
    """The distinct lines of `path` (a set: the comparison is then C's; at national size 1.5 s and 350 MB a file),
    and what `index` keeps."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        data += b"\n"
    for needle, kept in ((NESTING, index.nesting), (NAMING, index.naming)):
        at = data.find(needle)  # bytes.find runs at memory speed; a regular expression took 4 s a file
        while at >= 0:
            start = data.rfind(b"\n", 0, at) + 1
            stop = data.find(b"\n", at) + 1
            kept.append(data[start:stop])
            at = data.find(needle, stop)
    for graph in TERMS_GRAPHS:  # sorted by graph: one block from its first line to its last (filtered when parsed)
        suffix = f" <{base}{graph}> .\n".encode()
        first, last = data.find(suffix), data.rfind(suffix)
        if first >= 0:
            index.terms.append(data[data.rfind(b"\n", 0, first) + 1:last + len(suffix)])
    return set(data.splitlines(keepends=True))


def _lines_of(lines: Iterable[bytes], subjects: set[bytes], skipped: Callable[[bytes], bool]) -> list[bytes]:
    """The `lines` whose subject is one of `subjects`, in the graphs not `skipped`."""
    return [line for line in lines if line[:line.find(b" ")] in subjects and not skipped(_graph_of(line))]


def _parse(lines: list[bytes], path: Path) -> list[ox.Quad]:
    """`lines` of `path` parsed; DiffError naming the first unreadable one."""
    try:
        return list(ox.parse(b"".join(lines), format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        for line in lines:  # which one: rare, so found again one by one
            try:
                list(ox.parse(line, format=ox.RdfFormat.N_QUADS))
            except SyntaxError as bad:
                shown = line.decode("utf-8", "replace").strip()[:200]
                raise DiffError(f"{path} : ligne N-Quads illisible ({bad}) : {shown}",
                                f"{path}: unreadable N-Quads line ({bad}): {shown}") from None
        raise DiffError(f"{path} : N-Quads illisibles ({exc}).", f"{path}: unreadable N-Quads ({exc}).") from None


# --- The diff -------------------------------------------------------------------------------------------------------

def diff(old: Build, new: Build, progress: Progress | None = None) -> Diff:
    """What changed from `old` to `new`."""
    say = progress or (lambda step: None)
    base = new.base or old.base or DEFAULT_BASE  # a hand-made folder without manifest: the default base
    skipped_graphs = {f"{base}{name}".encode() for name in SKIPPED_GRAPHS}

    def skipped(graph: bytes) -> bool:
        return graph in skipped_graphs or graph.endswith(b"/personal")

    say("Lecture des deux constructions / reading both builds")
    index = _Index()
    lines = {}
    for name, build in (("old", old), ("new", new)):
        try:
            lines[name] = _read(build.dump, base, index)
        except OSError as exc:
            raise DiffError(f"{build.dump} : lecture impossible ({exc.strerror or exc}).",
                            f"{build.dump}: cannot be read ({exc.strerror or exc}).") from None
        except MemoryError:
            raise DiffError(f"{build.dump} : mémoire insuffisante pour comparer ce fichier.",
                            f"{build.dump}: not enough memory to compare this file.") from None
    counts = {name: len(found) for name, found in lines.items()}
    say("Comparaison / comparing")
    touched = {subject for line in lines["old"] ^ lines["new"] if not skipped(_graph_of(line))
               and (subject := line[:line.find(b" ")]).startswith(b"<")}

    say("Faits des entités modifiées / facts of the changed entities")
    parents = {f"<{p}>".encode() for s in touched for p in _parents(s[1:-1].decode("utf-8", "replace"), base)}
    wanted = touched | parents
    facts = {name: _facts(_parse(_lines_of(lines[name], wanted, skipped), build.dump))
             for name, build in (("old", old), ("new", new))}
    del lines
    within = _nesting(set(index.nesting))  # mostly the same lines in both builds
    labels, property_labels = _terms(_parse(index.terms, new.dump), base)

    say("Regroupement par territoire et par thématique / grouping by territory and theme")
    territory_prefix = f"{base}territoire/"
    linked: dict[str, tuple[set[str], set[str]]] = {}

    def links(member: str) -> tuple[set[str], set[str]]:
        """The territories and themes `member`'s facts (of either build) name; once per member: a coordination is
        the parent of each of its participations."""
        if member not in linked:
            known = facts["old"].get(member, set()) | facts["new"].get(member, set())
            linked[member] = ({o.value for _, o, _ in known if isinstance(o, ox.NamedNode)
                               and o.value.startswith(territory_prefix)},
                              {o.value for p, o, _ in known if p.value == THEME})
        return linked[member]

    entities = []
    for subject in sorted({_iri(raw, new.dump) for raw in touched}):
        before, after = facts["old"].get(subject, set()), facts["new"].get(subject, set())
        if before == after:  # lines differed in spelling only (a hand-made dump): the same facts
            continue
        change = ADDED if not before else REMOVED if not after else CHANGED
        both = before | after
        lineage = [subject, *_parents(subject, base)]
        places, themes = set(), set()
        for member in lineage:
            member_places, member_themes = links(member)
            places |= member_places
            themes |= member_themes
        if subject.startswith(f"{base}territoire/"):
            places.add(subject)
        label = _label(after or before)
        for parent in lineage[1:2]:  # a nested record without a name: its parent's, and its own id
            named = _label(facts["new"].get(parent) or facts["old"].get(parent) or set())
            label = label or (f"{named} › {subject.rsplit('/', 1)[-1]}" if named else None)
        entities.append(Entity(
            iri=subject, change=change, kind=kind_of(subject, base),
            types=sorted({o.value for p, o, _ in both if p.value == RDF_TYPE}),
            label=label, properties=_properties(before, after),
            graphs=_graphs(before, after), territories=sorted(places), themes=sorted(themes),
            dates={key: sorted({o.value for p, o, _ in (after or before) if p.value == prop})
                   for key, prop in (("start", START), ("end", END))}))
    territories = _groups(entities, lambda e: e.territories, within)
    themes = _groups(entities, lambda e: e.themes, {})
    wanted = {f"<{group.iri}>".encode() for group in territories}
    names = _facts(_parse([line for line in index.naming if line[:line.find(b" ")] in wanted], new.dump))
    for group in territories:
        group.label = _label(names.get(group.iri, set()))
    for group in themes:
        group.label = labels.get(group.iri)
    return Diff(old, new, base, entities, territories, themes, property_labels, counts)


def _iri(raw: bytes, path: Path) -> str:
    """The IRI a subject token (`<…>`, as written) names, escapes read; DiffError if it names none."""
    try:
        return next(iter(ox.parse(raw + b" <urn:p> <urn:o> .\n", format=ox.RdfFormat.N_TRIPLES))).subject.value
    except (SyntaxError, StopIteration, AttributeError):
        shown = raw.decode("utf-8", "replace")[:200]
        raise DiffError(f"{path} : sujet illisible : {shown}", f"{path}: unreadable subject: {shown}") from None


def _parents(iri: str, base: str) -> list[str]:
    """The records `iri` is nested in, nearest first: `<base>coordination/x/participation/y` -> `<base>coordination/x`.
    Territories (`territoire/<level>/<code>`) nest by the referential, not by their IRI."""
    if not iri.startswith(base) or iri.startswith(f"{base}territoire/"):
        return []
    parts = iri[len(base):].split("/")
    return [base + "/".join(parts[:end]) for end in range(len(parts) - 2, 1, -2)]


def kind_of(iri: str, base: str) -> str:
    """The kind of record an IRI names, from its path (`coordination/x/participation/y` -> `participation`)."""
    if not iri.startswith(base):
        return "autre"
    parts = iri[len(base):].split("/")
    if parts[0] == "territoire" or len(parts) < 2:
        return parts[0]
    return parts[-2] if len(parts) % 2 == 0 else parts[-1]


def _facts(quads: Iterable[ox.Quad]) -> dict[str, set]:
    found: dict[str, set] = {}
    for quad in quads:
        if isinstance(quad.subject, ox.NamedNode):
            found.setdefault(quad.subject.value, set()).add((quad.predicate, quad.object, quad.graph_name))
    return found


def _label(facts: set) -> str | None:
    """The entity's name for people: French first, then any language, by the order of LABELS."""
    for prop in LABELS:
        values = [o for p, o, _ in facts if p.value == prop and isinstance(o, ox.Literal)]
        if values:
            return min(values, key=lambda v: (v.language != "fr", v.language is not None, v.value)).value
    return None


def _properties(before: set, after: set) -> list[dict]:
    old = {(p, o) for p, o, _ in before}
    new = {(p, o) for p, o, _ in after}
    changed: dict[str, dict[str, list[str]]] = {}
    for side, pairs in (("removed", old - new), ("added", new - old)):
        for p, o in pairs:
            changed.setdefault(p.value, {"added": [], "removed": []})[side].append(str(o))
    return [{"property": prop, "added": sorted(values["added"]), "removed": sorted(values["removed"])}
            for prop, values in sorted(changed.items())]


def _graphs(before: set, after: set) -> dict:
    old = {g.value for _, _, g in before if isinstance(g, ox.NamedNode)}
    new = {g.value for _, _, g in after if isinstance(g, ox.NamedNode)}
    return {"added": sorted(new - old), "removed": sorted(old - new)}


def _nesting(lines: Iterable[bytes]) -> dict[str, set[str]]:
    """Territory -> the territories directly containing it, from `<s> <igeo:subdivisionDirecteDe> <o> <g> .` lines
    (IRIs hold no space: split, not parsed)."""
    within: dict[str, set[str]] = {}
    for line in lines:
        parts = line.split(b" ", 3)
        if len(parts) == 4 and parts[0].startswith(b"<") and parts[2].startswith(b"<"):
            within.setdefault(parts[0][1:-1].decode("utf-8", "replace"), set()).add(
                parts[2][1:-1].decode("utf-8", "replace"))
    return within


def _terms(quads: list[ox.Quad], base: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """From the vocabularies' and the ontology's graphs: each concept's label (prefLabel, French first) and each
    property's labels by language."""
    labels: dict[str, tuple] = {}
    property_labels: dict[str, dict[str, str]] = {}
    ontology = f"{base}graph/ontology"
    for quad in quads:
        s, p, o = quad.subject, quad.predicate.value, quad.object
        if not isinstance(s, ox.NamedNode) or not isinstance(o, ox.Literal) or p not in (PREF_LABEL, RDFS_LABEL):
            continue
        graph = getattr(quad.graph_name, "value", "")
        if graph == ontology and p == RDFS_LABEL:
            property_labels.setdefault(s.value, {})[o.language or ""] = o.value
        elif graph == f"{base}graph/vocabularies":
            rank = (p != PREF_LABEL, o.language != "fr", o.value)
            if s.value not in labels or rank < labels[s.value]:
                labels[s.value] = rank
    return {iri: rank[2] for iri, rank in labels.items()}, property_labels


def _groups(entities: list[Entity], named: Callable[[Entity], list[str]], within: dict[str, set[str]]) -> list[Group]:
    """Each territory (or theme) with the entities concerning it, directly or through the nesting (`within`)."""
    groups: dict[str, Group] = {}
    above: dict[str, set[str]] = {}

    def ancestors(iri: str) -> set[str]:
        if iri not in above:
            found, todo = set(), [iri]
            while todo:
                for parent in within.get(todo.pop(), ()):
                    if parent not in found:
                        found.add(parent)
                        todo.append(parent)
            above[iri] = found
        return above[iri]

    for entity in entities:
        direct = set(named(entity))
        for iri in direct | {a for d in direct for a in ancestors(d)}:
            group = groups.setdefault(iri, Group(iri, None))
            group.entities.append(entity.iri)  # entities come sorted by IRI
            if iri in direct:
                group.direct.append(entity.iri)
    return [groups[iri] for iri in sorted(groups)]


# --- For people -----------------------------------------------------------------------------------------------------

# The kinds of record (the first segment of their IRIs' path, or a nested record's), in French and English.
KIND_LABELS = {
    "coordination": ("coordination", "coordination"), "participation": ("participation", "participation"),
    "acteur": ("acteur", "actor"), "experience": ("expérience", "experience"), "territoire": ("territoire", "territory"),
    "source": ("document source", "source document"), "personne": ("personne", "person"),
    "capitalisation": ("capitalisation", "capitalisation"), "enquete": ("enquête", "survey"),
    "plus-value": ("plus-value", "added value"), "texte": ("texte réglementaire", "regulatory text"),
    "profil": ("profil statistique", "statistical profile"), "statistique": ("statistique", "statistic"),
    "ressource": ("ressource", "resource"), "matrice-missions": ("matrice des missions", "mission matrix"),
}
TEXT = {
    "fr": {"title": "Changements de {old} ({old_at}) à {new} ({new_at})",
           "counts": "{added} entité(s) ajoutée(s), {removed} retirée(s), {changed} modifiée(s).",
           "none": "Aucun changement : les deux constructions disent les mêmes faits.",
           "by_territory": "Par territoire (celui que l'entité nomme ; les flux Atom reprennent aussi les territoires "
                           "qui le contiennent)",
           "by_theme": "Par thématique", "no_territory": "Sans territoire", "no_theme": "Sans thématique",
           "changed": "modifié : ", "graphs": "document source", "unknown_date": "date inconnue"},
    "en": {"title": "Changes from {old} ({old_at}) to {new} ({new_at})",
           "counts": "{added} entity(ies) added, {removed} removed, {changed} changed.",
           "none": "No change: both builds state the same facts.",
           "by_territory": "By territory (the one the entity names; the Atom feeds also list the territories "
                           "containing it)",
           "by_theme": "By theme", "no_territory": "No territory", "no_theme": "No theme",
           "changed": "changed: ", "graphs": "source document", "unknown_date": "unknown date"},
}
MARKS = {ADDED: "+", REMOVED: "-", CHANGED: "~"}


def kind_label(kind: str, lang: str = "fr") -> str:
    return KIND_LABELS.get(kind, (kind, kind))[lang == "en"]


def property_label(iri: str, labels: dict[str, dict[str, str]], lang: str = "fr") -> str:
    """A property for people: the ontology's label in `lang`, the entity pages' for standard terms, else its
    prefixed name."""
    known = labels.get(iri, {}).get(lang) or standard_labels(lang).get(URIRef(iri))
    if known:
        return known
    for prefix, namespace in load_schema().prefixes.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def changed_properties(entity: dict, labels: dict[str, dict[str, str]], lang: str = "fr") -> list[str]:
    """The names of what changed in an entity (its JSON form), sorted, the source document last."""
    names = sorted({property_label(p["property"], labels, lang) for p in entity["properties"]})
    if entity["graphs"]["added"] or entity["graphs"]["removed"]:
        names.append(TEXT[lang]["graphs"])
    return names


def entity_line(entity: dict, labels: dict[str, dict[str, str]], lang: str = "fr") -> str:
    line = f"{MARKS[entity['change']]} {kind_label(entity['kind'], lang)} « {entity['label'] or entity['iri']} » " \
           f"<{entity['iri']}>"
    if entity["change"] == CHANGED:
        line += f" — {TEXT[lang]['changed']}" + ", ".join(changed_properties(entity, labels, lang))
    return line


def group_title(group: dict, lang: str = "fr") -> str:
    """« Isère (département 38) », « Quartier … (QPV QN03300Z) », « Nutrition (nutrition) »."""
    if group.get("level"):
        level = {**LEVEL_NAMES[lang], "qpv": "QPV"}.get(group["level"], group["level"])
        level = level if level.isupper() else level.lower()
        return f"{group['label'] or group['code']} ({level} {group['code']})"
    return f"{group['label'] or group['code']} ({group['code']})"


def as_text(found: dict, lang: str = "fr") -> str:
    """The diff (its JSON form) for people: counts, then each entity under the territories and themes it names."""
    words = TEXT[lang]
    unknown = words["unknown_date"]
    lines = [words["title"].format(old=found["old"]["path"], old_at=found["old"]["built_at"] or unknown,
                                   new=found["new"]["path"], new_at=found["new"]["built_at"] or unknown)]
    if not found["entities"]:
        return "\n".join([*lines, words["none"]]) + "\n"
    lines.append(words["counts"].format(**found["counts"]))
    entities = {entity["iri"]: entity for entity in found["entities"]}
    labels = found["property_labels"]
    for heading, key, orphans in ((words["by_territory"], "territories", words["no_territory"]),
                                  (words["by_theme"], "themes", words["no_theme"])):
        lines += ["", heading]
        for group in found[key]:
            if group["direct"]:
                lines.append(f"  {group_title(group, lang)}")
                lines += [f"    {entity_line(entities[iri], labels, lang)}" for iri in group["direct"]]
        alone = [entity for entity in found["entities"] if not entity[key]]
        if alone:
            lines.append(f"  {orphans}")
            lines += [f"    {entity_line(entity, labels, lang)}" for entity in alone]
    return "\n".join(lines) + "\n"
