"""One source's nightly refresh: fetch -> parse -> validate -> load, as plain Python.

Every stage's failure becomes an outcome, never an exception: one broken agency file must not
stop the others, and its last good rows stay in `tidy.<source>` (the load is one transaction
that only runs after validation passed). The Dagster asset turns the outcome into
materializations and check results (see source_assets.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from quality.tidy_suite import ValidationReport, validate_tidy
from sources.catalog import SourceEntry
from sources.errors import SourceError
from sources.fetch import Landing, fetch_source, latest_landing
from sources.parse import parse_source
from sources.wilayah import known_codes
from warehouse.load import record_muat, replace_tidy
from warehouse.published import tidy_row_count

log = logging.getLogger("kotapintar")


@dataclass
class SourceOutcome:
    """What happened to one source in one run; `rows` counts what is published now."""

    source_id: str
    outcome: str = "loaded"  # loaded | failed | rejected
    stage: str = "done"  # where it stopped: fetch | parse | validate | load | done
    message: str = ""
    landing: Landing | None = None
    parsed_rows: int = 0
    rows: int = 0
    seconds: float = 0.0
    validation: ValidationReport | None = None
    preview: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome in ("loaded", "unchanged")


def refresh_source(
    entry: SourceEntry,
    *,
    landing_root: Path,
    work_db,
    offline: bool,
    muat_id: str,
    fetch: bool = True,
) -> SourceOutcome:
    """Refresh one source. `work_db` opens the work database (a context manager factory)."""
    started = time.perf_counter()
    result = SourceOutcome(entry.id)
    try:
        result.landing = _land(entry, landing_root, offline=offline, fetch=fetch)
        result.stage = "parse"
        tidy = parse_source(entry, Path(result.landing.path))
        result.parsed_rows = len(tidy)
        result.preview = tidy.head(10)
        result.stage = "validate"
        result.validation = validate_tidy(
            tidy,
            table=f"tidy.{entry.id}",
            known_regions=known_codes(),
            declared_indicators=[i.code for i in entry.indicators],
        )
        if not result.validation.success:
            raise SourceError(
                entry.id,
                entry.location,
                f"validation failed: {result.validation.summary()}",
                fix="correct the listed cells in the agency file; the last good data stays",
            )
        result.stage = "load"
        with work_db() as con:
            replace_tidy(con, entry.id, tidy, result.landing.sha256)
        result.stage = "done"
    except SourceError as exc:
        result.outcome = exc.outcome
        result.message = exc.describe()
    result.seconds = time.perf_counter() - started
    with work_db() as con:
        result.rows = tidy_row_count(con, entry.id)
        record_muat(con, **_muat_fields(result, entry, muat_id))
    _log(result)
    return result


def _land(entry: SourceEntry, landing_root: Path, *, offline: bool, fetch: bool) -> Landing:
    if fetch:
        return fetch_source(entry, landing_root, offline=offline)
    landing = latest_landing(entry, landing_root)
    if landing is None:
        raise SourceError(
            entry.id,
            entry.location,
            "nothing has been fetched yet",
            fix=f"materialize raw/{entry.id} first",
        )
    return landing


def _muat_fields(result: SourceOutcome, entry: SourceEntry, muat_id: str) -> dict:
    landing = result.landing
    return {
        "muat_id": muat_id,
        "sumber_id": entry.id,
        "lokasi": entry.location,
        "sha256": landing.sha256 if landing else None,
        "bytes": landing.bytes if landing else None,
        "fetched_at": dt.datetime.fromisoformat(landing.fetched_at) if landing else None,
        "loaded_at": dt.datetime.now(dt.UTC),
        "seconds": round(result.seconds, 3),
        "rows": result.parsed_rows if result.ok else 0,
        "outcome": result.outcome,
        "message": result.message or None,
    }


def _log(result: SourceOutcome) -> None:
    if result.ok:
        log.info(
            "%-28s %-9s %6d rows  %5.2fs",
            result.source_id,
            result.outcome,
            result.rows,
            result.seconds,
        )
    else:
        log.warning(
            "%-28s %-9s at %s: %s", result.source_id, result.outcome, result.stage, result.message
        )
