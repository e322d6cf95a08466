"""What the `sources` step does for each catalog source (assets/source_assets.py yields the
Dagster results): refresh it, log one progress line, and describe the outcome as metadata.

Why one step for all sources: on a night with nothing new a source costs ~20 ms of work but a
Dagster step costs ~0.3-0.45 s of its own (start, resources, events, log capture on the
instance); fifteen steps were most of the run. Why one work-database connection for the step:
opening one costs 50-80 ms, as much as the rest of an unchanged source. The connection is closed
when the step ends, never held across steps (the analyst snapshot ATTACHes files, and DuckDB
caches an open database per path in a process).

Why windows: a small source's validation is mostly GX's fixed cost, so sources are fetched and
parsed a window at a time and one stacked GX pass proves the rules of all of them
(quality/bulk_check.py). Their progress lines then come a window at a time, in catalog order;
a window never waits on a source with nothing to validate (an unchanged night reports each
source as it goes).

Why a parse thread: on 2 cores, what a source costs after its parse (GX, DuckDB's load and
records, Dagster's events) and the parse of the next ones (Arrow, calamine, pandas) overlap
where either leaves Python free; this thread keeps the database, the other only parses.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import dagster as dg

from assets import quality_stage
from assets.metadata import outcome_metadata
from assets.resources import KotaPintarResource
from assets.source_run import (
    BIG_FILE_BYTES,
    SourceOutcome,
    StagedSource,
    check_staged,
    finish_source,
    land_source,
    landed_bytes,
    parse_staged,
    unexpected_failure,
)
from assets.table_metadata import preview_table
from quality.freshness import freshness
from quality.pii import mask_text
from sources.catalog import SourceEntry
from sources.parse import import_readers
from warehouse.db import release_memory
from warehouse.source_state import SourceState, source_states

progress = logging.getLogger("kotapintar")
# The shared connection keeps the blocks of every table it wrote in DuckDB's buffer pool (up to
# its memory_limit): 500 loaded sources held ~0.5 GiB more at the step's end. Reopening after
# every 25 loads bounds that for ~60 ms each.
RECYCLE_AFTER_LOADS = 25
# A window of sources staged (fetched, parsed) before their rules are proven in one stacked GX
# pass (quality/bulk_check.py): ~50 ms of GX's fixed cost per source otherwise. Bounded in rows
# so the window's frames stay small; a source of more than ALONE_ROWS rows is validated alone
# (its fixed cost is a small share, and stacking would copy its rows once more).
WINDOW_SOURCES = 64
WINDOW_ROWS = 250_000
ALONE_ROWS = 100_000
# Parsing ahead: while this thread validates, loads and records a window (DuckDB's work, which
# leaves Python free), one thread parses the sources after it. Bounded in landed bytes so the
# frames parsed ahead stay small (16 MB: ~24 files of 10,000 rows, about a window); a file
# bigger than BIG_FILE_BYTES (~300k CSV lines) is parsed in its turn with nothing beside it, as
# its parse and load need the memory (and it is validated in this process: source_run.py).
# 200 x 10,000 in process: 62-64 s -> 47-54 s.
AHEAD_SOURCES = WINDOW_SOURCES
AHEAD_BYTES = 16 * 2**20
STATES_AT_ONCE = 64


def refresh_each(
    entries: list[SourceEntry],
    kotapintar: KotaPintarResource,
    *,
    run_id: str,
    fetch: Callable[[SourceEntry], bool],
    load: Callable[[SourceEntry], bool],
    log: dg.DagsterLogManager,
) -> Iterator[tuple[SourceEntry, SourceOutcome]]:
    """Refresh `entries` in order over one work-database connection; yield each outcome.

    `fetch(entry)` says whether to fetch or re-read the last landed file, `load(entry)` whether
    to load or only check it (refresh_source's `load`). Sources are staged (fetched and parsed,
    see _staged_in_order) in windows of up to WINDOW_SOURCES sources or WINDOW_ROWS rows, whose
    rules one stacked GX pass proves (assets/quality_stage.prove); then each is gated, loaded
    and yielded in catalog order. Never raises for one source: every expected failure is an
    outcome, and anything else (a bug) becomes a `failed` outcome naming the source and the
    error."""
    loaded = 0
    with kotapintar.step_work_db() as work_db:
        states = _States(entries, work_db)

        def land(entry: SourceEntry) -> StagedSource:
            state = states.of(entry) if load(entry) else None
            return _land(entry, kotapintar, work_db, run_id, fetch, load, state)

        window: list[tuple[int, StagedSource]] = []
        for number, staged in _staged_in_order(entries, land, work_db):
            window.append((number, staged))
            waiting = [s for _, s in window if s.awaits_gate]
            if waiting and (
                len(window) < WINDOW_SOURCES
                and sum(s.result.parsed_rows for s in waiting) < WINDOW_ROWS
                and number < len(entries)
            ):
                continue  # stage more before one stacked check
            for number_, outcome in _finish_window(window, kotapintar, work_db):
                if outcome.parsed_rows:
                    release_memory()  # its frames are gone: keep their pages from the next
                if outcome.outcome == "loaded":
                    loaded += 1
                    if loaded % RECYCLE_AFTER_LOADS == 0:
                        work_db.close()  # frees DuckDB's buffer pool; the next source reopens
                line = progress_line(number_, len(entries), outcome)
                # To the run's log (the UI) and to the `kotapintar` logger (the CLI's
                # progress). A failure is a warning here: the failed tidy_valid check is the
                # error of record.
                (log.info if outcome.ok else log.warning)(line)
                (progress.info if outcome.ok else progress.warning)(line)
                yield entries[number_ - 1], outcome
            window = []


def _staged_in_order(
    entries: list[SourceEntry], land: Callable[[SourceEntry], StagedSource], work_db
) -> Iterator[tuple[int, StagedSource]]:
    """Each entry's number and staged source, in catalog order: landed on this thread (the
    database's), parsed on a thread of its own up to AHEAD_SOURCES sources / AHEAD_BYTES ahead
    of the one yielded, so the parse of what comes next overlaps the caller's work on what
    came before. A bug in a parse becomes that source's `failed` outcome here."""
    queue: deque[tuple[int, StagedSource, Future | None]] = deque()
    upcoming = iter(enumerate(entries, 1))
    parser: ThreadPoolExecutor | None = None

    def fill() -> None:
        nonlocal parser
        while len(queue) < AHEAD_SOURCES and _ahead_bytes(queue) < AHEAD_BYTES:
            if any(future is None and staged.to_parse for _, staged, future in queue):
                return  # a big file waits for its turn: nothing is parsed beside it
            item = next(upcoming, None)
            if item is None:
                return
            number, entry = item
            staged = land(entry)
            future = None
            if staged.to_parse and landed_bytes(staged) <= BIG_FILE_BYTES:
                if parser is None:
                    _import_for_threads()
                    parser = ThreadPoolExecutor(1, thread_name_prefix="kotapintar-parse")
                future = parser.submit(_bug_in, parse_staged, staged)
            queue.append((number, staged, future))

    try:
        fill()
        while queue:
            number, staged, future = queue.popleft()
            if future is not None or staged.to_parse:
                bug = future.result() if future is not None else _bug_in(parse_staged, staged)
                if bug is None:
                    bug = _bug_in(check_staged, staged, work_db)
                if bug is not None:
                    staged = _failed(staged, bug, work_db)
            yield number, staged
            fill()
    finally:
        if parser is not None:
            parser.shutdown(wait=True, cancel_futures=True)


