"""The query library as forms (the viewer's Requêtes page): one field per declared parameter, from its check.

A parameter's `check` (query_library) decides the field: a territory is typed
as level/code, a code or a name (searched, homonyms told apart); a concept of
a scheme is chosen among the scheme's concepts, labelled in the chosen
language; an integer gets its bounds; anything else is text. What the user
gives still goes through the library's own check when the query runs, so a
bad value gets the library's bilingual message.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import URIRef

from app.viewer.model import Territory, Viewer, entity_base, fold, pick, short
from app.viewer.quality import page_of
from maillage.library import LEVELS, VOCABULARY_BASE, NamedQuery, Parameter, library
from maillage.stores import plain


@dataclass(frozen=True)
class FormField:
    parameter: Parameter
    kind: str                       # territory, concept, integer, text
    default: str = ""               # what the field shows first (a readable form of the query's default)
    level: str | None = None        # territory: the level the check wants (None: any, given as level/code)
    options: dict[str, str] = field(default_factory=dict)  # concept: IRI -> label

    def label(self, lang: str = "fr") -> str:
        """The field's name in `lang`, from the query's header (`label`, `label_en`)."""
        required = "" if self.parameter.required else (" (facultatif)" if lang == "fr" else " (optional)")
        return f"{self.parameter.title(lang)}{required}"


def summaries(lang: str = "fr") -> dict[str, str]:
    """Query name -> its question in `lang`, sorted by question."""
    found = {name: q.summary.get(lang) or q.summary["fr"] for name, q in library().items()}
    return dict(sorted(found.items(), key=lambda item: fold(item[1])))


@lru_cache(maxsize=64)
def concept_options(viewer: Viewer, scheme: str, lang: str = "fr") -> dict[str, str]:
    """IRI -> label in `lang` of the concepts of a scheme of ontology/vocabularies/, in the scheme's order."""
    labels = defaultdict(list)
    for concept, _, label in viewer.run("concepts_of_scheme", scheme=VOCABULARY_BASE + scheme, lang=lang):
        labels[str(concept)].append(label)
    return {iri: pick(found, lang) for iri, found in labels.items()}


def form_fields(viewer: Viewer, query: NamedQuery, lang: str = "fr") -> list[FormField]:
    fields = []
    for parameter in query.parameters:
        check, default = parameter.check or "", parameter.default or ""
        if check in LEVELS or check.split(":", 1)[0] == "territoire":
            level = check if check in LEVELS else None
            shown = default.removeprefix(f"{entity_base()}territoire/")
            if level:
                shown = shown.removeprefix(f"{level}/")
            fields.append(FormField(parameter, "territory", shown, level))
        elif check.startswith("concept:"):
            scheme = check.split(":", 1)[1]
            default = default if default.startswith("http") or not default else f"{VOCABULARY_BASE}{scheme}/{default}"
            fields.append(FormField(parameter, "concept", default, options=concept_options(viewer, scheme, lang)))
        elif parameter.type == "integer":
            fields.append(FormField(parameter, "integer", default))
        elif parameter.type == "xsd_date":  # a day, or the word for today the library's check reads in either language
            fields.append(FormField(parameter, "text", "aujourd'hui" if default == "today" and lang == "fr" else default))
        else:
            shown = default.removeprefix(entity_base()) if check.startswith("entity:") else default
            fields.append(FormField(parameter, "text", shown))
    return fields


def territory_matches(viewer: Viewer, form_field: FormField, text: str, limit: int = 30) -> list[Territory]:
    """Territories a territory field's text names: level/code or code exactly, else by the territory search (of the
    wanted level): homonyms all listed, for the visitor to choose."""
    text = text.strip().removeprefix(f"{entity_base()}territoire/")
    exact = viewer.territory(f"{form_field.level}/{text}" if form_field.level and "/" not in text else text)
    if exact is not None and (form_field.level is None or exact.level == form_field.level):
        return [exact]
    return viewer.search_territories(text, limit=limit, levels=(form_field.level,) if form_field.level else None)


def territory_value(form_field: FormField, territory: Territory) -> str:
    """What the library's check takes: the code for a level's check, level/code for `territoire`."""
    return territory.code if form_field.level else territory.key


def linked_table(variables: list[str], rows: list[tuple]) -> tuple[list[dict], set[str]]:
    """The rows as records for a table, and the columns shown as links: in a column that holds only entities of the
    graph (IRIs under the base), each is replaced by the address of the viewer page that shows it (relative:
    `coordinations?id=coordination/asv-aix-en-provence`); any other column keeps plain values (`Rows.values`: a
    column mixing entities and texts, `sources_of_entity`'s `value`, is not made of links to texts)."""
    def entity(term) -> bool:
        return isinstance(term, URIRef) and str(term).startswith(entity_base())

    linked = {name for i, name in enumerate(variables)
              if any(row[i] is not None for row in rows) and all(row[i] is None or entity(row[i]) for row in rows)}
    records = [{name: (f"{page_of(str(term))}?id={short(str(term))}" if name in linked and term is not None
                       else plain(term)) for name, term in zip(variables, row, strict=True)} for row in rows]
    return records, linked
