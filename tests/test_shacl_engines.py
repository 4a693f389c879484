"""pyshacl and pyrudof report the same results with the project's shapes.

A small clean graph conforms in both; the same graph with planted
violations (one or more per constraint component of shapes/core.ttl, and
the SPARQL domain rules) gives each engine exactly the same results, and
every planted one is found. The seed build agrees too.
"""

from __future__ import annotations

import re

import pytest
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG

from graph_builder.constants import PROJECT_ROOT
from graph_builder.validation.engines import (
    SH,
    Result,
    Unchecked,
    _severity,
    _term,
    compare,
    measure,
    run_pyrudof,
    run_pyshacl,
    unsupported_by_pyrudof,
    validate,
)
from graph_builder.validation.shacl import load_shapes

pytest.importorskip("pyrudof")

ID = Namespace("https://w3id.org/maillage/id/")
MLG = Namespace("https://w3id.org/maillage/def/core#")
MLGSH = Namespace("https://w3id.org/maillage/def/shapes#")
IGEO = Namespace("http://rdf.insee.fr/def/geo#")
SCHEMA = Namespace("https://schema.org/")

# One node of most kinds, conforming to every shape (no warning, no info either).
CLEAN = r"""
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix schema:  <https://schema.org/> .
@prefix igeo:    <http://rdf.insee.fr/def/geo#> .
@prefix mlg:     <https://w3id.org/maillage/def/core#> .
@prefix id:      <https://w3id.org/maillage/id/> .

id:source\/001 a mlg:SourceDocument ;
    dcterms:title "Dépliant"@fr ; dcterms:type "dépliant"@fr ; dcterms:issued "2016"^^xsd:gYear .

id:theme a skos:ConceptScheme ;
    skos:prefLabel "Thématiques"@fr, "Themes"@en ; skos:definition "Les thématiques."@fr .
id:theme\/nutrition a skos:Concept, mlg:Theme ;
    skos:prefLabel "Nutrition"@fr, "Nutrition"@en ; skos:definition "Alimentation."@fr ;
    skos:inScheme id:theme ; skos:notation "nutrition" ; dcterms:source id:source\/001 .

id:coordination-type\/ASV a mlg:CoordinationType ;
    dcterms:source id:source\/001 ;
    mlg:territorialScale id:territory-level\/commune ; mlg:concludedBetween id:actor-kind\/commune .
id:territory-level\/commune a mlg:TerritoryLevel ; skos:prefLabel "commune"@fr ; mlg:levelClass igeo:Commune .
id:territory-level\/departement a mlg:TerritoryLevel ;
    skos:prefLabel "département"@fr ; mlg:levelClass igeo:Departement .
id:territory-level\/region a mlg:TerritoryLevel ; skos:prefLabel "région"@fr ; mlg:levelClass igeo:Region .
id:mission\/diagnostic a mlg:Mission ; skos:prefLabel "diagnostic"@fr .
id:role\/porteur a mlg:Role .
id:actor-kind\/commune a mlg:ActorKind .
id:ottawa-axis\/aptitudes a mlg:OttawaAxis .
id:determinant\/revenus a mlg:Determinant .

id:matrice\/ASV-diagnostic a mlg:MissionAssignment ;
    mlg:coordinationType id:coordination-type\/ASV ; mlg:mission id:mission\/diagnostic ;
    mlg:missionScope "Diagnostic local partagé"@fr ; dcterms:source id:source\/001 .

id:territoire\/region\/11 a igeo:Region, mlg:Territory ;
    igeo:codeINSEE "11" ; igeo:nom "Île-de-France" ;
    mlg:territoryLevel id:territory-level\/region ; dcterms:source id:source\/001 .
id:territoire\/departement\/93 a igeo:Departement, mlg:Territory ;
    igeo:codeINSEE "93" ; igeo:nom "Seine-Saint-Denis" ; igeo:subdivisionDirecteDe id:territoire\/region\/11 ;
    mlg:territoryLevel id:territory-level\/departement ; dcterms:source id:source\/001 .
id:territoire\/commune\/93001 a igeo:Commune, mlg:Territory ;
    igeo:codeINSEE "93001" ; igeo:nom "Aubervilliers" ; igeo:subdivisionDirecteDe id:territoire\/departement\/93 ;
    mlg:territoryLevel id:territory-level\/commune ; dcterms:source id:source\/001 .

id:acteur\/ville-aubervilliers a mlg:Actor ;
    rdfs:label "Ville d'Aubervilliers"@fr, "City of Aubervilliers"@en ;
    mlg:actorKind id:actor-kind\/commune ; schema:email "sante@mairie-aubervilliers.fr" ;
    mlg:basedIn id:territoire\/commune\/93001 ; dcterms:source id:source\/001 .

id:coordination\/asv-aubervilliers a mlg:Coordination ;
    rdfs:label "ASV d'Aubervilliers"@fr ;
    mlg:coordinationType id:coordination-type\/ASV ; mlg:territory id:territoire\/commune\/93001 ;
    mlg:mission id:mission\/diagnostic ; mlg:theme id:theme\/nutrition ;
    schema:startDate "2001"^^xsd:gYear ; dcterms:source id:source\/001 .
id:coordination\/asv-aubervilliers\/participation\/porteur a mlg:Participation, org:Membership ;
    org:member id:acteur\/ville-aubervilliers ; org:organization id:coordination\/asv-aubervilliers ;
    org:role id:role\/porteur ; dcterms:source id:source\/001 .

id:experience\/aubervilliers a mlg:FieldExperience ;
    rdfs:label "Bien-être du jeune enfant"@fr ; mlg:rank 1 ; mlg:subject "Un programme évalué."@fr ;
    mlg:place id:territoire\/commune\/93001 ; mlg:theme id:theme\/nutrition ;
    mlg:ottawaAxis id:ottawa-axis\/aptitudes ; mlg:contactRole id:role\/porteur ;
    mlg:determinant id:determinant\/revenus ; dcterms:source id:source\/001 .

id:statistique\/part-asv a mlg:Statistic ;
    rdfs:label "Part des ASV"@fr ; mlg:indicator "part"@fr ; schema:value 42.5 ; schema:unitText "%" ;
    mlg:statisticOf id:coordination-type\/ASV ; mlg:referenceYear "2012"^^xsd:gYear ;
    dcterms:source id:source\/001 .

id:capitalisation\/2015 a mlg:Capitalisation ;
    rdfs:label "Capitalisation 2015"@fr ; prov:wasAssociatedWith id:acteur\/ville-aubervilliers ;
    dcterms:date "2015-06"^^xsd:gYearMonth ; dcterms:source id:source\/001 .

id:personne\/coordinatrice a schema:Person, mlg:PersonalData ;
    schema:name "Camille Martin" ; dcterms:source id:source\/001 .
"""


