"""Synthetic directories: fictitious, national-size data for measuring the build.

`generate` draws coordinations (ASV, CLS, CLSM, RTPS, CMT), actors with their
roles, experiences and priority neighbourhoods on top of the real territorial
referential (communes, EPCI, départements, régions), and `write_data_dir`
writes them as directory files (`directories/synthetic-*.csv`, each with its
sidecar source document) next to a copy of the curated data.

Everything is fictitious and says so: ids start with `syn-`, every sidecar
source document is titled « Annuaire synthétique … (données fictives) »,
has `document_type: données synthétiques` and `synthetic: true`
(`mlg:synthetic`), and the output directory holds a SYNTHETIQUE.md notice.
Such data is for benchmarks and tests only, never for the published graph:
the generator refuses to write inside the repository's `data/`.

Reproducible: one `random.Random(seed)` drives every choice, inputs are read
in a fixed order, no clock and no set iteration; the same seed and scale give
byte-identical files.
"""

from __future__ import annotations

import math
import random
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import SKOS, Graph

from graph_builder.constants import PROJECT_ROOT, VOCABULARY_BASE
from graph_builder.problems import BilingualError
from graph_builder.referential.package import Referential
from graph_builder.sources.directories import derive_id, write_rows

# Counts at scale 1 ("national"): about the real number of each kind of coordination.
BASE_COORDINATIONS = {"ASV": 300, "CLS": 600, "CLSM": 300, "RTPS": 40, "CMT": 30}
BASE_ACTORS = 40_000
BASE_EXPERIENCES = 5_000

NORMANDY = "28"  # RTPS are specific to Normandy (coordination-types.yaml: specific_to region/28)
ID_PREFIX = "syn-"
FILE_PREFIX = "synthetic-"
NOTICE = "SYNTHETIQUE.md"
DOCUMENT_TYPE = "données synthétiques"
# Licence of the generated files (the project's data licence); lines leave `source` and `licence` empty: the
# file's source document is their source.
LICENSE = "https://creativecommons.org/licenses/by/4.0/"

# Directory templates: file kind -> exact header (directory_templates.yaml; a test checks they agree).
HEADERS = {
    "coordinations": ["identifiant", "type", "nom", "porteur", "territoires", "debut", "fin", "themes", "missions",
                      "role_contact", "source", "licence"],
    "acteurs": ["identifiant", "nom", "types", "territoire", "site_web", "courriel", "source", "licence"],
    "participations": ["coordination", "acteur", "role", "contact", "debut", "fin", "source", "licence"],
    "experiences": ["identifiant", "titre", "objet", "lieux", "themes", "axes", "determinants", "porteurs",
                    "role_contact", "debut", "resultats", "source", "licence"],
    "qpv": ["code", "nom", "communes", "source", "licence"],
}
# Written in this order (QPV first: coordinations and experiences refer to them).
FILE_ORDER = ("qpv", "acteurs", "coordinations", "participations", "experiences")
TITLES = {
    "qpv": "quartiers prioritaires",
    "acteurs": "acteurs",
    "coordinations": "coordinations locales en santé",
    "participations": "rôles des acteurs dans les coordinations",
    "experiences": "expériences de terrain",
}
TITLES_EN = {
    "qpv": "priority neighbourhoods",
    "acteurs": "actors",
    "coordinations": "local health coordinations",
    "participations": "actors' roles in the coordinations",
    "experiences": "field experiences",
}


class SyntheticError(BilingualError):
    """The synthetic data cannot be written where asked."""


# ---------------------------------------------------------------------------
# Inputs: vocabularies and the mission matrix, read from the project's files
# ---------------------------------------------------------------------------

def vocabulary_codes(ontology_dir: Path) -> dict[str, list[str]]:
    """Codes (IRI suffixes) of every concept scheme of `ontology/vocabularies/`, sorted."""
    graph = Graph()
    for path in sorted((ontology_dir / "vocabularies").glob("*.ttl")):
        graph.parse(path, format="turtle")
    codes: dict[str, list[str]] = defaultdict(list)
    for concept, scheme in graph.subject_objects(SKOS.inScheme):
        scheme_iri, concept_iri = str(scheme), str(concept)
        if scheme_iri.startswith(VOCABULARY_BASE) and concept_iri.startswith(scheme_iri + "/"):
            codes[scheme_iri.removeprefix(VOCABULARY_BASE)].append(concept_iri.removeprefix(scheme_iri + "/"))
    return {scheme: sorted(values) for scheme, values in sorted(codes.items())}


