"""The personal-data guard: scan a table for NIK, No. KK, phone numbers, e-mail addresses and
person names before it is published, and report column, kind, count and MASKED examples.

A hit blocks publication of the table unless the column is on an allow-list with a reason (a
false positive, e.g. an office's public phone line). The scan reads each distinct value once,
so a 1M-row column of a few hundred distinct notes costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quality.pii_detect import (
    column_label,
    find_in_text,
    id_number_kind,
    is_person_column,
    looks_like_names,
    mask,
    mask_text,
)

__all__ = ["PiiFinding", "PiiReport", "mask_text", "scan_frame"]
EXAMPLES = 3
KIND_LABELS = {
    "nik": "NIK",
    "no_kk": "No. KK",
    "telepon": "phone number",
    "email": "e-mail address",
    "nama": "person name",
}


@dataclass(frozen=True)
class PiiFinding:
    """One kind of personal data in one column: how many rows, masked examples, and the
    allow-list reason when the column is allowed (then it does not block)."""

    column: str
    kind: str
    count: int
    examples: list[str]
    allowed_reason: str | None = None
    positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    places: list[str] = field(default_factory=list)  # lokasi of the first rows, when known

    def describe(self) -> str:
        where = f" at {', '.join(self.places)}" if self.places else ""
        text = (
            f"{self.column}: {self.count} row(s) with a {KIND_LABELS[self.kind]} "
            f"(e.g. {', '.join(self.examples)}){where}"
        )
        return f"{text}; allowed: {self.allowed_reason}" if self.allowed_reason else text


@dataclass(frozen=True)
class PiiReport:
    """The verdict on one table. `covered` names the columns this table's scan did not screen
    again because another table's scan in the same guard already had (`lokasi`:
    "fact_indikator.lokasi", a copy): their findings here are those values found in THIS table."""

    table: str
    rows: int
    findings: list[PiiFinding]
    covered: dict[str, str] = field(default_factory=dict)

    @property
    def blocking(self) -> list[PiiFinding]:
        return [f for f in self.findings if f.allowed_reason is None]

    @property
    def passed(self) -> bool:
        return not self.blocking

    def summary(self) -> str:
        if self.passed:
            allowed = f" ({len(self.findings)} allowed)" if self.findings else ""
            return f"{self.table}: no personal data in {self.rows} rows{allowed}."
        lines = [f"{self.table}: personal data found, publication blocked:"]
        return "\n".join(lines + [f"- {f.describe()}" for f in self.findings])

    def as_dict(self) -> dict:
        """JSON-ready (masked examples only), for check metadata and `meta_kualitas`."""
        return {
            "table": self.table,
            "rows": self.rows,
            "passed": self.passed,
            "findings": [
                {
                    "column": f.column,
                    "kind": f.kind,
                    "count": f.count,
                    "examples": f.examples,
                    "places": f.places,
                    "allowed_reason": f.allowed_reason,
                }
                for f in self.findings
            ],
            "covered": dict(self.covered),
        }


def scan_frame(
    df: pd.DataFrame,
    *,
    table: str = "table",
    allow: Mapping[str, str] | None = None,
    source_allow: Mapping[str, Mapping[str, str]] | None = None,
    skip: Collection[str] = (),
    headers: Mapping[str, str] | None = None,
) -> PiiReport:
    """Scan every column of `df` but those in `skip`. `allow` maps a column to the reason it may
    hold what looks like personal data; `source_allow` does the same per `sumber_id` for tables
    that carry rows of several sources (a catalog entry's allow-list follows its rows into
    fact_indikator). `headers` maps a renamed column to the agency's header of it (`catatan`:
    "NIK Pelapor"), which labels its values like the column's own name does."""
    allow = dict(allow or {})
    headers = dict(headers or {})
    findings: list[PiiFinding] = []
    lokasi = df["lokasi"] if "lokasi" in df.columns else None  # read at the hits only
    by_source = df["sumber_id"] if source_allow and "sumber_id" in df.columns else None
    for column in df.columns:
        if column in skip:
            continue
        for kind, hit_mask, examples in _scan_column(
            str(column), df[column], headers.get(str(column))
        ):
            reason = allow.get(str(column))
            if reason is None and by_source is not None:
                allowed_sources = [s for s, cols in source_allow.items() if column in cols]
                if allowed_sources:
                    excused = by_source.isin(allowed_sources).fillna(False).to_numpy(dtype=bool)
                    if (hit_mask & excused).any():
                        reasons = {source_allow[s][column] for s in allowed_sources}
                        findings.append(
                            _finding(
                                column,
                                kind,
                                hit_mask & excused,
                                examples,
                                "; ".join(sorted(reasons)),
                                lokasi,
                            )
                        )
                    hit_mask = hit_mask & ~excused
            if hit_mask.any():
                findings.append(_finding(column, kind, hit_mask, examples, reason, lokasi))
    return PiiReport(table=table, rows=len(df), findings=findings)


