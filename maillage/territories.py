"""One territory search, forgiving, for every place field: the viewer's, the query forms', `maillage territory search`.

The index is read once through two library queries (territory_search_names, territory_search_codes) and kept in
memory: 39,000 territories of every level of the referential (communes, communes déléguées and associées,
municipal arrondissements, EPCI, EPT, départements, régions), their postal codes and the former INSEE codes of
merged communes. A search then answers in milliseconds, with no query.

Names are compared folded (`fold`): case, accents, hyphens, spaces, apostrophes and « St/Ste » (« Saint/Sainte »)
do not matter. A text may also be a code: INSEE, SIREN (EPCI, EPT), postal, or a former commune's INSEE code;
each reading is listed and labelled (« 38100 » is the INSEE code of Le Cheylas and a postal code of Grenoble).
Candidates are ranked: exact (name or code), then name starting with the text, then a word of the name starting
with it, then the text anywhere in the name; within each, larger population first. Homonyms are all listed with
their département: `Search.single` chooses only when one territory is named (exactly, or alone), never among
homonyms. A part of a commune or a former code leads to its current commune (`Candidate.target`).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from maillage.library import get_query
from maillage.stores import QueryStore

LEVEL_NAMES = {
    "fr": {"commune": "Commune", "commune-deleguee": "Commune déléguée", "commune-associee": "Commune associée",
           "arrondissement-municipal": "Arrondissement municipal", "epci": "EPCI", "ept": "EPT",
           "departement": "Département", "region": "Région"},
    "en": {"commune": "Municipality", "commune-deleguee": "Delegated municipality",
           "commune-associee": "Associated municipality", "arrondissement-municipal": "Municipal arrondissement",
           "epci": "Intermunicipality", "ept": "Public territorial body (EPT)", "departement": "Département",
           "region": "Region"},
}
# A territory of these levels opens its own page; the others (parts of a commune) lead to their commune.
OWN_PAGE = ("commune", "epci", "ept", "departement", "region")
# Readings of a text, in the order they are told (a text may be read several ways at once).
READINGS = {
    "fr": {"name": "nom", "insee": "code INSEE", "siren": "SIREN", "postal": "code postal",
           "former": "ancien code INSEE"},
    "en": {"name": "name", "insee": "INSEE code", "siren": "SIREN", "postal": "postal code",
           "former": "former INSEE code"},
}
TIERS = ("exact", "prefix", "word", "within")
# Départements and régions have no population in the referential; they come before the communes of their name.
LARGE = {"region": 10**9 + 1, "departement": 10**9}
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
SEPARATORS = re.compile(r"[\s\-‐‑‒–—'’‘`´ʼ_.,;:/()«»\"]+")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
# The combining marks NFKD leaves after a letter (accents, cedilla...): dropped.
COMBINING = dict.fromkeys(c for c in range(0x300, 0x370))
MAX_TEXT = 200  # longer texts are cut: no territory's name is near that long


def fold(text: str) -> str:
    """The form names are compared in: no case, no accent, words separated by one space whatever separated them
    (hyphens, apostrophes, dots...), « st »/« ste » read as « saint »/« sainte »."""
    text = text[:MAX_TEXT].casefold().translate(LIGATURES)
    if not text.isascii():  # most names are: 39,000 of them are folded when the index is made
        text = unicodedata.normalize("NFKD", text).translate(COMBINING)
    words = SEPARATORS.split(text)
    return " ".join([ABBREVIATIONS.get(word, word) for word in words if word])


def compact(text: str) -> str:
    """A code as typed, in upper case with only its letters, digits and `/` (« 38 100 » -> 38100, « 2a004 » -> 2A004,
    « commune/38151 » kept)."""
    return re.sub(r"[^0-9A-Za-z/]", "", text[:MAX_TEXT]).upper()


class Territory(NamedTuple):
    """A territory of the referential (a tuple: 39,000 of them are made once)."""

    iri: str
    level: str
    code: str
    name: str
    departement: str | None = None
    population: int | None = None
    commune: str | None = None  # the current commune's key (`commune/74010`) of a part of a commune

    @property
    def key(self) -> str:
        """`departement/38`: the form the query library's `territoire` check takes."""
        return f"{self.level}/{self.code}"

    def title(self, lang: str = "fr") -> str:
        """The name, told apart from its homonyms by its département (communes and their parts) or level."""
        if self.level == "commune":
            return f"{self.name} ({self.departement or '?'}) — {self.code}"
        if self.commune is not None:
            return f"{self.name} ({self.departement or '?'}) — {LEVEL_NAMES[lang][self.level].lower()} {self.code}"
        return f"{self.name} — {LEVEL_NAMES[lang][self.level]} {self.code}"


