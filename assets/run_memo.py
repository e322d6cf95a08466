"""What one step of a run computed that a later step of the same run can take instead of
computing it again: the per-source prints (warehouse/prints.py source_prints) of work tables
that the personal-data guard computes at the end of the warehouse step, which the analyst
snapshot needs next to compare the work tables with the previous analyst file (fact_indikator
of 200 x 10,000: ~0.15 s of both cores, beside the copy of a changed smart_* table).

Sound within one run in this process only: from the guard to the snapshot step nothing writes
those tables. The run holds the work database open from start to end (warehouse.db.kept_open:
DuckDB's file lock shuts out every other process) and holds the run lock
(warehouse/run_lock.py); the guard is the warehouse step's last read of its tables, and no step
between the two writes them. So the prints are kept per run id, in memory: a snapshot
materialized in another run (from the UI, or a re-execution) computes its own.
"""

from collections.abc import Mapping

_WORK_PRINTS: dict[str, dict[str, set[tuple]]] = {}


def keep_work_prints(run_id: str, prints: Mapping[str, set[tuple]]) -> None:
    """Keep `prints` (table -> source_prints of the work table, as of now) for `run_id`'s later
    steps. One run at a time per process: an earlier run's prints are dropped."""
    _WORK_PRINTS.clear()
    _WORK_PRINTS[run_id] = dict(prints)


def work_prints(run_id: str) -> dict[str, set[tuple]]:
    """The prints kept for `run_id` (empty when none were)."""
    return dict(_WORK_PRINTS.get(run_id, {}))
