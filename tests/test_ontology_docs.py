"""`maillage docs`: the ontology's HTML documentation, generated offline, French first."""

from __future__ import annotations

import html
import socket
from pathlib import Path

from click.testing import CliRunner
from rdflib import OWL, RDF, RDFS, SKOS, Graph

from graph_builder.constants import PROJECT_ROOT
from graph_builder.publication.ontology_docs import render
from maillage.cli.main import main

ONTOLOGY = PROJECT_ROOT / "ontology"
MLG = "https://w3id.org/maillage/def/core#"


def labels(graph: Graph, kind, language: str) -> dict[str, str]:
    return {str(s): str(label) for s in graph.subjects(RDF.type, kind) if str(s).startswith(MLG)
            for label in graph.objects(s, RDFS.label) if label.language == language}


def test_docs_generate_offline_with_every_class_and_property_labelled_in_french(monkeypatch, tmp_path: Path):
    def refuse(*args, **kwargs):
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = CliRunner().invoke(main, ["docs", "--out", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    text = html.unescape(page)
    ontology = Graph().parse(ONTOLOGY / "maillage.ttl")
    classes = labels(ontology, OWL.Class, "fr")
    assert len(classes) >= 29
    for iri, label in classes.items():
        anchor = iri[len(MLG):]
        assert f'id="{anchor}"' in page, anchor
        section = text.split(f'id="{anchor}"', 1)[1].split('<div class="term"', 1)[0]
        assert f"<h3>{label}</h3>" in section, label  # the French label is the heading
        english = labels(ontology, OWL.Class, "en")[iri]
        assert f'<p lang="en" class="en">{english}</p>' in section  # English second, marked as such
        assert section.index(f"<h3>{label}</h3>") < section.index(f'<p lang="en" class="en">{english}</p>')
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for label in labels(ontology, kind, "fr").values():
            assert f"<h3>{label}</h3>" in text, label
    assert '<html lang="fr">' in page
    assert "<h1>Maillage : ontologie de la coordination locale en santé</h1>" in text
    # Self-contained: nothing for a browser to fetch either.
    assert "<script" not in page and "<link" not in page and "@import" not in page and " src=" not in page


def test_docs_list_every_concept_of_the_vocabularies():
    page = html.unescape(render(ONTOLOGY))
    schemes = Graph()
    for path in sorted((ONTOLOGY / "vocabularies").glob("*.ttl")):
        schemes.parse(path)
    concepts = list(schemes.subjects(SKOS.inScheme, None))
    assert len(concepts) > 100
    for concept in concepts:
        label = next(str(v) for v in schemes.objects(concept, SKOS.prefLabel) if v.language == "fr")
        assert f"<td>{label}</td>" in page, label
    for scheme in schemes.subjects(RDF.type, SKOS.ConceptScheme):
        assert f'id="schema-{str(scheme).rsplit("/", 1)[-1]}"' in page


def test_docs_report_an_unreadable_ontology(tmp_path: Path):
    broken = tmp_path / "ontology"
    broken.mkdir()
    (broken / "maillage.ttl").write_text("@prefix : <x> . this is not turtle", encoding="utf-8")
    result = CliRunner().invoke(main, ["docs", "--out", str(tmp_path / "docs"), "--ontology", str(broken)])
    assert result.exit_code == 3 and "Turtle illisible" in result.output
    assert not (tmp_path / "docs").exists()