def clean_graph() -> Graph:
    return Graph().parse(data=CLEAN, format="turtle")


def expect(focus: str, path: URIRef | None, component: str, shape: URIRef, severity: URIRef = SH.Violation) -> Result:
    return Result(ID[focus], path, SH[f"{component}ConstraintComponent"], shape, severity)


def planted_graph() -> tuple[Graph, set[Result]]:
    """The clean graph plus planted violations, and the results each must give."""
    graph = clean_graph()
    source, departement = ID["source/001"], ID["territoire/departement/93"]

    def node(ident: str, *types: URIRef) -> URIRef:
        subject = ID[ident]
        for cls in types:
            graph.add((subject, RDF.type, cls))
        graph.add((subject, DCTERMS.source, source))
        return subject

    def add(subject: URIRef, *pairs: tuple[URIRef, object]) -> None:
        for predicate, value in pairs:
            graph.add((subject, predicate, value if isinstance(value, URIRef | Literal) else Literal(value)))

    def territory(ident: str, code: object, level: str, *types: URIRef) -> URIRef:
        subject = node(f"territoire/{ident}", *types, MLG.Territory)
        add(subject, (IGEO.codeINSEE, code), (IGEO.nom, ident), (MLG.territoryLevel, ID[f"territory-level/{level}"]))
        return subject

    expected: set[Result] = set()
    # INSEE code patterns: a 4-digit commune, département "20" (Corsica is 2A/2B), a short SIREN, a bad QPV code.
    add(territory("commune/1300", "1300", "commune", IGEO.Commune), (IGEO.subdivisionDirecteDe, departement))
    corse = territory("departement/20", "20", "departement", IGEO.Departement)
    add(corse, (IGEO.nom, "Corse"))  # a second official name: maxCount
    territory("epci/123", "123", "commune", IGEO.Intercommunalite)
    territory("qpv/QP12", "QP12", "commune", MLG.QuartierPrioritaire)  # and in no commune: qualifiedMinCount
    territory("region/84", Literal(84), "region", IGEO.Region)  # a code that is not a string: datatype
    # A commune in two départements: qualifiedMaxCount.
    add(territory("commune/93066", "93066", "commune", IGEO.Commune),
        (IGEO.subdivisionDirecteDe, departement), (IGEO.subdivisionDirecteDe, corse))
    expected |= {
        expect("territoire/commune/1300", IGEO.codeINSEE, "Pattern", MLGSH.CommuneShape),
        expect("territoire/departement/20", IGEO.codeINSEE, "Pattern", MLGSH.DepartementShape),
        expect("territoire/departement/20", IGEO.nom, "MaxCount", MLGSH.TerritoryShape),
        expect("territoire/epci/123", IGEO.codeINSEE, "Pattern", MLGSH.IntercommunaliteShape),
        expect("territoire/qpv/QP12", IGEO.codeINSEE, "Pattern", MLGSH.QuartierPrioritaireShape),
        expect("territoire/qpv/QP12", IGEO.subdivisionDirecteDe, "QualifiedMinCount", MLGSH.QuartierPrioritaireShape),
        expect("territoire/region/84", IGEO.codeINSEE, "Datatype", MLGSH.TerritoryShape),
        expect("territoire/commune/93066", IGEO.subdivisionDirecteDe, "QualifiedMaxCount", MLGSH.CommuneShape),
    }
    # An actor without a label: minCount, and no French one (qualifiedMinCount).
    add(node("acteur/sans-nom", MLG.Actor), (MLG.actorKind, ID["actor-kind/commune"]))
    # An actor with a German label, two French ones, a bad e-mail and two places.
    add(node("acteur/polyglotte", MLG.Actor),
        (RDFS.label, Literal("Stadt", lang="de")), (RDFS.label, Literal("Ville", lang="fr")),
        (RDFS.label, Literal("Commune", lang="fr")), (MLG.actorKind, ID["actor-kind/commune"]),
        (SCHEMA.email, "pas-un-courriel"), (MLG.basedIn, ID["territoire/commune/93001"]), (MLG.basedIn, departement))
    expected |= {
        expect("acteur/sans-nom", RDFS.label, "MinCount", MLGSH.FrenchLabel),
        expect("acteur/sans-nom", RDFS.label, "QualifiedMinCount", MLGSH.FrenchLabel),
        expect("acteur/polyglotte", RDFS.label, "LanguageIn", MLGSH.FrenchLabel),
        expect("acteur/polyglotte", RDFS.label, "UniqueLang", MLGSH.FrenchLabel),
        expect("acteur/polyglotte", SCHEMA.email, "Pattern", MLGSH.ActorShape),
        expect("acteur/polyglotte", MLG.basedIn, "MaxCount", MLGSH.ActorShape),
    }
    # A coordination whose type is a theme, not a CoordinationType: sh:class.
    add(node("coordination/mauvais-type", MLG.Coordination), (RDFS.label, Literal("Mauvais type", lang="fr")),
        (MLG.coordinationType, ID["theme/nutrition"]), (MLG.territory, ID["territoire/commune/93001"]))
    # A start date that is no date (sh:node to a shape with sh:or), no territory, no carrier.
    add(node("coordination/date-floue", MLG.Coordination), (RDFS.label, Literal("Date floue", lang="fr")),
        (MLG.coordinationType, ID["coordination-type/ASV"]), (SCHEMA.startDate, "vers 2001"))
    expected |= {
        expect("coordination/mauvais-type", MLG.coordinationType, "Class", MLGSH.CoordinationShape),
        expect("coordination/date-floue", SCHEMA.startDate, "Node", MLGSH.CoordinationShape),
        expect("coordination/date-floue", MLG.territory, "MinCount", MLGSH.CoordinationTerritoryRecommendation,
               SH.Warning),
        expect("coordination/date-floue", None, "SPARQL", MLGSH.CoordinationCarrierRecommendation, SH.Info),
    }
    # SPARQL rules: a CMT doing a diagnosis, a CLS at region level with no cosignatory.
    cmt = node("coordination-type/CMT", MLG.CoordinationType)
    add(cmt, (MLG.territorialScale, ID["territory-level/departement"]))
    cls = node("coordination-type/CLS", MLG.CoordinationType)
    add(cls, (MLG.territorialScale, ID["territory-level/commune"]))
    add(node("coordination/cmt-93", MLG.Coordination), (RDFS.label, Literal("CMT 93", lang="fr")),
        (MLG.coordinationType, cmt), (MLG.territory, departement), (MLG.mission, ID["mission/diagnostic"]))
    add(node("coordination/cls-region", MLG.Coordination), (RDFS.label, Literal("CLS région", lang="fr")),
        (MLG.coordinationType, cls), (MLG.territory, ID["territoire/region/11"]))
    expected |= {
        expect("coordination/cmt-93", MLG.mission, "SPARQL", MLGSH.CMTCoordinationShape),
        expect("coordination/cls-region", None, "SPARQL", MLGSH.CLSSignedByARSShape),
        expect("coordination/cls-region", None, "SPARQL", MLGSH.CLSSignedByLocalAuthorityShape),
        expect("coordination/cls-region", MLG.territory, "SPARQL", MLGSH.TerritorialScaleShape),
    }
    # A participation without a role.
    add(node("coordination/asv-aubervilliers/participation/sans-role", MLG.Participation, ORG.Membership),
        (ORG.member, ID["acteur/ville-aubervilliers"]), (ORG.organization, ID["coordination/asv-aubervilliers"]))
    expected.add(expect("coordination/asv-aubervilliers/participation/sans-role", ORG.role, "MinCount",
                        MLGSH.ParticipationShape))
    # Figures: a text value and an integer year (datatype), an ill-typed decimal, a percentage of 150.
    figures = {"texte": (Literal("douze"), Literal(2012)), "mal-typee": (Literal("abc", datatype=XSD.decimal), None),
               "pourcent": (Literal("150", datatype=XSD.decimal), None)}
    for ident, (value, year) in figures.items():
        subject = node(f"statistique/{ident}", MLG.Statistic)
        add(subject, (RDFS.label, Literal(ident, lang="fr")), (MLG.indicator, "i"), (SCHEMA.value, value),
            (SCHEMA.unitText, "%" if ident == "pourcent" else "ASV"), (MLG.statisticOf, ID["coordination-type/ASV"]))
        if year is not None:
            add(subject, (MLG.referenceYear, year))
    expected |= {
        expect("statistique/texte", SCHEMA.value, "Datatype", MLGSH.StatisticShape),
        expect("statistique/texte", MLG.referenceYear, "Datatype", MLGSH.StatisticShape),
        expect("statistique/mal-typee", SCHEMA.value, "Datatype", MLGSH.StatisticShape),
        expect("statistique/pourcent", SCHEMA.value, "SPARQL", MLGSH.PercentageShape),
    }
    # An experience of rank 0 and with no place.
    add(node("experience/rang-zero", MLG.FieldExperience), (RDFS.label, Literal("Rang zéro", lang="fr")),
        (MLG.rank, Literal(0)), (MLG.subject, "s"), (MLG.theme, ID["theme/nutrition"]),
        (MLG.ottawaAxis, ID["ottawa-axis/aptitudes"]), (MLG.determinant, ID["determinant/revenus"]))
    # A person not marked as personal data, with two names.
    add(node("personne/anonyme", SCHEMA.Person), (SCHEMA.name, "A"), (SCHEMA.name, "B"))
    # A concept with no English label; a source without title and with a non-date; a non-duration.
    add(node("theme/sans-anglais", SKOS.Concept, MLG.Theme), (SKOS.prefLabel, Literal("Sans anglais", lang="fr")),
        (SKOS.definition, Literal("d", lang="fr")), (SKOS.inScheme, ID["theme"]), (SKOS.notation, "x"))
    add(ID["source/999"], (RDF.type, MLG.SourceDocument), (DCTERMS.type, "x"), (DCTERMS.issued, "hier"))
    add(node("programme/plsp", MLG.LocalHealthProgramme), (RDFS.label, Literal("PLSP", lang="fr")),
        (MLG.renewalPeriod, "3 ans"), (SCHEMA.startDate, Literal("2010-07", datatype=XSD.gYearMonth)),
        (SCHEMA.endDate, Literal("2009", datatype=XSD.gYear)))  # an end before its start (shapes/periods.ttl)
    expected |= {
        expect("experience/rang-zero", MLG.rank, "MinInclusive", MLGSH.Rank),
        expect("experience/rang-zero", MLG.place, "MinCount", MLGSH.ExperienceRulesShape),
        expect("personne/anonyme", RDF.type, "HasValue", MLGSH.PersonShape),
        expect("personne/anonyme", SCHEMA.name, "MaxCount", MLGSH.PersonShape),
        expect("theme/sans-anglais", SKOS.prefLabel, "QualifiedMinCount", MLGSH.EnglishPrefLabel),
        expect("source/999", DCTERMS.title, "MinCount", MLGSH.SourceDocumentShape),
        expect("source/999", DCTERMS.issued, "Node", MLGSH.SourceDocumentShape),
        expect("programme/plsp", MLG.renewalPeriod, "Datatype", MLGSH.LocalHealthProgrammeShape),
        expect("programme/plsp", SCHEMA.endDate, "SPARQL", MLGSH.EndAfterStartShape),
    }
    return graph, expected


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return load_shapes(PROJECT_ROOT / "shapes")


