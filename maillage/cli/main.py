"""The `maillage` command: the group, and each module's commands registered in it.

One module per group of commands, each command parsing its options and calling the stage that does the work:
  build.py        build, validate, stats, templates                 (graph_builder)
  data.py         import, export-directory, synthetic               (graph_builder.sources)
  referential.py  referential fetch/resolve, geometry fetch         (graph_builder.referential)
  publish.py      export, context, docs, serve, load                (graph_builder.publication, maillage.endpoint)
  queries.py      queries, query                                    (maillage.library, maillage.stores)
  territory.py    territory search                                  (maillage.territories)
  diff.py         diff                                              (maillage.diff, maillage.feeds)
  bench.py        bench, bench-queries, bench-viewer, bench-endpoint (maillage.bench)
  contributions.py  contributions list/show/accept/reject/ask/forget, reviewer add (graph_builder.contributions)
  common.py       consoles, exit codes, shared options and messages
Exit codes are listed in common.py.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

# Each command and the module of this package that defines it (in its COMMANDS): a module is imported when one of
# its commands runs, not at every start (the benchmarks' module alone, with the endpoint's server and HTTP client it
# imports, weighed 0.17 s of each `maillage build`). tests/test_layout.py checks this table against the modules.
COMMANDS = {
    "build": "build", "validate": "build", "stats": "build", "templates": "build",
    "import": "data", "export-directory": "data", "synthetic": "data",
    "referential": "referential", "geometry": "referential",
    "territory": "territory",
    "diff": "diff",
    "export": "publish", "context": "publish", "docs": "publish", "serve": "publish", "load": "publish",
    "queries": "queries", "query": "queries",
    "bench": "bench", "bench-queries": "bench", "bench-viewer": "bench", "bench-endpoint": "bench",
    "contributions": "contributions",
}


class CommandGroup(click.Group):
    """The group of COMMANDS, each looked up in its module when asked for (`maillage --help` asks for all)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        commands = importlib.import_module(f"maillage.cli.{module}").COMMANDS
        return next(command for command in commands if command.name == cmd_name)


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="maillage")
def main() -> None:
    """Maillage: the knowledge graph of French local health coordination."""


def run() -> None:
    """The `maillage` program. After `maillage build`, the process ends without freeing its objects one by one:
    after a national build, the interpreter's last collection and teardown took 8 s, and the system takes the
    memory back at once. The build closes its stores and writes its files before; the streams are flushed here.
    Other commands (servers, temporary files cleaned at exit) end as usual."""
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)  # the group has no valued option
    try:
        main()
    except SystemExit as stop:
        if command != "build" or not (stop.code is None or isinstance(stop.code, int)):
            raise
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(stop.code or 0)
