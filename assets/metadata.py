"""Materialization and check metadata: counts, outcomes, evidence and a markdown preview."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from assets.source_run import SourceOutcome
from quality.tidy_suite import ValidationReport

PREVIEW_ROWS = 10


def preview_markdown(frame: pd.DataFrame, limit: int = PREVIEW_ROWS) -> str:
    """A small markdown table (the UI renders it); values are escaped for the table syntax."""
    head = frame.head(limit)
    columns = [str(c) for c in head.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in head.itertuples(index=False):
        cells = ["" if pd.isna(v) else str(v).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    if len(frame) > limit:
        lines.append(f"\n… {len(frame) - limit} more rows")
    return "\n".join(lines)


def outcome_metadata(outcome: SourceOutcome) -> dict:
    metadata: dict = {
        "outcome": outcome.outcome,
        "stage": outcome.stage,
        "seconds": round(outcome.seconds, 3),
    }
    if outcome.message:
        metadata["message"] = dg.MetadataValue.text(outcome.message)
    if outcome.warnings:
        metadata["warnings"] = dg.MetadataValue.md("\n".join(f"- {w}" for w in outcome.warnings))
    if outcome.details:
        # e.g. a layout drift report: expected vs found headers with their cells, the sheets.
        metadata["details"] = dg.MetadataValue.json(outcome.details)
    return metadata


def validation_metadata(report: ValidationReport | None) -> dict:
    if report is None:
        return {}
    metadata: dict = {
        "rows_validated": report.rows,
        "expectations_evaluated": report.evaluated,
        "expectations_failed": len(report.failures),
        "validation_seconds": round(report.seconds, 3),
    }
    for failure in report.failures:
        metadata[f"failed: {failure.rule}"] = dg.MetadataValue.md(
            f"**{failure.expectation}** on `{failure.column}`: "
            f"{failure.unexpected_count} rows. {failure.message}\n\n"
            + (preview_markdown(pd.DataFrame(failure.sample)) if failure.sample else "")
        )
    return metadata


def docs_metadata(pages: list) -> dict:
    """The GX Data Docs page(s) of a validation: the path, and a file:// link the UI renders."""
    metadata: dict = {}
    for number, page in enumerate(pages):
        suffix = "" if number == 0 else f" ({number + 1})"
        metadata[f"data_docs{suffix}"] = dg.MetadataValue.path(str(page))
        metadata[f"data_docs_url{suffix}"] = dg.MetadataValue.url(page.resolve().as_uri())
    return metadata


def quality_metadata(outcome: SourceOutcome) -> dict:
    """What the quality gate did: rows quarantined, findings, the personal-data guard, the
    correction workbook and the Data Docs pages."""
    metadata: dict = {"rows_quarantined": outcome.quarantined, "findings": outcome.findings}
    gate = outcome.gate
    if gate is not None and gate.quarantined:
        metadata["quarantine_share"] = dg.MetadataValue.float(round(gate.share_held_back, 4))
    if gate is not None and gate.unreadable:
        # The gate masked these (sources/quarantine.py cells may quote agency text).
        cells = pd.DataFrame(
            [(u.lokasi, u.aturan, u.nilai, u.problem) for u in gate.unreadable[:20]],
            columns=["lokasi", "aturan", "nilai", "masalah"],
        )
        metadata["unreadable_cells"] = dg.MetadataValue.md(
            f"{len(gate.unreadable)} cell(s) could not be read"
            f" ({gate.unreadable_rows} rows held back):\n\n{preview_markdown(cells)}"
        )
    if outcome.notes:
        metadata["parser_notes"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in outcome.notes))
    if gate is not None:
        metadata["personal_data_guard"] = dg.MetadataValue.md(
            "passed" if gate.pii.passed else gate.pii.summary()
        )
        if gate.coverage is not None:
            metadata.update(
                {f"coverage: {k}": v for k, v in validation_metadata(gate.coverage).items()}
            )
    if outcome.workbook is not None:
        metadata["koreksi"] = dg.MetadataValue.path(str(outcome.workbook))
    return {**metadata, **docs_metadata(outcome.data_docs)}
