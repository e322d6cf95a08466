"""The one `sources` step: every catalog source refreshed in one Dagster step over one
work-database connection, a progress line per source, a bug in one source never stopping the
others, and one source still materializable on its own."""

import threading
from contextlib import nullcontext

import dagster as dg
import duckdb
import pytest
from test_pipeline import SMALL, make_settings, read

import assets.resources
import assets.source_step
from assets.source_assets import (
    FAILED_SOURCES_TAG,
    FETCH_CHECK,
    SOURCES_STEP,
    TIDY_CHECK,
    raw_key,
    tidy_key,
)
from assets.source_run import SourceOutcome
from assets.source_step import progress_line
from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.summary import summarize
from sources.catalog import load_catalog


def execute(settings, instance=None, **kwargs):
    """Run the nightly job; the summary and the step's progress lines (from the instance)."""
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    instance = instance or dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(raise_on_error=False, instance=instance, **kwargs)
    lines = [
        e.user_message
        for e in instance.all_logs(result.run_id)
        if e.dagster_event is None and e.step_key == SOURCES_STEP
    ]
    return result, summarize(result, settings, 0.0), lines


def _stage_and_source(key: dg.AssetKey) -> tuple[str, ...]:
    """("tidy", id) for `tidy_<id>`, ("raw", id) for `raw_<id>`, else the key's path."""
    stage, _, source = key.path[0].partition("_")
    return (stage, source) if stage in ("raw", "tidy") and source in SMALL else tuple(key.path)


def materialized(result) -> set[tuple[str, ...]]:
    return {_stage_and_source(e.asset_key) for e in result.get_asset_materialization_events()} & {
        (stage, s) for s in SMALL for stage in ("raw", "tidy")
    }


def test_every_source_is_one_step_with_its_assets_and_checks():
    defs = build_definitions()
    entries = load_catalog()
    sources = defs.resolve_assets_def(tidy_key(entries[0]))
    assert sources.op.name == SOURCES_STEP and sources.can_subset
    assert sources.keys == {k for e in entries for k in (raw_key(e), tidy_key(e))} | {
        dg.AssetKey("run_changes")
    }
    assert sources.check_keys == {
        k
        for e in entries
        for k in (
            dg.AssetCheckKey(tidy_key(e), TIDY_CHECK),
            dg.AssetCheckKey(raw_key(e), FETCH_CHECK),
        )
    }
    job = defs.resolve_job_def(NIGHTLY_JOB)
    steps = [n.name for n in job.nodes_in_topological_order]
    assert steps[0] == SOURCES_STEP
    assert not [name for name in steps if name.startswith("source__")]


@pytest.mark.parametrize(
    ("outcome", "line"),
    [
        (
            SourceOutcome("dinkes_faskes", rows=120, seconds=0.414),
            "[3/15] dinkes_faskes: loaded, 120 rows, 0.41 s",
        ),
        (
            SourceOutcome("dlh_ispu", outcome="rejected", message="HTML page", seconds=1.5),
            "[3/15] dlh_ispu: rejected, 0 rows, 1.50 s — HTML page",
        ),
    ],
)
def test_progress_line(outcome, line):
    assert progress_line(3, 15, outcome) == line


