"""The `kotapintar` command: run the nightly job, list the catalog, query the analyst file.

kotapintar run              materialize every asset (what `make run` calls)
kotapintar sources          list the catalog
kotapintar query "SQL"      run read-only SQL against the analyst file
kotapintar publish          publish the gated tables to the CKAN portal (--dry-run, --rehearsal)
kotapintar export DIR       write the open exports (CSV, Parquet, datapackage.json) to DIR
kotapintar draft FILE       draft a catalog entry for a new agency file (xlsx or CSV)
kotapintar preview ID       parse one entry's file and print what would load (nothing is loaded)
kotapintar datadocs         serve the Data Docs folder read-only over HTTP (what `make ui` starts)
kotapintar metadata --check list indicators whose MS-Ind metadata is incomplete, per agency
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from pathlib import Path

from pipelines.check_ahead import CheckAhead
from pipelines.cli_help import ANALYST_FILE, Handler, add_command
from pipelines.datadocs_cli import add_commands as add_datadocs_commands
from pipelines.metadata_cli import add_commands as add_metadata_commands
from pipelines.preview_cli import add_commands as add_onboarding_commands
from pipelines.publish_cli import add_commands as add_publication_commands
from pipelines.settings import Settings
from pipelines.summary import RunSummary, summarize

log = logging.getLogger("kotapintar")
# Set by entry(), the `kotapintar` command: a quiet night may then leave the process from the
# thread that learns of it (see _on_verdict); a caller of main() keeps its process.
_LEAVE_AT_ONCE = False


def main(argv: list[str] | None = None) -> int:
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    load_dotenv_file(Path(".env"))
    try:
        return handlers[args.command](args, Settings.from_env())
    except Exception as exc:  # a last resort: one clear line instead of a traceback wall
        if os.environ.get("KOTAPINTAR_DEBUG"):
            raise
        print(f"kotapintar {args.command}: {exc}", file=sys.stderr)
        return 2


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    """The `kotapintar` parser and the handler of each subcommand."""
    parser = argparse.ArgumentParser(
        prog="kotapintar",
        description=__doc__.split("\n\n")[0],
        epilog="Settings come from the environment and from `.env` in the current folder (see "
        ".env.example; the environment wins). `kotapintar COMMAND --help` says what a command "
        "does, the settings it reads and its exit codes.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = add_command(
        commands,
        "run",
        summary="materialize every asset in process and print a summary",
        description="""Runs the nightly job (`nightly_refresh`) here, without a Dagster server:
        fetch or read every catalog source, validate it, load the work database, build the
        warehouse tables, publish the analyst file and the open exports. A line per source
        shows progress; the summary lists each source's outcome, rows, seconds and reason.
        With DAGSTER_HOME set the run is recorded for the Dagster UI.""",
        environment={
            "KOTAPINTAR_CATALOG": "the catalog folder (default sources/catalog)",
            "KOTAPINTAR_DATA_DIR": "landing files and the work database (default data)",
            "KOTAPINTAR_WAREHOUSE": ANALYST_FILE,
            "KOTAPINTAR_OFFLINE": "1 (default): never touch the network",
            "KOTAPINTAR_FEED_TOKEN": "secret: API token for portal feeds (never printed)",
            "KOTAPINTAR_BPS_KEY": "secret: BPS WebAPI key for bps_webapi sources (never printed)",
            "DAGSTER_HOME": "record the run for the UI (make run sets .dagster)",
        },
        exit_codes={
            0: "every source loaded or was unchanged and the build passed",
            1: "a source failed or a blocking check failed (what passed is still published)",
            2: "a folder cannot be written (preflight): nothing was run",
            130: "interrupted (Ctrl-C); the run is marked failed",
        },
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="start the job even when nothing is new (by default a night with nothing new is "
        "decided before Dagster starts, prints the summary and records no run)",
    )
    add_command(
        commands,
        "sources",
        summary="list the catalog's sources",
        description="""One line per catalog entry: id, kind, agency, dimension, number of
        indicators and title. Loading the list validates every entry.""",
        environment={"KOTAPINTAR_CATALOG": "the catalog folder (default sources/catalog)"},
        exit_codes={0: "the catalog is valid and listed", 2: "an entry is invalid (named)"},
    )
    query = add_command(
        commands,
        "query",
        summary="run read-only SQL against the analyst file",
        description="""Opens the analyst file read-only (the pipeline may be writing a new
        one meanwhile) and prints the result as a table or CSV. Tables: smart_<dimension>,
        fact_indikator, dim_indikator, dim_wilayah, meta_sumber; see kamus_data.""",
        environment={
            "KOTAPINTAR_WAREHOUSE": "the analyst file (default warehouse/kotapintar.duckdb)"
        },
        exit_codes={0: "the query ran", 2: "no analyst file yet (run `make run`) or SQL error"},
    )
    query.add_argument("sql", help='e.g. "SELECT * FROM smart_people LIMIT 5"')
    query.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    query.add_argument("--limit", type=int, default=100, help="rows to print (default 100)")
    publication = add_publication_commands(commands)
    onboarding = add_onboarding_commands(commands)
    datadocs = add_datadocs_commands(commands)
    metadata = add_metadata_commands(commands)
    return parser, {
        "run": _run,
        "sources": _sources,
        "query": _query,
        **publication,
        **onboarding,
        **datadocs,
        **metadata,
    }


def load_dotenv_file(path: Path) -> list[str]:
    """Take settings from `path` (a `.env` made from `.env.example`), as `dagster dev` does for
    the UI, so that both read the same file. The real environment wins, and an empty value
    (`KOTAPINTAR_DEBUG=` as in the example) means "the default", not "set to nothing".
    Returns the names taken; values are never printed (the file may hold tokens)."""
    if not path.is_file():
        return []
    from dotenv import dotenv_values

    taken = []
    for name, value in dotenv_values(path).items():
        if value and name not in os.environ:
            os.environ[name] = value
            taken.append(name)
    return taken


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines import preflight

    # Before anything is fetched: a folder the run cannot write to would otherwise fail deep in
    # DuckDB or the exporter, after all the loading, as a long traceback.
    problems = preflight.check(settings)
    if problems:
        for problem in problems:
            print(f"kotapintar run: {problem.line()}", file=sys.stderr)
        print("kotapintar run: nothing was run.", file=sys.stderr)
        return 2
    from pipelines import quiet_night
    from quality import gx_worker

    verdict = quiet_night.Verdict()  # --force: every source runs, the catalog is loaded anew
    if not args.force:
        # The check runs in a forked child while this process imports what a run needs.
        checking = CheckAhead(settings, _on_verdict)
        checking.start()
        _import_for_run()
        verdict = checking.verdict()
        if verdict.summary is not None:
            return _report_quiet(verdict)
        print(f"kotapintar run: starting the job: {verdict.reason}")
    # GX in a process of its own: the check's child (adopted), or with --force one started now.
    gx_worker.start()
    try:
        return _run_job(settings, verdict)
    finally:
        gx_worker.stop()


def _on_verdict(verdict) -> None:
    """As soon as the check has answered (on the thread that waits for it): a quiet night is
    reported and, under the `kotapintar` command, the process left at once, whatever import
    is under way. On any other night the check's child is the GX worker already
    (pipelines/check_ahead.py); where the check ran here, one is started now, so that GX's
    import runs beside this process's."""
    if verdict.summary is None:
        from quality import gx_worker

        gx_worker.start()
        return
    if _LEAVE_AT_ONCE:
        code = _report_quiet(verdict)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _report_quiet(verdict) -> int:
    print(
        "kotapintar run: nothing new since the analyst snapshot; no Dagster run "
        "started (--force starts one)"
    )
    print(verdict.summary.render())
    return _exit_code(verdict.summary)


