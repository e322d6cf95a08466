"""Row-level quarantine at the parse stage, end to end through the nightly job.

A CSV of 200 rows (kelurahan x months, one indicator, SAMPLE) with two region spellings no
one knows: with `quality.max_quarantine_share: 0.05` the source loads 198 rows and quarantines
2 with their cell and reason (in `karantina`, the run summary and the agency's correction
workbook, in Indonesian); with the default (all-or-nothing) it fails as before, and the message
names the setting that would load the rest.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml
from openpyxl import load_workbook

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.settings import Settings
from pipelines.summary import summarize
from sources.wilayah import reference

SOURCE = "dispendukcapil_uji_karantina"
UNKNOWN = {37: "Kelurahan Atlantis", 151: "Tlogomasss"}  # data row -> a spelling no one knows


def kelurahan() -> list[str]:
    return [w.nama for w in reference() if w.tingkat == "kelurahan"]


def lines() -> list[str]:
    """200 data rows: 50 kelurahan x 4 months of 2024, the value the row number."""
    names = kelurahan()[:50]
    out = ["Kelurahan;Bulan;Jumlah Akta Kelahiran"]
    for i in range(200):
        name = UNKNOWN.get(i, names[i % 50])
        out.append(f"{name};{['Januari', 'Februari', 'Maret', 'April'][i // 50]} 2024;{i + 1}")
    return out


def run(root: Path, **quality):
    csv = root / "uji.SAMPLE.csv"
    csv.write_text("\n".join(lines()) + "\n", encoding="utf-8")
    catalog = root / "catalog"
    catalog.mkdir()
    entry = {
        "id": SOURCE,
        "title": "SAMPLE — akta kelahiran per kelurahan",
        "agency": {"code": "dispendukcapil", "name": "Dispendukcapil Kota Malang"},
        "kind": "csv",
        "location": str(csv),
        "sample": True,
        "dimension": "smart_people",
        "schedule": "bulanan",
        "parse": {
            "region": {"column": "Kelurahan", "level": "kelurahan"},
            "period": {"column": "Bulan"},
            "values": {"Jumlah Akta Kelahiran": "AKTA_KELAHIRAN"},
        },
        "indicators": [
            {
                "code": "AKTA_KELAHIRAN",
                "name_id": "Jumlah akta kelahiran diterbitkan",
                "name_en": "Birth certificates issued",
                "unit": "akta",
                "definition": "Akta kelahiran yang diterbitkan dalam bulan itu.",
                "direction": "neutral",
            }
        ],
        **({"quality": quality} if quality else {}),
    }
    (catalog / f"{SOURCE}.yaml").write_text(yaml.safe_dump(entry), encoding="utf-8")
    settings = Settings(
        warehouse=root / "analyst" / "kotapintar.duckdb",
        data_dir=root / "data",
        catalog_dir=catalog,
        offline=True,
    )
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(raise_on_error=False)
    return settings, summarize(result, settings, 0.0)


def test_two_unknown_spellings_in_200_rows_quarantine_two_and_load_198(tmp_path):
    settings, summary = run(tmp_path, max_quarantine_share=0.05)
    [source] = [s for s in summary.sources if s.source_id == SOURCE]
    assert (source.outcome, source.rows, source.quarantined) == ("loaded", 198, 2)
    assert "partial load: 2 of 200 rows quarantined (1.0 %, allowed 5.0 %" in source.message
    assert f"\n{SOURCE} partial load: 2 of 200 rows quarantined (1.0 %" in summary.render()
    with duckdb.connect(str(settings.data_dir / "work.duckdb"), read_only=True) as con:
        held = con.execute(
            "SELECT lokasi, aturan, nilai, pesan FROM karantina WHERE sumber_id = ? ORDER BY 1",
            [SOURCE],
        ).fetchall()
    assert [(lokasi, aturan, nilai) for lokasi, aturan, nilai, _ in held] == [
        ("baris 153, kolom 1", "kode_wilayah_known", "Tlogomasss"),
        ("baris 39, kolom 1", "kode_wilayah_known", "Kelurahan Atlantis"),
    ]
    assert all("tidak dikenal sebagai kelurahan Kota Malang" in pesan for *_, pesan in held)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        facts = con.execute(
            "SELECT count(*) FROM fact_indikator WHERE sumber_id = ?", [SOURCE]
        ).fetchone()
    assert facts == (198,)
    sheet = load_workbook(settings.koreksi_path / "koreksi_dispendukcapil.xlsx")["Temuan"]
    texts = [" ".join(str(v) for v in row if v) for row in sheet.iter_rows(values_only=True)]
    assert sum("Tlogomasss" in t or "Atlantis" in t for t in texts) == 2


def test_by_default_the_source_fails_and_the_message_names_the_setting(tmp_path):
    _, summary = run(tmp_path)
    [source] = [s for s in summary.sources if s.source_id == SOURCE]
    assert (source.outcome, source.rows) == ("failed", 0)
    assert "2 cell(s) cannot be read: baris 39, kolom 1: region 'Kelurahan Atlantis'" in (
        source.message
    )
    assert "set `quality.max_quarantine_share` in" in source.message
