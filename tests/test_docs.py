"""The README documents every catalog field, CLI command and environment variable."""

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from pipelines.cli import main
from pipelines.settings import VARIABLES
from sources.catalog import (
    Agency,
    Indicator,
    ParseSpec,
    PeriodSpec,
    PersonalDataAllowance,
    QualitySpec,
    RegionSpec,
    RowRule,
    SourceEntry,
    StatusSpec,
)
from sources.catalog_bps import BpsSpec

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
INTERNAL_FIELDS = {"catalog_file"}
PACKAGES = ("sources", "quality", "warehouse", "portal", "assets", "pipelines", "bench", "scripts")


def _fields(model: type[BaseModel]) -> list[str]:
    return [name for name in model.model_fields if name not in INTERNAL_FIELDS]


CATALOG_FIELDS = sorted(
    {
        f
        for m in (
            SourceEntry,
            Agency,
            ParseSpec,
            RegionSpec,
            PeriodSpec,
            StatusSpec,
            RowRule,
            Indicator,
            QualitySpec,
            PersonalDataAllowance,
            BpsSpec,
        )
        for f in _fields(m)
    }
)


@pytest.mark.parametrize("field", CATALOG_FIELDS)
def test_every_catalog_field_is_in_the_readme(field):
    assert f"`{field}`" in README, f"catalog field `{field}` is not documented in README.md"


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_every_variable_is_in_readme_and_env_example(name):
    assert f"`{name}`" in README
    assert re.search(rf"^{name}=", (ROOT / ".env.example").read_text(), re.MULTILINE)


def test_code_reads_no_undocumented_variable():
    used = set()
    for folder in PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"KOTAPINTAR_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    assert used - set(VARIABLES) - {"KOTAPINTAR_TEST_PORTAL_URL"} == set()


def test_every_cli_command_is_in_the_readme(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    commands = re.search(r"\{([a-z,]+)\}", capsys.readouterr().out).group(1).split(",")
    assert commands
    for command in commands:
        assert f"`kotapintar {command}" in README, f"`kotapintar {command}` is not documented"


@pytest.mark.parametrize("target", ["make run", "make test", "make ui"])
def test_quickstart_targets_are_documented(target):
    assert target in README
    assert re.search(rf"^{target.split()[1]}:", (ROOT / "Makefile").read_text(), re.MULTILINE)


ENTRY_EXCERPT = re.compile(
    r"```yaml\n# (sources/catalog/\w+\.yaml)\n(.*?)indicators:[^\n]*\n```", re.S
)


def test_the_readme_shows_one_bundled_entry_of_each_kind_as_it_is():
    from sources.catalog import Kind, load_entry

    shown = {}
    for path, head in ENTRY_EXCERPT.findall(README):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert text.startswith(head + "indicators:"), f"README's excerpt of {path} is stale"
        shown[load_entry(ROOT / path).kind] = path
    kinds = set(Kind.__args__)
    assert set(shown) == kinds, f"kinds without an example entry: {kinds - set(shown)}"
