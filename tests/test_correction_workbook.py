"""Correction workbooks: built from the open findings of an agency, in Indonesian, rewritten each
run and removed when nothing is left to fix."""

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook

from quality.findings import FINDING_COLUMNS
from quality.workbook import TEMUAN_HEADER, write_correction_workbook
from warehouse.db import work_db
from warehouse.karantina import open_findings, record_karantina
from warehouse.load import record_muat

SHA = {"a": "a" * 64, "b": "b" * 64}


def finding(sumber_id: str, lokasi: str | None, aturan: str, **extra) -> dict:
    row = dict.fromkeys(FINDING_COLUMNS)
    row.update(
        sumber_id=sumber_id,
        produsen_kode="dinkes",
        lokasi=lokasi,
        aturan=aturan,
        indikator="PREVALENSI_STUNTING",
        kode_wilayah="35.73.02",
        periode="2023",
        nilai="150",
        diharapkan="antara 0 dan 100 persen",
        pesan="Nilai di luar rentang wajar: 150; seharusnya antara 0 dan 100 persen.",
        per_baris=lokasi is not None,
    )
    row.update(extra)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(FINDING_COLUMNS))


@pytest.fixture
def con(tmp_path):
    with work_db(tmp_path / "work.duckdb") as con:
        yield con


def load(con, muat_id: str, sumber_id: str, outcome: str, sha: str, minutes: int, *rows):
    record_muat(
        con,
        muat_id=muat_id,
        sumber_id=sumber_id,
        outcome=outcome,
        sha256=sha,
        lokasi=f"sources/samples/{sumber_id}.xlsx",
        loaded_at=datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes),
    )
    record_karantina(con, muat_id, frame(*rows))


def test_open_findings_follow_the_latest_checked_load(con):
    load(
        con,
        "r1:stunting",
        "stunting",
        "failed",
        SHA["a"],
        0,
        finding("stunting", "S!C4", "value_range"),
    )
    load(con, "r1:faskes", "faskes", "failed", SHA["a"], 1, finding("faskes", "F!D7", "key_unique"))
    assert sorted(open_findings(con, "dinkes")["lokasi"]) == ["F!D7", "S!C4"]
    # The same failing file again: `unchanged`, the findings of its check still stand.
    load(con, "r2:stunting", "stunting", "unchanged", SHA["a"], 10)
    assert sorted(open_findings(con, "dinkes")["lokasi"]) == ["F!D7", "S!C4"]
    # A corrected file loads: its source has nothing open any more.
    load(con, "r3:stunting", "stunting", "loaded", SHA["b"], 20)
    assert open_findings(con, "dinkes")["lokasi"].tolist() == ["F!D7"]
    assert open_findings(con, "dlh").empty


def test_workbook_in_indonesian(con, tmp_path):
    load(
        con,
        "r1:stunting",
        "stunting",
        "failed",
        SHA["a"],
        0,
        finding("stunting", "Stunting!C4", "value_range"),
        finding("stunting", None, "regions_expected", nilai="tidak ada di berkas"),
    )
    path = write_correction_workbook(
        tmp_path / "koreksi",
        produsen_kode="dinkes",
        produsen="Dinas Kesehatan Kota Malang",
        findings=open_findings(con, "dinkes"),
    )
    assert path == tmp_path / "koreksi" / "koreksi_dinkes.xlsx"
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Ringkasan", "Temuan", "Penjelasan aturan"]
    summary = [r for r in book["Ringkasan"].iter_rows(values_only=True) if any(r)]
    assert summary[0][0] == "Lembar koreksi data — Dinas Kesehatan Kota Malang"
    assert summary[-1][:5] == (
        "stunting",
        "sources/samples/stunting.xlsx",
        "tidak dimuat: data terakhir yang lolos pemeriksaan tetap dipakai",
        1,
        1,
    )
    rows = list(book["Temuan"].iter_rows(values_only=True))
    assert list(rows[0]) == [name for name, _ in TEMUAN_HEADER]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Lembar dan sel / baris"] == "Stunting!C4"
    assert first["Masalah"] == "Nilai di luar rentang wajar"
    assert first["Nilai ditemukan"] == "150"
    assert first["Yang diharapkan"] == "antara 0 dan 100 persen"
    assert first["Cara memperbaiki"].startswith("Periksa salah ketik, satuan")
    second = dict(zip(rows[0], rows[2], strict=True))
    assert (second["Lembar dan sel / baris"], second["Masalah"]) == (
        "(tidak ada di berkas)",
        "Wilayah tidak lengkap",
    )
    rules = [r[0] for r in book["Penjelasan aturan"].iter_rows(values_only=True)]
    assert rules == ["Masalah", "Nilai di luar rentang wajar", "Wilayah tidak lengkap"]


def test_no_open_findings_removes_the_workbook(tmp_path):
    folder = tmp_path / "koreksi"
    args = {"produsen_kode": "dlh", "produsen": "DLH"}
    path = write_correction_workbook(
        folder, findings=frame(finding("sampah", "S!B2", "value_range")), **args
    )
    assert path.is_file()
    assert write_correction_workbook(folder, findings=frame(), **args) is None
    assert not path.exists()


def test_a_load_without_findings_writes_a_workbook_only_for_findings_on_record(tmp_path):
    """update_workbook after a clean load: no workbook for an agency with nothing on record, and
    the open findings written again when their workbook was removed by hand."""
    from contextlib import nullcontext
    from types import SimpleNamespace

    from assets.quality_stage import update_workbook

    folder = tmp_path / "koreksi"
    opened = work_db(tmp_path / "work.duckdb")
    shared = opened.__enter__()  # one connection for every call, as the step's

    def connect():
        return nullcontext(shared)

    def entry(code):
        return SimpleNamespace(agency=SimpleNamespace(code=code, name=code.upper()))

    with connect() as con:
        load(con, "m1", "stunting", "failed", SHA["a"], 1, finding("stunting", "S!C4", "r"))
        load(con, "m2", "sampah", "loaded", SHA["b"], 2)  # another agency's clean load
    # dinkes has an open finding but its workbook is gone: a clean load of any of its sources
    # writes it again.
    path = update_workbook(entry("dinkes"), connect, folder, recorded=0)
    assert path is not None and path.is_file()
    assert [r["Lembar dan sel / baris"] for r in _temuan(path)] == ["S!C4"]
    assert update_workbook(entry("dlh"), connect, folder, recorded=0) is None
    assert sorted(p.name for p in folder.iterdir()) == ["koreksi_dinkes.xlsx"]
    # The connection is left free for the next source's load (a half-read result blocks it).
    shared.register("next_rows", pd.DataFrame({"a": [1]}))
    shared.unregister("next_rows")
    opened.__exit__(None, None, None)


def _temuan(path):
    sheet = load_workbook(path, read_only=True)["Temuan"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