def _import_for_run() -> None:
    """What `_run_job` imports, and the storage modules of the Dagster instance (~0.5 s, which
    DagsterInstance.get() would import), while the check runs (pipelines/check_ahead.py)."""
    import dagster

    import pipelines.definitions  # noqa: F401

    with contextlib.suppress(ImportError):  # Dagster's own module: only an earlier import
        import dagster._core.storage.sqlite_storage  # noqa: F401


def _run_job(settings: Settings, verdict) -> int:
    """Build the definitions and execute the nightly job, without the sources `verdict` found
    unchanged."""
    import dagster as dg

    from pipelines import quiet_night
    from pipelines.definitions import NIGHTLY_JOB, build_definitions
    from quality import gx_worker

    # Progress lines come from our logger only; libraries (alembic, GX, ...) stay at WARNING.
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    log.setLevel(logging.INFO)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # A night with nothing new skips the warehouse build on purpose (assets/changes_asset.py);
    # Dagster then warns that the skipped blocking checks "emitted no result": expected, noise.
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)
    started = time.perf_counter()
    unchanged = list(verdict.unchanged)  # found unchanged by the check: left out of the run
    # The UI shows code references from the code location it loads, not from the run.
    defs = build_definitions(settings, verdict.entries, code_references=False)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    keys = job.asset_layer.selected_asset_keys
    leave = quiet_night.left_out(verdict)
    selection = sorted(keys - leave) if leave else None
    print(
        f"kotapintar run: {len(keys) - len(leave)} assets"
        + (f" ({len(unchanged)} unchanged sources left out)" if unchanged else "")
        + f", warehouse {settings.warehouse}"
    )
    print(
        "  (DAGSTER_HOME set: the run is recorded for the UI)"
        if os.environ.get("DAGSTER_HOME")
        else "  (no DAGSTER_HOME: ephemeral instance, the run is not kept)"
    )
    worker = gx_worker.pid()
    print(
        f"  (Great Expectations validates in worker process {worker})"
        if worker
        else "  (Great Expectations validates in this process)"
    )
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
    try:
        result = execute_marked(job, instance, selection)
    except KeyboardInterrupt:
        print("\nkotapintar run: interrupted; the run is marked failed.", file=sys.stderr)
        return 130
    finally:
        if instance is not None:
            instance.dispose()  # its storage closed here, not left to the interpreter's exit
    summary = summarize(result, settings, time.perf_counter() - started)
    summary.sources = sorted([*summary.sources, *unchanged], key=lambda s: s.source_id)
    print(summary.render())
    return _exit_code(summary)


def execute_marked(job, instance, asset_selection=None):
    """Execute `job` in process (only `asset_selection`, asset keys, when given) so that its
    run never stays STARTED in the run history.

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
            asset_selection=asset_selection,
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


def entry() -> None:
    """The `kotapintar` command (pyproject.toml [project.scripts], `python -m pipelines.cli`):
    main(), then leave the process at once.

    Why not a normal exit: with Dagster and Great Expectations imported, the interpreter's
    teardown (finalising ~10,000 modules' objects) took 1.4-1.8 s after the summary was printed,
    every run (bench/README.md "Whole processes"). Nothing is left for it to do: every database
    is closed by its own `with` block and the Dagster instance by `_run`, and output is flushed
    here; atexit handlers still run (threads of libraries are not waited for, as at any exit)."""
    import atexit

    global _LEAVE_AT_ONCE
    _LEAVE_AT_ONCE = True
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    entry()
