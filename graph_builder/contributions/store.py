"""The proposal store: every proposal sent is kept whole, never half, and never overwrites another.

Layout of the store (default `contributions/` at the project's root, or `MAILLAGE_CONTRIBUTIONS`):

  propositions/<id>/records.yaml    the proposal's records, in the data's own format (see records.py)
  propositions/<id>/proposal.json   its metadata: kind, target, stated source, licence, dates, status, decisions
  propositions/<id>/personal.json   the contributor's name and e-mail, if given (mode 0600): never published
  .envoi/                           proposals being written (a folder renamed into propositions/ when complete)
  .verrou                           held (flock) while a review decision rewrites a proposal.json

A proposal is written in a folder of `.envoi/`, each file flushed to disk (fsync), then the folder is renamed
into `propositions/` (one `rename`, atomic on POSIX): a reader sees the whole proposal or nothing, and a sender
killed mid-way leaves only a folder of `.envoi/`, which listing ignores and `sweep` removes. Ids are the sending
time plus 32 random bits: two senders never pick the same folder (a rename onto an existing folder fails, and
the sender draws another id).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph_builder.constants import PROJECT_ROOT
from graph_builder.files import sync
from graph_builder.problems import BilingualError

DEFAULT_ROOT = PROJECT_ROOT / "contributions"
FORMAT = 1
ID_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")
STATUSES = {
    "pending": ("en attente de relecture", "pending review"),
    "accepted": ("acceptée", "accepted"),
    "rejected": ("refusée", "rejected"),
    "changes": ("modification demandée", "changes requested"),
}
# Limits of what one proposal may hold: a coordination with its participations is a few kilobytes.
MAX_RECORDS_BYTES = 256 * 1024
MAX_TEXT_CHARS = 10_000
MAX_PERSONAL_CHARS = 320  # an e-mail address's longest legal length
# A filled directory template (CSV or XLSX) sent from the page: kept under one of these names.
UPLOAD_NAMES = ("annuaire.csv", "annuaire.xlsx")
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Control characters have no place in a text field (tab and newline excepted); they would hide text on screen.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class ProposalError(BilingualError):
    """A proposal refused or not found: the reason in French and English."""


def default_root() -> Path:
    return Path(os.environ.get("MAILLAGE_CONTRIBUTIONS") or DEFAULT_ROOT)


def new_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(tz=dt.UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"


def check_text(value: str, where: str, limit: int = MAX_TEXT_CHARS) -> str:
    """A text field as stored: a string, within the limit, without control characters."""
    if not isinstance(value, str):
        raise ProposalError(f"{where} : un texte est attendu", f"{where}: text expected")
    if len(value) > limit:
        raise ProposalError(f"{where} : texte trop long ({len(value)} caractères, {limit} au plus)",
                            f"{where}: text too long ({len(value)} characters, at most {limit})")
    found = CONTROL.search(value)
    if found:
        code = f"U+{ord(found.group()):04X}"
        raise ProposalError(f"{where} : caractère de contrôle {code} refusé (position {found.start() + 1})",
                            f"{where}: control character {code} refused (position {found.start() + 1})")
    return value


def _write_new(path: Path, data: bytes, mode: int = 0o644) -> None:
    """A new file, flushed to disk before the call returns."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)



