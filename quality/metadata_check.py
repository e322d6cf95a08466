"""Is an indicator's metadata complete enough to publish? (Satu Data Indonesia, BPS MS-Ind)

Perpres 39/2019 asks every published statistic to carry its metadata; BPS's MS-Ind (Peraturan
BPS 5/2020) names the fields. The catalog declares them per indicator (sources/catalog.py
`Indicator`), `dim_indikator` carries them, and this module says which required ones are
empty or written in the wrong language. It works on `dim_indikator` rows (plain mappings) so
the CLI, which reads the catalog, and the portal, which reads the analyst snapshot, apply the
same rule; `check_catalog` is the report behind `kotapintar metadata --check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sources.catalog import SourceEntry

# dim_indikator column -> (MS-Ind name, the catalog field that fills it). Kode referensi and
# the ISO indicator are optional: not every indicator has one.
REQUIRED: dict[str, tuple[str, str]] = {
    "nama_id": ("nama indikator", "name_id"),
    "konsep": ("konsep", "concept"),
    "definisi": ("definisi", "definition"),
    "definisi_en": ("definisi (Inggris)", "definition_en"),
    "klasifikasi": ("klasifikasi penyajian", "classification"),
    "ukuran": ("ukuran", "measure"),
    "satuan": ("satuan", "unit"),
    "interpretasi": ("interpretasi", "interpretation"),
    "metode": ("metode / rumus penghitungan", "method"),
    "level_estimasi": ("level estimasi", "estimation_level"),
    "produsen": ("produsen data", "agency.name"),
    "jadwal": ("jadwal pemutakhiran", "schedule"),
    "agregasi": ("agregasi", "aggregation"),
}

# The language check: free text must be written in the language its field promises. A text
# "looks English" when it has at least MIN_WORDS English function words and more of them than
# Indonesian ones (and the reverse for "looks Indonesian"). Shorter texts, and texts of names,
# acronyms and numbers only, cannot be told apart and pass. "per" is in both languages.
MIN_WORDS = 2
# A word list reads best as one string (a list literal would take a line per word).
ENGLISH_WORDS = frozenset(
    "the of and is are in on at by for with from to as an or that which this its their be not "  # noqa: SIM905
    "number share percentage".split()
)
INDONESIAN_WORDS = frozenset(
    "yang dan di dari dalam pada untuk dengan atau ke oleh adalah tidak bukan menurut setiap "  # noqa: SIM905
    "terhadap dibagi sebagai tanpa termasuk jumlah".split()
)
INDONESIAN_TEXT = ("konsep", "definisi", "interpretasi", "metode")
ENGLISH_TEXT = ("definisi_en",)
MISSING = "missing"


@dataclass(frozen=True)
class Gap:
    """One required field of one indicator that cannot be published as it is."""

    field: str  # the catalog field to fill, e.g. "method"
    label: str  # its MS-Ind name, e.g. "metode / rumus penghitungan"
    problem: str = MISSING  # or e.g. "looks English (at, of, the)"

    def line(self) -> str:
        if self.problem == MISSING:
            return f"{self.label}: missing; fill `{self.field}`"
        language = "Indonesian" if self.field != "definition_en" else "English"
        return f"{self.label}: {self.problem}; rewrite `{self.field}` in {language}"


def missing_metadata(row: Mapping[str, object]) -> list[str]:
    """The catalog fields a `dim_indikator` row leaves empty, e.g. `['concept', 'method']`
    (empty list: complete). A column absent from `row` counts as empty."""
    return [field for column, (_, field) in REQUIRED.items() if _blank(row.get(column))]


def metadata_gaps(row: Mapping[str, object]) -> list[Gap]:
    """Everything that keeps a `dim_indikator` row from publication: required fields left
    empty, and free text in the wrong language (an Indonesian field that reads as English,
    `definition_en` that reads as Indonesian). Empty list: publishable."""
    gaps = []
    for column, (label, name) in REQUIRED.items():
        value = row.get(column)
        if _blank(value):
            gaps.append(Gap(name, label))
        elif column in INDONESIAN_TEXT and (words := looks_english(str(value))):
            gaps.append(Gap(name, label, f"looks English ({', '.join(words)})"))
        elif column in ENGLISH_TEXT and (words := looks_indonesian(str(value))):
            gaps.append(Gap(name, label, f"looks Indonesian ({', '.join(words)})"))
    return gaps


def looks_english(text: str) -> list[str]:
    """The English function words that outvote the Indonesian ones in `text` (sorted, unique),
    or [] when the text reads as Indonesian or is too short to tell."""
    return _outvoting(text, ENGLISH_WORDS, INDONESIAN_WORDS)


def looks_indonesian(text: str) -> list[str]:
    """The mirror of `looks_english`, for text that should be English."""
    return _outvoting(text, INDONESIAN_WORDS, ENGLISH_WORDS)


def _outvoting(text: str, these: frozenset[str], others: frozenset[str]) -> list[str]:
    words = re.findall(r"[^\W\d_]+", text.lower())
    mine = [w for w in words if w in these]
    theirs = sum(w in others for w in words)
    return sorted(set(mine)) if len(mine) >= MIN_WORDS and len(mine) > theirs else []


@dataclass(frozen=True)
class IndicatorGaps:
    """The gaps of one indicator, with where to fix them."""

    indicator: str
    source_id: str
    catalog_file: str
    agency_code: str
    agency: str
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class MetadataReport:
    """The completeness of a catalog's metadata: `gaps` maps an agency code to its indicators
    with gaps (agencies and indicators sorted); empty means every indicator may be published."""

    indicators: int
    sources: int
    gaps: dict[str, list[IndicatorGaps]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.gaps

    def render(self) -> str:
        """A plain-text report: a header line with the counts, then per agency each incomplete
        indicator with its source, the catalog file to edit and each field to fill."""
        if self.ok:
            return (
                f"MS-Ind metadata complete: all {self.indicators} indicators of {self.sources} "
                "sources have every required field filled."
            )
        listed = [item for items in self.gaps.values() for item in items]
        count = sum(len(item.gaps) for item in listed)
        lines = [
            f"MS-Ind metadata incomplete: {_n(count, 'gap')} in {len(listed)} of "
            f"{_n(self.indicators, 'indicator')}, at {_n(len(self.gaps), 'agency', 'agencies')}; "
            "an indicator with a gap is not published until its catalog entry is filled."
        ]
        for code, items in self.gaps.items():
            lines += ["", f"{code} — {items[0].agency or '(agency name missing)'}:"]
            for item in items:
                lines.append(
                    f"  {item.indicator} (source {item.source_id}), fix in {item.catalog_file}:"
                )
                lines += [f"    - {gap.line()}" for gap in item.gaps]
        return "\n".join(lines)


def check_catalog(entries: list[SourceEntry]) -> MetadataReport:
    """Check every indicator of `entries` on the rows `dim_indikator` gets from them."""
    from sources.catalog_frames import indikator_frame  # pandas, only when checking

    files = {entry.id: entry.catalog_file for entry in entries}
    rows = indikator_frame(entries).to_dict("records") if entries else []
    gaps: dict[str, list[IndicatorGaps]] = {}
    for row in sorted(rows, key=lambda r: (r["produsen_kode"], r["sumber_id"], r["kode"])):
        found = metadata_gaps(row)
        if found:
            gaps.setdefault(row["produsen_kode"], []).append(
                IndicatorGaps(
                    indicator=row["kode"],
                    source_id=row["sumber_id"],
                    catalog_file=files[row["sumber_id"]],
                    agency_code=row["produsen_kode"],
                    agency=row["produsen"] or "",
                    gaps=tuple(found),
                )
            )
    return MetadataReport(indicators=len(rows), sources=len(entries), gaps=gaps)


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN from pandas
        return True
    return isinstance(value, str) and not value.strip()
