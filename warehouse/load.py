"""Every write into the work database, in one import.

All functions take an open connection (see `warehouse.db.work_db`) and manage their own
transaction, so call them outside an explicit transaction. They are safe to re-run:

- `replace_tidy` replaces one source's rows (`tidy.<sumber_id>`);
- `load_dim_wilayah`, `load_dim_indikator`, `load_meta_sumber` replace a reference table whole;
- `record_muat` appends one load record;
- `build_fact` and `build_dimension_table` rebuild the derived tables whole.
"""

from warehouse.build import build_dimension_table, build_fact
from warehouse.muat import OUTCOMES, record_muat
from warehouse.reference import (
    DIMENSIONS,
    TINGKAT,
    load_dim_indikator,
    load_dim_wilayah,
    load_meta_sumber,
)
from warehouse.tidy import (
    KEY_COLUMNS,
    TIDY_COLUMNS,
    frame_sha256,
    loaded_berkas_sha256,
    replace_tidy,
    tidy_sha256,
)

__all__ = [
    "DIMENSIONS",
    "KEY_COLUMNS",
    "OUTCOMES",
    "TIDY_COLUMNS",
    "TINGKAT",
    "build_dimension_table",
    "build_fact",
    "frame_sha256",
    "load_dim_indikator",
    "load_dim_wilayah",
    "load_meta_sumber",
    "loaded_berkas_sha256",
    "record_muat",
    "replace_tidy",
    "tidy_sha256",
]
