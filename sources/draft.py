"""Draft a catalog entry for a new agency file: the onboarding assistant behind `kotapintar draft`.

It reads the workbook (every sheet, merged ranges) or CSV (encoding and delimiter sniffed) and
writes an entry that loads the file as it is: the engineer edits indicator codes and names, not
structure. Each choice carries a comment with its evidence. The draft is validated as a catalog
entry and test-parsed with the real parser; the result of that parse heads the draft.

    draft_read      the file: sheets, merged ranges, what kind of thing each cell holds
    draft_header    the header rows (title rows above, a row of column numbers below)
    draft_table     columns with figures; data, total, footnote, label and statistic rows
    draft_regions   the region column and level, sub-headers, proposed aliases (draft_spelling)
    draft_period_columns, draft_periods, draft_header_pattern
                    periods down a column or across the header, and their regular expressions
    draft_layout    the layout, the values and the indicators (draft_names: codes and units)
    draft_numbers   number style per column, what "-" means, totals that are no sum
    draft_rows      total and footnote rules, the status remark column
    draft_render    the commented YAML
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sources.catalog import REPO_ROOT, parse_entry
from sources.catalog_schema import schema_comment
from sources.draft_header import find_header
from sources.draft_layout import Planner
from sources.draft_names import agency_code, source_id
from sources.draft_read import SourceFile, read_source
from sources.draft_render import render
from sources.errors import SourceError

# The usual dimension of an agency's data (the walidata's grouping); a guess to check.
AGENCY_DIMENSIONS = {
    "bappeda": "smart_governance",
    "bkad": "smart_governance",
    "bkpsdm": "smart_governance",
    "bpbd": "smart_living",
    "bps": "smart_economy",
    "dinkes": "smart_living",
    "dinsos": "smart_people",
    "disdikbud": "smart_people",
    "dishub": "smart_mobility",
    "diskopindag": "smart_economy",
    "disnaker": "smart_economy",
    "dispendukcapil": "smart_people",
    "disporapar": "smart_economy",
    "dkpp": "smart_environment",
    "dlh": "smart_environment",
    "dpupr": "smart_living",
    "dpupkp": "smart_living",
    "kominfo": "smart_governance",
    "pdam": "smart_living",
    "perumda": "smart_living",
    "satpolpp": "smart_living",
}


class DraftError(ValueError):
    """A file the drafter cannot describe at all (no sheet of figures); the message says why."""


@dataclass
class Draft:
    """A drafted entry: its data (as the YAML reads), the commented YAML, and what the test
    parse gave (or why it failed)."""

    entry: dict
    text: str
    summary: list[str] = field(default_factory=list)
    parsed: object | None = None  # sources.parse.ParsedSource of the test parse
    problem: str | None = None  # the test parse's SourceError message


def draft_entry(
    path: Path,
    *,
    sheet: str | None = None,
    entry_id: str | None = None,
    root: Path = REPO_ROOT,
    test_parse: bool = True,
    entry_file: Path | None = None,
) -> Draft:
    """Draft a catalog entry for the agency file at `path` (see the module docstring).
    `entry_file` is where the draft will be written, if known: its first line names the JSON
    Schema relative to it (else relative to the repository) for editors."""
    path = Path(path)
    source = read_source(path)
    chosen = source.sheet(sheet)
    header = find_header(chosen)
    planner = Planner(chosen, header, path.name.split(".")[0])
    if not planner.table.figures:
        if chosen.name is None:
            raise DraftError(f"{path.name} has no column of figures: nothing to load")
        raise DraftError(
            f"sheet {chosen.name!r} of {path.name} has no column of figures; pick the data "
            "sheet with --sheet"
        )
    plan = planner.build()
    ident = entry_id or source_id(path)
    entry = _entry(ident, path, source, plan, header.titles, root)
    comments = {**plan.comments, **_file_comments(source, chosen.name, sheet)}
    summary = [f"{path.name}: sheet {chosen.name!r}" if chosen.name else f"{path.name}: CSV"]
    if chosen.table is not None:
        summary = [f"{path.name}: HTML table {chosen.table} of {len(source.sheets)}"]
    summary += [
        f"header row {header.header_row}, depth {header.depth}",
        f"layout {entry['parse'].get('layout', 'long')}",
        *plan.summary,
        f"{len(entry['indicators'])} indicator(s)",
    ]
    checked = parse_entry(entry, f"{ident}.yaml")  # raises CatalogError: a drafting bug
    parsed = problem = None
    preamble = [f"Draft catalog entry for {path.name} (kotapintar draft): edit codes and names."]
    if test_parse:
        parsed, problem = _test_parse(checked, path)
        preamble.append(_parse_line(parsed, problem))
        summary.append(preamble[-1])
    text = f"{schema_comment(entry_file)}\n{render(entry, comments, preamble)}"
    return Draft(entry, text, summary, parsed, problem)


def _entry(ident: str, path: Path, source: SourceFile, plan, titles: list[str], root) -> dict:
    sample = "SAMPLE" in path.name
    title = next((t for t in titles if "SAMPLE" not in t), None) or path.name.split(".")[0]
    if sample and "SAMPLE" not in title:
        title = f"SAMPLE — {title}"
    agency = agency_code(ident)
    parse = dict(plan.parse)
    if source.kind == "csv":
        parse = {"delimiter": source.delimiter, "encoding": source.encoding, **parse}
    entry = {
        "id": ident,
        "title": title,
        "agency": {"code": agency, "name": "TODO"},
        "kind": source.kind,
        "location": _location(path, root),
        **({"sample": True} if sample else {}),
        "dimension": AGENCY_DIMENSIONS.get(agency, "smart_governance"),
        "schedule": plan.schedule,
        "parse": _ordered(parse),
        "indicators": plan.indicators,
    }
    return entry


# The order fields appear in the hand-written entries.
_PARSE_ORDER = (
    *("sheet", "table", "delimiter", "encoding", "header_row", "header_depth", "layout"),
    "region",
    *("period", "period_columns", "header_pattern", "label_column", "values", "indicator"),
    *("indicator_labels", "row_indicators", "status", "notes", "decimal", "column_decimal"),
    *("default_row_rules", "drop_rows", "total_rows", "dash"),
)


def _ordered(parse: dict) -> dict:
    ordered = {k: parse[k] for k in _PARSE_ORDER if k in parse}
    return {**ordered, **{k: v for k, v in parse.items() if k not in ordered}}


def _location(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _file_comments(source: SourceFile, chosen: str | None, asked: str | None) -> dict:
    comments: dict[str, list[str]] = {
        "agency": ["TODO: the agency's full name"],
        "dimension": ["TODO: check the dimension (guessed from the agency)"],
    }
    if source.kind == "csv":
        comments["parse.delimiter"] = [
            f"sniffed: encoding {source.encoding}, delimiter {source.delimiter!r}"
        ]
    else:
        counts = ", ".join(f"{s.name!r} ({s.numeric_cells})" for s in source.sheets)
        most = max(s.numeric_cells for s in source.sheets)
        close = [s for s in source.sheets if s.numeric_cells >= 0.8 * most]
        why = (
            "given with --sheet"
            if asked is not None
            else "the one with the most numeric cells"
            if len(close) == 1
            else "of the sheets with about as many numeric cells, the one naming the latest year"
        )
        if source.format == "html":
            counts = ", ".join(f"{s.table} ({s.numeric_cells})" for s in source.sheets)
            comments["parse.table"] = [
                'an HTML table export (a website\'s "download as Excel"), read by table; '
                f"tables (numeric cells): {counts}; taken: {why}"
            ]
        else:
            comments["parse.sheet"] = [f"sheets (numeric cells): {counts}; taken: {why}"]
    return comments


def _test_parse(entry, path: Path):
    from sources.parse import parse_landing

    try:
        return parse_landing(entry, path), None
    except SourceError as exc:
        return None, exc.problem
    except Exception as exc:  # a parser bug must not lose the draft
        return None, f"{type(exc).__name__}: {exc}"


def _parse_line(parsed, problem: str | None) -> str:
    if parsed is None:
        return f"Test parse FAILED: {problem}"
    tidy = parsed.tidy
    per = Counter(tidy["indikator"]) if len(tidy) else Counter()
    todo = " The period is TODO: set `parse.period`." if (tidy["periode"] == "TODO").any() else ""
    return (
        f"Test parse: {len(tidy)} tidy rows ({len(per)} indicators, "
        f"{tidy['kode_wilayah'].nunique()} regions, {tidy['periode'].nunique()} periods), "
        f"{len(parsed.quarantined)} quarantined, {len(parsed.warnings)} warning(s).{todo}"
    )
