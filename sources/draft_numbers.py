"""Numbers for a draft: the number style of each value column, what "-" means, "Jumlah"
columns that sum their neighbours, and total rows that are no sum (ratios, averages).

- A column's style comes from sources.numbers.decide_decimal; where no cell decides, a
  separator before three digits ("15.234", "1,204") is read as grouping thousands. A decimal
  point column whose numbers past 999 carry no thousands separator ("5345.00": numbers stored
  as text) is `plain`. A file that groups thousands by spaces ("21 575") and never by "." or
  "," reads `decimal: space`, so its "3.846" is a decimal.
- "-" is nil (`dash: zero`) when a note says so, or in a count column that never writes 0;
  beside a written 0 it is a missing value (the default).
"""

from __future__ import annotations

import re

from sources.draft_plan import Plan
from sources.draft_read import number_of
from sources.draft_table import Table
from sources.numbers import decide_decimal

_GROUPED = re.compile(r"[+-]?\d{1,3}([.,])\d{3}")
# A "." or "," that can only group thousands: two groups, or a group and the other decimal mark.
_SEPARATOR_GROUPS = re.compile(r"[+-]?\d{1,3}(?:([.,])\d{3}(?:\1\d{3})+|\.\d{3},\d+|,\d{3}\.\d+)")
_PLAIN = re.compile(r"[+-]?\d+(?:\.\d+)?")
_PLAIN_LONG = re.compile(r"[+-]?\d{4,}\.\d+")  # "5345.00": past 999, no thousands separator
_NIL_NOTE = re.compile(r"(^|[\s(;,])[-–—]\s*[:=]?\s*(nihil|tidak ada|nol|zero|none)\b", re.I)
_SUM_LABEL = re.compile(r"(^|/ )(jumlah|total)$", re.I)
_RATIO_LABEL = re.compile(
    r"%|\b(persen|persentase|rasio|rata-?rata|kepadatan|indeks|laju|tingkat|prevalensi|"
    r"cakupan|per\s+kapita|proporsi|apm|apk)\b",
    re.I,
)
TOLERANCE = 0.005  # as the parser's default for totals that are not whole counts


def decimals(table: Table, plan: Plan, columns: list[int]) -> None:
    """One `decimal` when every column with text numbers reads in one style other than the
    Indonesian one; else the Indonesian default with `column_decimal` for the other columns.
    Each choice is said with the cell that shows it."""
    plan.value_columns = columns
    decisions = {c: decide_decimal(_text_samples(table, c)) for c in columns}
    if _spaced_file(table, plan, decisions):
        return
    styles: dict[int, str] = {}
    for c, decision in decisions.items():
        label = table.columns[c].label
        if decision.evidence is not None and decision.style in ("comma", "point"):
            plain = _plain_evidence(table, c) if decision.style == "point" else None
            styles[c] = "plain" if plain else decision.style
            plan.say(
                "parse.decimal",
                f"plain numbers in {label!r}: {plain} has no thousands separator"
                if plain
                else f"decimal {decision.style} in {label!r} (evidence {decision.evidence})",
            )
            if decision.conflict:
                plan.say("parse.decimal", f"mixed styles in {label!r}: {decision.conflict}")
        elif (grouped := _thousands(table, c)) is not None:
            styles[c] = grouped[0]
            plan.say(
                "parse.decimal",
                f"decimal {grouped[0]} in {label!r}: {grouped[1]} groups thousands",
            )
    if not styles:
        plan.say("parse.decimal", "no text number decides: decimal comma (Indonesian) default")
    elif len(set(styles.values())) == 1 and "comma" not in styles.values():
        plan.parse["decimal"] = next(iter(styles.values()))
    elif others := {table.columns[c].label: s for c, s in styles.items() if s != "comma"}:
        plan.parse["column_decimal"] = others


def _spaced_file(table: Table, plan: Plan, decisions: dict) -> bool:
    """`decimal: space` for a file that groups thousands by spaces, never by "." or ",", and
    holds cells a "." or "," makes ambiguous ("3.846"): there they can only mark decimals."""
    spaced = next((d.evidence for d in decisions.values() if d.style == "space"), None)
    ambiguous = next((d.ambiguous for d in decisions.values() if d.ambiguous), None)
    if spaced is None or ambiguous is None:
        return False
    for c in decisions:
        for text, place in _text_samples(table, c):
            if _SEPARATOR_GROUPS.fullmatch(_bare(text)):
                plan.say(
                    "parse.decimal",
                    f"{spaced} groups thousands by spaces, but {text.strip()!r} at {place} by "
                    "a separator: decided per column",
                )
                return False
    plan.parse["decimal"] = "space"
    plan.say(
        "parse.decimal",
        f"thousands grouped by spaces ({spaced}) and never by '.' or ',': they mark decimals, "
        f"so {ambiguous} is a decimal",
    )
    return True


def _plain_evidence(table: Table, c: int) -> str | None:
    """The cell that shows a decimal point column is plain text numbers ("5345.00": past 999
    without a thousands separator), None when a number in it is grouped or none is that long."""
    evidence = None
    for text, place in _text_samples(table, c):
        body = _bare(text)
        if number_of(text) is None:
            continue  # a marker or a word
        if not _PLAIN.fullmatch(body):
            return None
        if evidence is None and _PLAIN_LONG.fullmatch(body):
            evidence = f"{text.strip()!r} at {place}"
    return evidence