def mission_matrix(data_dir: Path) -> dict[str, list[str]]:
    """Missions of each coordination type, from the curated matrix (seed 003)."""
    raw = yaml.safe_load((data_dir / "missions-matrix.yaml").read_text(encoding="utf-8")) or {}
    matrix: dict[str, list[str]] = defaultdict(list)
    for cell in raw.get("mission_assignment", []):
        matrix[str(cell["coordination_type"])].append(str(cell["mission"]))
    return {ctype: sorted(set(missions)) for ctype, missions in sorted(matrix.items())}


# ---------------------------------------------------------------------------
# French names
# ---------------------------------------------------------------------------

VOWELS = "AEIOUYÂÀÉÈÊËÎÏÔÖÛÜaeiouyâàéèêëîïôöûüH"


def of(name: str, article: str = "") -> str:
    """« de » + name with French elision and contraction: d'Aix, du Havre, des Mureaux, de la CC …"""
    if article:
        return f"de l'{name}" if name[:1] in VOWELS else f"de {article} {name}"
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name.startswith(("La ", "L'", "L’")):
        return "de " + name[0].lower() + name[1:]
    if name[:1] in VOWELS.replace("H", ""):
        return "d'" + name
    return "de " + name


def at(name: str) -> str:
    """« à » + name with contraction: à Aix, au Havre, aux Mureaux."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    return "à " + name


def slug(text: str, limit: int = 48) -> str:
    """An id from a name, as the directory import makes them, cut to `limit` characters."""
    return derive_id([text])[:limit].strip("-")


PEOPLE = ["Jean Moulin", "Victor Hugo", "Jules Ferry", "Marie Curie", "Louise Michel", "Jean Jaurès", "Simone Veil",
          "Albert Camus", "Jacques Prévert", "George Sand", "Paul Éluard", "Émile Zola", "Jean de La Fontaine",
          "Antoine de Saint-Exupéry", "Joséphine Baker", "Gisèle Halimi", "Lucie Aubrac", "Aimé Césaire",
          "Olympe de Gouges", "Jean Zay", "Germaine Tillion", "Pierre Mendès France", "Colette", "Louis Pasteur"]
PLACES = ["Les Tilleuls", "Les Glycines", "Les Mimosas", "Le Clos des Vignes", "Les Charmilles", "La Roseraie",
          "Les Hortensias", "Le Val Fleuri", "Les Cèdres", "La Source", "Les Peupliers", "Le Parc"]
ASSOCIATIONS = ["Santé et Solidarité", "Bien vieillir ensemble", "Prévention jeunesse", "Les Amis du quartier",
                "Familles solidaires", "Sport pour tous", "Femmes relais", "Entraide et partage", "Accueil et écoute",
                "Parents ensemble", "Mieux vivre", "Culture et santé", "Insertion et avenir", "Jardins partagés",
                "Alimentation solidaire", "Vivre ensemble", "Lien social", "Accès aux droits", "Répit aidants",
                "Bouger plus"]
SOCIAL_CENTRES = ["La Passerelle", "L'Escale", "Le Trait d'union", "La Maison pour tous", "L'Agora", "Le Phare",
                  "La Ruche", "Les Quatre Vents"]

# Local actors: kind -> (share, name templates). {c} commune, {d} département, {p} person, {l} place,
# {a} association, {s} social centre. "!" marks a name held by one actor per place (CCAS de X…).
LOCAL_KINDS: list[tuple[str, float, list[str]]] = [
    ("association", 0.42, ["Association {a} {of_c}", "Centre social {s} {of_c}", "!Mission locale {of_c}",
                           "!Maison des adolescents {of_c}", "Épicerie sociale {of_c}", "Club de prévention {of_c}",
                           "Comité des fêtes {of_c}", "Association {a}"]),
    ("etablissement-de-sante", 0.10, ["!Centre hospitalier {of_c}", "EHPAD {l} {of_c}",
                                      "Centre médico-psychologique {of_c}", "Clinique {l} {of_c}",
                                      "Centre de soins, d'accompagnement et de prévention en addictologie {of_c}"]),
    ("centre-de-sante", 0.06, ["!Centre de santé municipal {of_c}", "Centre de santé {l} {of_c}",
                               "Centre de santé infirmier {of_c}"]),
    ("professionnel", 0.14, ["!Maison de santé pluriprofessionnelle {of_c}", "Pharmacie {l} {of_c}",
                             "Cabinet infirmier {l} {of_c}", "Collectif des médecins généralistes {of_c}",
                             "Cabinet de kinésithérapie {of_c}", "Service de protection maternelle et infantile {of_c}"]),
    ("education-nationale", 0.08, ["Collège {p} {of_c}", "Lycée {p} {of_c}", "École élémentaire {p} {of_c}",
                                   "École maternelle {p} {of_c}"]),
    ("habitants", 0.05, ["!Conseil citoyen {of_c}", "Collectif d'habitants {l} {of_c}"]),
    ("ccas", 0.04, ["!Centre communal d'action sociale {of_c}"]),
    ("elu", 0.03, ["!Commission santé du conseil municipal {of_c}"]),
    ("etat", 0.03, ["!Délégation du préfet pour l'égalité des chances {of_d}",
                    "!Direction départementale de l'emploi, du travail et des solidarités {of_d}"]),
    ("assurance-maladie", 0.03, ["!Caisse primaire d'assurance maladie {of_d}", "!Mutualité sociale agricole {of_d}"]),
    ("centre-ressources", 0.02, ["!Centre de ressources en promotion de la santé {of_d}",
                                 "Point d'information jeunesse {of_c}"]),
]
FUNDER_KINDS = {"etat", "assurance-maladie", "departement", "region", "ars", "commune", "intercommunalite"}

# Experiences: theme -> titles of actions. Themes missing here use GENERIC_ACTIONS.
ACTIONS = {
    "nutrition": ["Ateliers cuisine et petits budgets", "Parcours nutrition à l'école", "Jardin partagé de quartier",
                  "Petits déjeuners pédagogiques"],
    "acces-aux-soins": ["Permanences de médecins généralistes", "Bus santé dans les quartiers",
                        "Accompagnement vers un médecin traitant", "Journées de dépistage gratuit"],
    "acces-aux-droits": ["Permanences d'accès aux droits de santé", "Accompagnement à la complémentaire santé",
                         "Médiation santé en pied d'immeuble"],
    "sante-mentale": ["Semaine d'information sur la santé mentale", "Groupe d'entraide mutuelle",
                      "Formation aux premiers secours en santé mentale", "Cellule de situations complexes"],
    "habitat-indigne": ["Repérage du logement indigne", "Diagnostic de l'habitat et de la santé",
                        "Lutte contre le saturnisme infantile"],
    "addictions": ["Prévention des conduites à risques en milieu festif", "Consultations jeunes consommateurs",
                   "Ateliers d'estime de soi au collège"],
    "cancers": ["Octobre rose dans les quartiers", "Promotion du dépistage organisé des cancers",
                "Ambassadrices du dépistage"],
    "activite-physique": ["Marche santé hebdomadaire", "Sport sur ordonnance", "Parcours santé en plein air"],
    "petite-enfance": ["Ateliers parents-enfants", "Repérage précoce des troubles du langage",
                       "Lieu d'accueil enfants-parents"],
    "parentalite": ["Café des parents", "Groupe de parole de parents", "Université populaire des parents"],
    "sante-jeunes": ["Point écoute jeunes", "Éducation à la vie affective et sexuelle", "Forum santé des lycéens"],
    "sante-environnement": ["Qualité de l'air intérieur dans les écoles", "Ateliers santé-environnement",
                            "Prévention des risques liés à la chaleur"],
    "mobilite": ["Transport solidaire vers les soins", "Ateliers mobilité des seniors"],
    "medico-social": ["Coordination des parcours des personnes âgées", "Répit des aidants familiaux"],
    "urbanisme-favorable": ["Évaluation d'impact sur la santé d'un projet urbain", "Aménagement d'espaces verts"],
    "vivre-ensemble": ["Fête de quartier et santé", "Repas partagés intergénérationnels"],
    "formation-acteurs": ["Formation des acteurs à la promotion de la santé", "Rencontres des professionnels"],
    "sante-communautaire": ["Diagnostic participatif avec les habitants", "Habitants relais santé"],
}
GENERIC_ACTIONS = ["Action de prévention", "Projet de promotion de la santé", "Rencontres santé"]
RESULTS = ["{n} participants sur l'année ; action reconduite.", "{n} personnes touchées ; bilan positif des partenaires.",
           "Démarche évaluée avec les habitants ({n} questionnaires).", "{n} professionnels formés ; suite prévue."]


# ---------------------------------------------------------------------------
# The referential, indexed for drawing places
# ---------------------------------------------------------------------------

@dataclass
class PlacePool:
    communes: dict[str, dict]        # code -> commune (current communes outside the overseas collectivities)
    epci: dict[str, dict]            # SIREN -> EPCI, with "departement" and "region" of most of its population
    departements: dict[str, dict]
    regions: dict[str, dict]
    communes_of_departement: dict[str, list[str]]

    @classmethod
    def from_referential(cls, referential: Referential) -> PlacePool:
        communes = {c["code"]: c for c in referential["communes"]
                    if c.get("type") == "commune-actuelle" and c.get("zone") != "com"}
        departements = {d["code"]: d for d in referential["departements"] if d.get("zone") != "com"}
        regions = {r["code"]: r for r in referential["regions"] if r.get("zone") != "com"}
        epci = {}
        for item in referential["epci"]:
            members = [m["code"] for m in item.get("membres", []) if m["code"] in communes]
            if not members:
                continue
            weight: Counter[tuple[str, str]] = Counter()
            for code in members:
                weight[(communes[code]["departement"], communes[code]["region"])] += communes[code].get("population", 0) + 1
            (departement, region), _ = max(weight.items(), key=lambda kv: (kv[1], kv[0]))
            regions_of_members = sorted({communes[code]["region"] for code in members})
            epci[item["code"]] = {**item, "members": members, "departement": departement, "region": region,
                                  "single_region": regions_of_members == [region]}
        by_departement: dict[str, list[str]] = defaultdict(list)
        for code, commune in communes.items():
            by_departement[commune["departement"]].append(code)
        return cls(communes=communes, epci=epci, departements=departements, regions=regions,
                   communes_of_departement={k: sorted(v) for k, v in sorted(by_departement.items())})

    def population(self, code: str) -> int:
        return int(self.communes[code].get("population", 0))


def weighted_sample(rng: random.Random, items: list[str], weights: list[float], k: int) -> list[str]:
    """k distinct items drawn with probability proportional to weight (Efraimidis-Spirakis), in draw order."""
    keys = [(math.log(1.0 - rng.random()) / w if w > 0 else -math.inf, item) for item, w in zip(items, weights, strict=True)]
    keys.sort(key=lambda kv: (-kv[0], kv[1]))
    return [item for _, item in keys[:k]]


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------

@dataclass
class Coordination:
    ident: str
    ctype: str
    label: str
    territories: list[str]      # territory cells (13001, 200054807, departement:13, QN01301Z)
    communes: list[str]         # communes where its actors and experiences are
    departement: str
    region: str
    weight: float = 1.0


@dataclass
class SyntheticData:
    """Rows of each directory file (dicts keyed by the template's header), in file order."""

    seed: int
    scale: float
    rows: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {kind: [] for kind in HEADERS})

    def counts(self) -> dict[str, int]:
        counts = {kind: len(rows) for kind, rows in self.rows.items()}
        for ctype in BASE_COORDINATIONS:
            counts[ctype] = sum(1 for row in self.rows["coordinations"] if row["type"] == ctype)
        return counts


