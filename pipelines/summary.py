"""The closing summary of a run: one line per source (outcome, rows, seconds, rows quarantined,
reason), rows outside Kota Malang in provincial or national tables, the correction workbooks,
late sources, and whether the analyst snapshot was published."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.settings import Settings


@dataclass(frozen=True)
class SourceLine:
    source_id: str
    outcome: str
    rows: int
    seconds: float
    message: str = ""
    quarantined: int = 0
    # Rows of other regions a provincial or national table listed (`parse.region.covers`).
    outside: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome in ("loaded", "unchanged")


@dataclass
class RunSummary:
    sources: list[SourceLine]
    snapshot: str | None
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    # step key -> the error it failed with (its innermost cause), for pipelines/alert_sensors.py
    step_errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # Quality gate: correction workbooks now open (one per agency), late sources (source id ->
    # how old its data is, decided by quality/freshness.py in the sources step), the Data Docs
    # index.
    workbooks: list[str] = field(default_factory=list)
    late: dict[str, str] = field(default_factory=dict)
    # Tables the publication gate kept out of the open exports (table -> reason).
    withheld: dict[str, str] = field(default_factory=dict)
    data_docs: str | None = None
    # Set when nothing was new (run_changes, assets/changes_asset.py): the warehouse build and
    # the snapshot were skipped on purpose and the analyst file is the one of this time.
    unchanged_since: str | None = None

    @property
    def success(self) -> bool:
        published = bool(self.snapshot) or self.unchanged_since is not None
        return not self.failed_steps and all(s.ok for s in self.sources) and published

    def render(self) -> str:
        lines = ["", f"{'source':32} {'outcome':9} {'rows':>7} {'seconds':>8} {'quarantined':>11}"]
        for s in self.sources:
            lines.append(
                f"{s.source_id:32} {s.outcome:9} {s.rows:7d} {s.seconds:8.2f} {s.quarantined:11d}"
            )
        bad = [s for s in self.sources if not s.ok]
        for s in bad:
            lines.append(f"\n{s.source_id} {s.outcome}: {s.message}")
        for s in self.sources:
            if s.ok and s.quarantined:  # a partial load is never silent: rows held, the share
                lines.append(f"\n{s.source_id} {s.message.split('. ')[0]}")
        for s in self.sources:
            if s.outside:  # counted, neither facts nor errors: said so the count is seen
                lines.append(
                    f"{s.source_id}: {s.outside} rows outside Kota Malang (other regions of "
                    "the table), not loaded"
                )
        for name in self.failed_checks:
            lines.append(f"check failed: {name}")
        for step in self.failed_steps:
            lines.append(f"step failed: {step}")
        for source_id, age in sorted(self.late.items()):
            lines.append(f"late: {source_id} ({age})")
        if self.workbooks:
            lines.append("\nCorrection workbooks (lembar koreksi) for the agencies:")
            lines += [f"  {path}" for path in self.workbooks]
        if self.data_docs:
            lines.append(f"Data Docs: {self.data_docs}")
        loaded = sum(1 for s in self.sources if s.ok)
        lines.append(
            f"\n{loaded}/{len(self.sources)} sources ok, {len(bad)} failed, "
            f"{self.seconds:.1f} s in all."
        )
        if self.snapshot:
            lines.append(f"Analyst snapshot published: {self.snapshot}")
        elif self.unchanged_since is not None:
            lines.append(
                f"Nothing new since the analyst snapshot of {self.unchanged_since}: the "
                "warehouse was not rebuilt and the analyst file is unchanged."
            )
        else:
            lines.append("Analyst snapshot NOT published; the previous file is unchanged.")
        return "\n".join(lines)


CHECK_EVENT = "ASSET_CHECK_EVALUATION"


def _value(metadata: dict, key: str, default=None):
    item = metadata.get(key)
    return default if item is None else getattr(item, "value", item)


def source_id(path: list[str]) -> str | None:
    """The catalog id of a source's tidy asset key (`tidy/<id>` or `tidy_<id>`), else None."""
    if len(path) == 2 and path[0] == "tidy":
        return path[1]
    if len(path) == 1 and path[0].startswith("tidy_"):
        return path[0].removeprefix("tidy_")
    return None


def _is_raw(path: list[str]) -> bool:
    # A source's fetch check: its failure is the source's line, not a failed warehouse check.
    return len(path) == 1 and path[0].startswith("raw_")


