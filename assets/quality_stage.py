"""The quality stages of a source refresh (called from assets/source_run.py): validate through
the gate, decide all-or-nothing or a declared partial load, record the quarantine, and rewrite the
agency's correction workbook. Plain Python like source_run; Dagster only reads the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from quality.bulk_check import Part, Proof, Stacked
from quality.bulk_check import prove as bulk_prove
from quality.catalog_rules import compares_years
from quality.datadocs import DocsLink, docs_link
from quality.findings import from_cells
from quality.gate import GateResult, check_source, source_rules
from sources.catalog import SourceEntry
from sources.errors import SourceError
from sources.wilayah import known_codes
from warehouse.karantina import has_findings, open_findings, record_karantina
from warehouse.kualitas import loaded_tidy
from warehouse.published import tidy_row_count

log = logging.getLogger("kotapintar")


@dataclass(frozen=True)
class QualityOptions:
    """Where the quality gate writes its files; None switches a file off (e.g. in unit tests)."""

    koreksi_dir: Path | None = None
    data_docs_dir: Path | None = None
    # Where data_docs_dir is served (KOTAPINTAR_DATA_DOCS_URL); "" links the files only.
    data_docs_url: str = ""

    def docs_link(self, page: Path) -> DocsLink:
        """A Data Docs page with its HTTP address (see quality.datadocs.DocsLink)."""
        return docs_link(page, self.data_docs_dir, self.data_docs_url)


def check(
    entry: SourceEntry, tidy: pd.DataFrame, work_db, unreadable=(), *, proven: Stacked | None = None
) -> GateResult:
    """Run the gate on the parsed rows (with the loaded rows as history for year-over-year);
    `unreadable` are the cells the parser quarantined; `proven`: see `prove`."""
    history = None
    if compares_years(entry):
        with work_db() as con:
            history = loaded_tidy(con, entry.id)
    return check_source(
        entry,
        tidy,
        known_regions=known_codes(),
        history=history,
        unreadable=unreadable,
        proven=proven,
    )


def prove(candidates: list[tuple[SourceEntry, pd.DataFrame]]) -> Proof:
    """The sources among `candidates` (entry, parsed rows) whose tidy suite and catalog rules
    hold, found by one stacked GX pass (quality/bulk_check.py); each is then `check`ed with
    its `proven` entry, the others alone. Left out: a source with a year-over-year rule (it reads
    the rows loaded last time, a query of its own)."""
    regions = known_codes()
    parts = [
        Part(entry.id, tidy, source_rules(entry, regions))
        for entry, tidy in candidates
        if not compares_years(entry)
    ]
    return bulk_prove(parts)


def rows_to_load(entry: SourceEntry, gate: GateResult, tidy: pd.DataFrame) -> pd.DataFrame:
    """The rows to load: all when every check passed, the passing ones when the entry's
    `quality.max_quarantine_share` allows this partial load; else raise SourceError (nothing
    loads, the last good rows stay)."""
    if gate.passed:
        return tidy
    allowed = entry.quality.max_quarantine_share
    if gate.may_load_partially(allowed):
        log.warning(
            "%s: partial load, %d of %d rows quarantined (%.1f %%, allowed %.1f %%)",
            entry.id,
            gate.quarantined,
            gate.rows_seen,
            100 * gate.share_held_back,
            100 * allowed,
        )
        return gate.kept(tidy)
    why = _why_not_partial(entry, gate, allowed)
    raise SourceError(
        entry.id,
        entry.location,
        f"validation failed{why}: {gate.summary()}",
        fix="correct the listed cells in the agency file (the correction workbook lists them "
        "in Indonesian); the last good data stays",
    )


def refuse_empty(entry: SourceEntry, rows: pd.DataFrame, work_db, file: str, why: str) -> None:
    """The no-loss rule for an empty result: zero rows to load never replace a source's rows
    (nor make its first load) unless the catalog declares `quality.may_be_empty`. A header-only
    template export or an empty feed otherwise loads as `loaded, 0 rows` and silently wipes the
    source from the fact table, the analyst file and the exports. Raises SourceError
    (`failed`); the last good rows stay."""
    if len(rows) or entry.quality.may_be_empty:
        return
    with work_db() as con:
        published = tidy_row_count(con, entry.id)
    kept = (
        f"refused, so its {published} published rows stay"
        if published
        else "refused (the source has no published rows yet; an empty first load is refused too)"
    )
    raise SourceError(
        entry.id,
        entry.location,
        f"{why}; {kept}",
        where=f"landed as {file}",
        fix="check the file with the agency (a header-only export of the template?) and let "
        "the next run fetch it again; if this source may legitimately have no rows, set "
        f"`quality.may_be_empty: true` in {entry.catalog_file or 'its catalog entry'}",
    )


def partial_message(entry: SourceEntry, gate: GateResult) -> str:
    """The outcome message of a partial load: never silent about what was held back."""
    return (
        f"partial load: {gate.quarantined} of {gate.rows_seen} rows quarantined "
        f"({100 * gate.share_held_back:.1f} %, allowed "
        f"{100 * entry.quality.max_quarantine_share:.1f} % by quality.max_quarantine_share); "
        f"see karantina. {gate.summary()}"
    )


def _why_not_partial(entry: SourceEntry, gate: GateResult, allowed: float) -> str:
    if allowed <= 0:
        if gate.table_level or not gate.quarantined:
            return ""  # all-or-nothing, the default, and nothing a partial load could fix
        return (
            f" ({gate.quarantined} of {gate.rows_seen} rows quarantined; all-or-nothing is the "
            "default: to load the other rows, set `quality.max_quarantine_share` in "
            f"{entry.catalog_file}, e.g. 0.05)"
        )
    if gate.table_level:
        return f" (no partial load: {', '.join(sorted(set(gate.table_level)))} fail the table)"
    return (
        f" (no partial load: {100 * gate.share_held_back:.1f} % of rows quarantined, "
        f"more than the {100 * allowed:.1f} % allowed)"
    )


def findings_of(entry: SourceEntry, gate: GateResult | None, error: SourceError | None):
    """Every finding of this refresh: the gate's, or the unreadable cells of a failed parse."""
    if gate is not None and not gate.findings.empty:
        return gate.findings
    cells = getattr(error, "cells", None) or ()
    return from_cells(entry, cells) if cells else None


