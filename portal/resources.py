"""The file resources of a dataset: name, format and description of each role, and the fields
sent with an upload (including the role in `resource_type` and, for files that hold the data,
the data version, which later runs read; portal/state.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

from portal.changelog import Changelog
from portal.state import DATA_ROLES, ROLE, SHA
from warehouse.export import PARQUET_MEDIATYPE


class Resource(NamedTuple):
    name: str
    format: str
    mimetype: str
    suffix: str  # appended to the dataset name to make the file name
    description: str


RESOURCES: dict[str, Resource] = {
    "data_csv": Resource(
        "Data {label} (CSV, UTF-8)", "CSV", "text/csv", ".csv",
        "Semua baris tabel, satu per indikator, wilayah dan periode. "
        "All rows: one per indicator, region and period.",
    ),
    "data_parquet": Resource(
        "Data {label} (Parquet)", "Parquet", PARQUET_MEDIATYPE, ".parquet",
        "Baris yang sama dalam format Parquet. The same rows in Parquet.",
    ),
    "dictionary": Resource(
        "Kamus data / Data dictionary", "CSV", "text/csv", "-kamus-data.csv",
        "Kolom, tipe, label dan keterangan (id/en). Columns, types, labels and notes.",
    ),
    "indicators": Resource(
        "Metadata indikator (Satu Data Indonesia)", "CSV", "text/csv", "-metadata-indikator.csv",
        "Konsep, definisi (id/en), klasifikasi, ukuran, satuan, interpretasi, metode, level "
        "estimasi, produsen data, jadwal pemutakhiran, kode referensi dan indikator ISO per "
        "indikator. The Satu Data Indonesia (BPS MS-Ind) metadata per indicator.",
    ),
    "changelog": Resource(
        "Catatan perubahan / Changelog", "CSV", "text/csv", "-perubahan.csv",
        "Perubahan setiap publikasi: periode baru, revisi (lama → baru), baris dihapus. "
        "What each publication changed: new periods, revised values, removed rows.",
    ),
}  # fmt: skip


def label(dimension: str) -> str:
    """`smart_economy` -> `Smart Economy`."""
    return dimension.replace("_", " ").title()


def upload_fields(
    role: str, dimension: str, path: Path, content_sha256: str, changelog: Changelog | None
) -> dict[str, str]:
    """The resource fields sent with the file (multipart: every value is text). `hash` is the
    file's sha256 (DCAT's checksum); a file holding the data also names the data version."""
    resource = RESOURCES[role]
    description = resource.description
    if role == "changelog" and changelog is not None:
        description += "\n\n" + "\n".join(changelog.summary())
    fields = {
        "name": resource.name.format(label=label(dimension)),
        "description": description,
        "format": resource.format,
        "mimetype": resource.mimetype,
        "hash": hashlib.sha256(path.read_bytes()).hexdigest(),
        ROLE: role,
    }
    if role in DATA_ROLES:
        fields[SHA] = content_sha256
    return fields
