"""The viewer in a real browser: `streamlit run` on 127.0.0.1 over the seed build, Debian's chromium driven by
Playwright (maillage/bench/browser.py), every request to another host aborted and counted (none
allowed), axe-core run on each page (no serious or critical violation).

One helper per page below (what a coordinator does there, and what must show); a new page adds its own
helper and test. Streamlit's own violations, if any, are allowed by rule and selector in STREAMLIT_OWN,
each with the reason, and listed in docs/accessibility.md (« Visionneuse : vitesse et accessibilité »).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.viewer.chrome import PRELOADED, preloaded_chunks
from maillage.bench.browser import OfflineBrowser, ViewerServer, ViewerTab, Walk

# axe-core, installed for this test only (tests/e2e/package-lock.json, `npm ci` by scripts/setup.sh test).
AXE = Path(__file__).parent / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
# What RGAA asks for (WCAG 2.1 A and AA), plus axe's best practices left out: they are advice, not the norm.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

MENTAL_HEALTH = "Santé mentale"
STRASBOURG = "Appropriation de la santé mentale et ouverture de l'hôpital sur la ville à Strasbourg"
AIX_ASV = "Atelier santé ville d'Aix-en-Provence"
# A role and its actor, a link to the actor's page beside it.
STEERING_HEALTH_INSURANCE = re.compile(r"Membre du comité de pilotage :\s*(groups\s*)?Assurance maladie")
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

def test_accueil_shows_what_the_graph_holds(walk, browser):
    text = accueil(walk)
    assert "Maillage : la coordination locale en santé" in text
    assert "Expérience de terrain" in text and "millésime 2026" in text
    accessible(walk.tab)
    # Once drawn, the tab loads the code of the next pages' elements (chrome.PRELOADED), one after the other, Plotly
    # last, from this server, when the browser is idle. Read from the requests the browser sent (the page's own
    # resource timings dropped some under load); the wait is the test's patience under the suite's load.
    # Waited for all of them: another test of this file on the same browser may have loaded Plotly's already.
    def served() -> set[str]:
        return {url.split("?", 1)[0].rsplit("/", 1)[-1] for url in browser.served}

    deadline = time.monotonic() + 90
    while not set(preloaded_chunks()) <= served() and time.monotonic() < deadline:
        walk.tab.page.wait_for_timeout(250)
    assert set(preloaded_chunks()) <= served() and len(preloaded_chunks()) == len(PRELOADED)


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


def test_coordination_page_with_its_steering_committee_and_actor_pages(walk):
    text = coordinations(walk)
    assert AIX_ASV in text
    accessible(walk.tab)
    walk.follow(AIX_ASV)
    text = walk.tab.text()
    assert re.search(STEERING_HEALTH_INSURANCE, text)
    assert walk.tab.path() == "/coordinations?id=coordination/asv-aix-en-provence"
    accessible(walk.tab)
    # An actor of the coordination, then another actor's page opened from a shared link.
    walk.follow("Directions départementales des affaires sanitaires et sociales")
    assert walk.tab.path() == "/acteurs?id=acteur/ddass"
    text = walk.tab.text()
    assert "Rôle : Cosignataire (jusqu'en juillet 2010)" in text and "Remplacé par" in text
    accessible(walk.tab)
    walk.tab.open("/acteurs?id=acteur/plateforme-nationale-ressources-asv")  # a shared link
    text = walk.tab.text()
    assert "Courriel : contact@plateforme-asv.org" in text and "Participe à (0)" in text
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
    assert re.search(STEERING_HEALTH_INSURANCE, walk.tab.text())


def test_tables_offer_only_the_viewers_csv(walk):
    """Streamlit's table tool bar has no « Download as CSV » (commas, formulas kept: .streamlit/config.toml); the
    viewer's own CSV for French spreadsheets is beside the table."""
    walk.page("Couverture")
    table = walk.tab.page.locator("[data-testid='stDataFrame']").first
    table.hover()
    tools = walk.tab.page.locator("[data-testid='stElementToolbar'] button")
    tools.first.wait_for()  # the tool bar is drawn (search, full screen)
    labels = [tools.nth(i).get_attribute("aria-label") or tools.nth(i).inner_text() for i in range(tools.count())]
    assert labels and not [label for label in labels if "CSV" in label], labels
    assert walk.tab.page.get_by_role("button", name="Télécharger le tableau (CSV pour tableur)").count() == 1


def test_queries_and_quality_pages(walk):
    walk.page("Requêtes")
    assert "Requêtes" in walk.tab.text()
    accessible(walk.tab)
    walk.page("Qualité et sources")
    assert "Qualité et sources" in walk.tab.text()
    accessible(walk.tab)


# -- French and accessible beyond axe-core (app/viewer/chrome.py, theme.css) ------------------------------

ENGLISH_PLACEHOLDERS = ("[placeholder='Choose an option'], [placeholder='Choose options'], "
                        "[placeholder='No options to select']")


