"""`import maillage`: the documented example (docs/python-api.md) runs on the seed graph."""

from __future__ import annotations

import doctest

from graph_builder.constants import PROJECT_ROOT


def test_the_python_api_example_runs(seed_dump):
    result = doctest.testfile(str(PROJECT_ROOT / "docs" / "python-api.md"), module_relative=False,
                              globs={"build": seed_dump.parent}, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10
    assert result.failed == 0