def scaled(base: int, scale: float, minimum: int = 0) -> int:
    return max(minimum, round(base * scale))


def _cells(values: Iterable[str]) -> str:
    return "|".join(values)


class Generator:
    def __init__(self, places: PlacePool, vocabularies: dict[str, list[str]], matrix: dict[str, list[str]],
                 seed: int, scale: float):
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.places = places
        self.codes = vocabularies
        self.matrix = matrix
        self.rng = random.Random(seed)
        self.data = SyntheticData(seed=seed, scale=scale)
        self.actor_ids: dict[str, str] = {}          # unique name key -> actor id (institutions, "!" names)
        self.actor_count = 0
        self.qpv_of_commune: dict[str, list[str]] = {}
        self.qpv_count: Counter[str] = Counter()
        self.participations: set[tuple[str, str, str]] = set()
        self.participants: dict[str, list[str]] = defaultdict(list)   # coordination id -> actor ids

    # -- helpers ----------------------------------------------------------
    def _row(self, kind: str, **values: str) -> None:
        self.data.rows[kind].append({name: values.get(name, "") for name in HEADERS[kind]})

    def _pick(self, values: list[str], low: int, high: int) -> list[str]:
        count = min(len(values), self.rng.randint(low, high))
        chosen = self.rng.sample(values, count)
        return sorted(chosen, key=values.index)

    def _date(self, first: int, last: int) -> str:
        year = self.rng.randint(first, last)
        return str(year) if self.rng.random() < 0.4 else f"{year}-{self.rng.randint(1, 12):02d}"

    def _actor(self, kind: str, name: str, territory: str, unique_key: str | None = None) -> str:
        """The id of a new actor (or of the existing one holding `unique_key`)."""
        if unique_key is not None and unique_key in self.actor_ids:
            return self.actor_ids[unique_key]
        self.actor_count += 1
        ident = f"{ID_PREFIX}{kind}-{self.actor_count:06d}"
        domain = f"{slug(name, 40)}.example"
        site = f"https://www.{domain}/" if self.rng.random() < 0.35 else ""
        mail = f"contact@{domain}" if self.rng.random() < 0.25 else ""
        self._row("acteurs", identifiant=ident, nom=name, types=kind, territoire=territory, site_web=site,
                  courriel=mail)
        if unique_key is not None:
            self.actor_ids[unique_key] = ident
        return ident

    def _participation(self, coordination: str, actor: str, role: str, contact: bool = False) -> None:
        key = (coordination, actor, role)
        if key in self.participations:
            return
        self.participations.add(key)
        self.participants[coordination].append(actor)
        if role != "porteur":  # the coordinations file's porteur column already says it
            self._row("participations", coordination=coordination, acteur=actor, role=role,
                      contact="oui" if contact else "non")

    # -- institutions -------------------------------------------------------
    def ars(self, region: str) -> str:
        name = f"Agence régionale de santé {self.places.regions[region]['nom']}"
        return self._actor("ars", name, f"region:{region}", f"ars:{region}")

    def conseil_regional(self, region: str) -> str:
        name = f"Conseil régional {of(self.places.regions[region]['nom'])}"
        return self._actor("region", name, f"region:{region}", f"region:{region}")

    def conseil_departemental(self, departement: str) -> str:
        name = f"Conseil départemental {of(self.places.departements[departement]['nom'])}"
        return self._actor("departement", name, f"departement:{departement}", f"departement:{departement}")

    def ville(self, commune: str) -> str:
        item = self.places.communes[commune]
        word = "Ville" if item.get("population", 0) >= 10_000 else "Commune"
        return self._actor("commune", f"{word} {of(item['nom'])}", commune, f"commune:{commune}")

    def intercommunalite(self, siren: str) -> str:
        return self._actor("intercommunalite", self.places.epci[siren]["nom"], siren, f"epci:{siren}")

    def ccas(self, commune: str) -> str:
        name = f"Centre communal d'action sociale {of(self.places.communes[commune]['nom'])}"
        return self._actor("ccas", name, commune, f"!{name}")

    def centre_ressources(self, departement: str) -> str:
        name = f"Centre de ressources en promotion de la santé {of(self.places.departements[departement]['nom'])}"
        return self._actor("centre-ressources", name, f"departement:{departement}", f"!{name}")

    # -- QPV ------------------------------------------------------------------
    def qpvs(self, commune: str) -> list[str]:
        """One to three fictitious priority neighbourhoods in a commune, written to the QPV file once."""
        if commune in self.qpv_of_commune:
            return self.qpv_of_commune[commune]
        departement = self.places.communes[commune]["departement"]
        codes = []
        names = self._pick(PLACES + SOCIAL_CENTRES, 1, 3)
        for name in names:
            number = self.qpv_count[departement]
            self.qpv_count[departement] += 1
            # QN + the département on 3 digits + 2 digits + a letter counting down from Z: fictitious codes.
            code = f"QN{departement.zfill(3)}{number % 100:02d}{chr(ord('Z') - number // 100)}"
            codes.append(code)
            label = f"Quartier {name} {of(self.places.communes[commune]['nom'])} (fictif)"
            self._row("qpv", code=code, nom=label, communes=commune)
        self.qpv_of_commune[commune] = codes
        return codes

    # -- coordinations ----------------------------------------------------------
    def draw_places(self) -> dict[str, list[tuple[str, str]]]:
        """(level, code) of each coordination to create, per type."""
        p = self.places
        scale = self.data.scale
        count = {ctype: scaled(base, scale, minimum=1) for ctype, base in BASE_COORDINATIONS.items()}
        communes = sorted(p.communes)
        pop = [float(p.population(c)) for c in communes]
        epcis = sorted(p.epci)
        epci_pop = [float(p.epci[e].get("populationTotale", 0)) for e in epcis]
        taken: set[tuple[str, str]] = set()

        def draw(level: str, items: list[str], weights: list[float], k: int, eligible) -> list[tuple[str, str]]:
            pool = [(i, w) for i, w in zip(items, weights, strict=True) if eligible(i) and (level, i) not in taken]
            chosen = weighted_sample(self.rng, [i for i, _ in pool], [w for _, w in pool], k)
            while len(chosen) < k:  # more coordinations than places: places get a second one
                chosen.append(self.rng.choice([i for i, _ in pool] or items))
            result = [(level, code) for code in chosen]
            taken.update(result)
            return result

        def split(total: int, share: float) -> tuple[int, int]:
            first = sum(1 for _ in range(total) if self.rng.random() < share)
            return first, total - first

        def big(threshold: int):
            return lambda code: p.population(code) >= threshold

        plan: dict[str, list[tuple[str, str]]] = {}
        plan["ASV"] = draw("commune", communes, pop, count["ASV"], big(5_000))
        taken.clear()
        on_epci, on_commune = split(count["CLS"], 0.6)
        plan["CLS"] = draw("epci", epcis, epci_pop, on_epci, lambda e: True) + \
            draw("commune", communes, pop, on_commune, big(2_000))
        taken.clear()
        on_commune, on_epci = split(count["CLSM"], 0.7)
        plan["CLSM"] = draw("commune", communes, pop, on_commune, big(10_000)) + \
            draw("epci", epcis, epci_pop, on_epci, lambda e: True)
        normandy = [e for e in epcis if p.epci[e]["region"] == NORMANDY and p.epci[e]["single_region"]]
        plan["RTPS"] = draw("epci", normandy, [1.0] * len(normandy), count["RTPS"], lambda e: True)
        departements = sorted(p.departements)
        plan["CMT"] = draw("departement", departements, [1.0] * len(departements), count["CMT"], lambda d: True)
        return plan

    def coordinations(self) -> list[Coordination]:
        p = self.places
        created: list[Coordination] = []
        per_type: Counter[str] = Counter()
        labels: Counter[str] = Counter()
        plan = self.draw_places()
        for ctype in BASE_COORDINATIONS:
            for level, code in plan[ctype]:
                per_type[ctype] += 1
                ident = f"{ID_PREFIX}{ctype.lower()}-{per_type[ctype]:04d}"
                if level == "commune":
                    commune = p.communes[code]
                    members, departement, region, place = [code], commune["departement"], commune["region"], commune["nom"]
                    territories = [code]
                    if ctype == "ASV" and departement.isdigit() and self.rng.random() < 0.5:
                        territories = self.qpvs(code)
                    place_text = of(place)
                elif level == "epci":
                    item = p.epci[code]
                    members, departement, region = item["members"], item["departement"], item["region"]
                    territories = [code]
                    place_text = of(item["nom"], "la")
                else:
                    item = p.departements[code]
                    members, departement, region = p.communes_of_departement[code], code, item["region"]
                    territories = [f"departement:{code}"]
                    place_text = of(item["nom"])
                label = {
                    "ASV": "Atelier santé ville " + (place_text if territories[0] == code else
                                                     "des quartiers prioritaires " + place_text),
                    "CLS": f"Contrat local de santé {place_text}",
                    "CLSM": f"Conseil local de santé mentale {place_text}",
                    "RTPS": f"Réseau territorial de promotion de la santé {place_text}",
                    "CMT": f"Conseiller méthodologique de territoire {place_text}",
                }[ctype]
                labels[label] += 1
                if labels[label] > 1:
                    label = f"{label} ({labels[label]})"
                weight = {"CLS": 1.5, "CMT": 2.0, "RTPS": 1.2}.get(ctype, 1.0)
                created.append(Coordination(ident, ctype, label, territories, members, departement, region, weight))
        return created

    def describe(self, coordination: Coordination) -> None:
        """The coordination's row and its institutional participants (carrier, co-signatories, funders, post)."""
        c = coordination
        themes = self.codes["theme"]
        chosen = self._pick(themes, 2, 5)
        if c.ctype == "CLSM":
            chosen = sorted({"sante-mentale", *self._pick(themes, 0, 2)} & set(themes), key=themes.index)
        start = {"ASV": (2000, 2015), "CLS": (2010, 2025), "CLSM": (2005, 2025), "RTPS": (2014, 2024),
                 "CMT": (2016, 2024)}[c.ctype]
        debut = self._date(*start)
        fin = ""
        if c.ctype == "CLS" and self.rng.random() < 0.5:
            fin = str(int(debut[:4]) + 5)
        main_place = c.territories[0]
        if c.ctype == "CMT":
            local_authority = carrier = self.centre_ressources(c.departement)
        else:
            local_authority = (self.intercommunalite(main_place) if main_place in self.places.epci
                               else self.ville(c.communes[0]))
            carrier = self.ccas(c.communes[0]) if c.ctype == "ASV" and self.rng.random() < 0.2 else local_authority
        self._row("coordinations", identifiant=c.ident, type=c.ctype, nom=c.label, porteur=carrier,
                  territoires=_cells(c.territories), debut=debut, fin=fin, themes=_cells(chosen),
                  missions=_cells(self.matrix.get(c.ctype, [])), role_contact="coordonnateur")
        self._participation(c.ident, carrier, "porteur")
        ars = self.ars(c.region)
        if c.ctype == "CLS":
            self._participation(c.ident, local_authority, "cosignataire")
            self._participation(c.ident, ars, "cosignataire")
            if self.rng.random() < 0.3:
                self._participation(c.ident, self.conseil_departemental(c.departement), "cosignataire")
        elif c.ctype == "ASV":
            self._participation(c.ident, ars, "financeur")
            if carrier != local_authority:
                self._participation(c.ident, local_authority, "comite-pilotage")
        elif c.ctype == "RTPS":
            self._participation(c.ident, ars, "financeur")
            self._participation(c.ident, self.conseil_regional(c.region), "financeur")
        else:
            self._participation(c.ident, ars, "financeur")
        post = self._actor("professionnel", f"Coordination : {c.label} (poste)", c.territories[0])
        self._participation(c.ident, post, "coordonnateur", contact=True)

    # -- local actors ---------------------------------------------------------------
    def local_actor(self, coordination: Coordination, by_departement: dict[str, list[Coordination]]) -> None:
        p = self.places
        kinds = [k for k, _, _ in LOCAL_KINDS]
        shares = [s for _, s, _ in LOCAL_KINDS]
        kind = self.rng.choices(kinds, weights=shares)[0]
        templates = dict((k, t) for k, _, t in LOCAL_KINDS)[kind]
        members = coordination.communes
        if len(members) > 40:  # a département: its bigger communes, mostly
            members = weighted_sample(self.rng, members, [p.population(m) + 1.0 for m in members], 40)
        commune = self.rng.choice(members)
        departement = p.communes[commune]["departement"]
        template = self.rng.choice(templates)
        name = template.lstrip("!").format(
            of_c=of(p.communes[commune]["nom"]), of_d=of(p.departements[departement]["nom"]),
            p=self.rng.choice(PEOPLE), l=self.rng.choice(PLACES), a=self.rng.choice(ASSOCIATIONS),
            s=self.rng.choice(SOCIAL_CENTRES))
        territory = f"departement:{departement}" if "{of_d}" in template else commune
        if template.startswith("!") and f"!{name}" in self.actor_ids:
            # Held by one actor only (a commune has one CCAS): an association instead.
            kind, name = "association", f"Association {self.rng.choice(ASSOCIATIONS)} {of(p.communes[commune]['nom'])}"
            territory = commune
            template = ""
        actor = self._actor(kind, name, territory, f"!{name}" if template.startswith("!") else None)
        roll = self.rng.random()
        if kind in FUNDER_KINDS and roll < 0.5:
            role = "financeur"
        elif roll < 0.25:
            role = "comite-pilotage"
        else:
            role = "partenaire"
        self._participation(coordination.ident, actor, role)
        if self.rng.random() < 0.1:  # also a partner of another coordination of the département
            others = [o for o in by_departement.get(departement, []) if o.ident != coordination.ident]
            if others:
                self._participation(self.rng.choice(others).ident, actor, "partenaire")

    # -- experiences ------------------------------------------------------------------
    def experience(self, number: int, coordinations: list[Coordination], weights: list[float]) -> None:
        p = self.places
        c = self.rng.choices(coordinations, weights=weights)[0]
        themes = self.codes["theme"]
        theme_list = self._pick(themes, 1, 3)
        action = self.rng.choice(ACTIONS.get(theme_list[0], GENERIC_ACTIONS))
        if c.territories[0].startswith("QN") and self.rng.random() < 0.7:
            places = self._pick(c.territories, 1, 2)
            where = at(p.communes[c.communes[0]]["nom"])
        else:
            members = c.communes if len(c.communes) <= 40 else weighted_sample(
                self.rng, c.communes, [p.population(m) + 1.0 for m in c.communes], 40)
            places = [code for code in self._pick(members, 1, 2)]
            where = at(p.communes[places[0]]["nom"])
        carriers = [c.ident]
        participants = self.participants.get(c.ident, [])
        if participants and self.rng.random() < 0.3:
            carriers.append(self.rng.choice(participants))
        self._row("experiences", identifiant=f"{ID_PREFIX}experience-{number:05d}", titre=f"{action} {where}",
                  objet=f"{action} {where}, menée dans le cadre de : {c.label}.", lieux=_cells(places),
                  themes=_cells(theme_list), axes=_cells(self._pick(self.codes["ottawa-axis"], 1, 3)),
                  determinants=_cells(self._pick(self.codes["determinant"], 1, 3)), porteurs=_cells(carriers),
                  role_contact="coordonnateur", debut=self._date(2005, 2025),
                  resultats=self.rng.choice(RESULTS).format(n=self.rng.randint(10, 400)))

    # -- all ----------------------------------------------------------------------------
    def run(self) -> SyntheticData:
        coordinations = self.coordinations()
        for coordination in coordinations:
            self.describe(coordination)
        by_departement: dict[str, list[Coordination]] = defaultdict(list)
        for coordination in coordinations:
            by_departement[coordination.departement].append(coordination)
        target = scaled(BASE_ACTORS, self.data.scale)
        remaining = max(0, target - self.actor_count)
        weights = [c.weight for c in coordinations]
        for coordination in self.rng.choices(coordinations, weights=weights, k=remaining):
            self.local_actor(coordination, by_departement)
        for number in range(1, scaled(BASE_EXPERIENCES, self.data.scale) + 1):
            self.experience(number, coordinations, weights)
        return self.data


