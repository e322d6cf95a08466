"""`kotapintar metadata --check`: the bundled catalog carries complete MS-Ind metadata, and a
gap (a field removed, Indonesian text written in English) is listed per agency with the source,
indicator, field and catalog file to fix. The wording is pinned here."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest

from quality.metadata_check import (
    REQUIRED,
    Gap,
    IndicatorGaps,
    check_catalog,
    looks_english,
    looks_indonesian,
    metadata_gaps,
    missing_metadata,
)
from sources.catalog import DEFAULT_CATALOG_DIR, CatalogError, load_catalog, parse_entry
from sources.catalog_frames import indikator_frame
from tests.test_catalog import FILE, VALID

BUNDLED = load_catalog()
INDICATORS = sum(len(entry.indicators) for entry in BUNDLED)


def test_bundled_catalog_has_every_required_field_filled():
    frame = indikator_frame(BUNDLED)
    for column in REQUIRED:
        empty = frame.loc[frame[column].isna() | (frame[column].astype(str).str.strip() == "")]
        assert empty.empty, f"`{column}` is empty for {list(empty['kode'])}"
    report = check_catalog(BUNDLED)
    assert report.ok, report.render()
    assert report.render() == (
        f"MS-Ind metadata complete: all {INDICATORS} indicators of {len(BUNDLED)} sources have "
        "every required field filled."
    )


def test_bundled_aggregation_weights_are_counts_that_add_up():
    indicators = {i.code: i for entry in BUNDLED for i in entry.indicators}
    for indicator in indicators.values():
        if indicator.weighted_by:
            weight = indicators[indicator.weighted_by]
            assert weight.aggregation == "sum", f"{indicator.code} is weighted by {weight.code}"


def _copy_catalog(tmp_path: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """The bundled catalog under tmp_path/catalog, with (pattern, replacement) edits per file
    (each pattern must match once, so a test cannot silently edit nothing)."""
    folder = shutil.copytree(DEFAULT_CATALOG_DIR, tmp_path / "catalog")
    for name, changes in edits.items():
        path = folder / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        for pattern, replacement in changes:
            text, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
            assert count == 1, f"{pattern!r} not found in {path.name}"
        path.write_text(text, encoding="utf-8")
    return folder


def _check(tmp_path: Path, edits: dict[str, list[tuple[str, str]]]):
    return check_catalog(load_catalog(_copy_catalog(tmp_path, edits), root=tmp_path))


def test_a_removed_field_fails_naming_agency_source_indicator_field_and_file(tmp_path):
    report = _check(tmp_path, {"dinkes_stunting": [(r"^    method: .*\n", "")]})
    assert not report.ok
    assert report.gaps == {
        "dinkes": [
            IndicatorGaps(
                indicator="PREVALENSI_STUNTING",
                source_id="dinkes_stunting",
                catalog_file="catalog/dinkes_stunting.yaml",
                agency_code="dinkes",
                agency="Dinas Kesehatan Kota Malang",
                gaps=(Gap("method", "metode / rumus penghitungan"),),
            )
        ]
    }
    assert report.render() == (
        f"MS-Ind metadata incomplete: 1 gap in 1 of {INDICATORS} indicators, at 1 agency; an "
        "indicator with a gap is not published until its catalog entry is filled.\n"
        "\n"
        "dinkes — Dinas Kesehatan Kota Malang:\n"
        "  PREVALENSI_STUNTING (source dinkes_stunting), fix in catalog/dinkes_stunting.yaml:\n"
        "    - metode / rumus penghitungan: missing; fill `method`"
    )


def test_gaps_are_grouped_per_agency(tmp_path):
    report = _check(
        tmp_path,
        {
            "kominfo_wifi_publik": [(r"^    concept: .*\n", ""), (r"^    measure: .*\n", "")],
            "kominfo_sambat_online": [(r"^    interpretation: .*\n", "")],
            "bkad_pendapatan_daerah": [(r"^    estimation_level: .*\n", "")],
        },
    )
    assert list(report.gaps) == ["bkad", "kominfo"]
    assert [
        (i.source_id, i.indicator, [g.field for g in i.gaps]) for i in report.gaps["kominfo"]
    ] == [
        ("kominfo_sambat_online", "ADUAN_SAMBAT_MASUK", ["interpretation"]),
        ("kominfo_wifi_publik", "TITIK_WIFI_PUBLIK_AKTIF", ["concept", "measure"]),
    ]
    text = report.render()
    assert text.startswith(
        f"MS-Ind metadata incomplete: 4 gaps in 3 of {INDICATORS} indicators, at 2 agencies;"
    )
    assert "\nbkad — Badan Keuangan dan Aset Daerah Kota Malang:\n" in text
    assert "    - konsep: missing; fill `concept`\n    - ukuran: missing; fill `measure`" in text


OLD_ENGLISH_DEFINITION = (
    "Unemployed persons aged 15 and over as a percentage of the labour force, from the August "
    "Sakernas."
)


def test_an_indonesian_definition_written_in_english_is_a_gap(tmp_path):
    report = _check(
        tmp_path,
        {
            "bps_ekonomi_makro": [
                (
                    r"^    definition: Persentase penganggur .*$",
                    f"    definition: {OLD_ENGLISH_DEFINITION}",
                )
            ],
            "dlh_sampah_rth": [
                (
                    r"^    definition_en: Estimated .*$",
                    "    definition_en: Perkiraan timbulan sampah per hari di kecamatan dalam "
                    "setahun.",
                )
            ],
        },
    )
    lines = report.render().splitlines()
    assert lines[1:] == [
        "",
        "bps — BPS Kota Malang:",
        "  TINGKAT_PENGANGGURAN_TERBUKA (source bps_ekonomi_makro), fix in "
        "catalog/bps_ekonomi_makro.yaml:",
        "    - definisi: looks English (and, as, from, of, percentage, the); rewrite "
        "`definition` in Indonesian",
        "",
        "dlh — Dinas Lingkungan Hidup Kota Malang:",
        "  TIMBULAN_SAMPAH (source dlh_sampah_rth), fix in catalog/dlh_sampah_rth.yaml:",
        "    - definisi (Inggris): looks Indonesian (dalam, di); rewrite `definition_en` in "
        "English",
    ]


LANGUAGE_CASES = [
    # The English "definitions" the bundled catalog carried before it was filled.
    (
        "Year-on-year growth of gross regional domestic product (PDRB) at constant 2010 prices.",
        "en",
    ),
    (OLD_ENGLISH_DEFINITION, "en"),
    (
        "Monthly mean of 24-hour PM2.5 concentrations measured at the kecamatan's monitoring "
        "station.",
        "en",
    ),
    (
        "Estimated municipal solid waste generated per day in the kecamatan, averaged over the "
        "year (SIPSN method).",
        "en",
    ),
    ("Persentase aduan selesai dibagi aduan masuk dalam triwulan yang sama, dalam persen.", "id"),
    ("(jumlah balita stunting / jumlah balita diukur) × 100", "id"),
    # Too few function words to tell: passes both ways.
    ("((PDRB ADHK tahun t - PDRB ADHK tahun t-1) / PDRB ADHK tahun t-1) × 100", ""),
    ("Kemandirian fiskal daerah", ""),
    ("Harga dalam dolar AS", ""),
]


@pytest.mark.parametrize(("text", "language"), LANGUAGE_CASES)
def test_language_heuristic(text, language):
    assert bool(looks_english(text)) == (language == "en")
    assert bool(looks_indonesian(text)) == (language == "id")


def test_a_dim_indikator_row_with_nan_counts_as_missing():
    row = indikator_frame(BUNDLED).iloc[0].to_dict()
    assert missing_metadata(row) == [] and metadata_gaps(row) == []
    row.update(metode=float("nan"), konsep="  ")
    assert missing_metadata(row) == ["concept", "method"]
    assert [gap.field for gap in metadata_gaps(row)] == ["concept", "method"]


def _indicator(**fields):
    data = copy.deepcopy(VALID)
    data["indicators"][0].update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"aggregation": "mean"},
            "indicator PUSKESMAS: `aggregation: mean` needs `weighted_by`: the code of the "
            "indicator whose values weigh the mean (e.g. the population); a plain mean of rates "
            "misleads",
        ),
        (
            {"aggregation": "sum", "weighted_by": "PUSKESMAS"},
            "indicator PUSKESMAS: `weighted_by` is only for `aggregation: mean` (it has "
            "`aggregation: sum`); set `aggregation: mean` or remove `weighted_by`",
        ),
        (
            {"weighted_by": "PUSKESMAS"},
            "indicator PUSKESMAS: `weighted_by` is only for `aggregation: mean` (it has no "
            "`aggregation`); set `aggregation: mean` or remove `weighted_by`",
        ),
    ],
)
def test_weighted_by_rules_name_the_indicator_and_the_fix(fields, message):
    with pytest.raises(CatalogError) as caught:
        parse_entry(_indicator(**fields), FILE)
    assert str(caught.value) == f"{FILE}: field `indicators.0`: {message}"


def test_weighted_by_an_unknown_code_names_file_indicator_and_code(tmp_path):
    folder = _copy_catalog(
        tmp_path,
        {"dlh_sampah_rth": [(r"^    weighted_by: TIMBULAN_SAMPAH$", "    weighted_by: TIMBULAN")]},
    )
    with pytest.raises(CatalogError) as caught:
        load_catalog(folder, root=tmp_path)
    assert str(caught.value) == (
        "catalog/dlh_sampah_rth.yaml: indicator PERSENTASE_SAMPAH_TERKELOLA: field `weighted_by` "
        "names 'TIMBULAN', which no catalog entry yields; use the code of a declared indicator "
        "(e.g. a population count)"
    )
