"""Guard on personal data: it lives in `person` records and nowhere else.

Names, e-mails and phones given in person records must not appear in any
literal of a public graph (a description that names a speaker, say):
public exports leave out only the personal graphs, so a leak elsewhere
would be published.
"""

from __future__ import annotations

from rdflib import Literal

from graph_builder.conversion.records import Built
from graph_builder.kinds import Schema
from graph_builder.problems import Problem

PERSONAL_FIELDS = ("name", "email", "telephone")


def personal_leaks(built: Built, schema: Schema) -> list[Problem]:
    private: set[str] = set()
    for entries in built.index.values():
        for entry in entries:
            if not entry.kind.personal:
                continue
            for name in PERSONAL_FIELDS:
                value = entry.record.data.get(name)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, str) and len(item.strip()) > 3:
                        private.add(item.strip())
    ordered = sorted(private)  # stable choice of the reported value when several match
    problems = []
    for graph_name, graph in sorted(built.graphs.items()):
        if graph_name in built.personal_graphs:
            continue
        for subject, predicate, obj in graph:
            if not isinstance(obj, Literal):
                continue
            found = next((p for p in ordered if p in str(obj)), None)
            if found is None or subject not in built.index:
                continue
            entry = built.index[subject][0]
            field = schema.field_for(entry.kind, predicate)
            problems.append(Problem(
                file=entry.record.file,
                line=entry.record.line_of(field),
                record=entry.label,
                field=field,
                message_fr=f"donnée personnelle « {found} » hors de persons.yaml : elle serait publiée. "
                           "Retirez-la de ce champ (la fiche de la personne suffit).",
                message_en=f"personal data '{found}' outside persons.yaml: it would be published. "
                           "Remove it from this field (the person's record is enough).",
            ))
    return sorted(set(problems))
