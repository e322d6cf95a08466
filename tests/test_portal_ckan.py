"""Acceptance against a real CKAN 2.11 with its DataStore (../shared/tools/ckan/ckan-local),
publishing the analyst snapshot of the whole bundled SAMPLE catalog. Marked `ckan`: skipped,
with the reason, when KOTAPINTAR_TEST_PORTAL_URL is not set.

The tests run in file order and build on each other: first publication (with the portal
metadata: contact, publisher, landing page, identifier, and a description CKAN renders as a
list), a no-op second one, a dataset published with the old `kotapintar_*` field names renamed
in place, one changed source value, a publisher killed between loading and repointing, an
indicator whose metadata lost a field, rehearsal mode, and the token hunt over every output.

The bundled catalog's MS-Ind metadata may still have gaps; the metadata gate would hold those
indicators back, so this module fills the gaps of its own copy with explicit text
(`fill_metadata_gaps`) and tests the portal, not the catalog.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests
import yaml

from pipelines.definitions import NIGHTLY_JOB, PUBLISH_JOB, build_definitions
from pipelines.settings import Settings
from portal.metadata import alias_name, dataset_name
from portal.publish import PortalConfig, publish
from portal.state import LEGACY_EXTRAS, LEGACY_ROLE, LEGACY_SHA, ROLE, SHA, content_sha, role_of
from quality.metadata_check import REQUIRED, metadata_gaps
from tests.conftest import ORG, ORG_TITLE
from tests.portal_data import snapshot_rows
from warehouse.reference import DIMENSIONS

pytestmark = pytest.mark.ckan
REHEARSAL = "uji-"
ECONOMY = dataset_name("smart_economy")
CONTACT = {
    "contact_email": "walidata@malangkota.go.id",
    "publisher_url": "https://kominfo.malangkota.go.id",
}
# A filler per MS-Ind column, in the language the field promises (the catalog's own text wins).
FILLERS = {
    "nama_id": "Indikator contoh",
    "konsep": "Konsep indikator contoh untuk kota.",
    "definisi": "Definisi indikator contoh.",
    "definisi_en": "Sample indicator definition.",
    "klasifikasi": "menurut kecamatan",
    "ukuran": "jumlah",
    "satuan": "unit",
    "interpretasi": "Dibaca menurut arah indikator.",
    "metode": "Dihitung dari data sumber.",
    "level_estimasi": "kota",
    "produsen": "Dinas contoh",
    "jadwal": "tahunan",
    "agregasi": "none",
}


class Admin:
    """The sysadmin's view of the live portal, for checks and clean-up (not the publisher)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def call(self, action: str, auth: bool = True, **data) -> dict:
        headers = {"Authorization": self.token} if auth else {}
        response = requests.post(
            f"{self.url}/api/3/action/{action}", json=data, headers=headers, timeout=120
        )
        body = response.json()
        if not body.get("success"):
            raise AssertionError(f"{action}: HTTP {response.status_code} {body.get('error')}")
        return body["result"]

    def ok(self, action: str, auth: bool = True, **data) -> bool:
        try:
            self.call(action, auth=auth, **data)
            return True
        except AssertionError:
            return False

    def rows(self, alias: str) -> list[dict]:
        result = self.call("datastore_search", resource_id=alias, limit=32000, sort="_id")
        assert result["total"] == len(result["records"])
        return [{k: v for k, v in r.items() if k != "_id"} for r in result["records"]]

    def resources(self, name: str) -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        for resource in self.call("package_show", id=name)["resources"]:
            found.setdefault(role_of(resource), []).append(resource)
        return found

    def page(self, path: str) -> str:
        """A public HTML page of the portal, as an anonymous visitor sees it."""
        response = requests.get(f"{self.url}{path}", timeout=60)
        response.raise_for_status()
        return response.text

    def activity(self, name: str) -> int:
        return len(self.call("package_activity_list", id=name, limit=1000))

    def download(self, url: str) -> str:
        response = requests.get(url, headers={"Authorization": self.token}, timeout=60)
        response.raise_for_status()
        return response.content.decode("utf-8")

    def purge(self, names: list[str], aliases: list[str]) -> None:
        """Remove earlier test runs: DataStore tables first (a purge alone orphans aliases)."""
        for name in names:
            if not self.ok("package_show", id=name):
                continue
            for resource in self.call("package_show", id=name)["resources"]:
                if resource.get("datastore_active"):
                    self.ok("datastore_delete", resource_id=resource["id"], force=True)
            self.call("dataset_purge", id=name)
        for alias in aliases:
            meta = self.call(
                "datastore_search", resource_id="_table_metadata", filters={"name": alias}
            )
            for record in meta["records"]:
                self.ok("datastore_delete", resource_id=record["alias_of"], force=True)