def summarize(result, settings: Settings, seconds: float) -> RunSummary:
    """Build the summary from an ExecuteInProcessResult's events."""
    return summarize_events(result.all_events, settings, seconds)


def summarize_run(instance, run_id: str, settings: Settings) -> RunSummary:
    """Build the summary of a recorded run from its events on `instance` (e.g. in a sensor)."""
    from dagster import DagsterEventType

    wanted = {
        DagsterEventType.ASSET_MATERIALIZATION,
        DagsterEventType.ASSET_OBSERVATION,
        DagsterEventType.ASSET_CHECK_EVALUATION,
        DagsterEventType.STEP_FAILURE,
    }
    events = [e.dagster_event for e in instance.all_logs(run_id, of_type=wanted)]
    stats = instance.get_run_stats(run_id)
    seconds = (stats.end_time or 0.0) - (stats.start_time or 0.0)
    return summarize_events([e for e in events if e is not None], settings, max(seconds, 0.0))


def summarize_events(events, settings: Settings, seconds: float) -> RunSummary:
    """Build the summary from a run's DagsterEvents."""
    sources: list[SourceLine] = []
    late: dict[str, str] = {}
    withheld: dict[str, str] = {}
    snapshot = None
    # An unchanged or failed source's `tidy_<id>` is observed instead of materialized (same
    # metadata; assets/source_assets.py).
    observed = [
        (e.asset_key, e.asset_observation_data.asset_observation.metadata)
        for e in events
        if e.is_asset_observation
    ]
    materialized = [
        (e.asset_key, e.materialization.metadata) for e in events if e.is_step_materialization
    ]
    for asset_key, metadata in [*materialized, *observed]:
        key = asset_key.path
        if (sid := source_id(key)) is not None:
            if _value(metadata, "late", False):
                late[sid] = str(_value(metadata, "freshness", "late"))
            sources.append(
                SourceLine(
                    source_id=sid,
                    outcome=_value(metadata, "outcome", "?"),
                    rows=int(_value(metadata, "dagster/row_count", 0)),
                    seconds=float(_value(metadata, "seconds", 0.0)),
                    message=_value(metadata, "message", ""),
                    quarantined=int(_value(metadata, "rows_quarantined", 0)),
                    outside=int(_value(metadata, "rows_outside_city", 0) or 0),
                )
            )
        elif key == ["analyst_snapshot"]:
            snapshot = str(settings.warehouse)
        elif key == ["open_exports"]:
            withheld = dict(_value(metadata, "withheld", None) or {})
    failed_checks = [
        f"{c.asset_key.to_user_string()}:{c.check_name}"
        for c in (e.event_specific_data for e in events if e.event_type_value == CHECK_EVENT)
        if not c.passed and source_id(c.asset_key.path) is None and not _is_raw(c.asset_key.path)
    ]
    failures = [e for e in events if e.is_step_failure]
    failed_steps = [e.step_key for e in failures]
    step_errors = {e.step_key: _error_message(e) for e in failures}
    unchanged_since = next(
        (
            str(_value(metadata, "published_at", "?"))
            for asset_key, metadata in [*materialized, *observed]
            if asset_key.path == ["run_changes"] and not _value(metadata, "changed", True)
        ),
        None,
    )
    koreksi = settings.koreksi_path
    docs = settings.data_docs_path
    index = docs / "index.html" if docs is not None and (docs / "index.html").is_file() else None
    return RunSummary(
        sources=sorted(sources, key=lambda s: s.source_id),
        snapshot=snapshot,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        step_errors=step_errors,
        seconds=seconds,
        workbooks=sorted(str(p) for p in koreksi.glob("koreksi_*.xlsx"))
        if koreksi.is_dir()
        else [],
        late=late,
        withheld=withheld,
        data_docs=str(index) if index else None,
        unchanged_since=unchanged_since if snapshot is None else None,
    )


def _error_message(event) -> str:
    return error_text(event.step_failure_data.error)


def error_text(error) -> str:
    """The innermost cause of a step's SerializableErrorInfo, without Dagster's wrapper and the
    exception's module path ("PortalUnreachable: the portal ... did not answer")."""
    if error is None:
        return "failed"
    while error.cause is not None:
        error = error.cause
    return re.sub(r"^(?:\w+\.)+(?=\w+: )", "", error.message.strip())
