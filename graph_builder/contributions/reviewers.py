"""Reviewers: names and scrypt hashes of their passwords, in a file only the deployment reads.

The file (default `<store>/relecteurs.json`, or `MAILLAGE_REVIEWERS`) maps each reviewer's name to
`scrypt$<n>$<r>$<p>$<salt>$<hash>` (base64); it is written with mode 0600 and never holds a password.
A wrong name or password is refused after a delay that grows with the failures of that name (kept in
`<file>.echecs`, so that each new command or page waits as long): 1 s, 2 s, 4 s… up to 30 s, reset by a
success. Nothing here prints or logs a password.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path

from graph_builder.contributions.store import ProposalError, default_root
from graph_builder.files import atomic_write

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # OWASP's minimum for scrypt; about 50 ms here
NAME_MAX, PASSWORD_MIN, PASSWORD_MAX = 64, 12, 1024
FIRST_DELAY_S, MAX_DELAY_S = 1.0, 30.0


def default_file() -> Path:
    return Path(os.environ.get("MAILLAGE_REVIEWERS") or default_root() / "relecteurs.json")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, salt: bytes | None = None, n: int = SCRYPT["n"], r: int = SCRYPT["r"],
                  p: int = SCRYPT["p"]) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def _matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        again = hash_password(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(again.rsplit("$", 1)[1], digest)


class Reviewers:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_file()
        self.failures_path = self.path.with_name(self.path.name + ".echecs")

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ProposalError(f"fichier des relecteurs illisible ({self.path}) : {exc}",
                                f"unreadable reviewers file ({self.path}): {exc}") from None
        return dict(data.get("reviewers", {}))

    def names(self) -> list[str]:
        return sorted(self._read())

    def add(self, name: str, password: str) -> None:
        """Declare a reviewer (or change their password)."""
        name = name.strip()
        if not name or len(name) > NAME_MAX or not name.isprintable():
            raise ProposalError(f"nom de relecteur invalide (1 à {NAME_MAX} caractères imprimables)",
                                f"invalid reviewer name (1 to {NAME_MAX} printable characters)")
        if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
            raise ProposalError(f"mot de passe trop court : {PASSWORD_MIN} caractères au moins",
                                f"password too short: at least {PASSWORD_MIN} characters")
        reviewers = self._read()
        reviewers[name] = hash_password(password)
        text = json.dumps({"reviewers": reviewers}, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        atomic_write(self.path, text.encode("utf-8"))
        os.chmod(self.path, 0o600)

    # -- checking, slowed down after failures --------------------------------------------------------------
    def _failures(self, update=None) -> dict[str, list[float]]:
        self.failures_path.parent.mkdir(parents=True, exist_ok=True)
        with self.failures_path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            try:
                failures = json.loads(handle.read() or "{}")
            except ValueError:
                failures = {}
            if update is not None:
                update(failures)
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(failures))
            return failures

    def delay_for(self, name: str) -> float:
        count = self._failures().get(name, [0, 0.0])[0]
        return 0.0 if count == 0 else min(FIRST_DELAY_S * 2 ** (count - 1), MAX_DELAY_S)

    def check(self, name: str, password: str, sleep=time.sleep) -> bool:
        """True if `name` is a reviewer with this password. A failure waits first, longer at each failure."""
        stored = self._read().get(name)
        # An unknown name costs the same hashing as a known one: the answer's time does not tell names apart.
        ok = _matches(password, stored or hash_password("", b"0" * 16)) and stored is not None
        key = name if len(name) <= NAME_MAX else name[:NAME_MAX]

        def record(failures: dict) -> None:
            if ok:
                failures.pop(key, None)
            else:
                count = failures.get(key, [0, 0.0])[0] + 1
                failures[key] = [count, time.time()]

        failures = self._failures(record)
        if not ok:
            count = failures[key][0]
            sleep(min(FIRST_DELAY_S * 2 ** (count - 1), MAX_DELAY_S))
        return ok

    def require(self, name: str, password: str) -> str:
        """The reviewer's name, or ProposalError after the delay."""
        if not self.check(name, password):
            raise ProposalError("identifiants de relecteur refusés", "reviewer credentials refused")
        return name
