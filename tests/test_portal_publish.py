"""The publisher against the offline fake CKAN (real HTTP on loopback): first publication,
zero writes when unchanged, one changed value, blue/green under failures and kills, rehearsal,
the gate, dry-run, and a token that never shows."""

import csv
import io
import subprocess
import sys
import textwrap

import pytest
import requests

from portal.api import PortalApi, PortalError
from portal.publish import PortalConfig, publish
from tests.conftest import ORG
from tests.portal_data import build_analyst, indicator, set_value, snapshot_rows
from warehouse.reference import DIMENSIONS

ECONOMY = "kota-malang-smart-economy"
ALIAS = "kota_malang_smart_economy"
KEY = (indicator("smart_economy", 1), "35.73.01", "2023")
ONLY = ["smart_economy"]  # the blue/green tests need one dataset


def config(fake, **kwargs) -> PortalConfig:
    return PortalConfig(url=fake.url, org=ORG, token=fake.token, **kwargs)


def package(fake, name=ECONOMY) -> dict:
    return fake._package(name)


def resources(fake, name=ECONOMY) -> dict[str, dict]:
    return {r["resource_type"]: r for r in package(fake, name)["resources"]}


def test_first_publication_creates_six_datasets_serving_the_snapshot(fake_ckan, analyst):
    _, analyst_path = analyst
    report = publish(config(fake_ckan), analyst_path)
    assert report.ok, report.render()
    assert [r.action for r in report.results] == ["create"] * 6
    for dimension in DIMENSIONS:
        name = f"kota-malang-{dimension.replace('_', '-')}"
        found = resources(fake_ckan, name)
        assert set(found) == {
            "data_csv",
            "data_parquet",
            "dictionary",
            "indicators",
            "changelog",
            "table",
        }
        served = fake_ckan.serving(name.replace("-", "_"))
        assert served == snapshot_rows(analyst_path, dimension)
        assert all(isinstance(r["kode_wilayah"], str) and isinstance(r["periode"], str)
                   for r in served)  # fmt: skip
        assert found["table"]["id"] == fake_ckan.aliases[name.replace("-", "_")]
        extras = {e["key"]: e["value"] for e in package(fake_ckan, name)["extras"]}
        assert extras["datastore_resource_id"] == found["table"]["id"]
        assert extras["issued"] == extras["modified"]
    table = fake_ckan.tables[resources(fake_ckan)["table"]["id"]]
    assert table["pk"] == ["indikator", "kode_wilayah", "periode"]
    assert {f["id"]: f["type"] for f in table["fields"]}["kode_wilayah"] == "text"
    csv_bytes = fake_ckan.files[resources(fake_ckan)["data_csv"]["id"]]
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8"))))
    assert len(rows) == len(snapshot_rows(analyst_path, "smart_economy"))
    assert rows[0]["kode_wilayah"] == "35.73"
    changelog = fake_ckan.files[resources(fake_ckan)["changelog"]["id"]].decode()
    assert ",publikasi_pertama,,,,,,8 baris" in changelog


def test_second_publication_with_no_change_writes_nothing(fake_ckan, analyst):
    _, analyst_path = analyst
    publish(config(fake_ckan), analyst_path)
    writes, activity = len(fake_ckan.writes), dict(fake_ckan.activity)
    files = dict(fake_ckan.files)
    report = publish(config(fake_ckan), analyst_path)
    assert report.ok
    assert [r.action for r in report.results] == ["unchanged"] * 6
    assert report.writes == 0
    assert len(fake_ckan.writes) == writes
    assert fake_ckan.activity == activity
    assert fake_ckan.files == files


def test_one_changed_value_changes_only_its_dataset_with_old_to_new(fake_ckan, analyst):
    work, analyst_path = analyst
    publish(config(fake_ckan), analyst_path)
    activity = dict(fake_ckan.activity)
    old_table = resources(fake_ckan)["table"]["id"]
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)

    report = publish(config(fake_ckan), analyst_path)
    actions = {r.name: r.action for r in report.results}
    assert actions.pop(ECONOMY) == "update"
    assert set(actions.values()) == {"unchanged"}
    changed = {pid for pid, n in fake_ckan.activity.items() if n != activity.get(pid)}
    assert changed == {package(fake_ckan)["id"]}
    economy = next(r for r in report.results if r.name == ECONOMY)
    assert economy.changes == ["revisi ECONOMY_IND_1 35.73.01 2023 nilai: 11.5 → 42.25"]
    assert economy.counts == {"periode_baru": 0, "baris_baru": 0, "revisi": 1, "dihapus": 0}
    changelog = fake_ckan.files[resources(fake_ckan)["changelog"]["id"]].decode().splitlines()
    assert changelog[1].endswith(",revisi,ECONOMY_IND_1,35.73.01,2023,nilai,11.5,42.25")
    assert changelog[2].endswith(",publikasi_pertama,,,,,,8 baris")
    assert fake_ckan.serving(ALIAS) == snapshot_rows(analyst_path, "smart_economy")
    assert old_table not in fake_ckan.tables, "the previous table is dropped after the commit"