class Candidate(NamedTuple):
    """One reading of a searched text: the territory it names, how (`reading`: name, insee, siren, postal,
    former), how well (`tier`: exact, prefix, word, within) and the territory it leads to (`target`: itself, or
    the current commune of a commune déléguée or associée, an arrondissement or a former code)."""

    territory: Territory
    target: Territory
    reading: str
    tier: str
    code: str  # the code read (postal or former code), else the territory's own

    def label(self, lang: str = "fr") -> str:
        """What a list of candidates shows: the territory, the code read if it is not its own, where it leads."""
        text = self.territory.title(lang)
        if self.reading in ("postal", "former"):
            text += f" · {READINGS[lang][self.reading]} {self.code}"
        elif self.reading in ("insee", "siren"):
            text += f" · {READINGS[lang][self.reading]}"
        if self.target != self.territory:
            text += f" → {self.target.name} ({self.target.departement or '?'})"
        return text

    def as_dict(self, lang: str = "fr") -> dict:
        """The candidate for a program (`maillage territory search --format json`)."""
        return {"level": self.territory.level, "code": self.territory.code, "name": self.territory.name,
                "departement": self.territory.departement, "population": self.territory.population,
                "reading": self.reading, "readingLabel": READINGS[lang][self.reading], "matched": self.code,
                "tier": self.tier, "target": self.target.key, "targetName": self.target.name,
                "label": self.label(lang)}


