"""Templates for new records are generated from the record kinds and stay in step."""

from __future__ import annotations

from ruamel.yaml import YAML

from graph_builder.constants import PROJECT_ROOT
from graph_builder.kinds import load_schema
from graph_builder.sources.templates import render_template, stale_templates

TEMPLATES = PROJECT_ROOT / "data" / "templates"


def test_templates_are_up_to_date():
    assert stale_templates(load_schema(), TEMPLATES) == [], "run `maillage templates`"


def test_each_template_is_valid_yaml_with_every_field():
    schema = load_schema()
    for kind in schema.kinds.values():
        if kind.nested_only:
            continue
        document = YAML(typ="safe").load(render_template(schema, kind))
        record = document[kind.name][0]
        assert set(record) == set(schema.fields_of(kind)), kind.name
