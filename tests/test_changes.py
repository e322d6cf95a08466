"""warehouse.changes.table_matches: a reference table against the catalog's rows, compared as
a multiset of text rows (order free; duplicates, NULLs and one changed cell all count)."""

import duckdb
import pandas as pd
import pytest

from warehouse.changes import table_matches

ROWS = [("35.73", "Kota Malang", 1), ("35.73.01", "Blimbing", None), ("35.73.02", None, 3)]


@pytest.fixture
def con():
    with duckdb.connect() as con:
        con.execute("CREATE TABLE ref (kode VARCHAR, nama VARCHAR, urut INTEGER)")
        con.executemany("INSERT INTO ref VALUES (?, ?, ?)", ROWS)
        yield con


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kode", "nama", "urut"]).astype({"urut": "Int64"})


@pytest.mark.parametrize(
    ("rows", "same"),
    [
        (ROWS, True),
        (list(reversed(ROWS)), True),  # order does not count
        ([ROWS[0], ROWS[0], ROWS[2]], False),  # a row twice instead of another
        ([*ROWS, ROWS[1]], False),  # one row more
        (ROWS[:2], False),  # one row fewer
        ([ROWS[0], ("35.73.01", "Blimbing", 2), ROWS[2]], False),  # a NULL became a value
        ([ROWS[0], ROWS[1], ("35.73.02", "None", 3)], False),  # a NULL became the text None
        ([("35.73", "Kota Malang ", 1), *ROWS[1:]], False),  # one trailing space
    ],
)
def test_rows_are_compared_as_a_multiset(con, rows, same):
    assert table_matches(con, "ref", _frame(rows)) is same


def test_a_missing_table_never_matches(con):
    assert table_matches(con, "no_such_table", _frame(ROWS)) is False
