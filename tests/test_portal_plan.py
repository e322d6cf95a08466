"""The publication's pure parts: periods, changelog, plan, metadata, content hash, gate."""

from datetime import date

import duckdb
import pytest

from portal.changelog import HEADER, LEGACY_HEADER, Change, changelog_csv, diff, next_publication
from portal.content import data_sha256, datastore_fields, read_content
from portal.gate import scan_personal_data, table_verdicts
from portal.metadata import Publisher, alias_name, dataset_name, package_dict, satu_data_rows
from portal.periods import period_bounds, temporal_coverage
from portal.plan import Desired, plan_dataset, render
from portal.state import DATA_SHA, HASH, META_SHA, ROLE, SHA, TABLE, PortalState
from tests.portal_data import build_analyst
from warehouse.kualitas import record_verdict
from warehouse.snapshot import open_analyst


@pytest.mark.parametrize(
    ("periode", "start", "end"),
    [
        ("2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-Q3", date(2023, 7, 1), date(2023, 9, 30)),
        ("2023-S2", date(2023, 7, 1), date(2023, 12, 31)),
    ],
)
def test_period_bounds(periode, start, end):
    assert period_bounds(periode) == (start, end)


def test_period_bounds_refuses_other_shapes():
    with pytest.raises(ValueError, match=r"Period '2023/24' is not YYYY, YYYY-MM, YYYY-Qn"):
        period_bounds("2023/24")


def test_temporal_coverage():
    assert temporal_coverage(["2021", "2023-Q2", "2022-05"]) == ("2021-01-01", "2023-06-30")
    assert temporal_coverage([]) == ("", "")


def row(ind="A", kode="35.73", periode="2023", nilai=1.0, status="final", catatan=None):
    return {
        "indikator": ind,
        "kode_wilayah": kode,
        "periode": periode,
        "nilai": nilai,
        "status": status,
        "catatan": catatan,
    }


def test_diff_lists_new_periods_new_rows_revisions_and_removals():
    old = [row(), row(kode="35.73.01"), row(periode="2022", nilai=5)]
    new = [
        row(nilai=2.5, status="sementara"),  # revised value and status
        row(kode="35.73.02"),  # new row in a known period
        row(periode="2024", nilai=7),  # new period
        row(periode="2022", nilai=5.0),  # 5 == 5.0: unchanged
    ]
    log = diff(old, new)
    assert [c.describe() for c in log.changes] == [
        "periode_baru A 35.73 2024 (nilai 7)",
        "baris_baru A 35.73.02 2023 (nilai 1)",
        "revisi A 35.73 2023 nilai: 1 → 2.5",
        "revisi A 35.73 2023 status: final → sementara",
        "dihapus A 35.73.01 2023 (nilai 1)",
    ]
    assert log.counts() == {"periode_baru": 1, "baris_baru": 1, "revisi": 2, "dihapus": 1}


def test_diff_first_publication_and_missing_values():
    assert diff(None, [row(), row(kode="x")]).summary() == ["publikasi pertama: 2 baris"]
    log = diff([row(nilai=None, catatan="kosong")], [row(nilai=3)])
    assert [c.describe() for c in log.changes] == [
        "revisi A 35.73 2023 nilai: ∅ → 3",
        "revisi A 35.73 2023 catatan: kosong → ∅",
    ]


def test_changelog_is_keyed_by_publication_not_by_a_repeated_version():
    jan, feb, mar = (f"2024-0{m}-01T00:00:00+00:00" for m in (1, 2, 3))
    first = changelog_csv(diff(None, [row()]), 1, "v1", jan)
    second = changelog_csv(diff([row()], [row(nilai=2)]), 2, "v2", feb, first)
    back = changelog_csv(diff([row(nilai=2)], [row()]), 3, "v1", mar, second)
    lines = back.decode().splitlines()
    assert lines[0] == ",".join(HEADER)
    assert lines[1:] == [
        f"3,{mar},v1,revisi,A,35.73,2023,nilai,2,1",
        f"2,{feb},v2,revisi,A,35.73,2023,nilai,1,2",
        f"1,{jan},v1,publikasi_pertama,,,,,,1 baris",
    ]
    # a rerun completing publication 2 (never committed) replaces its block, nothing else
    again = changelog_csv(diff([row()], [row(nilai=2)]), 2, "v2", feb, second)
    assert again == second


