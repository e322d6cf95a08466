"""Issue 13, portal metadata, offline: the contact and landing-page settings, a description CKAN
2.11 renders (a list, never a Markdown table), public names for the publisher's own fields
(and the rename of a portal published with the old `kotapintar_*` names, in place), and the
metadata gate: an indicator with MS-Ind gaps is held back, or its whole dataset withheld when
the portal already publishes it."""

import csv
import io
import json
import re

import pandas as pd
import pytest

from pipelines.settings import Settings
from portal.completeness import metadata_verdict
from portal.content import DimensionContent
from portal.description import description, escape, shorten
from portal.publish import PortalConfig, publish
from portal.state import DATA_SHA, LEGACY_EXTRAS, LEGACY_ROLE, LEGACY_SHA, ROLE, SHA
from tests.conftest import ORG
from tests.portal_data import indicator, indicator_row, set_metadata
from warehouse.reference import DIMENSIONS

ECONOMY = "kota-malang-smart-economy"
ONLY = ["smart_economy"]
FIRST, SECOND = indicator("smart_economy", 1), indicator("smart_economy", 2)
CONTACT = {
    "contact_email": "walidata@malangkota.go.id",
    "publisher_url": "https://kominfo.malangkota.go.id",
}


def config(fake, **kwargs) -> PortalConfig:
    return PortalConfig(url=fake.url, org=ORG, token=fake.token, **kwargs)


def extras_of(package: dict) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package["extras"]}


def internal_keys(package: dict) -> list[str]:
    """Every `kotapintar_*` key on the package and its resources."""
    keys = [e["key"] for e in package["extras"]]
    keys += [k for r in package["resources"] for k in r]
    return sorted({k for k in keys if k.startswith("kotapintar")})


# -- settings ------------------------------------------------------------------------------


def test_publisher_settings_default_to_nothing_invented(monkeypatch):
    for name in ("CONTACT_EMAIL", "PUBLISHER_URL", "LANDING_URL"):
        monkeypatch.delenv(f"KOTAPINTAR_PORTAL_{name}", raising=False)
    settings = Settings.from_env()
    assert (
        settings.portal_contact_email,
        settings.portal_publisher_url,
        settings.portal_landing_url,
    ) == ("", "", "")
    publisher = PortalConfig(url="https://data.example.go.id/", org=ORG).publisher
    assert publisher.landing_page(ECONOMY) == f"https://data.example.go.id/dataset/{ECONOMY}"
    assert (publisher.contact_email, publisher.publisher_url) == ("", "")


def test_publisher_settings_are_read_and_trimmed(monkeypatch):
    monkeypatch.setenv("KOTAPINTAR_PORTAL_CONTACT_EMAIL", " walidata@malangkota.go.id ")
    monkeypatch.setenv("KOTAPINTAR_PORTAL_PUBLISHER_URL", "https://kominfo.malangkota.go.id/")
    monkeypatch.setenv("KOTAPINTAR_PORTAL_LANDING_URL", "https://satudata.malangkota.go.id/d/")
    settings = Settings.from_env()
    assert settings.portal_contact_email == "walidata@malangkota.go.id"
    assert settings.portal_publisher_url == "https://kominfo.malangkota.go.id"
    assert settings.portal_landing_url == "https://satudata.malangkota.go.id/d"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "KOTAPINTAR_PORTAL_CONTACT_EMAIL",
            "walidata.malangkota.go.id",
            "KOTAPINTAR_PORTAL_CONTACT_EMAIL='walidata.malangkota.go.id' is not an e-mail "
            "address (expected one address such as walidata@malangkota.go.id); set the "
            "walidata's public contact address in the environment or .env, or leave it unset "
            "to publish none",
        ),
        (
            "KOTAPINTAR_PORTAL_CONTACT_EMAIL",
            "a@malangkota.go.id, b@malangkota.go.id",
            "KOTAPINTAR_PORTAL_CONTACT_EMAIL='a@malangkota.go.id, b@malangkota.go.id' is not "
            "an e-mail address (expected one address such as walidata@malangkota.go.id); set "
            "the walidata's public contact address in the environment or .env, or leave it "
            "unset to publish none",
        ),
        (
            "KOTAPINTAR_PORTAL_PUBLISHER_URL",
            "kominfo.malangkota.go.id",
            "KOTAPINTAR_PORTAL_PUBLISHER_URL='kominfo.malangkota.go.id' is not an http(s) URL "
            "(expected e.g. https://data.malangkota.go.id); fix it in the environment or .env, "
            "or leave it unset",
        ),
        (
            "KOTAPINTAR_PORTAL_LANDING_URL",
            "ftp://data.malangkota.go.id",
            "KOTAPINTAR_PORTAL_LANDING_URL='ftp://data.malangkota.go.id' is not an http(s) URL "
            "(expected e.g. https://data.malangkota.go.id); fix it in the environment or .env, "
            "or leave it unset",
        ),
    ],
)
def test_bad_publisher_settings_fail_with_the_fix(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError) as raised:
        Settings.from_env()
    assert str(raised.value) == message


