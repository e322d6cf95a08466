"""One sentence per failed rule: what failed, the bad values with where they came from, the fix.

Example: "kode_wilayah: 2 rows have codes not in dim_wilayah: '35.73.09' (Sheet1!A7, Sheet1!A8);
expected one of 63 known codes such as '35.73'." The wording is pinned in tests/test_quality.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from quality.rules import Rule

VALUES_SHOWN = 5
LOKASI_SHOWN = 2
PERIODE_FORMS = "YYYY, YYYY-MM, YYYY-Qn or YYYY-Sn"


def _quote(value: Any) -> str:
    """'35.73.09' for text, 150.0 for numbers, null for missing: a stray '1.5' string shows."""
    if pd.api.types.is_scalar(value) and pd.isna(value):
        return "null"
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        return str(value)
    return f"'{value}'"


def _rows(count: int, singular: str, plural: str) -> str:
    return f"{count} row {singular}" if count == 1 else f"{count} rows {plural}"


def _some(values: Sequence[Any], limit: int = VALUES_SHOWN) -> str:
    shown = ", ".join(_quote(v) for v in sorted(values)[:limit])
    return shown if len(values) <= limit else f"{shown} and {len(values) - limit} more"


def _places(lokasi: np.ndarray) -> str:
    where = ["lokasi unknown" if _quote(x) == "null" else str(x) for x in lokasi[:LOKASI_SHOWN]]
    more = len(lokasi) - LOKASI_SHOWN
    return ", ".join(where) + (f", +{more} more" if more > 0 else "")


def examples(rows: pd.DataFrame, by: Sequence[str]) -> str:
    """Distinct bad values in order of appearance, each with where its first rows came from."""
    codes = rows.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()
    has_lokasi = "lokasi" in rows.columns  # dimension tables have no source cell
    lokasi = rows["lokasi"].to_numpy(dtype=object) if has_lokasi else np.array([], dtype=object)
    distinct = int(codes.max()) + 1 if len(codes) else 0
    parts = []
    for code in range(min(distinct, VALUES_SHOWN)):
        positions = np.flatnonzero(codes == code)
        values = [_quote(rows[c].iloc[positions[0]]) for c in by]
        value = values[0] if len(values) == 1 else f"({', '.join(values)})"
        parts.append(f"{value} ({_places(lokasi[positions])})" if has_lokasi else value)
    if distinct > VALUES_SHOWN:
        parts.append(f"and {distinct - VALUES_SHOWN} other values")
    return ", ".join(parts)


def describe(rule: Rule, rows: pd.DataFrame, n: int, *, dtype: str) -> str:
    """The message for the `n` rows that break `rule`; `rows` holds them or the first of them."""
    column, kwargs = rule.column, rule.kwargs
    if rule.name == "keys_not_null":
        places = _places(rows["lokasi"].to_numpy(dtype=object))
        return (
            f"{column}: {_rows(n, 'is', 'are')} null ({places}); every row needs "
            "indikator, kode_wilayah, periode and status."
        )
    if rule.name == "kode_wilayah_known":
        known = kwargs["value_set"]
        return (
            f"{column}: {_rows(n, 'has a code', 'have codes')} not in dim_wilayah: "
            f"{examples(rows, [column])}; expected one of {len(known)} known codes such as "
            f"{_quote(min(known, key=len)) if known else 'none (dim_wilayah is empty)'}."
        )
    if rule.name == "indikator_declared":
        return (
            f"{column}: {_rows(n, 'has an indicator', 'have indicators')} not declared in "
            f"the catalog: {examples(rows, [column])}; declared: "
            f"{_some(kwargs['value_set']) or 'none'}."
        )
    if rule.name == "periode_well_formed":
        return (
            f"{column}: {_rows(n, 'has a malformed periode', 'have malformed periodes')}: "
            f"{examples(rows, [column])}; expected {PERIODE_FORMS}."
        )
    if rule.name == "status_allowed":
        return (
            f"{column}: {_rows(n, 'has a status', 'have statuses')} not in "
            f"({_some(kwargs['value_set'])}): {examples(rows, [column])}."
        )
    if rule.name == "key_unique":
        return (
            f"{column}: {_rows(n, 'repeats a key', 'repeat a key')} of another row: "
            f"{examples(rows, list(kwargs['column_list']))}; each key must appear once per table."
        )
    if rule.name == "nilai_numeric":
        return (
            f"{column}: column dtype is {dtype}, expected {' or '.join(kwargs['type_list'])}; "
            f"{_rows(n, 'holds a value', 'hold values')} of the wrong type: "
            f"{examples(rows, [column])}; build the frame with sources.tidy.tidy_frame."
        )
    catalog = _catalog_message(rule, rows, n)
    if catalog:
        return catalog
    return (
        f"{column}: {_rows(n, 'breaks', 'break')} rule {rule.name} ({rule.expectation}): "
        f"{examples(rows, rule.columns)}."
    )


def _indicator(rule: Rule) -> str:
    return dict(rule.where).get("indikator", "?")


def _catalog_message(rule: Rule, rows: pd.DataFrame, n: int) -> str | None:
    """Messages of the rules a catalog entry declares (quality/catalog_rules.py)."""
    kwargs = rule.kwargs
    if rule.name == "value_range":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        bounds = " and ".join(
            part
            for part in (
                f">= {_quote(low)}" if low is not None else "",
                f"<= {_quote(high)}" if high is not None else "",
            )
            if part
        )
        return (
            f"nilai: {_rows(n, 'of', 'of')} {_indicator(rule)} out of range: "
            f"{examples(rows, ['nilai'])}; the catalog expects {bounds}."
        )
    if rule.name == "value_allowed":
        return (
            f"nilai: {_rows(n, 'of', 'of')} {_indicator(rule)} not an allowed value: "
            f"{examples(rows, ['nilai'])}; allowed: {_some(kwargs['value_set'])}."
        )
    if rule.name == "yoy_change":
        limit = round(kwargs["max_value"] * 100, 6)
        changes = [
            f"{row.periode} {row.kode_wilayah} {_quote(row.nilai_sebelumnya)} -> "
            f"{_quote(row.nilai)} ({row.perubahan_yoy:+.0%}, {row.lokasi})"
            for row in rows.head(VALUES_SHOWN).itertuples()
        ]
        more = f" and {n - VALUES_SHOWN} more" if n > VALUES_SHOWN else ""
        return (
            f"nilai: {_rows(n, 'of', 'of')} {_indicator(rule)} changed more than {limit:g} % "
            f"from a year earlier: {'; '.join(changes)}{more}."
        )
    if rule.name in ("regions_expected", "periods_expected"):
        what = "kode_wilayah" if rule.name == "regions_expected" else "periode"
        missing = [
            f"{row.indikator} {row.periode}"
            + (f" {row.kode_wilayah}" if rule.name == "regions_expected" else "")
            for row in rows.head(VALUES_SHOWN).itertuples()
        ]
        more = f" and {n - VALUES_SHOWN} more" if n > VALUES_SHOWN else ""
        noun = "region is" if rule.name == "regions_expected" else "period is"
        nouns = "regions are" if rule.name == "regions_expected" else "periods are"
        return (
            f"{what}: {n} expected {noun if n == 1 else nouns} missing: "
            f"{', '.join(missing)}{more}; the catalog declares them in `expected_"
            f"{'regions' if rule.name == 'regions_expected' else 'periods'}`."
        )
    return None
