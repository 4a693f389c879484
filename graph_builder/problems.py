"""Problems found while building: one type for input errors and SHACL results.

A problem names where it is (file, line, record, field) and says what is
wrong and what to do, in French and in English, so that the CLI can print it
for a coordinator and `--format json` can hand it to another program.
"""

from __future__ import annotations

import difflib
import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

Severity = Literal["error", "violation", "warning", "info"]

# Severities that stop a build (warnings and infos are reported only).
BLOCKING: frozenset[str] = frozenset({"error", "violation"})


class BilingualError(Exception):
    """An error whose message is written for people in French and in English (`message(lang)`)."""

    def __init__(self, message_fr: str, message_en: str):
        super().__init__(message_en)
        self.message_fr = message_fr
        self.message_en = message_en

    def message(self, lang: str = "fr") -> str:
        return self.message_en if lang == "en" else self.message_fr


def none_first(values: tuple) -> tuple:
    """A sort key where None comes before any value: a problem of a whole line (no field) sorts before its
    field problems instead of raising TypeError (None < str)."""
    return tuple((False, "") if value is None else (True, value) for value in values)


@functools.total_ordering
class NoneSafeOrder:
    """Order of a dataclass by its compared fields, in order, None first (see `none_first`)."""

    def sort_key(self) -> tuple:
        return none_first(tuple(getattr(self, f.name) for f in fields(self) if f.compare))  # type: ignore[arg-type]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.sort_key() < other.sort_key()


@dataclass(frozen=True)
class Problem(NoneSafeOrder):
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    message_fr: str
    message_en: str
    severity: Severity = "error"
    shape: str | None = None
    value: str | None = None
    focus: str | None = field(default=None, compare=False)

    def message(self, lang: str = "fr") -> str:
        return self.message_en if lang == "en" else self.message_fr

    def where(self) -> str:
        """`file:line` then record and field, as far as they are known."""
        place = self.file + (f":{self.line}" if self.line else "")
        parts = [place]
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(self.field)
        return " › ".join(parts)

    def format(self, lang: str = "fr") -> str:
        label = SEVERITY_LABELS[lang][self.severity]
        colon = " :" if lang == "fr" else ":"  # French typography puts a space before the colon
        text = f"{label} — {self.where()}{colon} {self.message(lang)}"
        if self.value is not None:
            text += f" ({VALUE_LABEL[lang]}{colon} {self.value})"
        return text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Problem:
        """The problem `to_dict` gave (unknown keys left out)."""
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__ if key in data})


SEVERITY_LABELS = {
    "fr": {"error": "ERREUR", "violation": "NON CONFORME", "warning": "AVERTISSEMENT", "info": "INFO"},
    "en": {"error": "ERROR", "violation": "VIOLATION", "warning": "WARNING", "info": "INFO"},
}
VALUE_LABEL = {"fr": "valeur", "en": "value"}


def thousands(number: int, lang: str = "fr") -> str:
    """A count as people read it: 1\u202f112\u202f885 in French (narrow no-break spaces), 1,112,885 in English."""
    return f"{number:,}".replace(",", "\u202f" if lang == "fr" else ",")


def blocking(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity in BLOCKING]


class BuildError(Exception):
    """Raised when input problems prevent a graph from being built at all."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the input")
        self.problems = problems


class Suggestions:
    """The closest candidate to a value (difflib's, cutoff 0.6), quick on large sets and asked many times.

    difflib compares the value with every candidate: a directory of 2,000 lines naming unknown actors among
    40,000 spent more than eleven minutes there. Above SMALL candidates, difflib only compares the value with the
    candidates sharing the most of its rarest character trigrams (a shortlist of SHORTLIST), which holds the
    closest one in practice, and only the first LARGE_HINTS values get a hint (a file with thousands of unknown
    ids has one mistake made thousands of times); each value's answer is kept.
    """

    SMALL = 1000
    SHORTLIST = 10
    BUDGET = 5000  # candidate positions counted per value, rarest trigrams first
    LARGE_HINTS = 1000

    def __init__(self, candidates: Iterable[str]):
        self.candidates = list(candidates)
        self.answers: dict[str, str | None] = {}
        self.trigrams: dict[str, list[int]] | None = None

    def closest(self, value: str) -> str | None:
        if value not in self.answers:
            large = len(self.candidates) > self.SMALL
            if large and len(self.answers) >= self.LARGE_HINTS:
                return None
            pool = self._shortlist(value) if large else self.candidates
            hint = difflib.get_close_matches(value, pool, n=1)
            self.answers[value] = hint[0] if hint else None
        return self.answers[value]

    def _shortlist(self, value: str) -> list[str]:
        if self.trigrams is None:
            self.trigrams = {}
            for position, candidate in enumerate(self.candidates):
                for gram in _trigrams(candidate):
                    self.trigrams.setdefault(gram, []).append(position)
        postings = sorted((self.trigrams.get(gram, []) for gram in _trigrams(value)), key=len)
        counts: Counter[int] = Counter()
        counted = 0
        for positions in postings:
            if counted and counted + len(positions) > self.BUDGET:
                break
            counts.update(positions)
            counted += len(positions)
        return [self.candidates[position] for position, _count in counts.most_common(self.SHORTLIST)]


def _trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def did_you_mean(value: Any, candidates: list[str] | Suggestions) -> tuple[str, str]:
    """French and English 'did you mean' suffixes for the closest candidate, if any."""
    suggestions = candidates if isinstance(candidates, Suggestions) else Suggestions(candidates)
    hint = suggestions.closest(str(value))
    if hint is None:
        return "", ""
    return f" Vouliez-vous dire « {hint} » ?", f" Did you mean '{hint}'?"
