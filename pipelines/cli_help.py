"""What `kotapintar <command> --help` tells a user: what the command does, the settings it
reads (and which of them are secrets) and what its exit codes mean.

Every subcommand is registered through `add_command`, so no command can appear without its
description and exit codes (tests/test_cli_help.py checks each one).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable

from pipelines.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]

WIDTH = 78
ANALYST_FILE = "the analyst file (default warehouse/kotapintar.duckdb)"
# Every command ends like this when something unexpected happens (pipelines/cli.py main).
UNEXPECTED = "an unexpected error: one line on stderr (KOTAPINTAR_DEBUG=1 for the traceback)"


def add_command(
    commands: argparse._SubParsersAction,
    name: str,
    *,
    summary: str,
    description: str,
    exit_codes: dict[int, str],
    environment: dict[str, str] | None = None,
) -> argparse.ArgumentParser:
    """A subcommand whose help says what it does, which variables it reads and its exit
    codes. `summary` is the one line of `kotapintar --help`."""
    lines = []
    width = max([24, *(len(v) for v in environment or {})])
    if environment:
        lines.append("environment:")
        lines += [_entry(variable, meaning, width) for variable, meaning in environment.items()]
        lines.append("")
    lines.append("exit codes:")
    codes = dict(exit_codes)
    codes[2] = f"{codes[2]}; or {UNEXPECTED}" if 2 in codes else UNEXPECTED
    lines += [_entry(str(code), meaning, 5) for code, meaning in sorted(codes.items())]
    paragraphs = [f"{summary[0].upper()}{summary[1:]}.", *description.split("\n\n")]
    return commands.add_parser(
        name,
        help=summary,
        description="\n\n".join(textwrap.fill(" ".join(p.split()), WIDTH) for p in paragraphs),
        epilog="\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _entry(term: str, meaning: str, width: int) -> str:
    """`  TERM   meaning`, the meaning wrapped under itself."""
    indent = " " * (width + 3)
    first = f"  {term:{width}} "
    return textwrap.fill(meaning, WIDTH, initial_indent=first, subsequent_indent=indent)