def test_the_dagster_resource_carries_the_publisher_settings(analyst, tmp_path):
    from pipelines.definitions import build_definitions
    from sources.catalog import DEFAULT_CATALOG_DIR

    settings = Settings(
        warehouse=analyst[1],
        data_dir=tmp_path,
        catalog_dir=DEFAULT_CATALOG_DIR,
        offline=True,
        portal_url="http://127.0.0.1:9",
        portal_contact_email=CONTACT["contact_email"],
        portal_publisher_url=CONTACT["publisher_url"],
        portal_landing_url="https://satudata.malangkota.go.id/dataset",
    )
    config = build_definitions(settings).resources["publication"].portal_config()
    assert (config.contact_email, config.publisher_url, config.landing_url) == (
        CONTACT["contact_email"],
        CONTACT["publisher_url"],
        "https://satudata.malangkota.go.id/dataset",
    )


# -- the description ----------------------------------------------------------------------------


def content_of(rows: list[dict]) -> DimensionContent:
    indicators = pd.DataFrame(rows)
    records = pd.DataFrame(columns=["indikator", "periode", "tingkat"])
    return DimensionContent("smart_economy", records, indicators, sample=True)


def test_the_description_lists_indicators_without_a_markdown_table():
    long = "Persentase *rumah tangga* dengan akses_air [layak] " + "sangat panjang " * 30
    rows = [
        indicator_row("A_1", "smart_economy", 1, "tahunan", "src"),
        {**indicator_row("A_2", "smart_economy", 2, "bulanan", "src"), "definisi": long},
    ]
    notes = description(content_of(rows), "Smart Economy", "ekonomi", "economy", [], "alias")
    assert "|" not in notes and "---" not in notes
    items = [line for line in notes.splitlines() if line.startswith("- ")]
    assert items[0] == (
        "- **`A_1`** Persentase contoh 1 (satuan: persen; produsen: Dinas X Kota Malang; "
        "jadwal: tahunan). Definisi contoh 1."
    )
    assert items[1].startswith(
        r"- **`A_2`** Jumlah contoh 2 (satuan: unit; produsen: Dinas X Kota Malang; jadwal: "
        r"bulanan). Persentase \*rumah tangga\* dengan akses\_air \[layak\] sangat panjang"
    )
    definition = items[1].split("). ", 1)[1]
    assert definition.endswith(" sangat…") and len(shorten(long)) <= 201
    # a blank line before the list: Python-Markdown starts a list only after one
    assert "\n\n- **`A_1`**" in notes
    assert notes.startswith("**SAMPLE — data contoh buatan")
    assert "dataset:" not in notes  # CKAN would turn it into a link


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a  b\nc", "a b c"),
        ("x" * 10, "x" * 10),
        ("satu dua tiga, empat lima", "satu dua…"),
    ],
)
def test_shorten(text, expected):
    assert shorten(text, limit=12) == expected


def test_escape_keeps_catalog_text_literal():
    assert escape("PM2.5 <25 µg/m³ *rata_rata* `x` [1] #2") == (
        r"PM2.5 &lt;25 µg/m³ \*rata\_rata\* \`x\` \[1\] \#2"
    )


# -- the metadata gate -----------------------------------------------------------------------