def _ahead_bytes(queue) -> int:
    return sum(landed_bytes(staged) for _, staged, future in queue if future is not None)


def _import_for_threads() -> None:
    """Import now what either thread would import on first use (the parsers; the fetchers and
    the workbook writer that this thread may reach while the other parses): two threads
    importing at once can, on an import cycle, stop one with "deadlock detected"."""
    import_readers()
    for module in ("quality.workbook", "sources.bps_feed", "sources.feeds"):
        importlib.import_module(module)


def _bug_in(stage: Callable[..., None], *args) -> Exception | None:
    """Run a stage of staging (parse_staged on either thread, check_staged); a bug is
    returned, to be concluded as the source's `failed` outcome on the database's thread."""
    try:
        stage(*args)
    except Exception as exc:  # the last resort: one source's bug never stops the rest
        return exc
    return None


def _failed(staged: StagedSource, exc: Exception, work_db) -> StagedSource:
    """A bug while staging as the source's concluded `failed` outcome."""
    staged.parsed = None
    outcome = _unexpected(staged.entry, exc, work_db, staged.muat_id, time.perf_counter())
    outcome.seconds += staged.spent
    return StagedSource(staged.entry, staged.muat_id, outcome, load=False, done=True)


class _States:
    """What the work database knows of each source (warehouse.source_state), read for
    STATES_AT_ONCE sources in one query as their turn comes: ~7 ms a query, most of what an
    unchanged source costs when each asked for itself. Read ahead safely: a source's state only
    changes when that source is recorded, after its own landing."""

    def __init__(self, entries: list[SourceEntry], work_db) -> None:
        self._ids = [entry.id for entry in entries]
        self._work_db = work_db
        self._read: dict[str, SourceState] = {}
        self._alone: set[str] = set()  # of a chunk whose query failed: each reads its own

    def of(self, entry: SourceEntry) -> SourceState | None:
        if entry.id not in self._read and entry.id not in self._alone:
            start = self._ids.index(entry.id)
            chunk = self._ids[start : start + STATES_AT_ONCE]
            try:
                with self._work_db() as con:
                    self._read = source_states(con, chunk)
            except Exception:  # e.g. a broken source id: its own read names the problem
                self._alone.update(chunk)
        return self._read.pop(entry.id, None)