@pytest.fixture(scope="module")
def planted(shapes: Graph):
    graph, expected = planted_graph()
    return compare(graph, shapes), expected


def _shown(results) -> str:
    return "\n".join(sorted(" ".join(str(term) for term in result) for result in results))


def test_pyrudof_checks_every_project_shape(shapes: Graph):
    assert unsupported_by_pyrudof(shapes) == frozenset()


def test_clean_graph_conforms_in_both(shapes: Graph):
    graph = clean_graph()
    for engine in ("pyshacl", "pyrudof"):
        report = validate(engine, graph, shapes)
        assert report.results == frozenset(), f"{engine}:\n{_shown(report.results)}"
        assert report.conforms


def test_engines_report_the_same_planted_violations(planted):
    comparison, _expected = planted
    assert comparison.agree, (f"only pyshacl:\n{_shown(comparison.only_pyshacl)}\n"
                              f"only pyrudof:\n{_shown(comparison.only_pyrudof)}")


@pytest.mark.parametrize("engine", ["pyshacl", "pyrudof"])
def test_each_planted_violation_is_found(planted, engine: str):
    comparison, expected = planted
    missing = expected - getattr(comparison, engine)
    assert not missing, f"{engine} missed:\n{_shown(missing)}"


def test_planted_violations_cover_the_core_components(shapes: Graph):
    """Every constraint parameter of core.ttl has a planted violation of its component."""
    core = Graph().parse(PROJECT_ROOT / "shapes" / "core.ttl", format="turtle")
    not_parameters = {"path", "name", "message", "severity", "targetClass", "targetSubjectsOf", "property",
                      "qualifiedValueShape", "description", "order", "group", "prefixes", "declare"}  # targets: no component
    used = {str(p).removeprefix(str(SH)) for _s, p, _o in core if str(p).startswith(str(SH))} - not_parameters
    # sh:or is only reached through sh:node (DateLike): its failures are sh:node's.
    component = {"or": "Node"}
    _graph, expected = planted_graph()
    planted_components = {str(result.component).removeprefix(str(SH)) for result in expected}
    missing = {p for p in used if f"{component.get(p, p[0].upper() + p[1:])}ConstraintComponent" not in planted_components}
    assert not missing, f"no planted violation for sh:{', sh:'.join(sorted(missing))}"


