"""Acceptance of the quality gate, end to end: each seeded violation in an agency file makes the
source's check fail with its evidence, puts the rows in `karantina`, lists them in the agency's
correction workbook in Indonesian, and leaves the analyst snapshot with the last good data.

One CSV source (SAMPLE) is loaded clean first; then, one run per violation, the agency's next
file carries exactly that violation. A failed load never replaces the good rows, so every run
starts from the same published state.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import yaml
from openpyxl import load_workbook

from pipelines.definitions import NIGHTLY_JOB, build_definitions
from pipelines.settings import Settings
from pipelines.summary import summarize

SOURCE = "dinkes_uji_mutu"
KECAMATAN = ["Blimbing", "Klojen", "Kedungkandang", "Sukun", "Lowokwaru"]
HEADER = "Kecamatan;Tahun;Angka A;Angka B;Keterangan"
NIK = "3573014506900003"  # a plausible NIK: Blimbing, born 05-06-1990 (woman: day + 40)
PHONE = "0812-3456-7890"


def clean_lines() -> list[str]:
    lines = [HEADER]
    for year, shift in (("2022", 0), ("2023", 1)):
        for i, name in enumerate(KECAMATAN):
            lines.append(f"{name};{year};{20 + i},{shift};{100 + 10 * i + shift};")
    return lines


def entry(location: Path, **quality) -> dict:
    data = {
        "id": SOURCE,
        "title": "SAMPLE — uji gerbang mutu",
        "agency": {"code": "dinkes", "name": "Dinas Kesehatan Kota Malang"},
        "kind": "csv",
        "location": str(location),
        "sample": True,
        "dimension": "smart_living",
        "schedule": "tahunan",
        "parse": {
            "delimiter": ";",
            "region": {"column": "Kecamatan", "level": "kecamatan"},
            "period": {"column": "Tahun"},
            "values": {"Angka A": "UJI_A", "Angka B": "UJI_B"},
            "notes": "Keterangan",
        },
        "indicators": [
            {
                "code": "UJI_A",
                "name_id": "Angka uji A",
                "name_en": "Test figure A",
                "unit": "persen",
                "definition": "Angka uji dengan rentang dan kelengkapan.",
                "direction": "neutral",
                "min_value": 0,
                "max_value": 100,
                "expected_regions": "kecamatan",
                "expected_periods": ["2022", "2023"],
            },
            {
                "code": "UJI_B",
                "name_id": "Angka uji B",
                "name_en": "Test figure B",
                "unit": "unit",
                "definition": "Angka uji dengan batas perubahan tahunan.",
                "direction": "neutral",
                "max_change_pct": 50,
            },
        ],
    }
    if quality:
        data["quality"] = quality
    return data


class Env:
    """A catalog of one source in tmp_path, its agency file, and the job."""

    def __init__(self, root: Path, **quality) -> None:
        self.root = root
        self.csv = root / "uji.SAMPLE.csv"
        catalog = root / "catalog"
        catalog.mkdir()
        (catalog / f"{SOURCE}.yaml").write_text(
            yaml.safe_dump(entry(self.csv, **quality), allow_unicode=True), encoding="utf-8"
        )
        self.settings = Settings(
            warehouse=root / "analyst" / "kotapintar.duckdb",
            data_dir=root / "data",
            catalog_dir=catalog,
            offline=True,
        )
        self.job = build_definitions(self.settings).resolve_job_def(NIGHTLY_JOB)

    def run(self, lines: list[str]):
        self.csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = self.job.execute_in_process(raise_on_error=False)
        return result, summarize(result, self.settings, 0.0)

    def read(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    @property
    def workbook(self) -> Path:
        return self.settings.koreksi_path / "koreksi_dinkes.xlsx"


def check_of(result, name: str = "tidy_valid"):
    [evaluation] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.check_name == name and e.asset_key.path == [f"tidy_{SOURCE}"]
    ]
    return evaluation


def metadata_text(evaluation) -> str:
    return json.dumps(
        {k: str(getattr(v, "value", v)) for k, v in evaluation.metadata.items()},
        ensure_ascii=False,
    )


def workbook_rows(path: Path) -> list[dict]:
    sheet = load_workbook(path, read_only=True)["Temuan"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The source loaded clean once; the published rows are the 'last good data'."""
    env = Env(tmp_path_factory.mktemp("gate"))
    result, summary = env.run(clean_lines())
    assert summary.success, summary.render()
    assert check_of(result).passed
    env.good = env.read(f"SELECT * FROM fact_indikator WHERE sumber_id = '{SOURCE}' ORDER BY ALL")
    assert len(env.good) == 20
    assert not env.workbook.exists(), "no findings, no workbook"
    return env


def with_line(index: int, line: str) -> list[str]:
    lines = clean_lines()
    lines[index] = line
    return lines


def nik_column() -> list[str]:
    lines = clean_lines()
    for n, line in enumerate(lines[1:], start=1):
        parts = line.split(";")
        parts[3] = f"357301{45 + n % 5:02d}0690{n:04d}"  # NIKs where the values should be
        lines[n] = ";".join(parts)
    return lines


