"""One quiet, offline Great Expectations runtime per process, imported only when validation runs.

`import great_expectations` costs 2-4 s (with two unused modules deferred, see
_defer_unused_modules), so nothing here touches it at module import: the first call to
`run_suite` pays for it once (or warming_up, beside other work), later calls reuse the same
ephemeral context and pandas batch definition.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import types
import warnings
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
    )

# The GX pandas datasource keeps the active batch on a shared execution engine, so two threads
# validating at once could read each other's DataFrame. Validation is serialised per process.
_LOCK = threading.Lock()
# Held while GX is imported and the context set up, so that a background warm-up
# (warming_up) and a validation never build two contexts.
_SETUP = threading.RLock()
# pandas warns on every `str.contains` with a capturing group, which PERIODE_PATTERN has.
REGEX_GROUP_WARNING = "This pattern is interpreted as a regular expression, and has match groups"


def _import_gx() -> Any:
    # Must be set before the first import: GX reads it when it starts, and runs stay offline.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    _defer_unused_modules()
    import great_expectations as gx

    # This GX module sets its own logger to INFO and announces every temporary Data Docs folder;
    # the run's progress output is ours, so keep it at WARNING.
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    return gx


# Modules GX imports at its own import for one expectation we never use (KL divergence:
# scipy.stats for the statistic, altair for its chart): ~1.3 s and ~0.25 s of GX's import.
DEFERRED_MODULES = ("scipy.stats", "altair")


def _defer_unused_modules() -> None:
    """Import DEFERRED_MODULES on their first use instead of when GX is imported.

    Each is a `_Deferred` stand-in in `sys.modules` (a submodule also as its package's
    attribute, as `from scipy import stats` reads it there). The standard library's LazyLoader
    is not enough on Python 3.11: `import altair` reads the module's `__spec__`, which loads it."""
    for name in DEFERRED_MODULES:
        if name in sys.modules:
            continue
        package, _, attribute = name.rpartition(".")
        spec = importlib.util.find_spec(name)  # imports the package, not the module
        if spec is None:
            continue  # GX's own import will report the missing module
        stand_in = _Deferred(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in
        if package:
            setattr(sys.modules[package], attribute, stand_in)


class _Deferred(types.ModuleType):
    """Stands in for a module until an attribute of it is used: then imports the real module
    (which replaces it in `sys.modules`) and answers from it."""

    def __getattr__(self, attribute: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), attribute)


def context() -> Any:
    """The process-wide ephemeral context, with progress bars and analytics switched off."""
    with _SETUP:
        return _context()


@cache
def _context() -> Any:
    gx = _import_gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ephemeral = gx.get_context(mode="ephemeral")
    _skip_batch_fingerprint()
    # Without this GX prints a tqdm "Calculating Metrics" bar for every validation.
    ephemeral.variables.progress_bars = ProgressBarsConfig(
        globally=False, metric_calculations=False
    )
    ephemeral.enable_analytics(False)
    return ephemeral


def _skip_batch_fingerprint() -> None:
    """Stop GX hashing every value of a batch before validating it.

    GX's pandas engine fingerprints a batch (`hash_pandas_object` of the whole frame, stored as
    a batch marker nobody here reads) unless the frame's memory is at least HASH_THRESHOLD: a
    1M-row tidy frame paid ~0.1 s of its ~0.35 s validation for it. A threshold of 0 is that
    same documented skip for every batch; a GX without the constant keeps fingerprinting.
    tests/test_quality.py holds the batch markers free of it."""
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0


def _batch_definition() -> BatchDefinition:
    with _SETUP:
        return _whole_frame_batch_definition()


@cache
def _whole_frame_batch_definition() -> BatchDefinition:
    asset = _context().data_sources.add_pandas("kotapintar").add_dataframe_asset("tidy")
    return asset.add_batch_definition_whole_dataframe("whole_table")


def lock() -> threading.Lock:
    """The lock that serialises use of the shared context (validation and Data Docs)."""
    return _LOCK


def build_suite(name: str, expectations: Sequence[tuple]):
    """A GX suite from (expectation type, kwargs, meta[, where]) tuples, e.g. the rules of one
    table; `where` is a tuple of (column, value) pairs that must all hold (a GX row condition)."""
    _batch_definition()  # a suite needs an active context, even one it is never saved to
    gx = _import_gx()
    from great_expectations.expectations.registry import get_expectation_impl

    suite = gx.ExpectationSuite(name)
    for expectation_type, kwargs, meta, *rest in expectations:
        arguments = dict(kwargs)
        condition = _condition(rest[0] if rest else ())
        if condition is not None:
            arguments["row_condition"] = condition
        suite.add_expectation(get_expectation_impl(expectation_type)(**arguments, meta=dict(meta)))
    return suite


def _condition(where: Sequence[tuple[str, Any]]):
    """`column == value AND ...` as a GX 1.x Condition object (string conditions are deprecated)."""
    if not where:
        return None
    from great_expectations.expectations.row_conditions import AndCondition, Column

    parts = [Column(column) == value for column, value in where]
    return parts[0] if len(parts) == 1 else AndCondition(conditions=parts)


