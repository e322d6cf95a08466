"""A value column of a sheet and what its header says (indicator, period, status, region)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sources.catalog import ParseSpec
from sources.cells import cell_text, same_label
from sources.periods import Period


@dataclass(frozen=True)
class ValueColumn:
    index: int
    indikator: str | None  # None: the row's label says (layout indicators_as_rows)
    periode: str | None = None  # from the header (wide layouts)
    provisional: bool = False
    kode_wilayah: str | None = None  # from the header (wide_by_region, a `region` group)
    status: str | None = None  # from the header's `status` group
    decimal: str = "comma"  # comma | point | space | plain | auto (decided from its cells)
    # Header period parts still waiting for the row's year (`period.year_column`).
    year_parts: tuple[tuple[str, str], ...] | None = None
    label: str = ""

    @cached_property
    def period(self) -> Period | None:
        """The whole period the header gives, if any."""
        return None if self.periode is None else Period(self.periode, self.provisional)


def decimal_of(spec: ParseSpec, header: str) -> str:
    """The number style of the column under `header`: its `column_decimal`, else `decimal`."""
    for name, style in spec.column_decimal.items():
        if same_label(cell_text(name), cell_text(header)):
            return style
    return spec.decimal


def decimal_declared(spec: ParseSpec, header: str) -> bool:
    """Whether the entry names the number style of the column under `header` (a
    `column_decimal` entry, or `decimal` written out) instead of leaving it to the Indonesian
    default."""
    if "decimal" in spec.model_fields_set:
        return True
    return any(same_label(cell_text(name), cell_text(header)) for name in spec.column_decimal)
