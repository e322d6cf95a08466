"""One source's nightly refresh: fetch -> parse -> validate -> load, as plain Python.

Every stage's failure becomes an outcome, never an exception: one broken agency file must not
stop the others, and its last good rows stay in `tidy.<source>` (the load is one transaction
that only runs after validation passed). The Dagster asset turns the outcome into
materializations and check results (see source_assets.py).
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assets import quality_stage
from assets.quality_stage import QualityOptions
from quality import gx_worker
from quality.bulk_check import Stacked
from quality.datadocs import DocsLink
from quality.gate import GateResult
from quality.pii import mask_text
from quality.tidy_suite import ValidationReport
from sources.catalog import SourceEntry
from sources.conditional import LastLoad, entry_fingerprint, is_unchanged
from sources.errors import SourceError
from sources.fetch import Landing, fetch_source, latest_landing
from sources.http import HttpConfig
from sources.parse import import_readers, parse_landing
from sources.parsed import ParsedSource
from sources.tidy import TIDY_COLUMNS
from warehouse.db import release_memory
from warehouse.kualitas import data_changed_at
from warehouse.load import record_muat, replace_tidy
from warehouse.published import tidy_row_count
from warehouse.source_state import SourceState, source_states

log = logging.getLogger("kotapintar")
# A landed file this big (~300k CSV lines) is parsed with nothing beside it (source_step.py) and
# validated in this process, the GX worker stopped (quality/gx_worker.py warming_up): its parse
# and load set the run's memory peak.
BIG_FILE_BYTES = 8 * 2**20


@dataclass
class SourceOutcome:
    """What happened to one source in one run; `rows` counts what is published now."""

    source_id: str
    outcome: str = "loaded"  # loaded | unchanged | checked | failed | rejected
    stage: str = "fetch"  # where it stopped: fetch | parse | validate | load | done
    message: str = ""
    landing: Landing | None = None
    parsed_rows: int = 0
    rows: int = 0
    seconds: float = 0.0
    validation: ValidationReport | None = None
    preview: pd.DataFrame | None = field(default=None, repr=False)
    # Quality gate (assets/quality_stage.py): its result, rows quarantined by a partial load,
    # findings recorded in `karantina`, the agency's correction workbook and Data Docs pages.
    gate: GateResult | None = field(default=None, repr=False)
    quarantined: int = 0
    findings: int = 0
    workbook: Path | None = None
    data_docs: list[DocsLink] = field(default_factory=list)
    # Acquisition: total rows that do not add up (loaded anyway, reported), the drift report or
    # other structured facts of a failure, and the catalog entry's fingerprint.
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the parser's choices (sheet, number style)
    # Rows of other regions in a table that covers a wider area (`parse.region.covers`):
    # counted, not loaded; None when the file was not parsed.
    outside: int | None = None
    details: dict | None = None
    fingerprint: str | None = None
    # When the data now loaded first arrived (warehouse.kualitas.data_changed_at), read in the
    # connection that records the load, for the freshness checks.
    data_changed_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("loaded", "unchanged", "checked")


@dataclass
class StagedSource:
    """A source fetched and parsed (`stage_source`), waiting for its gate and load
    (`finish_source`); or already concluded: unchanged, or failed before its gate."""

    entry: SourceEntry
    muat_id: str
    result: SourceOutcome
    load: bool
    spent: float = 0.0  # seconds of its own work so far (not the wait for others)
    parsed: ParsedSource | None = field(default=None, repr=False)
    error: SourceError | None = None
    done: bool = False
    to_parse: bool = False  # landed with something new: parse_staged, then check_staged

    @property
    def awaits_gate(self) -> bool:
        """Parsed, with no cell the parser could not read: its rows may be proven in bulk."""
        return self.parsed is not None and self.error is None and not self.parsed.quarantined


def refresh_source(
    entry: SourceEntry, *, work_db, quality: QualityOptions | None = None, **options
) -> SourceOutcome:
    """Refresh one source. `work_db` opens the work database (a context manager factory);
    `options` are stage_source's (landing_root, offline, muat_id, fetch, http, ckan_token,
    load, bps_key).

    A source whose content and catalog entry equal those of its last successful load (HTTP 304,
    unmoved portal timestamps, or the same sha256) is `unchanged`: not parsed, validated or
    reloaded; its rows stay as they are and the fetch is still recorded in `meta_muat`.

    `load=False` only checks: the landed file is parsed and validated as a load would be, and
    the outcome is `checked` (or the failure), but nothing is written: no rows, no `meta_muat`,
    `karantina` or workbook (what executing the source's check alone in the UI does)."""
    staged = stage_source(entry, work_db=work_db, quality=quality, **options)
    return finish_source(staged, work_db=work_db, quality=quality)


def stage_source(entry: SourceEntry, *, work_db, **options) -> StagedSource:
    """The first half of `refresh_source`: land_source, then parse_staged and check_staged
    when there is something new to parse (`options` are land_source's). A SourceError is kept
    on the staged source for `finish_source` to conclude."""
    staged = land_source(entry, work_db=work_db, **options)
    if staged.to_parse:
        parse_staged(staged)
        check_staged(staged, work_db)
    return staged


def land_source(
    entry: SourceEntry,
    *,
    landing_root: Path,
    work_db,
    offline: bool,
    muat_id: str,
    fetch: bool = True,
    quality: QualityOptions | None = None,
    http: HttpConfig | None = None,
    ckan_token: str | None = None,
    load: bool = True,
    bps_key: str | None = None,
    state: SourceState | None = None,
) -> StagedSource:
    """Fetch (or re-read the last landed file) and the unchanged test: the source is concluded
    (`done`: unchanged), failed (`error`) or `to_parse`. `state`: what the work database knows
    of the source, when the caller read it for many sources at once (else read here)."""
    started = time.perf_counter()
    quality = quality or QualityOptions()
    result = SourceOutcome(entry.id)
    result.fingerprint = entry_fingerprint(entry)
    staged = StagedSource(entry, muat_id, result, load)
    try:
        result.landing = _land(
            entry,
            landing_root,
            offline=offline,
            fetch=fetch,
            http=http,
            ckan_token=ckan_token,
            bps_key=bps_key,
        )
        if load and _record_if_unchanged(entry, result, muat_id, work_db, started, state):
            # Nothing new: no parse, validation or load. Only an agency workbook that is open
            # is brought up to date (the good file came back after a failed one).
            result.workbook = quality_stage.close_workbook(entry, work_db, quality.koreksi_dir)
            staged.done = True
        else:
            staged.to_parse = True
    except SourceError as exc:
        staged.error = exc
    staged.spent = time.perf_counter() - started
    return staged


def parse_staged(staged: StagedSource) -> None:
    """Parse a landed source into `staged.parsed` (a SourceError into `staged.error`). Touches
    no database, so it may run on another thread while the caller's connection loads other
    sources (assets/source_step.py)."""
    started = time.perf_counter()
    staged.to_parse = False
    result = staged.result
    try:
        # Its rules will be checked: GX's import (~2 s) overlaps the parse, whose own imports
        # come first so that the two threads never import at once.
        import_readers()
        result.stage = "parse"
        with gx_worker.warming_up(in_process=landed_bytes(staged) > BIG_FILE_BYTES):
            parsed = parse_landing(staged.entry, Path(result.landing.path))
        release_memory()  # the parser's garbage (the file's bytes and columns), before GX runs
        result.warnings = parsed.warnings
        result.parsed_rows = len(parsed.tidy)
        result.outside = len(parsed.outside)
        # Not the place as numbers too. take, not head: a slice of Arrow-backed columns keeps
        # the whole frame's buffers alive (~150 MiB of a 1M-row source, for the whole step).
        result.preview = parsed.tidy[list(TIDY_COLUMNS)].take(range(min(len(parsed.tidy), 10)))
        staged.parsed = parsed
    except SourceError as exc:
        staged.error = exc
    finally:
        staged.spent += time.perf_counter() - started


def landed_bytes(staged: StagedSource) -> int:
    landing = staged.result.landing
    return landing.bytes if landing is not None else 0


def check_staged(staged: StagedSource, work_db) -> None:
    """The no-loss rule for a parse that found no rows (quality_stage.refuse_empty), which
    reads the source's published rows: on the thread that holds `work_db`."""
    parsed = staged.parsed
    if parsed is None or parsed.quarantined:  # the gate reports the unreadable cells first
        return
    started = time.perf_counter()
    try:
        landed = staged.result.landing.path
        quality_stage.refuse_empty(
            staged.entry, parsed.tidy, work_db, landed, "the file has no data rows"
        )
    except SourceError as exc:
        staged.error, staged.parsed = exc, None
    finally:
        staged.spent += time.perf_counter() - started


def finish_source(
    staged: StagedSource,
    *,
    work_db,
    quality: QualityOptions | None = None,
    proven: Stacked | None = None,
) -> SourceOutcome:
    """The second half of `refresh_source`: the gate (`proven`: its rules were proven in bulk,
    see quality_stage.prove), the load and what is recorded of the outcome."""
    if staged.done:
        return staged.result
    started = time.perf_counter()
    quality = quality or QualityOptions()
    entry, result, muat_id, load = staged.entry, staged.result, staged.muat_id, staged.load
    error = staged.error
    try:
        if error is not None:
            raise error
        parsed, staged.parsed = staged.parsed, None  # let the frames go with this call
        result.stage = "validate"
        result.gate = quality_stage.check(
            entry, parsed.tidy, work_db, parsed.quarantined, proven=proven
        )
        release_memory()  # GX's working copies, before the load converts the rows for DuckDB
        result.notes = parsed.notes
        result.validation = result.gate.report
        pages = quality_stage.data_docs(
            result.gate, quality.data_docs_dir, muat_id.split(":")[0], entry
        )
        result.data_docs = [quality.docs_link(page) for page in pages]
        # A partial load always leaves rows (GateResult.may_load_partially): the empty case
        # was refused at staging, or rows_to_load refuses it.
        tidy = quality_stage.rows_to_load(entry, result.gate, parsed.tidy)
        del parsed
        if not result.gate.passed:
            result.quarantined = result.gate.quarantined
            result.message = quality_stage.partial_message(entry, result.gate)
        if not load:
            result.outcome, result.stage = "checked", "done"
            result.seconds = staged.spent + time.perf_counter() - started
            return result
        result.stage = "load"
        with work_db() as con:
            # The gate's key_unique rule held for these rows (or they were held back).
            replace_tidy(con, entry.id, tidy, result.landing.sha256, keys_validated=True)
        result.stage = "done"
        if result.warnings:
            result.message = " ".join([result.message, "warning:", *result.warnings]).strip()
    except SourceError as exc:
        error = exc
        result.details = exc.details
        result.outcome = exc.outcome
        if result.stage == "parse" and exc.details:
            result.outside = exc.details.get("rows_outside_city", result.outside)
        # A message may quote a cell; personal data in it must not reach meta_muat or the UI.
        result.message = mask_text(exc.describe())
    result.seconds = staged.spent + time.perf_counter() - started
    if not load:
        return result
    findings = quality_stage.findings_of(entry, result.gate, error)
    with work_db() as con:
        result.rows = tidy_row_count(con, entry.id)
        record_muat(con, **_muat_fields(result, entry, muat_id))
        result.data_changed_at = data_changed_at(con, entry.id)  # this load counts
        result.findings = quality_stage.record(con, entry, muat_id, findings)
    result.workbook = quality_stage.update_workbook(
        entry, work_db, quality.koreksi_dir, result.findings
    )
    return result


def _record_if_unchanged(
    entry: SourceEntry,
    result: SourceOutcome,
    muat_id: str,
    work_db,
    started: float,
    state: SourceState | None = None,
) -> bool:
    """If the landed content and the catalog entry are those the loaded rows came from (see
    sources/conditional.py), record the source as `unchanged` and return True. One connection:
    on a night with nothing new this is most of what a source costs."""
    with work_db() as con:
        if state is None:
            state = source_states(con, [entry.id])[entry.id]
        last = LastLoad(*state.last_good_load) if state.last_good_load else None
        if not is_unchanged(result.landing, result.fingerprint, last, state.loaded_sha256):
            return False
        result.outcome, result.stage = "unchanged", "done"
        result.rows = state.rows
        result.data_changed_at = state.data_changed_at
        result.seconds = time.perf_counter() - started
        record_muat(con, **_muat_fields(result, entry, muat_id))  # `unchanged`: no new date
    return True


def _land(
    entry: SourceEntry,
    landing_root: Path,
    *,
    offline: bool,
    fetch: bool,
    http: HttpConfig | None = None,
    ckan_token: str | None = None,
    bps_key: str | None = None,
) -> Landing:
    if fetch:
        return fetch_source(
            entry, landing_root, offline=offline, http=http, ckan_token=ckan_token, bps_key=bps_key
        )
    landing = latest_landing(entry, landing_root)
    if landing is None:
        raise SourceError(
            entry.id,
            entry.location,
            "nothing has been fetched yet",
            fix=f"materialize raw_{entry.id} first",
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
        "rows": (result.rows if result.outcome == "unchanged" else result.parsed_rows)
        if result.ok
        else 0,
        "outcome": result.outcome,
        "message": result.message or None,
        # A failed fetch has no landing; what the server answered is in the error's details.
        **{
            key: getattr(landing, key) if landing else (result.details or {}).get(key)
            for key in ("url", "http_status", "etag", "last_modified")
        },
        "katalog_sha256": result.fingerprint,
        "tahap": result.stage,
        "baris_luar_wilayah": result.outside,
    }


def unexpected_failure(
    entry: SourceEntry, exc: Exception, *, work_db, muat_id: str, seconds: float
) -> SourceOutcome:
    """The last resort of a loop over sources: a bug that escaped refresh_source (anything but
    a SourceError) becomes this source's `failed` outcome, so the other sources still run. It
    is recorded in `meta_muat` when the database allows (not if the load was already recorded
    under the same muat_id, or the database itself is what broke)."""
    result = SourceOutcome(entry.id, outcome="failed", stage="unexpected", seconds=seconds)
    known = environment_problem(exc)
    result.message = mask_text(
        f"Source `{entry.id}`: {known}; the last good rows stay."
        if known
        else f"Source `{entry.id}`: unexpected error {type(exc).__name__}: {exc}. This is a bug "
        "in the pipeline, not in the agency file: report it with the run's log; the last good "
        "rows stay."
    )
    try:
        with work_db() as con:
            result.rows = tidy_row_count(con, entry.id)
            result.data_changed_at = data_changed_at(con, entry.id)
            record_muat(con, **_muat_fields(result, entry, muat_id))
    except Exception as again:  # the outcome above is what matters; say why it is not recorded
        log.warning("%s: the unexpected error is not in meta_muat: %s", entry.id, again)
    return result


# DuckDB's words for a database file another process holds, and the PID it names (if any).
_LOCKED = re.compile(r'Could not set lock on file "?(?P<path>[^":]+)"?', re.IGNORECASE)
_LOCK_PID = re.compile(r"\(PID (?P<pid>\d+)\)")
_NO_SPACE = re.compile(
    r'(?:file|write to|writing) "?(?P<path>[^":]+)"?[^\n]*No space left on device', re.IGNORECASE
)


def environment_problem(exc: BaseException) -> str | None:
    """The cause and fix of a failure that is the machine's, not a bug: the work database
    locked by another process, or a full disk. They escape as DuckDB IOExceptions or OSErrors
    (possibly wrapped, e.g. by warehouse.db's lock wait), and calling them "a bug in the
    pipeline" sends the engineer to the wrong place. None for anything else."""
    for cause in _chain(exc):
        text = str(cause)
        if (locked := _LOCKED.search(text)) is not None:
            pid = _LOCK_PID.search(text)
            holder = f" (PID {pid['pid']})" if pid else ""
            return (
                f"the work database {locked['path']} is locked by another process{holder}. "
                "Fix: stop that process or wait for it to finish (DuckDB allows one writer per "
                "file), then run again"
            )
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return _no_space(cause.filename)
        if "no space left on device" in text.lower():
            place = _NO_SPACE.search(text)
            return _no_space(place["path"] if place else None)
    return None


def _no_space(path) -> str:
    where = f" at {path}" if path else ""
    return (
        f"no space left on device{where}. Fix: free space on that disk (old landing files, "
        "DuckDB spill folders) or point KOTAPINTAR_DATA_DIR / KOTAPINTAR_WAREHOUSE to a "
        "bigger one, then run again"
    )


def _chain(exc: BaseException):
    """The exception and what it was raised from or during, outermost first."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
