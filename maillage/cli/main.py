"""The `maillage` command: the group, and each module's commands registered in it.

One module per group of commands, each command parsing its options and calling the stage that does the work:
  build.py        build, validate, stats, templates                 (graph_builder)
  data.py         import, export-directory, synthetic               (graph_builder.sources)
  referential.py  referential fetch/resolve, geometry fetch         (graph_builder.referential)
  publish.py      export, context, docs, serve, load                (graph_builder.publication, maillage.endpoint)
  queries.py      queries, query                                    (maillage.library, maillage.stores)
  territory.py    territory search                                  (maillage.territories)
  diff.py         diff                                              (maillage.diff, maillage.feeds)
  bench.py        bench, bench-queries, bench-viewer                (maillage.bench)
  contributions.py  contributions list/show/accept/reject/ask/forget, reviewer add (graph_builder.contributions)
  common.py       consoles, exit codes, shared options and messages
Exit codes are listed in common.py.
"""

from __future__ import annotations

import os
import sys

import click

from maillage.cli import bench, build, contributions, data, diff, publish, queries, referential, territory


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="maillage")
def main() -> None:
    """Maillage: the knowledge graph of French local health coordination."""


for _module in (build, data, referential, territory, diff, publish, queries, bench, contributions):
    for _command in _module.COMMANDS:
        main.add_command(_command)


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
