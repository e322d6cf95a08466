"""The Dagster definitions load, validate, and keep their shape (keys, groups, owners)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from sources.catalog import DIMENSIONS

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "assets.json"


@pytest.fixture(scope="module")
def defs():
    return build_definitions()


def _shape(defs: dg.Definitions) -> dict:
    graph = defs.resolve_asset_graph()
    shape = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        shape[key.to_user_string()] = {
            "group": node.group_name,
            "owners": list(node.owners),
            "described": bool(node.description and len(node.description) > 40),
            "checks": sorted(c.name for c in node.check_keys),
        }
    return shape


def test_asset_shape_matches_snapshot(defs):
    """Renaming an asset, moving it to another group or losing its owner is a visible change.

    Regenerate with KOTAPINTAR_UPDATE_SNAPSHOTS=1 after an intended change."""
    shape = _shape(defs)
    if os.environ.get("KOTAPINTAR_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(shape, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert shape == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_groups_are_the_six_dimensions_and_the_warehouse(defs):
    groups = {node["group"] for node in _shape(defs).values()}
    assert groups == {*DIMENSIONS, "warehouse", "publication"}


def test_every_asset_is_described_and_owned(defs):
    for key, node in _shape(defs).items():
        assert node["described"], f"{key} has no description for the analyst"
        assert node["owners"], f"{key} has no owner"


def test_nightly_job_and_schedule(defs):
    job = defs.resolve_job_def(NIGHTLY_JOB)
    assert job.executor_def is dg.in_process_executor
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 1 * * *"
    assert schedule.execution_timezone == "Asia/Jakarta"
    assert schedule.job_name == NIGHTLY_JOB


def test_fact_integrity_blocks_the_snapshot(defs):
    assets = defs.resolve_assets_def("fact_indikator")
    specs = {spec.name: spec for spec in assets.check_specs}
    assert specs["fact_integrity"].blocking


def test_dagster_validates_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "All code locations passed validation" in result.stdout + result.stderr
