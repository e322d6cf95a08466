"""Data Docs: a page per failed validation only, and an index whose cost does not grow."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from quality import datadocs, gx_runtime
from quality.tidy_suite import validate_tidy
from sources.tidy import tidy_frame


def _table(kode: str = "35.73") -> pd.DataFrame:
    rows = [
        {
            "sumber_id": "bps-ipm",
            "indikator": "ipm",
            "kode_wilayah": kode,
            "periode": str(2018 + line),
            "nilai": 80.0 + line,
            "status": "final",
            "catatan": None,
            "lokasi": f"Sheet1!D{line}",
        }
        for line in range(2, 5)
    ]
    return tidy_frame(rows)


@pytest.fixture(scope="module")
def validate():
    gx_runtime.warm_up()

    def run(df: pd.DataFrame):
        return validate_tidy(
            df, table="bps_ipm", known_regions=("35.73",), declared_indicators=("ipm",)
        )

    return run


def _manifest(folder) -> list[str]:
    lines = (folder / datadocs.MANIFEST).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["page"] for line in lines]


def test_passing_validation_links_the_index_and_renders_no_page(validate, tmp_path):
    report = validate(_table())
    assert report.success, report.summary()
    link = datadocs.write_page(report, tmp_path, run_name="run-1", batch="bps-ipm")
    assert link == tmp_path.resolve() / "index.html" and link.is_file()
    assert not (tmp_path / "validations").exists()
    assert "0 page(s) of failed validations" in link.read_text(encoding="utf-8")


def test_failed_validation_gets_a_page_listed_newest_first(validate, tmp_path):
    bad = validate(_table(kode="99.99"))
    assert not bad.success
    first = datadocs.write_page(bad, tmp_path, run_name="run-1", batch="bps-ipm")
    second = datadocs.write_page(bad, tmp_path, run_name="run-2", batch="bps-ipm")
    assert first.is_file() and second.is_file() and first != second
    assert first.parts[-6:-3] == ("validations", "tidy", "bps_ipm")
    assert "kode_wilayah" in first.read_text(encoding="utf-8")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    relative = [str(p.relative_to(tmp_path.resolve())) for p in (second, first)]
    assert index.index(relative[0]) < index.index(relative[1])  # newest first
    assert "2 page(s) of failed validations" in index
    assert _manifest(tmp_path) == relative[::-1]


def test_index_reads_a_bounded_manifest(tmp_path):
    limit = 3
    pages = [f"validations/tidy.s/run-{i}/t/s.html" for i in range(8)]
    for page in pages:
        (tmp_path / page).parent.mkdir(parents=True)
        (tmp_path / page).write_text("<html></html>", encoding="utf-8")
    (tmp_path / datadocs.MANIFEST).write_text(
        "".join(json.dumps({"page": p}) + "\n" for p in pages) + "torn line\n", encoding="utf-8"
    )
    index = datadocs.write_index(tmp_path, limit=limit).read_text(encoding="utf-8")
    assert "3 page(s)" in index
    assert all(page in index for page in pages[-limit:])
    assert pages[-limit - 1] not in index
    # More than twice the limit: trimmed to the newest `limit`, so later writes read no more.
    assert _manifest(tmp_path) == pages[-limit:]


def test_folder_from_before_the_manifest_keeps_its_pages(validate, tmp_path):
    old = tmp_path / "validations" / "tidy.old" / "run-0" / "t" / "old.html"
    old.parent.mkdir(parents=True)
    old.write_text("<html></html>", encoding="utf-8")
    page = datadocs.write_page(
        validate(_table(kode="99.99")), tmp_path, run_name="run-1", batch="bps-ipm"
    )
    assert _manifest(tmp_path) == [
        "validations/tidy.old/run-0/t/old.html",
        str(page.relative_to(tmp_path.resolve())),
    ]


def test_index_of_a_folder_from_before_the_manifest_lists_its_pages(tmp_path):
    old = tmp_path / "validations" / "tidy" / "old" / "run-0" / "t" / "old.html"
    old.parent.mkdir(parents=True)
    old.write_text("<html></html>", encoding="utf-8")
    index = datadocs.ensure_index(tmp_path).read_text(encoding="utf-8")
    assert "validations/tidy/old/run-0/t/old.html" in index and "1 page(s)" in index
