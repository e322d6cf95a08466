"""The Dagster side of publication and the `kotapintar publish` command: the jobs, the token as
an EnvVar that never reaches metadata or logs, and nothing published without URL and token."""

import dagster as dg
import pytest

from assets.publish_assets import EXPORTS_ASSET, PORTAL_ASSET
from pipelines.cli import main
from pipelines.definitions import NIGHTLY_JOB, PUBLISH_JOB, build_definitions
from pipelines.settings import Settings
from sources.catalog import DEFAULT_CATALOG_DIR
from tests.conftest import ORG
from tests.portal_data import indicator, set_value


def settings_for(analyst_path, tmp_path, url="") -> Settings:
    return Settings(
        warehouse=analyst_path,
        data_dir=tmp_path / "data",
        catalog_dir=DEFAULT_CATALOG_DIR,
        offline=True,
        portal_url=url,
        portal_org=ORG,
    )


def test_jobs_split_nightly_exports_from_portal_publication(analyst, tmp_path):
    defs = build_definitions(settings_for(analyst[1], tmp_path))
    nightly = {
        k.to_user_string()
        for k in defs.resolve_job_def(NIGHTLY_JOB).asset_layer.asset_graph.get_all_asset_keys()
    }
    assert EXPORTS_ASSET in nightly and PORTAL_ASSET not in nightly
    publish_job = defs.resolve_job_def(PUBLISH_JOB)
    assert publish_job.executor_def is dg.in_process_executor
    sensor = defs.resolve_sensor_def("publish_after_nightly")
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # no portal configured


def run_publish_job(defs: dg.Definitions) -> tuple[dg.ExecuteInProcessResult, str]:
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(PUBLISH_JOB).execute_in_process(
        instance=instance, raise_on_error=False
    )
    logs = "\n".join(str(record) for record in instance.all_logs(result.run_id))
    return result, logs


def test_publish_job_publishes_with_the_token_from_the_environment(
    fake_ckan, analyst, tmp_path, monkeypatch, capsys, caplog
):
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", fake_ckan.token)
    defs = build_definitions(settings_for(analyst[1], tmp_path, url=fake_ckan.url))
    resource = defs.resources["publication"]
    assert fake_ckan.token not in repr(resource)  # an EnvVar reference, resolved at run time

    result, logs = run_publish_job(defs)
    assert result.success
    [materialization] = result.asset_materializations_for_node(PORTAL_ASSET)
    metadata = materialization.metadata
    assert metadata["writes"].value == len(fake_ckan.writes) > 0
    assert metadata["kota-malang-smart-economy"].value.startswith("**create**")
    assert "publikasi pertama: 8 baris" in metadata["kota-malang-smart-economy"].value

    fake_ckan.echo_token = True
    fake_ckan.fail["resource_delete"] = 1
    set_value(*analyst, "smart_economy", (indicator("smart_economy", 1), "35.73", "2022"), 1.0)
    failed, failed_logs = run_publish_job(defs)
    assert not failed.success
    captured = capsys.readouterr()
    seen = logs + failed_logs + captured.out + captured.err + caplog.text + repr(metadata)
    assert "(sent Authorization: ***)" in failed_logs
    assert fake_ckan.token not in seen


def test_publish_job_does_nothing_without_url_or_token(analyst, tmp_path, monkeypatch):
    monkeypatch.delenv("KOTAPINTAR_PORTAL_TOKEN", raising=False)
    defs = build_definitions(settings_for(analyst[1], tmp_path, url="http://127.0.0.1:9"))
    result, logs = run_publish_job(defs)
    assert result.success
    assert result.asset_materializations_for_node(PORTAL_ASSET) == []
    assert "KOTAPINTAR_PORTAL_URL or KOTAPINTAR_PORTAL_TOKEN is not set: nothing published." in logs


@pytest.fixture
def portal_env(fake_ckan, analyst, monkeypatch):
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(analyst[1]))
    monkeypatch.setenv("KOTAPINTAR_PORTAL_URL", fake_ckan.url)
    monkeypatch.setenv("KOTAPINTAR_PORTAL_ORG", ORG)
    monkeypatch.delenv("KOTAPINTAR_PORTAL_TOKEN", raising=False)
    return fake_ckan


def test_cli_publish_dry_run_then_publish_then_nothing_to_do(portal_env, monkeypatch, capsys):
    assert main(["publish", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Plan (dry run, nothing written):" in out
    assert "6 create, 0 update, 0 unchanged, 0 withheld" in out
    assert portal_env.writes == []
    assert main(["publish"]) == 2
    assert "KOTAPINTAR_PORTAL_TOKEN is not set" in capsys.readouterr().err

    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", portal_env.token)
    assert main(["publish"]) == 0
    assert "kota-malang-smart-living: create, 9 writes" in capsys.readouterr().out
    assert main(["publish"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "0 writes in all"
    assert portal_env.token not in out


def test_cli_publish_failure_is_one_line_without_the_token(portal_env, monkeypatch, capsys):
    monkeypatch.setenv("KOTAPINTAR_PORTAL_TOKEN", portal_env.token)
    monkeypatch.setenv("KOTAPINTAR_PORTAL_ORG", "no-such-org")
    portal_env.echo_token = True
    assert main(["publish", "--rehearsal"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kotapintar publish: Organization `no-such-org` not found on http")
    assert portal_env.token not in err


def test_cli_publish_needs_a_url(analyst, monkeypatch, capsys):
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(analyst[1]))
    monkeypatch.delenv("KOTAPINTAR_PORTAL_URL", raising=False)
    assert main(["publish", "--dry-run"]) == 2
    assert capsys.readouterr().err == "Nothing published: KOTAPINTAR_PORTAL_URL is not set.\n"
