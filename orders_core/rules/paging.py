"""Paged listings: one page of rows, the total behind it, and the page-number rules every listing shares.

Every listing (orders, clients, recurring orders) pages on the server: the query says which page
and how many rows a page holds (1 to ``MAX_PAGE_SIZE``); the result knows how many pages there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

MAX_PAGE_SIZE = 1000


def page_count(total: int, page_size: int) -> int:
    """Pages needed for ``total`` rows (at least one, so an empty result is "page 1 of 1")."""
    return max(1, -(-total // page_size))


def check_page(page: int, page_size: int, noun: str, error: type[ValueError] = ValueError) -> None:
    """Raise ``error`` with one sentence when the page number or the page size cannot be used."""
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise error(f"Page numbers start at 1 and a page holds 1 to {MAX_PAGE_SIZE:,} {noun}.")


@dataclass(frozen=True)
class Page:
    """One page of a listing; subclasses name the query type."""

    rows: pd.DataFrame
    total: int
    query: Any  # a query with ``page`` and ``page_size``

    @property
    def pages(self) -> int:
        return page_count(self.total, self.query.page_size)
