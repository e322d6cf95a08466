"""The nightly schedule: 01:00 Asia/Jakarta, asking first whether there is anything new.

Before this, every tick started the whole job, and a night with nothing new still cost the job
(500 sources x 10,000 rows: ~110 s of unchanged sources, each checked and recorded as a step's
events). The tick now asks what `kotapintar run` asks (pipelines/quiet_night.py, ~1-3 s, read
only): with nothing new it skips, and the tick's reason in the UI says since when nothing is
new; otherwise it requests a run of the nightly job without the sources it proved unchanged,
so on a night when one agency of 200 published the run plans, fetches and records one source.
When the check cannot decide (another run holds the work database for longer than a tick may
wait, or the check fails), the tick requests the whole job as before: the run queue and the
job's own lock wait for the other run, and the job decides for each source.
"""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from pipelines.settings import Settings
from quality.pii import mask_text

SCHEDULE = "nightly_refresh_schedule"
CRON = "0 1 * * *"
TIMEZONE = "Asia/Jakarta"
# How long a tick waits for a run that holds the work database before it leaves the decision to
# the job (the daemon's evaluation of a tick must stay short).
CHECK_WAIT_SECONDS = 20.0


def build_nightly_schedule(
    settings: Settings, job, nightly_keys: Callable[[], set[dg.AssetKey]]
) -> dg.ScheduleDefinition:
    """The nightly schedule of `job`; `nightly_keys()` are the asset keys that job selects."""

    @dg.schedule(
        name=SCHEDULE,
        job=job,
        cron_schedule=CRON,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Every night at 01:00 WIB (Asia/Jakarta). Skips the night when nothing is "
        "new since the analyst snapshot (the check of `kotapintar run`); otherwise runs "
        "the job without the sources found unchanged.",
    )
    def nightly_refresh_schedule(context: dg.ScheduleEvaluationContext):
        return tonight(settings, nightly_keys, context.log)

    return nightly_refresh_schedule


def tonight(settings: Settings, nightly_keys: Callable[[], set[dg.AssetKey]], log):
    """The tick's answer: a SkipReason when nothing is new, else a RunRequest (without the
    unchanged sources when there are any)."""
    from pipelines.quiet_night import check, left_out

    try:
        verdict = check(settings, wait_limit_seconds=CHECK_WAIT_SECONDS)
    except Exception as exc:  # the check never costs a night: the job decides as it always did
        why = mask_text(f"{type(exc).__name__}: {exc}")
        log.warning(f"nothing-new check could not decide ({why}); running the whole job")
        return dg.RunRequest(tags={"kotapintar/tonight": "whole job (check failed)"})
    if verdict.summary is not None:
        return dg.SkipReason(
            f"Nothing new since the analyst snapshot of {verdict.summary.unchanged_since}: "
            f"{len(verdict.summary.sources)} sources unchanged, none late, exports current. "
            "Run the job by hand to rebuild anyway."
        )
    leave = left_out(verdict)
    log.info(f"running the job: {verdict.reason}")
    if not leave:
        return dg.RunRequest(tags={"kotapintar/tonight": "whole job"})
    return dg.RunRequest(
        asset_selection=sorted(nightly_keys() - leave),
        tags={"kotapintar/tonight": f"{len(verdict.unchanged)} unchanged sources left out"},
    )
