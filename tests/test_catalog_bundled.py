"""The bundled catalog and its SAMPLE sources: what the embedded default run reads.

These pin the promises the bundled catalog makes (coverage of the six dimensions, every entry
marked as sample data, every file present and saying SAMPLE), and that each bundled source goes
through the real offline fetch and parse into tidy rows.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sources.catalog import DIMENSIONS, REPO_ROOT, SourceEntry, load_catalog

CATALOG = load_catalog()
BY_ID = {entry.id: entry for entry in CATALOG}


def ckan_pages(entry: SourceEntry) -> list[Path]:
    folder = REPO_ROOT / entry.recording
    pages = folder.glob("datastore_search.offset-*.json")
    return sorted(pages, key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def test_bundled_catalog_is_big_enough():
    agencies = {entry.agency.code for entry in CATALOG}
    indicators = [i for entry in CATALOG for i in entry.indicators]
    assert len(CATALOG) >= 12, f"only {len(CATALOG)} bundled entries"
    assert len(agencies) >= 8, f"only {len(agencies)} agencies: {sorted(agencies)}"
    assert 25 <= len(indicators) <= 40, f"{len(indicators)} indicators"


def test_every_dimension_has_at_least_three_indicators():
    per_dimension = Counter(
        entry.indicator_dimension(indicator) for entry in CATALOG for indicator in entry.indicators
    )
    thin = {d: per_dimension.get(d, 0) for d in DIMENSIONS if per_dimension.get(d, 0) < 3}
    assert not thin, f"dimensions with fewer than 3 indicators: {thin}"


def test_indicator_codes_are_unique():
    codes = Counter(i.code for entry in CATALOG for i in entry.indicators)
    assert not [c for c, n in codes.items() if n > 1], f"duplicate codes: {codes.most_common(3)}"


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.id)
def test_every_entry_is_marked_sample(entry: SourceEntry):
    assert entry.sample, f"{entry.catalog_file}: bundled entries must say `sample: true`"
    assert "SAMPLE" in entry.title, f"{entry.catalog_file}: title must say SAMPLE"


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.id)
def test_local_location_exists_and_says_sample(entry: SourceEntry):
    if entry.kind == "ckan_datastore":
        assert entry.recording, f"{entry.catalog_file}: a bundled feed needs `recording`"
        pages = ckan_pages(entry)
        assert pages, f"{entry.recording}: no datastore_search.offset-*.json pages"
        for page in pages:
            assert "SAMPLE" in json.loads(page.read_text(encoding="utf-8"))["_sample_note"]
        return
    if entry.kind == "ckan_resource":
        assert entry.recording, f"{entry.catalog_file}: a bundled portal resource needs `recording`"
        package = json.loads((REPO_ROOT / entry.recording / "package_show.json").read_text("utf-8"))
        assert "SAMPLE" in package["_sample_note"]
        files = list((REPO_ROOT / entry.recording / "files").iterdir())
        assert files and all(".SAMPLE." in f.name for f in files), files
        return
    if entry.kind == "bps_webapi":
        assert entry.recording, f"{entry.catalog_file}: a bundled BPS table needs `recording`"
        assert ".SAMPLE." in entry.recording, f"{entry.recording}: the name must say SAMPLE"
        answer = json.loads((REPO_ROOT / entry.recording).read_text("utf-8"))
        assert "SAMPLE" in answer["_sample_note"]
        assert "SAMPLE" in answer["var"][0]["label"]
        assert entry.location.endswith(".invalid/v1/api"), "a sample must not reach BPS"
        return
    assert not entry.is_url, f"{entry.catalog_file}: bundled sources are local files"
    path = entry.local_path()
    assert path.is_file(), f"{entry.catalog_file}: {entry.location} does not exist"
    assert ".SAMPLE." in path.name, f"{entry.location}: the file name must say SAMPLE"
    if entry.kind == "xlsx":
        assert "SAMPLE" in xlsx_title(entry, path), f"{entry.location}: no SAMPLE title row"


def xlsx_title(entry: SourceEntry, path: Path) -> str:
    """The text of the rows above the header of the sheet or HTML table the entry reads, with
    the HTML table's title (the title table right above it)."""
    from sources.grid import read_grid

    grid = read_grid(entry, path)
    above = grid.cells[: entry.parse.header_row - 1]
    return " ".join([grid.title, *(str(v) for row in above for v in row)])


@pytest.mark.parametrize(
    "entry", [e for e in CATALOG if e.kind == "ckan_datastore"], ids=lambda e: e.id
)
def test_ckan_recordings_are_consistent_pages(entry: SourceEntry):
    results = [json.loads(p.read_text(encoding="utf-8"))["result"] for p in ckan_pages(entry)]
    total = results[0]["total"]
    offsets = [r["offset"] for r in results]
    assert offsets == list(range(0, total, results[0]["limit"])), f"page offsets {offsets}"
    assert sum(len(r["records"]) for r in results) == total
    assert {r["resource_id"] for r in results} == {entry.resource_id}
    field_ids = {f["id"] for f in results[0]["fields"]}
    wanted = {entry.parse.region.column, entry.parse.period.column, *entry.parse.values}
    assert wanted <= field_ids, f"fields missing from the feed: {wanted - field_ids}"


def test_bundled_catalog_covers_the_tricky_shapes():
    entries = BY_ID.values()
    assert any(e.kind == "ckan_datastore" and len(ckan_pages(e)) >= 3 for e in entries)
    assert any(e.parse.region.level == "kelurahan" for e in entries)
    assert any(e.parse.region.level == "kota" for e in entries)
    assert any(e.parse.layout == "wide_by_period" for e in entries)
    assert any(e.kind == "csv" and e.parse.delimiter == ";" for e in entries)
    assert any(e.parse.header_depth == 2 for e in entries)
    assert any(e.kind == "ckan_resource" for e in entries)
    assert any(e.parse.layout == "wide_by_region" for e in entries)
    assert any(e.kind == "bps_webapi" and e.parse.region.covers for e in entries)
    # A website's "download as Excel" (an HTML page saved as .xls) of a provincial table, and
    # a national CSV in English number style.
    assert any(e.parse.table and e.parse.region.covers == "provinsi" for e in entries)
    assert any(e.parse.decimal == "point" and e.parse.region.covers == "nasional" for e in entries)


@pytest.mark.parametrize("entry", CATALOG, ids=lambda e: e.id)
def test_bundled_source_fetches_and_parses_offline(entry: SourceEntry, tmp_path: Path):
    from sources.fetch import fetch_source
    from sources.parse import parse_source

    landing = fetch_source(entry, tmp_path, offline=True)
    frame = parse_source(entry, Path(landing.path))
    assert len(frame) > 0, f"{entry.id}: no tidy rows"
    assert set(frame["indikator"]) == {i.code for i in entry.indicators}
    duplicated = frame.duplicated(["indikator", "kode_wilayah", "periode"])
    assert not duplicated.any(), f"{entry.id}: duplicate keys\n{frame[duplicated].head()}"


def test_kelurahan_sharing_a_kecamatan_name_resolve_as_kelurahan(tmp_path: Path):
    from sources.fetch import fetch_source
    from sources.parse import parse_source

    entry = BY_ID["dispendukcapil_penduduk_kelurahan"]
    frame = parse_source(entry, Path(fetch_source(entry, tmp_path, offline=True).path))
    codes = set(frame["kode_wilayah"])
    assert len(codes) == 57
    # Kelurahan Blimbing, Klojen and Sukun (not the kecamatan of the same name).
    assert {"35.73.01.1005", "35.73.02.1001", "35.73.04.1005"} <= codes
