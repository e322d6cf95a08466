"""The closing summary of a run: one line per source (outcome, rows, seconds, rows quarantined,
reason), the correction workbooks, late sources, and whether the analyst snapshot was published."""

from __future__ import annotations

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

    @property
    def ok(self) -> bool:
        return self.outcome in ("loaded", "unchanged")


@dataclass
class RunSummary:
    sources: list[SourceLine]
    snapshot: str | None
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Quality gate: correction workbooks now open (one per agency), late sources (source id ->
    # how old its data is, decided by quality/freshness.py in the sources step), the Data Docs
    # index.
    workbooks: list[str] = field(default_factory=list)
    late: dict[str, str] = field(default_factory=dict)
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


def _value(metadata: dict, key: str, default=None):
    item = metadata.get(key)
    return default if item is None else getattr(item, "value", item)


def summarize(result, settings: Settings, seconds: float) -> RunSummary:
    """Build the summary from an ExecuteInProcessResult's events."""
    sources: list[SourceLine] = []
    late: dict[str, str] = {}
    snapshot = None
    # A night with nothing new observes `tidy/<id>` instead of materializing it (same
    # metadata; assets/source_assets.py).
    observed = [
        (e.asset_key, e.asset_observation_data.asset_observation.metadata)
        for e in result.get_asset_observation_events()
    ]
    for asset_key, metadata in [
        *(
            (e.asset_key, e.materialization.metadata)
            for e in result.get_asset_materialization_events()
        ),
        *observed,
    ]:
        key = asset_key.path
        if key[0] == "tidy":
            if _value(metadata, "late", False):
                late[key[1]] = str(_value(metadata, "freshness", "late"))
            sources.append(
                SourceLine(
                    source_id=key[1],
                    outcome=_value(metadata, "outcome", "?"),
                    rows=int(_value(metadata, "dagster/row_count", 0)),
                    seconds=float(_value(metadata, "seconds", 0.0)),
                    message=_value(metadata, "message", ""),
                    quarantined=int(_value(metadata, "rows_quarantined", 0)),
                )
            )
        elif key == ["analyst_snapshot"]:
            snapshot = str(settings.warehouse)
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.asset_key.path[0] != "tidy"
    ]
    failed_steps = [e.step_key for e in result.get_step_failure_events()]
    unchanged_since = next(
        (
            str(_value(metadata, "published_at", "?"))
            for asset_key, metadata in observed
            if asset_key.path == ["run_changes"]
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
        seconds=seconds,
        workbooks=sorted(str(p) for p in koreksi.glob("koreksi_*.xlsx"))
        if koreksi.is_dir()
        else [],
        late=late,
        data_docs=str(index) if index else None,
        unchanged_since=unchanged_since if snapshot is None else None,
    )
