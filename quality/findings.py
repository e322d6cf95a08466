"""Findings: one row per offending row (or missing row) and rule, ready for `karantina` and the
correction workbook. Built only when a check failed, from the positions its evidence found.

Columns (FINDING_COLUMNS): where it is (lokasi: sheet+cell or record), the rule (aturan), the
row's key, the value found (nilai, as text, masked when it is personal data), what was expected
(diharapkan) and a message in Indonesian (pesan). `per_baris` is true when the row itself was
held back (quarantined) and false for a finding about the table (a missing region or period).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import pandas as pd

from quality import pesan
from quality.pii import PiiReport
from quality.rules import Rule
from quality.tidy_suite import ValidationReport
from sources.catalog import SourceEntry

FINDING_COLUMNS: tuple[str, ...] = (
    "sumber_id",
    "produsen_kode",
    "lokasi",
    "aturan",
    "indikator",
    "kode_wilayah",
    "periode",
    "nilai",
    "diharapkan",
    "pesan",
    "per_baris",
)
# Which column holds "the value found" for a rule; the rest show nilai.
VALUE_COLUMN = {
    "keys_not_null": None,
    "indikator_declared": "indikator",
    "kode_wilayah_known": "kode_wilayah",
    "periode_well_formed": "periode",
    "status_allowed": "status",
    "key_unique": None,
    "regions_expected": "kode_wilayah",
    "periods_expected": "periode",
}
PII_KINDS = {"nik": "NIK", "no_kk": "No. KK", "telepon": "nomor telepon", "email": "e-mail"}


def empty_findings() -> pd.DataFrame:
    # Built once (typing ten empty columns costs ~6 ms, for every source that passes); a copy
    # so no caller shares it (copy-on-write makes that cheap).
    return _empty_findings().copy()


@cache
def _empty_findings() -> pd.DataFrame:
    return _frame([])


def from_validation(
    entry: SourceEntry,
    df: pd.DataFrame,
    report: ValidationReport,
    rules: Sequence[Rule],
) -> pd.DataFrame:
    """Findings of every failed rule in `report`, which validated `df` with `rules`."""
    by_name = {}
    for rule in rules:
        by_name.setdefault(rule.name, []).append(rule)
    units = {i.code: i.unit for i in entry.indicators}
    records = []
    for failure in report.failures:
        rule = _rule_of(failure.rule, failure.column, by_name)
        rows = df.iloc[failure.positions]
        for row in rows.to_dict("records"):
            satuan = units.get(str(row.get("indikator")), "")
            expected = pesan.diharapkan(failure.rule, dict(rule.kwargs) if rule else {}, satuan)
            found = _found(failure.rule, row)
            records.append(
                _record(
                    entry,
                    row,
                    failure.rule,
                    found,
                    expected,
                    f"{pesan.judul(failure.rule)}: {found}; seharusnya {expected}.",
                    failure.row_level,
                )
            )
    return _frame(records)


def from_pii(entry: SourceEntry, df: pd.DataFrame, report: PiiReport) -> pd.DataFrame:
    """One finding per row holding personal data; the value is shown masked only."""
    records = []
    for finding in report.blocking:
        label = PII_KINDS.get(finding.kind, "nama orang")
        for row in df.iloc[finding.positions].to_dict("records"):
            from quality.pii_detect import mask, mask_text

            value = row.get(finding.column)
            masked = (
                mask(finding.kind, str(value))
                if finding.kind == "nama"
                else mask_text(
                    pesan.teks_nilai(value) if finding.column != "nilai" else _digits(value)
                )
            )
            records.append(
                _record(
                    entry,
                    row,
                    "data_pribadi",
                    masked,
                    "tanpa data pribadi",
                    f"Data pribadi ({label}) di kolom {finding.column}: {masked}; data terbuka "
                    "tidak boleh memuatnya.",
                    True,
                )
            )
    return _frame(records)


def from_cells(entry: SourceEntry, cells: Iterable[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Findings of cells the parser could not read: (lokasi, aturan, nilai, problem), the
    problem in Indonesian (sources.quarantine.Quarantined.detail) for the agency."""
    from quality.pii_detect import mask_text

    records = [
        _record(
            entry,
            {"lokasi": lokasi},
            aturan,
            mask_text(str(nilai)),
            pesan.diharapkan(aturan, {}),
            f"{pesan.judul(aturan)}: {mask_text(problem)}",
            True,
        )
        for lokasi, aturan, nilai, problem in (
            (c[0], _cell_rule(c[1], c[3]), c[2], c[3]) for c in cells
        )
    ]
    return _frame(records)


def _cell_rule(aturan: str, problem: str) -> str:
    """The parser reports every unreadable cell alike; name the rule an agency will recognise
    (an unknown region is the same mistake whether the parser or the suite finds it)."""
    if aturan != "sel_tidak_terbaca":
        return aturan
    if problem.startswith("region ") and "is not a known" in problem:
        return "kode_wilayah_known"
    if problem in ("empty period", "values but no region name"):
        return "keys_not_null"
    return aturan


def _digits(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _rule_of(name: str, column: str, by_name: dict[str, list[Rule]]) -> Rule | None:
    candidates = by_name.get(name, [])
    return next(
        (r for r in candidates if r.column == column), candidates[0] if candidates else None
    )


def _found(rule: str, row: dict) -> str:
    if rule == "keys_not_null":
        empty = [
            c for c in ("indikator", "kode_wilayah", "periode", "status") if _blank(row.get(c))
        ]
        return "kosong: " + ", ".join(empty)
    if rule == "key_unique":
        return f"{row.get('indikator')} / {row.get('kode_wilayah')} / {row.get('periode')}"
    if rule == "yoy_change":
        before, now = row.get("nilai_sebelumnya"), row.get("nilai")
        change = row.get("perubahan_yoy")
        return (
            f"{pesan.teks_nilai(before)} → {pesan.teks_nilai(now)} "
            f"({pesan.teks_nilai(round(float(change) * 100, 1))} %)"
        )
    if rule in ("regions_expected", "periods_expected"):
        return "tidak ada di berkas"
    column = VALUE_COLUMN.get(rule, "nilai")
    return pesan.teks_nilai(row.get(column))


def _blank(value) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and pd.isna(value))


def _record(entry, row, aturan, nilai, diharapkan, message, per_baris) -> dict:
    def text(column: str):
        value = row.get(column)
        return None if _blank(value) else str(value)

    return {
        "sumber_id": entry.id,
        "produsen_kode": entry.agency.code,
        "lokasi": text("lokasi"),
        "aturan": aturan,
        "indikator": text("indikator"),
        "kode_wilayah": text("kode_wilayah"),
        "periode": text("periode"),
        "nilai": nilai,
        "diharapkan": diharapkan,
        "pesan": message,
        "per_baris": bool(per_baris),
    }


def _frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(FINDING_COLUMNS))
    text = [c for c in FINDING_COLUMNS if c != "per_baris"]
    return frame.astype({**{c: "string" for c in text}, "per_baris": "bool"})
