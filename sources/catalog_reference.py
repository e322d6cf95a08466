"""The catalog reference page (docs/catalog/reference.md), written from the entry's JSON Schema.

One section per object of an entry (the entry, agency, parse, region, ...), in the order an
entry reads; each field with its path, type, whether it is required, its default, its allowed
values and its description, then the rules between the object's fields. Written by
`python -m sources.catalog_schema` (sources/catalog_schema.py), never by hand.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

from sources.catalog import DEFAULT_CATALOG_DIR
from sources.catalog_schema_rules import RULES

# Section headings by the model's class name: plain words, so every Markdown flavour gives
# them the same anchor (#region, #row-rule) for the links in the type column.
TITLES = {
    "SourceEntry": "Entry",
    "Agency": "Agency",
    "BpsSpec": "BPS table",
    "ParseSpec": "Parse",
    "RegionSpec": "Region",
    "PeriodSpec": "Period",
    "StatusSpec": "Status",
    "RowRule": "Row rule",
    "Indicator": "Indicator",
    "QualitySpec": "Quality",
    "PersonalDataAllowance": "Personal-data allowance",
}

INTRO = """\
<!-- Generated from sources/catalog.py by `{command}`: do not edit by hand. -->

# Catalog reference

Every field of a catalog entry (`sources/catalog/<id>.yaml`), generated from the catalog model
in `sources/catalog.py`, the same model that validates each entry when the catalog loads. The
JSON Schema `sources/catalog.schema.json` is generated from it too. A catalog file whose first
line names the schema by its path relative to the file, as each file in `sources/catalog/` does,
`{comment}`,
is checked and completed as you type by VS Code (with the YAML extension) and JetBrains IDEs;
`kotapintar draft` writes that line. A field path like `parse.region.level` is the key
`level` under `region` under `parse`; `[]` marks a list of objects (`indicators[].code`).

The loader also checks what no schema can: that the indicator codes `parse` yields are the
ones `indicators` declares, that regular expressions compile, that region codes and aliases are
known kode_wilayah, and that an indicator code belongs to one entry in the whole catalog.
"""


def reference_text(schema: dict[str, Any], models: dict[str, type[BaseModel]]) -> str:
    """The page for `schema` (catalog_schema.catalog_schema()); `models` gives each object's
    docstring and the order of its fields."""
    from sources.catalog_schema import COMMAND, schema_comment

    sections = _sections(schema)
    example = schema_comment(DEFAULT_CATALOG_DIR / "example.yaml")
    lines = [INTRO.format(command=COMMAND, comment=example)]
    for name, paths in sections.items():
        definition = schema if name == "SourceEntry" else schema["definitions"][name]
        lines += _section(name, paths, definition, models[name])
    return "\n".join(lines).rstrip("\n") + "\n"


def _sections(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Each object's class name -> the paths it is found at, in reading order (an object's
    own objects follow it: parse, then region, period, ...)."""
    found: dict[str, list[str]] = {"SourceEntry": [""]}

    def visit(name: str, prefix: str) -> None:
        definition = schema if name == "SourceEntry" else schema["definitions"][name]
        for field, prop in definition["properties"].items():
            for ref, suffix in _refs(prop):
                path = f"{prefix}{field}{suffix}"
                seen = found.setdefault(ref, [])
                if path not in seen:
                    seen.append(path)
                if len(seen) == 1:
                    visit(ref, f"{path}.")

    visit("SourceEntry", "")
    return found


def _ref(prop: dict[str, Any]) -> dict[str, Any]:
    """A property whose only `allOf` part is a `$ref` (draft-07's way to describe a reference)
    as that reference."""
    parts = prop.get("allOf", [])
    if len(parts) == 1 and "$ref" in parts[0]:
        return {**{k: v for k, v in prop.items() if k != "allOf"}, "$ref": parts[0]["$ref"]}
    return prop


def _refs(prop: dict[str, Any], suffix: str = "") -> list[tuple[str, str]]:
    prop = _ref(prop)
    if "$ref" in prop:
        return [(prop["$ref"].rsplit("/", 1)[-1], suffix)]
    if prop.get("type") == "array":
        return _refs(prop.get("items", {}), suffix + "[]")
    return [ref for option in prop.get("anyOf", []) for ref in _refs(option, suffix)]


