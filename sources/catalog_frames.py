"""The catalog as rows for the warehouse: `dim_indikator` and `meta_sumber`."""

from __future__ import annotations

import pandas as pd

from sources.catalog import SourceEntry


def indikator_frame(entries: list[SourceEntry]) -> pd.DataFrame:
    rows = [
        {
            "kode": i.code,
            "nama_id": i.name_id,
            "nama_en": i.name_en,
            "dimensi": e.indicator_dimension(i),
            "pilar": e.indicator_pillar(i),
            "satuan": i.unit,
            "arah": i.direction,
            "definisi": i.definition,
            "produsen_kode": e.agency.code,
            "produsen": e.agency.name,
            "jadwal": e.indicator_schedule(i),
            "definisi_en": i.definition_en,
            "konsep": i.concept,
            "klasifikasi": i.classification,
            "ukuran": i.measure,
            "interpretasi": i.interpretation,
            "metode": i.method,
            "level_estimasi": i.estimation_level,
            "kode_referensi": "; ".join(f"{k} {v}" for k, v in i.references.items()) or None,
            "iso_indikator": i.iso_indicator,
            "agregasi": i.aggregation,
            "bobot_indikator": i.weighted_by,
            "sumber_id": e.id,
            "sampel": e.sample,
        }
        for e in entries
        for i in e.indicators
    ]
    return pd.DataFrame(rows).sort_values("kode", ignore_index=True)


def sumber_frame(entries: list[SourceEntry]) -> pd.DataFrame:
    rows = [
        {
            "sumber_id": e.id,
            "judul": e.title,
            "produsen_kode": e.agency.code,
            "produsen": e.agency.name,
            "jenis": e.kind,
            "lokasi": e.location,
            "dimensi": e.dimension,
            "jadwal": e.schedule,
            "sampel": e.sample,
            "berkas_katalog": e.catalog_file,
        }
        for e in entries
    ]
    return pd.DataFrame(rows).sort_values("sumber_id", ignore_index=True)
