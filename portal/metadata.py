"""Portal metadata of one dimension dataset: names, DCAT-mappable fields, Satu Data core.

The package dict follows CKAN core fields (`url`: the landing page, `maintainer_email`) plus
`extras` named as ckanext-dcat reads them (identifier, issued, modified, frequency,
temporal_start/end, spatial_text, language, theme, publisher_name, publisher_url, contact_name,
contact_email), so a DCAT harvester maps them without configuration. Every other extra is named
for the reader of CKAN's "Additional Info" table, which shows them all. Per indicator, the Satu
Data Indonesia / BPS MS-Ind metadata the catalog declares (konsep, definisi id/en, klasifikasi,
ukuran, satuan, interpretasi, metode, level estimasi, produsen data, jadwal pemutakhiran, kode
referensi, indikator ISO) is a CSV resource and a JSON extra.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass

from portal.content import DimensionContent
from portal.description import description, text
from portal.periods import temporal_coverage
from sources.wilayah import KODE_KOTA
from warehouse.dictionary import DIMENSION_COLUMNS

LICENSE_ID = "cc-by"  # CKAN's id for Creative Commons Attribution 4.0 (CC-BY-4.0)
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
# The Satu Data columns per indicator: output name -> dim_indikator column.
SATU_DATA = {
    "kode": "kode",
    "nama_indikator": "nama_id",
    "nama_indikator_en": "nama_en",
    "konsep": "konsep",
    "definisi": "definisi",
    "definisi_en": "definisi_en",
    "klasifikasi": "klasifikasi",
    "ukuran": "ukuran",
    "satuan": "satuan",
    "interpretasi": "interpretasi",
    "metode": "metode",
    "level_estimasi": "level_estimasi",
    "agregasi": "agregasi",
    "produsen_data": "produsen",
    "jadwal_pemutakhiran": "jadwal",
    "kode_referensi": "kode_referensi",
    "iso_indikator": "iso_indikator",
    "pilar": "pilar",
    "arah": "arah",
}


@dataclass(frozen=True)
class Publisher:
    """Who publishes and where the public finds each dataset (settings, not the catalog).
    Empty fields are left out of the package rather than invented."""

    landing_base: str = ""  # each dataset's landing page is {landing_base}/{name}
    contact_email: str = ""
    publisher_url: str = ""

    def landing_page(self, name: str) -> str:
        return f"{self.landing_base.rstrip('/')}/{name}" if self.landing_base else ""


def dataset_name(dimension: str, prefix: str = "") -> str:
    """The stable dataset name, e.g. `kota-malang-smart-governance` (rehearsal: prefixed)."""
    return f"{prefix}kota-malang-{dimension.replace('_', '-')}"


def alias_name(dimension: str, prefix: str = "") -> str:
    """The stable DataStore alias of the dataset's table (a valid table name)."""
    return dataset_name(dimension, prefix).replace("-", "_")


def package_dict(
    content: DimensionContent,
    org: dict,
    *,
    prefix: str = "",
    private: bool = False,
    publisher: Publisher = Publisher(),
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
    org_name = org.get("title") or org["name"]
    name = dataset_name(dim, prefix)
    landing = publisher.landing_page(name)
    extras = {
        # A stable identifier: the dataset's public address (its name never changes).
        "identifier": landing,
        "frequency": FREQUENCY_URI + FREQUENCIES[schedules[0]] if schedules else "",
        "temporal_start": start,
        "temporal_end": end,
        "spatial_text": f"Kota Malang, Jawa Timur (kode wilayah Kemendagri {KODE_KOTA})",
        "kode_wilayah": KODE_KOTA,
        "language": json.dumps([LANGUAGE]),
        "theme": json.dumps([THEME_URI + theme]),
        "publisher_name": org_name,
        "publisher_url": publisher.publisher_url,
        "contact_name": f"Walidata — {org_name}",
        "contact_email": publisher.contact_email,
        "dimensi_smart_city": dim,
        "pilar_smart_city": ", ".join(pillars),
        "jadwal_pemutakhiran": ", ".join(schedules),
        "produsen_data": "; ".join(producers),
        "sampel": "true" if content.sample else "false",
        "satu_data_indikator": json.dumps(satu_data_rows(content), ensure_ascii=False),
        "datastore_alias": alias_name(dim, prefix),
    }
    package = {
        "name": name,
        "title": f"{marks}Indikator {label} Kota Malang ({name_id})",
        "notes": description(
            content,
            label,
            name_id,
            name_en,
            pillars,
            alias_name(dim, prefix),
            publisher.contact_email,
        ),
        "owner_org": org["id"],
        "private": private,
        "license_id": LICENSE_ID,
        "url": landing,
        "author": "; ".join(producers),
        "maintainer": f"Walidata — {org_name}",
        "maintainer_email": publisher.contact_email,
        "tags": [{"name": t} for t in _tags(dim, tag, pillars, content.sample)],
        "extras": [{"key": k, "value": v} for k, v in extras.items() if v],
    }
    return package


def metadata_sha256(package: dict) -> str:
    """sha256 of the package fields we own (canonical JSON)."""
    return hashlib.sha256(json.dumps(package, sort_keys=True).encode()).hexdigest()


def satu_data_rows(content: DimensionContent) -> list[dict]:
    """The Satu Data Indonesia / MS-Ind metadata per indicator, as the catalog declares it,
    with the region levels its rows cover (`tingkat_wilayah`) and the SAMPLE mark."""
    levels: dict[str, set[str]] = {}
    for record in content.records:
        levels.setdefault(record["indikator"], set()).add(record["tingkat"] or "")
    rows = []
    for indicator in content.indicator_records:
        row = {key: text(indicator.get(column)) for key, column in SATU_DATA.items()}
        row["tingkat_wilayah"] = ", ".join(sorted(levels.get(row["kode"], set()) - {""}))
        row["sampel"] = "true" if indicator.get("sampel") else "false"
        rows.append(row)
    return rows


def published_indicators(package: dict | None) -> set[str]:
    """The indicator codes a dataset on the portal lists in its Satu Data extra (none when
    the dataset does not exist or the extra is unreadable)."""
    extras = {e["key"]: e["value"] for e in (package or {}).get("extras", [])}
    try:
        rows = json.loads(extras.get("satu_data_indikator") or "[]")
    except ValueError:
        return set()
    return {str(r["kode"]) for r in rows if isinstance(r, dict) and r.get("kode")}


def indicators_csv(content: DimensionContent) -> bytes:
    """The Satu Data metadata per indicator as UTF-8 CSV."""
    rows = satu_data_rows(content)
    header = [*SATU_DATA, "tingkat_wilayah", "sampel"]
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


def _tags(dim: str, tag: str, pillars: list[str], sample: bool) -> list[str]:
    tags = ["kota-malang", "smart-city", dim.replace("_", "-"), tag]
    tags += [f"pilar-{p}" for p in pillars]
    return sorted(set(tags + (["sample"] if sample else [])))


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