def crash_at(stage):
    def hook(reached, dimension):
        if reached == stage and dimension == "smart_economy":
            raise PortalError(f"injected crash at {stage}")

    return hook


@pytest.mark.parametrize(
    ("stage", "serves"),
    [("table_loaded", "old"), ("alias_repointed", "new"), ("files_uploaded", "new")],
)
def test_a_crash_leaves_a_whole_table_serving_and_the_rerun_completes(
    fake_ckan, analyst, stage, serves
):
    work, analyst_path = analyst
    publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    before = fake_ckan.serving(ALIAS)
    old_csv = fake_ckan.files[resources(fake_ckan)["data_csv"]["id"]]
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)
    after = snapshot_rows(analyst_path, "smart_economy")

    report = publish(config(fake_ckan), analyst_path, hook=crash_at(stage), dimensions=ONLY)
    assert not report.ok
    assert fake_ckan.serving(ALIAS) == (before if serves == "old" else after)
    if stage == "table_loaded":
        assert fake_ckan.files[resources(fake_ckan)["data_csv"]["id"]] == old_csv
        assert (
            len([r for r in package(fake_ckan)["resources"] if r["resource_type"] == "table"]) == 2
        )

    rerun = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    assert rerun.ok, rerun.render()
    assert fake_ckan.serving(ALIAS) == after
    economy = next(r for r in rerun.results if r.name == ECONOMY)
    assert "load a new DataStore table" not in " ".join(economy.done), "the loaded table is reused"
    assert economy.changes == ["revisi ECONOMY_IND_1 35.73.01 2023 nilai: 11.5 → 42.25"]
    changelog = fake_ckan.files[resources(fake_ckan)["changelog"]["id"]].decode()
    assert changelog.count(",revisi,") == 1, "a completed rerun lists the change once"
    tables = [r for r in package(fake_ckan)["resources"] if r["resource_type"] == "table"]
    assert len(tables) == 1
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).writes == 0


@pytest.mark.parametrize(
    "action",
    ["datastore_create", "datastore_upsert", "resource_patch", "package_patch", "resource_delete"],
)
def test_a_failing_portal_call_never_leaves_the_alias_without_a_whole_table(
    fake_ckan, analyst, action, monkeypatch
):
    monkeypatch.setattr("portal.execute.BATCH", 3)  # 8 rows: one create and two upserts
    work, analyst_path = analyst
    publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    before = fake_ckan.serving(ALIAS)
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)
    after = snapshot_rows(analyst_path, "smart_economy")
    fake_ckan.fail[action] = 1
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    economy = next(r for r in report.results if r.name == ECONOMY)
    assert f"{action} at {fake_ckan.url}/api/3/action/{action} failed" in economy.error
    assert fake_ckan.serving(ALIAS) in (before, after)
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok
    assert fake_ckan.serving(ALIAS) == after