def _section(name: str, paths: list[str], definition: dict, model: type[BaseModel]) -> list[str]:
    where = ", ".join(f"`{p}`" for p in paths if p) or "the top level of the file"
    about = " ".join((model.__doc__ or "").split())
    lines = [f"## {TITLES.get(name, name)}", "", f"At {where}. {about}", ""]
    lines += [
        "| field | type | required | default | allowed values | description |",
        "|---|---|---|---|---|---|",
    ]
    prefix = f"{paths[0]}." if paths[0] else ""
    required = set(definition.get("required", []))
    for field, prop in definition["properties"].items():
        cells = [
            f"`{prefix}{field}`",
            _type(prop),
            "yes" if field in required else "no",
            _default(prop, field in required),
            _allowed(prop),
            prop.get("description", ""),
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    rules = RULES.get("" if name == "SourceEntry" else name, [])
    if rules:
        lines += ["", "Rules between these fields:", ""]
        lines += [f"- {text}" for text, _ in rules]
    return [*lines, ""]


def _options(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property."""
    options = _ref(prop).get("anyOf", [_ref(prop)])
    return [_ref(o) for o in options if o.get("type") != "null"]


def _type(prop: dict[str, Any]) -> str:
    return " or ".join(_one_type(o) for o in _options(prop))


def _one_type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        title = TITLES.get(name, name)
        return f"[{title.lower()}](#{_anchor(title)})"
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        keys = "text"
        if "enum" in prop.get("propertyNames", {}):
            keys = "key"
        return f"map: {keys} → {_type(prop.get('additionalProperties', {}))}"
    return {"string": "text", "integer": "integer", "number": "number", "boolean": "boolean"}.get(
        kind, "any"
    )


def _allowed(prop: dict[str, Any]) -> str:
    parts = []
    for option in _options(prop):
        parts += _constraints(option)
        if option.get("type") == "array":
            for item in _options(option.get("items", {})):
                parts += [f"each: {c}" for c in _constraints(item)]
        if option.get("type") == "object":
            keys = option.get("propertyNames", {})
            if "enum" in keys:
                parts.append("keys: " + _enum(keys["enum"]))
            parts += [f"values: {c}" for c in _constraints(option.get("additionalProperties", {}))]
    return "; ".join(dict.fromkeys(parts))


def _constraints(prop: dict[str, Any]) -> list[str]:
    parts = []
    if "enum" in prop:
        parts.append(_enum(prop["enum"]))
    if "const" in prop:
        parts.append(_enum([prop["const"]]))
    if "pattern" in prop:
        parts.append(f"matches `{prop['pattern']}`")
    bounds = {
        "minimum": "≥",
        "exclusiveMinimum": ">",
        "maximum": "≤",
        "exclusiveMaximum": "<",
    }
    parts += [f"{sign} {prop[key]:g}" for key, sign in bounds.items() if key in prop]
    if "minLength" in prop:
        parts.append(f"at least {prop['minLength']} characters")
    if "minItems" in prop:
        parts.append(f"at least {prop['minItems']} item(s)")
    return parts


def _enum(values: list[Any]) -> str:
    return ", ".join(f"`{_yaml(v)}`" for v in values)


def _default(prop: dict[str, Any], required: bool) -> str:
    if required or "default" not in prop:
        return "—"
    value = prop["default"]
    if value is None:
        return "none"
    return f"`{_yaml(value)}`"


def _yaml(value: Any) -> str:
    """A value as it is written in a catalog file (flow style for lists and maps)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _anchor(title: str) -> str:
    return re.sub(r"[\s-]+", "-", re.sub(r"[^\w\s-]", "", title).strip().lower())


def _cell(text: str) -> str:
    # A pipe splits a table cell unless it is inside a code span; newlines end the row.
    pieces = re.split(r"(`[^`]*`)", " ".join(text.split()))
    return "".join(p if p.startswith("`") else p.replace("|", "\\|") for p in pieces)
