"""The warehouse build as ONE subsettable step, `warehouse`: the dimensions, the fact table, one
table per smart-city dimension and the personal-data guard, with every check that protects
publication (the tables' GX suites, `fact_integrity`, `has_rows`, `personal_data_guard`).

Why one step: the build reads and writes one work database, table after table; as 23 steps
(ten tables, nine suite checks, the guard...) Dagster's per-step cost (~70 ms in process, more
on a database-backed instance) was a large part of the run, and on a night with nothing new the
skipped steps left every check reading "Skipped" in the UI for data that is unchanged and good.

Every night the step reads `run_changes` (materialized by the sources step in the same run):
- something is new: each selected table is rebuilt in one transaction, in dependency order, and
  each check evaluated. When only sources' rows changed (the reference tables equal the catalog),
  the build follows the change: those sources' facts are replaced (warehouse/build.py
  update_fact) and only the dimension tables of their indicators are rebuilt, validated and
  scanned; the others are materialized as they are (`rebuilt: false`) with their checks' last
  results. A changed catalog or region reference rebuilds everything. The blocking checks
  (`gx_suite`, `fact_integrity`, `personal_data_guard`) fail the step after all results are
  recorded, which skips the analyst snapshot and the exports, and the previous analyst file
  stays. Inside the step, a failed `fact_integrity` also skips the smart_* tables, as the
  separate steps did.
- nothing is new: no table is rebuilt or materialized; each check's last real result is
  repeated with the run that evaluated it (assets/check_history.py). The snapshot and the
  exports, whose inputs were not materialized, are skipped by Dagster.
Selected on its own (no `run_changes` in the run, e.g. from the UI), it rebuilds.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import dagster as dg
import duckdb

from assets.changes_asset import RUN_CHANGES
from assets.check_history import repeat_last
from assets.metadata import docs_metadata, masks_personal_data, validation_metadata
from assets.quality_assets import (
    SuiteRun,
    guard_tables,
    source_allow_lists,
    start_suite,
    verdicts,
)
from assets.resources import KotaPintarResource
from assets.table_metadata import table_metadata, work_table
from sources.catalog import DIMENSIONS, SourceEntry
from sources.catalog_frames import indikator_frame, sumber_frame
from sources.wilayah import reference_frame
from warehouse.build import dimensions_of, update_fact
from warehouse.integrity import fact_problems
from warehouse.load import (
    build_dimension_table,
    build_fact,
    load_dim_indikator,
    load_dim_wilayah,
    load_meta_sumber,
)
from warehouse.published import loaded_sources
from warehouse.sqlutil import scalar

WAREHOUSE_STEP = "warehouse"
GROUP = "warehouse"
DIMENSION_GROUP = "smart_city"
# The guard and the analyst snapshot come after every table: with them the flow between groups
# reads sources -> warehouse -> smart_city -> publication.
PUBLICATION_GROUP = "publication"
OWNER = ["team:kominfo"]  # Dinas Kominfo is the city's walidata (data steward)
SUITE_TABLES = ["dim_wilayah", "dim_indikator", "meta_sumber", *DIMENSIONS]
GUARD = "meta_kualitas"
DIMENSION_TITLES = {
    "smart_governance": "Smart Governance (tata kelola pemerintahan)",
    "smart_people": "Smart People (masyarakat)",
    "smart_mobility": "Smart Mobility (mobilitas)",
    "smart_economy": "Smart Economy (ekonomi)",
    "smart_environment": "Smart Environment (lingkungan)",
    "smart_living": "Smart Living (kehidupan)",
}
DESCRIPTIONS = {
    "dim_wilayah": "Regions of Kota Malang: the city (35.73), its 5 kecamatan and 57 kelurahan, "
    "with Kemendagri codes (`kode_wilayah`) and BPS codes (`kode_bps`). Codes are text.",
    "dim_indikator": "Every indicator in the catalog: names (Indonesian, English), dimension, "
    "national smart-city pillar, unit, direction, definition, producing agency, update "
    "schedule and reference framework. Rebuilt from the catalog on each build.",
    "meta_sumber": "Every source in the catalog: title, producing agency, kind, location, "
    "schedule and whether it is sample data. The load history is in `meta_muat`.",
    "fact_indikator": "One row per (indikator, kode_wilayah, periode) with nilai, status "
    "(final / sementara / perkiraan), the source and the sheet+cell or record it came from, "
    "and the sha256 of the source file (join `meta_muat` on sha256 for URL and fetch time). "
    "Rebuilt in one transaction from the last good rows of every source.",
    GUARD: "The personal-data guard before publication: every table of the analyst file is "
    "scanned for NIK, No. KK, phone numbers, e-mail addresses and person names. One verdict per "
    "table (passed, findings, a report with MASKED examples) replaces the previous one; the "
    "snapshot and the portal publisher leave out a table whose verdict failed. Catalog "
    "allow-lists (`quality.personal_data_allow`) excuse a column of one source, with a reason.",
}


def _spec(table: str, deps: list[str], group: str = GROUP) -> dg.AssetSpec:
    description = DESCRIPTIONS.get(table) or (
        f"{DIMENSION_TITLES[table]}: every indicator of this dimension, one row per region and "
        "period, with the indicator's name and unit and the region's name and level, ready to "
        "query as is."
    )
    return dg.AssetSpec(
        key=table,
        deps=deps,
        group_name=group,
        owners=OWNER,
        kinds={"duckdb"},
        metadata=work_table(table),
        description=description,
        skippable=True,  # not materialized on a night with nothing new
    )


def _specs() -> list[dg.AssetSpec]:
    dims = ["dim_wilayah", "dim_indikator"]
    return [
        _spec("dim_wilayah", [RUN_CHANGES]),
        _spec("dim_indikator", [RUN_CHANGES]),
        _spec("meta_sumber", [RUN_CHANGES]),
        _spec("fact_indikator", [RUN_CHANGES, *dims]),
        *(_spec(d, ["fact_indikator", *dims], DIMENSION_GROUP) for d in DIMENSIONS),
        _spec(GUARD, [*dims, "meta_sumber", "fact_indikator", *DIMENSIONS], PUBLICATION_GROUP),
    ]


def _check_specs() -> list[dg.AssetCheckSpec]:
    suites = [
        dg.AssetCheckSpec(
            "gx_suite",
            asset=table,
            blocking=True,
            description=f"The Great Expectations suite of `{table}` (keys not null and unique, "
            "codes and sets known, names joined). Blocks the analyst snapshot.",
        )
        for table in SUITE_TABLES
    ]
    has_rows = [
        dg.AssetCheckSpec(
            "has_rows",
            asset=d,
            description="The dimension has data; it is empty only when none of its sources has "
            "ever loaded (a failing source keeps its last good rows).",
        )
        for d in DIMENSIONS
    ]
    return [
        *suites,
        dg.AssetCheckSpec(
            "fact_integrity",
            asset="fact_indikator",
            blocking=True,
            description="Every kode_wilayah is in dim_wilayah, every indikator in "
            "dim_indikator, and the key is unique. Blocks the analyst snapshot.",
        ),
        *has_rows,
        dg.AssetCheckSpec(
            "personal_data_guard",
            asset=GUARD,
            blocking=True,
            description="No table to be published holds personal data. Blocks the analyst "
            "snapshot; the report names column, kind, count and masked examples.",
        ),
    ]


def build_warehouse_step(entries: list[SourceEntry], published: list[str]) -> dg.AssetsDefinition:
    """The warehouse step for the catalog `entries`; the guard scans the `published` tables."""
    source_ids = [e.id for e in entries]
    indicators = [i.code for e in entries for i in e.indicators]
    source_allow = source_allow_lists(entries)

    @dg.multi_asset(
        name=WAREHOUSE_STEP,
        specs=_specs(),
        check_specs=_check_specs(),
        can_subset=True,
        description="Rebuild the dimension, fact and smart-city tables and run the checks that "
        "protect publication, when anything is new since the analyst file was published.",
    )
    @masks_personal_data  # previews and failed rules' samples quote the tables
    def warehouse(context: dg.AssetExecutionContext, kotapintar: KotaPintarResource):
        selected = context.selected_asset_keys
        checks = context.selected_asset_check_keys
        plan = _plan(context)
        if plan.quiet is not None:
            context.log.info(f"warehouse: nothing new ({plan.quiet}); the tables stay as they are")
            for key in sorted(checks, key=lambda k: k.to_user_string()):
                again = repeat_last(context.instance, key, f"nothing new: {plan.quiet}")
                if again is not None:
                    yield again
            return
        build = _Build(context, kotapintar, selected, checks)
        left_out = [d for d in DIMENSIONS if dg.AssetKey(d) not in selected]
        unplanned = [t for t in REFERENCE_TABLES if dg.AssetKey(t) not in selected] + left_out
        if unplanned and plan.sources is None and plan.planned:
            # The run was planned without these tables (pipelines/quiet_night.py) but now
            # every one must be rebuilt: the catalog changed meanwhile. Nothing is written.
            raise dg.Failure(_narrowed_too_far(unplanned, "the catalog changed since it started"))
        with kotapintar.work_db() as con:
            yield from build.table(
                "dim_wilayah", con, lambda: load_dim_wilayah(con, reference_frame())
            )
            yield from build.table(
                "dim_indikator", con, lambda: load_dim_indikator(con, indikator_frame(entries))
            )
            yield from build.table(
                "meta_sumber", con, lambda: load_meta_sumber(con, sumber_frame(entries))
            )
            extra = {}
            # Which dimension tables to rebuild: every one, or those whose indicators' rows
            # changed hands (None: every one).
            rebuild_dimensions: set[str] | None = None
            touched: list[str] | None = None  # indicators whose facts changed (None: all)
            # Whether fact_indikator is in key order, as this step left it (None: not rebuilt
            # here, build_dimension_table looks).
            fact_in_order: bool | None = None

            def fact() -> None:
                nonlocal rebuild_dimensions, touched, fact_in_order
                loaded = loaded_sources(con, source_ids)
                extra.update(sources_loaded=len(loaded), sources=len(source_ids))
                if plan.sources is None:
                    build_fact(con, loaded)
                    fact_in_order = True  # sorted runs, in indicator order
                    return
                _rows, touched = update_fact(con, loaded, sorted(plan.sources))
                fact_in_order = False  # clustered by indicator only
                rebuild_dimensions = dimensions_of(con, touched)
                if missing := sorted(rebuild_dimensions & set(left_out)):
                    # Before any dimension table is written: the analyst file is not
                    # published, and the next run's plan includes these tables.
                    raise dg.Failure(_narrowed_too_far(missing, "their facts changed"))
                extra["sources_rebuilt"] = dg.MetadataValue.json(sorted(plan.sources))

            yield from build.table("fact_indikator", con, fact, extra)
            if plan.sources is not None:
                context.log.info(
                    f"warehouse: {len(plan.sources)} source(s) changed since the analyst file "
                    f"({', '.join(sorted(plan.sources)) or 'none'}); rebuilding "
                    f"{', '.join(sorted(rebuild_dimensions or ())) or 'no dimension table'}"
                )
            integrity_ok = True
            if dg.AssetCheckKey(dg.AssetKey("fact_indikator"), "fact_integrity") in checks:
                problems = fact_problems(con, touched)
                integrity_ok = not problems
                yield dg.AssetCheckResult(
                    asset_key="fact_indikator",
                    check_name="fact_integrity",
                    passed=integrity_ok,
                    metadata={name: dg.MetadataValue.md(text) for name, text in problems.items()},
                )
            kept: list[str] = []
            for dimension in DIMENSIONS:
                if not integrity_ok:  # blocked: as the separate steps were skipped
                    context.log.error(f"{dimension} not rebuilt: fact_integrity failed")
                    continue
                if rebuild_dimensions is not None and dimension not in rebuild_dimensions:
                    kept.append(dimension)
                    yield from build.kept(dimension, con, plan.why)
                    continue
                rows: list[int] = []

                def rebuild(d: str = dimension, into: list[int] = rows) -> None:
                    # Only the changed sources' rows when the facts were updated, not rebuilt.
                    patch = sorted(plan.sources) if touched is not None else None
                    into.append(
                        build_dimension_table(con, d, fact_in_order=fact_in_order, sources=patch)
                    )

                yield from build.table(dimension, con, rebuild)
                yield from build.has_rows(dimension, rows[0] if rows else _count(con, dimension))
            # The suites validate (in the GX worker) while the guard scans the tables here.
            guarding = [t for t in published if t not in kept]
            with ThreadPoolExecutor(max_workers=1) as pool:
                suites = build.start_suites(con, indicators, kept, plan.why, pool)
                try:
                    guarded = [*build.guard(con, guarding, source_allow)]
                except Exception:  # the suites' results stand when the guard breaks
                    yield from build.suites(con, suites)
                    raise
                yield from build.suites(con, suites)
            yield from guarded

    return warehouse


def _narrowed_too_far(tables: list[str], why: str) -> str:
    return (
        f"warehouse: {', '.join(tables)} must be rebuilt ({why}) but this run was planned "
        "without them; nothing of them was written and the analyst file stays as it was. Run "
        "the job again (`kotapintar run`, or materialize every asset in the UI)."
    )


@dataclass(frozen=True)
class _Plan:
    """What this run's build must do, from `run_changes` (materialized earlier in the run,
    `planned`): `quiet` (why nothing is new) when nothing is; else `sources`, the sources
    whose rows may differ from the analyst file's (None: rebuild everything)."""

    quiet: str | None = None
    sources: frozenset[str] | None = None
    planned: bool = True

    @property
    def why(self) -> str:
        return "no source of this dimension changed since the analyst file was published"


