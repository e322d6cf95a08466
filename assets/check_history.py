"""A check's last real result, re-emitted when the data it judged has not changed.

Why: a check planned in a run but not evaluated reads "Skipped" in the Dagster UI, and after a
night with nothing new that would be every check, on data that is unchanged and good. Instead
the step that owns the check emits the previous evaluation again (passed, severity, metadata),
marked with the run that really evaluated it. The result targets the asset's latest
materialization, which is still the one that evaluation judged.
"""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

EVALUATED_IN = "evaluated_in_run"
NOTE = "unchanged"
_REAL = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}


def last_evaluation(instance: dg.DagsterInstance, key: dg.AssetCheckKey):
    """The last evaluation of `key` that recorded a result (not merely planned), or None."""
    records = instance.event_log_storage.get_asset_check_execution_history(
        key, limit=1, status=_REAL
    )
    if not records or records[0].event is None or records[0].event.dagster_event is None:
        return None
    return records[0].event.dagster_event.event_specific_data, records[0].run_id


def repeat_last(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, reason: str
) -> dg.AssetCheckResult | None:
    """The last evaluation of `key` again, saying why and which run evaluated it; None when the
    check was never evaluated on this instance (the caller evaluates it then)."""
    found = last_evaluation(instance, key)
    if found is None:
        return None
    evaluation, run_id = found
    metadata = dict(evaluation.metadata)
    evaluated_in = getattr(metadata.get(EVALUATED_IN), "value", None) or run_id
    metadata[EVALUATED_IN] = dg.MetadataValue.text(str(evaluated_in))
    metadata[NOTE] = dg.MetadataValue.text(f"{reason}; result of run {str(evaluated_in)[:8]}")
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=evaluation.passed,
        severity=evaluation.severity,
        metadata=metadata,
        description=evaluation.description,
    )


class CheckTargets:
    """Check results of many assets, handed to Dagster after one query for their targets.

    Dagster links every check result to its asset's latest materialization and reads it from
    the instance, one query per result (~3-5 ms): two per source in the `sources` step, whose
    sources mostly have nothing new. `settled` reads the latest materializations of a batch of
    results' assets in one query into the step's own cache, where Dagster looks first, and then
    hands the results over: each asset's materialization of this step was stored before (it
    was yielded before its check), so every result targets it as before. This uses Dagster's
    private step context: with a Dagster that lacks it, the results go as they are and each is
    read alone."""

    def __init__(self, context: dg.AssetExecutionContext) -> None:
        step = getattr(context, "op_execution_context", None)
        step = getattr(step, "_step_execution_context", None)
        cache = getattr(step, "_data_version_cache", None)
        ready = hasattr(cache, "_fetch_input_asset_version_info")
        self._step = step if ready and hasattr(step, "wipe_input_asset_version_info") else None

    def settled(self, results: list[dg.AssetCheckResult]) -> Iterator[dg.AssetCheckResult]:
        keys = list(dict.fromkeys(r.asset_key for r in results if r.asset_key is not None))
        if self._step is not None and keys:
            for key in keys:  # a materialization read before this step's: read again
                self._step.wipe_input_asset_version_info(key)
            self._step._data_version_cache._fetch_input_asset_version_info(keys)
        yield from results