# name -> (agency file, rule, lokasi (CSV line 1-based, column), value in karantina, workbook)
VIOLATIONS = {
    "out_of_range": (
        with_line(7, "Klojen;2023;150;111;"),
        "value_range",
        "baris 8, kolom 3",
        "150",
        "Nilai di luar rentang wajar",
    ),
    "unknown_kode_wilayah": (
        with_line(3, "Kedungkandang Raya;2022;22,0;120;"),
        "kode_wilayah_known",
        "baris 4, kolom 1",
        "Kedungkandang Raya",
        "Wilayah tidak dikenal",
    ),
    "duplicate_key": (
        [*clean_lines(), "Sukun;2023;23,1;131;"],
        "key_unique",
        "baris 12, kolom 3",
        "UJI_A / 35.73.04 / 2023",
        "Baris ganda",
    ),
    "bad_periode": (  # the parser quarantines the row at its period cell
        with_line(9, "Sukun;2023/24;23,1;131;"),
        "periode_well_formed",
        "baris 10, kolom 2",
        "2023/24",
        "Periode tidak sesuai format",
    ),
    "yoy_jump": (
        with_line(10, "Lowokwaru;2023;24,1;500;"),
        "yoy_change",
        "baris 11, kolom 4",
        "140 → 500 (257,1 %)",
        "Perubahan tahunan terlalu besar",
    ),
    "nik_column": (
        nik_column(),
        "data_pribadi",
        "baris 2, kolom 4",
        "3573************",
        "Data pribadi",
    ),
    "phone_in_free_text": (
        with_line(4, f"Sukun;2022;23,0;130;konfirmasi ke Bu Sri {PHONE}"),
        "data_pribadi",
        "baris 5, kolom 3",
        "konfirmasi ke Bu Sri 0812******90",
        "Data pribadi",
    ),
}


@pytest.mark.parametrize("name", list(VIOLATIONS))
def test_seeded_violation_is_gated(env, name):
    lines, rule, lokasi, value, title = VIOLATIONS[name]
    result, summary = env.run(lines)
    [line] = summary.sources
    assert line.outcome == "failed", summary.render()

    # 1. The check fails (ERROR) with its evidence.
    check = check_of(result)
    assert not check.passed and check.severity.value == "ERROR"
    evidence = metadata_text(check)
    assert lokasi.split(",")[0] in evidence
    if rule == "data_pribadi":
        assert "personal data found" in evidence
    elif rule not in ("kode_wilayah_known", "periode_well_formed"):
        # Not a parse-stage quarantine: the GX evidence names the failed rule.
        assert f"failed: {rule}" in evidence
        assert "data_docs" in evidence and Path(str(check.metadata["data_docs"].value)).is_file()

    # 2. karantina (published with the snapshot) holds the rows of this load.
    muat_id = f"{result.run_id}:{SOURCE}"
    rows = env.read(
        "SELECT aturan, lokasi, nilai, pesan, produsen_kode, per_baris FROM karantina "
        "WHERE muat_id = ? ORDER BY lokasi",
        [muat_id],
    )
    assert (rule, lokasi, value) in [(r[0], r[1], r[2]) for r in rows], rows
    assert {r[4] for r in rows} == {"dinkes"}

    # 3. The agency's correction workbook lists them, in Indonesian.
    found = workbook_rows(env.workbook)
    mine = [r for r in found if r["Lembar dan sel / baris"] == lokasi]
    assert mine and mine[0]["Masalah"] == title, found
    assert mine[0]["Nilai ditemukan"] == value
    assert mine[0]["Cara memperbaiki"]
    assert mine[0]["Sumber data"] == SOURCE

    # 4. The analyst snapshot keeps the last good data.
    fact = env.read(f"SELECT * FROM fact_indikator WHERE sumber_id = '{SOURCE}' ORDER BY ALL")
    assert fact == env.good
    assert summary.workbooks == [str(env.workbook)]
    assert "koreksi_dinkes.xlsx" in summary.render()

    # Personal data never leaves: not in the analyst file, the workbook or the check metadata.
    for secret in (NIK, PHONE, "34567890"):
        assert secret not in evidence
        assert secret not in str(found)
        dump = env.read("SELECT string_agg(CAST(COLUMNS(*) AS VARCHAR), '|') FROM karantina")
        assert secret not in str(dump)
        messages = env.read("SELECT string_agg(message, '|') FROM meta_muat")
        assert secret not in str(messages)


def test_clean_file_again_loads_and_closes_the_workbook(env):
    result, summary = env.run(clean_lines())
    assert summary.success and check_of(result).passed
    assert not env.workbook.exists(), "no open findings left: the workbook is removed"
    assert summary.workbooks == []


def test_partial_load_within_the_declared_share(tmp_path):
    env = Env(tmp_path, max_quarantine_share=0.1)
    result, summary = env.run(with_line(7, "Klojen;2023;150;111;"))
    [line] = summary.sources
    assert (line.outcome, line.rows, line.quarantined) == ("loaded", 19, 1)
    assert "partial load: 1 of 20 rows quarantined (5.0 %, allowed 10.0 %" in line.message
    check = check_of(result)
    assert not check.passed and check.severity.value == "WARN"  # never silent
    assert check.metadata["rows_quarantined"].value == 1
    assert env.read("SELECT aturan, lokasi FROM karantina") == [("value_range", "baris 8, kolom 3")]
    assert env.read("SELECT count(*) FROM fact_indikator WHERE lokasi = 'baris 8, kolom 3'") == [
        (0,)
    ]
    assert env.workbook.exists()


def test_partial_load_refused_above_the_share_or_for_table_rules(tmp_path):
    env = Env(tmp_path, max_quarantine_share=0.05)
    lines = with_line(7, "Klojen;2023;150;111;")
    lines[8] = "Kedungkandang;2023;150;121;"
    _, summary = env.run(lines)
    [line] = summary.sources
    assert line.outcome == "failed"
    assert "(no partial load: 10.0 % of rows quarantined, more than the 5.0 % allowed)" in (
        line.message
    )
    lines = clean_lines()
    del lines[9]  # Sukun 2023 missing: a table rule, nothing can be quarantined for it
    _, summary = env.run(lines)
    assert "(no partial load: regions_expected fail the table)" in summary.sources[0].message
