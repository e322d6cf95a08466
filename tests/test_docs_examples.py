"""Every example in docs/ (and the README) runs, so a page cannot promise what the code does not do.

A fenced block is run according to its language, or to an HTML comment just before it,
`<!-- example: MARKER -->`:

- ```sql: executed read-only against the analyst file of the bundled sample catalog (the
  session's `bundled_run`); it must return at least one row.
- ```yaml: the editor's schema line must head every bundled entry; a whole entry is
  validated by the catalog model; an excerpt headed `# sources/catalog/<id>.yaml` must equal
  the start of that file (and the file must load).
  `fragment`: the keys are put into a minimal valid entry, which must validate.
  `invalid <catalog file>`: the keys replace that bundled entry's, and the next ```text block
  is the exact error.
- `parse` before a ```csv block: the agency's file, then a ```yaml fragment (the entry),
  then a ```text block of the tidy rows it gives (`INDIKATOR, kode_wilayah, periode, nilai,
  status`, all of them). `parse-error`: the ```text block is the error the source fails with.
- ```sh: `make T` must be a Makefile target; `kotapintar query` runs against the bundled
  analyst file and other `kotapintar` lines must parse; the DuckDB shell line opens the file;
  a bench script must have the options used; `cp` needs its source, `docker compose -f` a
  compose file with the three services.
- ```dotenv: every name is a documented variable, and the alert settings load from them.
- `message NAME` before a ```text block: the message is produced by the named case below.
- `skip REASON`: not run, for the reason given (a diagram, a measured output).

Any other block fails the test, so a new example comes with a way to run it.
"""

from __future__ import annotations

import errno
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FENCE = re.compile(
    r"^(?:<!-- example: (?P<marker>[^\n]*?) -->\n)?```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$",
    re.S | re.M,
)


@dataclass
class Block:
    page: str
    line: int
    lang: str
    marker: str
    body: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def _blocks() -> list[Block]:
    found = []
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start("lang")) + 1
            found.append(
                Block(
                    str(path.relative_to(ROOT)),
                    line,
                    match["lang"],
                    (match["marker"] or "").strip(),
                    match["body"],
                )
            )
    return found


BLOCKS = _blocks()


def _groups() -> tuple[list[tuple[Block, ...]], list[Block]]:
    """(parse and invalid groups, single blocks): a group's blocks follow each other."""
    groups, singles, rest = [], [], list(BLOCKS)
    while rest:
        block = rest.pop(0)
        verb = block.marker.split(" ", 1)[0]
        if verb in ("parse", "parse-error"):
            groups.append((block, rest.pop(0), rest.pop(0)))
        elif verb == "invalid":
            groups.append((block, rest.pop(0)))
        else:
            singles.append(block)
    return groups, singles


GROUPS, SINGLES = _groups()


def _of(lang: str) -> list[Block]:
    return [b for b in SINGLES if b.lang == lang and not b.marker.startswith("skip")]


def _ids(items) -> list[str]:
    return [(item[0] if isinstance(item, tuple) else item).name for item in items]


def test_the_docs_have_examples_of_every_kind():
    langs = {b.lang for b in BLOCKS}
    assert {"sql", "yaml", "sh", "csv", "text", "dotenv"} <= langs, langs


@pytest.mark.parametrize("block", SINGLES, ids=_ids(SINGLES))
def test_every_block_has_a_way_to_run(block):
    verb = block.marker.split(" ", 1)[0]
    if verb == "skip":
        assert len(block.marker) > len("skip ") + 10, f"{block.name}: say why it is skipped"
        return
    runnable = {"sql": "", "yaml": "fragment", "sh": "", "dotenv": "", "text": "message"}
    assert block.lang in runnable, (
        f"{block.name}: no test runs a ```{block.lang} block here; make it one of "
        f"{sorted(runnable)}, part of a `parse` example, or mark it `<!-- example: skip REASON -->`"
    )
    assert verb in ("", runnable[block.lang]), f"{block.name}: unknown marker {block.marker!r}"
    if block.lang == "text":
        assert verb == "message", f"{block.name}: a ```text block needs a marker"


# --- SQL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", _of("sql"), ids=_ids(_of("sql")))
def test_sql_example_runs_on_the_bundled_analyst_file(block, bundled_run):
    settings, _ = bundled_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = con.execute(block.body).fetchall()
    finally:
        con.close()
    assert rows, f"{block.name}: the query returns no rows on the bundled samples"


def test_every_analyst_table_and_view_is_in_the_analyst_guide(bundled_run):
    settings, _ = bundled_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
    finally:
        con.close()
    guide = (DOCS / "analyst.md").read_text(encoding="utf-8")
    assert names
    missing = [n for n in names if f"`{n}`" not in guide]
    assert not missing, f"tables or views of the analyst file not in docs/analyst.md: {missing}"


# --- YAML: catalog entries -------------------------------------------------------------------

