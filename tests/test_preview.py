"""`kotapintar preview` and `kotapintar draft` from the command line: what they print, what
they mask, and their exit codes."""

from __future__ import annotations

import json

import openpyxl
import pytest
import yaml

from pipelines.cli import main

KECAMATAN = ["Kedungkandang", "Sukun", "Klojen", "Blimbing", "Lowokwaru"]


def workbook(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def entry(location, **parse):
    return {
        "id": "uji_preview",
        "title": "SAMPLE uji preview",
        "agency": {"code": "dinkes", "name": "Dinas Kesehatan Kota Malang"},
        "kind": "xlsx",
        "location": str(location),
        "sample": True,
        "dimension": "smart_living",
        "schedule": "tahunan",
        "parse": {
            "sheet": "Data",
            "region": {"column": "Kecamatan", "level": "kecamatan"},
            "period": {"value": "2023"},
            "values": {"Posyandu": "POSYANDU"},
            **parse,
        },
        "indicators": [
            {
                "code": "POSYANDU",
                "name_id": "Jumlah posyandu",
                "name_en": "Community health posts",
                "unit": "posyandu",
                "definition": "Posyandu terdaftar.",
                "direction": "neutral",
            }
        ],
    }


@pytest.fixture
def catalog(tmp_path, monkeypatch):
    """A catalog folder with one entry whose file has a misspelt region and a phone number."""
    rows = [
        ("Kecamatan", "Posyandu", "Keterangan"),
        *[(name, 10 + i, None) for i, name in enumerate(KECAMATAN[:4])],
        ("Lowokwarru", 14, None),
        ("Jumlah", 60, None),
    ]
    rows[1] = ("Kedungkandang", 10, "hubungi 081234567890")
    path = workbook(tmp_path / "posyandu.xlsx", rows)
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "uji_preview.yaml").write_text(
        yaml.safe_dump(entry(path, notes="Keterangan")), encoding="utf-8"
    )
    monkeypatch.setenv("KOTAPINTAR_CATALOG", str(folder))
    monkeypatch.setenv("KOTAPINTAR_DATA_DIR", str(tmp_path / "data"))
    return folder


def test_preview_by_id_prints_rows_quarantine_warnings_and_counts(catalog, capsys):
    assert main(["preview", "uji_preview", "--rows", "3"]) == 0
    out = capsys.readouterr().out
    assert "Tidy rows: 4 (first 3)" in out
    assert "Data!B2" in out  # each row with its cell
    assert "Quarantined cells: 1 (1 value(s) held back)" in out
    assert "Data!A6 kode_wilayah_known 'Lowokwarru'" in out
    assert "Warnings (total checks included): 1" in out
    assert "Data!B7: total 60 but the 4 value(s)" in out
    assert "Counts per indicator and period:" in out and "POSYANDU" in out


def test_preview_masks_personal_data_in_every_text_cell(catalog, capsys):
    assert main(["preview", str(catalog / "uji_preview.yaml")]) == 0
    out = capsys.readouterr().out
    assert "081234567890" not in out
    assert "0812******90" in out


def test_preview_of_a_failing_source_prints_its_message_and_exits_1(catalog, capsys):
    path = catalog / "uji_preview.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["parse"]["values"] = {"Posyandu Aktif": "POSYANDU"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["preview", "uji_preview"]) == 1
    out = capsys.readouterr().out
    assert "The source fails: Source `uji_preview`" in out
    assert "'Posyandu Aktif' not found" in out


def test_preview_of_an_unknown_id_names_the_closest(catalog, capsys):
    assert main(["preview", "uji_previw"]) == 2
    err = capsys.readouterr().err
    assert "no entry 'uji_previw'" in err and "closest: uji_preview" in err


def test_preview_of_a_url_entry_reads_its_latest_landing_or_says_to_fetch(
    catalog, tmp_path, capsys
):
    path = catalog / "uji_preview.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    local = data["location"]
    data["location"] = "https://dinkes.malangkota.go.id/data/posyandu.xlsx"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["preview", "uji_preview"]) == 2
    assert "run `kotapintar run` (or fetch it) first" in capsys.readouterr().err
    landing = tmp_path / "data" / "landing" / "uji_preview"
    landing.mkdir(parents=True)
    manifest = {
        "source_id": "uji_preview",
        "path": local,
        "location": data["location"],
        "sha256": "0" * 64,
        "bytes": 1,
        "fetched_at": "2024-01-01T00:00:00Z",
    }
    (landing / "latest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["preview", "uji_preview"]) == 0
    assert f"file: {local}" in capsys.readouterr().out


def test_draft_writes_the_entry_and_a_summary(tmp_path, capsys):
    rows = [("Kecamatan", "Posyandu"), *[(name, 10) for name in KECAMATAN]]
    path = workbook(tmp_path / "dinkes_posyandu.xlsx", rows)
    out = tmp_path / "dinkes_posyandu.yaml"
    assert main(["draft", str(path), "--out", str(out)]) == 0
    drafted = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert drafted["id"] == "dinkes_posyandu"
    assert drafted["parse"]["values"] == {"Posyandu": "POSYANDU"}
    err = capsys.readouterr().err
    assert "region: column 'Kecamatan', level kecamatan (5/5 resolve)" in err
    assert "Test parse: 5 tidy rows" in err
    # The drafted entry previews as it is.
    assert main(["preview", str(out)]) == 0


def test_draft_to_stdout_with_a_sheet_and_an_id(tmp_path, capsys):
    rows = [("Kecamatan", "Posyandu"), *[(name, 10) for name in KECAMATAN]]
    path = workbook(tmp_path / "x.xlsx", rows)
    assert main(["draft", str(path), "--sheet", "Data", "--id", "dinkes_uji"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["id"] == "dinkes_uji"
    assert main(["draft", str(tmp_path / "missing.xlsx")]) == 2
