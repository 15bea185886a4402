"""User and imported text shown literally inside Markdown: every Markdown, HTML, math, emoji and colour
sign is escaped, so ``**x**``, ``<b>x</b>``, ``[x](http://…)``, ``$x$`` and ``:red[x]`` show as typed.

Bare addresses (``http://…``, ``www.…``, ``a@b.ca``) are not turned into links either: an invisible
word joiner is put inside them (the only character added; a copy of the text carries it).

Use ``literal`` for any text a person typed (names, notes, reasons, "Order placed by") or a file
brought in, whenever it goes into ``st.markdown``, ``st.caption``, ``st.error`` and the like, a widget's
``help`` (a tooltip is Markdown too), a label, or a refusal sentence that quotes what was typed. The grid
(``st.dataframe``) shows cell text literally already; ``st.table`` renders its cells as Markdown, so its
frame goes through ``literal_frame``.

Charts (decision): Plotly draws a subset of HTML in every label, legend entry and hover text (``<a href>``
becomes a link, ``<b>`` bold), and reads entities back (``&lt;`` shows ``<``). ``chart_text`` escapes a text
for Plotly; ``literal_figure`` escapes a whole figure before it is drawn: trace names, texts, hover texts
and category labels, and a trace's own name where its hover template repeats it. A trace's ``customdata``
is left as it is (the pages read it back on a click), and so is the rest of a hover template, which is the
code's own markup. PDFs (``fpdf``) write text as text already (no Markdown or HTML is parsed).
"""

from __future__ import annotations

import html
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


def literal_frame(frame):
    """A copy of the DataFrame ``frame`` for ``st.table``, which renders cells as Markdown: text cells literal."""
    shown = frame.copy()
    for column in shown.columns:
        shown[column] = shown[column].map(lambda v: literal(v) if isinstance(v, str) else v)
    return shown


def chart_text(text: object) -> str:
    """``text`` as Plotly shows it literally (its HTML subset escaped)."""
    return html.escape(str(text), quote=False)


def _escaped(value):
    if isinstance(value, str):
        return chart_text(value)
    if isinstance(value, list | tuple):
        return [_escaped(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "dtype", None) is not None and value.dtype == object:
        return [_escaped(v) for v in value.tolist()]
    return value


def literal_figure(fig):
    """The Plotly figure ``fig`` with every text that can come from data escaped (see the module's docstring)."""
    for trace in fig.data:
        name = trace.name if isinstance(getattr(trace, "name", None), str) else None
        for prop in ("name", "text", "hovertext", "x", "y", "labels"):
            if prop in trace and trace[prop] is not None:
                trace[prop] = _escaped(trace[prop])
        template = getattr(trace, "hovertemplate", None)
        if name and isinstance(template, str) and name in template:
            trace.hovertemplate = template.replace(name, chart_text(name))
    return fig
