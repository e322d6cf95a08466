"""Materialization and check metadata: counts, outcomes, evidence, a markdown preview, Data Docs
links and the catalog entry as a code reference; and the one place where everything the assets
hand to Dagster is masked. (Table assets: assets/table_metadata.py.)

Why one choke point: a preview, a failed rule's sample rows, a message or a drift report can
quote an agency's cell, and whatever reaches Dagster metadata is stored in the event log for
good (and shown in the UI). Masking per caller missed the `tidy/<id>` preview of a source the
personal-data guard had blocked. So every asset body whose results may quote agency data is
wrapped in `masks_personal_data`: each event it yields or returns (MaterializeResult, check
results, observations, outputs) and each `dg.Failure` it raises passes through
`masked_metadata`, which masks every text in it (values, JSON, markdown, paths, keys, table
cells, column names and descriptions) with `quality.pii.mask_text`. Builders below need not
think about it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from assets.source_run import SourceOutcome
from quality.datadocs import DocsLink
from quality.pii import mask_text
from quality.pii_detect import id_number_kind, mask
from quality.tidy_suite import ValidationReport
from sources.catalog import REPO_ROOT, SourceEntry

PREVIEW_ROWS = 10
CODE_REFERENCES = "dagster/code_references"


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
    if report.stacked:
        # Its rules proven in one GX pass over the rows of this many sources (its seconds are
        # its share of that pass): quality/bulk_check.py.
        metadata["validated_with_sources"] = report.stacked
    for failure in report.failures:
        metadata[f"failed: {failure.rule}"] = dg.MetadataValue.md(
            f"**{failure.expectation}** on `{failure.column}`: "
            f"{failure.unexpected_count} rows. {failure.message}\n\n"
            + (preview_markdown(pd.DataFrame(failure.sample)) if failure.sample else "")
        )
    return metadata


def docs_metadata(links: list[DocsLink]) -> dict:
    """The GX Data Docs page(s) of a validation: the path, and the page's http link when the
    folder is served (`kotapintar datadocs` at KOTAPINTAR_DATA_DOCS_URL). No file:// link:
    browsers do not open one from the UI's http page."""
    metadata: dict = {}
    for number, link in enumerate(links):
        suffix = "" if number == 0 else f" ({number + 1})"
        metadata[f"data_docs{suffix}"] = dg.MetadataValue.path(str(link.path))
        if link.url:
            metadata[f"data_docs_url{suffix}"] = dg.MetadataValue.url(link.url)
    return metadata


def catalog_code_reference(entry: SourceEntry) -> dict:
    """Asset-definition metadata linking the catalog file that describes `entry` (the UI's
    "Code references"), at the line of its `id:`. Empty for an entry read from no file."""
    if not entry.catalog_file:
        return {}
    path = Path(entry.catalog_file)
    if not path.is_absolute():  # catalog.py names files under the repository relative to it
        path = REPO_ROOT / path
    reference = _reference(path.resolve(), _id_line(path), "catalog entry")
    return {CODE_REFERENCES: _references([reference])}


def with_python_code_references(definitions: list) -> list:
    """`definitions` with each asset linked to the Python function that computes it, after
    the references it already has (a source's catalog entry).

    Not `dg.with_source_code_references`: it takes the file of the outermost function and the
    line of the innermost, so every body wrapped by `masks_personal_data` would point into this
    module at another file's line. Asset checks, specs and jobs pass unchanged."""
    linked = []
    for item in definitions:
        compute = getattr(getattr(item, "node_def", None), "compute_fn", None)
        function = getattr(compute, "decorated_fn", None)
        if not isinstance(item, dg.AssetsDefinition) or function is None:
            linked.append(item)
            continue
        function = inspect.unwrap(function)
        source = inspect.getsourcefile(function)
        if source is None:  # e.g. built at run time from a string: nothing to link
            linked.append(item)
            continue
        line = inspect.getsourcelines(function)[1]
        reference = _reference(Path(source).resolve(), line, "Python")

        def add(spec: dg.AssetSpec, reference=reference) -> dg.AssetSpec:
            existing = spec.metadata.get(CODE_REFERENCES)
            before = list(existing.code_references) if existing is not None else []
            if reference in before:  # applied twice (e.g. by a test): one reference
                return spec
            metadata = {**spec.metadata, CODE_REFERENCES: _references([*before, reference])}
            return spec.replace_attributes(metadata=metadata)

        linked.append(item.map_asset_specs(add))
    return linked


def _reference(path: Path, line: int | None, label: str):
    with warnings.catch_warnings():  # beta in Dagster 1.13; we accept that, once, here
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.LocalFileCodeReference(file_path=str(path), line_number=line, label=label)


def _references(references: list) -> dg.CodeReferencesMetadataValue:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        return dg.CodeReferencesMetadataValue(code_references=references)


def _id_line(path: Path) -> int | None:
    # One entry per file, so the entry starts at its top-level `id:`; a file that cannot be
    # read here was read by load_catalog a moment ago, so None (the file's top) is enough.
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((n for n, line in enumerate(lines, 1) if line.startswith("id:")), None)


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


