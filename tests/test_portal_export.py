"""Open exports: CSV (UTF-8) + Parquet per dimension and a datapackage.json that passes
`frictionless validate`; gated like the portal; a failed export keeps the previous folder."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from portal.exports import export_gated
from tests.portal_data import build_analyst, set_value, snapshot_rows
from warehouse import export
from warehouse.changes import published_at
from warehouse.db import connect
from warehouse.dictionary import DIMENSION_COLUMNS
from warehouse.export import export_dimensions, export_staleness
from warehouse.reference import DIMENSIONS
from warehouse.sqlutil import scalar


def frictionless_validate(descriptor: Path) -> subprocess.CompletedProcess:
    """The `frictionless validate` command of this environment (the dev extra installs it)."""
    command = shutil.which("frictionless", path=str(Path(sys.executable).parent))
    assert command, "frictionless is not installed: pip install -e '.[dev]'"
    return subprocess.run(
        [command, "validate", "--json", descriptor.name],
        cwd=descriptor.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_export_writes_csv_parquet_and_a_datapackage_frictionless_accepts(analyst, tmp_path):
    _, analyst_path = analyst
    out = tmp_path / "exports"
    result = export_gated(analyst_path, out)
    assert result.withheld == {}
    assert result.info.tables == dict.fromkeys(DIMENSIONS, 8)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["datapackage.json", "tableschema.json", "kp_export.json"]  # kp_: what it was built from
        + [f"{d}.{ext}" for d in DIMENSIONS for ext in ("csv", "parquet")]
    )
    with (out / "smart_economy.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = snapshot_rows(analyst_path, "smart_economy")
    assert [(r["kode_wilayah"], r["periode"]) for r in rows] == [
        (r["kode_wilayah"], r["periode"]) for r in expected
    ]
    types = duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{out / 'smart_economy.parquet'}')"
    ).fetchall()
    assert {name: kind for name, kind, *_ in types}["periode"] == "VARCHAR"
    assert {name: kind for name, kind, *_ in types}["nilai"] == "DOUBLE"

    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert package["title"].startswith("[SAMPLE] Kota Malang")
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["contributors"][0] == {
        "title": "Dinas Komunikasi dan Informatika Kota Malang (walidata)",
        "role": "publisher",
    }
    assert len(package["sources"]) == 6 and len(package["resources"]) == 12

    validation = frictionless_validate(out / "datapackage.json")
    report = json.loads(validation.stdout)
    assert validation.returncode == 0 and report["valid"], validation.stdout[-3000:]
    assert report["stats"]["tasks"] == 12


def test_frictionless_catches_a_broken_export(analyst, tmp_path):
    """The validation is not a formality: a duplicated key fails it."""
    out = tmp_path / "exports"
    export_gated(analyst[1], out)
    data = (out / "smart_people.csv").read_text(encoding="utf-8").splitlines()
    (out / "smart_people.csv").write_text("\n".join([*data, data[1]]) + "\n", encoding="utf-8")
    package = json.loads((out / "datapackage.json").read_text())
    for resource in package["resources"]:
        resource.pop("hash", None), resource.pop("bytes", None)
    (out / "datapackage.json").write_text(json.dumps(package))
    validation = frictionless_validate(out / "datapackage.json")
    assert validation.returncode != 0
    assert "primary-key" in validation.stdout


def test_the_gate_keeps_a_refused_table_out_of_the_export(tmp_path):
    _, analyst_path = build_analyst(tmp_path / "wh")
    with duckdb.connect(str(analyst_path)) as con:
        con.execute("UPDATE smart_living SET catatan = 'kontak: ani@example.org' WHERE true")
    result = export_gated(analyst_path, tmp_path / "exports")
    assert set(result.info.tables) == set(DIMENSIONS) - {"smart_living"}
    assert result.withheld["smart_living"].startswith("personal data found: catatan: 8 ×")
    assert not (tmp_path / "exports" / "smart_living.csv").exists()


def test_a_failed_export_leaves_the_previous_folder(analyst, tmp_path):
    out = tmp_path / "exports"
    export_dimensions(analyst[1], out, ["smart_people"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(duckdb.CatalogException):
        export_dimensions(analyst[1], out, ["smart_people", "smart_nothing"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_cli_export(analyst, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(analyst[1]))
    assert main(["export", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Exported 6 tables (48 rows) to {tmp_path / 'out'}"
    )
    assert (tmp_path / "out" / "datapackage.json").is_file()


def test_the_nightly_job_writes_exports_of_the_bundled_catalog(bundled_run):
    settings, _ = bundled_run
    out = settings.export_path
    assert out == settings.data_dir / "exports"
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for resource in package["resources"]:
            if resource["format"] == "csv":
                rows = con.execute(f"SELECT count(*) FROM {resource['name']}").fetchall()[0][0]
                with (out / resource["path"]).open(encoding="utf-8") as handle:
                    assert sum(1 for _ in handle) - 1 == rows
    validation = frictionless_validate(out / "datapackage.json")
    assert validation.returncode == 0, validation.stdout[-3000:]


# --- in proportion to change -------------------------------------------------------------------


def _sorted_copy(con, table: str, path: Path, options: str) -> bytes:
    """Today's way: every file written through ORDER BY the key."""
    con.execute(
        f"COPY (SELECT {export._COLUMNS} FROM {table} ORDER BY {export._KEY}) TO '{path}' "
        f"({options})"
    )
    return path.read_bytes()