def record(con, entry: SourceEntry, muat_id: str, findings) -> int:
    """Append this load's findings to `karantina` (the connection is the caller's)."""
    return record_karantina(con, muat_id, findings) if findings is not None else 0


def rewrite_workbook(entry: SourceEntry, work_db, koreksi_dir: Path | None) -> Path | None:
    """Rewrite the agency's correction workbook from its open findings (all its sources);
    remove it when none are left. Returns the path when a workbook exists."""
    if koreksi_dir is None:
        return None
    from quality.workbook import write_correction_workbook

    with work_db() as con:
        findings = open_findings(con, entry.agency.code)
    return write_correction_workbook(
        koreksi_dir,
        produsen_kode=entry.agency.code,
        produsen=entry.agency.name,
        findings=findings,
    )


def update_workbook(
    entry: SourceEntry, work_db, koreksi_dir: Path | None, recorded: int
) -> Path | None:
    """After a load that `recorded` findings: rewrite the agency's workbook. A load that
    recorded none can only close findings, so with no workbook and none of the agency's on
    record there is nothing to write: one ~1 ms query instead of the open findings' ~10 ms,
    ~2 s of a 200-source first run. A workbook removed by hand while findings are open is
    written again."""
    if koreksi_dir is None:
        return None
    if not recorded:
        from quality.workbook import workbook_path

        if not workbook_path(koreksi_dir, entry.agency.code).exists():
            with work_db() as con:
                if not has_findings(con, entry.agency.code):
                    return None
    return rewrite_workbook(entry, work_db, koreksi_dir)


def close_workbook(entry: SourceEntry, work_db, koreksi_dir: Path | None) -> Path | None:
    """For an `unchanged` source: rewrite the agency's workbook only if one exists (its
    findings may have been closed by this file); costs nothing on a clean night."""
    from quality.workbook import workbook_path

    if koreksi_dir is None or not workbook_path(koreksi_dir, entry.agency.code).exists():
        return None
    return rewrite_workbook(entry, work_db, koreksi_dir)


def data_docs(gate: GateResult | None, folder: Path | None, run_name: str, entry: SourceEntry):
    """The Data Docs links of this refresh's validations (empty when switched off): the page
    of each failed validation; the index alone when every validation passed."""
    if gate is None or folder is None:
        return []
    from quality.datadocs import ensure_index, write_page

    failed = [r for r in gate.reports() if not r.success]
    if not failed:
        return [ensure_index(folder)]
    pages = [write_page(r, folder, run_name=run_name, batch=entry.id) for r in failed]
    return [page for page in pages if page is not None]
