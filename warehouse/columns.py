"""What DuckDB itself says about a table: its fully qualified name and its columns (name, type,
nullable, unique, description). The Dagster column schema of each table asset is built from
this (assets/table_metadata.py), so the UI shows the columns the table really has, not a list
kept by hand next to the DDL.

A column's description is DuckDB's own comment when one is set (`COMMENT ON COLUMN`, as in
the analyst file), else the English text of the data dictionary (warehouse/kamus.py), which
describes every published table column by column: the work database carries no comments.
Columns the dictionary does not list (the tidy.* tables) stay undescribed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.kamus import column_entry


@dataclass(frozen=True)
class ColumnInfo:
    """One column as DuckDB declares it."""

    name: str
    type: str  # DuckDB's type name, e.g. VARCHAR, DOUBLE, TIMESTAMP WITH TIME ZONE
    nullable: bool
    unique: bool  # a one-column PRIMARY KEY or UNIQUE constraint
    description: str | None


def split_table(table: str) -> tuple[str, str]:
    """`tidy.dinkes_faskes` -> ("tidy", "dinkes_faskes"); a bare name is in schema `main`."""
    schema, _, name = table.rpartition(".")
    return schema or "main", name


def qualified_name(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """`database.schema.table` as DuckDB names it: the database is the file's stem, so the
    work database's tables are `work.main.<table>` and the analyst file's `kotapintar.main.<table>`
    (for the default file name)."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    schema, name = split_table(table)
    return f"{database}.{schema}.{name}"


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[ColumnInfo]:
    """The columns of `table` in the connection's current database, in table order."""
    schema, name = split_table(table)
    where = "database_name = current_database() AND schema_name = ? AND table_name = ?"
    rows = con.execute(
        "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
        f"WHERE {where} ORDER BY column_index",
        [schema, name],
    ).fetchall()
    if not rows:
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        raise LookupError(f"Table {schema}.{name} does not exist in database `{database}`.")
    constraints = con.execute(
        "SELECT constraint_column_names FROM duckdb_constraints() "
        f"WHERE {where} AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')",
        [schema, name],
    ).fetchall()
    unique = {columns[0] for (columns,) in constraints if len(columns) == 1}
    return [
        ColumnInfo(
            name=column,
            type=data_type,
            nullable=bool(nullable),
            unique=column in unique,
            description=comment or _description(schema, name, column),
        )
        for column, data_type, nullable, comment in rows
    ]


def _description(schema: str, table: str, column: str) -> str | None:
    entry = column_entry(table, column) if schema == "main" else None
    return f"{entry.label_en}: {entry.notes_en}" if entry else None
