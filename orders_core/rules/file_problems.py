"""What a file handed in (an import, a carrier's shipping file) was found to hold: its bad cells, each with
its row, column, value and reason, and whether it was written. Nothing of a file with a problem is written."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

PROBLEM_COLUMNS = ["row", "column", "value", "reason"]


@dataclass(frozen=True)
class BadCell:
    row: int
    column: str
    value: str
    reason: str


@dataclass(kw_only=True)
class FileProblems:
    """The problems that stop a file (nothing is written then), or that it was written (``committed``)."""

    problems: list[BadCell] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_frame(self) -> pd.DataFrame:
        return pd.DataFrame([p.__dict__ for p in self.problems], columns=PROBLEM_COLUMNS)

    def problems_csv(self) -> str:
        return self.problems_frame().to_csv(index=False)

    def summary(self) -> str:
        """One sentence: the problems' count, or what was (or would be) written; each kind of file says its own."""
        raise NotImplementedError

    def refusal(self, total: int, noun: str, done: str = "imported") -> str:
        """The sentence for a file with problems: how many of its ``total`` ``noun`` have one."""
        bad = len({p.row for p in self.problems})
        return (f"Nothing was {done}: {bad:,} of {total:,} {noun} have problems "
                f"({len(self.problems):,} in all); fix them and import the file again.")
