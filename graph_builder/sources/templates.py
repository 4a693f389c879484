"""Templates for new records, generated from the record kinds.

One file per kind in `data/templates/`: every field with its documentation,
marked required or optional, and an example value of the right type. A
coordinator copies the block into the data file named at the top.
"""

from __future__ import annotations

from pathlib import Path

from graph_builder.kinds import FieldSpec, KindSpec, Schema, load_schema

EXAMPLES = {
    "text": '"…"',
    "string": '"…"',
    "integer": "1",
    "decimal": "12.5",
    "boolean": "true",
    "url": '"https://…"',
    "duration": '"P3Y"',
    "date": '"2015-06"',
    "datetime": '"2026-12-06T14:30:00Z"',
}


def _example(schema: Schema, spec: FieldSpec) -> str:
    if spec.type == "concept":
        value = f'"<code du vocabulaire {spec.scheme}>"'
    elif spec.type == "ref":
        value = f'"<id : {", ".join(spec.kinds)}>"'
    else:
        value = EXAMPLES[spec.type]
    return f"[{value}]" if spec.many else value


def _field_lines(schema: Schema, kind: KindSpec, indent: str) -> list[str]:
    lines = []
    for name, spec in schema.fields_of(kind).items():
        status = "obligatoire" if spec.required else "facultatif"
        lines.append(f"{indent}# {spec.doc} ({status}{', plusieurs valeurs' if spec.many else ''})")
        if spec.type == "nested":
            child = schema.kinds[spec.kind or ""]
            lines.append(f"{indent}{name}:")
            child_lines = _field_lines(schema, child, indent + "    ")
            child_lines[1] = indent + "  - " + child_lines[1].lstrip()
            lines.extend(child_lines)
        else:
            lines.append(f"{indent}{name}: {_example(schema, spec)}")
            if spec.type == "text":
                lines.append(f"{indent}# {name}_en: version anglaise (facultatif)")
    return lines


def render_template(schema: Schema, kind: KindSpec) -> str:
    header = [
        f"# Modèle : {kind.label_fr} ({kind.label_en}).",
        "# Généré par `maillage templates` depuis graph_builder/record_kinds.yaml : ne pas modifier à la main.",
        f"# Copiez le bloc ci-dessous dans data/{kind.file} (sous la clé « {kind.name}: »),",
        "# remplacez les valeurs et supprimez les champs facultatifs inutiles.",
        "# Codes et dates entre guillemets (\"06152\", \"2015-06\") pour garder les zéros initiaux.",
        "",
        f"{kind.name}:",
    ]
    body = _field_lines(schema, kind, "    ")
    body[1] = "  - " + body[1].lstrip()
    return "\n".join(header + body) + "\n"


def write_templates(schema: Schema, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in schema.kinds.values():
        if kind.nested_only:
            continue
        path = directory / f"{kind.name}.yaml"
        path.write_text(render_template(schema, kind), encoding="utf-8")
        written.append(path)
    return written


def stale_templates(schema: Schema, directory: Path) -> list[str]:
    """Kinds whose template file is missing or differs from the record kinds."""
    stale = []
    for kind in schema.kinds.values():
        if kind.nested_only:
            continue
        path = directory / f"{kind.name}.yaml"
        if not path.exists() or path.read_text(encoding="utf-8") != render_template(schema, kind):
            stale.append(kind.name)
    return stale


def write_all_templates(directory: Path) -> list[Path]:
    """One template per record kind in `directory`, and the directory templates (CSV, XLSX) in its directories/."""
    from graph_builder.sources.directories import write_blank_templates  # openpyxl, only when asked

    return write_templates(load_schema(), directory) + write_blank_templates(directory / "directories")


def stale_all_templates(directory: Path) -> list[str]:
    """The templates of `directory` that differ from what `write_all_templates` would write."""
    from graph_builder.sources.directories import stale_blank_templates

    stale = stale_templates(load_schema(), directory)
    return stale + [f"directories/{name}" for name in stale_blank_templates(directory / "directories")]
