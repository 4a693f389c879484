"""What the Streamlit viewer (app/) shows, as plain data: every page is a thin layer over these functions.

Everything is read through the query library (queries/*.rq) on a QueryStore;
a page's own reads ask the library for the visitor's language (its `lang`
parameter: the label in that language, else in the other). What is read
once for every visitor (the cards, the partner graph) is read in each
language and kept with its language tags, each page picking its own (`pick`).
"""

from __future__ import annotations

import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.viewer.sharing import courtesy, giving_way, shared_property
from graph_builder.constants import DEFAULT_BASE, VOCABULARY_BASE
from graph_builder.constants import MLG as MLG_NAMESPACE
from graph_builder.publication.generations import resolve
from maillage.kept import KeptStore, kept_search
from maillage.library import LANG_USE, LANGUAGES, get_query
from maillage.stores import QueryStore, open_store
from maillage.territories import LEVEL_NAMES, Candidate, Search, Territory  # noqa: F401  (the pages' names)

# The entity base of the graph this process shows: the build's own `--base` (its manifest.json), read when the
# graph is opened (Viewer.open), else DEFAULT_BASE (an endpoint, a dump). One viewer process shows one graph.
_entity_base = DEFAULT_BASE
MLG = str(MLG_NAMESPACE)
# What Viewer.cards reads, each language at once: the values' labels, the fields.
CARD_QUERIES = ("entity_value_labels_all_languages", "entity_summaries_all_languages")
LEVEL_ORDER = ("commune", "epci", "ept", "departement", "region")  # the levels of the viewer's territory pages


def pick(values, lang: str = "fr") -> str:
    """The value in `lang`, else French, else one without a language, else any (labels in several languages)."""
    values = [v for v in values if v is not None]
    for wanted in (lang, "fr", None):
        for value in values:
            if getattr(value, "language", None) == wanted:
                return str(value)
    return str(values[0]) if values else ""


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case without accents, for a search by name (« echirolles » finds Échirolles). Kept per text: the lists
    sort thousands of names by it at each run (5,000 names: 37 ms, then 0.4 ms)."""
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if unicodedata.category(c) != "Mn")


def entity_base() -> str:
    """The base IRI of the shown graph's entities (`https://w3id.org/maillage/id/` for a default build)."""
    return _entity_base


