"""The command line as an analyst or operator meets it: help texts, `.env`, the DuckDB shell."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import cli

REPO = Path(__file__).resolve().parent.parent
DUCKDB_SHELL = Path(sys.executable).parent / "duckdb"
COUNT_SQL = "SELECT count(*) AS n FROM smart_people"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser, handlers = cli.build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(commands.choices) == set(handlers)
    return dict(commands.choices)


SUBCOMMANDS = _subcommands()


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_every_command_says_what_it_does_and_its_exit_codes(name):
    text = SUBCOMMANDS[name].format_help()
    description = SUBCOMMANDS[name].description or ""
    assert len(description.split()) >= 15, f"`kotapintar {name} --help` explains too little"
    assert "exit codes:" in text
    for code in ("0", "2"):
        assert f"\n  {code} " in text, f"`kotapintar {name} --help` lacks exit code {code}"
    assert "KOTAPINTAR_DEBUG=1" in text  # what to do about the unexpected error


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("publish", "KOTAPINTAR_PORTAL_TOKEN"),
        ("run", "KOTAPINTAR_FEED_TOKEN"),
        ("run", "KOTAPINTAR_BPS_KEY"),
    ],
)
def test_commands_that_use_a_token_name_its_variable_as_a_secret(name, secret):
    text = " ".join(SUBCOMMANDS[name].format_help().split())
    assert f"{secret} secret:" in text


def test_main_help_lists_every_command_and_mentions_dotenv():
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    for name in SUBCOMMANDS:
        assert name in result.stdout
    assert ".env" in result.stdout


def test_dotenv_is_read_the_environment_wins_and_empty_means_default(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "KOTAPINTAR_TEST_FROM_FILE=from-file\n"
        "KOTAPINTAR_TEST_REAL=from-file\n"
        "KOTAPINTAR_TEST_EMPTY=\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KOTAPINTAR_TEST_REAL", "real")
    monkeypatch.delenv("KOTAPINTAR_TEST_FROM_FILE", raising=False)
    monkeypatch.delenv("KOTAPINTAR_TEST_EMPTY", raising=False)
    try:
        taken = cli.load_dotenv_file(env_file)
        assert taken == ["KOTAPINTAR_TEST_FROM_FILE"]
        assert os.environ["KOTAPINTAR_TEST_FROM_FILE"] == "from-file"
        assert os.environ["KOTAPINTAR_TEST_REAL"] == "real"
        assert "KOTAPINTAR_TEST_EMPTY" not in os.environ
    finally:
        os.environ.pop("KOTAPINTAR_TEST_FROM_FILE", None)


def test_query_reads_the_analyst_file_named_in_dotenv(analyst, tmp_path):
    """`cp .env.example .env`, set the warehouse there, and the command follows it."""
    _, snapshot = analyst
    (tmp_path / ".env").write_text(f"KOTAPINTAR_WAREHOUSE={snapshot}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "KOTAPINTAR_WAREHOUSE"}
    env["PYTHONPATH"] = str(REPO)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "query",
            "--csv",
            "SELECT count(*) AS n FROM smart_people",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 0


def test_the_readme_duckdb_shell_reads_the_analyst_file(analyst):
    """The README's `.venv/bin/duckdb -readonly warehouse/kotapintar.duckdb`: the shell from
    PyPI (duckdb-cli) often lags the Python library, so the file must be in a format it reads."""
    _, snapshot = analyst
    if not DUCKDB_SHELL.is_file():
        pytest.fail(f"no DuckDB shell at {DUCKDB_SHELL}: `duckdb-cli` belongs to the dev extras")
    result = subprocess.run(
        [
            str(DUCKDB_SHELL),
            "-readonly",
            "-csv",
            str(snapshot),
            "-c",
            "SELECT count(*) FROM smart_people",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) > 0
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/duckdb -readonly warehouse/kotapintar.duckdb" in readme


def test_metadata_check_exits_1_and_names_the_gap_when_a_field_is_removed(tmp_path, capsys):
    import shutil

    from sources.catalog import DEFAULT_CATALOG_DIR

    catalog = tmp_path / "catalog"
    shutil.copytree(DEFAULT_CATALOG_DIR, catalog)
    assert cli.main(["metadata", "--check", "--catalog", str(catalog)]) == 0
    entry = catalog / "dinkes_stunting.yaml"
    lines = entry.read_text(encoding="utf-8").splitlines(keepends=True)
    entry.write_text("".join(x for x in lines if not x.lstrip().startswith("method:")), "utf-8")
    capsys.readouterr()
    assert cli.main(["metadata", "--check", "--catalog", str(catalog)]) == 1
    report = capsys.readouterr().out
    assert "dinkes_stunting" in report and "method" in report