def test_a_legacy_changelog_is_numbered_and_continued():
    legacy = (
        ",".join(LEGACY_HEADER) + "\n"
        "T2,v2,revisi,A,35.73,2023,nilai,1,2\n"
        "T2,v2,revisi,A,35.73,2024,nilai,3,4\n"
        "T1,v1,publikasi_pertama,,,,,,2 baris\n"
    ).encode()
    assert next_publication(None, legacy) == 3
    assert next_publication("7", legacy) == 8
    assert next_publication(None, None) == 1
    lines = changelog_csv(diff([row()], [row(nilai=5)]), 3, "v3", "T3", legacy).decode()
    assert lines.splitlines()[1:] == [
        "3,T3,v3,revisi,A,35.73,2023,nilai,1,5",
        "2,T2,v2,revisi,A,35.73,2023,nilai,1,2",
        "2,T2,v2,revisi,A,35.73,2024,nilai,3,4",
        "1,T1,v1,publikasi_pertama,,,,,,2 baris",
    ]


def test_change_describe_for_removed_row():
    assert Change("dihapus", "A", "35.73", "2023", "nilai", old="4").describe() == (
        "dihapus A 35.73 2023 (nilai 4)"
    )


DESIRED = Desired(
    dimension="smart_economy",
    name="kota-malang-smart-economy",
    alias="kota_malang_smart_economy",
    package={"name": "kota-malang-smart-economy", "extras": []},
    metadata_sha256="m1",
    data_sha256="d1",
    rows=10,
    file_sha256={"data_csv": "d1", "data_parquet": "d1", "dictionary": "k1", "indicators": "i1"},
)
ROLES = ("data_csv", "data_parquet", "dictionary", "indicators", "changelog")


def file(role: str, sha: str) -> dict:
    """A file resource as the publisher leaves it: data files name the data version, the
    dictionary and indicator files are known by their hash."""
    key = HASH if role in ("dictionary", "indicators") else SHA
    return {"id": f"r-{role}", ROLE: role, key: sha}


def portal(data="d1", meta="m1", serving_sha="d1", tables=(), counts=None) -> PortalState:
    """A dataset as the portal would hold it after a publication of `data`."""
    files = {r: file(r, DESIRED.file_sha256.get(r, data)) for r in ROLES}
    serving = {"id": "t-old", ROLE: "table", SHA: serving_sha}
    extras = [{"key": DATA_SHA, "value": data}, {"key": META_SHA, "value": meta}]
    extras.append({"key": TABLE, "value": "t-old"})
    package = {"id": "p1", "state": "active", "extras": extras}
    return PortalState(
        package=package,
        files=files,
        tables=[serving, *tables],
        serving_id="t-old",
        counts=counts or {},
    )


def kinds(plan) -> list[str]:
    return [f"{s.kind}:{s.target}" if s.target else s.kind for s in plan.steps]


def test_plan_new_dataset_creates_everything_in_blue_green_order():
    plan = plan_dataset(DESIRED, PortalState(package=None), diff(None, []))
    assert plan.action == "create"
    assert kinds(plan) == [
        "create_package",
        "load_table",
        "repoint_alias",
        "upload:data_csv",
        "upload:data_parquet",
        "upload:dictionary",
        "upload:indicators",
        "upload:changelog",
        "commit",
    ]


def test_plan_unchanged_dataset_does_nothing():
    plan = plan_dataset(DESIRED, portal(), None)
    assert (plan.action, plan.steps, plan.changelog) == ("unchanged", (), None)


def test_plan_changed_data_loads_a_new_table_and_drops_the_old_one_last():
    old = portal(data="d0", serving_sha="d0")
    old.files["data_csv"][SHA] = old.files["data_parquet"][SHA] = "d0"
    plan = plan_dataset(DESIRED, old, diff([], []))
    assert plan.action == "update"
    assert kinds(plan) == [
        "load_table",
        "repoint_alias",
        "upload:data_csv",
        "upload:data_parquet",
        "upload:changelog",
        "commit",
        "drop_table:t-old",
    ]
    assert "data changed" in plan.reasons


def test_plan_reuses_a_complete_table_left_by_an_interrupted_run():
    left = {"id": "t-new", ROLE: "table", SHA: "d1"}
    plan = plan_dataset(
        DESIRED, portal(data="d0", serving_sha="d0", tables=[left], counts={"t-new": 10}), None
    )
    assert kinds(plan)[:2] == ["reuse_table:t-new", "repoint_alias"]
    assert kinds(plan)[-1] == "drop_table:t-old"


def test_plan_reloads_when_the_left_table_is_incomplete_and_drops_it():
    left = {"id": "t-part", ROLE: "table", SHA: "d1"}
    plan = plan_dataset(
        DESIRED, portal(data="d0", serving_sha="d0", tables=[left], counts={"t-part": 4}), None
    )
    assert kinds(plan)[0] == "load_table"
    assert kinds(plan)[-2:] == ["drop_table:t-old", "drop_table:t-part"]