def test_one_broken_source_never_fails_the_step(tmp_path, monkeypatch):
    settings = make_settings(tmp_path, SMALL)
    real = assets.source_step.land_source

    def buggy(entry, **kwargs):
        if entry.id == "dishub_angkutan":  # the second of three, in catalog order
            raise KeyError("kolom_hilang")
        return real(entry, **kwargs)

    monkeypatch.setattr(assets.source_step, "land_source", buggy)
    result, summary, lines = execute(settings)
    assert result.success, "the step itself succeeds"
    # The broken source has no new file and no new rows: nothing of it is materialized...
    ok = [s for s in SMALL if s != "dishub_angkutan"]
    assert materialized(result) == {(stage, s) for s in ok for stage in ("raw", "tidy")}

    assert not summary.failed_steps
    outcomes = {s.source_id: s for s in summary.sources}
    assert {k: s.outcome for k, s in outcomes.items()} == {
        "dinkes_faskes": "loaded",
        "dishub_angkutan": "failed",
        "diskopindag_umkm": "loaded",
    }
    assert outcomes["dishub_angkutan"].message == (
        "Source `dishub_angkutan`: unexpected error KeyError: 'kolom_hilang'. This is a bug in "
        "the pipeline, not in the agency file: report it with the run's log; the last good rows "
        "stay."
    )
    [check] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key.path == ["tidy_dishub_angkutan"]
    ]
    assert not check.passed
    # The sources after the broken one ran, and the failure is in meta_muat too.
    assert summary.snapshot
    assert read(
        settings,
        "SELECT outcome, tahap FROM meta_muat WHERE sumber_id = 'dishub_angkutan'",
    ) == [("failed", "unexpected")]
    assert lines[1].startswith("[2/3] dishub_angkutan: failed, 0 rows, ")
    assert lines[1].endswith(" s — " + outcomes["dishub_angkutan"].message)
    assert [line.split(":")[0] for line in lines] == [
        "[1/3] dinkes_faskes",
        "[2/3] dishub_angkutan",
        "[3/3] diskopindag_umkm",
        "1 source(s) failed; their last good rows stay",
    ]
    assert lines[3].endswith("- dishub_angkutan: " + outcomes["dishub_angkutan"].message)


def test_a_bug_in_the_parse_thread_fails_only_its_source(tmp_path, monkeypatch):
    """Sources are parsed on a thread of their own (assets/source_step.py): a bug there is
    that source's `failed` outcome, concluded on the step's thread, and the others load."""
    settings = make_settings(tmp_path, SMALL)
    real = assets.source_step.parse_staged
    threads = []

    def buggy(staged):
        threads.append(threading.current_thread().name)
        if staged.entry.id == "dinkes_faskes":  # the first of three
            raise ValueError("sel_rusak")
        return real(staged)

    monkeypatch.setattr(assets.source_step, "parse_staged", buggy)
    result, summary, lines = execute(settings)
    assert result.success
    assert {s.source_id: s.outcome for s in summary.sources} == {
        "dinkes_faskes": "failed",
        "dishub_angkutan": "loaded",
        "diskopindag_umkm": "loaded",
    }
    assert "unexpected error ValueError: sel_rusak" in lines[0]
    assert [line.split(":")[0] for line in lines[:3]] == [
        "[1/3] dinkes_faskes",
        "[2/3] dishub_angkutan",
        "[3/3] diskopindag_umkm",
    ]
    assert threads and all(name.startswith("kotapintar-parse") for name in threads)
    assert read(
        settings, "SELECT outcome, tahap FROM meta_muat WHERE sumber_id = 'dinkes_faskes'"
    ) == [("failed", "unexpected")]


def test_sources_are_staged_in_order_and_big_files_parsed_alone(monkeypatch):
    """_staged_in_order yields in catalog order; a file bigger than BIG_FILE_BYTES is parsed on
    the step's thread when its turn comes, with no other parse beside it."""
    from types import SimpleNamespace

    from assets.source_run import StagedSource

    sizes = [10, assets.source_step.BIG_FILE_BYTES + 1, 10, 10]
    entries = [SimpleNamespace(id=f"s{i}") for i in range(len(sizes))]
    events: list[tuple[str, str]] = []

    def land(entry):
        events.append(("land", entry.id))
        size = sizes[int(entry.id[1:])]
        outcome = SourceOutcome(entry.id, landing=SimpleNamespace(bytes=size, path="x"))
        return StagedSource(entry, f"m:{entry.id}", outcome, load=True, to_parse=True)

    def parse(staged):
        staged.to_parse = False
        events.append((threading.current_thread().name.split("_")[0], staged.entry.id))

    monkeypatch.setattr(assets.source_step, "parse_staged", parse)
    monkeypatch.setattr(assets.source_step, "check_staged", lambda staged, work_db: None)
    monkeypatch.setattr(assets.source_step, "_import_for_threads", lambda: None)
    order = [n for n, _ in assets.source_step._staged_in_order(entries, land, None)]
    assert order == [1, 2, 3, 4]
    main = threading.current_thread().name
    parsed = [(thread, source) for thread, source in events if thread != "land"]
    assert parsed == [
        ("kotapintar-parse", "s0"),
        (main.split("_")[0], "s1"),
        ("kotapintar-parse", "s2"),
        ("kotapintar-parse", "s3"),
    ]
    # Nothing after the big file was landed (so parsed) before it was.
    assert events.index(("land", "s2")) > events.index((main.split("_")[0], "s1"))