def generate(referential: Referential, seed: int = 1, scale: float = 1.0, data_dir: Path | None = None,
             ontology_dir: Path | None = None) -> SyntheticData:
    """Draw the synthetic directories (pure: nothing is written)."""
    data_dir = data_dir or PROJECT_ROOT / "data"
    ontology_dir = ontology_dir or PROJECT_ROOT / "ontology"
    generator = Generator(PlacePool.from_referential(referential), vocabulary_codes(ontology_dir),
                          mission_matrix(data_dir), seed, scale)
    return generator.run()


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------

def sidecar_text(kind: str, seed: int, scale: float, count: int) -> str:
    record = {
        "id": f"annuaire-{FILE_PREFIX}{kind}",
        "title": f"Annuaire synthétique : {TITLES[kind]} (données fictives)",
        "title_en": f"Synthetic directory: {TITLES_EN[kind]} (fictitious data)",
        "document_type": DOCUMENT_TYPE,
        "document_type_en": "synthetic data",
        "synthetic": True,
        "license": LICENSE,
        "language": "fr",
        "description": [
            f"Données FICTIVES produites par le générateur d'annuaires synthétiques de Maillage "
            f"(maillage synthetic, graine {seed}, échelle {scale:g}) : {count} ligne(s) tirées au hasard sur le "
            "référentiel territorial officiel, pour mesurer les performances de la construction du graphe.",
            "Aucune de ces coordinations, de ces acteurs ou de ces expériences n'existe ; les codes des quartiers "
            "prioritaires sont inventés. Ces données ne doivent jamais être publiées.",
        ],
        "description_en": [
            f"FICTITIOUS data made by Maillage's synthetic-directory generator (seed {seed}, scale {scale:g}), "
            "drawn on the official territorial referential to measure the build's performance. Never to be published.",
        ],
    }
    header = ("# Annuaire SYNTHÉTIQUE (données fictives) écrit par « maillage synthetic » : ne pas publier, "
              "ne pas copier dans data/.\n")
    return header + yaml.safe_dump({"source_document": [record]}, allow_unicode=True, sort_keys=False, width=1000)