def manifest(out_dir: str | Path) -> dict | None:
    """What the build's manifest.json says (date, quads, conformity), readable before the graph is open; None for
    an endpoint, or a directory without a readable manifest (the opening then says what is wrong)."""
    try:
        found = json.loads((resolve(out_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def built_base(source: str | Path) -> str:
    """The base IRI a build was made with (its manifest.json), DEFAULT_BASE for anything else."""
    found = (manifest(str(source)) or {}).get("base")
    return found if isinstance(found, str) and found.startswith(("http://", "https://")) else DEFAULT_BASE


def short(iri: str) -> str:
    """`coordination/asv-aix-en-provence` for an entity IRI (what URLs of the viewer carry)."""
    base = _entity_base
    return iri[len(base):] if iri.startswith(base) else iri


class Text(str):
    """A literal as the viewer keeps it: its text, with its language tag (None without). Lighter than rdflib's
    Literal: the cards of 5,000 experiences hold 100,000 values, and making them as rdflib terms took seconds."""

    language: str | None

    def __new__(cls, value: str, language: str | None = None) -> Text:
        text = super().__new__(cls, value)
        text.language = language
        return text


class _Values:
    """The values of SPARQL answers: a Text for a literal, the IRI (or blank node label) as a str otherwise; each made
    once (a theme's label repeats thousands of times)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], str] = {}

    def __call__(self, binding: dict) -> str:
        """A SPARQL JSON binding's value."""
        return self.text(binding["value"], "@" + binding.get("xml:lang", "") if binding["type"] == "literal" else "")

    def text(self, text: str, tag: str) -> str:
        """A value of a CSV answer with a `tag` column (entity_summaries_all_languages): « @ » and its language for a
        literal (« @ » alone without), empty for an IRI."""
        found = self._made.get((text, tag))
        if found is None:
            found = self._made[text, tag] = Text(text, tag[1:] or None) if tag else text
        return found


def _sorted_fields(card: Card) -> Card:
    """The card's values in a stable order (by text, then language): the store answers in no particular order."""
    for values in card.fields.values():
        values.sort(key=lambda v: (str(v), getattr(v, "language", None) or ""))
    return card


@dataclass
class Card:
    """An entity of class mlg:KIND with its fields (field -> values: Text literals or IRIs as str, sorted) and the
    values' labels (IRI -> Text labels; the lists' cards share one such dict)."""

    iri: str
    kind: str = ""
    fields: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    labels: dict[str, list] = field(default_factory=lambda: defaultdict(list))

    def text(self, name: str, lang: str = "fr") -> str:
        return pick(self.fields.get(name, []), lang)

    def texts(self, name: str, lang: str = "fr") -> list[str]:
        """Every text of field `name` in `lang`, else in French, else without a language (a field may hold several)."""
        values = [v for v in self.fields.get(name, []) if isinstance(v, Text)]
        for wanted in (lang, "fr", None):
            found = [str(v) for v in values if v.language == wanted]
            if found:
                return found
        return []

    def links(self, name: str, lang: str = "fr") -> list[tuple[str, str]]:
        """(IRI, label in `lang`) of the entities or concepts in field `name`."""
        return [(str(v), pick(self.labels.get(str(v), []), lang) or short(str(v)))
                for v in self.fields.get(name, []) if not isinstance(v, Text)]

    def has(self, name: str, iri: str) -> bool:
        return iri in self.fields.get(name, ())


class Viewer:
    """The graph as the viewer reads it; never mutated (queries only)."""

    def __init__(self, store: QueryStore, folder: Path | None = None):
        self.store = store
        # The build's files the graph was read from (its generation, resolved once: the report and the manifest
        # read there match the graph shown, whatever a build publishes meanwhile); None for an endpoint.
        self.folder = folder
        self._answers: dict[str, object] = {}
        self._choices: dict[tuple, dict[str, str]] = {}

    @classmethod
    def open(cls, out_dir: str | Path, store: QueryStore | None = None) -> Viewer:
        """The graph of a build directory or endpoint, read from its dump unless `store` (the build's graph, e.g.
        its kept on-disk store: maillage.kept.KeptGraph) is given."""
        global _entity_base
        remote = str(out_dir).startswith(("http://", "https://"))
        folder = None if remote else resolve(out_dir)
        _entity_base = DEFAULT_BASE if folder is None else built_base(folder)
        store = store or open_store(out_dir if folder is None else folder)
        store.courtesy = courtesy  # long answers read in the warm-up's thread give way to the visitors' pages
        return cls(store, folder)

    @classmethod
    def kept(cls, source: str) -> Viewer | None:
        """A viewer that knows only the answers kept with the build `source` (maillage/kept.py): Accueil's, drawn
        while the graph opens. None for an endpoint, or a build without them."""
        if source.startswith(("http://", "https://")):
            return None
        store = KeptStore.of(source)
        return None if store is None else cls(store, resolve(source))

    def run(self, name: str, **params):
        """The rows of a library query; `lang` (fr, en) gives its labels' language."""
        return get_query(name).run(self.store, params)

    def in_each_language(self, name: str, **params) -> list[tuple]:
        """The rows of a query asked in each language, one after the other (what is kept for every visitor); the
        rows of a query without labels once."""
        return [row for lang in get_query(name).languages for row in self.run(name, lang=lang, **params)]

    def values(self, name: str, **params) -> list[tuple]:
        """The rows of a query as plain values (IRIs and texts as str, language tags dropped)."""
        return get_query(name).values(self.store, params)

    def _kept(self, key, make):
        """`make()`, computed once under `key`: the graph does not change while the viewer runs."""
        if key not in self._answers:
            self._answers[key] = make()
        return self._answers[key]

    def plain(self, name: str) -> list[tuple]:
        """`values` of a query without parameters, run once (see `once`)."""
        return self._kept(f"values {name}", lambda: self.values(name))

    def once(self, name: str, lang: str = "fr"):
        """The rows of a query without parameters, run once (once per language for a query with labels)."""
        key = f"{name}@{lang}" if LANG_USE.search(get_query(name).text) else name
        return self._kept(key, lambda: self.run(name, lang=lang))

    # -- Accueil ---------------------------------------------------------------------------------
    def counts_by_type(self, lang: str = "fr") -> list[tuple[str, int]]:
        return self._counted(self.once("entities_by_type", lang), "class", "classLabel", lang)

    def counts_by_source(self, lang: str = "fr") -> list[tuple[str, int]]:
        return self._counted(self.once("entities_by_source", lang), "document", "title", lang)

    @staticmethod
    def _counted(rows, key: str, label: str, lang: str) -> list[tuple[str, int]]:
        labels, counts = defaultdict(list), {}
        index = {name: i for i, name in enumerate(rows.variables)}
        for row in rows:  # raw terms: .dicts() would drop the language tags
            labels[row[index[key]]].append(row[index[label]])
            counts[row[index[key]]] = int(row[index["count"]])
        return [(pick(labels[k], lang), counts[k]) for k in counts]

    def build(self) -> dict:
        """Build date and referential vintage (the build's metadata graph)."""
        rows = self.once("build_description").dicts()
        return rows[0] if rows else {}

    # -- Territoires -----------------------------------------------------------------------------
    @shared_property
    def territory_search(self) -> Search:
        """The territory search (maillage/territories.py) over this graph, its index read once per process: from the
        texts kept with the build (maillage/kept.py, no query: the first search need not wait seconds), else the graph."""
        pace = lambda rows: giving_way(rows, 2000)  # noqa: E731
        kept = kept_search(self.folder, pace) if self.folder is not None else None
        return kept if kept is not None else Search.read(self.store, pace=pace)

    @shared_property
    def territories(self) -> list[Territory]:
        """The territories with a page of their own (communes, EPCI, EPT, départements, régions), by level and code."""
        return [t for t in self.territory_search.by_key.values() if t.level in LEVEL_ORDER]

    @property
    def territory_index(self) -> dict[str, Territory]:
        """Every territory by `level/code` (the parts of communes too: their key leads to their commune)."""
        return self.territory_search.by_key

    def territory(self, key: str) -> Territory | None:
        """A territory with a page by `level/code`, `territoire/level/code` (the viewer's URLs) or IRI: a part of a
        commune (commune déléguée...) gives its commune; None for no key, without waiting for the index (a page
        with no territory chosen)."""
        if not key:
            return None
        found = self.territory_index.get(key.removeprefix(_entity_base).removeprefix("territoire/"))
        return self.territory_search.target(found) if found is not None else None

    def find_territories(self, text: str, limit: int = 30, levels=None) -> list[Candidate]:
        """The candidates a searched text names, best first (Search.search): homonyms all listed, never chosen."""
        return self.territory_search.search(text, limit=limit, levels=levels)

    def search_territories(self, text: str, limit: int = 30, levels=None) -> list[Territory]:
        """The territories (with a page) a searched text leads to, best first, each once."""
        found = {}
        for candidate in self.find_territories(text, limit, levels):
            found.setdefault(candidate.target.key, candidate.target)
        return list(found.values())

    def nesting(self, key: str) -> list[Territory]:
        """The territory and those containing it, from the commune up to the région."""
        found = [self.territory_index.get(f"{r['level']}/{r['code']}")
                 or Territory(r["territory"], r["level"], r["code"], r["name"], None)  # its département, for its title
                 for r in self.run("territory_nesting", territory=key).dicts()]
        return sorted(found, key=lambda t: LEVEL_ORDER.index(t.level))

    def in_territory(self, key: str) -> tuple[set[str], set[str]]:
        """IRIs of the coordinations and experiences in the territory or a territory it contains."""
        found = self.around(key)
        return set(found["coordination"]), set(found["experience"])

    def around(self, key: str, lang: str = "fr") -> dict[str, dict[str, str]]:
        """What lies in the territory or a territory it contains, by kind (coordination, experience, actor, qpv):
        IRI -> name in `lang`, sorted by name. One query: a territory's page need not wait for every card."""
        names: dict[str, dict[str, list]] = {kind: defaultdict(list) for kind in ("coordination", "experience", "actor", "qpv")}
        for entity, kind, label in self.run("entities_in_territory", territory=key, lang=lang):
            names[str(kind)][str(entity)].append(label)
        return {kind: self._by_name(found, lang) for kind, found in names.items()}

    def covering(self, key: str, lang: str = "fr") -> dict[str, str]:
        """IRI -> name in `lang` of the coordinations covering the territory from a territory containing it."""
        names: dict[str, list] = defaultdict(list)
        for coordination, label, _ in self.run("coordinations_covering_territory", territory=key, lang=lang):
            names[str(coordination)].append(label)
        return self._by_name(names, lang)

    def uncovered_themes(self, key: str, lang: str = "fr") -> list[str]:
        """Names in `lang` of the themes no known coordination of the territory (or within it) works on."""
        names = self.concept_names(f"{VOCABULARY_BASE}theme", lang)
        return sorted((pick(names.get(str(theme), []), lang) or short(str(theme))
                       for theme in self.run("themes_without_coordination", territory=key).column("theme")), key=fold)

    def concept_names(self, scheme: str, lang: str = "fr") -> dict[str, list]:
        """Concept IRI -> its label in `lang` (else in the other language), in a concept scheme; read once per
        scheme and language."""
        def read() -> dict[str, list]:
            names: dict[str, list] = defaultdict(list)
            for concept, _, label in self.run("concepts_of_scheme", scheme=scheme, lang=lang):
                names[str(concept)].append(label)
            return dict(names)

        return self._kept(f"concepts {scheme}@{lang}", read)

    @staticmethod
    def _by_name(names: dict[str, list], lang: str) -> dict[str, str]:
        picked = {iri: pick(labels, lang) for iri, labels in names.items()}
        return dict(sorted(picked.items(), key=lambda item: (fold(item[1]), item[0])))

    # -- Expériences, Coordinations --------------------------------------------------------------
    def cards(self, kind: str) -> dict[str, Card]:
        """Every entity of class mlg:KIND (FieldExperience, Coordination) as a short Card (the fields of
        entity_summaries and the labels of entity_value_labels in both languages at once, read as CSV texts: what
        lists and filters read; `complete` gives a card's long texts), by IRI. Half the rows of each language's JSON
        answers read in turn (the values without a language came twice): the national experiences' cards in 0.74 s
        instead of 3.3 s under load (docs/performance/viewer.md)."""
        cards: dict[str, Card] = {}
        value = _Values().text
        labels: dict[str, list] = defaultdict(list)  # one dict for every card of the kind
        labels_query, summaries_query = map(get_query, CARD_QUERIES)
        for iri, label, tag in labels_query.texts(self.store, {"kind": f"{MLG}{kind}"})[1]:
            labels[iri].append(value(label, tag))
        rank = {lang: i for i, lang in enumerate(LANGUAGES)}
        for iri, found in labels.items():  # the first language's first; a label the same in both languages once
            found.sort(key=lambda label: rank.get(label.language, len(rank)))
            labels[iri] = list(dict.fromkeys(found))  # Text equality ignores the tag: the first language's kept
        for entity, name, found, tag in giving_way(summaries_query.texts(self.store, {"kind": f"{MLG}{kind}"})[1], 2000):
            card = cards.get(entity)
            if card is None:
                card = cards[entity] = Card(entity, kind, labels=labels)
            card.fields[name].append(value(found, tag))
        for card in cards.values():
            _sorted_fields(card)
        return dict(sorted(cards.items()))  # by IRI, as entity_cards orders them: every run shows the same order

    def cards_ahead(self, kind: str) -> None:
        """Start the queries `cards(kind)` reads, answered in another thread meanwhile (QueryStore.ahead)."""
        for name in CARD_QUERIES:  # in the order `cards` reads them
            get_query(name).ahead(self.store, {"kind": f"{MLG}{kind}"}, texts=True)

    def complete(self, card: Card) -> Card:
        """The card with every field of entity_cards (long texts, source, passage...) added; read once per card."""
        return self._kept(("card", card.iri), lambda: self._completed(card))

    def _completed(self, card: Card) -> Card:
        full = Card(card.iri, card.kind, labels=defaultdict(list))
        value = _Values()
        for name, values in card.fields.items():
            full.fields[name] = list(values)
            for found in values:
                if found in card.labels:
                    full.labels[found] = list(card.labels[found])
        rows = [row for lang in LANGUAGES  # kept for every visitor: each language's texts
                for row in get_query("entity_cards").json(self.store, {"kind": f"{MLG}{card.kind}", "entity": card.iri,
                                                                       "lang": lang})[1]]
        for row in rows:
            found, name = value(row["value"]), row["field"]["value"]
            if not any(found == known and getattr(found, "language", None) == getattr(known, "language", None)
                       for known in full.fields[name]):
                full.fields[name].append(found)
            label = value(row["valueLabel"]) if "valueLabel" in row else None
            if label is not None and not any(label == known and label.language == getattr(known, "language", None)
                                             for known in full.labels[found]):
                full.labels[found].append(label)
        return _sorted_fields(full)

    @shared_property
    def experiences(self) -> dict[str, Card]:
        return self.cards("FieldExperience")

    @shared_property
    def actors(self) -> dict[str, Card]:
        """Actor cards (their names), for the Acteurs page's list; an actor's page reads actor_card."""
        return self.cards("Actor")

    @shared_property
    def coordinations(self) -> dict[str, Card]:
        """Coordination cards; a coordination's themes include those of the experiences it carries
        (as the library's coordinations_by_theme reads them)."""
        cards = self.cards("Coordination")
        carriers = set()
        for experience in self.experiences.values():
            for carrier, _ in experience.links("carrier"):
                if carrier in cards:
                    carriers.add(carrier)
                    for theme in experience.fields.get("theme", []):
                        if theme not in cards[carrier].fields["theme"]:
                            cards[carrier].fields["theme"].append(theme)
                        cards[carrier].labels[theme] = experience.labels[theme]
        for carrier in carriers:  # the others are sorted already
            _sorted_fields(cards[carrier])
        return cards

    def choices(self, cards: dict[str, Card], name: str, lang: str = "fr") -> dict[str, str]:
        """IRI -> label of the values of field `name` over `cards` (a filter's options), sorted by label; kept, per
        field and language, for the viewer's own experiences and coordinations (they never change)."""
        own = next((kind for kind in ("experiences", "coordinations") if vars(self).get(kind) is cards), None)
        if own and (own, name, lang) in self._choices:
            return self._choices[own, name, lang]
        found = {iri: label for card in cards.values() for iri, label in card.links(name, lang)}
        found = dict(sorted(found.items(), key=lambda item: fold(item[1])))
        if own:
            self._choices[own, name, lang] = found
        return found

    def filtered(self, cards: dict[str, Card], lang: str = "fr", territory: str | None = None,
                 **wanted: str | None) -> list[Card]:
        """Cards having each wanted value (field=IRI) and, given a territory, located in it (nesting)."""
        selected = [c for c in cards.values() if all(not iri or c.has(name, iri) for name, iri in wanted.items())]
        if territory:
            coordinations, experiences = self.in_territory(territory)
            selected = [c for c in selected if c.iri in coordinations | experiences]
        return sorted(selected, key=lambda c: fold(c.text("label", lang)))

    def roles(self, coordination: str, lang: str = "fr") -> dict[str, tuple[str, list[tuple[str, str, str | None, str | None]]]]:
        """Role IRI -> (role label, [(actor IRI, actor label, start, end)]) of a coordination's participations in force
        today (the query's `at` default), in `lang`; start and end are the participation's ISO dates when the source
        gives them, else None."""
        roles, actors, pairs, dates = defaultdict(list), defaultdict(list), [], {}
        for actor, actor_label, role, role_label, _, start, end in self.run("coordination_participants",
                                                                           coordination=coordination, lang=lang):
            roles[role].append(role_label)
            actors[actor].append(actor_label)
            if (role, actor) not in pairs:
                pairs.append((role, actor))
            dates[role, actor] = (None if start is None else str(start), None if end is None else str(end))
        found: dict[str, tuple[str, list]] = {}
        for role, actor in pairs:
            found.setdefault(str(role), (pick(roles[role], lang), []))[1].append(
                (str(actor), pick(actors[actor], lang), *dates[role, actor]))
        return found

    def participants(self, coordination: str, lang: str = "fr") -> list[tuple[str, str]]:
        """(role label, actor label) of a coordination's participations, in `lang`."""
        return [(label, actor[1]) for label, actors in self.roles(coordination, lang).values() for actor in actors]

    def communes(self, coordination: str) -> list[dict]:
        """The communes a coordination covers (its territories' communes, through the nesting): code, name, population."""
        return self.run("communes_of_coordination", coordination=coordination).dicts()

    def typical_funders(self, coordination_type: str, lang: str = "fr") -> list[str]:
        """Labels in `lang` of the usual funders of a coordination type (the type's mlg:typicalFunder)."""
        return [r["label"] for r in self.run("funders", coordinationType=coordination_type, lang=lang).dicts()
                if r["how"] == "financeur habituel"]

    def of_coordination_type(self, cards: list[Card], coordination_type: str | None) -> list[Card]:
        """The cards (experiences) carried out by a coordination of the type; all of them when no type is given."""
        if not coordination_type:
            return cards
        return [c for c in cards if any(self.coordinations.get(iri) and self.coordinations[iri].has("type", coordination_type)
                                        for iri, _ in c.links("carrier"))]

    def experiences_of(self, coordination: str) -> list[Card]:
        return [c for c in self.experiences.values() if c.has("carrier", coordination)]