def count_connections(monkeypatch) -> list[str]:
    """The paths the sources step opens, in order (the list fills as the job runs)."""
    opened: list[str] = []
    real = assets.resources.connect

    def counting(path, **kwargs):
        opened.append(str(path))
        return real(path, **kwargs)

    monkeypatch.setattr(assets.resources, "connect", counting)
    return opened


def test_one_connection_for_the_step_and_one_source_alone(tmp_path, monkeypatch):
    settings = make_settings(tmp_path, SMALL)
    instance = dg.DagsterInstance.ephemeral()
    assert execute(settings, instance)[1].success
    opened = count_connections(monkeypatch)
    result, summary, lines = execute(settings, instance)
    assert {s.outcome for s in summary.sources} == {"unchanged"}
    # Nothing new landed and no rows changed: nothing is materialized; each tidy asset is
    # observed (outcome, rows, freshness) and its checks report the night.
    assert materialized(result) == set()
    sources_checks = [
        e for e in result.get_asset_check_evaluations() if e.check_name in (TIDY_CHECK, FETCH_CHECK)
    ]
    assert len(sources_checks) == 2 * len(SMALL) and all(e.passed for e in sources_checks)
    assert lines[0].startswith("[1/3] dinkes_faskes: unchanged, ")
    assert len(opened) == 1, "three unchanged sources, one connection"
    # Closed when the step ended: another process can open the file.
    duckdb.connect(opened[0]).close()

    # One source on its own (the UI's "materialize selected"): only it is refreshed.
    entry = next(e for e in load_catalog(settings.catalog_dir) if e.id == "dishub_angkutan")
    result, summary, lines = execute(settings, asset_selection=[raw_key(entry), tidy_key(entry)])
    assert result.success
    assert [s.source_id for s in summary.sources] == ["dishub_angkutan"]
    checks = [(c.asset_key, c.check_name) for c in result.get_asset_check_evaluations()]
    assert (tidy_key(entry), TIDY_CHECK) in checks and (raw_key(entry), FETCH_CHECK) in checks
    assert {key for key, _ in checks} == {tidy_key(entry), raw_key(entry)}
    assert len(lines) == 1 and lines[0].startswith("[1/1] dishub_angkutan: unchanged, ")


def test_the_shared_connection_is_reopened_after_every_few_loads(tmp_path, monkeypatch):
    settings = make_settings(tmp_path, SMALL)
    opened = count_connections(monkeypatch)
    monkeypatch.setattr(assets.source_step, "RECYCLE_AFTER_LOADS", 2)
    result, summary, _ = execute(settings)
    assert result.success and {s.outcome for s in summary.sources} == {"loaded"}
    assert len(opened) == 2, "three loads, reopened after the second"


def observed(result) -> set[tuple[str, ...]]:
    return {_stage_and_source(e.asset_key) for e in result.get_asset_observation_events()}


