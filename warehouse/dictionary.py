"""The data dictionary of the six dimension tables (`smart_governance` ... `smart_living`).

One description per column, in Indonesian and English, with its type. The open exports
(`datapackage.json` table schemas), the portal (DataStore `fields[].info`, the data dictionary
resource) and the analyst file (`COMMENT ON`, `kamus_data`, see warehouse/kamus.py) are all
built from this list, so they cannot disagree. The other published tables and the analyst
views are described in warehouse/kamus.py, which takes these columns as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Column:
    """One column of a dimension table as the public sees it."""

    name: str
    # Frictionless Table Schema type; every code is a string, only `nilai` is a number.
    type: Literal["string", "number"]
    label_id: str
    label_en: str
    notes_id: str
    notes_en: str
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None  # a regular expression every value matches
    # False only for values the pipeline computes and checks itself, never read from a file:
    # the personal-data scans skip them. About one sha256 in 300 (measured on 200,000) holds a
    # run of 16 digits that the portal gate's NIK pattern takes for a NIK, which would withhold
    # a whole table for a file's fingerprint.
    scan: bool = True


DIMENSION_KEY: tuple[str, ...] = ("indikator", "kode_wilayah", "periode")
PERIODE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-S[12])?$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"

DIMENSION_COLUMNS: tuple[Column, ...] = (
    Column("indikator", "string", "Kode indikator", "Indicator code",
           "Kode unik indikator di katalog Kota Pintar.",
           "Unique indicator code in the Kota Pintar catalog.", required=True),
    Column("nama_indikator", "string", "Nama indikator", "Indicator name (Indonesian)",
           "Nama indikator dalam bahasa Indonesia.", "Indicator name in Indonesian."),
    Column("nama_indikator_en", "string", "Nama indikator (Inggris)", "Indicator name",
           "Nama indikator dalam bahasa Inggris.", "Indicator name in English."),
    Column("satuan", "string", "Satuan", "Unit",
           "Satuan nilai (mis. persen, orang, unit).", "Unit of the value (e.g. percent)."),
    Column("arah", "string", "Arah", "Direction",
           "Apakah nilai lebih tinggi lebih baik.", "Whether a higher value is better.",
           enum=("higher_is_better", "lower_is_better", "neutral")),
    Column("pilar", "string", "Pilar smart city nasional", "National smart-city pillar",
           "Pilar Gerakan Menuju 100 Smart City.",
           "Pillar of the national 'Towards 100 Smart Cities' programme.",
           enum=("governance", "branding", "economy", "living", "society", "environment")),
    Column("kode_wilayah", "string", "Kode wilayah", "Region code",
           "Kode wilayah Kemendagri (teks, mis. '35.73.01'): kota, kecamatan atau kelurahan.",
           "Kemendagri region code (text, e.g. '35.73.01'): city, district or sub-district.",
           required=True),
    Column("nama_wilayah", "string", "Nama wilayah", "Region name",
           "Nama kota, kecamatan atau kelurahan.", "Name of the city, district or sub-district."),
    Column("tingkat", "string", "Tingkat wilayah", "Region level",
           "kota, kecamatan atau kelurahan.", "city (kota), district (kecamatan) or "
           "sub-district (kelurahan).", enum=("kota", "kecamatan", "kelurahan")),
    Column("kode_kecamatan", "string", "Kode kecamatan", "District code",
           "Kode kecamatan induk (untuk kelurahan) atau kecamatan itu sendiri.",
           "Parent district code (for sub-districts) or the district itself."),
    Column("periode", "string", "Periode", "Period",
           "Periode data sebagai teks: tahun (2023), bulan (2023-05), triwulan (2023-Q2) "
           "atau semester (2023-S1).",
           "Reference period as text: year (2023), month (2023-05), quarter (2023-Q2) or "
           "half-year (2023-S1).", required=True, pattern=PERIODE_PATTERN),
    Column("nilai", "number", "Nilai", "Value",
           "Nilai indikator dalam satuannya; kosong bila tidak tersedia (lihat catatan).",
           "Indicator value in its unit; empty when not available (see catatan)."),
    Column("status", "string", "Status angka", "Figure status",
           "final, sementara (belum final) atau perkiraan (angka perkiraan/proyeksi).",
           "final, sementara (provisional) or perkiraan (estimate or projection).",
           required=True, enum=("final", "sementara", "perkiraan")),
    Column("catatan", "string", "Catatan", "Note",
           "Mengapa nilai kosong, bila kosong.", "Why the value is missing, if it is."),
    Column("produsen", "string", "Produsen data", "Data producer",
           "Perangkat daerah atau instansi penghasil data.",
           "The agency that produced the data."),
    Column("sumber_id", "string", "Sumber", "Source",
           "Kode sumber di katalog Kota Pintar.", "Source id in the Kota Pintar catalog."),
    # Provenance: with these two a question about one number is answered from its row alone.
    Column("berkas_sha256", "string", "SHA-256 berkas", "File SHA-256",
           "Sidik jari SHA-256 berkas sumber persis yang memuat nilai ini (versi berkas); "
           "riwayat pengambilannya (URL, waktu) ada di meta_muat.sha256.",
           "SHA-256 fingerprint of the exact source file the value was read from (the file's "
           "version); its fetch history (URL, time) is in meta_muat.sha256.",
           pattern=SHA256_PATTERN, scan=False),
    Column("lokasi", "string", "Lokasi di berkas", "Place in the file",
           "Tempat nilai di berkas sumber: sheet dan sel untuk xlsx ('Faskes 2023!E5'), baris "
           "dan kolom untuk CSV, rekaman dan field untuk JSON/CKAN ('records[72].ispu').",
           "Where the value sits in the source file: sheet and cell for xlsx ('Faskes "
           "2023!E5'), line and column for CSV, record and field for JSON/CKAN "
           "('records[72].ispu')."),
)  # fmt: skip

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in DIMENSION_COLUMNS)


def column(name: str) -> Column:
    """The dictionary entry of one column; KeyError names the known columns."""
    for candidate in DIMENSION_COLUMNS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"Column {name!r} is not in the data dictionary ({', '.join(COLUMN_NAMES)}).")
