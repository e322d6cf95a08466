"""The dataset description (`notes`) as CKAN 2.11 renders it.

CKAN renders `notes` with Python-Markdown without extensions and keeps only a few HTML tags: a
Markdown table arrives as raw `| a | b |` text, so the indicators are a bullet list (one item
per indicator: code, name, unit, producer, schedule and the start of its definition). Text from
the catalog is escaped so a `*` or `_` in a definition cannot turn into emphasis, and nothing
reads `dataset:name`, which CKAN would turn into a link.
"""

from __future__ import annotations

import re

import pandas as pd

from portal.content import DimensionContent
from sources.wilayah import KODE_KOTA

SAMPLE_NOTE = (
    "**SAMPLE — data contoh buatan, bukan angka resmi Pemerintah Kota Malang atau BPS.** "
    "(Made-up sample data for testing the pipeline; not official figures.)"
)
DEFINITION_CHARS = 200  # the list shows the start; the indicators resource has it whole
_MARKDOWN = re.compile(r"([\\`*_\[\]#])")


def description(
    content: DimensionContent,
    label: str,
    name_id: str,
    name_en: str,
    pillars: list[str],
    alias: str,
    contact_email: str = "",
) -> str:
    """The Markdown of the dataset page: the SAMPLE note first (CKAN's search results show the
    first lines), what the dataset holds in Indonesian and English, the indicators as a list,
    the Data API alias and the contact."""
    parts = [SAMPLE_NOTE] if content.sample else []
    parts.append(
        f"Indikator dimensi {label} ({name_id}) Kota Malang (kode wilayah {KODE_KOTA}): satu "
        "baris per indikator, wilayah (kota, kecamatan, kelurahan) dan periode. Diterbitkan "
        "otomatis oleh pipeline Kota Pintar hanya setelah lolos pemeriksaan kualitas, "
        "pemeriksaan data pribadi dan kelengkapan metadata indikator."
    )
    parts.append(
        f"**English summary:** Kota Malang smart-city indicators, {label} dimension "
        f"({name_en}): one row per indicator, region and period, published by the Kota Pintar "
        "pipeline only after its quality, personal-data and metadata checks passed."
    )
    parts.append(f"Pilar smart city nasional (national pillar): {', '.join(pillars) or '-'}.")
    parts.append("### Indikator (indicators)")
    parts.append("\n".join(_item(i) for i in content.indicator_records))
    parts.append(
        "Metadata lengkap per indikator (Satu Data Indonesia): sumber daya *Metadata "
        "indikator*. Full metadata per indicator: the *Metadata indikator* resource."
    )
    parts.append("### Data API")
    parts.append(
        f"DataStore alias `{alias}`: `/api/3/action/datastore_search?resource_id={alias}`."
    )
    if contact_email:
        parts.append(f"Kontak walidata (contact): <{contact_email}>")
    return "\n\n".join(parts)


def _item(indicator: dict) -> str:
    """One indicator as a list item: `- **`CODE`** name — satuan …; definisi …`."""
    facts = [
        f"satuan: {escape(text(indicator.get('satuan'))) or '-'}",
        f"produsen: {escape(text(indicator.get('produsen'))) or '-'}",
        f"jadwal: {escape(text(indicator.get('jadwal'))) or '-'}",
    ]
    name = escape(text(indicator.get("nama_id")))
    line = f"- **`{indicator['kode']}`** {name} ({'; '.join(facts)})"
    definition = shorten(text(indicator.get("definisi")))
    return f"{line}. {escape(definition)}" if definition else f"{line}."


def shorten(value: str, limit: int = DEFINITION_CHARS) -> str:
    """`value` on one line, cut at a word boundary before `limit` characters with `…`."""
    value = " ".join(value.split())
    if len(value) <= limit:
        return value
    cut = value[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return f"{cut}…"


def escape(value: str) -> str:
    """Catalog text as literal Markdown: emphasis, code and link characters escaped, angle
    brackets as entities (CKAN strips HTML tags)."""
    value = " ".join(value.split())
    return _MARKDOWN.sub(r"\\\1", value).replace("<", "&lt;").replace(">", "&gt;")


def text(value: object) -> str:
    """A dim_indikator cell as text ("" for a missing value)."""
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