def test_a_night_with_nothing_new_materializes_nothing_and_repeats_the_checks(
    tmp_path, monkeypatch
):
    settings = make_settings(tmp_path, SMALL)
    instance = dg.DagsterInstance.ephemeral()  # one instance for every run, like DAGSTER_HOME
    first = execute(settings, instance)[0]
    assert first.success

    # Nothing new: no table materialized (run_changes records the night), each tidy asset
    # observed with the same metadata, every check's last real result repeated (never left
    # "Skipped" in the UI), and the snapshot and the exports skipped.
    result, summary, _ = execute(settings, instance)
    assert summary.success and summary.unchanged_since and not summary.snapshot
    assert {(s.source_id, s.outcome) for s in summary.sources} == {(s, "unchanged") for s in SMALL}
    assert [e.asset_key.path for e in result.get_asset_materialization_events()] == [
        ["run_changes"]
    ]
    assert observed(result) == {("tidy", s) for s in SMALL}
    [tidy] = [
        e.asset_observation_data.asset_observation.metadata
        for e in result.get_asset_observation_events()
        if e.asset_key.path == ["tidy_dinkes_faskes"]
    ]
    assert tidy["outcome"].value == "unchanged" and tidy["late"].value is False
    assert tidy["dagster/row_count"].value == 20
    planned = {
        (k.asset_key.to_user_string(), k.name)
        for k in build_definitions(settings)
        .resolve_job_def(NIGHTLY_JOB)
        .asset_layer.asset_graph.asset_check_keys
    }
    evaluated = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    assert set(evaluated) == planned, "every planned check has a result"
    # The same results as the night that evaluated them (dimensions no small source feeds have
    # no rows: a warning).
    before = {
        (e.asset_key.to_user_string(), e.check_name): e.passed
        for e in first.get_asset_check_evaluations()
    }
    assert {key: e.passed for key, e in evaluated.items()} == before
    assert {name for (_, name), e in evaluated.items() if not e.passed} <= {"has_rows"}
    repeated = evaluated["fact_indikator", "fact_integrity"].metadata
    assert repeated["evaluated_in_run"].value == first.run_id
    assert evaluated["tidy_dinkes_faskes", TIDY_CHECK].metadata["evaluated_in_run"].value == (
        first.run_id
    )
    skipped = {e.step_key for e in result.all_events if e.is_step_skipped}
    assert skipped == {"analyst_snapshot", "open_exports"}

    # A bug in one source: its check fails, the run is tagged, the others stay unchanged.
    real = assets.source_step.land_source

    def buggy(entry, **kwargs):
        if entry.id == "dinkes_faskes":
            raise RuntimeError("boom")
        return real(entry, **kwargs)

    monkeypatch.setattr(assets.source_step, "land_source", buggy)
    result, summary, _ = execute(settings, instance)
    assert materialized(result) == set()
    failed = {
        e.asset_key.path[0]
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.check_name != "has_rows"
    }
    assert failed == {"tidy_dinkes_faskes"}  # a bug, not the fetch: raw's fetch_ok stands
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags[FAILED_SOURCES_TAG] == "1: dinkes_faskes"
    monkeypatch.undo()

    # The next night re-reads the good file (a failure is never followed by `unchanged`, see
    # warehouse.muat.last_good_load): loaded, materialized and checked, the failure replaced.
    result, summary, _ = execute(settings, instance)
    assert {(s.source_id, s.outcome) for s in summary.sources} == {
        ("dinkes_faskes", "loaded"),
        ("diskopindag_umkm", "unchanged"),
        ("dishub_angkutan", "unchanged"),
    }
    assert materialized(result) == {("tidy", "dinkes_faskes")}
    checks = {
        e.asset_key.path[-1]: e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == TIDY_CHECK
    }
    assert checks == {f"tidy_{s}": True for s in SMALL}
    assert FAILED_SOURCES_TAG not in instance.get_run_by_id(result.run_id).tags
    # ...and the night after is a quiet one again.
    result, _, _ = execute(settings, instance)
    assert [e.asset_key.path for e in result.get_asset_materialization_events()] == [
        ["run_changes"]
    ]

    # A Dagster instance that has not seen these assets (a new DAGSTER_HOME) gets them
    # materialized and checked once, though the work database has nothing new; it holds no
    # earlier result to repeat, so none is looked up.
    looked_up = []
    real_repeat = assets.source_assets.repeat_last
    monkeypatch.setattr(
        assets.source_assets, "repeat_last", lambda *a: looked_up.append(a[1]) or real_repeat(*a)
    )
    result, summary, _ = execute(settings, dg.DagsterInstance.ephemeral())
    assert {s.outcome for s in summary.sources} == {"unchanged"}
    assert materialized(result) == {(stage, s) for s in SMALL for stage in ("raw", "tidy")}
    tidy_checks = [e for e in result.get_asset_check_evaluations() if e.check_name == TIDY_CHECK]
    assert len(tidy_checks) == 3 and all(e.passed for e in tidy_checks)
    assert looked_up == []
    assert summary.unchanged_since, "run_changes still finds nothing new to build"