def fill_metadata_gaps(analyst: Path) -> None:
    """Give every indicator of the snapshot whatever MS-Ind field the metadata gate misses."""
    import duckdb

    column_of = {name: column for column, (_, name) in REQUIRED.items()}
    with duckdb.connect(str(analyst)) as con:
        rows = con.execute("SELECT * FROM dim_indikator").df().to_dict("records")
        for row in rows:
            for gap in metadata_gaps(row):
                column = column_of[gap.field]
                con.execute(
                    f'UPDATE dim_indikator SET "{column}" = ? WHERE kode = ?',
                    [FILLERS[column], row["kode"]],
                )


def section(html: str, pattern: str) -> str:
    """The part of a CKAN page matched by `pattern` (its first group)."""
    found = re.search(pattern, html, re.S)
    assert found, f"{pattern!r} not on the page"
    return found.group(1)


def same_rows(served: list[dict], expected: list[dict]) -> bool:
    """Equal row for row, numbers compared as numbers (the DataStore's numeric comes back as
    int or float), every code as text."""

    def norm(row: dict) -> dict:
        return {k: float(v) if k == "nilai" and v is not None else v for k, v in row.items()}

    return [norm(r) for r in served] == [norm(r) for r in expected]


@pytest.fixture(scope="module")
def live(live_portal, bundled_run, tmp_path_factory):
    """Admin client, publisher config and a private copy of the bundled run to modify."""
    admin = Admin(live_portal["url"], live_portal["token"])
    if not admin.ok("organization_show", id=ORG):
        admin.call("organization_create", name=ORG, title=ORG_TITLE)
    names = [dataset_name(d, p) for d in DIMENSIONS for p in ("", REHEARSAL)]
    admin.purge(names, [n.replace("-", "_") for n in names])
    settings, _ = bundled_run
    root = tmp_path_factory.mktemp("ckan-run")
    for part in ("catalog", "data", "analyst"):
        shutil.copytree(settings.warehouse.parent.parent / part, root / part)
    own = Settings(
        warehouse=root / "analyst" / settings.warehouse.name,
        data_dir=root / "data",
        catalog_dir=root / "catalog",
        offline=True,
    )
    fill_metadata_gaps(own.warehouse)
    config = PortalConfig(url=admin.url, org=ORG, token=admin.token, **CONTACT)
    yield {"admin": admin, "config": config, "settings": own, "root": root}
    admin.purge([dataset_name(d, REHEARSAL) for d in DIMENSIONS], [])


def test_first_publication_creates_six_datasets_serving_the_snapshot(live):
    admin, analyst = live["admin"], live["settings"].warehouse
    report = publish(live["config"], analyst)
    assert report.ok, report.render()
    assert [r.action for r in report.results] == ["create"] * 6
    for dimension in DIMENSIONS:
        name, alias = dataset_name(dimension), alias_name(dimension)
        package = admin.call("package_show", id=name, auth=False)
        assert package["title"].startswith("[SAMPLE] Indikator ")
        assert package["notes"].startswith("**SAMPLE — data contoh buatan")
        assert package["license_id"] == "cc-by" and package["private"] is False
        roles = admin.resources(name)
        assert {r: len(v) for r, v in roles.items()} == dict.fromkeys(
            ["table", "data_csv", "data_parquet", "dictionary", "indicators", "changelog"], 1
        )
        expected = snapshot_rows(analyst, dimension)
        served = admin.rows(alias)
        assert same_rows(served, expected), dimension
        assert all(isinstance(r["kode_wilayah"], str) for r in served)
        assert all(isinstance(r["periode"], str) for r in served)
        info = admin.call("datastore_info", id=alias)
        assert info["meta"]["id"] == roles["table"][0]["id"]
        assert info["meta"]["aliases"] == [alias]
        fields = {f["id"]: f for f in info["fields"]}
        assert fields["nilai"]["type"] == "numeric"
        assert {f["type"] for n, f in fields.items() if n != "nilai"} == {"text"}
        assert fields["periode"]["info"]["label_en"] == "Period"
        assert fields["periode"]["info"]["notes"].startswith("Periode data sebagai teks")
        csv_text = admin.download(roles["data_csv"][0]["url"])
        assert len(csv_text.splitlines()) == len(expected) + 1
        # the portal metadata (ckanext-dcat names) and no internal field left
        extras = {e["key"]: e["value"] for e in package["extras"]}
        landing = f"{admin.url}/dataset/{name}"
        assert package["url"] == extras["identifier"] == landing
        assert extras["contact_email"] == package["maintainer_email"] == CONTACT["contact_email"]
        assert extras["publisher_url"] == CONTACT["publisher_url"]
        assert not [k for k in extras if k.startswith("kotapintar")]
        assert not [k for r in package["resources"] for k in r if k.startswith("kotapintar")]
    # the primary key: the DataStore refuses a second row with the same key
    economy_alias = alias_name("smart_economy")
    table_id = admin.call("datastore_info", id=economy_alias)["meta"]["id"]
    duplicate = admin.rows(economy_alias)[:1]
    assert not admin.ok(
        "datastore_upsert", resource_id=table_id, method="insert", records=duplicate
    )


