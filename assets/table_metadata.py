"""Table assets described to Dagster the way its UI and catalog understand tables:
`dagster/table_name`, `dagster/column_schema` built from DuckDB's own column list, the row
count, and a preview as a table metadata value (typed columns the UI renders as a table,
instead of markdown text).

The preview quotes rows, so like every other metadata it leaves an asset body through
`masks_personal_data` (assets/metadata.py), which masks table cells and schema texts too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from assets.metadata import PREVIEW_ROWS
from assets.resources import WORK_DB_FILE
from warehouse.columns import qualified_name, table_columns
from warehouse.sqlutil import quote

WORK_DATABASE = Path(WORK_DB_FILE).stem  # DuckDB's name for the work database: `work`


def work_table(table: str) -> dict[str, str]:
    """The asset definition's metadata for a table of the work database: its name is known
    before the first run (what a materialization records is read from DuckDB, and agrees).
    The analyst file holds the same tables as `<its stem>.main.<table>`."""
    return {"dagster/table_name": f"{WORK_DATABASE}.main.{table}"}


def analyst_table_names(path: Path, tables: Iterable[str]) -> list[str]:
    """How an analyst who opens the file at `path` names its `tables` (DuckDB names a database
    after its file's stem)."""
    return [f"{Path(path).stem}.main.{table}" for table in tables]


def column_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """The columns of `table` as DuckDB declares them (name, type, nullable, unique) with
    their data-dictionary description."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=c.name,
                type=c.type,
                description=c.description,
                constraints=dg.TableColumnConstraints(nullable=c.nullable, unique=c.unique),
            )
            for c in table_columns(con, table)
        ]
    )


def table_metadata(
    con: duckdb.DuckDBPyConnection, table: str, limit: int = PREVIEW_ROWS
) -> dict[str, object]:
    """Row count, fully qualified name, column schema and a preview of the first `limit` rows
    of `table` (e.g. `fact_indikator` or `tidy.dinkes_faskes`) in the database of `con`."""
    schema = column_schema(con, table)
    name = ".".join(quote(part) for part in table.split("."))
    rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    head = con.execute(f"SELECT * FROM {name} LIMIT {int(limit)}").df()
    return {
        "dagster/table_name": qualified_name(con, table),
        "dagster/row_count": rows,
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "preview": preview_table(head, limit, schema=schema),
    }


def preview_table(
    frame: pd.DataFrame, limit: int = PREVIEW_ROWS, *, schema: dg.TableSchema | None = None
) -> dg.TableMetadataValue:
    """The first `limit` rows of `frame` as a table metadata value. Without `schema` the
    column types come from the frame's dtypes. Cells become what Dagster can store: NaN and
    NA become empty, dates and other objects their text."""
    head = frame.head(limit)
    columns = [str(c) for c in head.columns]
    records = [
        dg.TableRecord(dict(zip(columns, map(_cell, row), strict=True)))
        for row in head.itertuples(index=False, name=None)
    ]
    if schema is None:
        schema = dg.TableSchema(
            columns=[
                dg.TableColumn(name, _column_type(head[column]))
                for name, column in zip(columns, head.columns, strict=True)
            ]
        )
    return dg.MetadataValue.table(records, schema=schema)


def _column_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "string"


def _cell(value: object) -> str | int | float | bool | None:
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):  # numpy integers too
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else (None if math.isnan(number) else str(number))
    if isinstance(value, str):
        return value
    return str(value)