def run_suite(
    df: pd.DataFrame, suite: ExpectationSuite, *, result_format: str = "BOOLEAN_ONLY"
) -> ExpectationSuiteValidationResult:
    """Validate the whole DataFrame against the suite in one bulk pass."""
    batch_definition = _batch_definition()
    with _LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=REGEX_GROUP_WARNING, category=UserWarning)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        try:
            return batch.validate(suite, result_format=result_format)
        finally:
            _forget(batch)


def _forget(batch: Any) -> None:
    """Drop GX's references to the validated DataFrame. The execution engine caches the last
    batch and its data until the next validation: the frame of a 1M-row table (~90 MiB) would
    otherwise outlive its step and add to the next one's peak. Its metric cache keeps every
    validation's metrics for good, keyed by batch (never hit again): among them a boolean
    Series per row-wise expectation (1M rows: 9 of them) and the values they found."""
    engine = batch.data.execution_engine
    manager = engine.batch_manager
    manager.reset_batch_cache()
    manager.batch_data_cache.pop(batch.id, None)
    # GX has no public way to empty it; without the attribute (another GX) there is nothing
    # to do.
    cache = getattr(engine, "_metric_cache", None)
    if isinstance(cache, dict):
        cache.clear()


def arrow_frame(data: pa.Table | pa.RecordBatchReader) -> pd.DataFrame:
    """A DuckDB result as Arrow (`to_arrow_table()`, or better `to_arrow_reader()`) as the
    DataFrame GX validates fastest, text as pandas categoricals: the codes convert without one
    Python string per value, and GX's metrics (null, in set, regex, duplicates) give the same
    verdicts. On 1M rows of a smart_* table's 7 checked
    columns: 1.1 s instead of 3.1-3.5 s (the README).

    Each batch's text is dictionary-encoded as it arrives, so from a reader the plain strings
    are never held whole: 1M rows of those 7 columns are ~130 MiB as strings, ~10 as codes."""
    import pyarrow as pa

    schema = pa.schema([_encoded_field(f) for f in data.schema])
    batches = data.to_batches() if isinstance(data, pa.Table) else data
    encoded = [_encoded_batch(batch, schema) for batch in batches]
    frame = pa.Table.from_batches(encoded, schema).unify_dictionaries().to_pandas()
    del encoded
    # The plain batches are gone but Arrow's allocator keeps their pages: ~90 MiB at 1M rows
    # of a smart_* table, under GX's own working memory that follows.
    pa.default_memory_pool().release_unused()
    return frame


def regex_ready(df: pd.DataFrame, columns: Collection[str]) -> pd.DataFrame:
    """`df` with its categorical `columns` as Arrow-backed text, for GX's regex expectation.

    GX matches a regex on `column.astype(str)`: a categorical becomes one Python string per
    row first (on 1M rows of `periode` ~120 MiB and 0.35 s), an Arrow-backed text column stays
    as it is and is matched by Arrow. Decoding the categories in Arrow costs ~30 MiB and
    0.03 s; the verdicts are the same (GX leaves missing values out of both)."""
    import pandas as pd
    import pyarrow as pa

    categorical = [
        c for c in columns if c in df.columns and isinstance(df[c].dtype, pd.CategoricalDtype)
    ]
    decoded = {}
    for column in categorical:
        values = df[column]
        codes = values.cat.codes.to_numpy()
        dictionary = pa.DictionaryArray.from_arrays(
            pa.array(codes, mask=codes < 0),
            pa.array(values.cat.categories.to_numpy(dtype=object), pa.string()),
        )
        text = pd.arrays.ArrowStringArray(dictionary.dictionary_decode())
        decoded[column] = pd.Series(text, index=df.index, name=column)
    return df.assign(**decoded) if decoded else df


def _encoded_field(field: pa.Field) -> pa.Field:
    import pyarrow as pa

    text = pa.types.is_string(field.type) or pa.types.is_large_string(field.type)
    return field.with_type(pa.dictionary(pa.int32(), field.type)) if text else field


def _encoded_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [
        pc.dictionary_encode(column) if field.type != column.type else column
        for column, field in zip(batch.columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def warm_up() -> None:
    """Pay the GX import and context set-up now (e.g. before timing or at process start)."""
    _batch_definition()


@contextmanager
def warming_up() -> Iterator[None]:
    """Import GX and set up its context on another thread while the body runs; wait for it
    at the end (at once when it is set up already).

    For a body that leaves the interpreter free much of the time (Arrow's CSV reader, DuckDB,
    file I/O) ahead of a validation: GX's import (~2 s, mostly Python) then overlaps it. The
    body must import nothing (its modules imported first, e.g. sources/parse.py
    import_readers): imports in two threads at once can stop one with "deadlock detected" on
    an import cycle, hence the wait before anything else runs. If the set-up fails nothing is
    kept: the first validation sets GX up again and reports its own error."""
    if _whole_frame_batch_definition.cache_info().currsize:
        yield
        return
    thread = threading.Thread(target=_warm_up_quietly, name="kotapintar-gx", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()


def _warm_up_quietly() -> None:
    try:
        warm_up()
    except Exception:  # reported by the first validation, which tries again
        logging.getLogger(__name__).debug("GX warm-up failed", exc_info=True)