def test_engines_agree_on_the_seed_build(seed_graph: Graph, shapes: Graph):
    comparison = compare(seed_graph, shapes)
    assert comparison.agree, (f"only pyshacl:\n{_shown(comparison.only_pyshacl)}\n"
                              f"only pyrudof:\n{_shown(comparison.only_pyrudof)}")
    assert not any(result.severity == SH.Violation for result in comparison.pyshacl)


EXAMPLE = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def test_sparql_constraint_components_are_listed_and_left_out_of_the_comparison():
    """rudof silently ignores SPARQL-based constraint components: listed, then compared without them."""
    data = Graph().parse(data=EXAMPLE + 'ex:a a ex:C ; ex:p "Hello" .', format="turtle")
    shapes = Graph().parse(data=EXAMPLE + """
        ex:MaxLength a sh:ConstraintComponent ; sh:parameter [ sh:path ex:maxLength ] ;
            sh:validator [ a sh:SPARQLAskValidator ; sh:message "too long" ;
                           sh:ask "ASK { FILTER (STRLEN(str($value)) <= $maxLength) }" ] .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p ; ex:maxLength 3 ] , [ sh:path ex:q ; sh:minCount 1 ] .
    """, format="turtle")
    ex = Namespace("http://example.org/")
    assert unsupported_by_pyrudof(shapes) == {Unchecked(ex.S, ex.MaxLength, "SPARQL-based constraint component")}
    custom = Result(ex.a, ex.p, ex.MaxLength, ex.S, SH.Violation)
    core = Result(ex.a, ex.q, SH.MinCountConstraintComponent, ex.S, SH.Violation)
    assert run_pyshacl(data, shapes).results == {custom, core}
    assert run_pyrudof(data, shapes).results == {core}  # the proof that rudof skips it
    comparison = compare(data, shapes)
    assert comparison.agree and comparison.pyshacl == {core}


