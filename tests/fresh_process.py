"""Run test code in a new interpreter: for what is process-wide (imports, allocators)."""

from __future__ import annotations

import subprocess
import sys

from sources.catalog import REPO_ROOT


def printed_by(code: str, *args: str, timeout: float = 120) -> str:
    """What `code` prints when a new interpreter runs it (from the repository root, with
    `args` as sys.argv[1:]); a failure raises with its output."""
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO_ROOT, capture_output=True, text=True,
        check=True, timeout=timeout,
    ).stdout  # fmt: skip
