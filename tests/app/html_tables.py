"""The tables a page draws as HTML (``ui.components.links``: the Orders index, the Clients list, a client's
orders) read back from an AppTest: each as a DataFrame of the cells' text, and its links."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pandas as pd


@dataclass
class Link:
    href: str
    label: str
    text: str


@dataclass
class Table:
    caption: str
    frame: pd.DataFrame
    links: list[Link] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[Table] = []
        self._caption = self._cell = None
        self._head: list[str] = []
        self._rows: list[list[str]] = []
        self._links: list[Link] = []
        self._link: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._caption, self._head, self._rows, self._links = "", [], [], []
        elif tag == "caption":
            self._cell = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a":
            self._link = {"href": attrs.get("href", ""), "label": attrs.get("aria-label", ""), "text": []}

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link["text"].append(data)

    def handle_endtag(self, tag):
        if tag == "caption":
            self._caption, self._cell = "".join(self._cell), None
        elif tag == "th":
            self._head.append("".join(self._cell))
            self._cell = None
        elif tag == "td":
            self._rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "a" and self._link is not None:
            self._links.append(Link(self._link["href"], self._link["label"], "".join(self._link["text"])))
            self._link = None
        elif tag == "table":
            rows = [r for r in self._rows if r]
            self.tables.append(Table(self._caption, pd.DataFrame(rows, columns=self._head), self._links))


def html_tables(at) -> list[Table]:
    """Every HTML table the page drew, in order."""
    reader = _Reader()
    for element in at.get("html"):
        reader.feed(element.proto.body)
    return reader.tables


def html_table(at, caption: str | None = None) -> Table:
    """The first HTML table (or the one with this caption)."""
    return next(t for t in html_tables(at) if caption is None or t.caption == caption)
