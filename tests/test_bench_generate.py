"""The benchmark's synthetic catalog: deterministic, valid against the catalog model, parsed by
the real parser into the facts it promises, and turned into the same rows by the DuckDB floor."""

import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from bench.floor import floor_catalog, source_path
from bench.generate import LAYOUTS, _periods, generate_catalog
from bench.run import BUNDLED
from sources.catalog import load_catalog
from sources.parse import parse_landing
from sources.tidy import TIDY_COLUMNS
from sources.wilayah import known_codes

N, ROWS = 6, 700


def _digest(folder: Path) -> dict[str, str]:
    """sha256 of every data file (catalog entries and the manifest hold absolute paths)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((folder / "files").rglob("*"))
        if p.is_file()
    }


def _path(entry) -> Path:
    return Path(entry.recording) if entry.kind == "ckan_datastore" else entry.local_path()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench") / "same"
    return generate_catalog(root, N, ROWS, seed=7)


def test_same_seed_same_bytes_other_seed_other_numbers(generated, tmp_path):
    again = generate_catalog(tmp_path / "same", N, ROWS, seed=7)
    other = generate_catalog(tmp_path / "other", N, ROWS, seed=8)
    first = _digest(generated.root)
    assert len(first) >= N and first == _digest(again.root)
    assert first.keys() == _digest(other.root).keys() and first != _digest(other.root)


def test_catalog_loads_with_unique_codes_every_layout_and_sample_titles(generated):
    entries = load_catalog(generated.catalog_dir)
    assert [e.id for e in entries] == [s.id for s in generated.sources]
    codes = [i.code for e in entries for i in e.indicators]
    assert len(codes) == len(set(codes))
    assert {s.layout for s in generated.sources} == set(LAYOUTS)
    assert {e.kind for e in entries} == {"csv", "xlsx", "ckan_datastore"}
    assert all(e.sample and "SAMPLE" in e.title for e in entries)
    manifest = json.loads((generated.root / "manifest.json").read_text())
    assert [s["id"] for s in manifest["sources"]] == [e.id for e in entries]


def test_real_parser_yields_the_promised_facts_in_real_regions(generated):
    facts = {s.id: s.facts for s in generated.sources}
    for entry in load_catalog(generated.catalog_dir):
        if entry.kind == "ckan_datastore":
            continue  # a feed lands through the replayed API; the floor test below reads it
        parsed = parse_landing(entry, entry.local_path())
        assert len(parsed.tidy) == facts[entry.id] >= ROWS, entry.id
        assert parsed.warnings == [], entry.id  # the "Jumlah" rows add up
        assert set(parsed.tidy["kode_wilayah"]) <= known_codes()
        assert {"final", "sementara"} == set(parsed.tidy["status"]), entry.id
        assert parsed.tidy["periode"].str.fullmatch(r"\d{4}-\d{2}").all()


def test_floor_builds_the_same_tidy_rows_as_the_pipeline(generated, tmp_path):
    entries = [e for e in load_catalog(generated.catalog_dir) if e.kind != "ckan_datastore"]
    result = floor_catalog(entries, tmp_path / "floor.duckdb")
    assert all(not s["violations"] for s in result["sources"].values())
    columns = list(TIDY_COLUMNS)
    with duckdb.connect(str(tmp_path / "floor.duckdb")) as con:
        floor = con.execute(f"SELECT {', '.join(columns)} FROM fact").df()
    parsed = pd.concat([parse_landing(e, _path(e)).tidy for e in entries])
    assert _rows(floor) == _rows(parsed)


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """The tidy rows in key order, missing values as None."""
    frame = frame[list(TIDY_COLUMNS)].sort_values(
        ["sumber_id", "indikator", "kode_wilayah", "periode"]
    )
    frame = frame.astype(object)
    return list(frame.where(frame.notna(), None).itertuples(index=False))


def test_floor_reads_every_bundled_source_as_the_pipeline_does(tmp_path):
    """`make bench-full` measures the bundled catalog against this floor too: every kind there
    (a BPS WebAPI answer, a province's table of which only the city's row loads, English
    numbers, estimates) must give the parser's rows, or the benchmark stops."""
    entries = load_catalog(BUNDLED)
    result = floor_catalog(entries, tmp_path / "floor.duckdb")
    assert {s: r["violations"] for s, r in result["sources"].items() if r["violations"]} == {}
    with duckdb.connect(str(tmp_path / "floor.duckdb")) as con:
        floor = con.execute(f"SELECT {', '.join(TIDY_COLUMNS)} FROM fact").df()
    assert set(floor["sumber_id"]) == {e.id for e in entries}
    # A feed's recording lands through the replayed API (the pipeline's tests read those).
    files = [e for e in entries if e.kind != "ckan_datastore"]
    parsed = pd.concat([parse_landing(e, source_path(e)).tidy for e in files])
    assert _rows(floor[floor["sumber_id"].isin([e.id for e in files])]) == _rows(parsed)


def test_periods_end_in_2024_and_a_long_series_stays_in_the_years_the_parser_reads():
    assert _periods(3) == ["2024-10", "2024-11*", "2024-12*"]
    long = _periods(17_544)  # 1M lines, one indicator, 57 kelurahan
    assert long[0] == "1000-01" and len(set(long)) == len(long)
    assert all(1000 <= int(p[:4]) <= 2999 for p in long)