def _land(entry, kotapintar, work_db, run_id: str, fetch, load, state=None) -> StagedSource:
    """land_source, with a bug turned into the source's concluded `failed` outcome."""
    started = time.perf_counter()
    muat_id = f"{run_id}:{entry.id}"
    try:
        return land_source(
            entry,
            landing_root=kotapintar.landing_root,
            work_db=work_db,
            offline=kotapintar.offline,
            muat_id=muat_id,
            fetch=fetch(entry),
            quality=kotapintar.quality,
            http=kotapintar.http,
            ckan_token=kotapintar.feed_token,
            bps_key=kotapintar.bps_key,
            load=load(entry),
            state=state,
        )
    except Exception as exc:  # the last resort: one source's bug never stops the rest
        outcome = _unexpected(entry, exc, work_db, muat_id, started)
        return StagedSource(entry, muat_id, outcome, load=False, done=True)


def _finish_window(
    window: list[tuple[int, StagedSource]], kotapintar: KotaPintarResource, work_db
) -> Iterator[tuple[int, SourceOutcome]]:
    """Prove the waiting sources' rules in one stacked pass, then finish each in order."""
    waiting = [s for _, s in window if s.awaits_gate and s.result.parsed_rows <= ALONE_ROWS]
    proven = {}
    if len(waiting) >= 2:
        try:
            proof = quality_stage.prove([(s.entry, s.parsed.tidy) for s in waiting])
        except Exception as exc:  # no proof, no harm: each source is validated alone
            progress.warning("the stacked check of %d sources failed: %s", len(waiting), exc)
        else:
            proven = proof.proven
            for staged in waiting:  # each source's share of the stacked pass
                staged.spent += proof.seconds / len(waiting)
    for number, staged in window:
        started = time.perf_counter()
        try:
            outcome = finish_source(
                staged,
                work_db=work_db,
                quality=kotapintar.quality,
                proven=proven.get(staged.entry.id),
            )
        except Exception as exc:  # the last resort: one source's bug never stops the rest
            staged.parsed = None
            outcome = _unexpected(staged.entry, exc, work_db, staged.muat_id, started)
            outcome.seconds += staged.spent
        yield number, outcome


def _unexpected(entry, exc: Exception, work_db, muat_id: str, started: float) -> SourceOutcome:
    work_db.close()  # the next source starts on a fresh connection
    return unexpected_failure(
        entry, exc, work_db=work_db, muat_id=muat_id, seconds=time.perf_counter() - started
    )


def progress_line(number: int, total: int, outcome: SourceOutcome) -> str:
    """E.g. `[3/15] dinkes_faskes: loaded, 120 rows, 0.41 s`, plus the reason of a failure."""
    line = (
        f"[{number}/{total}] {outcome.source_id}: {outcome.outcome}, {outcome.rows} rows, "
        f"{outcome.seconds:.2f} s"
    )
    # The message may quote a cell: the log line is masked like metadata (assets/metadata.py).
    return mask_text(f"{line} — {outcome.message}") if outcome.message else line


def raw_metadata(outcome: SourceOutcome) -> dict:
    """The landed file: where, its sha256 and size, and what the server said."""
    metadata = outcome_metadata(outcome)
    if outcome.landing is not None:
        metadata.update(
            {
                "path": dg.MetadataValue.path(outcome.landing.path),
                "sha256": outcome.landing.sha256,
                "bytes": outcome.landing.bytes,
                "fetched_at": outcome.landing.fetched_at,
                "location": outcome.landing.location,
                # What the server said (conditional GET, portal timestamps); no body when
                # not_modified.
                **{
                    key: value
                    for key in ("url", "http_status", "etag", "last_modified", "not_modified")
                    if (value := getattr(outcome.landing, key)) not in (None, False)
                },
            }
        )
    return metadata


def tidy_metadata(entry: SourceEntry, outcome: SourceOutcome) -> dict:
    """Rows published, parsed and quarantined, the preview, and freshness: `late` when the
    data last changed longer ago than the entry's schedule allows (quality/freshness.py), which
    the run summary lists; `dagster/last_updated_timestamp` is what the Dagster freshness
    checks (assets/freshness.py) read between runs."""
    metadata = {
        **outcome_metadata(outcome),
        "dagster/row_count": outcome.rows,
        "parsed_rows": outcome.parsed_rows,
        "rows_quarantined": outcome.quarantined,
    }
    if outcome.outside is not None:
        # Rows of other regions in a provincial or national table: neither facts nor errors.
        metadata["rows_outside_city"] = outcome.outside
    if outcome.workbook is not None:
        metadata["koreksi"] = dg.MetadataValue.path(str(outcome.workbook))
    if outcome.preview is not None:
        metadata["preview"] = preview_table(outcome.preview)
    fresh = freshness(entry.schedule, outcome.data_changed_at)
    metadata["late"] = fresh.late
    metadata["freshness"] = fresh.describe()
    if fresh.age is not None:
        metadata["age_days"] = round(fresh.age.total_seconds() / 86400, 2)
        metadata["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(
            outcome.data_changed_at
        )
    return metadata
