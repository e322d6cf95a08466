"""Validation benchmark: the tidy GX suite on 1M rows next to the same rules as one DuckDB query.

Run with `make bench` (or `.venv/bin/python bench/validation.py [--rows N]`). The data is
generated deterministically (numpy, fixed seed): a clean table, which is what the nightly run
sees almost every time, and the same table with a few hundred seeded violations, which adds the
pandas evidence step. Each timing is the median of 3 runs after one warm-up run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quality import gx_runtime
from quality.tidy_suite import (
    BULK_RESULT_FORMAT,
    build_suite,
    tidy_rules,
    validate_tidy,
)
from sources.tidy import KEY_COLUMNS, PERIODE_PATTERN, STATUSES, TIDY_COLUMNS

SEED = 35_73
TARGET_SECONDS_PER_MILLION = 2.0
WILAYAH_CSV = Path(__file__).resolve().parent.parent / "sources" / "wilayah_kota_malang.csv"
INDICATORS = [f"ind_{i:03d}" for i in range(40)]
VIOLATIONS = 100  # per seeded rule in the dirty table


def region_codes() -> list[str]:
    return pd.read_csv(WILAYAH_CSV, dtype=str)["kode_kemendagri"].tolist()


def periods() -> list[str]:
    suffixes = ["", *(f"-{m:02d}" for m in range(1, 13)), "-Q1", "-Q2", "-Q3", "-Q4", "-S1", "-S2"]
    return [f"{year}{suffix}" for year in range(2000, 2025) for suffix in suffixes]


def tidy_table(rows: int, regions: list[str], seed: int = SEED) -> pd.DataFrame:
    """`rows` tidy rows with unique keys drawn from indicator x region x period (clean)."""
    rng = np.random.default_rng(seed)
    shape = (len(INDICATORS), len(regions), len(periods()))
    if rows > np.prod(shape):
        raise SystemExit(f"--rows {rows} exceeds the {np.prod(shape)} distinct keys available")
    flat = rng.choice(np.prod(shape), size=rows, replace=False)
    i, r, p = np.unravel_index(flat, shape)
    nilai = rng.normal(100.0, 25.0, rows)
    nilai[rng.random(rows) < 0.01] = np.nan  # missing values, explained in catatan
    text = {
        "sumber_id": np.full(rows, "bench-sumber", dtype=object),
        "indikator": np.asarray(INDICATORS, dtype=object)[i],
        "kode_wilayah": np.asarray(regions, dtype=object)[r],
        "periode": np.asarray(periods(), dtype=object)[p],
        "status": np.asarray(STATUSES, dtype=object)[rng.integers(0, len(STATUSES), rows)],
        "catatan": np.where(np.isnan(nilai), "tidak tersedia", None),
        "lokasi": np.char.add("Sheet1!D", np.arange(2, rows + 2).astype(str)).astype(object),
    }
    frame = pd.DataFrame({c: pd.array(text[c], dtype="string") for c in text})
    frame["nilai"] = nilai
    return frame[list(TIDY_COLUMNS)]


def seed_violations(clean: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """The clean table with VIOLATIONS rows broken per rule (regions, periods, status, keys)."""
    dirty = clean.copy()
    rng = np.random.default_rng(seed + 1)
    picks = rng.choice(len(dirty), size=(5, VIOLATIONS), replace=False)
    dirty.loc[dirty.index[picks[0]], "kode_wilayah"] = "35.73.09"
    dirty.loc[dirty.index[picks[1]], "periode"] = "2023/24"
    dirty.loc[dirty.index[picks[2]], "status"] = "perkiraan"
    dirty.loc[dirty.index[picks[3]], "indikator"] = pd.NA
    dirty.loc[dirty.index[picks[4]], list(KEY_COLUMNS)] = dirty.iloc[0][list(KEY_COLUMNS)].values
    return dirty


# The allowed sets are joined in (hash joins): here ~5x faster than `x NOT IN ('a', ...)` or
# `list_contains($list, x)` with 63 codes. NULLs are not counted by the value rules, as in GX.
SQL_FLOOR = """
WITH regions AS (SELECT DISTINCT unnest($regions) AS kode),
    indicators AS (SELECT DISTINCT unnest($indicators) AS kode),
    statuses AS (SELECT DISTINCT unnest($statuses) AS kode)
SELECT
    count(*) FILTER (WHERE indikator IS NULL) AS indikator_null,
    count(*) FILTER (WHERE kode_wilayah IS NULL) AS kode_wilayah_null,
    count(*) FILTER (WHERE periode IS NULL) AS periode_null,
    count(*) FILTER (WHERE status IS NULL) AS status_null,
    count(*) FILTER (WHERE indikator IS NOT NULL AND i.kode IS NULL) AS indikator_declared,
    count(*) FILTER (WHERE kode_wilayah IS NOT NULL AND r.kode IS NULL) AS kode_wilayah_known,
    count(*) FILTER (WHERE NOT regexp_full_match(periode, $pattern)) AS periode_well_formed,
    count(*) FILTER (WHERE status IS NOT NULL AND s.kode IS NULL) AS status_allowed,
    count(*) FILTER (WHERE typeof(nilai) <> 'DOUBLE') AS nilai_numeric,
    (SELECT coalesce(sum(n), 0) FROM (
        SELECT count(*) AS n FROM tidy
        WHERE indikator IS NOT NULL AND kode_wilayah IS NOT NULL AND periode IS NOT NULL
        GROUP BY indikator, kode_wilayah, periode HAVING count(*) > 1)) AS key_unique
