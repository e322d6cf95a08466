"""Agency-shaped SAMPLE files (tests/agency_files/) parse to their exact answer keys.

Each fixture is a file shaped like what an OPD or BPS sends, its catalog entry, and an answer
key written from the same data as the file (never from the parser): the tidy facts (indikator,
kode_wilayah, periode, nilai, status) and the cells that must be quarantined. A fixture passes
only with no missing, extra or wrong fact and exactly the quarantined cells of its key. See
tests/agency_files/README.md for what each file exercises.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from quality.gate import check_source
from sources.catalog import load_entry
from sources.parse import parse_landing
from sources.wilayah import known_codes

HERE = Path(__file__).resolve().parent / "agency_files"
CATALOG = HERE / "catalog"
ANSWERS = HERE / "answers"
FIXTURES = sorted(path.stem for path in CATALOG.glob("*.yaml"))
FACT_COLUMNS = ["indikator", "kode_wilayah", "periode", "nilai", "status"]
KEY = ["indikator", "kode_wilayah", "periode"]


def make_fixtures():
    """The generator script as a module (it lives beside its output, not in a package)."""
    spec = importlib.util.spec_from_file_location("make_fixtures", HERE / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def answer_key(fixture_id: str) -> pd.DataFrame:
    key = pd.read_csv(
        ANSWERS / f"{fixture_id}.csv", dtype=str, keep_default_na=False, encoding="utf-8"
    )
    key["nilai"] = [float(v) if v != "" else math.nan for v in key["nilai"]]
    return key


def quarantine_key(fixture_id: str) -> list[tuple[str, str]]:
    key = pd.read_csv(ANSWERS / f"{fixture_id}.karantina.csv", dtype=str, keep_default_na=False)
    return sorted(zip(key["lokasi"], key["aturan"], strict=True))


def parsed(fixture_id: str):
    entry = load_entry(CATALOG / f"{fixture_id}.yaml")
    return parse_landing(entry, entry.local_path())


def differences(actual: pd.DataFrame, expected: pd.DataFrame) -> list[str]:
    """Every missing, extra or wrong fact, one line each."""
    actual = actual.assign(nilai=actual["nilai"].astype(float)).astype({c: str for c in KEY})
    merged = expected.merge(
        actual, on=KEY, how="outer", suffixes=("_key", "_got"), indicator="side"
    )
    problems = []
    for row in merged.itertuples(index=False):
        where = f"{row.indikator} {row.kode_wilayah} {row.periode}"
        if row.side == "left_only":
            problems.append(f"missing: {where} = {row.nilai_key} ({row.status_key})")
        elif row.side == "right_only":
            problems.append(f"extra: {where} = {row.nilai_got} ({row.status_got})")
        else:
            same_value = (math.isnan(row.nilai_key) and math.isnan(row.nilai_got)) or (
                abs(row.nilai_key - row.nilai_got) <= 1e-9 * max(1.0, abs(row.nilai_key))
            )
            if not same_value or row.status_key != row.status_got:
                problems.append(
                    f"wrong: {where}: expected {row.nilai_key} ({row.status_key}), "
                    f"got {row.nilai_got} ({row.status_got})"
                )
    return problems


@pytest.mark.parametrize("fixture_id", FIXTURES)
def test_fixture_parses_to_its_answer_key(fixture_id):
    result = parsed(fixture_id)
    facts = result.tidy[FACT_COLUMNS]
    duplicated = facts[facts.duplicated(KEY, keep=False)]
    assert duplicated.empty, f"the same key twice:\n{duplicated}"
    # Facts and quarantined cells are reported together: one often explains the other.
    problems = differences(facts, answer_key(fixture_id))
    quarantined = sorted((q.lokasi, q.aturan) for q in result.quarantined)
    expected = quarantine_key(fixture_id)
    problems += [f"not quarantined: {cell}" for cell in expected if cell not in quarantined]
    problems += [
        f"quarantined, not in the key: {cell}" for cell in quarantined if cell not in expected
    ]
    if not problems and quarantined != expected:
        problems.append(f"a cell quarantined more than once: {quarantined}")
    assert not problems, f"{len(problems)} difference(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("fixture_id", FIXTURES)
def test_the_gate_loads_each_fixture(fixture_id):
    # A fixture with unreadable cells sets `quality.max_quarantine_share` so the rest loads.
    entry = load_entry(CATALOG / f"{fixture_id}.yaml")
    result = parse_landing(entry, entry.local_path())
    gate = check_source(
        entry, result.tidy, known_regions=known_codes(), unreadable=result.quarantined
    )
    if quarantine_key(fixture_id):
        assert gate.may_load_partially(entry.quality.max_quarantine_share), gate.summary()
        assert gate.quarantined < gate.rows_seen
    else:
        assert gate.passed, gate.summary()


@pytest.mark.parametrize("fixture_id", FIXTURES)
def test_totals_in_the_fixtures_add_up(fixture_id):
    # Every total row in the fixtures equals the sum of its parts (per year where years are
    # stacked), so a total warning means the parser compared a total with the wrong rows.
    warnings = [w for w in parsed(fixture_id).warnings if "total" in w]
    assert warnings == []


def test_a_wrong_total_of_one_year_is_reported_at_its_cell(tmp_path):
    # The control for the test above: totals are really compared, each year's Kota Malang row
    # with that year's rows. One wrong 2023 total gives one warning, naming its cell.
    entry = load_entry(CATALOG / "dishub_kecelakaan.yaml")
    lines = entry.local_path().read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("2023;Kota Malang;"))
    cells = lines[at].split(";")
    cells[2] = str(int(cells[2]) + 1)
    lines[at] = ";".join(cells)
    changed = tmp_path / "dishub_kecelakaan.SAMPLE.csv"
    changed.write_text("".join(lines), encoding="utf-8")
    warnings = [w for w in parse_landing(entry, changed).warnings if "total" in w]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        f"1 total(s) do not equal the sum of their parts: baris {at + 1}, kolom 3:"
    )


def test_the_fixture_set_covers_the_issue():
    module = make_fixtures()
    fixtures = module.build()
    assert len(fixtures) >= 16
    assert sum(f.kind == "csv" for f in fixtures) >= 6
    for family in module.FAMILIES:
        assert sum(family in f.families for f in fixtures) >= 2, family
    assert sum(bool(f.quarantined()) for f in fixtures) >= 3
    assert sorted(f.id for f in fixtures) == FIXTURES
    for fixture_id in FIXTURES:
        entry = load_entry(CATALOG / f"{fixture_id}.yaml")
        assert entry.sample and "SAMPLE" in entry.title
        assert ".SAMPLE." in entry.location and entry.local_path().is_file()
    # The 200-row file: two unknown spellings held back, the rest loads within 5 %.
    entry = load_entry(CATALOG / "dispendukcapil_akta_kelurahan.yaml")
    assert entry.quality.max_quarantine_share == 0.05
    lines = entry.local_path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 200
    assert len(answer_key(entry.id)) == 198
    assert [a for _, a in quarantine_key(entry.id)] == ["kode_wilayah_known"] * 2


def test_codes_name_every_indicator_of_each_fixture():
    codes = yaml.safe_load((HERE / "codes.yaml").read_text(encoding="utf-8"))
    assert sorted(codes) == FIXTURES
    for fixture_id in FIXTURES:
        entry = load_entry(CATALOG / f"{fixture_id}.yaml")
        assert set(codes[fixture_id].values()) == {i.code for i in entry.indicators}


def test_the_script_regenerates_the_committed_fixtures(tmp_path):
    make_fixtures().main(["--out", str(tmp_path)])
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(HERE)
        for p in HERE.rglob("*")
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts
    )
    assert written == committed
    for name in written:
        if name.suffix == ".xlsx":
            # Workbooks are compared by what a reader sees: openpyxl's bytes may differ.
            assert workbook_cells(tmp_path / name) == workbook_cells(HERE / name), name
        else:
            assert (tmp_path / name).read_bytes() == (HERE / name).read_bytes(), name


def workbook_cells(path: Path) -> list[tuple[str, list[tuple], list[str]]]:
    workbook = load_workbook(path)
    return [
        (
            sheet.title,
            [tuple(row) for row in sheet.iter_rows(values_only=True)],
            sorted(str(r) for r in sheet.merged_cells.ranges),
        )
        for sheet in workbook.worksheets
    ]
