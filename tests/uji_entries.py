"""Catalog entries for parser tests: an SAMPLE entry of one file with the given parse spec and
one plain indicator per code it yields."""

from sources.catalog import SourceEntry, parse_entry


def uji_entry(source_id: str, kind: str, location: str, parse: dict) -> SourceEntry:
    codes = sorted(set(parse.get("values", {}).values()) | {parse.get("indicator")} - {None})
    data = {
        "id": source_id,
        "title": "SAMPLE uji",
        "agency": {"code": "diskopindag", "name": "Diskopindag"},
        "kind": kind,
        "location": location,
        "sample": True,
        "dimension": "smart_economy",
        "schedule": "tahunan",
        "parse": parse,
        "indicators": [
            {"code": c, "name_id": c, "name_en": c, "unit": "unit", "definition": "uji",
             "direction": "neutral"}
            for c in codes
        ],
    }  # fmt: skip
    return parse_entry(data, f"{source_id}.yaml")