def test_a_check_executed_alone_evaluates_without_loading(tmp_path):
    settings = make_settings(tmp_path, SMALL)
    instance = dg.DagsterInstance.ephemeral()
    assert execute(settings, instance)[1].success
    entry = next(e for e in load_catalog(settings.catalog_dir) if e.id == "dinkes_faskes")
    before = read(settings, "SELECT count(*) FROM meta_muat")
    # The landed file breaks (e.g. an agency overwrote it in place): the check, executed
    # alone, really re-validates it and fails; nothing is loaded or recorded.
    landed = next((settings.data_dir / "landing" / entry.id).rglob("*.*"))
    landed.write_bytes(b"garbage")
    # What the UI's "Execute" on the check launches: the check, no asset.
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    check_only = job.get_subset(
        asset_selection=set(),
        asset_check_selection={dg.AssetCheckKey(tidy_key(entry), TIDY_CHECK)},
    )
    result = check_only.execute_in_process(instance=instance, raise_on_error=False)
    [check] = result.get_asset_check_evaluations()
    assert not check.passed
    assert not result.get_asset_materialization_events()
    assert read(settings, "SELECT count(*) FROM meta_muat") == before


def test_sources_that_pass_are_validated_in_one_stacked_pass(tmp_path):
    """The step's sources share one GX pass (quality/bulk_check.py); each source's check says
    so, and its outcome is the one a validation of its own gives."""
    settings = make_settings(tmp_path, SMALL)
    result, summary, _ = execute(settings)
    assert result.success
    assert {s.outcome for s in summary.sources} == {"loaded"}
    checks = {
        e.asset_key.path[0]: e
        for e in result.get_asset_check_evaluations()
        if e.check_name == TIDY_CHECK
    }
    assert set(checks) == {f"tidy_{s}" for s in SMALL}
    # diskopindag_umkm has a year-over-year rule (it reads the rows loaded before): alone.
    stacked = {"tidy_dinkes_faskes", "tidy_dishub_angkutan"}
    for key, check in checks.items():
        assert check.passed
        assert check.metadata["expectations_failed"].value == 0
        assert check.metadata["expectations_evaluated"].value > 0
        together = check.metadata.get("validated_with_sources")
        assert (together.value if together else 0) == (2 if key in stacked else 0), key


def test_source_states_are_read_for_many_sources_at_once(tmp_path, monkeypatch):
    """The unchanged test reads each source's state from a query made for STATES_AT_ONCE
    sources: the same states as one query per source, in fewer queries."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from warehouse.db import work_db
    from warehouse.load import record_muat
    from warehouse.source_state import source_states

    ids = ["a_satu", "b_dua", "c_tiga"]
    with work_db(tmp_path / "work.duckdb") as con:
        for minute, source in enumerate(ids[:2]):
            record_muat(con, muat_id=f"r:{source}", sumber_id=source, outcome="loaded",
                        sha256=str(minute) * 64, lokasi=f"{source}.csv",
                        loaded_at=datetime(2024, 1, 1, 0, minute, tzinfo=UTC))  # fmt: skip
        one_by_one = {s: source_states(con, [s])[s] for s in ids}
        queries = []

        def counting(con_, chunk):
            queries.append(list(chunk))
            return source_states(con_, chunk)

        monkeypatch.setattr(assets.source_step, "source_states", counting)
        monkeypatch.setattr(assets.source_step, "STATES_AT_ONCE", 2)
        states = assets.source_step._States(
            [SimpleNamespace(id=s) for s in ids], lambda: nullcontext(con)
        )
        assert {s: states.of(SimpleNamespace(id=s)) for s in ids} == one_by_one
    assert queries == [["a_satu", "b_dua"], ["c_tiga"]]
    assert one_by_one["a_satu"].latest_outcome == "loaded"


def test_a_failed_states_query_leaves_each_source_to_read_its_own(monkeypatch):
    """When the query for a chunk fails, its sources get no state (land_source reads its own,
    which names the problem) and the chunk is not queried again for each of them."""
    from types import SimpleNamespace

    queries = []

    def failing(con, chunk):
        queries.append(list(chunk))
        raise ValueError("broken id")

    monkeypatch.setattr(assets.source_step, "source_states", failing)
    entries = [SimpleNamespace(id=s) for s in ("a_satu", "b_dua")]
    states = assets.source_step._States(entries, lambda: nullcontext(None))
    assert [states.of(e) for e in entries] == [None, None]
    assert queries == [["a_satu", "b_dua"]]
