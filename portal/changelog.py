"""What changed since the previous publication: new periods, new rows, revised values (old ->
new) and removed rows. Kept as a CSV resource on the portal (newest first, one block per
publication) and reported in the run metadata.

The history is append-only and keyed by the publication's number (`publikasi`: 1 for the
first publication of the dataset, then 2, 3, ...; the last committed number is kept on the
dataset). Never by the data's hash: data that returns to an earlier version is a new
publication with its own block. Only a block of a publication that never committed (a run that
failed after uploading the changelog) is replaced, by the rerun that completes it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from warehouse.dictionary import COLUMN_NAMES, DIMENSION_KEY

HEADER = [
    "publikasi",
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
# Changelogs written before `publikasi` existed; read and numbered, never written.
LEGACY_HEADER = HEADER[1:]
# Provenance (the source file's sha256, the cell) changes with every new file even when the
# values do not: it is published with the rows but is not a revision of the data.
PROVENANCE = ("berkas_sha256", "lokasi")
_COMPARED = [c for c in COLUMN_NAMES if c not in DIMENSION_KEY and c not in PROVENANCE]


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
        return lines or ["tanpa perubahan nilai (definisi kolom atau asal berkas diperbarui)"]


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
    log: Changelog, number: int, version: str, published_at: str, previous: bytes | None = None
) -> bytes:
    """Publication `number`'s block followed by the earlier ones from `previous` (the changelog
    already on the portal). Blocks numbered `number` or higher in `previous` were written by a
    run that never committed (the dataset's committed number is below `number`): the rerun's
    block replaces them, so a publication completed by a rerun is listed once."""
    stamp = [str(number), published_at, version]
    rows: list[list[str]] = []
    if log.first:
        rows.append([*stamp, "publikasi_pertama", "", "", "", "", "", f"{log.rows} baris"])
    elif not log.changes:
        rows.append([*stamp, "definisi_kolom", "", "", "", "", "", ""])
    for c in log.changes:
        rows.append(
            [*stamp, c.kind, c.indikator, c.kode_wilayah, c.periode, c.column, c.old, c.new]
        )
    rows += [r for r in earlier_rows(previous) if int(r[0]) < number]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def next_publication(committed: str | None, previous: bytes | None) -> int:
    """The number of the publication being made: one after the committed one (`committed`, from
    the dataset). A dataset published before the numbers existed has none: its old changelog's
    blocks count as committed publications."""
    if committed:
        return int(committed) + 1
    rows, legacy = _parse(previous)
    return 1 + (int(rows[0][0]) if legacy and rows else 0)


def earlier_rows(previous: bytes | None) -> list[list[str]]:
    """The rows of a changelog from the portal in the current layout, newest first (legacy ones
    numbered); an unreadable file gives none."""
    return _parse(previous)[0]


def _parse(previous: bytes | None) -> tuple[list[list[str]], bool]:
    """(rows in the current layout, whether the file had the legacy layout)."""
    reader = csv.reader(io.StringIO((previous or b"").decode("utf-8")))
    header = next(reader, None)
    if header == HEADER:
        return [r for r in reader if len(r) == len(HEADER) and r[0].isdigit()], False
    if header == LEGACY_HEADER:
        return _number_legacy([r for r in reader if len(r) == len(LEGACY_HEADER)]), True
    return [], False


def _number_legacy(rows: list[list[str]]) -> list[list[str]]:
    """Number the blocks of a legacy changelog (newest first; a block is a run of rows with the
    same publication time and version): the oldest is 1."""
    block_of, blocks = [], 0
    for i, row in enumerate(rows):
        if i == 0 or row[:2] != rows[i - 1][:2]:
            blocks += 1
        block_of.append(blocks)
    return [[str(blocks - b + 1), *row] for b, row in zip(block_of, rows, strict=True)]


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
