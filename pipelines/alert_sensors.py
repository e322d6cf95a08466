"""Alert sensors: after each `nightly_refresh` and `publish_portal` run, one message when the
run needs a person, by e-mail or webhook (pipelines/alert_channels.py).

- nightly_refresh: a source failed or was rejected, a step failed, a source is late, the analyst
  snapshot was not published, or the gate withheld a table from the open exports; read from
  the run's events with the same summary `kotapintar run` prints (pipelines/summary.py);
- publish_portal: the run failed, or the gate withheld a dataset from the portal.

Each run is judged once: a run status sensor keeps a cursor on the run status events it has
seen, so a run is never alerted twice (nor alerted at all if it finished before the sensor was
first started). The sensors watch every run on the instance, filtered by job name here, so that
a `kotapintar run` recorded under DAGSTER_HOME (a run without a code location) is seen too.
"""

from __future__ import annotations

import dagster as dg

from assets.publish_assets import PORTAL_ASSET
from pipelines.alert_channels import channels, send_alert
from pipelines.alerts import Alert
from pipelines.settings import Settings, alert_webhook_url
from pipelines.summary import RunSummary, error_text, summarize_run

# The job names of pipelines/definitions.py, which imports this module (tests/test_alerts.py
# holds them equal).
NIGHTLY_JOB = "nightly_refresh"
PUBLISH_JOB = "publish_portal"
PREFIX = "[Kota Pintar]"


def nightly_alert(
    summary: RunSummary, run_id: str, settings: Settings, failure: str | None = None
) -> Alert | None:
    """The alert for a nightly run, or None when it needs nobody."""
    bad = [s for s in summary.sources if not s.ok]
    problems = [(s.source_id, f"{s.outcome}: {s.message}" if s.message else s.outcome) for s in bad]
    problems += [(source, f"late: {age}") for source, age in sorted(summary.late.items())]
    steps = summary.failed_steps
    problems += [(f"step {step}", summary.step_errors.get(step, "failed")) for step in steps]
    published = bool(summary.snapshot) or summary.unchanged_since is not None
    if not published:
        problems.append(("analyst_snapshot", "NOT published; analysts keep the previous file"))
    withheld = {table: why for table, why in summary.withheld.items() if _blocked(why)}
    problems += [(table, f"withheld from the exports: {why}") for table, why in withheld.items()]
    if failure and not steps:
        problems.append(("run", failure))
    if not problems:
        return None
    if not published:  # the failed checks are the likely reason
        problems += [(f"check {name}", "failed") for name in summary.failed_checks]
    counts = [
        f"{len(bad)} of {_n(len(summary.sources), 'source')} failed" if bad else "",
        f"{len(summary.late)} late" if summary.late else "",
        f"{_n(len(steps), 'step')} failed" if steps else "",
        "" if published else "snapshot not published",
        f"{_n(len(withheld), 'table')} withheld" if withheld else "",
    ]
    if failure:
        state = "failed"
    elif bad or steps or not published or withheld:
        state = "partly failed"
    else:
        state = "ok, but"
    return Alert(
        subject=f"{PREFIX} {NIGHTLY_JOB} {state}: {', '.join(c for c in counts if c)}",
        problems=tuple(problems),
        run_id=run_id,
        link=settings.alerts.run_link(run_id),
        job=NIGHTLY_JOB,
    )


def publish_problems(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    """(dataset or step, reason) for each dataset withheld or failed and each failed step."""
    wanted = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.STEP_FAILURE}
    problems: list[tuple[str, str]] = []
    for entry in instance.all_logs(run_id, of_type=wanted):
        event = entry.dagster_event
        if event is None:
            continue
        if event.is_step_materialization:
            if event.asset_key != dg.AssetKey(PORTAL_ASSET):
                continue
            metadata = event.materialization.metadata
        else:
            data = event.step_failure_data
            metadata = data.user_failure_data.metadata if data.user_failure_data else {}
            if not _mapping(metadata, "failed"):  # else the datasets below say it better
                problems.append((f"step {event.step_key}", error_text(data.error)))
        withheld = _mapping(metadata, "withheld")
        problems += [(n, f"withheld: {why}") for n, why in withheld.items() if _blocked(why)]
        problems += [(n, f"failed: {why}") for n, why in _mapping(metadata, "failed").items()]
    return problems