def test_the_dataset_page_renders_the_indicators_as_a_list_without_internal_fields(live):
    admin = live["admin"]
    package = admin.call("package_show", id=ECONOMY, auth=False)
    html = admin.page(f"/dataset/{ECONOMY}")
    notes = section(html, r'<div class="notes embedded-content">(.*?)</div>')
    items = re.findall(r"<li>(.*?)</li>", notes, re.S)
    codes = [i["kode"] for i in json.loads(
        {e["key"]: e["value"] for e in package["extras"]}["satu_data_indikator"]
    )]  # fmt: skip
    assert codes and len(items) == len(codes)
    for code, item in zip(codes, items, strict=True):
        assert f"<code>{code}</code>" in item
    assert "|---" not in notes and "| Kode |" not in notes, "no raw Markdown table"
    assert "<strong>SAMPLE — data contoh buatan" in notes
    assert 'href="mailto:' in notes or "&#109;&#97;&#105;&#108;&#116;&#111;" in notes
    info = section(html, r'<section class="additional-info">(.*?)</section>')
    assert "kotapintar" not in info
    for key in ("identifier", "contact_email", "publisher_url", "versi_data_sha256"):
        assert f">{key}<" in info, key
    resource = admin.resources(ECONOMY)["data_csv"][0]
    resource_page = admin.page(f"/dataset/{ECONOMY}/resource/{resource['id']}")
    assert "kotapintar" not in resource_page
    assert ">Resource type<" in resource_page and ">Versi data sha256<" in resource_page


def test_second_publication_with_no_change_makes_zero_writes(live):
    admin = live["admin"]
    names = [dataset_name(d) for d in DIMENSIONS]
    activity = {n: admin.activity(n) for n in names}
    resources = {n: admin.call("package_show", id=n)["resources"] for n in names}
    report = publish(live["config"], live["settings"].warehouse)
    assert [r.action for r in report.results] == ["unchanged"] * 6
    assert report.writes == 0
    assert {n: admin.activity(n) for n in names} == activity
    assert {n: admin.call("package_show", id=n)["resources"] for n in names} == resources


def make_legacy(admin: Admin, name: str) -> None:
    """Rename the dataset's fields back to what the previous version wrote (`kotapintar_*`),
    through the API as that version left them."""
    legacy_extras = {new: old for old, new in LEGACY_EXTRAS.items()}
    for resource in admin.call("package_show", id=name)["resources"]:
        old = {k: v for k, v in resource.items() if k not in (ROLE, SHA)}
        old[LEGACY_ROLE] = role_of(resource)
        old[LEGACY_SHA] = content_sha(resource)
        admin.call("resource_update", **old)
    package = admin.call("package_show", id=name)
    extras = [
        {"key": legacy_extras.get(e["key"], e["key"]), "value": e["value"]}
        for e in package["extras"]
    ]
    admin.call("package_patch", id=name, extras=extras)


def test_a_dataset_with_the_old_field_names_is_renamed_in_place(live):
    admin = live["admin"]
    make_legacy(admin, ECONOMY)
    package = admin.call("package_show", id=ECONOMY)
    assert {e["key"] for e in package["extras"]} >= set(LEGACY_EXTRAS)
    assert all(LEGACY_ROLE in r and not r.get(ROLE) for r in package["resources"])
    ids = sorted(r["id"] for r in package["resources"])
    urls = {r["id"]: r["url"] for r in package["resources"]}

    report = publish(live["config"], live["settings"].warehouse)
    assert report.ok, report.render()
    economy = next(r for r in report.results if r.name == ECONOMY)
    assert economy.action == "update"
    assert {r.action for r in report.results if r.name != ECONOMY} == {"unchanged"}
    assert economy.writes == len(ids) + 1, economy.done  # one rename each, one commit
    assert not [d for d in economy.done if d.startswith(("upload", "load"))], economy.done
    package = admin.call("package_show", id=ECONOMY)
    assert sorted(r["id"] for r in package["resources"]) == ids, "no duplicate resource"
    assert {r["id"]: r["url"] for r in package["resources"]} == urls, "no re-upload"
    assert not [k for k in [e["key"] for e in package["extras"]] if k.startswith("kotapintar")]
    assert not [k for r in package["resources"] for k in r if k.startswith("kotapintar")]
    assert {role_of(r) for r in package["resources"]} == {
        "table", "data_csv", "data_parquet", "dictionary", "indicators", "changelog"
    }  # fmt: skip
    assert publish(live["config"], live["settings"].warehouse).writes == 0