BASE_ENTRY = {
    "id": "contoh",
    "title": "SAMPLE — contoh",
    "agency": {"code": "contoh", "name": "OPD contoh"},
    "kind": "csv",
    "location": "contoh.csv",
    "sample": True,
    "dimension": "smart_living",
    "schedule": "tahunan",
}
BASE_INDICATOR = {"name_id": "contoh", "name_en": "example", "unit": "unit"}
BASE_INDICATOR |= {"definition": "contoh", "direction": "neutral"}
BASE_PARSE = {"region": {"column": "Kecamatan", "level": "kecamatan"}, "period": {"value": "2023"}}


def _entry_data(fragment: dict) -> dict:
    """A minimal valid entry with the fragment's keys; indicators follow what `parse` yields."""
    from sources.catalog import ParseSpec

    data = {**BASE_ENTRY, **fragment}
    indicators = [{**BASE_INDICATOR, **i} for i in fragment.get("indicators", [])]
    if "parse" not in fragment:
        codes = [i["code"] for i in indicators] or ["NILAI"]
        data["parse"] = {**BASE_PARSE, "values": {f"Kolom {c}": c for c in codes}}
    if not indicators:
        codes = ParseSpec.model_validate(data["parse"]).indicator_codes()
        indicators = [{**BASE_INDICATOR, "code": c} for c in codes]
    data["indicators"] = indicators
    return data


def _load(body: str, name: str):
    from sources.catalog import UniqueKeyLoader

    data = yaml.load(body, Loader=UniqueKeyLoader)
    assert isinstance(data, dict), f"{name}: not a mapping"
    return data


MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)")
EXCERPT_HEAD = re.compile(r"^# (sources/catalog/\w+\.ya?ml)\n")


@pytest.mark.parametrize("block", _of("yaml"), ids=_ids(_of("yaml")))
def test_yaml_example_is_a_valid_catalog_entry(block):
    from sources.catalog import load_entry, parse_entry

    if MODELINE.fullmatch(block.body.strip()):
        # The line that makes editors validate an entry against the JSON Schema.
        schema = MODELINE.fullmatch(block.body.strip())[1]
        for path in sorted((ROOT / "sources/catalog").glob("*.yaml")):
            assert path.read_text(encoding="utf-8").startswith(block.body.strip() + "\n"), path
            assert (path.parent / schema).is_file(), f"{path}: no schema at {schema}"
        return
    head = EXCERPT_HEAD.match(block.body)
    if head:
        path = ROOT / head[1]
        shown = block.body[head.end() :]
        cut = shown.rindex("\nindicators:") + len("\nindicators:")
        text = path.read_text(encoding="utf-8")
        assert text.startswith(shown[:cut]), f"{block.name}: the excerpt of {head[1]} is stale"
        load_entry(path)
        return
    data = _load(block.body, block.name)
    if block.marker == "fragment":
        data = _entry_data(data)
    parse_entry(data, f"{block.name} (example)")


INVALID = [g for g in GROUPS if g[0].marker.startswith("invalid")]


@pytest.mark.parametrize("group", INVALID, ids=_ids(INVALID))
def test_invalid_yaml_example_fails_with_the_message_shown(group):
    from sources.catalog import CatalogError, parse_entry

    block, message = group
    assert (block.lang, message.lang) == ("yaml", "text"), f"{block.name}: yaml then text"
    catalog_file = block.marker.split(" ", 1)[1]
    data = {**yaml.safe_load((ROOT / catalog_file).read_text("utf-8")), **_load(block.body, "")}
    with pytest.raises(CatalogError) as caught:
        parse_entry(data, catalog_file)
    assert str(caught.value) == message.body.strip()


# --- Layout examples: the agency's file, the entry, the tidy rows ---------------------------

PARSES = [g for g in GROUPS if g[0].marker.split(" ")[0] in ("parse", "parse-error")]


def _tidy_lines(body: str) -> list[tuple]:
    rows = []
    for line in body.strip().splitlines():
        code, region, period, value, status = (part.strip() for part in line.split(","))
        rows.append((code, region, period, None if value == "NULL" else float(value), status))
    return sorted(rows, key=str)


@pytest.mark.parametrize("group", PARSES, ids=_ids(PARSES))
def test_layout_example_gives_the_tidy_rows_shown(group, tmp_path):
    from sources.catalog import parse_entry
    from sources.errors import SourceError
    from sources.parse import parse_landing

    table, entry_block, result = group
    assert (table.lang, entry_block.lang, result.lang) == ("csv", "yaml", "text"), (
        f"{table.name}: a parse example is a ```csv, a ```yaml and a ```text block"
    )
    path = tmp_path / "contoh.csv"
    path.write_text(table.body, encoding="utf-8")
    data = _entry_data(_load(entry_block.body, entry_block.name))
    entry = parse_entry({**data, "location": str(path)}, f"{entry_block.name} (example)")
    if table.marker == "parse-error":
        with pytest.raises(SourceError) as caught:
            parse_landing(entry, path)
        assert result.body.strip() in str(caught.value)
        return
    tidy = parse_landing(entry, path).tidy
    got = sorted(
        (
            (
                r.indikator,
                r.kode_wilayah,
                r.periode,
                None if r.nilai != r.nilai else r.nilai,
                r.status,
            )
            for r in tidy.itertuples()
        ),
        key=str,
    )
    assert got == _tidy_lines(result.body), f"{result.name}: the tidy rows differ"


