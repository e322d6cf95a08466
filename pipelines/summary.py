"""The closing summary of a run: one line per source (outcome, rows, seconds, reason) and whether
the analyst snapshot was published."""

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

    @property
    def success(self) -> bool:
        return not self.failed_steps and all(s.ok for s in self.sources) and bool(self.snapshot)

    def render(self) -> str:
        lines = ["", f"{'source':32} {'outcome':9} {'rows':>7} {'seconds':>8}"]
        for s in self.sources:
            lines.append(f"{s.source_id:32} {s.outcome:9} {s.rows:7d} {s.seconds:8.2f}")
        bad = [s for s in self.sources if not s.ok]
        for s in bad:
            lines.append(f"\n{s.source_id} {s.outcome}: {s.message}")
        for name in self.failed_checks:
            lines.append(f"check failed: {name}")
        for step in self.failed_steps:
            lines.append(f"step failed: {step}")
        loaded = sum(1 for s in self.sources if s.ok)
        lines.append(
            f"\n{loaded}/{len(self.sources)} sources ok, {len(bad)} failed, "
            f"{self.seconds:.1f} s in all."
        )
        if self.snapshot:
            lines.append(f"Analyst snapshot published: {self.snapshot}")
        else:
            lines.append("Analyst snapshot NOT published; the previous file is unchanged.")
        return "\n".join(lines)


def _value(metadata: dict, key: str, default=None):
    item = metadata.get(key)
    return default if item is None else getattr(item, "value", item)


def summarize(result, settings: Settings, seconds: float) -> RunSummary:
    """Build the summary from an ExecuteInProcessResult's events."""
    sources: list[SourceLine] = []
    snapshot = None
    for event in result.get_asset_materialization_events():
        key = event.asset_key.path
        metadata = event.materialization.metadata
        if key[0] == "tidy":
            sources.append(
                SourceLine(
                    source_id=key[1],
                    outcome=_value(metadata, "outcome", "?"),
                    rows=int(_value(metadata, "dagster/row_count", 0)),
                    seconds=float(_value(metadata, "seconds", 0.0)),
                    message=_value(metadata, "message", ""),
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
    return RunSummary(
        sources=sorted(sources, key=lambda s: s.source_id),
        snapshot=snapshot,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        seconds=seconds,
    )
