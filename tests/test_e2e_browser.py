"""The viewer in a real browser: `streamlit run` on 127.0.0.1 over the seed build, Debian's chromium driven by
Playwright (maillage/bench/browser.py), every request to another host aborted and counted (none
allowed), axe-core run on each page (no serious or critical violation).

One helper per page below (what a coordinator does there, and what must show); a new page adds its own
helper and test. Streamlit's own violations, if any, are allowed by rule and selector in STREAMLIT_OWN,
each with the reason, and listed in docs/accessibility.md (« Visionneuse : vitesse et accessibilité »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from maillage.bench.browser import OfflineBrowser, ViewerServer, ViewerTab, Walk

# axe-core, installed for this test only (tests/e2e/package-lock.json, `npm ci` by scripts/setup.sh test).
AXE = Path(__file__).parent / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
# What RGAA asks for (WCAG 2.1 A and AA), plus axe's best practices left out: they are advice, not the norm.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

MENTAL_HEALTH = "Santé mentale"
STRASBOURG = "Appropriation de la santé mentale et ouverture de l'hôpital sur la ville à Strasbourg"
AIX_ASV = "Atelier santé ville d'Aix-en-Provence"
SOURCE_002 = "Agir pour la prévention et la promotion de la santé dans les quartiers de la politique de la ville"

# (axe rule id, CSS selector axe reports, why it is Streamlit's and not the project's). Empty since the
# project's theme (.streamlit/config.toml) darkened the text: Streamlit's captions failed color-contrast.
STREAMLIT_OWN: tuple[tuple[str, str, str], ...] = ()
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def server(seed_out):
    with ViewerServer(seed_out) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with OfflineBrowser() as offline:
        yield offline


@pytest.fixture
def walk(server, browser):
    """A fresh tab on the Accueil page; afterwards, nothing may have left the machine and no page failed."""
    tab = browser.tab(server.url)
    tab.open("/")
    steps = Walk(tab)
    yield steps
    assert not tab.exceptions(), tab.exceptions()
    tab.page.context.close()
    assert browser.blocked == [], f"requests to other hosts: {browser.blocked}"


@dataclass
class Violation:
    """One axe-core rule failed on one element."""

    rule: str
    impact: str
    selector: str
    help: str

    def __str__(self) -> str:
        return f"{self.impact} {self.rule} at {self.selector}: {self.help}"


def axe(tab: ViewerTab) -> list[Violation]:
    """axe-core's WCAG 2.1 A/AA violations on the tab's page as it is now (injected once per page)."""
    assert AXE.exists(), f"{AXE} missing: `npm ci` in tests/e2e (scripts/setup.sh test)"
    if not tab.page.evaluate("typeof window.axe !== 'undefined'"):
        tab.page.add_script_tag(path=str(AXE))
    results = tab.page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [Violation(v["id"], v.get("impact") or "", " ".join(" ".join(t) if isinstance(t, list) else t
                                                             for t in node["target"]), v["help"])
            for v in results["violations"] for node in v["nodes"]]


def accessible(tab: ViewerTab) -> None:
    """No serious or critical axe-core violation on the page, but Streamlit's own (STREAMLIT_OWN)."""
    def own(violation: Violation) -> bool:
        return any(violation.rule == rule and selector in violation.selector for rule, selector, _ in STREAMLIT_OWN)

    found = [v for v in axe(tab) if v.impact in BLOCKING and not own(v)]
    assert not found, "\n".join(map(str, found))


# -- one helper per page --------------------------------------------------------------------------------

def accueil(walk: Walk) -> str:
    walk.page("Accueil")
    return walk.tab.text()


def territoires(walk: Walk, name: str) -> str:
    walk.page("Territoires")
    walk.type_in("Nom ou code du territoire (INSEE, SIREN, code postal)", name)
    return walk.tab.text()


def experiences(walk: Walk, theme: str) -> str:
    walk.page("Expériences")
    walk.choose("Thématique", theme)
    return walk.tab.text()


def coordinations(walk: Walk) -> str:
    walk.page("Coordinations")
    return walk.tab.text()