def _finding(column, kind, hit_mask, examples, reason, lokasi) -> PiiFinding:
    positions = np.flatnonzero(hit_mask)
    # A missing lokasi (None, or NaN in a str column) names no place: it is left out.
    first = [] if lokasi is None else lokasi.iloc[positions[:EXAMPLES]].to_numpy(dtype=object)
    places = [str(p) for p in first if not pd.isna(p) and p]
    return PiiFinding(
        str(column), kind, len(positions), examples[:EXAMPLES], reason, positions, places
    )


def _scan_column(
    column: str, values: pd.Series, header: str | None = None
) -> list[tuple[str, np.ndarray, list[str]]]:
    """(kind, row mask, masked examples) for each kind of personal data in one column."""
    if pd.api.types.is_bool_dtype(values):
        return []
    if pd.api.types.is_numeric_dtype(values):
        return _scan_numbers(column, values, header)
    if isinstance(values.dtype, pd.CategoricalDtype):
        # Each category once, not each of 1M rows as text; hits map back through the codes.
        # Only those in use, in order of first appearance as below (the examples' order).
        codes = values.cat.codes.to_numpy()
        text = pd.Series(values.cat.categories, dtype="string")
        used = pd.unique(codes)
        distinct = text.iloc[used[used >= 0]].dropna().unique()
    else:
        codes = None
        text = values.astype("string")
        distinct = text.dropna().unique()
    label = column_label(column, header)
    hits: dict[str, dict[str, str]] = {}  # kind -> {value: first masked example}
    for value in distinct:
        for kind, _, masked in find_in_text(str(value), label=label):
            hits.setdefault(kind, {}).setdefault(str(value), masked)
    if is_person_column(column, header):
        for name in looks_like_names(str(v) for v in distinct):
            hits.setdefault("nama", {}).setdefault(name, mask("nama", name))
    result = []
    for kind, found in hits.items():
        hit_mask = text.isin(list(found)).fillna(False).to_numpy(dtype=bool)
        if codes is not None:  # a category's hit, on each row that holds it (-1: missing)
            hit_mask = np.append(hit_mask, False)[codes]
        result.append((kind, hit_mask, list(dict.fromkeys(found.values()))))
    return result


def _scan_numbers(
    column: str, values: pd.Series, header: str | None = None
) -> list[tuple[str, np.ndarray, list[str]]]:
    """A NIK or KK number read as a number (an agency column mapped as a value): 16-digit
    integers whose region and date are plausible, or any in a labelled column."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        candidates = (numbers >= 1e15) & (numbers < 1e16) & (np.floor(numbers) == numbers)
    if not candidates.any():
        return []
    label = column_label(column, header)
    hits: dict[str, dict[float, str]] = {}
    for number in np.unique(numbers[candidates]):
        digits = str(int(number))
        kind = id_number_kind(digits, label=label)
        if kind:
            hits.setdefault(kind, {})[number] = mask(kind, digits)
    return [
        (kind, np.isin(numbers, list(found)), list(dict.fromkeys(found.values())))
        for kind, found in hits.items()
    ]