@pytest.mark.parametrize("stored", ["in parts", "at once", "patched", "shuffled"])
def test_files_are_the_bytes_of_the_sorted_export_with_or_without_a_sort(
    tmp_path, monkeypatch, stored
):
    """A table in key order is written without a sort and gives the sorted bytes, however it
    was inserted (sorted batches leave row groups partly filled; a patch leaves deleted rows in
    them); one out of order is sorted. The Parquet file is kept unsorted only when its row
    groups came out as the sort cuts them."""
    con = connect(tmp_path / "work.duckdb")
    con.execute("SET threads = 4")
    columns = ", ".join(c.name for c in DIMENSION_COLUMNS)
    # Key order is the order of i.
    values = ", ".join(
        {
            "indikator": "'IND_' || (i // 100000)",
            "kode_wilayah": "'35.73.' || lpad(((i // 1000) % 100)::VARCHAR, 2, '0')",
            "periode": "lpad((i % 1000)::VARCHAR, 4, '0')",
            "nilai": "i / 4",
        }.get(c.name, "'x' || (i % 13)" if c.type == "string" else "NULL")
        for c in DIMENSION_COLUMNS
    )
    parts = {"at once": ((0, 300_000),)}.get(
        stored, ((0, 130_000), (130_000, 200_000), (200_000, 300_000))
    )
    for start, end in parts:
        order = "random()" if stored == "shuffled" else "i"
        con.execute(
            f"INSERT INTO smart_people ({columns}) SELECT {values} FROM range({start}, {end}) "
            f"AS r(i) ORDER BY {order}"
        )
    rows = 300_000
    if stored == "patched":
        con.execute("DELETE FROM smart_people WHERE nilai * 4 % 7 = 0")
        rows = scalar(con, "SELECT count(*) FROM smart_people")
    assert export.in_key_order(con, "smart_people") is (stored != "shuffled")
    sorted_copies, parquet_writes = [], []
    real_copy = export._copy

    def copy(con, table, path, options, *, sort):
        if options == export.PARQUET_OPTIONS:
            parquet_writes.append("sorted" if sort else "as scanned")
        if sort:
            sorted_copies.append((options, scalar(con, "SELECT current_setting('threads')")))
        return real_copy(con, table, path, options, sort=sort)

    monkeypatch.setattr(export, "_copy", copy)
    expected = {}
    for write, options in (
        (export.write_table_csv, export.CSV_OPTIONS),
        (export.write_table_parquet, export.PARQUET_OPTIONS),
    ):
        assert write(con, "smart_people", tmp_path / "new") == rows
        expected[options] = _sorted_copy(con, "smart_people", tmp_path / "sorted", options)
        assert (tmp_path / "new").read_bytes() == expected[options], write.__name__
    # Sorted: everything when shuffled; the Parquet file when the scan's chunks were irregular
    # (the CSV writer keeps to one DuckDB thread, a sorted Parquet file has them all).
    sorted_when = {
        "shuffled": [(export.CSV_OPTIONS, 1), (export.PARQUET_OPTIONS, 4)],
        "at once": [],
    }.get(stored, [(export.PARQUET_OPTIONS, 4)])
    assert sorted_copies == sorted_when
    # The export writes both files side by side when the table is in key order: same bytes,
    # and the same sorts, with every thread for the Parquet file written again.
    sorted_copies.clear()
    parquet_writes.clear()
    staging = tmp_path / "staging"
    staging.mkdir()
    export._write_table(con, "smart_people", staging)
    # Inserted in parts, the storage's row groups show the scan would be irregular: the
    # Parquet file is written once, sorted, not first as scanned and then again.
    assert export.stored_regularly(con, "smart_people") is (stored == "at once")
    assert parquet_writes == (["as scanned"] if stored == "at once" else ["sorted"])
    assert (staging / "smart_people.csv").read_bytes() == expected[export.CSV_OPTIONS]
    assert (staging / "smart_people.parquet").read_bytes() == expected[export.PARQUET_OPTIONS]
    assert sorted_copies == sorted_when
    assert scalar(con, "SELECT current_setting('threads')") == 4
    con.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name != export.MANIFEST}