def test_plan_after_a_kill_behind_the_alias_finishes_files_and_commit():
    # The alias already serves the new table; files and the commit are still the old ones.
    state = portal(data="d0", serving_sha="d1")
    state.files["data_csv"][SHA] = "d0"
    plan = plan_dataset(DESIRED, state, diff([], []))
    assert kinds(plan) == ["upload:data_csv", "upload:changelog", "commit"]


def test_plan_metadata_only_change_commits_without_touching_the_table():
    plan = plan_dataset(DESIRED, portal(meta="m0"), None)
    assert kinds(plan) == ["commit"]
    assert plan.reasons == ("metadata changed",)


def test_plan_cleans_up_a_left_over_table():
    stale = {"id": "t-stale", ROLE: "table", SHA: "d9"}
    plan = plan_dataset(DESIRED, portal(tables=[stale]), None)
    assert kinds(plan) == ["drop_table:t-stale"]
    assert plan.reasons == ("left-over table from an earlier run",)


def test_render_lists_steps_and_totals():
    text = render([plan_dataset(DESIRED, PortalState(package=None), diff(None, [row()]))])
    assert text.splitlines()[0] == (
        "kota-malang-smart-economy: create (dataset does not exist; no table serves the alias)"
    )
    assert "  - point alias kota_malang_smart_economy at the new table" in text
    assert "    publikasi pertama: 1 baris" in text
    assert text.splitlines()[-1] == "1 create, 0 update, 0 unchanged, 0 withheld"


def test_names_and_alias():
    assert dataset_name("smart_governance") == "kota-malang-smart-governance"
    assert dataset_name("smart_living", "uji-") == "uji-kota-malang-smart-living"
    assert alias_name("smart_living", "uji-") == "uji_kota_malang_smart_living"


@pytest.fixture
def content(tmp_path):
    _, analyst = build_analyst(tmp_path)
    con = open_analyst(analyst)
    try:
        yield read_content(con, ["smart_economy"])["smart_economy"]
    finally:
        con.close()


def test_package_metadata_is_labelled_sample_and_dcat_mappable(content):
    org = {"id": "o1", "name": "kominfo", "title": "Dinas Kominfo Kota Malang"}
    package = package_dict(content, org, prefix="uji-", private=True)
    assert package["name"] == "uji-kota-malang-smart-economy"
    assert package["title"].startswith("[SAMPLE] [UJI COBA] Indikator Smart Economy")
    assert package["notes"].startswith("**SAMPLE — data contoh buatan, bukan angka resmi")
    assert "**English summary:**" in package["notes"]
    assert (package["private"], package["license_id"], package["owner_org"]) == (
        True,
        "cc-by",
        "o1",
    )
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["frequency"].endswith("/frequency/MONTHLY")  # the shortest schedule
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2022-01-01", "2023-12-31")
    assert extras["kode_wilayah"] == "35.73"
    assert extras["theme"] == '["http://publications.europa.eu/resource/authority/data-theme/ECON"]'
    assert extras["publisher_name"] == "Dinas Kominfo Kota Malang"
    assert extras["dimensi_smart_city"] == "smart_economy"
    assert extras["pilar_smart_city"] == "governance"
    assert extras["datastore_alias"] == "uji_kota_malang_smart_economy"
    assert {t["name"] for t in package["tags"]} >= {"smart-economy", "pilar-governance", "sample"}
    # no publisher settings: no contact e-mail, publisher URL or landing page is invented
    assert not {"contact_email", "publisher_url", "identifier"} & set(extras)
    assert (package["url"], package["maintainer_email"]) == ("", "")


def test_package_carries_contact_publisher_landing_page_and_identifier(content):
    org = {"id": "o1", "name": "kominfo", "title": "Dinas Kominfo Kota Malang"}
    publisher = Publisher(
        landing_base="https://data.malangkota.go.id/dataset/",
        contact_email="walidata@malangkota.go.id",
        publisher_url="https://kominfo.malangkota.go.id",
    )
    package = package_dict(content, org, publisher=publisher)
    landing = "https://data.malangkota.go.id/dataset/kota-malang-smart-economy"
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert package["url"] == extras["identifier"] == landing
    assert extras["contact_email"] == package["maintainer_email"] == "walidata@malangkota.go.id"
    assert extras["contact_name"] == "Walidata — Dinas Kominfo Kota Malang"
    assert extras["publisher_url"] == "https://kominfo.malangkota.go.id"
    assert "Kontak walidata (contact): <walidata@malangkota.go.id>" in package["notes"]
    assert not [k for k in extras if k.startswith("kotapintar")]