def test_the_france_maps_departements_are_links_reached_by_the_keyboard(walk):
    """Accueil's map (SVG, app/viewer/francemap.py): a link per département, named with its counts, focusable with a
    visible focus, which opens the département's page in the same session."""
    tab, page = walk.tab, walk.tab.page
    links = page.get_by_test_id("stMain").locator("svg a[href*='/departement/']")
    assert links.count() == 101
    bouches = links.and_(page.get_by_role("link", name="Bouches-du-Rhône (13) : 2 coordinations, 1 expérience"))
    assert bouches.count() == 1
    page.locator("svg a[href$='/departement/12']").focus()
    page.keyboard.press("Tab")  # the next département, reached by the keyboard
    assert bouches.evaluate("e => e === document.activeElement && e.matches(':focus-visible')")
    outline = bouches.evaluate(FOCUS_STYLE)
    assert outline[0] == "solid" and float(outline[1].removesuffix("px")) >= 2, outline
    # (axe-core checks Accueil, map included, in test_accueil_shows_what_the_graph_holds)
    page.evaluate("window.sameDocument = true")
    page.keyboard.press("Enter")
    # the page's title shown is enough (its coverage map, Plotly's first, takes seconds more to draw)
    page.get_by_test_id("stMain").get_by_text("Bouches-du-Rhône — Département 13").first.wait_for()
    assert tab.path() == "/territoires?id=territoire/departement/13"
    assert page.evaluate("window.sameDocument === true")  # followed in the open session, not a new one


FOCUS_STYLE = "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow]; }"


def lang_of(tab: ViewerTab) -> str:
    """<html lang>, once the page's script has run (it runs as Streamlit draws the page)."""
    tab.page.wait_for_function("document.documentElement.lang !== 'en' || window.maillageChrome?.lang === 'en'")
    return tab.page.evaluate("document.documentElement.lang")


def test_the_page_says_its_language_names_streamlits_controls_in_french_and_shows_the_focus(walk):
    tab = walk.tab
    assert lang_of(tab) == "fr"
    assert tab.page.get_by_test_id("stSkipToContent").inner_text() == "Aller au contenu principal"
    assert tab.page.get_by_role("navigation", name="Pages du site").count() == 1
    tab.settle(lambda: tab.page.get_by_text("English", exact=True).click())
    assert "Where to start" in tab.text()
    assert lang_of(tab) == "en"
    assert tab.page.get_by_test_id("stSkipToContent").inner_text() == "Skip to main content"
    tab.settle(lambda: tab.page.get_by_text("Français", exact=True).click())
    assert lang_of(tab) == "fr"

    # a visible focus on a link and on a field reached by the keyboard (same tab: one page load less)
    page = walk.tab.page
    link = walk.tab.page.get_by_test_id("stMain").get_by_role("link", name="Trouver des partenaires")
    before = link.evaluate(FOCUS_STYLE)
    link.focus()
    page.keyboard.press("Shift+Tab")  # reached by the keyboard, as :focus-visible wants
    page.keyboard.press("Tab")
    assert link.evaluate("e => e === document.activeElement && e.matches(':focus-visible')")
    after = link.evaluate(FOCUS_STYLE)
    assert after != before and after[0] == "solid" and float(after[1].removesuffix("px")) >= 2, (before, after)
    walk.page("Réseau")
    field_ = page.get_by_label("Territoire : nom ou code (ex. Bouches-du-Rhône, 13, 13100)", exact=True)
    before = field_.evaluate(FOCUS_STYLE)
    field_.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    assert field_.evaluate("e => e === document.activeElement")
    after = field_.evaluate(FOCUS_STYLE)
    assert after != before and after[0] == "solid", (before, after)


def test_no_english_placeholder_nor_select_all_and_the_phone_layout(walk):
    page = walk.tab.page
    for title in ("Contribuer", "Réseau", "Requêtes", "Qualité et sources", "Trouver des partenaires"):
        walk.page(title)
        # the select boxes drawn (their code loads on first use), with French placeholders and no English one
        page.wait_for_function(f"document.querySelectorAll(\"{ENGLISH_PLACEHOLDERS}\").length === 0 && "
                               "document.querySelectorAll(\"[placeholder='Choisissez…']\").length > 0", timeout=10000)
        if title == "Contribuer":  # a choice of territories with none found yet says what to do, in French
            assert page.locator("[placeholder^=\"Cherchez d'abord un nom ou un code\"]").count() >= 1
    # a multiple choice offers its options only: no « Select all » (which would add them all at a click); looked at
    # before the field below is typed in (leaving that field reruns the page, which closed the list)
    page.get_by_label("Thématiques", exact=True).click()
    page.get_by_role("option").first.wait_for(timeout=5000)  # the list is drawn after the click
    options = page.get_by_role("option").all_inner_texts()
    assert options[0] == "Accès aux droits" and not [o for o in options if o.startswith("Select")], options
    page.keyboard.press("Escape")
    # the hint under a field being typed in
    page.get_by_label("Territoire : nom ou code (commune, EPCI, département, région, code postal)", exact=True).fill("Gre")
    hint = page.get_by_test_id("InputInstructions")
    page.wait_for_function("document.querySelector('[data-testid=InputInstructions]')?.innerText.includes('Entrée')",
                           timeout=5000)
    assert hint.inner_text().startswith("Appuyez sur Entrée pour valider")  # then the count of characters typed

    # on a phone: the pages' button named, « Par où commencer » first
    tab = walk.tab
    tab.page.set_viewport_size({"width": 390, "height": 800})
    tab.open("/")
    button = tab.page.get_by_test_id("stExpandSidebarButton")
    assert button.get_attribute("aria-label") == "Ouvrir le menu des pages"
    assert button.evaluate("e => getComputedStyle(e, '::after').content") == '"Pages"'
    text = tab.text()
    assert text.index("Par où commencer") < text.index("Entités par type")
    accessible(tab)
