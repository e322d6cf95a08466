"""Row-level evidence for a failed expectation: which rows break it, found again with pandas.

GX decides pass or fail in one bulk pass; only when an expectation fails do we come back here to
find the offending rows, so a clean table never pays for this. Each mask mirrors how the GX 1.x
pandas metric counts (nulls are skipped by the value rules, duplicates count every copy), so the
counts match GX's own `unexpected_count`; tests/test_quality.py checks that they agree.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from quality.gx_runtime import REGEX_GROUP_WARNING

SAMPLE_SIZE = 10

Mask = Callable[[pd.DataFrame, Mapping[str, Any]], np.ndarray]


def _not_null(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    return df[kwargs["column"]].isna().to_numpy()


def _in_set(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    column = df[kwargs["column"]]
    return (column.notna() & ~column.isin(kwargs["value_set"])).to_numpy(dtype=bool)


def _match_regex(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    column = df[kwargs["column"]]
    # GX matches with `astype(str).str.contains(regex)` on the non-null values.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=REGEX_GROUP_WARNING, category=UserWarning)
        matches = column.astype(str).str.contains(kwargs["regex"]).fillna(False).astype(bool)
    return (column.notna() & ~matches).to_numpy(dtype=bool)


def _compound_unique(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    key = df[list(kwargs["column_list"])]
    ignore = kwargs.get("ignore_row_if", "never")
    if ignore == "any_value_is_missing":
        kept = key.notna().all(axis=1).to_numpy()
    elif ignore == "all_values_are_missing":
        kept = key.notna().any(axis=1).to_numpy()
    else:
        kept = np.ones(len(df), dtype=bool)
    mask = np.zeros(len(df), dtype=bool)
    mask[kept] = key[kept].duplicated(keep=False).to_numpy()
    return mask


def _between(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    # GX skips nulls (NaN included) and treats the bounds as inclusive unless strict_* is set.
    column = pd.to_numeric(df[kwargs["column"]], errors="coerce").to_numpy(dtype="float64")
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    bad = np.zeros(len(df), dtype=bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            bad |= column <= low if kwargs.get("strict_min") else column < low
        if high is not None:
            bad |= column >= high if kwargs.get("strict_max") else column > high
    return bad & ~np.isnan(column)


def _unique(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    column = df[kwargs["column"]]
    return (column.notna() & column.duplicated(keep=False)).to_numpy(dtype=bool)


def _in_type_list(df: pd.DataFrame, kwargs: Mapping[str, Any]) -> np.ndarray:
    column = df[kwargs["column"]]
    types = tuple(np.dtype(name).type for name in kwargs["type_list"])
    if column.dtype == object:
        # GX checks object columns value by value (e.g. a stray '1.234,5' string).
        wrong = column.map(lambda value: not isinstance(value, types))
        return (column.notna() & wrong.astype(bool)).to_numpy(dtype=bool)
    if any(column.dtype == np.dtype(name) for name in kwargs["type_list"]):
        return np.zeros(len(df), dtype=bool)
    # Any other dtype fails as a whole: every value in it has the wrong type.
    return column.notna().to_numpy()


MASKS: dict[str, Mask] = {
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_values_to_match_regex": _match_regex,
    "expect_compound_columns_to_be_unique": _compound_unique,
    "expect_column_values_to_be_in_type_list": _in_type_list,
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_be_unique": _unique,
}


def where_mask(df: pd.DataFrame, where: Sequence[tuple[str, Any]]) -> np.ndarray:
    """Rows a rule's `where` filter keeps (all rows when there is none)."""
    kept = np.ones(len(df), dtype=bool)
    for column, value in where:
        kept &= (df[column] == value).fillna(False).to_numpy(dtype=bool)
    return kept


def offending_mask(
    df: pd.DataFrame,
    expectation_type: str,
    kwargs: Mapping[str, Any],
    where: Sequence[tuple[str, Any]] = (),
) -> np.ndarray | None:
    """A boolean mask of the rows that break the expectation, or None when we have no mask for
    it (its type, or a free-form row_condition in kwargs, which the masks do not apply)."""
    mask = MASKS.get(expectation_type)
    if mask is None or "row_condition" in kwargs:
        return None
    if not where:
        return mask(df, kwargs)
    kept = where_mask(df, where)
    bad = np.zeros(len(df), dtype=bool)
    # Like GX: the rule sees only the rows its condition keeps (duplicates count among them).
    bad[kept] = mask(df[kept], kwargs)
    return bad


def offending_rows(
    df: pd.DataFrame, expectation_type: str, kwargs: Mapping[str, Any]
) -> pd.DataFrame | None:
    """The rows that break the expectation, or None when we have no mask for it (its type, or a
    row_condition, which the masks do not apply): the caller then asks GX for the rows."""
    mask = offending_mask(df, expectation_type, kwargs)
    return None if mask is None else df[mask]


def sample_rows(rows: pd.DataFrame, by: list[str], limit: int = SAMPLE_SIZE) -> list[dict]:
    """Up to `limit` offending rows as plain dicts, one per distinct bad value first.

    A column of 10,000 copies of the same wrong code would otherwise fill the sample with one
    value; taking the first row of each distinct value shows the spread, then fills in order.
    """
    first = ~rows[by].duplicated()
    positions = np.concatenate([np.flatnonzero(first), np.flatnonzero(~first)])[:limit]
    picked = rows.iloc[np.sort(positions)].astype(object)
    return picked.where(picked.notna(), None).to_dict("records")
