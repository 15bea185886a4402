"""User and imported text shown literally inside Markdown: every Markdown, HTML, math, emoji and colour
sign is escaped, so ``**x**``, ``<b>x</b>``, ``[x](http://…)``, ``$x$`` and ``:red[x]`` show as typed.

Bare addresses (``http://…``, ``www.…``, ``a@b.ca``) are not turned into links either: an invisible
word joiner is put inside them (the only character added; a copy of the text carries it).

Use ``literal`` for any text a person typed (names, notes, reasons, "Order placed by") or a file
brought in, whenever it goes into ``st.markdown``, ``st.caption``, ``st.error`` and the like. Tables
(``st.dataframe``) show cell text literally already.
"""

from __future__ import annotations

import re

_SIGNS = re.compile(r"([\\`*_\[\]<>$~|#&]|:(?=[A-Za-z]))")
# GFM turns bare addresses into links in the parsed text (after escapes and character references are
# read): an invisible word joiner (U+2060) inside "://", before "@" and inside "www." breaks the pattern.
JOINER = "\u2060"
_AUTOLINK = {"://": ":" + JOINER + "//", "@": JOINER + "@", "www.": "www" + JOINER + "."}
_LINE_START = re.compile(r"^(\s*\d*)([-+=.)])(?=[\s=-]|$)", re.MULTILINE)


def literal(text: object) -> str:
    """``text`` with every Markdown/HTML sign escaped and line breaks kept as Markdown line breaks.

    Signs that mean something anywhere are escaped everywhere; list, heading and quote signs only at
    a line's start (so ordinary sentences read the same in a test as on the page)."""
    escaped = _SIGNS.sub(r"\\\1", str(text))
    for sign, reference in _AUTOLINK.items():
        escaped = escaped.replace(sign, reference)
    escaped = _LINE_START.sub(r"\1\\\2", escaped)
    return "  \n".join(escaped.splitlines()) if "\n" in escaped else escaped
