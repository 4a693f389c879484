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


def md_code(value: object) -> str:
    """`value` as inline code (read literally by Markdown), fenced by more backticks than it holds in a row."""
    text = str(value).replace("\n", " ")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


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


def md_link(label: object, url: object) -> str:
    """A Markdown link to a checked http(s) URL with an escaped label; the label alone (escaped) otherwise."""
    checked = web_url(url)
    return f"[{md(label)}](<{checked}>)" if checked else md(label)
