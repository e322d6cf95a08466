"""The metadata gate: an indicator reaches the portal only with its MS-Ind metadata complete.

The rule is `quality.metadata_check.metadata_gaps`, the one `kotapintar metadata --check`
reports: a required field left empty, or free text in the wrong language. An indicator with gaps
is left out of its dataset (its rows, its metadata, its files) and named in the publication
report with what it lacks. The no-loss rule comes first: an indicator the portal already
publishes (listed in the dataset's `satu_data_indikator` extra) is never removed that way, so
then the whole dataset is withheld this time, its previous publication left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from portal.content import DimensionContent, without
from quality.metadata_check import MISSING, metadata_gaps

FIX = "fill them in the catalog (`kotapintar metadata --check` lists what is missing)"


@dataclass(frozen=True)
class MetadataVerdict:
    """What may be published of one dimension: `content` (None: withhold the dataset, `reason`
    says why) and the indicators left out -> their gaps."""

    content: DimensionContent | None
    held_back: dict[str, str] = field(default_factory=dict)
    reason: str = ""


def indicator_gaps(content: DimensionContent) -> dict[str, str]:
    """Indicator code -> its gaps as text (catalog field names, e.g. `concept, method`, with
    the problem where the field is filled but unusable); complete indicators are not listed."""
    found = {}
    for row in content.indicator_records:
        gaps = metadata_gaps(row)
        if gaps:
            found[str(row["kode"])] = ", ".join(
                g.field if g.problem == MISSING else f"{g.field} {g.problem}" for g in gaps
            )
    return found


def metadata_verdict(
    con: duckdb.DuckDBPyConnection, content: DimensionContent, published: set[str]
) -> MetadataVerdict:
    """Leave the indicators with gaps out of `content`, or withhold the dataset when one of
    them is already on the portal (`published`) or none is left."""
    gaps = indicator_gaps(content)
    if not gaps:
        return MetadataVerdict(content)
    on_portal = sorted(set(gaps) & published)
    if on_portal:
        listed = "; ".join(f"{code} ({gaps[code]})" for code in on_portal)
        return MetadataVerdict(
            None,
            gaps,
            f"metadata incomplete for indicator(s) already on the portal: {listed}. Leaving "
            "them out would delete their published rows, so the previous publication stays; "
            f"{FIX}",
        )
    if len(gaps) == len(content.indicators):
        return MetadataVerdict(
            None, gaps, f"metadata incomplete for every indicator of the dataset; {FIX}"
        )
    return MetadataVerdict(without(con, content, sorted(gaps)), gaps)