def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def _now() -> str:
    return dt.datetime.now(tz=dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Proposal:
    id: str
    folder: Path
    meta: dict[str, Any]
    records: str

    @property
    def status(self) -> str:
        return self.meta.get("status", "pending")

    def personal(self) -> dict[str, str] | None:
        """The contributor's name and e-mail, if given and not forgotten (for the reviewers only)."""
        path = self.folder / "personal.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None


class ProposalStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.proposals = self.root / "propositions"
        self.staging = self.root / ".envoi"

    # -- sending ---------------------------------------------------------------------------------------
    def submit(self, records: Callable[[str], str], meta: dict[str, Any], personal: dict[str, str] | None = None,
               _pause: Callable[[str], None] | None = None, files: dict[str, bytes] | None = None) -> str:
        """Keep a proposal: its records' YAML (`records(id)`, which cites the id), its metadata and the
        contributor's personal data. Returns its id.

        `_pause` is a test hook called between the steps of writing (a test kills the sender there)."""
        personal = {key: check_text(str(value), key, MAX_PERSONAL_CHARS).strip()
                    for key, value in (personal or {}).items() if key in ("name", "email") and value}
        for folder in (self.proposals, self.staging):
            folder.mkdir(parents=True, exist_ok=True)
        while True:
            ident = new_id()
            text = records(ident)
            data = text.encode("utf-8")
            if len(data) > MAX_RECORDS_BYTES:
                raise ProposalError(f"proposition trop volumineuse ({len(data)} octets, {MAX_RECORDS_BYTES} au plus)",
                                    f"proposal too large ({len(data)} bytes, at most {MAX_RECORDS_BYTES})")
            check_text(text, "enregistrements", MAX_RECORDS_BYTES)
            work = Path(tempfile.mkdtemp(dir=self.staging, prefix=f"{ident}."))
            full = {**meta, "format": FORMAT, "id": ident, "submitted_at": _now(), "status": "pending",
                    "decisions": []}
            _write_new(work / "records.yaml", data)
            for name, content in (files or {}).items():  # an uploaded directory, as sent
                if name not in UPLOAD_NAMES or len(content) > MAX_UPLOAD_BYTES:
                    raise ProposalError(f"fichier joint refusé : {name}", f"attached file refused: {name}")
                _write_new(work / name, content)
            if _pause:
                _pause("records")
            if personal:
                _write_new(work / "personal.json", _json(personal), 0o600)
            _write_new(work / "proposal.json", _json(full))
            if _pause:
                _pause("meta")
            sync(work)
            try:
                os.rename(work, self.proposals / ident)
            except OSError:  # that id was taken meanwhile (or exists): draw another
                shutil.rmtree(work, ignore_errors=True)
                continue
            sync(self.proposals)
            return ident

    def sweep(self, older_than_s: float = 3600) -> int:
        """Remove what senders killed mid-way left in `.envoi/` (older than `older_than_s`): how many."""
        removed = 0
        if self.staging.is_dir():
            for work in self.staging.iterdir():
                if time.time() - work.stat().st_mtime >= older_than_s:
                    shutil.rmtree(work, ignore_errors=True)
                    removed += 1
        return removed

    # -- reading ---------------------------------------------------------------------------------------
    def ids(self) -> list[str]:
        if not self.proposals.is_dir():
            return []
        return sorted(p.name for p in self.proposals.iterdir() if ID_PATTERN.match(p.name))

    def all(self) -> list[Proposal]:
        return [self.get(ident) for ident in self.ids()]

    def get(self, ident: str) -> Proposal:
        # The id comes from a command line or a page: only the ids this store makes name a folder.
        if not isinstance(ident, str) or not ID_PATTERN.match(ident) or not (self.proposals / ident).is_dir():
            raise ProposalError(f"proposition introuvable : « {ident} »", f"no such proposal: '{ident}'")
        folder = self.proposals / ident
        meta = json.loads((folder / "proposal.json").read_text(encoding="utf-8"))
        return Proposal(ident, folder, meta, (folder / "records.yaml").read_text(encoding="utf-8"))

    # -- changing ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """One review decision at a time (two reviewers never both accept the same proposal)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".verrou").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def replace_file(self, ident: str, name: str, data: bytes) -> None:
        """Rewrite one file of a proposal: a temporary file flushed, then renamed over it."""
        folder = self.get(ident).folder
        fd, temp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, folder / name)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        sync(folder)

    def decide(self, ident: str, status: str, reviewer: str, reason: str = "",
               expected: tuple[str, ...] = ("pending", "changes"), extra: dict[str, Any] | None = None) -> Proposal:
        """Record a reviewer's decision (under the lock): the proposal as it is now."""
        if status not in STATUSES:
            raise ValueError(status)
        proposal = self.get(ident)
        if proposal.status not in expected:
            fr, en = STATUSES[proposal.status]
            raise ProposalError(f"la proposition {ident} est déjà {fr}", f"proposal {ident} is already {en}")
        meta = dict(proposal.meta)
        meta["status"] = status
        meta["decisions"] = [*meta.get("decisions", []), {"status": status, "reviewer": reviewer,
                                                           "reason": check_text(reason, "motif"), "at": _now()}]
        meta.update(extra or {})
        self.replace_file(ident, "proposal.json", _json(meta))
        return self.get(ident)

    def forget(self, email: str) -> list[str]:
        """Erase the personal data of every proposal sent with this e-mail (case ignored): the proposals' ids."""
        wanted = email.strip().casefold()
        forgotten = []
        with self.locked():
            for proposal in self.all():
                personal = proposal.personal()
                if personal and personal.get("email", "").casefold() == wanted:
                    (proposal.folder / "personal.json").unlink()
                    sync(proposal.folder)
                    forgotten.append(proposal.id)
        return forgotten
