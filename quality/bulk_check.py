"""One GX pass over the tidy rows of many sources: the sources it proves pass skip a validation
of their own.

A source's validation costs ~50 ms on 10,000 rows, most of it GX's fixed cost per expectation
(metric graphs, configurations serialised again and again), not its rows: 500 sources paid it
500 times. Here the rows of several sources are stacked, with each row's source in `sumber`,
and every source's rules become rules over the stack that hold exactly when each source's own
rules hold on its own rows:

- a rule every source has (the tidy suite's) is checked once over all rows: each of these
  expectations judges a row by itself, so a row breaks it in the stack iff in its own table;
- key uniqueness gets `sumber` into its key (unique within each source, not across them);
- a value set of each source's own (`indikator_declared`) is checked once, on the pair
  "source, value" (PAIR_SEPARATOR) against every source's pairs;
- any other rule of some sources only is narrowed to their rows by a `where` on `sumber`.

Only expectations that judge row by row are stacked (ROW_WISE, without `mostly`, which is a
share of the table); a type rule (nilai: float64) holds on the stack iff on each part because
only parts whose checked non-text columns have the same dtype are stacked together, and text
columns are stacked only from text (string or categorical) columns, so nothing is converted
into a value that passes where the original would not.

A proof, not a verdict: when the stacked pass fails (or cannot run), no source of the stack is
proven and each is validated alone as before, which finds the offending rows, writes the
evidence, the messages and the Data Docs page. So a failure reads exactly as it did, and only
costs the stacked pass more. GX stays the engine of every verdict.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from quality.rules import Rule
from quality.tidy_suite import validate_frame

log = logging.getLogger("kotapintar")

SOURCE_COLUMN = "sumber"
PAIR_SEPARATOR = "\x1f"  # the ASCII unit separator: never in a source id or a cell's text
IN_SET = "expect_column_values_to_be_in_set"
COMPOUND_UNIQUE = "expect_compound_columns_to_be_unique"
TYPE_LIST = "expect_column_values_to_be_in_type_list"
# Expectations that judge each row (or each key, for uniqueness) by itself.
ROW_WISE = frozenset(
    {
        "expect_column_values_to_not_be_null",
        IN_SET,
        "expect_column_values_to_match_regex",
        "expect_column_values_to_be_between",
        COMPOUND_UNIQUE,
        TYPE_LIST,
    }
)


@dataclass(frozen=True)
class Part:
    """One source's rows to check and its rules."""

    source_id: str
    rows: pd.DataFrame
    rules: Sequence[Rule]


@dataclass(frozen=True)
class Stacked:
    """How a proven source was validated: in a stack of `sources`, `seconds` its share."""

    sources: int
    seconds: float


@dataclass(frozen=True)
class Proof:
    """The sources whose rules a stacked GX pass found to hold, and what it cost."""

    proven: dict[str, Stacked]
    stacks: int = 0
    seconds: float = 0.0


def prove(parts: Sequence[Part], *, table: str = "tidy.bulk") -> Proof:
    """Stack the parts that can be stacked (by the dtypes of their checked columns) and validate
    each stack of two or more in one GX pass; every source of a stack that passed is proven."""
    started = time.perf_counter()
    groups: dict[tuple, list[Part]] = {}
    for part in parts:
        signature = _signature(part)
        if signature is not None:
            groups.setdefault(signature, []).append(part)
    proven: dict[str, Stacked] = {}
    stacks = 0
    for group in groups.values():
        if len(group) < 2:
            continue  # one source: its own validation is the cheaper proof
        stacks += 1
        stack_started = time.perf_counter()
        try:
            rules = stacked_rules(group)
            report = validate_frame(_stack(group, rules), table=table, rules=rules)
        except Exception as exc:  # no proof: each source is validated alone, as before
            log.warning("the stacked check of %d sources could not run: %s", len(group), exc)
            continue
        if report.success:
            share = (time.perf_counter() - stack_started) / len(group)
            proven.update((part.source_id, Stacked(len(group), share)) for part in group)
    return Proof(proven, stacks, time.perf_counter() - started)


def stacked_rules(parts: Sequence[Part]) -> list[Rule]:
    """The rules over the stack that hold iff every part's rules hold on its rows."""
    everyone = len(parts)
    text = {c for c in parts[0].rows.columns if _is_text(parts[0].rows[c])}
    by_rule: dict[tuple, tuple[Rule, list[str]]] = {}
    # Per shape of value-set rule (all but its values): each part's value sets of that shape.
    value_sets: dict[tuple, dict[str, list[list]]] = {}
    for part in parts:
        for rule in part.rules:
            if _pairable(rule, text):
                sets = value_sets.setdefault(_pair_key(rule), {})
                sets.setdefault(part.source_id, []).append(list(rule.kwargs["value_set"]))
            by_rule.setdefault(_key(rule), (rule, []))[1].append(part.source_id)
    out: list[Rule] = []
    paired: set[tuple] = set()
    for rule, owners in by_rule.values():
        if len(owners) == everyone and len(set(owners)) == everyone:
            out.append(_per_source_key(rule))
            continue
        if _pairable(rule, text):
            shape = _pair_key(rule)
            sets = value_sets[shape]
            # Every part has exactly one rule of this shape: its pairs say all of them.
            if len(sets) == everyone and all(len(found) == 1 for found in sets.values()):
                if shape not in paired:
                    paired.add(shape)
                    out.append(_paired(rule, {s: found[0] for s, found in sets.items()}))
                continue
        for source_id in dict.fromkeys(owners):
            narrowed = replace(rule, where=(*rule.where, (SOURCE_COLUMN, source_id)))
            out.append(_per_source_key(narrowed))
    return out