def test_an_export_writes_only_the_tables_that_changed(analyst, tmp_path):
    work, analyst_path = analyst
    out = tmp_path / "exports"
    first = export_dimensions(analyst_path, out, DIMENSIONS)
    assert first.carried == ()
    inodes = {p.name: p.stat().st_ino for p in out.iterdir()}

    set_value(work, analyst_path, "smart_people", ("PEOPLE_IND_1", "35.73", "2023"), 99.0)
    second = export_dimensions(analyst_path, out, DIMENSIONS)
    assert set(second.carried) == set(DIMENSIONS) - {"smart_people"}
    for name in ("smart_living.csv", "smart_living.parquet"):
        assert (out / name).stat().st_ino == inodes[name]  # linked, not written
    assert (out / "smart_people.csv").stat().st_ino != inodes["smart_people.csv"]
    assert "99.0" in (out / "smart_people.csv").read_text(encoding="utf-8")
    # The same files and hashes as an export written from nothing, and it shows the snapshot.
    fresh = export_dimensions(analyst_path, tmp_path / "fresh", DIMENSIONS)
    assert _files(out) == _files(tmp_path / "fresh") and second.files == fresh.files
    assert export_staleness(out, published_at(analyst_path)) == ""
    manifest = json.loads((out / export.MANIFEST).read_text(encoding="utf-8"))
    assert manifest["snapshot_published_at"] == published_at(analyst_path).isoformat()

    # A file touched since, or files of another format, are written again.
    os.utime(out / "smart_living.csv", ns=(1, 1))
    assert "smart_living" not in export_dimensions(analyst_path, out, DIMENSIONS).carried
    monkey = pytest.MonkeyPatch()
    monkey.setattr(export, "FILE_FORMAT", "other")
    try:
        assert export_dimensions(analyst_path, out, DIMENSIONS).carried == ()
    finally:
        monkey.undo()
    assert _files(out) == _files(tmp_path / "fresh")


def test_prints_the_snapshot_recorded_spare_hashing_and_give_the_same_export(
    analyst, tmp_path, monkeypatch
):
    """A print of all of a table's columns is the export's print when those are its columns:
    the snapshot's record is used (warehouse/prints.py), and the files and manifest
    are those of an export that hashed every table."""
    _, analyst_path = analyst
    hashed = export_dimensions(analyst_path, tmp_path / "hashed", DIMENSIONS)
    with duckdb.connect(str(analyst_path), read_only=True) as con:
        known = {t: export.table_fingerprint(con, t) for t in ["smart_people", "smart_living"]}
    computed = []
    real = export.table_fingerprint
    monkeypatch.setattr(
        export, "table_fingerprint", lambda c, t, *a: computed.append(t) or real(c, t, *a)
    )
    taken = export_dimensions(analyst_path, tmp_path / "taken", DIMENSIONS, known=known)
    assert sorted(computed) == sorted(f'"{t}"' for t in DIMENSIONS if t not in known)
    assert taken.files == hashed.files and taken.tables == hashed.tables
    manifests = [
        json.loads((tmp_path / f / export.MANIFEST).read_text(encoding="utf-8"))
        for f in ("hashed", "taken")
    ]
    assert manifests[0]["fingerprints"] == manifests[1]["fingerprints"]
