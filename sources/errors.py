"""Errors raised while fetching and parsing a source.

Every message names the source, the file or URL, the place (sheet and cell, line, record) and
the fix, so that the engineer who reads it at 07:00 knows what to do without reading code.
"""

from __future__ import annotations


class SourceError(Exception):
    """A source that cannot be fetched or parsed. Other sources are unaffected."""

    def __init__(
        self,
        source_id: str,
        location: str,
        problem: str,
        *,
        where: str | None = None,
        fix: str | None = None,
        outcome: str = "failed",
        details: dict | None = None,
    ) -> None:
        self.source_id = source_id
        self.location = location
        self.where = where
        self.problem = problem
        self.fix = fix
        # "failed" for errors while reading; "rejected" when content was refused outright.
        self.outcome = outcome
        # Structured facts for the asset metadata (e.g. a layout drift report: expected vs found).
        self.details = details
        # Cells the parser could not read: (lokasi, aturan, nilai, problem), for `karantina`
        # and the agency's correction workbook.
        self.cells: list[tuple[str, str, str, str]] = []
        super().__init__(self.describe())

    def describe(self) -> str:
        place = f", {self.where}" if self.where else ""
        text = f"Source `{self.source_id}` ({self.location}{place}): {self.problem}"
        return f"{text}. Fix: {self.fix}" if self.fix else text