def notice_text(seed: int, scale: float, counts: dict[str, int]) -> str:
    lines = [
        "# Données synthétiques (fictives)",
        "",
        "Ce dossier est une copie des données curatées de Maillage à laquelle « maillage synthetic » a ajouté des",
        "annuaires FICTIFS (`directories/synthetic-*`), pour les mesures de performance (« maillage bench »).",
        "Ne le publiez pas et ne copiez pas ces fichiers dans `data/`.",
        "",
        f"Graine : {seed} ; échelle : {scale:g}.",
        "",
        "| fichier | lignes |",
        "|---|---|",
    ]
    lines += [f"| {kind} | {counts[kind]} |" for kind in FILE_ORDER]
    return "\n".join(lines) + "\n"


def _refuse_inside_data(out: Path) -> None:
    protected = (PROJECT_ROOT / "data").resolve()
    target = out.resolve()
    if target == protected or target.is_relative_to(protected):
        raise SyntheticError(
            f"{out} : refusé, les données synthétiques ne s'écrivent jamais dans le dossier data/ du dépôt "
            "(elles seraient publiées). Choisissez un autre dossier, par exemple /tmp/maillage-synthetique.",
            f"{out}: refused, synthetic data is never written into the repository's data/ directory "
            "(it would be published). Choose another directory, e.g. /tmp/maillage-synthetic.",
        )


