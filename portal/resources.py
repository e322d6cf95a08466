"""The file resources of a dataset: name, format and description of each role, and the fields
sent with an upload (including our `kotapintar_role` and content hash, which later runs read)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

from portal.changelog import Changelog
from portal.state import ROLE, SHA
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
        "Konsep, definisi, klasifikasi, ukuran, satuan, produsen data, jadwal pemutakhiran dan "
        "kode referensi per indikator. The Satu Data Indonesia core per indicator.",
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
    """The resource fields sent with the file (multipart: every value is text)."""
    resource = RESOURCES[role]
    description = resource.description
    if role == "changelog" and changelog is not None:
        description += "\n\n" + "\n".join(changelog.summary())
    return {
        "name": resource.name.format(label=label(dimension)),
        "description": description,
        "format": resource.format,
        "mimetype": resource.mimetype,
        "hash": hashlib.sha256(path.read_bytes()).hexdigest(),
        ROLE: role,
        SHA: content_sha256,
    }