def masks_personal_data(compute: Callable) -> Callable:
    """Wrap an asset or check body so that every event it yields or returns, and every
    `dg.Failure` it raises, carries masked metadata only (see the module docstring)."""
    if inspect.isgeneratorfunction(compute):

        @functools.wraps(compute)
        def generate(*args, **kwargs):
            with _masked_errors():
                for event in compute(*args, **kwargs):
                    yield masked_event(event)

        return generate

    @functools.wraps(compute)
    def run(*args, **kwargs):
        with _masked_errors():
            return masked_event(compute(*args, **kwargs))

    return run


def masked_event(event: Any) -> Any:
    """`event` with its metadata (and description) masked; anything else unchanged."""
    if isinstance(event, dg.MaterializeResult):
        checks = [masked_event(c) for c in event.check_results or []]
        return event._replace(metadata=masked_metadata(event.metadata), check_results=checks)
    if not hasattr(event, "with_metadata"):  # a plain output value
        return event
    event = event.with_metadata(masked_metadata(event.metadata))
    if isinstance(getattr(event, "description", None), str):
        event = event._replace(description=mask_text(event.description))
    return event


def masked_metadata(metadata: Mapping[str, Any] | None) -> dict | None:
    """Metadata with personal data masked in every key and text value."""
    if metadata is None:
        return None
    return {mask_text(str(key)): masked_value(value) for key, value in metadata.items()}


def masked_value(value: Any) -> Any:
    """One metadata value (raw or a `dg.MetadataValue`) with its text masked."""
    if isinstance(value, dg.MetadataValue):  # before tuples: some are tuples underneath
        return _masked_metadata_value(value)
    if isinstance(value, dg.TableSchema):  # a raw column schema: a tuple underneath too
        return _masked_schema(value)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return _masked_number(value)
    if isinstance(value, Mapping):
        return {masked_value(k): masked_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked_value(v) for v in value]
    return value


def _masked_metadata_value(value: dg.MetadataValue) -> dg.MetadataValue:
    """The text kinds rebuilt masked; numbers, timestamps, asset keys: nothing an agency wrote."""
    if isinstance(value, dg.TextMetadataValue):
        return dg.MetadataValue.text(mask_text(value.text))
    if isinstance(value, dg.MarkdownMetadataValue):
        return dg.MetadataValue.md(mask_text(value.md_str))
    if isinstance(value, dg.JsonMetadataValue):
        return dg.MetadataValue.json(masked_value(value.data))
    if isinstance(value, dg.PathMetadataValue):
        return dg.MetadataValue.path(mask_text(str(value.path)))
    if isinstance(value, dg.UrlMetadataValue):
        return dg.MetadataValue.url(mask_text(value.url))
    if isinstance(value, dg.TableMetadataValue):
        records = [dg.TableRecord(masked_value(dict(r.data))) for r in value.records]
        return dg.MetadataValue.table(records, schema=_masked_schema(value.schema))
    if isinstance(value, dg.TableSchemaMetadataValue):
        return dg.MetadataValue.table_schema(_masked_schema(value.schema))
    if isinstance(value, dg.IntMetadataValue | dg.FloatMetadataValue) and value.value is not None:
        masked = _masked_number(value.value)
        return value if masked == value.value else dg.MetadataValue.text(masked)
    return value


def _masked_schema(schema: dg.TableSchema) -> dg.TableSchema:
    """Column names (keys of the masked records, so masked alike), descriptions and
    constraint texts masked: a tidy preview's columns can carry an agency's header."""

    def masked_list(texts) -> list[str]:
        return [mask_text(t) for t in texts]

    columns = [
        dg.TableColumn(
            name=mask_text(column.name),
            type=column.type,
            description=mask_text(column.description) if column.description else None,
            constraints=dg.TableColumnConstraints(
                nullable=column.constraints.nullable,
                unique=column.constraints.unique,
                other=masked_list(column.constraints.other),
            ),
            tags={key: mask_text(tag) for key, tag in column.tags.items()},
        )
        for column in schema.columns
    ]
    constraints = dg.TableConstraints(other=masked_list(schema.constraints.other))
    return dg.TableSchema(columns=columns, constraints=constraints)


def _masked_number(value: int | float) -> int | float | str:
    """A NIK read as a number (3573014506900003) is masked like its digits; other numbers stay
    (a 10-digit byte count starting 62 is no phone number: a number has no leading 0)."""
    if isinstance(value, float) and not value.is_integer():
        return value
    digits = str(abs(int(value)))
    kind = id_number_kind(digits)
    return value if kind is None else mask(kind, digits)


@contextlib.contextmanager
def _masked_errors():
    """Mask the description and metadata of a `dg.Failure`, and the message of any other
    exception, before Dagster records it in the event log (re-raised as it is: the traceback
    keeps its frames)."""
    try:
        yield
    except dg.Failure as exc:
        exc.description = mask_text(exc.description) if exc.description else exc.description
        exc.metadata = masked_metadata(exc.metadata) or {}
        exc.args = tuple(masked_value(a) for a in exc.args)
        raise
    except Exception as exc:
        exc.args = tuple(masked_value(a) for a in exc.args)
        raise
