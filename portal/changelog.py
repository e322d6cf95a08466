"""What changed since the previous publication: new periods, new rows, revised values (old ->
new) and removed rows. Kept as a CSV resource on the portal (newest first, one block per
publication) and reported in the run metadata.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from warehouse.dictionary import COLUMN_NAMES, DIMENSION_KEY

HEADER = [
    "diterbitkan",
    "versi",
    "perubahan",
    "indikator",
    "kode_wilayah",
    "periode",
    "kolom",
    "nilai_lama",
    "nilai_baru",
]
_COMPARED = [c for c in COLUMN_NAMES if c not in DIMENSION_KEY]


@dataclass(frozen=True)
class Change:
    """One change: `periode_baru` / `baris_baru` (added), `revisi` (a column), `dihapus`."""

    kind: str
    indikator: str
    kode_wilayah: str
    periode: str
    column: str = ""
    old: str = ""
    new: str = ""

    def describe(self) -> str:
        where = f"{self.indikator} {self.kode_wilayah} {self.periode}"
        if self.kind == "revisi":
            return f"revisi {where} {self.column}: {self.old or '∅'} → {self.new or '∅'}"
        return f"{self.kind} {where}" + (f" (nilai {self.new or self.old})" if self.column else "")


@dataclass(frozen=True)
class Changelog:
    """The changes of one publication; `first` when there was no previous publication."""

    changes: tuple[Change, ...]
    first: bool
    rows: int

    def counts(self) -> dict[str, int]:
        counts = {"periode_baru": 0, "baris_baru": 0, "revisi": 0, "dihapus": 0}
        for change in self.changes:
            counts[change.kind] += 1
        return counts

    def summary(self, limit: int = 20) -> list[str]:
        """Readable lines, at most `limit` plus a line saying how many more."""
        if self.first:
            return [f"publikasi pertama: {self.rows} baris"]
        lines = [c.describe() for c in self.changes[:limit]]
        if len(self.changes) > limit:
            lines.append(f"… {len(self.changes) - limit} perubahan lain")
        return lines or ["tanpa perubahan nilai (definisi kolom diperbarui)"]


def diff(old: Sequence[dict] | None, new: Sequence[dict]) -> Changelog:
    """Compare the previously published records with the new ones (None: first publication)."""
    if old is None:
        return Changelog(changes=(), first=True, rows=len(new))
    before = {_key(r): r for r in old}
    after = {_key(r): r for r in new}
    old_periods = {(k[0], k[2]) for k in before}
    changes: list[Change] = []
    for key in sorted(after.keys() - before.keys()):
        kind = "baris_baru" if (key[0], key[2]) in old_periods else "periode_baru"
        changes.append(Change(kind, *key, column="nilai", new=_fmt(after[key].get("nilai"))))
    for key in sorted(after.keys() & before.keys()):
        for column in _COMPARED:
            was, now = _fmt(before[key].get(column)), _fmt(after[key].get(column))
            if was != now:
                changes.append(Change("revisi", *key, column=column, old=was, new=now))
    for key in sorted(before.keys() - after.keys()):
        changes.append(Change("dihapus", *key, column="nilai", old=_fmt(before[key].get("nilai"))))
    return Changelog(changes=tuple(changes), first=False, rows=len(new))


def changelog_csv(
    log: Changelog, version: str, published_at: str, previous: bytes | None = None
) -> bytes:
    """This publication's block followed by the earlier ones from `previous` (the changelog
    already on the portal). A block with the same `version` is replaced, so a publication
    that is completed by a rerun is listed once."""
    rows: list[list[str]] = []
    stamp = [published_at, version]
    if log.first:
        rows.append([*stamp, "publikasi_pertama", "", "", "", "", "", f"{log.rows} baris"])
    elif not log.changes:
        rows.append([*stamp, "definisi_kolom", "", "", "", "", "", ""])
    for c in log.changes:
        rows.append(
            [*stamp, c.kind, c.indikator, c.kode_wilayah, c.periode, c.column, c.old, c.new]
        )
    if previous:
        reader = csv.reader(io.StringIO(previous.decode("utf-8")))
        if next(reader, None) == HEADER:
            rows += [r for r in reader if len(r) == len(HEADER) and r[1] != version]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _key(record: dict) -> tuple[str, str, str]:
    return tuple(str(record[k]) for k in DIMENSION_KEY)  # type: ignore[return-value]


def _fmt(value: object) -> str:
    """One text form for values from DuckDB and from the portal's JSON (1291 == 1291.0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)