def test_satu_data_metadata_per_indicator_comes_from_the_catalog(content):
    first = satu_data_rows(content)[0]
    assert first == {
        "kode": "ECONOMY_IND_1",
        "nama_indikator": "Persentase contoh 1",
        "nama_indikator_en": "Example 1",
        "konsep": "Konsep contoh 1 untuk kota.",
        "definisi": "Definisi contoh 1.",
        "definisi_en": "Example definition 1.",
        "klasifikasi": "menurut kecamatan",
        "ukuran": "persentase",
        "satuan": "persen",
        "interpretasi": "Nilai yang lebih tinggi lebih baik.",
        "metode": "Jumlah kejadian dibagi jumlah penduduk dikali 100.",
        "level_estimasi": "kecamatan",
        "agregasi": "none",
        "produsen_data": "Dinas X Kota Malang",
        "jadwal_pemutakhiran": "tahunan",
        "kode_referensi": "SDGs 11.1.1",
        "iso_indikator": "ISO 37120:2018 5.1",
        "pilar": "governance",
        "arah": "higher_is_better",
        "tingkat_wilayah": "kecamatan, kota",
        "sampel": "true",
    }
    second = satu_data_rows(content)[1]
    assert (second["kode_referensi"], second["iso_indikator"]) == ("", "")


def test_datastore_fields_are_typed_explicitly_with_bilingual_info():
    fields = {f["id"]: f for f in datastore_fields()}
    assert {f["type"] for n, f in fields.items() if n != "nilai"} == {"text"}
    assert fields["nilai"]["type"] == "numeric"
    info = fields["kode_wilayah"]["info"]
    assert (info["label"], info["label_en"]) == ("Kode wilayah", "Region code")
    assert info["notes_en"].startswith("Kemendagri region code (text")


def test_content_hash_ignores_row_order_and_sees_one_value(content):
    records = content.records
    assert records[0]["kode_wilayah"] == "35.73" and records[0]["periode"] == "2022"
    assert data_sha256(list(reversed(records))) == content.data_sha256
    changed = [dict(r) for r in records]
    changed[3]["nilai"] = 99.0
    assert data_sha256(changed) != content.data_sha256


def test_gate_scan_finds_personal_data_and_masks_it(tmp_path):
    _, analyst = build_analyst(tmp_path)
    with duckdb.connect(str(analyst)) as con:
        con.execute(
            "UPDATE smart_people SET catatan = 'hubungi budi@example.org / 081234567890' "
            "WHERE periode = '2023'"
        )
        con.execute(
            "UPDATE smart_governance SET catatan = 'pelapor NIK 3573011203900001' "
            "WHERE periode = '2023' AND kode_wilayah = '35.73'"
        )
        people = scan_personal_data(con, "smart_people")
        governance = scan_personal_data(con, "smart_governance")
        assert scan_personal_data(con, "smart_economy").passed
    assert not people.passed
    assert people.reason == (
        "personal data found: catatan: 2 × alamat e-mail (mis. bu************rg); "
        "catatan: 2 × nomor telepon (mis. 08********90)"
    )
    assert governance.reason == (
        "personal data found: catatan: 1 × NIK / No. KK (16 angka) (mis. 35************01)"
    )
    assert "budi@example.org" not in people.reason


def test_gate_reads_recorded_verdicts_and_withholds_empty_tables(tmp_path):
    from tests.portal_data import TABLES
    from warehouse.db import connect
    from warehouse.snapshot import publish_snapshot

    work, analyst = build_analyst(tmp_path)
    con = connect(work)
    try:
        record_verdict(con, tabel="src_smart_people", lolos=False, temuan=3, laporan={"x": 1})
        record_verdict(con, tabel="smart_economy", lolos=True, temuan=0)
        con.execute("DELETE FROM smart_living")
    finally:
        con.close()
    publish_snapshot(work, analyst, [*TABLES, "meta_kualitas"])
    con = open_analyst(analyst)
    try:
        verdicts = table_verdicts(con, ["smart_people", "smart_economy", "smart_living"])
    finally:
        con.close()
    assert verdicts["smart_economy"].passed
    assert verdicts["smart_people"].reason == (
        'checks failed: src_smart_people: data_pribadi failed (3 finding(s)): {"x": 1}'
    )
    assert verdicts["smart_living"].reason == "no rows: none of its sources has loaded yet"


def test_provenance_alone_is_not_a_revision():
    old = [{**row(), "berkas_sha256": "a" * 64, "lokasi": "baris 2"}]
    new = [{**row(), "berkas_sha256": "b" * 64, "lokasi": "baris 3"}]
    log = diff(old, new)
    assert log.changes == ()
    assert log.summary() == ["tanpa perubahan nilai (definisi kolom atau asal berkas diperbarui)"]
    revised = diff(old, [{**new[0], "nilai": 2.0}])
    assert [c.describe() for c in revised.changes] == ["revisi A 35.73 2023 nilai: 1 → 2"]