FROM tidy t
    LEFT JOIN regions r ON t.kode_wilayah = r.kode
    LEFT JOIN indicators i ON t.indikator = i.kode
    LEFT JOIN statuses s ON t.status = s.kode
"""


def sql_floor(df: pd.DataFrame, regions: list[str]) -> dict[str, int]:
    """The same rules as one DuckDB statement: violation counts only, no evidence."""
    con = duckdb.connect()
    con.register("tidy", df)
    params = {
        "indicators": INDICATORS,
        "regions": regions,
        "statuses": list(STATUSES),
        # RE2's full match makes the anchors redundant but harmless.
        "pattern": PERIODE_PATTERN,
    }
    cursor = con.execute(SQL_FLOOR, params)
    names = [d[0] for d in cursor.description]
    counts = dict(zip(names, cursor.fetchone(), strict=True))
    con.close()
    return counts


def median_seconds(run: Callable[[], object], repeat: int = 3) -> float:
    run()  # warm-up: caches, lazy imports, DuckDB/pyarrow thread pools
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


@contextmanager
def without_gx_fingerprint() -> Iterator[None]:
    """Skip the md5 fingerprint GX's pandas engine takes of every batch under 1 GB (not shipped:
    it patches a GX module constant; measured here so the choice can be made on numbers)."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    saved = engine.HASH_THRESHOLD
    engine.HASH_THRESHOLD = 0
    try:
        yield
    finally:
        engine.HASH_THRESHOLD = saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    started = time.perf_counter()
    gx_runtime.warm_up()
    print(f"GX import + context: {time.perf_counter() - started:.2f} s (once per process)")
    regions = region_codes()
    clean = tidy_table(args.rows, regions)
    dirty = seed_violations(clean)
    categorical = clean.astype({c: "category" for c in (*KEY_COLUMNS, "status")})

    def shipped(df: pd.DataFrame, result_format: str = BULK_RESULT_FORMAT) -> Callable:
        return lambda: validate_tidy(
            df,
            table="bench",
            known_regions=regions,
            declared_indicators=INDICATORS,
            result_format=result_format,
        )

    def naive(df: pd.DataFrame, result_format: str) -> Callable:
        # The straightforward way: the whole DataFrame to GX, no evidence step.
        rules = tidy_rules(known_regions=regions, declared_indicators=INDICATORS)
        suite = build_suite("bench", rules)
        return lambda: gx_runtime.run_suite(df, suite, result_format=result_format)

    def unhashed(run: Callable) -> Callable:
        def wrapped():
            with without_gx_fingerprint():
                return run()

        return wrapped

    variants = [
        ("clean, all 8 columns, SUMMARY", clean, naive(clean, "SUMMARY")),
        ("clean, all 8 columns, BOOLEAN_ONLY", clean, naive(clean, "BOOLEAN_ONLY")),
        ("clean, validate_tidy (shipped)", clean, shipped(clean)),
        ("clean, validate_tidy, SUMMARY", clean, shipped(clean, "SUMMARY")),
        ("clean, validate_tidy, categorical keys", categorical, shipped(categorical)),
        ("clean, validate_tidy, no GX fingerprint", clean, unhashed(shipped(clean))),
        ("dirty, validate_tidy (shipped)", dirty, shipped(dirty)),
        ("dirty, validate_tidy, SUMMARY", dirty, shipped(dirty, "SUMMARY")),
    ]

    report = shipped(dirty)()
    floor_counts = sql_floor(dirty, regions)
    print(f"\nDirty table ({VIOLATIONS} seeded violations per rule), counts per rule:")
    print(f"  {'rule':<20} {'column':<34} {'GX+evidence':>11}")
    for failure in report.failures:
        print(f"  {failure.rule:<20} {failure.column:<34} {failure.unexpected_count:>11}")
    print("  SQL floor: " + ", ".join(f"{k}={v}" for k, v in floor_counts.items() if v))

    target = TARGET_SECONDS_PER_MILLION * args.rows / 1_000_000
    floor_seconds = {}
    print(f"\nmedian of 3 after a warm-up; target {target:.1f} s for {args.rows:,} rows")
    print(f"{'variant':<42}{'rows':>10}{'GX s':>7}{'SQL s':>7}{'ratio':>7}  target")
    for name, df, run in variants:
        gx_seconds = median_seconds(run)
        if id(df) not in floor_seconds:
            floor_seconds[id(df)] = median_seconds(lambda df=df: sql_floor(df, regions))
        sql_seconds = floor_seconds[id(df)]
        met = "met" if gx_seconds <= target else "MISSED"
        print(
            f"{name:<42}{len(df):>10,}{gx_seconds:>7.2f}{sql_seconds:>7.2f}"
            f"{gx_seconds / sql_seconds:>6.1f}x  {met}"
        )
    started = time.perf_counter()
    clean.astype({c: "category" for c in (*KEY_COLUMNS, "status")})
    print(
        f"(not in the table: converting the key columns to categorical costs "
        f"{time.perf_counter() - started:.2f} s)"
    )


if __name__ == "__main__":
    main()