def change_source_value(settings: Settings, root: Path) -> None:
    """Edit one number in the diskopindag_umkm CSV (Koperasi Aktif, Kedungkandang, 2022: 58 ->
    59) and run the nightly job again on the same data folder."""
    entry_file = settings.catalog_dir / "diskopindag_umkm.yaml"
    entry = yaml.safe_load(entry_file.read_text(encoding="utf-8"))
    original = Path(__file__).resolve().parent.parent / entry["location"]
    text = original.read_text(encoding="utf-8")
    old_line = "2022;KEDUNGKANDANG;24.318;51.207;58;41"
    assert old_line in text
    changed = root / "diskopindag_umkm.SAMPLE.csv"
    changed.write_text(text.replace(old_line, old_line.replace(";58;", ";59;")), encoding="utf-8")
    entry["location"] = str(changed)
    entry_file.write_text(yaml.safe_dump(entry, allow_unicode=True), encoding="utf-8")
    result = (
        build_definitions(settings)
        .resolve_job_def(NIGHTLY_JOB)
        .execute_in_process(raise_on_error=False)
    )
    assert result.success
    fill_metadata_gaps(settings.warehouse)


def test_changing_one_value_in_one_source_changes_only_that_dataset(live):
    admin, settings = live["admin"], live["settings"]
    names = [dataset_name(d) for d in DIMENSIONS]
    activity = {n: admin.activity(n) for n in names}
    change_source_value(settings, live["root"])
    report = publish(live["config"], settings.warehouse)
    assert {r.name: r.action for r in report.results} == {
        n: "update" if n == ECONOMY else "unchanged" for n in names
    }
    changed = {n for n in names if admin.activity(n) != activity[n]}
    assert changed == {ECONOMY}
    economy = next(r for r in report.results if r.name == ECONOMY)
    assert economy.changes == ["revisi JUMLAH_KOPERASI_AKTIF 35.73.03 2022 nilai: 58 → 59"]
    changelog = admin.download(admin.resources(ECONOMY)["changelog"][0]["url"]).splitlines()
    assert changelog[1].endswith(",revisi,JUMLAH_KOPERASI_AKTIF,35.73.03,2022,nilai,58,59")
    assert changelog[2].endswith(" baris") and ",publikasi_pertama," in changelog[2]
    assert same_rows(
        admin.rows(alias_name("smart_economy")), snapshot_rows(settings.warehouse, "smart_economy")
    )
    assert len(admin.resources(ECONOMY)["table"]) == 1, "the previous table was dropped"


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from portal.publish import PortalConfig, publish
    url, org, analyst = sys.argv[1:4]

    def hook(stage, dimension):
        if stage == "table_loaded" and dimension == "smart_economy":
            os.kill(os.getpid(), signal.SIGKILL)

    token = open(os.environ["TOKEN_FILE"]).read().strip()
    publish(PortalConfig(url=url, org=org, token=token), analyst, hook=hook)
    """
)


def test_killed_between_load_and_alias_the_portal_serves_the_previous_data(live, tmp_path):
    import duckdb

    admin, settings = live["admin"], live["settings"]
    alias = alias_name("smart_economy")
    before = admin.rows(alias)
    csv_before = admin.resources(ECONOMY)["data_csv"][0]
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("UPDATE smart_economy SET nilai = nilai + 1 WHERE indikator = 'JUMLAH_UMKM'")
    token_file = tmp_path / "token"
    token_file.write_text(admin.token)
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, admin.url, ORG, str(settings.warehouse)],
        env={**os.environ, "TOKEN_FILE": str(token_file)},
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    assert admin.rows(alias) == before, "the alias still serves the previous table"
    leftover = admin.resources(ECONOMY)
    assert len(leftover["table"]) == 2, "the new table was loaded but not yet served"
    assert leftover["data_csv"][0][SHA] == csv_before[SHA]

    rerun = publish(live["config"], settings.warehouse)
    assert rerun.ok, rerun.render()
    economy = next(r for r in rerun.results if r.name == ECONOMY)
    assert economy.done[0].startswith("reuse the table"), economy.done
    assert same_rows(admin.rows(alias), snapshot_rows(settings.warehouse, "smart_economy"))
    assert len(admin.resources(ECONOMY)["table"]) == 1
    assert publish(live["config"], settings.warehouse).writes == 0


def test_a_published_indicator_that_lost_metadata_withholds_its_dataset(live):
    import duckdb

    admin, analyst = live["admin"], live["settings"].warehouse
    alias = alias_name("smart_economy")
    before, activity = admin.rows(alias), admin.activity(ECONOMY)
    with duckdb.connect(str(analyst)) as con:
        saved = con.execute(
            "SELECT metode FROM dim_indikator WHERE kode = 'JUMLAH_UMKM'"
        ).fetchall()[0][0]
        con.execute("UPDATE dim_indikator SET metode = NULL WHERE kode = 'JUMLAH_UMKM'")
    report = publish(live["config"], analyst)
    economy = next(p for p in report.plans if p.name == ECONOMY)
    assert economy.action == "withheld"
    assert economy.reasons[0].startswith(
        "metadata incomplete for indicator(s) already on the portal: JUMLAH_UMKM (method)"
    )
    assert report.writes == 0
    assert (admin.rows(alias), admin.activity(ECONOMY)) == (before, activity)
    with duckdb.connect(str(analyst)) as con:
        con.execute("UPDATE dim_indikator SET metode = ? WHERE kode = 'JUMLAH_UMKM'", [saved])
    assert publish(live["config"], analyst).writes == 0


def test_rehearsal_publishes_private_prefixed_datasets(live):
    admin = live["admin"]
    report = publish(
        live["config"], live["settings"].warehouse, rehearsal=True, dimensions=["smart_living"]
    )
    assert report.ok, report.render()
    assert [r.name for r in report.results] == ["uji-kota-malang-smart-living"]
    name = dataset_name("smart_living", REHEARSAL)
    package = admin.call("package_show", id=name)
    assert package["private"] is True
    assert package["title"].startswith("[SAMPLE] [UJI COBA] ")
    assert not admin.ok("package_show", id=name, auth=False)
    public = admin.rows(alias_name("smart_living"))
    assert same_rows(admin.rows(alias_name("smart_living", REHEARSAL)), public)


def test_the_token_never_appears_in_cli_output_logs_or_dagster_metadata(live, tmp_path):
    admin, settings = live["admin"], live["settings"]
    env = {
        **os.environ,
        "KOTAPINTAR_WAREHOUSE": str(settings.warehouse),
        "KOTAPINTAR_PORTAL_URL": admin.url,
        "KOTAPINTAR_PORTAL_ORG": ORG,
        "KOTAPINTAR_PORTAL_TOKEN": admin.token,
        "KOTAPINTAR_PORTAL_CONTACT_EMAIL": CONTACT["contact_email"],
        "KOTAPINTAR_PORTAL_PUBLISHER_URL": CONTACT["publisher_url"],
    }
    cli = [sys.executable, "-m", "pipelines.cli", "publish"]
    runs = [
        subprocess.run(cli, env=env, capture_output=True, text=True, timeout=300),
        subprocess.run(  # a failure: the organization does not exist
            cli,
            env={**env, "KOTAPINTAR_PORTAL_ORG": "no-such-org"},
            capture_output=True,
            text=True,
            timeout=300,
        ),
    ]
    assert [r.returncode for r in runs] == [0, 2]
    assert runs[0].stdout.splitlines()[-1] == "0 writes in all"
    assert "Organization `no-such-org` not found" in runs[1].stderr

    import dagster as dg

    os.environ["KOTAPINTAR_PORTAL_TOKEN"] = admin.token
    try:
        live_settings = Settings(
            warehouse=settings.warehouse,
            data_dir=tmp_path,
            catalog_dir=settings.catalog_dir,
            offline=True,
            portal_url=admin.url,
            portal_org=ORG,
            portal_contact_email=CONTACT["contact_email"],
            portal_publisher_url=CONTACT["publisher_url"],
        )
        instance = dg.DagsterInstance.ephemeral()
        job = build_definitions(live_settings).resolve_job_def(PUBLISH_JOB)
        result = job.execute_in_process(instance=instance)
        logs = "\n".join(str(e) for e in instance.all_logs(result.run_id))
    finally:
        del os.environ["KOTAPINTAR_PORTAL_TOKEN"]
    assert result.success
    assert "writes" in logs
    seen = logs + "".join(r.stdout + r.stderr for r in runs)
    assert admin.token not in seen
