"""The fast CSV parser hands the gate its repeated text columns as categoricals
(sources/parse_fast.py `_text`): every verdict, finding, message and masked example must be what
the same rows as plain "string" columns (the row-by-row parser's) give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quality.gate import check_source
from sources.catalog import parse_entry
from sources.tidy import tidy_frame
from sources.wilayah import known_codes

NIK = "3573014506900003"  # plausible: Blimbing, born 05-06-1990
REPEATED = ("sumber_id", "indikator", "kode_wilayah", "periode", "status", "catatan")


def entry(**quality):
    data = {
        "id": "uji_kategori",
        "title": "SAMPLE uji",
        "agency": {"code": "dinkes", "name": "Dinkes"},
        "kind": "csv",
        "location": "uji.csv",
        "sample": True,
        "dimension": "smart_living",
        "schedule": "tahunan",
        "parse": {
            "delimiter": ";",
            "region": {"column": "Kecamatan", "level": "kecamatan"},
            "period": {"column": "Tahun"},
            "values": {"Angka": "UJI_A"},
            "notes": "Keterangan",
        },
        "indicators": [
            {"code": "UJI_A", "name_id": "A", "name_en": "A", "unit": "persen",
             "definition": "uji", "direction": "neutral", "min_value": 0, "max_value": 100}
        ],
        "quality": quality,
    }  # fmt: skip
    return parse_entry(data, "uji_kategori.yaml")


def rows(seed: str) -> pd.DataFrame:
    codes = ["35.73.01", "35.73.02", "35.73.03", "35.73.04", "35.73.05"]
    records = [
        {"sumber_id": "uji_kategori", "indikator": "UJI_A", "kode_wilayah": kode,
         "periode": str(year), "nilai": 10.0 + i, "status": "final", "catatan": None,
         "lokasi": f"baris {2 + i + 5 * (year - 2020)}, kolom 3"}
        for year in (2020, 2021, 2022) for i, kode in enumerate(codes)
    ]  # fmt: skip
    frame = tidy_frame(records)
    if seed == "nik":
        frame.loc[[1, 7], "catatan"] = f"pelapor {NIK}"
    elif seed == "region":
        frame.loc[3, "kode_wilayah"] = "99.99"
    elif seed == "period":
        frame.loc[[4, 9], "periode"] = "2021-13"
    elif seed == "duplicate":
        frame.loc[6, "kode_wilayah"] = "35.73.01"  # as row 5: (UJI_A, 35.73.01, 2021)
    elif seed == "indicator":
        frame.loc[2, "indikator"] = "UJI_B"
    elif seed == "range":
        frame.loc[[0, 6], "nilai"] = 250.0
    return frame


def categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: "category" for c in REPEATED})


@pytest.mark.parametrize("seed", ["clean", "nik", "region", "period", "duplicate", "indicator",
                                  "range"])  # fmt: skip
def test_categoricals_give_the_verdicts_and_evidence_of_text(seed):
    plain, coded = rows(seed), categorical(rows(seed))
    assert all(isinstance(coded[c].dtype, pd.CategoricalDtype) for c in REPEATED)
    got = [check_source(entry(), f, known_regions=known_codes()) for f in (plain, coded)]
    assert got[0].passed == got[1].passed == (seed == "clean")
    assert got[0].summary().splitlines()[1:] == got[1].summary().splitlines()[1:]
    assert [f.sample for f in got[0].report.failures] == [f.sample for f in got[1].report.failures]
    assert got[0].pii.as_dict() == got[1].pii.as_dict()
    assert np.array_equal(got[0].held_back, got[1].held_back)
    pd.testing.assert_frame_equal(got[0].findings, got[1].findings)