def partenaires(walk: Walk, territory: str, theme: str) -> str:
    walk.page("Trouver des partenaires")
    walk.type_in("Territoire : nom ou code (commune, EPCI, département, région, code postal)", territory)
    walk.add("Thématiques", theme)
    return walk.tab.text()


def reseau(walk: Walk, territory: str) -> str:
    walk.page("Réseau")
    walk.type_in("Territoire : nom ou code (ex. Bouches-du-Rhône, 13, 13100)", territory)
    return walk.tab.text()


# -- the journeys ---------------------------------------------------------------------------------------

def test_accueil_shows_what_the_graph_holds(walk):
    text = accueil(walk)
    assert "Maillage : la coordination locale en santé" in text
    assert "Expérience de terrain" in text and "millésime 2026" in text
    accessible(walk.tab)


def test_territoire_found_by_name_with_its_nesting_and_experiences(walk):
    text = territoires(walk, "Échirolles")
    assert "Échirolles (38) — 38151" in text
    assert "Grenoble-Alpes-Métropole" in text and "Isère" in text and "Auvergne-Rhône-Alpes" in text
    assert "Village 2 santé" in text
    assert walk.tab.path().endswith("?id=territoire/commune/38151")
    accessible(walk.tab)


def test_experience_filtered_opened_with_its_source_and_shared(walk, server, browser):
    text = experiences(walk, MENTAL_HEALTH)
    assert STRASBOURG in text and "Village 2 santé" not in text
    accessible(walk.tab)

    walk.follow(STRASBOURG)
    page = walk.tab
    shared = page.path()
    assert shared == "/experiences?id=experience/strasbourg-sante-mentale-hopital-ville"
    assert STRASBOURG in page.text() and f"Source : {SOURCE_002}" in page.text()
    accessible(page)

    # The URL sent by e-mail: another person, another browser context, the same experience.
    other = browser.tab(server.url)
    try:
        other.open(shared)
        text = other.text()
        assert STRASBOURG in text and f"Source : {SOURCE_002}" in text
        assert not re.search(r"\d+ expérience\(s\)", text)  # the experience's page, not the list
    finally:
        other.page.context.close()


def test_coordination_page_with_its_steering_committee(walk):
    text = coordinations(walk)
    assert AIX_ASV in text
    accessible(walk.tab)
    walk.follow(AIX_ASV)
    text = walk.tab.text()
    assert "Membre du comité de pilotage : Assurance maladie" in text
    assert walk.tab.path() == "/coordinations?id=coordination/asv-aix-en-provence"
    accessible(walk.tab)


def test_partners_found_for_a_territory_and_a_theme_with_why(walk):
    text = partenaires(walk, "Strasbourg", MENTAL_HEALTH)
    assert "Atelier santé ville de Strasbourg" in text
    assert "Territoire d'intervention : Strasbourg (67) — 67482, le territoire choisi." in text
    assert f"A porté l'expérience « {STRASBOURG} », liée à la thématique « Santé mentale »." in text
    assert "Contact : Coordonnateur" in text
    assert "territory=commune/67482" in walk.tab.path() and "themes=sante-mentale" in walk.tab.path()
    accessible(walk.tab)


def test_network_node_clicked_opens_its_page(walk):
    text = reseau(walk, "commune/13001")
    assert "nœud(s) affiché(s)" in text
    accessible(walk.tab)
    walk.click_node(AIX_ASV)
    walk.tab.page.wait_for_url("**/coordinations?id=*", wait_until="commit")
    assert walk.tab.path() == "/coordinations?id=coordination/asv-aix-en-provence"
    walk.tab.page.get_by_role("heading", name=AIX_ASV).wait_for()
    assert "Membre du comité de pilotage : Assurance maladie" in walk.tab.text()


def test_queries_and_quality_pages(walk):
    walk.page("Requêtes")
    assert "Requêtes" in walk.tab.text()
    accessible(walk.tab)
    walk.page("Qualité et sources")
    assert "Qualité et sources" in walk.tab.text()
    accessible(walk.tab)