def test_a_table_that_lost_rows_is_never_served(fake_ckan, analyst, monkeypatch):
    monkeypatch.setattr("portal.execute.BATCH", 3)
    work, analyst_path = analyst
    publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    assert fake_ckan.writes.count("datastore_upsert") == 2
    before = fake_ckan.serving(ALIAS)
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)
    monkeypatch.setattr(fake_ckan, "a_datastore_upsert", lambda data, authorized: {})  # drops
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    [economy] = report.results
    assert economy.error.startswith(f"{ECONOMY}: the new DataStore table ")
    assert economy.error.endswith(
        "holds 3 rows, the analyst snapshot 8; the alias still points at the previous table. "
        "Run the publication again (the incomplete table is dropped then)."
    )
    assert fake_ckan.serving(ALIAS) == before
    monkeypatch.undo()
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok
    assert fake_ckan.serving(ALIAS) == snapshot_rows(analyst_path, "smart_economy")
    assert len([r for r in package(fake_ckan)["resources"] if r["resource_type"] == "table"]) == 1


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from portal.publish import PortalConfig, publish
    url, org, token, analyst = sys.argv[1:5]

    def hook(stage, dimension):
        if stage == "table_loaded" and dimension == "smart_economy":
            os.kill(os.getpid(), signal.SIGKILL)

    config = PortalConfig(url=url, org=org, token=token)
    publish(config, analyst, hook=hook, dimensions=["smart_economy"])
    """
)


def test_killing_the_publisher_between_load_and_alias_keeps_the_old_data(fake_ckan, analyst):
    work, analyst_path = analyst
    publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    before = fake_ckan.serving(ALIAS)
    set_value(work, analyst_path, "smart_economy", KEY, 42.25)
    args = [sys.executable, "-c", KILLER, fake_ckan.url, ORG, fake_ckan.token, str(analyst_path)]
    killed = subprocess.run(args, capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert fake_ckan.serving(ALIAS) == before
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok
    assert fake_ckan.serving(ALIAS) == snapshot_rows(analyst_path, "smart_economy")


def test_rehearsal_publishes_private_prefixed_datasets(fake_ckan, analyst):
    _, analyst_path = analyst
    report = publish(config(fake_ckan, rehearsal_prefix="latihan-"), analyst_path, rehearsal=True)
    assert report.ok
    rehearsal = package(fake_ckan, "latihan-kota-malang-smart-economy")
    assert rehearsal["private"] is True
    assert rehearsal["title"].startswith("[SAMPLE] [UJI COBA] ")
    assert "latihan_kota_malang_smart_economy" in fake_ckan.aliases
    assert not any(p["name"] == ECONOMY for p in fake_ckan.packages.values())
    anonymous = requests.get(
        f"{fake_ckan.url}/api/3/action/package_show", params={"id": rehearsal["name"]}, timeout=10
    )
    assert anonymous.status_code == 403


def test_dry_run_prints_the_plan_and_writes_nothing(fake_ckan, analyst):
    _, analyst_path = analyst
    report = publish(config(fake_ckan), analyst_path, dry_run=True)
    assert fake_ckan.writes == []
    text = report.render()
    assert text.startswith("Plan (dry run, nothing written):\nkota-malang-smart-governance: create")
    assert text.splitlines()[-1] == "6 create, 0 update, 0 unchanged, 0 withheld"
    # without a token a dry run still plans (public datasets)
    anonymous = PortalConfig(url=fake_ckan.url, org=ORG)
    assert publish(anonymous, analyst_path, dry_run=True).plans[0].action == "create"


def test_a_table_the_gate_refuses_is_not_published(fake_ckan, tmp_path):
    import duckdb

    _, analyst_path = build_analyst(tmp_path)
    with duckdb.connect(str(analyst_path)) as con:
        con.execute("UPDATE smart_people SET catatan = 'telp 0812-3456-7890' WHERE true")
    report = publish(config(fake_ckan), analyst_path)
    people = next(p for p in report.plans if p.dimension == "smart_people")
    assert people.action == "withheld"
    assert people.reasons[0].startswith("personal data found: catatan: 8 × nomor telepon")
    assert "kota-malang-smart-people" not in {p["name"] for p in fake_ckan.packages.values()}
    assert len(fake_ckan.packages) == 5


def test_nothing_is_published_without_url_or_token(analyst):
    _, analyst_path = analyst
    with pytest.raises(PortalError, match="No portal configured: set KOTAPINTAR_PORTAL_URL"):
        publish(PortalConfig(url="", org=ORG, token="x"), analyst_path)
    with pytest.raises(PortalError, match="No portal token: set KOTAPINTAR_PORTAL_TOKEN"):
        publish(PortalConfig(url="http://127.0.0.1:9", org=ORG), analyst_path)


def test_unknown_organization_is_named(fake_ckan, analyst):
    with pytest.raises(PortalError, match="Organization `no-such-org` not found on http"):
        publish(PortalConfig(url=fake_ckan.url, org="no-such-org", token="t"), analyst[1])


def test_the_token_never_appears_in_errors_reprs_or_output(fake_ckan, analyst, capsys, caplog):
    _, analyst_path = analyst
    fake_ckan.echo_token = True  # a hostile portal that repeats the Authorization header
    fake_ckan.fail["package_create"] = 6
    cfg = config(fake_ckan)
    assert fake_ckan.token not in repr(cfg) + repr(PortalApi(fake_ckan.url, fake_ckan.token))
    report = publish(cfg, analyst_path, log=print)
    print(report.render())
    errors = [r.error for r in report.results]
    assert all("(sent Authorization: ***)" in e for e in errors), errors
    api = PortalApi(fake_ckan.url, fake_ckan.token)
    with pytest.raises(PortalError) as raised:
        api.write("package_create", {"name": "x", "owner_org": "nope"})
    assert "***" in str(raised.value)
    captured = capsys.readouterr()
    seen = captured.out + captured.err + caplog.text + str(raised.value) + " ".join(errors)
    assert fake_ckan.token not in seen
