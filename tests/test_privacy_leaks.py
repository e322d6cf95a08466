"""Nothing leaked: a nightly run over an agency file with a planted NIK, phone number and e-mail
address writes none of them anywhere (issue 11, case 7).

The job runs on a persistent Dagster instance in tmp_path, so its run storage, event log and
compute logs are files this test can read. Then EVERYTHING the run wrote is scanned for the raw
planted values (the exact digits and the address), as bytes and as decoded text: every file under
tmp_path (the Dagster instance, Data Docs HTML, exports, correction workbooks cell by cell) and
every text column of every table of the work database and the analyst file (karantina,
meta_muat, meta_kualitas, ...). The only files allowed to hold them are the agency's own: the
file the catalog points at and its copy in the landing folder (the fetched file, kept as is).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import dagster as dg
import duckdb
from openpyxl import load_workbook

from tests.test_quality_gate import Env, clean_lines

NIK = "3573014506900003"  # Blimbing, a woman born 05-06-1990
NIK_TYPO = "3573015213900007"  # labelled, but day 52-40=12, month 13: no valid date
KK = "3573010101200005"  # No. KK, issued 01-01-2020
PHONE = "0812-3456-7890"
LANDLINE = "(0341) 551234"
EMAIL = "budi.santoso@example.org"
# The forms a leak can take: as written, digits only, and the way a number cell is read.
SECRETS = [
    NIK,
    NIK_TYPO,
    KK,
    PHONE,
    "081234567890",
    LANDLINE,
    "0341551234",
    EMAIL,
    "budi.santoso",
    "3.573014506900003e+15",
    "3.573014506900003E15",
]


def planted_lines() -> list[str]:
    """The clean agency file with personal data in the notes, a value cell and a region cell."""
    lines = clean_lines()
    lines[2] = f"Klojen;2022;21,0;110;NIK {NIK} a.n. pelapor, hp {PHONE}"
    lines[3] = f"Kedungkandang;2022;22,0;120;kirim ke {EMAIL} atau telp {LANDLINE}"
    lines[4] = f"Sukun;2022;23,0;130;NIK: {NIK_TYPO}; No. KK {KK}"
    lines[7] = f"Klojen;2023;{NIK};111;"  # a NIK where a number should be
    lines[8] = f"Kedungkandang {PHONE};2023;22,1;121;"  # an unreadable region cell
    return lines


def test_planted_personal_data_is_written_nowhere(tmp_path):
    (tmp_path / "kota").mkdir()
    env = Env(tmp_path / "kota")
    env.csv.write_text("\n".join(planted_lines()) + "\n", encoding="utf-8")
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home))
    try:
        result = env.job.execute_in_process(raise_on_error=False, instance=instance)
    finally:
        instance.dispose()
    outcomes = [
        e.asset_observation_data.asset_observation.metadata["outcome"].value
        for e in result.get_asset_observation_events()
        if e.asset_key.path == ["tidy_dinkes_uji_mutu"]
    ]
    assert outcomes == ["failed"], "the guard blocked the source"

    agency_files = {env.csv.resolve()} | {
        p.resolve() for p in (env.settings.data_dir / "landing").rglob("*") if p.is_file()
    }
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.resolve() not in agency_files]
    assert any(p.suffix == ".db" for p in written), "the Dagster run storage was scanned"
    assert any(p.suffix == ".html" for p in written), "Data Docs were written and scanned"
    assert any(p.suffix == ".xlsx" for p in written), "the correction workbook was scanned"
    leaks = []
    for path in written:
        for where, text in _texts(path):
            leaks += [f"{where}: {s!r}" for s in SECRETS if s in text]
    assert not leaks, "\n".join(leaks)


def _texts(path: Path):
    """(where, text) of one file: its bytes decoded, and what a reader of its format sees."""
    data = path.read_bytes()
    yield str(path), data.decode("utf-8", "replace")
    yield f"{path} (utf-16)", data.decode("utf-16-le", "replace")
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:  # compressed: read each part
            for name in archive.namelist():
                yield f"{path}!{name}", archive.read(name).decode("utf-8", "replace")
        for sheet in load_workbook(path, read_only=True).worksheets:
            cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row]
            yield f"{path}[{sheet.title}]", "\n".join(cells)
    if path.suffix == ".duckdb":
        yield from _duckdb_texts(path)


def _duckdb_texts(path: Path):
    """Every column of every table, cast to text (DuckDB compresses strings on disk)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() "
            "WHERE database_name = current_database()"
        ).fetchall()
        for schema, table in tables:
            name = f'"{schema}"."{table}"'
            rows = con.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM {name}").fetchall()
            yield f"{path}:{schema}.{table}", "\n".join("|".join(map(str, r)) for r in rows)
