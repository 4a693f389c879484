"""A private Virtuoso 7 for the tests: Debian's `virtuoso-t` (installed by `scripts/setup.sh test`), in its own
directory, on free loopback ports, with dba's password set before it ever listens, stopped at the end.

Configured as docs/engines.md tells users to configure theirs: Virtuoso's own graphs (the quad-map schema
`virtrdf#` and two others a new database holds) are made private, so that the anonymous default graph of
`/sparql` is the union of the loaded graphs only, as on Oxigraph (`--union-default-graph`); answers are not capped
below the largest one (`ResultSetMaxRows`) and not cut at a deadline (`MaxQueryExecutionTime` 0: Virtuoso's
"anytime" answers are partial ones).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from maillage.endpoint.oxigraph_server import free_port
from maillage.stores import http_client

# What a new Virtuoso 7.2 database holds besides the data (seen on Debian's 7.2.5): made private (unreadable by
# SPARQL's anonymous user) so that they stay out of the default graph.
SYSTEM_GRAPHS = ("http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                 "http://localuriqaserver/sparql")
PRIVATE = "http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs"
INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
ServerThreads = 10
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {d}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 0
"""


class VirtuosoError(Exception):
    """Virtuoso is not installed or did not start: says why, with the end of its log."""


class Virtuoso:
    """`with Virtuoso(directory) as server:` a running Virtuoso; `server.sparql`, `server.graph_store` (Digest), the
    `user` and `password` of its administrator."""

    user = "dba"

    def __init__(self, directory: Path):
        self.directory = directory
        self.password = secrets.token_hex(8)  # 16 characters: Virtuoso 7.2 refused a login with 22
        self.sql_port, self.http_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None
        self.started_s = 0.0  # seconds from nothing to answering queries, password set

    @property
    def sparql(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        """The SPARQL 1.1 Graph Store endpoint that asks for credentials (Digest)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud-auth"

    def _binary(self, name: str) -> str:
        found = shutil.which(name)
        if not found:
            raise VirtuosoError(f"{name} introuvable : bash scripts/setup.sh test installe virtuoso-opensource-7-bin "
                                f"/ {name} missing: bash scripts/setup.sh test installs virtuoso-opensource-7-bin")
        return found

    def log(self) -> str:
        path = self.directory / "virtuoso.log"
        return path.read_text(errors="replace")[-3000:] if path.is_file() else ""

    def start(self, wait: float = 120.0) -> Virtuoso:
        began = time.monotonic()
        server = self._binary("virtuoso-t")
        self.directory.mkdir(parents=True, exist_ok=True)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(INI.format(d=self.directory, sql=self.sql_port, http=self.http_port), encoding="utf-8")
        # Creates the database and changes dba's password, then exits: the default password never listens.
        first = subprocess.run([server, "+foreground", "+configfile", str(ini), "+pwdold", "dba", "+pwddba",
                                self.password, "+pwddav", self.password], capture_output=True, timeout=wait, check=False)
        if first.returncode != 0 or "The DBA password is changed" not in self.log():
            raise VirtuosoError(f"Virtuoso n'a pas créé sa base / Virtuoso did not create its database:\n{self.log()}")
        self.process = subprocess.Popen([server, "+foreground", "+configfile", str(ini)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = began + wait
        with http_client(timeout=2) as client:  # one for the wait, not one per try (httpx.get)
            while not self._answers(client):
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise VirtuosoError(f"Virtuoso n'a pas démarré / Virtuoso did not start:\n{self.log()}")
                time.sleep(0.1)
        try:
            self.sql(f"DB.DBA.RDF_GRAPH_GROUP_CREATE ('{PRIVATE}', 1)",
                     *(f"DB.DBA.RDF_GRAPH_GROUP_INS ('{PRIVATE}', '{graph}')" for graph in SYSTEM_GRAPHS),
                     "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1)",  # private graphs: unreadable
                     "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1, 0)")  # the others (the loaded ones): readable
        except (VirtuosoError, subprocess.TimeoutExpired):
            self.stop()
            raise
        self.started_s = time.monotonic() - began
        return self

    def _answers(self, client: httpx.Client) -> bool:
        try:
            return client.get(self.sparql, params={"query": "ASK {}"}).status_code == 200
        except httpx.HTTPError:
            return False

    def sql(self, *statements: str) -> str:
        """Run SQL statements as dba with Debian's `isql-vt`; VirtuosoError if one fails."""
        script = "".join(f"{statement};\n" for statement in statements)
        run = subprocess.run([self._binary("isql-vt"), f"127.0.0.1:{self.sql_port}", self.user, self.password],
                             input=script, capture_output=True, text=True, timeout=60, check=False)
        if run.returncode != 0 or "*** Error" in run.stdout + run.stderr:
            raise VirtuosoError(f"isql-vt: {run.stdout[-2000:]}{run.stderr[-2000:]}")
        return run.stdout

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> Virtuoso:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
