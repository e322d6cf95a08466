"""Indonesian texts for the agencies (OPD): what each rule means and how to fix a row.

These end up in `karantina.pesan` and in the correction workbooks (quality/workbook.py), which
go to the people who maintain the agency files, so they are in Bahasa Indonesia and say what to
change in the file, not in the pipeline.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# rule -> (short title, what it checks, how to fix)
ATURAN: dict[str, tuple[str, str, str]] = {
    "keys_not_null": (
        "Kolom kunci kosong",
        "Setiap baris harus punya indikator, wilayah, periode dan status.",
        "Isi sel yang kosong (nama wilayah atau periode), atau hapus baris yang tidak dipakai.",
    ),
    "indikator_declared": (
        "Indikator tidak dikenal",
        "Indikator harus terdaftar di katalog data.",
        "Gunakan nama kolom yang disepakati; indikator baru didaftarkan dulu ke walidata.",
    ),
    "kode_wilayah_known": (
        "Wilayah tidak dikenal",
        "Wilayah harus kecamatan/kelurahan Kota Malang menurut kode Kemendagri.",
        "Perbaiki ejaan nama wilayah atau kodenya (mis. 35.73.01 untuk Blimbing).",
    ),
    "periode_well_formed": (
        "Periode tidak sesuai format",
        "Periode ditulis YYYY, YYYY-MM, YYYY-Qn (triwulan) atau YYYY-Sn (semester).",
        "Tulis periode sesuai format, mis. 2023, 2023-07, 2023-Q3 atau 2023-S2.",
    ),
    "status_allowed": (
        "Status tidak dikenal",
        "Status angka adalah final, sementara atau perkiraan.",
        "Tandai angka sementara dengan bintang (*) di belakang angka atau periode.",
    ),
    "nilai_numeric": (
        "Nilai bukan angka",
        "Nilai harus berupa angka.",
        "Tulis angka tanpa teks tambahan, dengan format Indonesia (1.234,5).",
    ),
    "key_unique": (
        "Baris ganda",
        "Satu indikator, wilayah dan periode hanya boleh muncul sekali.",
        "Hapus baris yang terulang atau perbaiki wilayah/periode yang salah ketik.",
    ),
    "value_range": (
        "Nilai di luar rentang wajar",
        "Nilai harus berada dalam batas yang ditetapkan di katalog untuk indikator ini.",
        "Periksa salah ketik, satuan (persen/ribu/juta) dan pemisah ribuan/desimal. Jika angka "
        "memang benar, hubungi walidata (Diskominfo) agar batasnya ditinjau.",
    ),
    "value_allowed": (
        "Nilai tidak termasuk pilihan",
        "Nilai harus salah satu pilihan yang ditetapkan di katalog.",
        "Gunakan salah satu nilai yang diizinkan (lihat kolom 'Yang diharapkan').",
    ),
    "yoy_change": (
        "Perubahan tahunan terlalu besar",
        "Perubahan dibanding periode yang sama tahun sebelumnya melebihi batas di katalog.",
        "Bandingkan dengan angka tahun lalu; periksa salah ketik atau pergeseran baris/kolom. "
        "Jika perubahan memang terjadi, beri keterangan kepada walidata.",
    ),
    "regions_expected": (
        "Wilayah tidak lengkap",
        "Setiap periode harus memuat semua wilayah yang ditetapkan di katalog.",
        "Tambahkan baris untuk wilayah yang belum ada, atau isi sel yang kosong.",
    ),
    "periods_expected": (
        "Periode tidak lengkap",
        "Berkas harus memuat semua periode yang ditetapkan di katalog.",
        "Tambahkan data untuk periode yang belum ada.",
    ),
    "data_pribadi": (
        "Data pribadi",
        "Data terbuka tidak boleh memuat NIK, No. KK, nomor telepon, e-mail atau nama orang.",
        "Hapus data pribadi dari berkas (atau dari kolom keterangan) sebelum dikirim ulang.",
    ),
    "wilayah_induk": (
        "Kelurahan di bawah kecamatan yang salah",
        "Kelurahan harus berada di bawah subjudul kecamatannya sendiri.",
        "Pindahkan baris ke bawah kecamatan yang benar, atau perbaiki nama kelurahannya.",
    ),
    "sel_tidak_terbaca": (
        "Sel tidak dapat dibaca",
        "Isi sel harus dapat dibaca sebagai angka, wilayah atau periode.",
        "Perbaiki isi sel sesuai keterangan (mis. angka dengan format 1.234,5).",
    ),
}


def judul(aturan: str) -> str:
    return ATURAN.get(aturan, (aturan, "", ""))[0]


def cara_perbaikan(aturan: str) -> str:
    return ATURAN.get(aturan, ("", "", "Periksa sel ini di berkas sumber."))[2]


def teks_nilai(value: Any) -> str:
    """A value as an agency would write it: 1.234,5 for numbers, '(kosong)' for blanks."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "(kosong)"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}".replace(",", ".")
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
        return text.replace(",", "_").replace(".", ",").replace("_", ".")
    return str(value)


def diharapkan(aturan: str, kwargs: dict, satuan: str = "") -> str:
    """What the rule expected, in words, from its GX arguments."""
    unit = f" {satuan}" if satuan else ""
    if aturan == "value_range":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            return f"antara {teks_nilai(float(low))} dan {teks_nilai(float(high))}{unit}"
        if low is not None:
            return f"paling sedikit {teks_nilai(float(low))}{unit}"
        return f"paling banyak {teks_nilai(float(high))}{unit}"
    if aturan == "value_allowed":
        return "salah satu dari: " + ", ".join(teks_nilai(float(v)) for v in kwargs["value_set"])
    if aturan == "yoy_change":
        return f"berubah paling banyak {teks_nilai(kwargs['max_value'] * 100)} % per tahun"
    if aturan == "kode_wilayah_known":
        return "wilayah Kota Malang (kode Kemendagri 35.73.xx)"
    if aturan == "indikator_declared":
        return "indikator di katalog: " + ", ".join(kwargs.get("value_set", []))
    return ATURAN.get(aturan, ("", "", ""))[1]
