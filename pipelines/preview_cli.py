"""`kotapintar draft FILE` and `kotapintar preview ID|FILE.yaml`: onboarding a new agency file.

`draft` writes a commented catalog entry that loads the file (sources/draft.py); `preview`
parses one entry's file and prints what the pipeline would load, hold back and warn about,
without the work database or Dagster. Both read local files only, and every text cell they
print is masked for personal data first.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from pipelines.cli_help import Handler, add_command
from pipelines.settings import Settings

PREVIEW_ROWS = 10
MAX_LISTED = 20  # quarantined cells, warnings and notes printed before "... N more"
MAX_PERIOD_COLUMNS = 8  # counts per indicator and period as a table up to this many periods


def add_commands(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """Register `draft` and `preview` on the `kotapintar` parser; return their handlers."""
    draft = add_command(
        commands,
        "draft",
        summary="draft a catalog entry (YAML) for an agency workbook (xlsx, xls) or CSV file",
        description="""Inspects an agency file (sheets, header rows and merged groups, the
        region column and how many of its values resolve, period columns, the number style
        per column, total and footnote rows) and writes a commented catalog entry that loads
        it. Edit the indicator codes, names and metadata, not the structure; then check it
        with `kotapintar preview`.""",
        exit_codes={
            0: "the draft was written (stderr says if it does not parse yet, and why)",
            2: "no such file, or a file that is not a workbook or CSV",
        },
    )
    draft.add_argument(
        "file", help="the agency file (.xlsx, .xls — also an HTML table export — or .csv)"
    )
    draft.add_argument("--sheet", help="the sheet to read (default: the most numeric cells)")
    draft.add_argument("--id", dest="entry_id", help="the entry id (default: from the file name)")
    draft.add_argument(
        "--out",
        help="write the entry here instead of to stdout; its first line then names the "
        "catalog's JSON Schema relative to this file (for editors)",
    )
    preview = add_command(
        commands,
        "preview",
        summary="parse one catalog entry's file and print what would load (no loading)",
        description="""Parses the entry's landed or bundled file exactly as the nightly run
        would and prints the first tidy rows with their cells, the quarantined rows with
        reasons, the total checks, warnings and notes. Personal data is masked. Nothing is
        fetched or loaded.""",
        environment={"KOTAPINTAR_CATALOG": "where entry ids are looked up"},
        exit_codes={
            0: "the file parses",
            1: "the source fails (the reason and the cell are printed)",
            2: "no such entry or entry file, or no file landed for it yet",
        },
    )
    preview.add_argument("target", help="a catalog entry id, or the path of an entry's YAML")
    preview.add_argument(
        "--rows",
        type=int,
        default=PREVIEW_ROWS,
        help=f"tidy rows to print (default {PREVIEW_ROWS})",
    )
    return {"draft": _draft, "preview": _preview}


# -- draft ---------------------------------------------------------------------------------


def _draft(args: argparse.Namespace, _settings: Settings) -> int:
    from sources.draft import draft_entry

    path = Path(args.file)
    if not path.is_file():
        print(f"kotapintar draft: no file {path}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else None
    draft = draft_entry(path, sheet=args.sheet, entry_id=args.entry_id, entry_file=out)
    if out:
        out.write_text(draft.text, encoding="utf-8")
        print(f"kotapintar draft: wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(draft.text)
    for line in draft.summary:
        print(f"  {line}", file=sys.stderr)
    if draft.problem:
        print(
            "  The draft does not parse yet: fix the field named above, then "
            "`kotapintar preview` the entry.",
            file=sys.stderr,
        )
    return 0


# -- preview -------------------------------------------------------------------------------


def _preview(args: argparse.Namespace, settings: Settings) -> int:
    from sources.catalog import load_entry
    from sources.errors import SourceError
    from sources.parse import parse_landing

    entry_file = _entry_file(args.target, settings)
    if entry_file is None:
        return 2
    entry = load_entry(entry_file)
    path = _landing_file(entry, settings)
    if path is None:
        return 2
    print(f"kotapintar preview: {entry.id} ({entry.catalog_file})")
    print(f"  file: {path}")
    try:
        parsed = parse_landing(entry, path)
    except SourceError as exc:
        print(f"\nThe source fails: {_mask(exc.describe())}")
        return 1
    _print_parsed(parsed, max(args.rows, 0))
    return 0


def _entry_file(target: str, settings: Settings) -> Path | None:
    """The YAML of `target`: a path to an entry file, or an id in the catalog folder."""
    from sources.catalog import catalog_files

    given = Path(target)
    if given.suffix in (".yaml", ".yml") or given.is_file():
        if given.is_file():
            return given
        print(f"kotapintar preview: no file {given}", file=sys.stderr)
        return None
    files = {path.stem: path for path in catalog_files(settings.catalog_dir)}
    if target in files:
        return files[target]
    ids = sorted(files)
    close = difflib.get_close_matches(target, ids, n=3)
    hint = f"; closest: {', '.join(close)}" if close else ""
    print(
        f"kotapintar preview: no entry {target!r} in {settings.catalog_dir}{hint}",
        file=sys.stderr,
    )
    return None


def _landing_file(entry, settings: Settings) -> Path | None:
    """The local file to parse: the entry's own location, or for a URL or portal entry the
    latest landed file (the last good fetch)."""
    from sources.landing import read_manifest

    if entry.is_url or entry.kind in ("ckan_datastore", "ckan_resource"):
        landing = read_manifest(settings.data_dir / "landing" / entry.id)
        if landing is not None:
            return Path(landing.path)
        print(
            f"kotapintar preview: {entry.id} is fetched from {entry.location} and has no landed "
            f"file in {settings.data_dir / 'landing'}; run `kotapintar run` (or fetch it) first",
            file=sys.stderr,
        )
        return None
    path = entry.local_path()
    if not path.is_file():
        print(
            f"kotapintar preview: {entry.id}: no file at {path} (`location` in "
            f"{entry.catalog_file})",
            file=sys.stderr,
        )
        return None
    return path


def _print_parsed(parsed, rows: int) -> None:
    tidy = parsed.tidy
    if parsed.notes:
        _section(f"Notes: {len(parsed.notes)}", [_mask(n) for n in parsed.notes])
    print(f"\nTidy rows: {len(tidy)}" + (f" (first {min(rows, len(tidy))})" if rows else ""))
    if rows and len(tidy):
        shown = tidy.head(rows).drop(columns=["sumber_id"])
        if shown["catatan"].isna().all():
            shown = shown.drop(columns=["catatan"])
        shown = shown.astype(object).where(shown.notna(), "")
        shown = shown.map(lambda v: _mask(v) if isinstance(v, str) else v)
        print(_indent(shown.to_string(index=False)))
    quarantined = parsed.quarantined
    held = sum(q.values for q in quarantined)
    lines = [
        f"{_mask(q.lokasi)} {q.aturan} {_mask(q.nilai)!r}: {_mask(q.problem)} "
        f"({q.values} value(s); {_mask(q.detail)})"
        for q in quarantined
    ]
    _section(f"Quarantined cells: {len(quarantined)} ({held} value(s) held back)", lines)
    _section(
        f"Warnings (total checks included): {len(parsed.warnings)}",
        [_mask(w) for w in parsed.warnings],
    )
    if len(tidy):
        print("\nCounts per indicator and period:")
        print(_indent(_counts(tidy)))


def _counts(tidy) -> str:
    import pandas as pd

    periods = sorted(tidy["periode"].dropna().unique())
    if len(periods) <= MAX_PERIOD_COLUMNS:
        table = pd.crosstab(tidy["indikator"], tidy["periode"], margins=True, margins_name="all")
        return table.to_string()
    lines = []
    for code, rows in tidy.groupby("indikator"):
        spread = sorted(rows["periode"].unique())
        lines.append(
            f"{code}: {len(rows)} rows, {len(spread)} periods {spread[0]} .. {spread[-1]}, "
            f"{rows['kode_wilayah'].nunique()} region(s), {int(rows['nilai'].isna().sum())} empty"
        )
    return "\n".join(lines)


def _section(title: str, lines: list[str]) -> None:
    print(f"\n{title}")
    for line in lines[:MAX_LISTED]:
        print(f"  - {line}")
    if len(lines) > MAX_LISTED:
        print(f"  ... {len(lines) - MAX_LISTED} more")


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def _mask(text: object) -> str:
    from quality.pii import mask_text

    return mask_text(str(text))