class Search:
    """Every territory of the referential, indexed by folded name and by code."""

    def __init__(self, territories: Iterable[Territory], codes: Iterable[tuple[str, str, str]] = (),
                 pace: Callable[[Iterable], Iterable] = iter):
        """`territories`: one per territory (the largest population kept); `codes`: (territory IRI, kind, code),
        kind `postal` or `former`. `pace` wraps the long loops (the viewer's warm-up gives way to visitors)."""
        by_iri: dict[str, Territory] = {}
        for territory in pace(territories):
            known = by_iri.get(territory.iri)
            if known is None or (territory.population or 0) > (known.population or 0):
                by_iri[territory.iri] = territory
        self.by_key = {t.key: t for t in sorted(by_iri.values(), key=lambda t: (t.level, t.code, t.iri))}
        self.by_code: dict[str, list[Territory]] = defaultdict(list)
        for territory in self.by_key.values():
            self.by_code[territory.code.upper()].append(territory)
        self.by_other: dict[str, list[tuple[str, Territory]]] = defaultdict(list)
        for iri, kind, code in pace(sorted(codes)):
            if iri in by_iri:
                self.by_other[code.upper()].append((kind, by_iri[iri]))
        # Per territory, once: its folded name, where it leads, and its rank within a tier (larger population
        # first, a territory before the parts of communes leading elsewhere, then name, level and code).
        self._ranks: dict[str, tuple] = {}
        names = []
        for key, territory in pace(self.by_key.items()):
            name, target = fold(territory.name), self.target(territory)
            population = territory.population if territory.population is not None else LARGE.get(territory.level, 0)
            self._ranks[key] = (-population, target is not territory, name, territory.level, territory.code)
            names.append((self._ranks[key], name, territory, target))
        self.names: list[tuple[str, Territory, Territory]] = [entry[1:] for entry in sorted(names)]

    @classmethod
    def read(cls, store: QueryStore, pace: Callable[[Iterable], Iterable] = iter) -> Search:
        """The index of the graph in `store`, read through the query library (two queries, read as text: the
        fastest way to read 40,000 rows)."""
        _, rows = get_query("territory_search_names").texts(store)
        territories = [Territory(iri, level, code, name, departement or None, int(population) if population else None,
                                 commune or None)
                       for iri, level, code, name, departement, population, commune in pace(rows)]
        communes = {t.iri: t.key for t in territories if t.level == "commune"}  # a part's commune: IRI -> key
        territories = [t._replace(commune=communes.get(t.commune)) if t.commune else t for t in territories]
        _, codes = get_query("territory_search_codes").texts(store)
        return cls(territories, [tuple(row) for row in codes], pace)

    def __len__(self) -> int:
        return len(self.by_key)

    def get(self, key: str) -> Territory | None:
        """A territory by `level/code`."""
        return self.by_key.get(key)

    def target(self, territory: Territory) -> Territory:
        """Where a territory leads: itself, or the current commune of a part of a commune."""
        if territory.level in OWN_PAGE or territory.commune is None:
            return territory
        return self.by_key.get(territory.commune, territory)

    def search(self, text: str, limit: int | None = 30, levels: Iterable[str] | None = None) -> list[Candidate]:
        """The candidates `text` names, best first (see the module's docstring); at most `limit` (None: all).
        `levels`: only candidates leading to a territory of these levels (a query's `departement` field)."""
        wanted, code = fold(text), compact(text)
        levels = None if levels is None else frozenset(levels)
        if not wanted and not code:
            return []
        exact: dict[tuple, tuple] = {}  # (target, territory, reading) -> (rank, territory, target, reading, code)

        def add(territory: Territory, target: Territory, reading: str, matched: str) -> None:
            if levels is None or target.level in levels:
                exact.setdefault((target.key, territory.key, reading),
                                 (self._ranks[territory.key], reading, territory, target, matched))

        def own_code(territory: Territory) -> None:
            add(territory, self.target(territory), "siren" if territory.level in ("epci", "ept") else "insee",
                territory.code)

        if "/" in code:  # `level/code`, as the viewer's links and the library take it
            level, _, own = code.partition("/")
            if (territory := self.by_key.get(f"{level.lower()}/{own}")) is not None:
                own_code(territory)
        for territory in self.by_code.get(code, ()):
            own_code(territory)
        for kind, territory in self.by_other.get(code, ()):
            add(territory, self.target(territory), kind, code)
        # self.names is in rank order: each tier's matches come ranked; the later tiers stop once `limit` are found.
        tiers: tuple[list, list, list] = ([], [], [])
        if wanted:
            spaced, room = f" {wanted}", limit if limit is not None else len(self.names)
            for name, territory, target in self.names:
                if wanted not in name or (levels is not None and target.level not in levels):
                    continue
                if name == wanted:
                    add(territory, target, "name", territory.code)
                elif name.startswith(wanted):
                    tiers[0].append((territory, target))
                elif len(tiers[0]) < room:
                    (tiers[1] if spaced in f" {name}" else tiers[2]).append((territory, target))
        ranked = [(territory, target, reading, "exact", matched)
                  for _, reading, territory, target, matched in sorted(exact.values(), key=lambda e: e[:2])]
        ranked += [(territory, target, "name", tier, territory.code)
                   for tier, found in zip(TIERS[1:], tiers, strict=True) for territory, target in found]
        named = {key for key in exact if key[2] == "name"}
        candidates = (Candidate(*entry) for entry in ranked if not self._repeats(entry, named))
        return list(candidates if limit is None else itertools.islice(candidates, limit))

    def _repeats(self, entry: tuple, named: set) -> bool:
        """A part of a commune bearing its commune's name and code (the déléguée « Annecy » of Annecy), when the
        commune itself is found too (by its code, or exactly by its name: `named`): it adds nothing."""
        territory, target, reading, tier, _ = entry
        return (target is not territory and target.code == territory.code
                and self._ranks[target.key][2] == self._ranks[territory.key][2]
                and (tier != "exact" or reading != "name" or (target.key, target.key, "name") in named))

    @staticmethod
    def single(candidates: list[Candidate]) -> Candidate | None:
        """The candidate to open without asking: the only one, or the exact ones when they all lead to one
        territory (« 74011 »: Annecy-le-Vieux, and a former code of Annecy); never one of several homonyms, nor
        one of the readings of a code leading to different places (« 38100 »)."""
        exact = [c for c in candidates if c.tier == "exact"] if len(candidates) > 1 else candidates
        return exact[0] if exact and len({c.target.key for c in exact}) == 1 else None


FORMER_CODE_QUERY = """PREFIX mlg: <https://w3id.org/maillage/def/core#>
SELECT ?current WHERE { ?current mlg:formerCodeINSEE ?_code } ORDER BY ?current"""


def current_communes(store: QueryStore, bindings: dict, base: str) -> tuple[dict, list[tuple[str, str]]]:
    """The bound values of a query (`NamedQuery.bindings`) with each commune given by a former commune's INSEE code
    (`mlg:formerCodeINSEE`, read from the referential: 4,240 codes, each in one current commune, none a current
    commune's code) replaced by its current commune, and the (former code, current code) pairs replaced: the
    referential gives no date for the change. One lookup per commune bound."""
    prefix = f"{base}territoire/commune/"
    resolved, replaced = dict(bindings), []
    for variable, value in bindings.items():
        if not (isinstance(value, str) and value.startswith(prefix)):
            continue
        code = value[len(prefix):]
        found = [str(row[0]) for row in store.select(FORMER_CODE_QUERY, {"_code": code})]
        if len(found) == 1 and found[0].startswith(prefix):
            resolved[variable] = found[0]
            replaced.append((code, found[0][len(prefix):]))
    return resolved, replaced
