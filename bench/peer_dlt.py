"""The peer: dlt loading the same files into DuckDB, in its fastest mode (Arrow tables).

Runs in the bench environment only (`make bench-venv` creates .venv-bench with dlt; dlt is not
a dependency of the project):

    .venv-bench/bin/python bench/peer_dlt.py --catalog DIR --work DIR --out result.json

Each source is read into an Arrow table the quickest way its kind allows (pyarrow's CSV reader,
calamine for workbooks, the recorded DataStore pages for feeds), title rows skipped and the
header taken from the catalog's `header_row`, and all of them go to DuckDB in one `pipeline.run`
(one extract/normalize/load) with Parquet as the load format. dlt loads the table as the agency
wrote it: no long rows, no region codes, no number parsing, no validation. It does less than the
pipeline, so it is a lower bound for "the tool a data engineer would otherwise pick". A source
none of these readers reads (a BPS WebAPI answer, an HTML table saved as .xls) is left out and
named in the result (`left_out`): the peer's time is then for fewer sources than the pipeline's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")


def read_arrow(entry: dict, root: Path) -> pa.Table:
    """The source's body as an Arrow table (header from the catalog, title rows skipped)."""
    spec = entry["parse"]
    header_row = spec.get("header_row", 1)
    depth = spec.get("header_depth", 1)
    reads, path = _where(entry, root)
    if reads == "csv":
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=header_row - 1, encoding="utf8"),
            parse_options=pacsv.ParseOptions(
                delimiter=spec.get("delimiter") or ",", invalid_row_handler=lambda _: "skip"
            ),
        )
    if reads == "xlsx":
        return _read_xlsx(entry, path, header_row, depth)
    records = []
    for page in sorted(path.glob("datastore_search.offset-*.json")):
        records += json.loads(page.read_text(encoding="utf-8"))["result"]["records"]
    return pa.Table.from_pylist(records)


def unreadable(entry: dict, root: Path) -> str | None:
    """Why none of the peer's readers reads the source, or None when one does."""
    if entry["kind"] not in ("csv", "xlsx", "ckan_datastore", "ckan_resource"):
        return f"kind {entry['kind']}"
    reads, path = _where(entry, root)
    if reads in ("xlsx", "xls"):
        with path.open("rb") as file:
            if file.read(512).lstrip().startswith(b"<"):
                return "an HTML table saved as a workbook"
    return None


def _where(entry: dict, root: Path) -> tuple[str, Path]:
    """How the source reads (csv, xlsx, records) and its file or recording folder."""
    recording = root / entry.get("recording", "")  # an absolute recording stays as it is
    if entry["kind"] == "ckan_datastore":
        return "records", recording
    if entry["kind"] == "ckan_resource":  # the recorded resource download
        return entry.get("format") or "xlsx", sorted((recording / "files").iterdir())[0]
    return entry["kind"], root / entry["location"]


def _read_xlsx(entry: dict, path: Path, header_row: int, depth: int) -> pa.Table:
    import re

    import python_calamine

    spec = entry["parse"]
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    names = workbook.sheet_names
    sheet = spec.get("sheet") or next(n for n in names if re.search(spec["sheet_pattern"], n))
    rows = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    header = [
        " / ".join(str(rows[header_row - 1 + d][c]) for d in range(depth)) or f"col_{c}"
        for c in range(len(rows[header_row - 1]))
    ]
    header = [f"{h}_{c}" for c, h in enumerate(header)]  # unique names for merged headers
    body = rows[header_row - 1 + depth :]
    # Workbook columns mix numbers and text ("1.234,5", "-"): Arrow needs one type per column.
    columns = {
        h: pa.array([None if v == "" else str(v) for v in col], pa.string())
        for h, col in zip(header, zip(*body, strict=False), strict=False)
    }
    return pa.table(columns)


def load(tables: dict[str, pa.Table], work: Path) -> float:
    """One dlt pipeline run loading every table into a DuckDB file; seconds."""
    import dlt

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    pipeline = dlt.pipeline(
        pipeline_name="kotapintar_peer",
        pipelines_dir=str(work / "pipelines"),
        destination=dlt.destinations.duckdb(str(work / "dlt_peer.duckdb")),
        dataset_name="peer",
    )
    resources = [
        dlt.resource(table, name=name, write_disposition="replace")
        for name, table in tables.items()
    ]
    started = time.perf_counter()
    pipeline.run(resources, loader_file_format="parquet")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=0, help="runs first, not counted")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    entries = [
        yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(args.catalog.glob("*.yaml"))
    ]
    left_out = {e["id"]: why for e in entries if (why := unreadable(e, args.root))}
    entries = [e for e in entries if e["id"] not in left_out]
    import dlt  # noqa: F401  (import cost kept out of the timings, like the pipeline's imports)

    runs = []
    for _ in range(args.warmup + args.repeat):
        started = time.perf_counter()
        tables = {e["id"]: read_arrow(e, args.root) for e in entries}
        read_seconds = time.perf_counter() - started
        load_seconds = load(tables, args.work)
        runs.append(
            {
                "read_seconds": round(read_seconds, 3),
                "load_seconds": round(load_seconds, 3),
                "wall_seconds": round(read_seconds + load_seconds, 3),
                "rows": sum(t.num_rows for t in tables.values()),
            }
        )
    warm_up, runs = runs[: args.warmup], runs[args.warmup :]
    result = {
        "warm_up_runs": warm_up,
        "runs": runs,
        "median_wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "left_out": left_out,
    }
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