# --- Shell ------------------------------------------------------------------------------------


def _commands(body: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", body)
    lines = (re.split(r"\s+#\s", line, maxsplit=1)[0].strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w-]+):", makefile, re.M))


def _run_shell_line(line: str, analyst_file: Path, capsys) -> None:
    from pipelines.cli import build_parser, main

    words = shlex.split(line)
    program = words[0].removeprefix(".venv/bin/")
    if program == "make":
        assert words[1] in _make_targets(), f"`{line}`: no such Makefile target"
    elif program == "kotapintar" and words[1] == "query":
        assert main(words[1:]) == 0, capsys.readouterr().err
        assert capsys.readouterr().out.strip()
    elif program == "kotapintar":
        build_parser()[0].parse_args(words[1:])
    elif program == "duckdb" and words[1:] == ["-readonly", "warehouse/kotapintar.duckdb"]:
        shell = ROOT / ".venv/bin/duckdb"
        check = [str(shell), "-readonly", str(analyst_file), "-c", "SELECT 1 FROM smart_people"]
        assert subprocess.run(check, capture_output=True, text=True).returncode == 0
    elif program == "cp":
        assert (ROOT / words[1]).is_file(), f"`{line}`: no {words[1]}"
    elif words[:3] == ["docker", "compose", "-f"]:
        # Starting the services needs a Docker daemon: tests/test_deploy.py checks the file.
        services = yaml.safe_load((ROOT / words[3]).read_text(encoding="utf-8"))["services"]
        assert {"postgres", "webserver", "daemon"} <= set(services)
    elif program == "python" and words[1].startswith("bench/"):
        script = (ROOT / words[1]).read_text(encoding="utf-8")
        for option in (w for w in words[2:] if w.startswith("--")):
            assert f'"{option}"' in script, f"`{line}`: {words[1]} has no option {option}"
    else:
        pytest.fail(f"`{line}`: no way to run it here; mark the block `<!-- example: skip ... -->`")


@pytest.mark.parametrize("block", _of("sh"), ids=_ids(_of("sh")))
def test_shell_example_runs(block, bundled_run, monkeypatch, capsys):
    settings, _ = bundled_run
    monkeypatch.setenv("KOTAPINTAR_WAREHOUSE", str(settings.warehouse))
    for line in _commands(block.body):
        _run_shell_line(line, settings.warehouse, capsys)


# --- Settings files -----------------------------------------------------------------------------


@pytest.mark.parametrize("block", _of("dotenv"), ids=_ids(_of("dotenv")))
def test_settings_example_loads(block, monkeypatch):
    from pipelines.settings import VARIABLES, alerts_from_env

    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for line in _commands(block.body):
        name, value = line.split("=", 1)
        assert name in VARIABLES, f"{block.name}: {name} is not a setting"
        monkeypatch.setenv(name, value)
    alerts_from_env()


# --- Messages -------------------------------------------------------------------------------


def _drift_message(tmp_path: Path, monkeypatch) -> str:
    import shutil

    import openpyxl

    from sources.catalog import load_entry
    from sources.errors import SourceError
    from sources.parse import parse_source

    entry = load_entry(ROOT / "sources/catalog/dinkes_faskes.yaml")
    path = tmp_path / "faskes.xlsx"
    shutil.copy(ROOT / entry.location, path)
    workbook = openpyxl.load_workbook(path)
    workbook[entry.parse.sheet]["E3"] = "Jumlah Puskesmas"
    workbook.save(path)
    with pytest.raises(SourceError) as caught:
        parse_source(entry, path)
    return str(caught.value)


def _preflight_message(tmp_path: Path, monkeypatch) -> str:
    from pipelines import preflight
    from pipelines.settings import Settings

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(preflight.os, "open", refuse)
    monkeypatch.setattr(preflight, "_user", lambda: "kp")
    data = Path("/srv/kp/data")
    settings = Settings(
        warehouse=tmp_path / "a.duckdb", data_dir=data, catalog_dir=data, offline=True
    )
    target = preflight.targets(settings)[0]
    return f"kotapintar run: {preflight._probe(target.folder, target).line()}"


MESSAGES = {"drift": _drift_message, "preflight": _preflight_message}
SHOWN = [b for b in SINGLES if b.marker.startswith("message")]


@pytest.mark.parametrize("block", SHOWN, ids=_ids(SHOWN))
def test_message_example_is_what_the_code_says(block, tmp_path, monkeypatch):
    case = block.marker.split(" ", 1)[1]
    assert case in MESSAGES, f"{block.name}: no case {case!r} in MESSAGES"
    assert MESSAGES[case](tmp_path, monkeypatch) == block.body.strip()
