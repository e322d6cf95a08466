"""The whole-process benchmark's parts (bench/whole*.py): the process measurement counts the
children, the event-log split adds up to the wall time, the changed source still parses into
the same facts with a few values moved, and the DuckDB-alone process does the whole job."""

import json
import subprocess
import sys

import duckdb
import pytest

from bench.generate import generate_catalog
from bench.whole import change_one_source, own_catalog
from bench.whole_proc import measure, run_phases
from sources.catalog import load_catalog
from sources.parse import parse_landing

ALLOCATE = "b = bytearray(160 * 2**20); b[::4096] = b'x' * len(b[::4096])"


def test_measure_counts_a_grandchild_and_its_exit(tmp_path):
    inner = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {ALLOCATE!r}])"
    result = measure([sys.executable, "-c", inner + "; sys.exit(3)"], tmp_path / "log")
    assert result["exit"] == 3
    assert result["peak_rss_mib"] >= 160  # the grandchild's, not the parent's ~10 MiB
    assert result["wall_seconds"] > 0 and result["cpu_seconds"] > 0


def test_measure_adds_up_processes_that_hold_memory_at_once(tmp_path):
    """A parent and its child each holding 160 MiB at the same time (as `kotapintar run` and
    its GX worker): the peak is their sum, not the larger of the two."""
    hold = f"{ALLOCATE}; import time; time.sleep(1.5)"
    spawn = f"import subprocess, sys; child = subprocess.Popen([sys.executable, '-c', {hold!r}])"
    both = f"{spawn}; {hold}; child.wait()"
    result = measure([sys.executable, "-c", both], tmp_path / "log")
    assert 160 <= result["peak_rss_single_mib"] < 300
    assert result["peak_rss_tree_mib"] >= 320 and result["peak_rss_mib"] >= 320


def test_a_forked_child_counts_its_own_memory_not_the_pages_it_shares(tmp_path):
    """A parent holding 160 MiB forks (no exec): the child's copy of those pages is shared
    and left out, what the child allocates itself (another 160 MiB) counts."""
    hold = "import time; time.sleep(1.5)"
    own = ALLOCATE.replace("b =", "c =").replace("b[", "c[")
    forked = (
        f"import os; {ALLOCATE}; pid = os.fork()\n"
        f"if pid == 0:\n    {own}; {hold}; os._exit(0)\n"
        f"{hold}; os.waitpid(pid, 0)"
    )
    result = measure([sys.executable, "-c", forked], tmp_path / "log")
    assert 320 <= result["peak_rss_tree_mib"] < 420  # two allocations, not three


def test_run_phases_add_up_to_the_wall_and_split_work_from_events():
    events = [
        (10.0, "ASSET_MATERIALIZATION_PLANNED", "sources", ""),
        (11.0, "PIPELINE_START", None, ""),
        (11.5, "STEP_START", "sources", ""),
        (14.5, "LOG", "sources", "[1/1] a"),
        (14.6, "STEP_OUTPUT", "sources", "tidy_a"),
        (14.8, "ASSET_MATERIALIZATION", "sources", ""),
        (15.0, "STEP_SUCCESS", "sources", ""),
        (15.2, "STEP_START", "warehouse", ""),
        (16.2, "STEP_SUCCESS", "warehouse", ""),
        (16.5, "PIPELINE_SUCCESS", None, ""),
    ]
    split = run_phases(events, 6.0, 18.0)
    phases = split["phases"]
    assert phases["before the first event"] == 4.0 and phases["run creation"] == 1.0
    assert phases["step sources"] == 3.5 and phases["between steps"] == 0.2
    assert phases["after the last event"] == 1.5
    assert sum(phases.values()) == pytest.approx(12.0)
    inside = split["steps"]["sources"]
    assert inside["work"] == {"[1/1] a": 3.0, "tidy_a": pytest.approx(0.1)}
    assert inside["event_seconds"] == pytest.approx(0.4) and inside["events"] == 4


@pytest.fixture(scope="module")
def csv_catalog(tmp_path_factory):
    root = tmp_path_factory.mktemp("whole") / "csv"
    return generate_catalog(root, 1, 1500, seed=5, layouts_used=("csv_long",), indicators=2)


def test_one_changed_source_moves_a_few_values_and_still_adds_up(csv_catalog, tmp_path):
    own, copy = own_catalog(csv_catalog.catalog_dir, tmp_path)
    (entry,) = load_catalog(own)
    assert entry.local_path() == copy
    before = parse_landing(entry, copy).tidy
    change_one_source(copy)
    after = parse_landing(entry, copy).tidy
    assert parse_landing(entry, copy).warnings == []  # the "Jumlah" line still adds up
    key = ["indikator", "kode_wilayah", "periode"]
    joined = before.merge(after, on=key, suffixes=("", "_new"))
    assert len(joined) == len(before) == len(after) == csv_catalog.facts
    old, new = joined["nilai"], joined["nilai_new"]
    changed = joined[~(old.eq(new) | (old.isna() & new.isna()))]
    assert len(changed) == 4  # two regions x two indicators


def test_duckdb_alone_process_builds_tables_snapshot_and_exports(csv_catalog, tmp_path):
    script, work = tmp_path / "floor.json", tmp_path / "work"
    bench = [sys.executable, "bench/whole_floor.py"]
    prepare = ["prepare", "--catalog", str(csv_catalog.catalog_dir), "--work", str(work)]
    subprocess.run([*bench, *prepare, "--script", str(script)], check=True)
    work.mkdir()
    subprocess.run([*bench, "run", str(script), "--out", str(tmp_path / "out.json")], check=True)
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["facts"] == csv_catalog.facts and not any(result["checks"].values())
    exports = sorted(p.name for p in (work / "exports").iterdir())
    assert exports and {p.rsplit(".", 1)[1] for p in exports} == {"csv", "parquet"}
    with duckdb.connect(str(work / "analyst" / "kotapintar.duckdb"), read_only=True) as con:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert {"fact_indikator", "dim_wilayah", "dim_indikator"} <= tables
        smart = next(t for t in tables if t.startswith("smart_"))
        rows = con.execute(f"SELECT count(*), count(nama_wilayah) FROM {smart}").fetchone()
    assert rows == (csv_catalog.facts, csv_catalog.facts)
