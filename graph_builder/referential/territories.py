"""The official territorial referential as places and triples.

Every current commune (with communes déléguées and associées and the
municipal arrondissements of Paris, Lyon and Marseille), EPCI, EPT,
département and région of the pinned `@etalab/decoupage-administratif`
package becomes a territory with the project's own IRI
`<base>territoire/<level>/<code>` (never an id.insee.fr IRI: INSEE's instance
IRIs are UUIDs that change with the territory), typed with its level's class
from INSEE's geographic ontology and nested with `igeo:subdivisionDirecteDe`:
commune -> département -> région, commune -> EPCI (and EPT) -> the
département(s) of its communes, arrondissement municipal and commune
déléguée/associée -> commune.

The builder never holds the whole referential in rdflib unless it must:
records resolve references against `Places`, validation of curated data
gets only the places it cites (with their ancestors), and the referential's
own graph is written and validated once per referential version.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from rdflib import RDF, RDFS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, SDO

from graph_builder.constants import IGEO, MLG
from graph_builder.kinds import load_schema
from graph_builder.referential.package import Referential
from graph_builder.vocabulary import Vocabulary

TERRITORY_PATH = "territoire"
SOURCE_ID = "cog-insee"

# Level of each commune record type of the package.
COMMUNE_LEVELS = {
    "commune-actuelle": "commune",
    "commune-deleguee": "commune-deleguee",
    "commune-associee": "commune-associee",
    "arrondissement-municipal": "arrondissement-municipal",
}
OFFICIAL_LEVELS = frozenset({*COMMUNE_LEVELS.values(), "epci", "ept", "departement", "region"})

# Reference year of the package's populations. Its README cites INSEE's legal
# populations published in December 2025 (millésime 2023, in force on
# 1 January 2026) and, for Mayotte, the 2017 census. The overseas
# collectivités are counted by censuses of their own whose years the package
# does not give: their populations are recorded without a year.
POPULATION_YEAR = 2023
POPULATION_YEAR_BY_DEPARTEMENT = {"976": 2017}
COLLECTIVITES_OUTRE_MER = frozenset({"975", "977", "978", "984", "986", "987", "988", "989"})

# An EPCI's or EPT's category: the package's `type` (the DGCL's list) -> the concept of the
# vocabulary "epci-category", linked with INSEE's igeo:typeDEPCI. What comparable_territories compares.
EPCI_CATEGORIES = {"CC": "cc", "CA": "ca", "CU": "cu", "METRO": "metropole", "MET69": "metropole-de-lyon",
                   "EPT": "ept"}
# A current commune's population group: the lower bounds of the fifteen groups of CGCT art. L. 2334-3, as the
# vocabulary "commune-population-group" states them (schema:minValue; a test checks that both agree). Given as data
# so that comparable_territories starts from the commune's group (a lookup), not from every population.
POPULATION_GROUPS = (0, 500, 1000, 2000, 3500, 5000, 7500, 10000, 15000, 20000, 35000, 50000, 75000, 100000, 200000)


def population_group(population: int) -> str:
    """The code of the group of `population` (`2000-3499`, `200000-plus`)."""
    index = bisect_right(POPULATION_GROUPS, population) - 1
    low = POPULATION_GROUPS[index]
    return f"{low}-{POPULATION_GROUPS[index + 1] - 1}" if index + 1 < len(POPULATION_GROUPS) else f"{low}-plus"


@dataclass(frozen=True)
class Place:
    """One territory of the referential."""

    level: str
    code: str
    name: str
    parents: tuple[str, ...] = ()
    population: int | None = None
    population_year: int | None = None
    departement: str | None = None
    # A current commune's postal codes (La Poste's, as the package gives them) and the INSEE codes of the former
    # communes merged into it: what a territory search reads (maillage/territories.py).
    postal_codes: tuple[str, ...] = ()
    former_codes: tuple[str, ...] = ()
    category: str | None = None  # an EPCI's or EPT's code in EPCI_CATEGORIES' values
    population_group: str | None = None  # a current commune's, `population_group`

    @property
    def ident(self) -> str:
        return f"{self.level}/{self.code}"


def _population_year(departement: str | None) -> int | None:
    if departement in COLLECTIVITES_OUTRE_MER:
        return None
    return POPULATION_YEAR_BY_DEPARTEMENT.get(departement or "", POPULATION_YEAR)


def _enclosing(departements: set[str], region_of: dict[str, str]) -> tuple[str, ...]:
    """The territory an intercommunality lies within: its département, else its région, else none.

    igeo:subdivisionDirecteDe means "lies within": the 91 intercommunalities
    whose communes span several départements are not within any of them (the
    Métropole du Grand Paris is not within Paris), and the nesting queries
    must not reach Nanterre from Paris through it.
    """
    if len(departements) == 1:
        return (f"departement/{next(iter(departements))}",)
    regions = {region_of[dep] for dep in departements if dep in region_of}
    return (f"region/{next(iter(regions))}",) if len(regions) == 1 else ()


def _places(referential: Referential) -> Iterator[Place]:
    member_of: dict[str, list[str]] = {}
    departement_of = {c["code"]: c["departement"] for c in referential["communes"] if c["type"] == "commune-actuelle"}
    region_of = {dep["code"]: dep["region"] for dep in referential["departements"]}
    for table, level in (("epci", "epci"), ("ept", "ept")):
        for group in referential[table]:
            members = [member["code"] for member in group.get("membres", [])]
            for code in members:
                member_of.setdefault(code, []).append(f"{level}/{group['code']}")
            parents = _enclosing({departement_of[code] for code in members if code in departement_of}, region_of)
            yield Place(level, group["code"], group["nom"], parents, group.get("populationMunicipale"),
                        POPULATION_YEAR if "populationMunicipale" in group else None,
                        category=EPCI_CATEGORIES.get(group.get("type", "")))
    for region in referential["regions"]:
        yield Place("region", region["code"], region["nom"])
    for dep in referential["departements"]:
        yield Place("departement", dep["code"], dep["nom"], (f"region/{dep['region']}",), departement=dep["code"])
    for commune in referential["communes"]:
        level = COMMUNE_LEVELS[commune["type"]]
        dep = commune.get("departement")
        if level == "commune":
            parents = (f"departement/{dep}", *sorted(member_of.get(commune["code"], ())))
        elif level == "arrondissement-municipal":
            parents = (f"commune/{commune['commune']}",)
        else:
            parents = (f"commune/{commune['chefLieu']}",)
        population = commune.get("population")
        current = level == "commune"  # the package repeats a commune's postal codes on none of its parts
        yield Place(level, commune["code"], commune["nom"], parents, population,
                    _population_year(dep) if population is not None else None, dep,
                    tuple(sorted(set(commune.get("codesPostaux", ())))) if current else (),
                    tuple(sorted(set(commune.get("anciensCodes", ())))) if current else (),
                    population_group=population_group(population) if current and population is not None else None)


class Places:
    """The referential's territories by id (`commune/13001`), with IRIs and triples."""

    def __init__(self, referential: Referential, base: str):
        self.referential = referential
        self.base = base
        self.by_ident: dict[str, Place] = {place.ident: place for place in _places(referential)}

    def __contains__(self, ident: str) -> bool:
        return ident in self.by_ident

    def __len__(self) -> int:
        return len(self.by_ident)

    def iri(self, ident: str) -> URIRef:
        return URIRef(f"{self.base}{TERRITORY_PATH}/{ident}")

    @cached_property
    def source_iri(self) -> URIRef:
        return URIRef(f"{load_schema().vocabulary_base}source/{SOURCE_ID}")

    def _typing(self, vocabulary: Vocabulary) -> tuple[dict[str, URIRef], list[URIRef]]:
        """Each level's class (the vocabulary's mlg:levelClass) and the named classes of every territory."""
        schema = load_schema()
        levels = {level: vocabulary.level_class(schema.concept_iri("territory-level", level))
                  for level in {place.level for place in self.by_ident.values()}}
        territory = sorted(vocabulary.superclasses(schema.expand("mlg:Territory")))
        return levels, territory  # type: ignore[return-value]

    def triple_count(self, vocabulary: Vocabulary) -> int:
        """How many triples `triples()` yields for all places, without making them."""
        fixed = len(self._typing(vocabulary)[1]) + 6  # level class, level, code, name, label, source
        return sum(fixed + len(place.parents) + (place.population is not None) + (place.population_year is not None)
                   + len(place.postal_codes) + len(place.former_codes) + (place.category is not None)
                   + (place.population_group is not None) for place in self.by_ident.values())

    def with_ancestors(self, idents: Iterable[str]) -> set[str]:
        """The given places (those of the referential) and every place above them."""
        found: set[str] = set()
        todo = [i for i in idents if i in self.by_ident]
        while todo:
            ident = todo.pop()
            if ident in found:
                continue
            found.add(ident)
            todo.extend(p for p in self.by_ident[ident].parents if p in self.by_ident)
        return found

    def triples(self, vocabulary: Vocabulary,
                idents: Iterable[str] | None = None) -> Iterator[tuple[URIRef, URIRef, URIRef | Literal]]:
        """Triples of the given places (all by default), in a stable order."""
        level_classes, territory_classes = self._typing(vocabulary)
        source = self.source_iri
        vocabulary_base = self.source_iri.rsplit('/source/', 1)[0]
        level_base = f"{vocabulary_base}/territory-level/"
        for ident in sorted(self.by_ident if idents is None else idents):
            place = self.by_ident[ident]
            subject = self.iri(ident)
            for cls in territory_classes:
                yield subject, RDF.type, cls
            yield subject, RDF.type, level_classes[place.level]
            yield subject, URIRef(MLG + "territoryLevel"), URIRef(level_base + place.level)
            yield subject, IGEO.codeINSEE, Literal(place.code)
            yield subject, IGEO.nom, Literal(place.name)
            yield subject, RDFS.label, Literal(place.name, lang="fr")
            for parent in place.parents:
                yield subject, IGEO.subdivisionDirecteDe, self.iri(parent)
            if place.population is not None:
                yield subject, URIRef(MLG + "population"), Literal(place.population, datatype=XSD.integer)
            if place.population_year is not None:
                yield subject, URIRef(MLG + "populationYear"), Literal(str(place.population_year), datatype=XSD.gYear)
            for postal_code in place.postal_codes:
                yield subject, SDO.postalCode, Literal(postal_code)
            for former_code in place.former_codes:
                yield subject, URIRef(MLG + "formerCodeINSEE"), Literal(former_code)
            if place.category is not None:
                yield subject, IGEO.typeDEPCI, URIRef(f"{vocabulary_base}/epci-category/{place.category}")
            if place.population_group is not None:
                yield subject, URIRef(MLG + "populationGroup"), URIRef(
                    f"{vocabulary_base}/commune-population-group/{place.population_group}")
            yield subject, DCTERMS.source, source