def publish_alert(
    instance: dg.DagsterInstance, run_id: str, settings: Settings, failure: str | None = None
) -> Alert | None:
    """The alert for a portal publication run, or None when it needs nobody."""
    problems = publish_problems(instance, run_id)
    if failure and not problems:
        problems.append(("run", failure))
    if not problems:
        return None
    steps = sum(1 for what, _ in problems if what.startswith("step "))
    withheld = sum(1 for _, why in problems if why.startswith("withheld: "))
    failed = sum(1 for _, why in problems if why.startswith("failed: "))
    counts = [
        f"{_n(steps, 'step')} failed" if steps else "",
        f"{_n(failed, 'dataset')} failed" if failed else "",
        f"{_n(withheld, 'dataset')} withheld" if withheld else "",
    ]
    what = ", ".join(c for c in counts if c) or "see the run"
    return Alert(
        subject=f"{PREFIX} {PUBLISH_JOB} {'failed' if failure else 'blocked'}: {what}",
        problems=tuple(problems),
        run_id=run_id,
        link=settings.alerts.run_link(run_id),
        job=PUBLISH_JOB,
    )


def alert_for_run(
    instance: dg.DagsterInstance, run: dg.DagsterRun, settings: Settings, failure: str | None
) -> Alert | None:
    """The alert for a finished run of one of the two jobs (None: nothing to say)."""
    if run.job_name == NIGHTLY_JOB:
        summary = summarize_run(instance, run.run_id, settings)
        return nightly_alert(summary, run.run_id, settings, failure)
    if run.job_name == PUBLISH_JOB:
        return publish_alert(instance, run.run_id, settings, failure)
    return None


def _blocked(reason: str) -> bool:
    """A table the gate withheld for a reason someone must act on; an empty one (none of its
    sources has loaded yet, e.g. while a catalog is being built up) is not news every night."""
    return not str(reason).startswith("no rows")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _mapping(metadata, key: str) -> dict:
    item = metadata.get(key)
    value = getattr(item, "value", item)
    return value if isinstance(value, dict) else {}


def build_alert_sensors(settings: Settings) -> list[dg.SensorDefinition]:
    """One sensor for finished runs and one for failed runs; on by default only when a channel
    is configured (KOTAPINTAR_ALERT_SMTP_HOST + _TO, or KOTAPINTAR_ALERT_WEBHOOK_URL)."""
    configured = settings.alerts.email or bool(alert_webhook_url())
    default = dg.DefaultSensorStatus.RUNNING if configured else dg.DefaultSensorStatus.STOPPED

    def sensor(status: dg.DagsterRunStatus, name: str, when: str) -> dg.SensorDefinition:
        @dg.run_status_sensor(
            name=name,
            run_status=status,
            monitor_all_code_locations=True,
            default_status=default,
            description=f"After each {when} run of {NIGHTLY_JOB} or {PUBLISH_JOB}: send an "
            "alert (e-mail, webhook) when a source failed, is late or a publication is "
            "blocked. Nothing is sent when no channel is configured.",
        )
        def _alert(context: dg.RunStatusSensorContext) -> None:
            run = context.dagster_run
            if run.job_name not in (NIGHTLY_JOB, PUBLISH_JOB):
                return
            failure = None
            if status == dg.DagsterRunStatus.FAILURE:
                failure = context.dagster_event.message or "the run failed"
            alert = alert_for_run(context.instance, run, settings, failure)
            to = channels(settings.alerts)
            if alert is None or not to:
                why = "nothing to report" if alert is None else "no alert channel configured"
                context.log.info(f"Run {run.run_id} of {run.job_name}: {why}; nothing sent.")
                return
            sent = send_alert(alert, to, context.log)
            done = f"alert sent by {', '.join(sent)}" if sent else "alert NOT sent (see above)"
            context.log.info(f"Run {run.run_id} of {run.job_name}: {done}.")

        return _alert

    return [
        sensor(dg.DagsterRunStatus.SUCCESS, "alert_after_success", "successful"),
        sensor(dg.DagsterRunStatus.FAILURE, "alert_after_failure", "failed"),
    ]
