"""The `kotapintar` command: run the nightly job, list the catalog, query the analyst file.

kotapintar run              materialize every asset (what `make run` calls)
kotapintar sources          list the catalog
kotapintar query "SQL"      run read-only SQL against the analyst file
kotapintar publish          publish the gated tables to the CKAN portal (--dry-run, --rehearsal)
kotapintar export DIR       write the open exports (CSV, Parquet, datapackage.json) to DIR
kotapintar draft FILE       draft a catalog entry for a new agency file (xlsx or CSV)
kotapintar preview ID       parse one entry's file and print what would load (nothing is loaded)
kotapintar datadocs         serve the Data Docs folder read-only over HTTP (what `make ui` starts)
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from pipelines.datadocs_cli import add_commands as add_datadocs_commands
from pipelines.preview_cli import add_commands as add_onboarding_commands
from pipelines.publish_cli import add_commands as add_publication_commands
from pipelines.settings import Settings
from pipelines.summary import RunSummary, summarize

log = logging.getLogger("kotapintar")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kotapintar", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="materialize every asset in process and print a summary")
    commands.add_parser("sources", help="list the catalog's sources")
    query = commands.add_parser("query", help="run read-only SQL against the analyst file")
    query.add_argument("sql", help='e.g. "SELECT * FROM smart_people LIMIT 5"')
    query.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    query.add_argument("--limit", type=int, default=100, help="rows to print (default 100)")
    publication = add_publication_commands(commands)
    onboarding = add_onboarding_commands(commands)
    datadocs = add_datadocs_commands(commands)
    args = parser.parse_args(argv)
    handlers = {
        "run": _run,
        "sources": _sources,
        "query": _query,
        **publication,
        **onboarding,
        **datadocs,
    }
    try:
        return handlers[args.command](args, Settings.from_env())
    except Exception as exc:  # a last resort: one clear line instead of a traceback wall
        if os.environ.get("KOTAPINTAR_DEBUG"):
            raise
        print(f"kotapintar {args.command}: {exc}", file=sys.stderr)
        return 2


def _run(_args: argparse.Namespace, settings: Settings) -> int:
    from pipelines import preflight

    # Before anything is fetched: a folder the run cannot write to would otherwise fail deep in
    # DuckDB or the exporter, after all the loading, as a long traceback.
    problems = preflight.check(settings)
    if problems:
        for problem in problems:
            print(f"kotapintar run: {problem.line()}", file=sys.stderr)
        print("kotapintar run: nothing was run.", file=sys.stderr)
        return 2
    import dagster as dg

    from pipelines.definitions import NIGHTLY_JOB, build_definitions

    # Progress lines come from our logger only; libraries (alembic, GX, ...) stay at WARNING.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    log.setLevel(logging.INFO)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # A night with nothing new skips the warehouse build on purpose (assets/changes_asset.py);
    # Dagster then warns that the skipped blocking checks "emitted no result": expected, noise.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    started = time.perf_counter()
    defs = build_definitions(settings)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    total = len(defs.resolve_asset_graph().get_all_asset_keys())
    print(f"kotapintar run: {total} assets, warehouse {settings.warehouse}")
    print(
        "  (DAGSTER_HOME set: the run is recorded for the UI)"
        if os.environ.get("DAGSTER_HOME")
        else "  (no DAGSTER_HOME: ephemeral instance, the run is not kept)"
    )
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    try:
        result = execute_marked(job, instance)
    except KeyboardInterrupt:
        print("\nkotapintar run: interrupted; the run is marked failed.", file=sys.stderr)
        return 130
    summary = summarize(result, settings, time.perf_counter() - started)
    print(summary.render())
    return _exit_code(summary)


def execute_marked(job, instance):
    """Execute `job` in process so that its run never stays STARTED in the run history.

    Dagster turns SIGINT and SIGTERM during the steps into a failed run itself. An interrupt it
    does not catch (a second Ctrl-C while it records the failure, one between the steps) would
    leave the run STARTED, and with `max_concurrent_runs: 1` the queue blocked: such a run is
    marked failed here. The worker tags let run monitoring (pipelines/launcher.py) fail the run
    when this process is killed outright (kill -9, OOM).
    """
    from dagster._core.utils import make_new_run_id

    from pipelines.launcher import worker_tags

    run_id = make_new_run_id()
    # Dagster's own console logger only shows errors; progress comes from our logger.
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    try:
        return job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=quiet,
            run_id=run_id,
            tags=worker_tags(),
        )
    except BaseException:
        if instance is not None:
            mark_failed(instance, run_id, "kotapintar run was interrupted")
        raise


def mark_failed(instance, run_id: str, reason: str) -> bool:
    """Mark the run failed unless it already finished (or never started); True if marked."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.is_finished:
        return False
    instance.report_run_failed(run, reason)
    return True


def _exit_code(summary: RunSummary) -> int:
    return 0 if summary.success else 1


def _sources(_args: argparse.Namespace, settings: Settings) -> int:
    from sources.catalog import load_catalog

    entries = load_catalog(settings.catalog_dir)
    print(f"{'id':30} {'kind':15} {'agency':15} {'dimension':18} ind  title")
    for e in entries:
        print(
            f"{e.id:30} {e.kind:15} {e.agency.code:15} {e.dimension:18} "
            f"{len(e.indicators):3}  {e.title}"
        )
    print(f"{len(entries)} sources, {sum(len(e.indicators) for e in entries)} indicators")
    return 0


def _query(args: argparse.Namespace, settings: Settings) -> int:
    from warehouse.snapshot import open_analyst

    if not settings.warehouse.is_file():
        print(f"No analyst file at {settings.warehouse}: run `make run` first.", file=sys.stderr)
        return 2
    con = open_analyst(settings.warehouse)
    try:
        frame = con.execute(args.sql).df()
    finally:
        con.close()
    if args.csv:
        frame.head(args.limit).to_csv(sys.stdout, index=False)
    else:
        print(frame.head(args.limit).to_string(index=False))
        if len(frame) > args.limit:
            print(f"… {len(frame) - args.limit} more rows (use --limit)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
