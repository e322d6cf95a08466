"""Is an indicator's metadata complete enough to publish? (Satu Data Indonesia, BPS MS-Ind)

Perpres 39/2019 asks every published statistic to carry its metadata; BPS's MS-Ind (Peraturan
BPS 5/2020) names the fields. The catalog declares them per indicator (sources/catalog.py
`Indicator`), `dim_indikator` carries them, and this module says which required ones are
empty. It works on `dim_indikator` rows (plain mappings) so the CLI, which reads the catalog,
and the portal, which reads the analyst snapshot, apply the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping

# dim_indikator column -> (MS-Ind name, the catalog field that fills it). Kode referensi and
# the ISO indicator are optional: not every indicator has one.
REQUIRED: dict[str, tuple[str, str]] = {
    "nama_id": ("nama indikator", "name_id"),
    "konsep": ("konsep", "concept"),
    "definisi": ("definisi", "definition"),
    "definisi_en": ("definisi (Inggris)", "definition_en"),
    "klasifikasi": ("klasifikasi penyajian", "classification"),
    "ukuran": ("ukuran", "measure"),
    "satuan": ("satuan", "unit"),
    "interpretasi": ("interpretasi", "interpretation"),
    "metode": ("metode / rumus penghitungan", "method"),
    "level_estimasi": ("level estimasi", "estimation_level"),
    "produsen": ("produsen data", "agency.name"),
    "jadwal": ("jadwal pemutakhiran", "schedule"),
    "agregasi": ("agregasi", "aggregation"),
}


def missing_metadata(row: Mapping[str, object]) -> list[str]:
    """The catalog fields a `dim_indikator` row leaves empty, e.g. `['concept', 'method']`
    (empty list: complete). A column absent from `row` counts as empty."""
    return [field for column, (_, field) in REQUIRED.items() if _blank(row.get(column))]


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    return isinstance(value, str) and not value.strip()
