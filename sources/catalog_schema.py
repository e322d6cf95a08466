"""The JSON Schema of a catalog entry and the catalog reference page, generated from the model.

    .venv/bin/python -m sources.catalog_schema          write both files
    .venv/bin/python -m sources.catalog_schema --check  exit 1 when either is stale

The model (sources/catalog.py) is the one source of truth: field types, allowed values,
defaults and descriptions come from it, and the rules between fields an editor can check from
sources/catalog_schema_rules.py. Catalog YAML files name the schema on their first line
(`SCHEMA_COMMENT`), so VS Code (YAML extension) and JetBrains IDEs validate and complete an
entry as it is typed. Output is byte-stable: sorted keys, two-space indent, a final newline.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sources.catalog import REPO_ROOT, SourceEntry
from sources.catalog_schema_rules import add_rules

SCHEMA_PATH = REPO_ROOT / "sources" / "catalog.schema.json"
REFERENCE_PATH = REPO_ROOT / "docs" / "catalog" / "reference.md"
COMMAND = ".venv/bin/python -m sources.catalog_schema"
SCHEMA_COMMENT = "# yaml-language-server: $schema="
INTERNAL_FIELDS = {"catalog_file"}  # set by the loader, never written in an entry


def catalog_schema() -> dict[str, Any]:
    """The JSON Schema of one catalog entry, in draft-07: the version VS Code's YAML extension
    (yaml-language-server) implements; JetBrains IDEs read it too."""
    # Draft-07 names the shared part `definitions` (pydantic's default is 2020-12's `$defs`).
    schema = SourceEntry.model_json_schema(ref_template="#/definitions/{model}")
    schema["definitions"] = schema.pop("$defs")
    for name in INTERNAL_FIELDS:
        schema["properties"].pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    for name, model in models().items():
        _factory_defaults(schema if model is SourceEntry else schema["definitions"][name], model)
    schema["title"] = "Kota Pintar catalog entry"
    schema["description"] = (
        "One dataset of the Kota Pintar source catalog (sources/catalog/<id>.yaml). Generated "
        f"from sources/catalog.py by `{COMMAND}`: do not edit by hand."
    )
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return _lone_refs(add_rules(schema))


def models(root: type[BaseModel] = SourceEntry) -> dict[str, type[BaseModel]]:
    """Every model class of the entry by its name in `definitions`, the entry first."""
    found: dict[str, type[BaseModel]] = {}

    def visit(model: type[BaseModel]) -> None:
        if model.__name__ in found:
            return
        found[model.__name__] = model
        for info in model.model_fields.values():
            for inner in _models_in(info.annotation):
                visit(inner)

    visit(root)
    return found


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def _factory_defaults(definition: dict[str, Any], model: type[BaseModel]) -> None:
    # Pydantic leaves out the default of a field with a default factory; editors show it.
    for name, info in model.model_fields.items():
        prop = definition["properties"].get(name)
        if prop is not None and info.default_factory is not None:
            default = info.get_default(call_default_factory=True)
            prop["default"] = default.model_dump() if isinstance(default, BaseModel) else default


def _lone_refs(node: Any) -> Any:
    # Draft-07 ignores the keys beside a `$ref` (pydantic puts a field's description and default
    # there): the reference goes under `allOf` and they stay the field's own.
    if isinstance(node, list):
        return [_lone_refs(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _lone_refs(value) for key, value in node.items()}
    if "$ref" in node and len(node) > 1:
        node["allOf"] = [{"$ref": node.pop("$ref")}, *node.get("allOf", [])]
    return node


def schema_text() -> str:
    return json.dumps(catalog_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_comment(entry_file: Path | None = None) -> str:
    """The first line of a catalog YAML file: the schema's path relative to `entry_file`'s
    folder, or relative to the repository when where the file goes is not known."""
    if entry_file is None:
        target = SCHEMA_PATH.relative_to(REPO_ROOT).as_posix()
    else:
        folder = Path(entry_file).resolve().parent
        target = Path(os.path.relpath(SCHEMA_PATH, folder)).as_posix()
    return f"{SCHEMA_COMMENT}{target}"


def generated() -> dict[Path, str]:
    """Each generated file and the text it should have now."""
    from sources.catalog_reference import reference_text

    schema = catalog_schema()
    return {SCHEMA_PATH: schema_text(), REFERENCE_PATH: reference_text(schema, models())}


def stale_files() -> list[Path]:
    """The generated files whose text differs from what the generator writes now."""
    return [
        path
        for path, text in generated().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when a file is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"{path.relative_to(REPO_ROOT)} is stale: run `{COMMAND}`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated().items():
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
