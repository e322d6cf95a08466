"""Catalog files: a key given twice is refused with both lines, `.yml` entries are read."""

import copy

import pytest
import yaml

from sources.catalog import CatalogError, UniqueKeyLoader, load_catalog, load_entry
from tests.test_catalog import VALID


def _text(data=VALID) -> str:
    return yaml.safe_dump(copy.deepcopy(data), sort_keys=False)


def _line_of(text: str, prefix: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(prefix))


def test_duplicate_top_level_key_names_file_key_and_both_lines(tmp_path):
    text = _text() + "dimension: smart_people\n"
    (tmp_path / "dinkes_faskes.yaml").write_text(text, encoding="utf-8")
    first, second = _line_of(text, "dimension:"), len(text.splitlines())
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path, root=tmp_path)
    assert str(caught.value) == (
        f"dinkes_faskes.yaml: field `dimension` is given twice (lines {first} and {second}); "
        "YAML would keep only the last one silently, delete one of them"
    )


def test_duplicate_nested_key_is_refused_too(tmp_path):
    text = _text().replace("  sheet: Data\n", "  sheet: Data\n  sheet: Data 2023\n")
    path = tmp_path / "dinkes_faskes.yaml"
    path.write_text(text, encoding="utf-8")
    first = _line_of(text, "  sheet:")
    with pytest.raises(CatalogError, match=rf"field `sheet` is given twice \(lines {first} and "):
        load_entry(path, root=tmp_path)


def test_duplicate_key_on_one_line_is_refused(tmp_path):
    path = tmp_path / "dinkes_faskes.yaml"
    path.write_text(_text() + "extra: {a: 1, a: 2}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"field `a` is given twice"):
        load_entry(path, root=tmp_path)


def test_yaml_merge_keys_may_still_override(tmp_path):
    # `<<:` is how YAML shares a block; overriding a merged key is its purpose, not a duplicate.
    text = _text().replace("agency:\n", "base: &base {code: x, name: y}\nagency:\n  <<: *base\n")
    data = yaml.load(text, Loader=UniqueKeyLoader)
    assert data["agency"] == {"code": "dinkes", "name": "Dinas Kesehatan"}


def test_yml_entry_is_read(tmp_path):
    (tmp_path / "dinkes_faskes.yml").write_text(_text(), encoding="utf-8")
    other = {**copy.deepcopy(VALID), "id": "dinkes_lain"}
    other["indicators"] = [{**VALID["indicators"][0], "code": "LAIN"}]
    other["parse"] = {**VALID["parse"], "values": {"Puskesmas": "LAIN"}}
    (tmp_path / "dinkes_lain.yaml").write_text(_text(other), encoding="utf-8")
    entries = load_catalog(tmp_path, root=tmp_path)
    assert [(e.id, e.catalog_file) for e in entries] == [
        ("dinkes_faskes", "dinkes_faskes.yml"),
        ("dinkes_lain", "dinkes_lain.yaml"),
    ]


def test_same_id_as_yaml_and_yml_is_refused(tmp_path):
    (tmp_path / "dinkes_faskes.yaml").write_text(_text(), encoding="utf-8")
    (tmp_path / "dinkes_faskes.yml").write_text(_text(), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path, root=tmp_path)
    assert str(caught.value) == (
        "dinkes_faskes.yaml: dinkes_faskes.yml is the same entry `dinkes_faskes` again; "
        "keep one of the two files"
    )


def test_yml_file_named_differently_from_its_id_keeps_its_suffix_in_the_fix(tmp_path):
    (tmp_path / "faskes.yml").write_text(_text(), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"rename the file to dinkes_faskes\.yml or change"):
        load_catalog(tmp_path, root=tmp_path)


def test_empty_or_missing_folder_names_both_suffixes(tmp_path):
    with pytest.raises(CatalogError, match=r"no catalog entries \(\*\.yaml or \*\.yml\) found"):
        load_catalog(tmp_path / "nothing", root=tmp_path)
