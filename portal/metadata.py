"""Portal metadata of one dimension dataset: names, DCAT-mappable fields, Satu Data core.

The package dict follows CKAN core fields plus `extras` named as ckanext-dcat reads them
(issued, modified, frequency, temporal_start/end, spatial_text, language, theme, publisher_name,
contact_name), so a DCAT harvester maps them without configuration. Per indicator, the Satu Data
Indonesia core (konsep, definisi, klasifikasi, ukuran, satuan, produsen data, jadwal
pemutakhiran, kode referensi) is a CSV resource and a JSON extra.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pandas as pd

from portal.content import DimensionContent
from portal.periods import temporal_coverage
from warehouse.dictionary import DIMENSION_COLUMNS

LICENSE_ID = "cc-by"  # CKAN's id for Creative Commons Attribution 4.0 (CC-BY-4.0)
KODE_KOTA = "35.73"
# name_id, name_en, tag, EU data theme
DIMENSIONS: dict[str, tuple[str, str, str, str]] = {
    "smart_governance": ("tata kelola pemerintahan", "governance", "tata-kelola", "GOVE"),
    "smart_people": ("masyarakat", "people", "masyarakat", "SOCI"),
    "smart_mobility": ("mobilitas dan transportasi", "mobility", "transportasi", "TRAN"),
    "smart_economy": ("ekonomi", "economy", "ekonomi", "ECON"),
    "smart_environment": ("lingkungan hidup", "environment", "lingkungan", "ENVI"),
    "smart_living": ("kualitas hidup", "living", "kualitas-hidup", "HEAL"),
}
THEME_URI = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY_URI = "http://publications.europa.eu/resource/authority/frequency/"
# jadwal pemutakhiran -> DCAT frequency, shortest first
FREQUENCIES = {
    "harian": "DAILY",
    "mingguan": "WEEKLY",
    "bulanan": "MONTHLY",
    "triwulanan": "QUARTERLY",
    "semesteran": "ANNUAL_2",
    "tahunan": "ANNUAL",
}
LANGUAGE = "http://publications.europa.eu/resource/authority/language/IND"
SAMPLE_NOTE = (
    "**SAMPLE — data contoh buatan, bukan angka resmi Pemerintah Kota Malang atau BPS.** "
    "(Made-up sample data for testing the pipeline; not official figures.)"
)


def dataset_name(dimension: str, prefix: str = "") -> str:
    """The stable dataset name, e.g. `kota-malang-smart-governance` (rehearsal: prefixed)."""
    return f"{prefix}kota-malang-{dimension.replace('_', '-')}"


def alias_name(dimension: str, prefix: str = "") -> str:
    """The stable DataStore alias of the dataset's table (a valid table name)."""
    return dataset_name(dimension, prefix).replace("-", "_")


def package_dict(
    content: DimensionContent, org: dict, *, prefix: str = "", private: bool = False
) -> dict:
    """The package fields we own, without state (issued, modified, hashes)."""
    dim = content.dimension
    name_id, name_en, tag, theme = DIMENSIONS[dim]
    label = dim.replace("_", " ").title()
    marks = ("[SAMPLE] " if content.sample else "") + ("[UJI COBA] " if private else "")
    ind = content.indicators
    pillars = sorted(set(ind["pilar"].dropna()))
    schedules = sorted(set(ind["jadwal"].dropna()), key=lambda s: list(FREQUENCIES).index(s))
    producers = sorted(set(ind["produsen"].dropna()))
    start, end = temporal_coverage(content.rows["periode"])
    publisher = org.get("title") or org["name"]
    extras = {
        "frequency": FREQUENCY_URI + FREQUENCIES[schedules[0]] if schedules else "",
        "temporal_start": start,
        "temporal_end": end,
        "spatial_text": f"Kota Malang, Jawa Timur (kode wilayah Kemendagri {KODE_KOTA})",
        "kode_wilayah": KODE_KOTA,
        "language": json.dumps([LANGUAGE]),
        "theme": json.dumps([THEME_URI + theme]),
        "publisher_name": publisher,
        "contact_name": f"Walidata — {publisher}",
        "dimensi_smart_city": dim,
        "pilar_smart_city": ", ".join(pillars),
        "jadwal_pemutakhiran": ", ".join(schedules),
        "produsen_data": "; ".join(producers),
        "sampel": "true" if content.sample else "false",
        "satu_data_indikator": json.dumps(satu_data_rows(content), ensure_ascii=False),
        "datastore_alias": alias_name(dim, prefix),
    }
    return {
        "name": dataset_name(dim, prefix),
        "title": f"{marks}Indikator {label} Kota Malang ({name_id})",
        "notes": _notes(content, label, name_id, name_en, pillars, alias_name(dim, prefix)),
        "owner_org": org["id"],
        "private": private,
        "license_id": LICENSE_ID,
        "author": "; ".join(producers),
        "maintainer": f"Walidata — {publisher}",
        "tags": [{"name": t} for t in _tags(dim, tag, pillars, content.sample)],
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
    }


