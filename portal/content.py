"""What would be published, read from the analyst snapshot (the checked, published state).

Per dimension: its rows (the `smart_<dimension>` table, in key order), the metadata of its
indicators (`dim_indikator`), and a content hash. The hash
covers the rows and the DataStore field definitions and nothing else — no clock, no snapshot
time — so an unchanged table has an unchanged hash and the portal is left alone.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import duckdb
import pandas as pd

from warehouse.dictionary import COLUMN_NAMES, DIMENSION_COLUMNS, DIMENSION_KEY
from warehouse.sqlutil import literal, quote


@dataclass(frozen=True)
class DimensionContent:
    """One dimension table of the snapshot, ready to publish."""

    dimension: str
    rows: pd.DataFrame
    indicators: pd.DataFrame
    sample: bool
    # The relation the CSV and Parquet files are written from: the dimension table, or a
    # temporary view of it without the indicators held back (`without`).
    table: str = ""

    @property
    def source(self) -> str:
        return self.table or self.dimension

    @cached_property
    def records(self) -> list[dict]:
        """The rows as JSON-ready dicts (missing values are None, codes stay text)."""
        return to_records(self.rows)

    @cached_property
    def indicator_records(self) -> list[dict]:
        """The dim_indikator rows as dicts (missing values stay NaN/None)."""
        return self.indicators.to_dict("records")

    @cached_property
    def data_sha256(self) -> str:
        return data_sha256(self.records)


def datastore_fields() -> list[dict]:
    """DataStore field definitions: explicit types (codes and periode text, nilai numeric,
    never left to the portal's guessing) and the data dictionary in `info` (id and en)."""
    return [
        {
            "id": c.name,
            "type": "numeric" if c.type == "number" else "text",
            "info": {
                "label": c.label_id,
                "notes": f"{c.notes_id}\n\nEN — {c.label_en}: {c.notes_en}",
                "label_id": c.label_id,
                "label_en": c.label_en,
                "notes_id": c.notes_id,
                "notes_en": c.notes_en,
            },
        }
        for c in DIMENSION_COLUMNS
    ]


def to_records(rows: pd.DataFrame) -> list[dict]:
    """DataFrame rows as dicts with None for missing values and plain Python numbers."""
    records = []
    for row in rows.itertuples(index=False, name=None):
        record = {}
        for name, value in zip(COLUMN_NAMES, row, strict=True):
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
                record[name] = None
            elif name == "nilai":
                record[name] = float(value)
            else:
                record[name] = str(value)
        records.append(record)
    return records


def data_sha256(records: Sequence[dict]) -> str:
    """sha256 of the field definitions and the records, in key order (canonical JSON)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(datastore_fields(), sort_keys=True).encode())
    ordered = sorted(records, key=lambda r: tuple(r[k] for k in DIMENSION_KEY))
    for record in ordered:
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def read_content(
    con: duckdb.DuckDBPyConnection, dimensions: Sequence[str]
) -> dict[str, DimensionContent]:
    """Read every given dimension table of the analyst snapshot (`open_analyst`) with its
    metadata. Keep the connection for the whole publication: it holds one consistent view even
    if a new snapshot is swapped in meanwhile."""
    columns = ", ".join(quote(c) for c in COLUMN_NAMES)
    result = {}
    for dimension in dimensions:
        rows = con.execute(
            f"SELECT {columns} FROM {quote(dimension)} ORDER BY {', '.join(DIMENSION_KEY)}"
        ).df()
        indicators = con.execute(
            "SELECT * FROM dim_indikator WHERE dimensi = ? ORDER BY kode", [dimension]
        ).df()
        result[dimension] = DimensionContent(
            dimension=dimension,
            rows=rows,
            indicators=indicators,
            sample=bool(indicators["sampel"].any()) if len(indicators) else False,
        )
    return result


def without(
    con: duckdb.DuckDBPyConnection, content: DimensionContent, codes: Sequence[str]
) -> DimensionContent:
    """`content` without the indicators `codes`: their rows and metadata, and in the files (a
    temporary view of the table on `con`, which lives as long as the connection)."""
    if not codes:
        return content
    view = f"publikasi_{content.dimension}"
    listed = ", ".join(literal(c) for c in codes)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote(view)} AS SELECT * FROM {quote(content.dimension)} "
        f"WHERE indikator NOT IN ({listed})"
    )
    indicators = content.indicators[~content.indicators["kode"].isin(codes)]
    return DimensionContent(
        dimension=content.dimension,
        rows=content.rows[~content.rows["indikator"].isin(codes)].reset_index(drop=True),
        indicators=indicators.reset_index(drop=True),
        sample=bool(indicators["sampel"].any()) if len(indicators) else False,
        table=view,
    )