# Reference tables joined into every dimension table: when one differs, everything is rebuilt.
REFERENCE_TABLES = ("dim_wilayah", "dim_indikator", "meta_sumber")


def _plan(context: dg.AssetExecutionContext) -> _Plan:
    event = context.instance.get_latest_materialization_event(dg.AssetKey(RUN_CHANGES))
    if event is None or event.run_id != context.run.run_id:
        return _Plan(planned=False)  # run on its own: rebuild what was asked for
    metadata = event.asset_materialization.metadata

    def value(key: str, default):
        return getattr(metadata.get(key), "value", default)

    if not value("changed", True):
        return _Plan(quiet=str(value("summary", "no change")))
    differing = set(value("tables_differing", []))
    if value("published_at", None) is None or differing & set(REFERENCE_TABLES):
        return _Plan()
    # A failed or rejected source kept its rows; only a load changed them.
    loaded = {s for s, outcome in value("since_publish", {}).items() if outcome == "loaded"}
    return _Plan(sources=frozenset(loaded))


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return scalar(con, f"SELECT count(*) FROM {table}")


class _Build:
    """The selected part of one build: which tables and checks, and how each is described."""

    def __init__(self, context, kotapintar: KotaPintarResource, selected, checks) -> None:
        self.context = context
        self.kotapintar = kotapintar
        self.selected = selected
        self.checks = checks

    def table(
        self, table: str, con, rebuild: Callable[[], object], extra: dict | None = None
    ) -> Iterator[dg.MaterializeResult]:
        if dg.AssetKey(table) not in self.selected:
            return
        rebuild()
        yield dg.MaterializeResult(
            asset_key=table, metadata={**table_metadata(con, table), **(extra or {})}
        )

    def kept(self, table: str, con, why: str) -> Iterator:
        """A dimension table left as it is: materialized with its current description (the
        analyst snapshot follows every table of the step), saying it was not rebuilt."""
        if dg.AssetKey(table) not in self.selected:
            return
        yield dg.MaterializeResult(
            asset_key=table,
            metadata={**table_metadata(con, table), "rebuilt": False, "not_rebuilt_because": why},
        )
        yield from self.has_rows(table, _count(con, table))

    def has_rows(self, table: str, count: int) -> Iterator[dg.AssetCheckResult]:
        """The dimension table's `has_rows` check (a warning: empty until a source loads)."""
        if dg.AssetCheckKey(dg.AssetKey(table), "has_rows") in self.checks:
            yield dg.AssetCheckResult(
                asset_key=table,
                check_name="has_rows",
                passed=count > 0,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"rows": count},
            )

    def start_suites(
        self, con, indicators: list[str], kept: list[str], why: str, pool: ThreadPoolExecutor
    ) -> dict[str, SuiteRun | dg.AssetCheckResult]:
        """The GX suite of each selected table, started on `pool`; for a `kept` table its last
        result, repeated (evaluated when this instance has none)."""
        started: dict[str, SuiteRun | dg.AssetCheckResult] = {}
        for table in SUITE_TABLES:
            key = dg.AssetCheckKey(dg.AssetKey(table), "gx_suite")
            if key not in self.checks:
                continue
            again = repeat_last(self.context.instance, key, why) if table in kept else None
            started[table] = again or start_suite(con, table, indicators, pool)
        return started

    def suites(
        self, con, started: dict[str, SuiteRun | dg.AssetCheckResult]
    ) -> Iterator[dg.AssetCheckResult]:
        """The results of the suites `start_suites` started, in their order."""
        quality = self.kotapintar.quality
        for table, run in started.items():
            if isinstance(run, dg.AssetCheckResult):
                yield run
                continue
            report = run.report(con)
            links = []
            if quality.data_docs_dir is not None and not report.success:
                from quality.datadocs import write_page

                run_name = self.context.run.run_id
                page = write_page(report, quality.data_docs_dir, run_name=run_name, batch=table)
                links = [quality.docs_link(page)] if page else []
            yield dg.AssetCheckResult(
                asset_key=table,
                check_name="gx_suite",
                passed=report.success,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={**validation_metadata(report), **docs_metadata(links)},
            )

    def guard(self, con, published: list[str], source_allow) -> Iterator:
        if dg.AssetKey(GUARD) not in self.selected:
            return
        reports = guard_tables(con, published, source_allow, run_id=self.context.run.run_id)
        blocked = [r for r in reports if not r.passed]
        yield dg.MaterializeResult(
            asset_key=GUARD,
            metadata={
                **table_metadata(con, GUARD),
                "tables_scanned": len(reports),
                "tables_blocked": dg.MetadataValue.json([r.table for r in blocked]),
                "verdicts": dg.MetadataValue.md(verdicts(reports)),
            },
        )
        if dg.AssetCheckKey(dg.AssetKey(GUARD), "personal_data_guard") in self.checks:
            yield dg.AssetCheckResult(
                asset_key=GUARD,
                check_name="personal_data_guard",
                passed=not blocked,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={r.table: dg.MetadataValue.md(r.summary()) for r in blocked}
                | {"tables_scanned": len(reports)},
            )
