"""The data dictionary (kamus data) of everything the analyst file publishes: each table, view
and macro with a label and a description in Indonesian and English, and each of their columns.

The analyst snapshot writes it into the file twice (warehouse/analyst.py): as DuckDB comments
(`COMMENT ON ...`, shown by `duckdb_tables()`, `duckdb_views()` and `duckdb_columns()`) and as
the table `kamus_data`. The Dagster column schemas read it too (warehouse/columns.py).

The columns of the smart_* tables are those of warehouse/dictionary.py, the one definition the
exports and the portal use as well. A column of another table that means the same thing (the
`indikator` of `fact_indikator`) is described by that entry; where a name means something else
(`karantina.nilai` is the refused text, not an indicator value) the table says so in `own`.
Each object lists its columns by name, so a column added to the schema without an entry here
fails tests/test_analyst_views.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from warehouse.dictionary import COLUMN_NAMES, DIMENSION_COLUMNS
from warehouse.reference import DIMENSIONS


@dataclass(frozen=True)
class Entry:
    """What a column, a table or a view is, in Indonesian and English."""

    label_id: str
    label_en: str
    notes_id: str
    notes_en: str
    # See warehouse.dictionary.Column.scan: False only for the pipeline's own fingerprints.
    scan: bool = True

    def comment(self) -> str:
        """The text of a DuckDB comment: Indonesian, then English."""
        return f"{self.label_id}: {self.notes_id} / {self.label_en}: {self.notes_en}"


@dataclass(frozen=True)
class Published:
    """One published object: a table, a view or a macro of the analyst file."""

    name: str
    kind: Literal["tabel", "view", "makro"]
    about: Entry
    columns: tuple[str, ...] = ()
    own: Mapping[str, Entry] = field(default_factory=dict)  # columns that differ from SHARED


def E(label_id: str, label_en: str, notes_id: str, notes_en: str, scan: bool = True) -> Entry:
    return Entry(label_id, label_en, notes_id, notes_en, scan)


# Columns with one meaning wherever they appear.
SHARED: dict[str, Entry] = {
    **{c.name: E(c.label_id, c.label_en, c.notes_id, c.notes_en, c.scan)
       for c in DIMENSION_COLUMNS},
    "dimensi": E("Dimensi smart city", "Smart-city dimension",
                 "smart_governance, smart_people, smart_mobility, smart_economy, "
                 "smart_environment atau smart_living.",
                 "smart_governance, smart_people, smart_mobility, smart_economy, "
                 "smart_environment or smart_living."),
    "produsen_kode": E("Kode produsen", "Producer code",
                       "Kode singkat perangkat daerah atau instansi penghasil data (mis. dinkes).",
                       "Short code of the producing agency (e.g. dinkes)."),
    "jadwal": E("Jadwal pemutakhiran", "Update schedule",
                "Seberapa sering data diperbarui: harian, mingguan, bulanan, triwulanan, "
                "semesteran atau tahunan.",
                "How often the data is updated: daily, weekly, monthly, quarterly, half-yearly "
                "or yearly (in Indonesian)."),
    "sampel": E("Data contoh", "Sample data",
                "true bila data contoh (SAMPLE), bukan data resmi.",
                "true for made-up sample data, not official figures."),
    "muat_id": E("ID pemuatan", "Load id",
                 "Pemuatan yang mencatat baris ini (meta_muat.muat_id).",
                 "The load that recorded this row (meta_muat.muat_id)."),
    "agregasi": E("Cara agregasi", "Aggregation",
                  "Cara nilai kelurahan/kecamatan digabung ke wilayah di atasnya menurut katalog: "
                  "sum (dijumlah), mean (rata-rata tertimbang) atau none (tidak digabung).",
                  "How kelurahan/kecamatan values roll up to the level above, as the catalog "
                  "declares: sum, mean (weighted) or none (never rolled up)."),
    "bobot_indikator": E("Indikator bobot", "Weight indicator",
                         "Untuk agregasi mean: indikator yang nilainya (wilayah dan periode sama) "
                         "menjadi bobot rata-rata, mis. jumlah penduduk.",
                         "For mean: the indicator whose value (same region and period) weighs the "
                         "mean, e.g. the population."),
    "jenis_periode": E("Jenis periode", "Period type",
                       "tahun, semester, triwulan atau bulan, dibaca dari periode.",
                       "year (tahun), half-year (semester), quarter (triwulan) or month (bulan), "
                       "read from periode."),
    "periode_mulai": E("Awal periode", "Period start",
                       "Hari pertama periode (2023-S2 → 2023-07-01): periode yang berbeda jenis "
                       "dapat digabung dan dibandingkan dengan tanggal.",
                       "First day of the period (2023-S2 → 2023-07-01): periods of different "
                       "types join and compare as dates."),
    "periode_selesai": E("Akhir periode", "Period end",
                         "Hari terakhir periode (2023-S2 → 2023-12-31).",
                         "Last day of the period (2023-S2 → 2023-12-31)."),
    "tahun": E("Tahun", "Year", "Tahun awal periode.", "Year the period starts in."),
    "sumber_nilai": E("Asal nilai", "Origin of the value",
                      "produsen: angka produsen data apa adanya; agregasi: dihitung di sini dari "
                      "wilayah di bawahnya, bukan angka resmi produsen.",
                      "produsen: the producer's own figure as published; agregasi: computed here "
                      "from the regions below, not an official figure."),
    "berkas": E("Berkas sumber", "Source file",
                "URL atau path berkas yang memuat nilai (pengambilan terakhir dengan sha256 ini).",
                "URL or path of the file the value was read from (latest fetch with this sha256)."),
    "dasar_agregasi": E("Dasar agregasi", "Rolled up from",
                        "Tingkat wilayah yang digabung: kelurahan atau kecamatan.",
                        "Level of the regions rolled up: kelurahan or kecamatan."),
    "jumlah_wilayah": E("Wilayah terhitung", "Regions counted",
                        "Banyaknya wilayah di bawahnya yang bernilai (dan, untuk mean, berbobot).",
                        "Regions below with a value (and, for mean, a weight)."),
    "jumlah_wilayah_diharapkan": E("Wilayah diharapkan", "Regions expected",
                                   "Banyaknya wilayah di bawahnya menurut dim_wilayah.",
                                   "Regions below according to dim_wilayah."),
    "lengkap": E("Lengkap", "Complete",
                 "true bila semua wilayah yang diharapkan terhitung; bila false, nilai kosong.",
                 "true when every expected region was counted; when false, nilai is empty."),
}  # fmt: skip

_ROLLUP = {
    "kode_wilayah": E("Kode wilayah", "Region code",
                      "Kode Kemendagri kecamatan atau kota hasil agregasi.",
                      "Kemendagri code of the district or city rolled up to."),
    "tingkat": E("Tingkat wilayah", "Region level",
                 "kecamatan (dari kelurahan) atau kota (dari kecamatan, atau dari kelurahan bila "
                 "indikator tidak punya nilai kecamatan pada periode itu).",
                 "kecamatan (from kelurahan) or kota (from kecamatan, or from kelurahan when the "
                 "indicator has no kecamatan values in that period)."),
    "nilai": E("Nilai agregasi", "Rolled-up value",
               "Jumlah (sum) atau rata-rata tertimbang (mean) nilai wilayah di bawahnya; kosong "
               "bila tidak lengkap (lihat catatan).",
               "Sum (sum) or weighted mean (mean) of the regions below; empty when incomplete "
               "(see catatan)."),
    "status": E("Status angka", "Figure status",
                "Status terlemah di antara nilai (dan bobot) yang digabung: perkiraan, lalu "
                "sementara, lalu final.",
                "The weakest status among the values (and weights) rolled up: perkiraan, then "
                "sementara, then final."),
    "catatan": E("Catatan", "Note",
                 "Cara agregasi, atau mengapa nilai kosong (wilayah tanpa nilai atau bobot).",
                 "How it was rolled up, or why the value is empty (regions without a value or "
                 "weight)."),
    "sumber_id": E("Sumber", "Source",
                   "Sumber di katalog dari nilai yang digabung.",
                   "Catalog source(s) of the values rolled up."),
}  # fmt: skip
_COMBINED = {
    "nilai": E("Nilai", "Value",
               "Nilai indikator dalam satuannya: angka produsen atau hasil agregasi (lihat "
               "sumber_nilai).",
               "Indicator value in its unit: the producer's figure or a roll-up (see "
               "sumber_nilai)."),
}  # fmt: skip

_DIMENSION_NAMES = {
    "smart_governance": ("tata kelola pemerintahan", "Smart Governance"),
    "smart_people": ("masyarakat", "Smart People"),
    "smart_mobility": ("mobilitas", "Smart Mobility"),
    "smart_economy": ("ekonomi", "Smart Economy"),
    "smart_environment": ("lingkungan", "Smart Environment"),
    "smart_living": ("kehidupan", "Smart Living"),
}
_VALUE_COLUMNS = (
    "indikator", "nama_indikator", "nama_indikator_en", "dimensi", "satuan", "kode_wilayah",
    "nama_wilayah", "tingkat", "kode_kecamatan", "periode", "jenis_periode", "periode_mulai",
    "periode_selesai", "tahun", "nilai", "status", "catatan", "produsen", "sumber_id",
    "sumber_nilai",
)  # fmt: skip
_PROVENANCE = ("berkas", "berkas_sha256", "lokasi")
_ROLLUP_COLUMNS = (
    "agregasi", "bobot_indikator", "dasar_agregasi", "jumlah_wilayah",
    "jumlah_wilayah_diharapkan", "lengkap",
)  # fmt: skip

PUBLISHED: tuple[Published, ...] = (
    Published("dim_wilayah", "tabel", E(
        "Wilayah", "Regions",
        "Kota Malang (35.73), 5 kecamatan dan 57 kelurahan dengan kode Kemendagri dan BPS.",
        "Kota Malang (35.73), its 5 districts and 57 sub-districts with Kemendagri and BPS "
        "codes."),
        ("kode_wilayah", "nama", "tingkat", "kode_induk", "kode_bps", "kode_kecamatan"),
        {"nama": E("Nama wilayah", "Region name",
                   "Nama kota, kecamatan atau kelurahan (nama kecamatan dan kelurahan dapat sama, "
                   "mis. Blimbing).",
                   "Name of the city, district or sub-district (a district and a sub-district "
                   "can share a name, e.g. Blimbing)."),
         "kode_induk": E("Kode induk", "Parent code",
                         "Kode wilayah satu tingkat di atasnya.",
                         "Code of the region one level up."),
         "kode_bps": E("Kode BPS", "BPS code",
                       "Kode wilayah BPS (teks; kosong bila tidak ada, BPS menomori kecamatan "
                       "berbeda dari Kemendagri).",
                       "BPS region code (text; empty where there is none, BPS numbers the "
                       "districts differently from Kemendagri).")}),
    Published("dim_indikator", "tabel", E(
        "Indikator", "Indicators",
        "Setiap indikator di katalog dengan metadata MS-Ind Satu Data: nama, definisi, satuan, "
        "cara agregasi, produsen.",
        "Every indicator in the catalog with its Satu Data MS-Ind metadata: names, definition, "
        "unit, aggregation, producer."),
        ("kode", "nama_id", "nama_en", "dimensi", "pilar", "satuan", "arah", "definisi",
         "produsen_kode", "produsen", "jadwal", "sumber_id", "sampel", "definisi_en", "konsep",
         "klasifikasi", "ukuran", "interpretasi", "metode", "level_estimasi", "kode_referensi",
         "iso_indikator", "agregasi", "bobot_indikator"),
        {"kode": E("Kode indikator", "Indicator code", "Kode unik indikator di katalog.",
                   "Unique indicator code in the catalog."),
         "nama_id": E("Nama indikator", "Indicator name (Indonesian)",
                      "Nama indikator dalam bahasa Indonesia.", "Indicator name in Indonesian."),
         "nama_en": E("Nama indikator (Inggris)", "Indicator name",
                      "Nama indikator dalam bahasa Inggris.", "Indicator name in English."),
         "definisi": E("Definisi", "Definition (Indonesian)", "Definisi indikator.",
                       "Definition of the indicator, in Indonesian."),
         "definisi_en": E("Definisi (Inggris)", "Definition", "Definisi dalam bahasa Inggris.",
                          "Definition of the indicator, in English."),
         "konsep": E("Konsep", "Concept", "Konsep yang mendasari indikator (MS-Ind).",
                     "The concept behind the indicator (MS-Ind)."),
         "klasifikasi": E("Klasifikasi penyajian", "Breakdown",
                          "Rincian penyajian, mis. menurut kecamatan.",
                          "How the figures are broken down, e.g. by district."),
         "ukuran": E("Ukuran", "Measure",
                     "Jenis angka: jumlah, persentase, proporsi, rasio, rata-rata, indeks, laju, "
                     "nilai.",
                     "Kind of figure: count, percentage, proportion, ratio, mean, index, rate, "
                     "amount (in Indonesian)."),
         "interpretasi": E("Interpretasi", "Interpretation", "Cara membaca nilai indikator.",
                           "How to read the indicator's values."),
         "metode": E("Metode", "Method", "Rumus atau cara penghitungan.",
                     "Formula or method of calculation."),
         "level_estimasi": E("Level estimasi", "Estimation level",
                             "Tingkat wilayah terkecil yang disajikan: kota, kecamatan atau "
                             "kelurahan.",
                             "Finest region level published: kota, kecamatan or kelurahan."),
         "kode_referensi": E("Kode referensi", "Reference codes",
                             "Kode indikator di dokumen perencanaan, mis. "
                             "'SDGs 11.6.1; RPJMD ...'.",
                             "Codes of the indicator in planning documents, e.g. "
                             "'SDGs 11.6.1; RPJMD ...'."),
         "iso_indikator": E("Indikator ISO", "ISO indicator",
                            "Nomor indikator ISO 37120/37122/37123 yang sepadan, bila ada.",
                            "Matching ISO 37120/37122/37123 indicator, if any.")}),
    Published("meta_sumber", "tabel", E(
        "Sumber data", "Data sources",
        "Setiap sumber di katalog: judul, produsen, jenis, lokasi, jadwal. Riwayat pemuatan ada "
        "di meta_muat.",
        "Every source in the catalog: title, producer, kind, location, schedule. The load "
        "history is in meta_muat."),
        ("sumber_id", "judul", "produsen_kode", "produsen", "jenis", "lokasi", "dimensi",
         "jadwal", "sampel", "berkas_katalog"),
        {"judul": E("Judul", "Title", "Judul dataset sumber.", "Title of the source dataset."),
         "jenis": E("Jenis sumber", "Source kind",
                    "Cara data dibaca: xlsx, csv, ckan_datastore, ckan_resource, ...",
                    "How the data is read: xlsx, csv, ckan_datastore, ckan_resource, ..."),
         "lokasi": E("Lokasi sumber", "Source location",
                     "URL atau path sumber menurut katalog.",
                     "URL or path of the source as the catalog gives it."),
         "berkas_katalog": E("Berkas katalog", "Catalog file",
                             "Berkas entri katalog yang menjelaskan sumber ini.",
                             "The catalog entry file that describes this source.")}),
    Published("meta_muat", "tabel", E(
        "Riwayat pemuatan", "Load history",
        "Satu baris per sumber per run, ditambahkan dan tidak pernah diubah.",
        "One row per source per run, appended and never rewritten."),
        ("muat_id", "sumber_id", "lokasi", "sha256", "bytes", "fetched_at", "loaded_at",
         "seconds", "rows", "outcome", "message", "url", "http_status", "etag",
         "last_modified", "katalog_sha256", "tahap", "baris_luar_wilayah"),
        {"muat_id": E("ID pemuatan", "Load id", "ID unik pemuatan (run:sumber).",
                      "Unique id of the load (run:source)."),
         "lokasi": E("Lokasi sumber", "Source location", "URL atau path sumber menurut katalog.",
                     "URL or path of the source as the catalog gives it."),
         "sha256": E("SHA-256 berkas", "File SHA-256",
                     "Sidik jari SHA-256 berkas yang diambil; sama dengan berkas_sha256 di "
                     "fact_indikator dan tabel smart_*.",
                     "SHA-256 fingerprint of the fetched file; equals berkas_sha256 of "
                     "fact_indikator and the smart_* tables.", scan=False),
         "bytes": E("Ukuran berkas", "File size", "Ukuran berkas dalam byte.",
                    "File size in bytes."),
         "fetched_at": E("Waktu ambil", "Fetched at", "Kapan berkas diambil.",
                         "When the file was fetched."),
         "loaded_at": E("Waktu muat", "Loaded at", "Kapan pemuatan dicatat.",
                        "When the load was recorded."),
         "seconds": E("Durasi", "Duration", "Lama pemuatan dalam detik.",
                      "How long the load took, in seconds."),
         "rows": E("Baris dimuat", "Rows loaded", "Banyaknya baris yang dimuat.",
                   "Rows loaded."),
         "outcome": E("Hasil", "Outcome", "loaded, unchanged, failed atau rejected.",
                      "loaded, unchanged, failed or rejected."),
         "message": E("Pesan", "Message", "Penjelasan hasil, terutama bila gagal.",
                      "What happened, above all when it failed."),
         "url": E("URL diminta", "Requested URL",
                  "URL yang benar-benar diminta (mis. sumber daya portal yang ditemukan).",
                  "The URL actually requested (e.g. the portal resource found)."),
         "http_status": E("Status HTTP", "HTTP status", "Jawaban server.", "The server's answer."),
         "etag": E("ETag", "ETag", "ETag dari server (untuk permintaan bersyarat).",
                   "The server's ETag (for conditional requests)."),
         "last_modified": E("Last-Modified", "Last-Modified",
                            "Last-Modified dari server (untuk permintaan bersyarat).",
                            "The server's Last-Modified (for conditional requests)."),
         "katalog_sha256": E("SHA-256 entri katalog", "Catalog entry SHA-256",
                             "Sidik jari entri katalog saat pemuatan.",
                             "Fingerprint of the catalog entry at the time of the load.",
                             scan=False),
         "tahap": E("Tahap", "Stage",
                    "Tahap terakhir yang dicapai: fetch, parse, validate, load atau done.",
                    "Last stage reached: fetch, parse, validate, load or done."),
         "baris_luar_wilayah": E("Baris di luar Kota Malang", "Rows outside Kota Malang",
                                 "Baris wilayah lain (kabupaten/kota lain, provinsi) dalam tabel "
                                 "provinsi atau nasional: dihitung, tidak dimuat dan bukan "
                                 "kesalahan; kosong bila berkas tidak dibaca.",
                                 "Rows of other regions (other kab/kota, the province) in a "
                                 "provincial or national table: counted, not loaded and not "
                                 "errors; empty when the file was not read.")}),
    Published("karantina", "tabel", E(
        "Karantina", "Quarantine",
        "Baris atau temuan yang ditolak aturan validasi, dengan aturan dan nilai yang salah.",
        "Rows or findings a validation rule refused, with the rule and the offending value."),
        ("muat_id", "sumber_id", "lokasi", "aturan", "nilai", "pesan", "dicatat_at",
         "produsen_kode", "indikator", "kode_wilayah", "periode", "diharapkan", "per_baris"),
        {"lokasi": E("Lokasi di berkas", "Place in the file",
                     "Sel atau rekaman tempat nilai yang ditolak.",
                     "Cell or record of the refused value."),
         "aturan": E("Aturan", "Rule", "Aturan validasi yang dilanggar.",
                     "The validation rule broken."),
         "nilai": E("Nilai ditolak", "Refused value", "Nilai apa adanya (teks) yang ditolak.",
                    "The refused value as found (text)."),
         "pesan": E("Pesan", "Message", "Penjelasan dalam bahasa Indonesia.",
                    "Explanation, in Indonesian."),
         "dicatat_at": E("Waktu catat", "Recorded at", "Kapan temuan dicatat.",
                         "When the finding was recorded."),
         "diharapkan": E("Yang diharapkan", "Expected", "Nilai atau bentuk yang diharapkan.",
                         "What was expected instead."),
         "per_baris": E("Per baris", "Row held back",
                        "true bila baris itu sendiri ditahan; false bila temuan tentang tabel "
                        "(mis. wilayah atau periode yang hilang).",
                        "true when the row itself was held back; false for a finding about the "
                        "table (e.g. a missing region or period).")}),
    Published("fact_indikator", "tabel", E(
        "Fakta indikator", "Indicator facts",
        "Satu baris per (indikator, kode_wilayah, periode): nilai, status, sumber, berkas dan "
        "sel asal.",
        "One row per (indikator, kode_wilayah, periode): value, status, source, file and cell "
        "of origin."),
        ("indikator", "kode_wilayah", "periode", "nilai", "status", "catatan", "sumber_id",
         "berkas_sha256", "lokasi")),
    *(
        Published(d, "tabel", E(
            f"Indikator {_DIMENSION_NAMES[d][0]}", f"{_DIMENSION_NAMES[d][1]} indicators",
            "Semua indikator dimensi ini, satu baris per wilayah dan periode, dengan nama, "
            "satuan, wilayah dan asal nilai.",
            "Every indicator of this dimension, one row per region and period, with names, "
            "unit, region and where the value came from."),
            COLUMN_NAMES)
        for d in DIMENSIONS
    ),
    Published("meta_kualitas", "tabel", E(
        "Hasil pemeriksaan publikasi", "Publication check verdicts",
        "Putusan terakhir pemeriksaan data pribadi per tabel; tabel yang gagal tidak "
        "diterbitkan.",
        "Latest verdict of the personal-data check per table; a table that failed is not "
        "published."),
        ("tabel", "pemeriksaan", "lolos", "temuan", "laporan", "run_id", "diperiksa_at"),
        {"tabel": E("Tabel", "Table", "Tabel yang diperiksa.", "The table checked."),
         "pemeriksaan": E("Pemeriksaan", "Check", "Nama pemeriksaan, mis. data_pribadi.",
                          "Name of the check, e.g. data_pribadi (personal data)."),
         "lolos": E("Lolos", "Passed", "true bila tabel boleh diterbitkan.",
                    "true when the table may be published."),
         "temuan": E("Temuan", "Findings", "Banyaknya temuan yang memblokir.",
                     "Number of blocking findings."),
         "laporan": E("Laporan", "Report", "Laporan JSON dengan contoh yang disamarkan.",
                      "JSON report with masked examples only."),
         "run_id": E("ID run", "Run id", "Run Dagster yang memeriksa.",
                     "The Dagster run that checked."),
         "diperiksa_at": E("Waktu periksa", "Checked at", "Kapan diperiksa.",
                           "When it was checked.")}),
    Published("kp_snapshot", "tabel", E(
        "Isi berkas analis", "Contents of the analyst file",
        "Kapan berkas ini diterbitkan dan berapa baris setiap tabelnya.",
        "When this file was published and how many rows each table has."),
        ("published_at", "table_name", "rows"),
        {"published_at": E("Waktu terbit", "Published at", "Kapan berkas ini diterbitkan.",
                           "When this file was published."),
         "table_name": E("Tabel", "Table", "Nama tabel.", "Table name."),
         "rows": E("Baris", "Rows", "Banyaknya baris tabel.", "Rows in the table.")}),
    Published("kamus_data", "tabel", E(
        "Kamus data", "Data dictionary",
        "Satu baris per tabel, view atau makro (kolom kosong) dan per kolomnya: label dan "
        "keterangan dalam bahasa Indonesia dan Inggris.",
        "One row per table, view or macro (kolom empty) and per column: label and description "
        "in Indonesian and English."),
        ("tabel", "jenis", "kolom", "urutan", "tipe", "label_id", "label_en", "keterangan_id",
         "keterangan_en"),
        {"tabel": E("Tabel", "Object", "Nama tabel, view atau makro.",
                    "Name of the table, view or macro."),
         "jenis": E("Jenis", "Kind", "tabel, view atau makro.", "table, view or macro."),
         "kolom": E("Kolom", "Column", "Nama kolom; kosong pada baris yang menjelaskan objeknya.",
                    "Column name; empty on the row that describes the object itself."),
         "urutan": E("Urutan", "Position", "Urutan kolom (0 untuk baris objek).",
                     "Column position (0 for the object's row)."),
         "tipe": E("Tipe", "Type", "Tipe data DuckDB kolom.", "DuckDB data type of the column."),
         "label_id": E("Label", "Label (Indonesian)", "Label dalam bahasa Indonesia.",
                       "Label in Indonesian."),
         "label_en": E("Label (Inggris)", "Label", "Label dalam bahasa Inggris.",
                       "Label in English."),
         "keterangan_id": E("Keterangan", "Description (Indonesian)",
                            "Keterangan dalam bahasa Indonesia.", "Description in Indonesian."),
         "keterangan_en": E("Keterangan (Inggris)", "Description",
                            "Keterangan dalam bahasa Inggris.", "Description in English.")}),
    Published("nilai_indikator", "view", E(
        "Nilai indikator", "Indicator values",
        "Angka produsen data dengan nama indikator, satuan, nama wilayah, tanggal awal dan akhir "
        "periode, dan asal nilai (berkas, sha256, sel).",
        "The producers' figures with indicator names, unit, region names, period start and end "
        "dates, and where each value came from (file, sha256, cell)."),
        (*_VALUE_COLUMNS, *_PROVENANCE)),
    Published("nilai_agregasi", "view", E(
        "Agregasi wilayah", "Regional roll-ups",
        "Nilai kecamatan dari kelurahan dan nilai kota dari kecamatan, untuk indikator yang "
        "katalognya menyatakan agregasi sum atau mean. Bukan angka resmi produsen.",
        "District values from sub-districts and city values from districts, for indicators "
        "whose catalog declares aggregation sum or mean. Not official figures."),
        (*_VALUE_COLUMNS, *_ROLLUP_COLUMNS), _ROLLUP),
    Published("nilai_gabungan", "view", E(
        "Nilai dan agregasi", "Values and roll-ups",
        "nilai_indikator dan nilai_agregasi bersama; sumber_nilai membedakannya.",
        "nilai_indikator and nilai_agregasi together; sumber_nilai tells them apart."),
        (*_VALUE_COLUMNS, *_PROVENANCE, *_ROLLUP_COLUMNS), _COMBINED),
    Published("nilai_terakhir", "view", E(
        "Nilai terakhir", "Latest values",
        "Per indikator dan wilayah, nilai tidak kosong dari periode yang berakhir paling akhir "
        "(angka produsen didahulukan dari agregasi pada periode yang sama), dengan statusnya.",
        "Per indicator and region, the non-empty value of the period that ends last (the "
        "producer's figure before a roll-up of the same period), with its status."),
        (*_VALUE_COLUMNS, *_PROVENANCE, *_ROLLUP_COLUMNS), _COMBINED),
    Published("jenis_periode", "makro", E(
        "Jenis periode", "Period type",
        "jenis_periode('2023-S2') = 'semester': tahun, semester, triwulan atau bulan.",
        "jenis_periode('2023-S2') = 'semester': year, half-year, quarter or month.")),
    Published("periode_mulai", "makro", E(
        "Awal periode", "Period start",
        "periode_mulai('2023-Q3') = DATE '2023-07-01'.",
        "periode_mulai('2023-Q3') = DATE '2023-07-01'.")),
    Published("periode_selesai", "makro", E(
        "Akhir periode", "Period end",
        "periode_selesai('2023-Q3') = DATE '2023-09-30'.",
        "periode_selesai('2023-Q3') = DATE '2023-09-30'.")),
)  # fmt: skip

BY_NAME: dict[str, Published] = {p.name: p for p in PUBLISHED}


def published(name: str) -> Published:
    """The dictionary entry of a table, view or macro; KeyError names the known ones."""
    if name not in BY_NAME:
        raise KeyError(
            f"`{name}` is not in the data dictionary (warehouse/kamus.py); known: "
            f"{', '.join(BY_NAME)}."
        )
    return BY_NAME[name]


def column_entry(table: str, column: str) -> Entry | None:
    """What `column` of `table` means, or None when the dictionary does not list it."""
    item = BY_NAME.get(table)
    if item is None or column not in item.columns:
        return None
    return item.own.get(column) or SHARED.get(column)


def unscanned_columns(table: str) -> list[str]:
    """Columns of `table` the personal-data scans skip (the pipeline's own fingerprints)."""
    item = BY_NAME.get(table)
    if item is None:
        return []
    return [c for c in item.columns if (e := column_entry(table, c)) and not e.scan]
