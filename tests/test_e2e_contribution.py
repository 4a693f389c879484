"""The contribution journey in a real browser (issue 20): a coordinator proposes a CLS on « Contribuer » (territory
found with the territory search, carrier, dates, themes, source, licence, Vérifier, Envoyer), a reviewer declared in
a reviewers file of the test accepts it on « Relecture », and the CLS shows on its territory's page and in the partner
finder with « Source : Contribution de … du … ». Every request to another host is aborted and counted: none allowed.

The viewer (`maillage-viewer`, as tests/test_e2e_browser.py starts it) works on copies of the pristine data and build
(tests/conftest.py): MAILLAGE_DATA is where proposals are checked and accepted, never the project's data/. The
acceptance rebuilds incrementally (a new contribution's source document and records: graph_builder/incremental/).
"""

from __future__ import annotations

import shutil

import pytest

from graph_builder.constants import DATA_DIR
from graph_builder.contributions.records import contribution_title, today
from graph_builder.contributions.reviewers import Reviewers
from graph_builder.contributions.store import ProposalStore
from maillage.bench.browser import OfflineBrowser, ViewerServer, Walk

PASSWORD = "correct horse battery staple"
CLS = "Contrat local de santé de Grenoble"
NEW_STRUCTURE = "— une structure absente de la liste —"


@pytest.fixture
def viewer(pristine, tmp_path):
    """The viewer over copies of the pristine data and build, with a proposal store and a reviewer of its own."""
    data, out, store = tmp_path / "data", tmp_path / "out", tmp_path / "store"
    shutil.copytree(pristine[0], data)
    shutil.copytree(pristine[1], out, symlinks=True)
    Reviewers(store / "relecteurs.json").add("alice", PASSWORD)
    with ViewerServer(out, env={"MAILLAGE_DATA": str(data), "MAILLAGE_CONTRIBUTIONS": str(store)}) as server:
        yield server, data, ProposalStore(store)


def propose(walk: Walk) -> str:
    """What a coordinator fills in on « Contribuer », checked then sent: the page's text afterwards."""
    page = walk.tab.page
    walk.page("Contribuer")
    walk.choose("Type", "Contrat local de santé")
    walk.type_in("Nom", CLS)
    walk.type_in("Territoires d'intervention : chercher (nom ou code officiel)", "Grenoble")
    walk.add("Territoires d'intervention", "Grenoble (commune/38185)")
    walk.type_in("Début (AAAA, AAAA-MM ou AAAA-MM-JJ)", "2019")
    walk.add("Thématiques", "Santé mentale")
    walk.choose("Structure porteuse", NEW_STRUCTURE)
    walk.type_in("Nom de la structure", "Ville de Grenoble")
    walk.add("Type(s) de structure", "Commune")
    cosignatories = "Cosignataires (pour un CLS : l'ARS et la collectivité)"
    walk.add(cosignatories, "Ville de Grenoble")
    walk.add(cosignatories, "Agences régionales de santé")
    walk.type_in("Votre rôle dans la structure (ex. coordinatrice du CLS ; jamais votre nom)", "coordinatrice du CLS")
    walk.tab.settle(lambda: page.get_by_text("déclaration de la structure", exact=True).click())
    walk.tab.settle(lambda: page.get_by_text("J'accepte que ma contribution soit publiée sous licence CC BY 4.0").click())
    send = page.get_by_role("button", name="Envoyer")
    assert send.is_disabled()  # nothing sent before a check
    walk.tab.settle(page.get_by_role("button", name="Vérifier").click)
    text = walk.tab.text()
    assert "Proposition conforme : vous pouvez l'envoyer." in text, text
    walk.tab.settle(send.click)
    return walk.tab.text()


def accept(walk: Walk) -> str:
    """The reviewer signs in on « Relecture » and accepts the proposal waiting: the page's text afterwards."""
    page = walk.tab.page
    walk.page("Relecture")
    page.get_by_label("Nom de relecteur", exact=True).fill("alice")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    walk.tab.settle(page.get_by_role("button", name="Se connecter").click)
    text = walk.tab.text()
    assert "Connecté(e) : alice" in text and "1 proposition(s) à relire sur 1" in text, text
    assert "Conforme aux règles du graphe." in text
    walk.steps.append(("Accepter et publier", walk.tab.settle(page.get_by_role("button", name="Accepter et publier").click)))
    return walk.tab.text()


def test_a_cls_proposed_accepted_then_shown_with_its_source(viewer):
    server, data, store = viewer
    source = f"Source : {contribution_title('Ville de Grenoble', today())[0]}"
    with OfflineBrowser() as browser:
        tab = browser.tab(server.url)
        tab.open("/")
        walk = Walk(tab)
        sent = propose(walk)
        [proposal] = store.all()
        assert f"Merci ! Proposition {proposal.id} envoyée" in sent
        assert "Acceptée et publiée." in accept(walk)
        assert store.get(proposal.id).status == "accepted"
        assert (data / "contributions" / f"contribution-{proposal.id}.yaml").is_file()
        assert not (DATA_DIR / "contributions").exists()  # the project's data untouched

        # The territory's page lists the CLS; its card names the contribution as its source.
        walk.page("Territoires")
        walk.type_in("Nom ou code du territoire (INSEE, SIREN, code postal)", "38185")
        assert CLS in tab.text()
        walk.follow(CLS)
        assert tab.path() == "/coordinations?id=coordination/cls-contrat-local-de-sante-de-grenoble"
        assert source.removeprefix("Source : ") in tab.text()
        # The partner finder proposes it, on the spot, with its source.
        walk.page("Trouver des partenaires")
        walk.type_in("Territoire : nom ou code (commune, EPCI, département, région, code postal)", "38185")
        walk.add("Thématiques", "Santé mentale")
        text = tab.text()
        assert f"1. {CLS}" in text and source in text, text
        assert not tab.exceptions(), tab.exceptions()
        tab.page.context.close()
    print("\n".join(f"{seconds:6.2f} s  {name}" for name, seconds in walk.steps))  # pytest -s: where the time goes
    assert browser.blocked == [], f"requests to other hosts: {browser.blocked}"