def metadata_sha256(package: dict) -> str:
    """sha256 of the package fields we own (canonical JSON)."""
    return hashlib.sha256(json.dumps(package, sort_keys=True).encode()).hexdigest()


def satu_data_rows(content: DimensionContent) -> list[dict]:
    """The Satu Data Indonesia core per indicator (metadata indikator)."""
    levels: dict[str, set[str]] = {}
    for record in content.records:
        levels.setdefault(record["indikator"], set()).add(record["tingkat"] or "")
    rows = []
    for i in content.indicators.itertuples(index=False):
        tingkat = ", ".join(sorted(levels.get(i.kode, set()) - {""}))
        rows.append(
            {
                "kode": i.kode,
                "konsep": i.nama_id,
                "konsep_en": _text(i.nama_en),
                "definisi": _text(i.definisi),
                "klasifikasi": f"wilayah Kemendagri ({tingkat or '-'}); status angka "
                "(final, sementara, perkiraan)",
                "ukuran": measure(i.nama_id, _text(i.satuan)),
                "satuan": _text(i.satuan),
                "produsen_data": _text(i.produsen),
                "jadwal_pemutakhiran": _text(i.jadwal),
                "kode_referensi": _text(i.kode_referensi),
                "pilar": _text(i.pilar),
                "arah": _text(i.arah),
                "sampel": "true" if i.sampel else "false",
            }
        )
    return rows


def measure(name: str, unit: str) -> str:
    """Satu Data `ukuran` from the unit and name (the catalog does not declare it)."""
    name, unit = name.lower(), unit.lower()
    if unit == "persen" or name.startswith(("persentase", "prevalensi")):
        return "persentase"
    if unit == "indeks" or name.startswith("indeks"):
        return "indeks"
    if "rasio" in name or " per " in unit:
        return "rasio"
    if "rata-rata" in name:
        return "rata-rata"
    return "jumlah"


def indicators_csv(content: DimensionContent) -> bytes:
    """The Satu Data core per indicator as UTF-8 CSV."""
    rows = satu_data_rows(content)
    header = list(rows[0]) if rows else ["kode"]
    return _csv(header, [[r[h] for h in header] for r in rows])


def dictionary_csv() -> bytes:
    """The data dictionary of the table (columns, types, labels and notes id/en) as CSV."""
    header = ["kolom", "tipe", "wajib", "label_id", "label_en", "keterangan_id", "keterangan_en"]
    body = [
        [
            c.name,
            "numeric" if c.type == "number" else "text",
            "ya" if c.required else "tidak",
            *(c.label_id, c.label_en, c.notes_id, c.notes_en),
        ]
        for c in DIMENSION_COLUMNS
    ]
    return _csv(header, body)


def _notes(content, label, name_id, name_en, pillars, alias) -> str:
    parts = [SAMPLE_NOTE] if content.sample else []
    parts.append(
        f"Indikator dimensi {label} ({name_id}) Kota Malang (kode wilayah {KODE_KOTA}): satu "
        "baris per indikator, wilayah (kota, kecamatan, kelurahan) dan periode. Diterbitkan "
        "otomatis oleh pipeline Kota Pintar hanya setelah lolos pemeriksaan kualitas dan "
        "pemeriksaan data pribadi."
    )
    parts.append(
        f"**English summary:** Kota Malang smart-city indicators, {label} dimension "
        f"({name_en}): one row per indicator, region and period, published by the Kota Pintar "
        "pipeline only after its quality and personal-data checks passed."
    )
    parts.append(f"Pilar smart city nasional (national pillar): {', '.join(pillars) or '-'}.")
    table = ["| Kode | Indikator | Satuan | Produsen data | Jadwal |", "|---|---|---|---|---|"]
    for i in content.indicators.itertuples(index=False):
        table.append(
            f"| {i.kode} | {i.nama_id} | {_text(i.satuan)} | {_text(i.produsen)} | "
            f"{_text(i.jadwal)} |"
        )
    parts.append("\n".join(table))
    parts.append(
        f"Data API: DataStore alias `{alias}` "
        f"(`/api/3/action/datastore_search?resource_id={alias}`)."
    )
    return "\n\n".join(parts)


def _tags(dim: str, tag: str, pillars: list[str], sample: bool) -> list[str]:
    tags = ["kota-malang", "smart-city", dim.replace("_", "-"), tag]
    tags += [f"pilar-{p}" for p in pillars]
    return sorted(set(tags + (["sample"] if sample else [])))


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
