"""Search text as the database compares it: folded (lower case, no accents) and split into words.

The same folding as the database's (``dialect.fold``, ``clients.name_key``), so "Côté" finds "COTE".
"""

from __future__ import annotations

import re
import unicodedata

MAX_SEARCH_WORDS = 8


def search_words(text: str) -> list[str]:
    """The folded words of a name search, each of which must be in the name, in any order ("Côté François")."""
    folded = fold(text)
    return [w for w in re.split(r"[\s,;]+", folded) if w][:MAX_SEARCH_WORDS] or [folded]


def fold(text: str) -> str:
    """Lower case without accents, the way ``clients.name_key`` is stored ("Côté" -> "cote")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
