"""The rules a catalog entry declares for its indicators, as GX rules on the tidy table.

Per indicator (each rule is narrowed to that indicator's rows with `where`):

- `min_value` / `max_value`      -> value_range      expect_column_values_to_be_between (nilai)
- `allowed_values`               -> value_allowed    expect_column_values_to_be_in_set (nilai)
- `max_change_pct`               -> yoy_change       expect_column_values_to_be_between on the
                                    derived column perubahan_yoy (see `derive_columns`)
- `expected_regions`/`_periods`  -> regions_expected / periods_expected, on the coverage frame
                                    (see `coverage_frame`): one row per expected key, `ada` says
                                    whether the table has it. A missing row cannot be quarantined,
                                    so these fail the table as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from quality.rules import Rule
from sources.catalog import Indicator, SourceEntry
from sources.tidy import KEY_COLUMNS, PERIODE_PATTERN
from sources.wilayah import reference

BETWEEN = "expect_column_values_to_be_between"
IN_SET = "expect_column_values_to_be_in_set"
DERIVED_COLUMNS = ("nilai_sebelumnya", "perubahan_yoy")
COVERAGE_COLUMNS = ("aturan", "indikator", "periode", "kode_wilayah", "ada", "lokasi")


def indicator_rules(entry: SourceEntry) -> list[Rule]:
    """Row-level rules of every indicator of `entry`, in catalog order."""
    rules: list[Rule] = []
    for indicator in entry.indicators:
        where = (("indikator", indicator.code),)
        if indicator.min_value is not None or indicator.max_value is not None:
            bounds = {"min_value": indicator.min_value, "max_value": indicator.max_value}
            kwargs = {"column": "nilai", **{k: v for k, v in bounds.items() if v is not None}}
            rules.append(Rule("value_range", BETWEEN, kwargs, where))
        if indicator.allowed_values:
            values = sorted(float(v) for v in indicator.allowed_values)
            rules.append(
                Rule("value_allowed", IN_SET, {"column": "nilai", "value_set": values}, where)
            )
        if indicator.max_change_pct is not None:
            limit = indicator.max_change_pct / 100
            kwargs = {"column": "perubahan_yoy", "min_value": -limit, "max_value": limit}
            rules.append(Rule("yoy_change", BETWEEN, kwargs, where))
    return rules


def compares_years(entry: SourceEntry) -> bool:
    """Whether an indicator of `entry` has a year-over-year rule (it reads the rows loaded
    before, `history` of derive_columns)."""
    return any(i.max_change_pct is not None for i in entry.indicators)


def coverage_rules(entry: SourceEntry) -> list[Rule]:
    """Table-level rules on the coverage frame; empty when no indicator declares coverage."""
    names = []
    if any(i.expected_regions for i in entry.indicators):
        names.append("regions_expected")
    if any(i.expected_periods for i in entry.indicators):
        names.append("periods_expected")
    return [
        Rule(name, IN_SET, {"column": "ada", "value_set": [True]}, (("aturan", name),), False)
        for name in names
    ]


def expected_region_codes(indicator: Indicator) -> list[str]:
    """The codes `expected_regions` stands for: a level means every region of that level."""
    wanted = indicator.expected_regions
    if wanted is None:
        return []
    if isinstance(wanted, str):
        return [w.kode for w in reference() if w.tingkat == wanted]
    return list(wanted)


def derive_columns(
    df: pd.DataFrame, entry: SourceEntry, history: pd.DataFrame | None = None
) -> pd.DataFrame:
    """`df` plus nilai_sebelumnya (the value of the same region and the same month, quarter or
    semester a year earlier) and perubahan_yoy (the relative change, 0.25 = +25 %).

    The earlier value comes from the table itself, else from `history` (the rows loaded last
    time), so a file that holds only the new year is still compared. No change is computed
    where either value is missing or the earlier one is 0 (a relative change is undefined).
    """
    # Copy-on-write (pandas 3): a shallow copy shares df's columns until one is written, and
    # only new columns are added here; a deep copy cost ~40 MiB on 1M rows.
    out = df.copy(deep=False)
    if not compares_years(entry):
        out["nilai_sebelumnya"] = np.nan
        out["perubahan_yoy"] = np.nan
        return out
    periode = out["periode"].astype("string")
    well_formed = periode.str.fullmatch(PERIODE_PATTERN).fillna(False).to_numpy(dtype=bool)
    year = pd.to_numeric(periode.str.slice(0, 4).where(well_formed), errors="coerce")
    earlier = (year - 1).astype("Int64").astype("string") + periode.str.slice(4)
    lookup = _values_by_key([df, history])
    key = pd.MultiIndex.from_arrays(
        [out["indikator"].astype("string"), out["kode_wilayah"].astype("string"), earlier]
    )
    previous = lookup.reindex(key).to_numpy(dtype="float64")
    nilai = pd.to_numeric(out["nilai"], errors="coerce").to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (nilai - previous) / np.abs(previous)
    change[~np.isfinite(change)] = np.nan
    out["nilai_sebelumnya"] = previous
    out["perubahan_yoy"] = change
    return out


def _values_by_key(frames: Iterable[pd.DataFrame | None]) -> pd.Series:
    """nilai by (indikator, kode_wilayah, periode); earlier frames win over later ones."""
    parts = [f[[*KEY_COLUMNS, "nilai"]] for f in frames if f is not None and len(f)]
    if not parts:
        empty = pd.MultiIndex.from_arrays([[], [], []], names=list(KEY_COLUMNS))
        return pd.Series([], index=empty, dtype="float64")
    values = pd.concat(parts, ignore_index=True).astype({c: "string" for c in KEY_COLUMNS})
    values = values.dropna(subset=list(KEY_COLUMNS)).drop_duplicates(list(KEY_COLUMNS))
    return values.set_index(list(KEY_COLUMNS))["nilai"].astype("float64")


def coverage_frame(df: pd.DataFrame, entry: SourceEntry) -> pd.DataFrame:
    """One row per key the catalog expects, with `ada` (present in `df`) and the rule name.

    regions_expected: every expected region in every period the indicator has (or, when
    `expected_periods` is declared too, in every expected period). periods_expected: each
    expected period has at least one row (kode_wilayah is then left empty).
    """
    keys = set(zip(df["indikator"], df["periode"], df["kode_wilayah"], strict=True))
    periods_of: dict[str, set[str]] = {}
    for indikator, periode, _ in keys:
        periods_of.setdefault(indikator, set()).add(periode)
    rows = []
    for indicator in entry.indicators:
        code = indicator.code
        present = periods_of.get(code, set())
        regions = expected_region_codes(indicator)
        periods = sorted(set(indicator.expected_periods or present))
        for periode in periods:
            if indicator.expected_periods:
                rows.append(("periods_expected", code, periode, None, periode in present, None))
            for kode in regions:
                rows.append(
                    ("regions_expected", code, periode, kode, (code, periode, kode) in keys, None)
                )
    frame = pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))
    text = [c for c in COVERAGE_COLUMNS if c != "ada"]
    return frame.astype({**{c: "string" for c in text}, "ada": "bool"})