def _prepare(out: Path) -> None:
    """An empty `out`, or one this generator wrote before (wiped); anything else is refused."""
    if out.exists():
        if not out.is_dir():
            raise SyntheticError(f"{out} : ce n'est pas un dossier.", f"{out}: not a directory.")
        if any(out.iterdir()):
            if not (out / NOTICE).exists():
                raise SyntheticError(
                    f"{out} : dossier non vide qui ne vient pas du générateur ({NOTICE} absent) : refusé.",
                    f"{out}: non-empty directory not written by the generator (no {NOTICE}): refused.",
                )
            shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)


def copy_curated(data_dir: Path, out: Path) -> None:
    """The curated data without its templates (and without earlier synthetic files)."""
    shutil.copytree(data_dir, out, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("templates", f"{FILE_PREFIX}*", "__pycache__"))


def write_data_dir(out: Path, referential: Referential, seed: int = 1, scale: float = 1.0,
                   data_dir: Path | None = None, ontology_dir: Path | None = None) -> dict[str, int]:
    """Write a complete data directory (curated copy + synthetic directories); return the row counts."""
    data_dir = data_dir or PROJECT_ROOT / "data"
    _refuse_inside_data(out)
    data = generate(referential, seed, scale, data_dir, ontology_dir)
    _prepare(out)
    copy_curated(data_dir, out)
    target = out / "directories"
    target.mkdir(exist_ok=True)
    for kind in FILE_ORDER:
        name = f"{FILE_PREFIX}{kind}"
        write_rows(kind, data.rows[kind], target / f"{name}.csv")
        (target / f"{name}.yaml").write_text(sidecar_text(kind, seed, scale, len(data.rows[kind])),
                                             encoding="utf-8", newline="")
    counts = data.counts()
    (out / NOTICE).write_text(notice_text(seed, scale, counts), encoding="utf-8", newline="")
    return counts
