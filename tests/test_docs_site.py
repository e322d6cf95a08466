"""`make docs` builds: the MkDocs site in strict mode (a broken link, a missing page or anchor,
a page left out of the nav fails), offline, once per test session."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_the_site_builds_strict_without_warnings(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is in the dev extras: pip install -e '.[dev]'")
    pytest.importorskip("material", reason="mkdocs-material is in the dev extras")
    result = subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build", "--strict"),
            *("--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        # Material's notice about its end of life is printed on every build; it is no warning.
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not re.search(r"^(WARNING|ERROR)\b", output, re.MULTILINE), output
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "catalog" / "reference" / "index.html").is_file()


def test_the_site_needs_no_network_at_build():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["name"] == "material"
    assert config["theme"].get("font") is False, "theme.font: false (no Google Fonts download)"
    plugins = [p if isinstance(p, str) else next(iter(p)) for p in config.get("plugins", [])]
    assert not {"social", "privacy", "optimize"} & set(plugins), plugins