def test_metadata_verdict_holds_back_new_indicators_and_withholds_published_ones(analyst):
    from portal.content import read_content
    from warehouse.snapshot import open_analyst

    work, analyst_path = analyst
    set_metadata(work, analyst_path, SECOND, metode=None, konsep="   ")
    con = open_analyst(analyst_path)
    try:
        content = read_content(con, ONLY)["smart_economy"]
        fresh = metadata_verdict(con, content, published=set())
        assert fresh.held_back == {SECOND: "concept, method"}
        assert list(fresh.content.indicators["kode"]) == [FIRST]
        assert set(fresh.content.rows["indikator"]) == {FIRST}
        count = con.execute(f'SELECT count(*) FROM "{fresh.content.source}"').fetchall()[0][0]
        assert count == len(fresh.content.rows) == 4

        on_portal = metadata_verdict(con, content, published={FIRST, SECOND})
        assert on_portal.content is None
        assert on_portal.reason == (
            f"metadata incomplete for indicator(s) already on the portal: {SECOND} (concept, "
            "method). Leaving them out would delete their published rows, so the previous "
            "publication stays; fill them in the catalog (`kotapintar metadata --check` lists "
            "what is missing)"
        )
    finally:
        con.close()
    set_metadata(work, analyst_path, FIRST, ukuran=None)
    con = open_analyst(analyst_path)
    try:
        everything = metadata_verdict(con, read_content(con, ONLY)["smart_economy"], set())
    finally:
        con.close()
    assert everything.content is None
    assert everything.held_back == {FIRST: "measure", SECOND: "concept, method"}
    assert everything.reason == (
        "metadata incomplete for every indicator of the dataset; fill them in the catalog "
        "(`kotapintar metadata --check` lists what is missing)"
    )


def test_a_new_indicator_with_gaps_is_left_out_and_reported(fake_ckan, analyst):
    work, analyst_path = analyst
    set_metadata(work, analyst_path, SECOND, interpretasi=None, agregasi=None)
    plan = publish(config(fake_ckan), analyst_path, dry_run=True, dimensions=ONLY)
    text = plan.render()
    assert f"  ! not published: {SECOND}: metadata incomplete (interpretation, aggregation)" in text
    assert text.splitlines()[-1] == (
        "1 create, 0 update, 0 unchanged, 0 withheld; 1 indicator(s) held back (metadata)"
    )
    assert fake_ckan.writes == []

    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    assert report.ok, report.render()
    [result] = report.results
    assert (result.action, result.held_back) == ("create", {SECOND: "interpretation, aggregation"})
    assert f"  ! not published: {SECOND}" in report.render()
    package = fake_ckan._package(ECONOMY)
    resources = {r[ROLE]: r for r in package["resources"]}
    assert {r["indikator"] for r in fake_ckan.serving("kota_malang_smart_economy")} == {FIRST}
    data_csv = fake_ckan.files[resources["data_csv"]["id"]].decode()
    assert FIRST in data_csv and SECOND not in data_csv
    listed = json.loads(extras_of(package)["satu_data_indikator"])
    assert [r["kode"] for r in listed] == [FIRST]
    assert SECOND not in package["notes"]

    # filled in: the indicator joins the dataset as new rows
    set_metadata(
        work, analyst_path, SECOND, interpretasi="Makin tinggi makin baik.", agregasi="sum"
    )
    again = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    [result] = again.results
    assert (result.action, result.held_back) == ("update", {})
    assert result.counts["periode_baru"] == 4
    assert {r["indikator"] for r in fake_ckan.serving("kota_malang_smart_economy")} == {
        FIRST,
        SECOND,
    }


def test_a_published_indicator_with_gaps_withholds_its_dataset_and_loses_nothing(
    fake_ckan, analyst
):
    work, analyst_path = analyst
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok
    served = fake_ckan.serving("kota_malang_smart_economy")
    package = json.dumps(fake_ckan._package(ECONOMY), sort_keys=True)
    writes = len(fake_ckan.writes)
    set_metadata(work, analyst_path, SECOND, definisi_en=None)

    dry = publish(config(fake_ckan), analyst_path, dry_run=True, dimensions=ONLY)
    assert dry.render().splitlines()[1] == (
        f"{ECONOMY}: withheld (metadata incomplete for indicator(s) already on the portal: "
        f"{SECOND} (definition_en). Leaving them out would delete their published rows, so the "
        "previous publication stays; fill them in the catalog (`kotapintar metadata --check` "
        "lists what is missing))"
    )
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    assert report.ok
    [result] = report.results
    assert result.action == "withheld"
    assert len(fake_ckan.writes) == writes, "nothing written"
    assert fake_ckan.serving("kota_malang_smart_economy") == served
    assert json.dumps(fake_ckan._package(ECONOMY), sort_keys=True) == package


def test_the_dagster_metadata_lists_held_back_indicators(fake_ckan, analyst):
    from assets.publish_assets import report_metadata

    work, analyst_path = analyst
    set_metadata(work, analyst_path, SECOND, level_estimasi=None)
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    metadata = report_metadata(report)
    assert metadata["metadata_incomplete"].value == {ECONOMY: {SECOND: "estimation_level"}}
    assert f"- not published: {SECOND}: metadata incomplete (estimation_level)" in (
        metadata[ECONOMY].value
    )


