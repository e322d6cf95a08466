"""A BPS WebAPI answer (dynamic table) read as the table BPS shows, for the one parser.

The answer lists the table's dimensions, each as `[{val, label}]` (`vervar`: the rows, e.g.
kecamatan or kab/kota; `turvar`: derived variables such as Laki-laki / Perempuan; `tahun`: years,
numbered by BPS, 2023 is `123`; `turtahun`: months, quarters or `0` for the year), and its
numbers in `datacontent`, keyed by the ids of one cell joined as text:
vervar + var + turvar + tahun + turtahun ("3573" "12" "0" "123" "0" -> "35731201230").

The table read from it has one row per vervar, tahun and turtahun that holds a number, with the
fields `kode_vervar`, `vervar` (the label), `kode_tahun`, `tahun`, `kode_turtahun`, `turtahun`
and `periode` ("2023", or "Januari 2023" with a turtahun), then one column per turvar named by
its label (`nilai` when the table has no derived variable). A catalog entry reads it like any
other table (layout `long`: `region.column: vervar`, `period.column: periode`, `values`).
Joined ids are ambiguous in principle ("1" + "12" and "11" + "2"); a key that two cells would
share, or that no cell has, fails the source instead of being guessed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from sources.catalog import SourceEntry
from sources.catalog_bps import BpsSpec
from sources.errors import SourceError
from sources.grid import Grid

VALUE_FIELD = "nilai"  # the column of a table without derived variables (turvar 0)
KEY_FIELDS = (
    "kode_vervar",
    "vervar",
    "kode_tahun",
    "tahun",
    "kode_turtahun",
    "turtahun",
    "periode",
)
DIMENSIONS = ("vervar", "tahun", "turtahun")  # of a row; turvar are its columns
_NONE = [{"val": 0, "label": "Tidak ada"}]  # what BPS sends for an absent dimension
PERCENT = {"%", "persen", "percent", "persentase"}


class TableError(ValueError):
    """An answer that is not a dynamic table we can read; the message says what is wrong."""


@dataclass
class BpsTable:
    """The answer as rows and columns, and what BPS says about its variable."""

    fields: list[str]
    rows: list[list[object]]
    numeric: set[int]
    variable: dict = field(default_factory=dict)  # var[0]: label, unit, subj, def, note
    labelvervar: str = ""
    turvar_of: dict[int, str] = field(default_factory=dict)  # value column -> turvar id

    def place(self, row: int, column: int) -> str:
        """Where a cell came from in the answer: a number's `datacontent` key, or the row's
        ids and the field ("vervar[3573] tahun[123].vervar"); `row` counts from 0."""
        v, th, tt = (self.rows[row][KEY_FIELDS.index(f"kode_{d}")] for d in DIMENSIONS)
        if column in self.turvar_of:
            return f"datacontent[{v}{self.variable.get('val')}{self.turvar_of[column]}{th}{tt}]"
        sub = f" turtahun[{tt}]" if tt != "0" else ""
        return f"vervar[{v}] tahun[{th}]{sub}.{self.fields[column]}"

    @property
    def unit(self) -> str:
        return str(self.variable.get("unit") or "").strip()

    def describe(self) -> str:
        """ "BPS variable 12 'Indeks Pembangunan Manusia' (unit 'Indeks', subject ...)"."""
        facts = [f"unit {self.unit!r}"] if self.unit else []
        if subject := str(self.variable.get("subj") or "").strip():
            facts.append(f"subject {subject!r}")
        if self.labelvervar:
            facts.append(f"rows: {self.labelvervar}")
        label = str(self.variable.get("label") or "").strip()
        return f"BPS variable {self.variable.get('val')} {label!r} ({', '.join(facts)})"


def read_table(answer: dict, spec: BpsSpec) -> BpsTable:
    """The table of a WebAPI `model/data` answer; raises TableError naming what is missing."""
    var = _dimension(answer, "var", required=True)[0]
    if str(var.get("val")) != str(spec.variable):
        raise TableError(
            f"the answer is for variable {var.get('val')}, not variable {spec.variable} "
            "(`bps.variable`): a recording of another table?"
        )
    vervar, tahun = _dimension(answer, "vervar", True), _dimension(answer, "tahun", True)
    turvar = _dimension(answer, "turvar") or _NONE
    turtahun = _dimension(answer, "turtahun") or _NONE
    content = answer.get("datacontent")
    if not isinstance(content, dict) or not content:
        raise TableError("the answer has no `datacontent` (the table's numbers)")
    cells = _cells(content, var, vervar, turvar, tahun, turtahun)
    columns = _value_columns(turvar)
    fields = [*KEY_FIELDS, *columns.values()]
    index = {name: i for i, name in enumerate(fields)}
    # Each dimension's ids -> (position in BPS's list, label).
    listed = {"vervar": vervar, "tahun": tahun, "turtahun": turtahun}
    dims = {
        name: {str(d["val"]): (i, d["label"]) for i, d in enumerate(items)}
        for name, items in listed.items()
    }
    rows: dict[tuple[str, str, str], list[object]] = {}
    for key, (v, tv, th, tt) in cells.items():
        if (v, th, tt) not in rows:
            year, sub = dims["tahun"][th][1], dims["turtahun"][tt][1]
            head = [v, dims["vervar"][v][1], th, year, tt, sub, _periode(year, tt, sub)]
            rows[(v, th, tt)] = head + [None] * len(columns)
        rows[(v, th, tt)][index[columns[tv]]] = content[key]
    # In the order BPS lists the rows, years and sub-periods, whatever the datacontent order.
    order = sorted(rows, key=lambda k: (dims["vervar"][k[0]][0], dims["tahun"][k[1]][0],
                                        dims["turtahun"][k[2]][0]))  # fmt: skip
    return BpsTable(
        fields=fields,
        rows=[rows[k] for k in order],
        numeric={index[name] for name in columns.values()},
        variable=dict(var),
        labelvervar=str(answer.get("labelvervar") or ""),
        turvar_of={index[name]: tv for tv, name in columns.items()},
    )


def _cells(
    content: dict, var: dict, *dimensions: list[dict]
) -> dict[str, tuple[str, str, str, str]]:
    """datacontent key -> the ids (vervar, turvar, tahun, turtahun) of the cell it holds."""
    vervar, turvar, tahun, turtahun = dimensions
    cells: dict[str, tuple[str, str, str, str]] = {}
    shared: set[str] = set()
    for v, tv, th, tt in product(vervar, turvar, tahun, turtahun):
        ids = (str(v["val"]), str(tv["val"]), str(th["val"]), str(tt["val"]))
        key = f"{ids[0]}{var['val']}{ids[1]}{ids[2]}{ids[3]}"
        if key in cells:
            shared.add(key)
        cells[key] = ids
    if clash := sorted(shared & set(content)):
        raise TableError(
            f"datacontent key(s) {', '.join(clash[:5])} fit two cells of the table (their ids "
            "joined as text coincide); ask for fewer with `bps.vervar` / `bps.turvar`"
        )
    if unknown := [key for key in content if key not in cells]:
        raise TableError(
            f"{len(unknown)} datacontent key(s) fit no cell of the table's dimensions "
            f"({', '.join(unknown[:5])}): the answer is incomplete or not a dynamic table"
        )
    return {key: cells[key] for key in content}


def _dimension(answer: dict, name: str, required: bool = False) -> list[dict]:
    items = answer.get(name)
    if items in (None, []) and not required:
        return []
    if not isinstance(items, list) or not items:
        raise TableError(f"the answer has no `{name}` list (a dynamic table has one)")
    for item in items:
        if not isinstance(item, dict) or "val" not in item or "label" not in item:
            raise TableError(f"`{name}` has an item without `val` and `label`: {item!r}"[:200])
    return items


def _value_columns(turvar: list[dict]) -> dict[str, str]:
    """turvar id -> its column name: the label, `nilai` for "no derived variable" (id 0)."""
    if len(turvar) == 1 and str(turvar[0]["val"]) == "0":
        return {"0": VALUE_FIELD}
    columns: dict[str, str] = {}
    for item in turvar:
        name = " ".join(str(item["label"]).split())
        taken = {n.casefold() for n in (*KEY_FIELDS, *columns.values())}
        if name.casefold() in taken:
            name = f"{name} ({item['val']})"  # two derived variables of one label
        columns[str(item["val"])] = name
    return columns


def _periode(year: str, turtahun: object, label: str) -> str:
    """The period text the parser reads: the year, or "<month or quarter> <year>"."""
    return year if str(turtahun) == "0" else f"{label} {year}"


def unit_warnings(entry: SourceEntry, table: BpsTable) -> list[str]:
    """A warning when BPS gives the variable another unit than the catalog declares (BPS
    changed the table, e.g. jiwa -> ribu jiwa): the catalog stays the declared metadata."""
    if not table.unit or entry.bps is None:
        return []
    by_unit: dict[str, list[str]] = {}
    for indicator in entry.indicators:
        by_unit.setdefault(indicator.unit, []).append(indicator.code)
    expected = (
        {entry.bps.unit: "`bps.unit`"}
        if entry.bps.unit
        else {unit: f"the `unit` of {', '.join(codes)}" for unit, codes in by_unit.items()}
    )
    return [
        f"BPS gives variable {entry.bps.variable} the unit {table.unit!r}, but {what} in "
        f"{entry.catalog_file} is {unit!r}: check whether BPS changed the table (its scale or "
        f"its measure), then correct the indicator's `unit` (or `bps.unit` when BPS only "
        "writes it differently)"
        for unit, what in expected.items()
        if _unit_key(unit) != _unit_key(table.unit)
    ]


def _unit_key(unit: str) -> str:
    key = re.sub(r"\s+", " ", unit).strip().casefold()
    return "%" if key in PERCENT else key


def read_bps_grid(entry: SourceEntry, path: Path) -> Grid:
    """The grid of a landed WebAPI answer: the table's header and rows, each cell placed in the
    answer, BPS's description of its variable as a note and a changed unit as a warning."""
    table = load_table(entry, path)
    return Grid(
        cells=[list(table.fields), *table.rows],
        describe=f"the BPS WebAPI table (domain {entry.bps.domain}, variable {entry.bps.variable})",
        locate=lambda r, c: table.place(r - 1, c),
        numeric=table.numeric,
        header_place=lambda _r, c: f"fields[{c}]",
        notes=[table.describe()],
        warnings=unit_warnings(entry, table),
    )


def load_table(entry: SourceEntry, path: Path) -> BpsTable:
    """The table of `entry`'s landed answer at `path`; a SourceError when it is unreadable."""
    try:
        answer = json.loads(path.read_text(encoding="utf-8"))
        return read_table(answer, entry.bps)
    except (ValueError, TypeError) as exc:  # TableError, or JSON that is no table at all
        raise SourceError(
            entry.id,
            entry.location,
            f"the WebAPI answer {path.name} cannot be read as a table: {exc}",
            fix=f"check `bps` in {entry.catalog_file}; the last good data stays published",
        ) from None
