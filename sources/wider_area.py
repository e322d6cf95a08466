"""Tables that cover a wider area than the city (catalog `parse.region.covers`).

A BPS table of Jawa Timur lists its 38 kab/kota; the national waste table (SIPSN) all 514 of
Indonesia. Only Kota Malang's row loads (and, at levels `kecamatan`/`kelurahan`, its regions
listed below it). The other rows are counted as outside the city: they are not the agency's
mistakes, so they go neither to `karantina` nor to a correction workbook. A row is outside only
when it names a known region (sources/kabkota.py); anything else (a misspelled "Kota Malng")
stays an unknown region, and a table in which no row is Kota Malang's fails, saying which row
named Kabupaten Malang, whose bare name "Malang" BPS uses.

Totals of such a table (a "Jawa Timur" or "Jumlah" row) add up rows that are mostly outside
the city, so they are dropped without being checked; the city's own row above its kecamatan
is still checked against them.
"""

from __future__ import annotations

from sources.catalog import SourceEntry
from sources.errors import SourceError
from sources.kabkota import COVERED_AREA, in_scope, is_area_total
from sources.parsed import OutsideRow
from sources.quarantine import UNKNOWN_REGION, Quarantined
from sources.wilayah import KODE_KOTA

MAX_LISTED = 10
KABUPATEN_MALANG = "(BPS 3507)"


class WiderArea:
    """Sorts the rows of one table that `covers` a wider area and keeps the count."""

    def __init__(self, entry: SourceEntry) -> None:
        self.entry = entry
        self.covers = entry.parse.region.covers
        self.area = COVERED_AREA.get(self.covers or "", "")
        self.outside: list[OutsideRow] = []
        self.area_totals: list[str] = []
        self.city_rows = 0  # rows of Kota Malang or its regions (facts, or its total row)

    def take(self, place: str, text: str) -> bool:
        """True when a region cell that is no region of Kota Malang names a region this table
        lists besides the city: a kab/kota (counted as outside) or the covered area itself
        (its total, dropped). False for anything else, which stays an error."""
        region, allowed = in_scope(text, self.covers)
        if region is None or not allowed:
            return False
        if is_area_total(region, self.covers):
            self.area_totals.append(f"{text!r} ({place})")
        else:
            self.outside.append(OutsideRow(place, text, region.describe()))
        return True

    def misplaced(self, text: str) -> tuple[str, str] | None:
        """(problem, Indonesian detail) for a known region this table should not list (a
        kab/kota of another province in a provincial table); None otherwise."""
        region, allowed = in_scope(text, self.covers)
        if region is None or allowed:
            return None
        return (
            f"region {text!r} is {region.describe()}, outside {self.area}, which this table "
            f"covers (`parse.region.covers: {self.covers}`)",
            f"nama wilayah {text!r} adalah {region.describe()}, di luar {self.area} yang "
            "dicakup tabel ini",
        )

    def notes(self) -> list[str]:
        """What the parser says about the rows it left out (shown in the UI and `preview`)."""
        notes = []
        if self.outside:
            listed = ", ".join(f"{o.nama!r} ({o.lokasi})" for o in self.outside[:MAX_LISTED])
            rest = len(self.outside) - MAX_LISTED
            more = f", and {rest} more" if rest > 0 else ""
            notes.append(
                f"{len(self.outside)} row(s) outside Kota Malang (`parse.region.covers: "
                f"{self.covers}`), counted, not loaded: {listed}{more}"
            )
        notes += [
            f"{o.nama!r} ({o.lokasi}) is {o.wilayah}, not Kota Malang: left out"
            for o in self._kabupaten_malang()
        ]
        if self.area_totals:
            notes.append(
                f"{len(self.area_totals)} row(s) total the {self.area} table, not checked (their "
                f"parts lie outside the city): {', '.join(self.area_totals[:MAX_LISTED])}"
            )
        return notes

    def require_city(self, quarantined: list[Quarantined]) -> None:
        """A table with no row of Kota Malang has nothing to load: fail, saying why."""
        if self.city_rows:
            return
        problem = (
            f"the table covers {self.area} (`parse.region.covers: {self.covers}`) but has no "
            f"row for Kota Malang ({KODE_KOTA} / BPS 3573)"
        )
        for row in self._kabupaten_malang():
            problem += (
                f"; Kabupaten Malang's row {row.nama!r} ({row.lokasi}) is a different region "
                "(35.07 / BPS 3507)"
            )
        if self.outside:
            problem += f"; {len(self.outside)} row(s) name other regions"
        unknown = [q for q in quarantined if q.aturan == UNKNOWN_REGION]
        if unknown:
            listed = ", ".join(f"{q.nilai!r} ({q.lokasi})" for q in unknown[:MAX_LISTED])
            problem += f"; {len(unknown)} row(s) name no known region: {listed}"
        error = SourceError(
            self.entry.id,
            self.entry.location,
            problem,
            details={"rows_outside_city": len(self.outside)},
            fix="check that the file is the whole table (an export filtered to some regions may "
            "leave the city out) and that `parse.region.column` in "
            f"{self.entry.catalog_file} is its region column; a spelling of Kota Malang the "
            "pipeline does not know goes into sources/wilayah_alias.csv",
        )
        # A misspelled city row is the agency's to correct: it goes to their workbook.
        error.cells = [q.as_cell() for q in quarantined]
        raise error

    def _kabupaten_malang(self) -> list[OutsideRow]:
        return [o for o in self.outside if o.wilayah.endswith(KABUPATEN_MALANG)]
