"""The documentation (docs/ and the README) covers what the code has: every catalog field, CLI
command, environment variable, Make target, correction-workbook rule; the README links every
guide. tests/test_docs_examples.py runs the examples; tests/test_docs_site.py builds the site."""

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
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# The pages written by hand for each reader (docs/catalog/reference.md is generated).
CATALOG_GUIDE = "catalog/guide.md"
OPERATING = "operating.md"
GETTING_STARTED = "memulai.md"
WORKBOOK_GUIDE = "koreksi.md"
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
def test_every_catalog_field_is_in_the_catalog_guide(field):
    assert f"`{field}`" in page(CATALOG_GUIDE), (
        f"catalog field `{field}` is not explained in docs/{CATALOG_GUIDE}"
    )


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_every_variable_is_in_the_operating_guide_and_env_example(name):
    assert f"`{name}`" in page(OPERATING), f"`{name}` is not in docs/{OPERATING}"
    assert re.search(rf"^{name}=", (ROOT / ".env.example").read_text(), re.MULTILINE)


def test_code_reads_no_undocumented_variable():
    used = set()
    for folder in PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"KOTAPINTAR_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    assert used - set(VARIABLES) - {"KOTAPINTAR_TEST_PORTAL_URL"} == set()


def test_every_cli_command_is_in_the_operating_guide(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    commands = re.search(r"\{([a-z,]+)\}", capsys.readouterr().out).group(1).split(",")
    assert commands
    for command in commands:
        assert f"`kotapintar {command}" in page(OPERATING), (
            f"`kotapintar {command}` is not documented in docs/{OPERATING}"
        )


MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
HELP_TARGETS = re.findall(r"^## ([\w-]+):", MAKEFILE, re.MULTILINE)


@pytest.mark.parametrize("target", ["make run", "make test", "make ui"])
def test_quickstart_targets_are_in_the_readme_and_getting_started(target):
    assert target in README
    assert target in page(GETTING_STARTED)
    assert re.search(rf"^{target.split()[1]}:", MAKEFILE, re.MULTILINE)


def test_the_docs_target_has_a_help_line():
    assert "docs" in HELP_TARGETS


@pytest.mark.parametrize("target", HELP_TARGETS)
def test_every_make_target_with_a_help_line_is_documented(target):
    pages = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    assert f"make {target}`" in pages, f"`make {target}` is in no page of docs/"


GUIDE_LINK = re.compile(r"\]\((docs/[\w/.-]+\.md)(#[\w-]+)?\)")


def test_the_readme_is_an_overview_under_200_lines_linking_every_guide():
    assert len(README.splitlines()) < 200
    linked = {path for path, _ in GUIDE_LINK.findall(README)}
    pages = {str(p.relative_to(ROOT)) for p in DOCS.rglob("*.md")}
    assert pages - {"docs/index.md"} <= linked, f"guides the README does not link: {pages - linked}"
    missing = {path for path in linked if not (ROOT / path).is_file()}
    assert not missing, f"README links pages that do not exist: {missing}"


def test_the_correction_workbook_guide_names_every_rule_and_column():
    from quality.pesan import ATURAN
    from quality.workbook import TEMUAN_HEADER

    guide = page(WORKBOOK_GUIDE)
    titles = [title for title, _, _ in ATURAN.values()]
    assert [t for t in titles if t not in guide] == [], "rules missing from the workbook guide"
    columns = [name for name, _ in TEMUAN_HEADER]
    assert [c for c in columns if c not in guide] == [], "columns missing from the workbook guide"


EXCERPT = re.compile(r"```yaml\n# (sources/catalog/\w+\.yaml)\n")


def test_the_catalog_guide_shows_one_bundled_entry_of_each_kind():
    from sources.catalog import Kind, load_entry

    # tests/test_docs_examples.py holds each excerpt equal to its file.
    shown = {load_entry(ROOT / path).kind for path in EXCERPT.findall(page(CATALOG_GUIDE))}
    kinds = set(Kind.__args__)
    assert shown == kinds, f"kinds without an example entry: {kinds - shown}"
