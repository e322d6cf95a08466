"""Open exports behind the same gate as the portal: only tables that passed are written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from portal.gate import table_verdicts
from warehouse.export import ExportInfo, export_dimensions
from warehouse.reference import DIMENSIONS
from warehouse.snapshot import open_analyst


@dataclass(frozen=True)
class GatedExport:
    """The export written, and the tables the gate withheld with the reason."""

    info: ExportInfo
    withheld: dict[str, str]


def export_gated(
    analyst_path: str | Path,
    out_dir: str | Path,
    dimensions: Sequence[str] = DIMENSIONS,
    *,
    known: Mapping[str, tuple[int, str]] | None = None,
) -> GatedExport:
    """Export the dimension tables of the analyst snapshot that pass the publication gate
    (`known`: see export_dimensions)."""
    con = open_analyst(analyst_path)
    try:
        verdicts = table_verdicts(con, dimensions)
    finally:
        con.close()
    passed = [d for d in dimensions if verdicts[d].passed]
    withheld = {d: verdicts[d].reason for d in dimensions if not verdicts[d].passed}
    info = export_dimensions(analyst_path, out_dir, passed, known=known)
    return GatedExport(info=info, withheld=withheld)
