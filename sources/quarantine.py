"""Cells the parser could not read: each holds back its row (quarantine) with the reason.

One no-loss rule for every stage: an unknown region, an unreadable number or a malformed period
quarantines the row it belongs to, not the whole source; the quality gate counts these with its
own findings against `quality.max_quarantine_share` (assets/quality_stage.py). Each carries an
English `problem` for logs and an Indonesian `detail` for the agency's correction workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

# aturan -> what kind of cell could not be read (the gate's rule names where they coincide, so
# an agency sees the same title whichever stage found the mistake).
UNKNOWN_REGION = "kode_wilayah_known"
MISSING_KEY = "keys_not_null"
BAD_PERIOD = "periode_well_formed"
BAD_NUMBER = "nilai_numeric"
WRONG_PARENT = "wilayah_induk"


@dataclass(frozen=True)
class Quarantined:
    """One unreadable cell and the tidy values its row would have given."""

    lokasi: str
    aturan: str
    nilai: str  # the cell's text ("" when empty)
    problem: str  # English, for logs and the outcome message
    detail: str  # Indonesian, for karantina and the correction workbook
    values: int = 1  # tidy rows held back (a row's value cells; one for a single cell)

    def as_cell(self) -> tuple[str, str, str, str]:
        """The (lokasi, aturan, nilai, pesan) shape quality.findings.from_cells reads."""
        return (self.lokasi, self.aturan, self.nilai, self.detail)


def describe(quarantined: list[Quarantined], limit: int = 10) -> str:
    """ "N cell(s) cannot be read: C7: ...; ..." for messages."""
    listed = "; ".join(f"{q.lokasi}: {q.problem}" for q in quarantined[:limit])
    more = len(quarantined) - limit
    tail = f"; and {more} more" if more > 0 else ""
    return f"{len(quarantined)} cell(s) cannot be read: {listed}{tail}"
