"""The tidy suite as data: each rule is a name, a GX expectation type and its arguments.

Kept free of GX imports so the rules can be listed, tested and extended (catalog-declared value
ranges, expected periods, year-over-year change) without paying for `import great_expectations`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sources.tidy import KEY_COLUMNS, PERIODE_PATTERN, STATUSES

REQUIRED_COLUMNS: tuple[str, ...] = (*KEY_COLUMNS, "status")
# The tidy contract stores nilai as float64 (sources.tidy.tidy_frame); nulls are allowed.
NILAI_TYPES: tuple[str, ...] = ("float64",)


@dataclass(frozen=True)
class Rule:
    """One named check: a GX expectation type and its arguments.

    `where` narrows the rule to rows whose columns equal the given values (a catalog rule of one
    indicator: `(("indikator", "IPM"),)`); it becomes a GX row condition and the same filter in
    the pandas evidence. `row_level` says whether the rows that break it can be quarantined one
    by one (a value out of range) or the table fails as a whole (a missing period).
    """

    name: str
    expectation: str
    kwargs: Mapping[str, Any]
    where: tuple[tuple[str, Any], ...] = ()
    row_level: bool = True

    @property
    def columns(self) -> list[str]:
        """The columns the rule reads, e.g. the three key columns of key_unique."""
        return list(self.kwargs.get("column_list") or [self.kwargs["column"]])

    @property
    def reads(self) -> list[str]:
        """Every column the check needs: its own and those of its `where` filter."""
        return list(dict.fromkeys([*self.columns, *(column for column, _ in self.where)]))

    @property
    def column(self) -> str:
        return ", ".join(self.columns)


def tidy_rules(
    *,
    known_regions: Collection[str],
    declared_indicators: Collection[str],
    extra_rules: Sequence[Rule] = (),
) -> list[Rule]:
    """The tidy suite as data; catalog-declared rules (ranges, periods, ...) go in `extra_rules`."""
    in_set = "expect_column_values_to_be_in_set"
    return [
        *(
            Rule("keys_not_null", "expect_column_values_to_not_be_null", {"column": column})
            for column in REQUIRED_COLUMNS
        ),
        Rule(
            "indikator_declared",
            in_set,
            {"column": "indikator", "value_set": sorted(declared_indicators)},
        ),
        Rule(
            "kode_wilayah_known",
            in_set,
            {"column": "kode_wilayah", "value_set": sorted(known_regions)},
        ),
        Rule(
            "periode_well_formed",
            "expect_column_values_to_match_regex",
            {"column": "periode", "regex": PERIODE_PATTERN},
        ),
        Rule("status_allowed", in_set, {"column": "status", "value_set": list(STATUSES)}),
        Rule(
            "nilai_numeric",
            "expect_column_values_to_be_in_type_list",
            {"column": "nilai", "type_list": list(NILAI_TYPES)},
        ),
        Rule(
            "key_unique",
            "expect_compound_columns_to_be_unique",
            # Rows with a null key part are reported by keys_not_null, not again here.
            {"column_list": list(KEY_COLUMNS), "ignore_row_if": "any_value_is_missing"},
        ),
        *extra_rules,
    ]
