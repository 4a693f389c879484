"""Text from the graph shown as text: what a spreadsheet cell says is never read as Markdown, HTML or a link.

Streamlit reads Markdown (with HTML, LaTeX `$...$`, `:red[...]` directives and
bare URLs made links) in `st.markdown`, `st.caption`, titles, `st.table`
cells and widget labels, and has no escaping of its own. A label such as
`![x](http://host/leak.png)` would load a remote image (with a Referer) and
`[clic](http://evil.example)` show the attacker's link. So every value from
the graph goes through `md` before it meets Markdown written here, and links
are made only from URL fields checked by `web_url`.
"""

from __future__ import annotations

import re
from datetime import UTC
from urllib.parse import urlsplit

# Backslash-escaped wherever they are (CommonMark reads `\c` back as `c` for any ASCII punctuation): what opens
# emphasis, code, a link or an image (`[`, so `![` and `:red[` too), HTML and autolinks (`<`), a blockquote, LaTeX
# (`$`), strikethrough, a table, an entity (`&`), a heading. Other punctuation stays as written, legible.
ACTIVE = re.compile(r"([\\`*_\[\]<>$~|&#])")
# At the start of a line only: a list (`-`, `+`, `1.`, `1)`), a setext heading or a thematic break (`=`, `-`).
LINE_START = re.compile(r"(?m)^([ \t]*)([-+=]|\d+(?=[.)]))")
# GFM makes a link of a bare `http://...`, `www.` or `name@host`, escaped or not: a word joiner (U+2060,
# invisible, never a line break) after the scheme, after `www` and after `@` breaks them.
BARE_LINK = re.compile(r"(?i)(https?|www)(?=[:.])|(@)(?=\w)")
WORD_JOINER = "\u2060"
URL_UNSAFE = re.compile(r"[\s<>\"'`\\^{}|\x00-\x1f\x7f]")


def md(value: object) -> str:
    """`value` as text to place inside Markdown, shown exactly as it is (line breaks kept)."""
    text = ACTIVE.sub(r"\\\1", str(value))
    text = LINE_START.sub(lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)),
                          text)
    return BARE_LINK.sub(lambda m: m.group() + WORD_JOINER, text)


def web_url(value: object) -> str | None:
    """`value` if it is an absolute http(s) URL safe to link to (no space, quote or angle bracket), else None."""
    text = str(value).strip()
    if URL_UNSAFE.search(text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    return text if parts.scheme.lower() in ("http", "https") and parts.hostname else None


# A published e-mail address as written (no space, quote, angle bracket or parenthesis: nothing that could end the link).
MAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")


def mail_link(address: object) -> str:
    """A `mailto:` link to a published e-mail address that reads as one, its text escaped; the text alone otherwise."""
    text = str(address).strip()
    if not (MAIL.match(text) and len(text) <= 254):
        return md(text)
    return f"[{md(text).replace(WORD_JOINER, '')}](<mailto:{text}>)"  # no autolink inside a link: no joiner needed


def md_link(label: object, url: object) -> str:
    """A Markdown link to a checked http(s) URL with an escaped label; the label alone (escaped) otherwise."""
    checked = web_url(url)
    return f"[{md(label)}](<{checked}>)" if checked else md(label)


# -- Dates ---------------------------------------------------------------------------------------------------------
# The graph's dates are ISO 8601 (xsd:gYear, xsd:gYearMonth, xsd:date, xsd:dateTime): shown as people write them,
# « 6 décembre 2026 », « mai 2003 », « 06/12/2026 à 03 h 17 », never `2026-12-06T03:17:11+00:00`.
MONTHS = {"fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                 "novembre", "décembre"),
          "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December")}
ISO_DATE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Where the viewer's readers are: a time of the build (UTC in the graph) is shown in the time of metropolitan France.
SHOWN_ZONE = "Europe/Paris"


