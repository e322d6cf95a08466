"""How the project's code may use a DuckDB connection."""

from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("assets", "pipelines", "quality", "sources", "warehouse")


def test_a_partly_fetched_result_blocks_the_connection(tmp_path):
    """Why the rule below: with duckdb 2.0 a result read with fetchone() is unfinished, and the
    next register() on the shared connection (the next source's load) fails."""
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("SELECT 1").fetchone()
    with pytest.raises(duckdb.Error, match="unfinished result"):
        con.register("rows", duckdb.sql("SELECT 1 AS a").arrow())
    con.close()


def test_no_module_reads_a_result_with_fetchone():
    """Read whole results (fetchall, warehouse.sqlutil.scalar): a source's step shares one
    connection, and one unfinished result failed every source after it."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".fetchone()" in line
        and not line.lstrip().startswith(("#", '"'))
        and "`fetchone()`" not in line
    ]
    assert offenders == []