def test_engines_agree_beyond_the_project_shapes():
    """Literal and blank focus nodes, complex paths, a custom severity, sh:closed, sh:pattern with flags."""
    data = Graph().parse(data=EXAMPLE + """
        ex:a a ex:C ; ex:p "Hello"@en, "abc", 3, "x"^^ex:dt ; ex:q [ ex:p "z" ] ; ex:extra 1 .""", format="turtle")
    shapes = Graph().parse(data=EXAMPLE + """
        ex:Literals a sh:NodeShape ; sh:targetObjectsOf ex:p ; sh:severity ex:Serious ; sh:nodeKind sh:IRI .
        ex:Blank a sh:NodeShape ; sh:targetObjectsOf ex:q ;
            sh:property [ sh:path ex:zz ; sh:minCount 1 ; sh:severity sh:Warning ] .
        ex:Paths a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ( ex:q ex:p ) ; sh:pattern "^x" ] , [ sh:path [ sh:inversePath ex:q ] ; sh:minCount 1 ] .
        ex:Closed a sh:NodeShape ; sh:targetClass ex:C ; sh:closed true ; sh:ignoredProperties ( ex:q ex:extra ) ;
            sh:property [ sh:path ex:p ; sh:pattern "^HELLO$" ; sh:flags "i" ] .
    """, format="turtle")
    comparison = compare(data, shapes)
    assert comparison.agree, (f"only pyshacl:\n{_shown(comparison.only_pyshacl)}\n"
                              f"only pyrudof:\n{_shown(comparison.only_pyrudof)}")
    components = {str(r.component).removeprefix(str(SH)) for r in comparison.pyrudof}
    assert components == {"NodeKindConstraintComponent", "MinCountConstraintComponent",
                          "PatternConstraintComponent", "ClosedConstraintComponent"}
    assert {r.severity for r in comparison.pyrudof} >= {URIRef("http://example.org/Serious"), SH.Warning}
    assert any(isinstance(r.focus, BNode) for r in comparison.pyrudof)
    assert Literal("Hello") in {r.focus for r in comparison.pyrudof}