# -- public names and the migration from kotapintar_* ---------------------------------------


def test_published_fields_are_named_for_the_public(fake_ckan, analyst):
    _, analyst_path = analyst
    assert publish(config(fake_ckan, **CONTACT), analyst_path).ok
    for dimension in DIMENSIONS:
        package = fake_ckan._package(f"kota-malang-{dimension.replace('_', '-')}")
        assert internal_keys(package) == []
        extras = extras_of(package)
        landing = f"{fake_ckan.url}/dataset/{package['name']}"
        assert package["url"] == extras["identifier"] == landing
        assert extras["contact_email"] == package["maintainer_email"] == CONTACT["contact_email"]
        assert extras["publisher_url"] == CONTACT["publisher_url"]
        assert set(extras) >= {DATA_SHA, "versi_metadata_sha256", "datastore_resource_id"}
        roles = {r[ROLE]: r for r in package["resources"]}
        assert set(roles) == {"data_csv", "data_parquet", "dictionary", "indicators",
                              "changelog", "table"}  # fmt: skip
        assert roles["table"][SHA] == roles["data_csv"][SHA] == extras[DATA_SHA]
        assert SHA not in roles["dictionary"] and len(roles["dictionary"]["hash"]) == 64
    rows = csv.DictReader(io.StringIO(fake_ckan.files[roles["indicators"]["id"]].decode()))
    assert next(rows)["konsep"] == "Konsep contoh 1 untuk kota."


LEGACY_PACKAGE = {new: old for old, new in LEGACY_EXTRAS.items()}


def make_legacy(package: dict) -> None:
    """Turn a dataset into what the previous version left: `kotapintar_*` fields."""
    for resource in package["resources"]:
        resource[LEGACY_ROLE] = resource.pop(ROLE)
        resource[LEGACY_SHA] = resource.pop(SHA, None) or resource["hash"]
    package["extras"] = [
        {"key": LEGACY_PACKAGE.get(e["key"], e["key"]), "value": e["value"]}
        for e in package["extras"]
    ]


def test_a_portal_published_with_the_old_names_is_renamed_in_place(fake_ckan, analyst):
    _, analyst_path = analyst
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok
    make_legacy(fake_ckan._package(ECONOMY))
    ids = sorted(r["id"] for r in fake_ckan._package(ECONOMY)["resources"])
    files = dict(fake_ckan.files)
    before = len(fake_ckan.writes)

    plan = publish(config(fake_ckan), analyst_path, dry_run=True, dimensions=ONLY)
    assert plan.render().splitlines()[1] == (
        f"{ECONOMY}: update (kotapintar_* fields renamed for the public)"
    )
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    assert report.ok, report.render()
    written = fake_ckan.writes[before:]
    assert written == ["resource_update"] * 6 + ["package_patch"], "no upload, no new table"
    package = fake_ckan._package(ECONOMY)
    assert internal_keys(package) == []
    assert sorted(r["id"] for r in package["resources"]) == ids, "no duplicate resource"
    assert fake_ckan.files == files
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).writes == 0


def test_old_names_and_new_data_upload_in_place_and_rename(fake_ckan, analyst):
    from tests.portal_data import set_value

    work, analyst_path = analyst
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).ok
    make_legacy(fake_ckan._package(ECONOMY))
    set_value(work, analyst_path, "smart_economy", (FIRST, "35.73.01", "2023"), 42.25)
    report = publish(config(fake_ckan), analyst_path, dimensions=ONLY)
    assert report.ok, report.render()
    [result] = report.results
    assert result.changes == [f"revisi {FIRST} 35.73.01 2023 nilai: 11.5 → 42.25"]
    package = fake_ckan._package(ECONOMY)
    assert internal_keys(package) == []
    roles = [r[ROLE] for r in package["resources"]]
    assert sorted(roles) == sorted(
        ["data_csv", "data_parquet", "dictionary", "indicators", "changelog", "table"]
    )
    changelog = next(r for r in package["resources"] if r[ROLE] == "changelog")
    blocks = re.findall(r"^(\d+),", fake_ckan.files[changelog["id"]].decode(), re.MULTILINE)
    assert sorted(set(blocks)) == ["1", "2"], "the publication number was read from the old name"
    assert publish(config(fake_ckan), analyst_path, dimensions=ONLY).writes == 0