def _precision(value: object) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) of an ISO date, year-month or year (a time zone suffix ignored); None otherwise."""
    found = ISO_DATE.match(re.sub(r"(Z|[+-]\d{2}:\d{2})$", "", str(value).strip()))
    if not found:
        return None
    year, month, day = (int(part) if part else None for part in found.groups())
    if month is not None and not 1 <= month <= 12 or day is not None and not 1 <= day <= 31:
        return None
    return year, month, day


def date_text(value: object, lang: str = "fr") -> str:
    """An ISO date, year-month, year or date-time as people write it in `lang`: « 24 janvier 2017 », « 1er mai 2003 »,
    « mai 2003 », « 2016 », « 06/12/2026 à 04 h 17 » (a time in France's time); 24 January 2017, 6 December 2026 at
    04:17. Anything else is returned as it is (text from the graph, never lost)."""
    text = str(value).strip()  # a datetime (rdflib's toPython()) reads "2026-12-06 03:17:11+00:00"
    if re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d", text):
        return _datetime_text(text, lang)
    parts = _precision(text)
    if parts is None:
        return text
    year, month, day = parts
    if month is None:
        return str(year)
    name = MONTHS["en" if lang == "en" else "fr"][month - 1]
    if day is None:
        return f"{name} {year}"
    return f"{day} {name} {year}" if lang == "en" else f"{'1er' if day == 1 else day} {name} {year}"


def _datetime_text(text: str, lang: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    zone = ""
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(ZoneInfo(SHOWN_ZONE))
        except ZoneInfoNotFoundError:  # no time zone database: the time as written, said to be UTC
            moment, zone = moment.astimezone(UTC), " UTC"
    if lang == "en":
        return f"{date_text(moment.date().isoformat(), 'en')} at {moment:%H:%M}{zone}"
    return f"{moment:%d/%m/%Y} à {moment:%H} h {moment:%M}{zone}"


def period_text(start: object = None, end: object = None, lang: str = "fr") -> str:
    """A period from its optional ISO start and end: « depuis mai 2003 », « de mai 2003 à janvier 2010 »,
    « du 1er mars 2003 au 2 janvier 2010 », « jusqu'en juillet 2010 »; since May 2003, from May 2003 to January 2010,
    until July 2010; "" when neither is known."""
    first = date_text(start, lang) if start else ""
    last = date_text(end, lang) if end else ""
    if lang == "en":
        return (f"from {first} to {last}" if first and last else f"since {first}" if first
                else f"until {last}" if last else "")
    start_daily, end_daily = (bool(value) and (_precision(value) or (0, None, None))[2] is not None
                              for value in (start, end))
    if first and last:
        opening = "du " if start_daily else "d'" if first[0] in "aeiouyéèàâ" else "de "  # d'avril, d'août
        return f"{opening}{first} {'au' if end_daily else 'à'} {last}"
    if last:
        return f"jusqu'au {last}" if end_daily else f"jusqu'en {last}"
    return f"depuis {'le ' if start_daily else ''}{first}" if first else ""


def upper_first(text: str) -> str:
    """The text with its first letter in upper case (« Depuis mai 2003 » at the start of a line)."""
    return text[:1].upper() + text[1:]


def date_key(value: object) -> str:
    """A key ordering ISO dates in time (a year before its months, a month before its days); text after any date."""
    parts = _precision(str(value).split("T")[0]) if value else None
    return "~" if parts is None else f"{parts[0]:+06d}-{parts[1] or 0:02d}-{parts[2] or 0:02d}"


MENTIONED_DATE = re.compile(r"(?i)\b(?:(janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
                            r"novembre|décembre|decembre|january|february|march|april|may|june|july|august|"
                            r"september|october|november|december)\s+)?((?:19|20)\d{2})\b")
_MONTH_NUMBERS = {name: i % 12 + 1 for i, name in enumerate(MONTHS["fr"] + MONTHS["en"])} | {
    "fevrier": 2, "aout": 8, "decembre": 12}


def chronological(texts: list[str]) -> list[str]:
    """History texts in time order, by the first date each mentions (« en mai 2003 », « depuis janvier 2010 »,
    « 2016 »); those mentioning none keep their order, after the dated ones (a consequence follows its dates)."""
    def when(text: str) -> tuple:
        found = MENTIONED_DATE.search(text)
        if found is None:
            return (1,)
        return 0, int(found.group(2)), _MONTH_NUMBERS.get((found.group(1) or "").casefold(), 0)

    return sorted(texts, key=when)


def markdown_table(columns: dict[str, list], right: tuple[str, ...] = ()) -> str:
    """A table as Markdown (GFM), each cell's value shown as text (`md`, a line break read as a space: a row is one
    line); the columns named in `right` aligned right (counts). `st.markdown` draws it with the page's text, without
    the code of `st.table` (its Arrow reader, a megabyte that a first page waited for)."""
    names = list(columns)
    rows = zip(*columns.values(), strict=True)

    def cell(value: object) -> str:
        return re.sub(r"\s*[\r\n]+\s*", " ", md(value)).strip() or " "

    lines = ["| " + " | ".join(cell(name) for name in names) + " |",
             "|" + "|".join("---:" if name in right else "---" for name in names) + "|"]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)