def test_rudof_strings_are_read_back_as_terms():
    assert _term("https://w3id.org/maillage/id/x") == ID.x
    assert _term("_:b1") == BNode("b1")
    assert _term('"3"^^xsd:integer') == Literal("3")
    assert _term("^(http://example.org/q)") is None and _term(None) is None
    assert _severity("Warning") == SH.Warning
    assert _severity("Severity(http://example.org/Serious)") == URIRef("http://example.org/Serious")


def test_measure_runs_each_engine_in_a_subprocess(shapes: Graph):
    for engine in ("pyshacl", "pyrudof"):
        seconds, peak_mib = measure(engine, clean_graph(), shapes)
        assert 0 < seconds < 60 and 10 < peak_mib < 3072
    with pytest.raises(ValueError, match=re.escape("unknown SHACL engine 'jena'")):
        measure("jena", clean_graph(), shapes)  # type: ignore[arg-type]


def test_pyshacl_runs_with_the_options_of_the_build():
    """The comparison and the build share one set of options, without inference."""
    from graph_builder.validation import engines as shacl_engines
    from graph_builder.validation import shacl as validation

    assert shacl_engines.PYSHACL_OPTIONS is validation.PYSHACL_OPTIONS
    assert validation.PYSHACL_OPTIONS["inference"] == "none" and validation.PYSHACL_OPTIONS["advanced"] is False