def _bare(text: str) -> str:
    return text.strip().rstrip("*").strip().rstrip("%").strip()


def _text_samples(table: Table, c: int) -> list[tuple[str, str]]:
    rows = table.rows.data + table.rows.totals
    return [
        (cell, table.place(r, c))
        for r in rows
        if isinstance(cell := table.cell(r, c), str) and cell.strip()
    ]


def _thousands(table: Table, c: int) -> tuple[str, str] | None:
    """(style, evidence) from cells no style decides: one separator before three digits groups
    thousands far more often than it marks three decimals, so "." says comma style and ","
    says point style."""
    for r in table.rows.data + table.rows.totals:
        cell = table.cell(r, c)
        if isinstance(cell, str) and (found := _GROUPED.fullmatch(cell.strip().rstrip("*"))):
            return (
                "comma" if found[1] == "." else "point"
            ), f"{cell.strip()!r} at {table.place(r, c)}"
    return None


def without_sum_columns(table: Table, plan: Plan, columns: list[int]) -> list[int]:
    """Value columns minus a "Jumlah"/"Total" column that is the sum of the columns just left
    of it on (nearly) every row: a total, not an indicator."""
    kept = []
    for c in columns:
        label = table.columns[c].label
        run = (
            _summed_run(table, c, [k for k in columns if k < c])
            if _SUM_LABEL.search(label)
            else None
        )
        if run is None:
            kept.append(c)
            continue
        first, last = table.columns[run[0]].letter, table.columns[run[-1]].letter
        letter = table.columns[c].letter
        plan.say("parse.values", f"{label!r} ({letter}) sums {first}..{last}: a total, not loaded")
    return kept


def _summed_run(table: Table, index: int, left: list[int]) -> list[int] | None:
    for size in range(len(left), 1, -1):
        run = left[-size:]
        checked = agree = 0
        for r in table.rows.data:
            total = number_of(table.cell(r, index))
            parts = [number_of(table.cell(r, c)) for c in run]
            if total is None or None in parts:
                continue
            checked += 1
            agree += _close(total, sum(parts))
        if checked >= 2 and agree >= 0.9 * checked:
            return run
    return None


def total_exempt(table: Table, plan: Plan) -> None:
    """Indicators whose total row is no sum go to `total_exempt`: a total equal to the mean of
    its rows, or a ratio or share (its label says so) whose total does not add up."""
    exempt = []
    for c in plan.value_columns:
        code, label = plan.column_codes.get(c), table.columns[c].label
        verdict = _total_verdict(table, c)
        if code is None or code in exempt or verdict is None:
            continue
        if verdict == "average" or _RATIO_LABEL.search(label):
            exempt.append(code)
            why = "their average" if verdict == "average" else "no sum (a ratio or share)"
            plan.say("parse.total_exempt", f"the total row of {label!r} holds {why}")
    if exempt:
        plan.parse["total_exempt"] = exempt


def _total_verdict(table: Table, c: int) -> str | None:
    """None when every total row of the column sums the rows since the previous total (or all
    rows so far), "average" when each is their mean, else "other"."""
    since: list[float] = []
    so_far: list[float] = []
    verdicts = []
    data, totals = set(table.rows.data), set(table.rows.totals)
    for r in table.body:
        value = number_of(table.cell(r, c)) if r in data or r in totals else None
        if value is None:
            continue
        if r in data:
            since.append(value)
            so_far.append(value)
        elif since:
            if _close(value, sum(since)) or _close(value, sum(so_far)):
                verdicts.append(None)
            else:
                verdicts.append("average" if _close(value, sum(since) / len(since)) else "other")
            since = []
    if all(v is None for v in verdicts):
        return None
    return "average" if all(v == "average" for v in verdicts) else "other"


def dash(table: Table, plan: Plan, titles: list[str]) -> None:
    """`dash: zero` when "-" is nil (see the module docstring)."""
    notes = [table.first_text(r) for r in table.rows.footnotes]
    for text in [*notes, *titles]:
        if _NIL_NOTE.search(text):
            plan.parse["dash"] = "zero"
            plan.say("parse.dash", f"'-' is nil, as the note says: {text[:60]!r}")
            return
    verdicts = {c: _dash_verdict(table, c) for c in plan.value_columns}
    zero = [table.columns[c].label for c, v in verdicts.items() if v == "zero"]
    null = [table.columns[c].label for c, v in verdicts.items() if v == "null"]
    if zero and not null:
        plan.parse["dash"] = "zero"
        plan.say("parse.dash", f"'-' in {zero[0]!r}, a count column that writes no 0: it is nil")
    elif null:
        plan.say("parse.dash", f"'-' beside a written 0 in {null[0]!r}: '-' is no data")


def _dash_verdict(table: Table, c: int) -> str | None:
    cells = [table.cell(r, c) for r in table.rows.data]
    if not any(table.text(r, c) in ("-", "–", "—") for r in table.rows.data):
        return None
    numbers = [n for n in map(number_of, cells) if n is not None]
    if 0 in numbers:
        return "null"
    if numbers and all(float(n).is_integer() for n in numbers):
        return "zero"
    return None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE * max(abs(a), abs(b), 1e-9) + 1e-9
