"""The stacked GX pass (quality/bulk_check.py) proves a source only when its own validation
would pass: held against GX validating each source alone, on hostile stacks."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from quality.bulk_check import Part, prove, stacked_rules
from quality.rules import Rule, tidy_rules
from quality.tidy_suite import validate_frame
from sources.tidy import tidy_frame

REGIONS = ["35.73.01.1001", "35.73.01.1002", "35.73.02.1001"]
BETWEEN = "expect_column_values_to_be_between"


def rows(source: str, indicator: str, n: int = 6, start: int = 2020) -> pd.DataFrame:
    return tidy_frame(
        [
            {
                "sumber_id": source,
                "indikator": indicator,
                "kode_wilayah": REGIONS[i % len(REGIONS)],
                "periode": str(start + i // len(REGIONS)),
                "nilai": float(i),
                "status": "final",
                "catatan": None,
                "lokasi": f"Data!C{i + 2}",
            }
            for i in range(n)
        ]
    )


def rules_of(indicators, extra=()) -> list[Rule]:
    return tidy_rules(known_regions=REGIONS, declared_indicators=indicators, extra_rules=extra)


def alone(part: Part) -> bool:
    return validate_frame(part.rows, table=f"tidy.{part.source_id}", rules=part.rules).success


def test_sources_that_pass_are_proven_in_one_pass():
    parts = [Part(f"s{i}", rows(f"s{i}", f"IND_{i}"), rules_of([f"IND_{i}"])) for i in range(4)]
    proof = prove(parts)
    assert set(proof.proven) == {"s0", "s1", "s2", "s3"}
    assert proof.proven["s2"].sources == 4 and proof.proven["s2"].seconds > 0
    assert proof.stacks == 1
    # One expectation per shared rule and one for the declared indicators (as pairs).
    assert len(stacked_rules(parts)) == len(parts[0].rules)


def test_an_indicator_declared_by_another_source_is_not_proven():
    # s1 publishes IND_0, which only s0 declares: the union of the sets would pass it.
    parts = [
        Part("s0", rows("s0", "IND_0"), rules_of(["IND_0"])),
        Part("s1", rows("s1", "IND_0"), rules_of(["IND_1"])),
    ]
    assert not alone(parts[1])
    assert set(prove(parts).proven) == set()


def test_the_same_key_in_two_sources_is_not_a_duplicate_but_twice_in_one_is():
    same = [Part(f"s{i}", rows(f"s{i}", "IND"), rules_of(["IND"])) for i in range(2)]
    assert set(prove(same).proven) == {"s0", "s1"}
    doubled = pd.concat([rows("s1", "IND"), rows("s1", "IND").head(1)], ignore_index=True)
    parts = [same[0], Part("s1", doubled, rules_of(["IND"]))]
    assert not alone(parts[1])
    assert set(prove(parts).proven) == set()


def test_a_catalog_rule_of_one_source_reads_only_its_own_rows():
    # Both publish IND; only s0 declares a range that s1's values (0..5) break above 2.
    narrow = Rule(
        "value_range", BETWEEN, {"column": "nilai", "max_value": 2}, (("indikator", "IND"),)
    )
    parts = [
        Part("s0", rows("s0", "IND", n=3), rules_of(["IND"], [narrow])),
        Part("s1", rows("s1", "IND"), rules_of(["IND"])),
    ]
    assert alone(parts[0]) and alone(parts[1])
    assert set(prove(parts).proven) == {"s0", "s1"}
    parts[0] = Part("s0", rows("s0", "IND"), rules_of(["IND"], [narrow]))
    assert not alone(parts[0])
    assert set(prove(parts).proven) == set()


def test_parts_of_other_dtypes_or_rules_are_left_to_their_own_validation():
    ints = rows("s2", "IND").astype({"nilai": "int64"})
    mostly = Rule("mostly", BETWEEN, {"column": "nilai", "min_value": 0, "mostly": 0.5})
    objects = rows("s4", "IND").astype({"kode_wilayah": object})
    parts = [
        Part("s0", rows("s0", "IND"), rules_of(["IND"])),
        Part("s1", rows("s1", "IND"), rules_of(["IND"])),
        Part("s2", ints, rules_of(["IND"])),  # nilai int64 fails alone; a stack would be float
        Part("s3", rows("s3", "IND"), rules_of(["IND"], [mostly])),  # a share, not row by row
        Part("s4", objects, rules_of(["IND"])),  # text as Python objects
    ]
    assert not alone(parts[2])
    assert set(prove(parts).proven) == {"s0", "s1"}


def test_one_source_alone_is_not_stacked():
    proof = prove([Part("s0", rows("s0", "IND"), rules_of(["IND"]))])
    assert proof.proven == {} and proof.stacks == 0


def _hostile(rng: random.Random, source: str) -> Part:
    """A source's rows with at most one planted fault of a random kind."""
    indicators = [f"IND_{rng.randrange(3)}"]
    df = rows(source, indicators[0], n=rng.randrange(1, 9), start=rng.choice([2020, 2021]))
    extra = []
    if rng.random() < 0.4:
        bound = rng.choice([3.0, 8.0, 8.0, 8.0, 8.0])  # 3: a row of 4 or more breaks it
        extra.append(
            Rule(
                "value_range",
                BETWEEN,
                {"column": "nilai", "max_value": bound},
                (("indikator", indicators[0]),),
            )
        )
    # One source in ten has a fault: about half the stacks pass whole.
    faults = ["region", "period", "null", "status", "dup", "other"]
    fault = rng.choice(faults) if rng.random() < 0.1 else "none"
    i = rng.randrange(len(df))
    if fault == "region":
        df.loc[i, "kode_wilayah"] = "35.73.09.9999"
    elif fault == "period":
        df.loc[i, "periode"] = "2020-13"
    elif fault == "null":
        df.loc[i, rng.choice(["indikator", "kode_wilayah", "periode", "status"])] = pd.NA
    elif fault == "status":
        df.loc[i, "status"] = "sementara?"
    elif fault == "dup":
        df = pd.concat([df, df.iloc[[i]]], ignore_index=True)
    elif fault == "other":
        df.loc[i, "indikator"] = f"IND_{rng.randrange(3, 5)}"
    if rng.random() < 0.5:  # the fast parser's categoricals next to plain text
        text = ["sumber_id", "indikator", "kode_wilayah", "periode", "status"]
        df = df.astype(dict.fromkeys(text, "category"))
    return Part(source, df, rules_of(indicators, extra))


@pytest.mark.parametrize("seed", range(16))
def test_proof_agrees_with_each_source_validated_alone(seed):
    rng = random.Random(seed)
    parts = [_hostile(rng, f"s{seed}_{k}") for k in range(rng.randrange(2, 7))]
    verdicts = {p.source_id: alone(p) for p in parts}
    proof = prove(parts)
    # Sound: nothing that fails alone is proven; all-or-nothing per stack.
    assert all(verdicts[s] for s in proof.proven)
    if all(verdicts.values()):
        assert set(proof.proven) == set(verdicts)
    else:
        assert proof.proven == {}