def pair_column(column: str) -> str:
    return f"{SOURCE_COLUMN}{PAIR_SEPARATOR}{column}"


def _pairable(rule: Rule, text_columns: set[str]) -> bool:
    """A value set on a text column for every row: checkable as "source, value" pairs."""
    return (
        rule.expectation == IN_SET
        and not rule.where
        and rule.kwargs["column"] in text_columns
        and all(isinstance(v, str) for v in rule.kwargs["value_set"])
    )


def _paired(rule: Rule, sets: dict[str, list]) -> Rule:
    pairs = sorted(
        f"{source_id}{PAIR_SEPARATOR}{value}"
        for source_id, values in sets.items()
        for value in values
    )
    kwargs = {**_without(rule.kwargs, "value_set"), "column": pair_column(rule.kwargs["column"])}
    return replace(rule, kwargs={**kwargs, "value_set": pairs})


def _per_source_key(rule: Rule) -> Rule:
    """Uniqueness within each source: `sumber` joins the key."""
    if rule.expectation != COMPOUND_UNIQUE:
        return rule
    columns = [SOURCE_COLUMN, *rule.kwargs["column_list"]]
    return replace(rule, kwargs={**rule.kwargs, "column_list": columns})


def _pair_key(rule: Rule) -> tuple:
    """A value-set rule's shape: everything but its values."""
    return _key(replace(rule, kwargs=_without(rule.kwargs, "value_set")))


def _key(rule: Rule) -> tuple:
    kwargs = json.dumps(rule.kwargs, sort_keys=True, default=repr)
    return (rule.name, rule.expectation, kwargs, rule.where, rule.row_level)


def _without(kwargs, name: str) -> dict:
    return {k: v for k, v in kwargs.items() if k != name}


def _stackable(rule: Rule) -> bool:
    return (
        rule.expectation in ROW_WISE
        and "mostly" not in rule.kwargs
        and "row_condition" not in rule.kwargs
        and all(column != SOURCE_COLUMN for column, _ in rule.where)
    )


def _is_text(values: pd.Series) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return isinstance(dtype.categories.dtype, pd.StringDtype) or (
            dtype.categories.dtype == object and all(isinstance(v, str) for v in dtype.categories)
        )
    return isinstance(dtype, pd.StringDtype)


def _columns(part: Part) -> list[str]:
    return list(dict.fromkeys(c for rule in part.rules for c in rule.reads))


def _signature(part: Part) -> tuple | None:
    """What parts must share to be stacked: the columns read and the dtype of each non-text one;
    None when the part cannot be stacked (a rule that is not row-wise, a column missing, a text
    column held as Python objects)."""
    if not part.rules or not all(_stackable(rule) for rule in part.rules):
        return None
    signature = []
    for column in _columns(part):
        if column not in part.rows.columns or column == SOURCE_COLUMN:
            return None
        values = part.rows[column]
        if _is_text(values):
            signature.append((column, "text"))
        elif values.dtype == object:
            return None
        else:
            signature.append((column, str(values.dtype)))
    return tuple(sorted(signature))


def _stack(parts: Sequence[Part], rules: Sequence[Rule]) -> pd.DataFrame:
    """The parts' checked columns one under the other, each row's source in `sumber`, and the
    pair columns `rules` read."""
    lengths = [len(part.rows) for part in parts]
    ids = [part.source_id for part in parts]
    source = pd.Categorical.from_codes(np.repeat(np.arange(len(parts)), lengths), categories=ids)
    stacked: dict[str, object] = {SOURCE_COLUMN: source}
    for column in _columns(parts[0]):
        series = [part.rows[column].reset_index(drop=True) for part in parts]
        stacked[column] = _combined(series)
    frame = pd.DataFrame(stacked)
    paired = {c for r in rules for c in r.columns if c.startswith(pair_column(""))}
    for column in (c.removeprefix(pair_column("")) for c in sorted(paired)):
        frame[pair_column(column)] = (
            frame[SOURCE_COLUMN].astype("string") + PAIR_SEPARATOR + frame[column].astype("string")
        )
    return frame


def _combined(series: list[pd.Series]):
    if all(_is_text(s) for s in series):
        if all(isinstance(s.dtype, pd.CategoricalDtype) for s in series):
            try:
                return union_categoricals(series, ignore_order=True)
            except TypeError:  # categories of different dtypes: as text below
                pass
        return pd.concat([s.astype("string") for s in series], ignore_index=True)
    return pd.concat(series, ignore_index=True)
