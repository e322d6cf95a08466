"""Settings from the environment, all with the KOTAPINTAR_ prefix and offline-ready defaults.

Every variable here is listed in the README and in .env.example (a test checks both)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sources.catalog import DEFAULT_CATALOG_DIR, REPO_ROOT

# name -> (default, description); the README table and .env.example are checked against this.
VARIABLES: dict[str, tuple[str, str]] = {
    "KOTAPINTAR_WAREHOUSE": (
        "warehouse/kotapintar.duckdb",
        "the analyst DuckDB file, replaced atomically after each successful build",
    ),
    "KOTAPINTAR_DATA_DIR": (
        "data",
        "pipeline state: landing files and the work database (work.duckdb)",
    ),
    "KOTAPINTAR_CATALOG": ("sources/catalog", "the folder of catalog entries (*.yaml)"),
    "KOTAPINTAR_OFFLINE": (
        "1",
        "1: never touch the network (portal feeds replay their recordings); 0: fetch live",
    ),
    "KOTAPINTAR_DEBUG": ("", "1: show full tracebacks from the kotapintar command"),
}


def _path(name: str) -> Path:
    raw = os.environ.get(name) or VARIABLES[name][0]
    path = Path(raw).expanduser()
    # Defaults are relative to the repository; an explicit value is relative to where you run.
    base = REPO_ROOT if name not in os.environ else Path.cwd()
    return path if path.is_absolute() else (base / path).resolve()


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    data_dir: Path
    catalog_dir: Path
    offline: bool

    @classmethod
    def from_env(cls) -> Settings:
        offline = os.environ.get("KOTAPINTAR_OFFLINE", "1").strip().lower()
        return cls(
            warehouse=_path("KOTAPINTAR_WAREHOUSE"),
            data_dir=_path("KOTAPINTAR_DATA_DIR"),
            catalog_dir=_path("KOTAPINTAR_CATALOG")
            if os.environ.get("KOTAPINTAR_CATALOG")
            else DEFAULT_CATALOG_DIR,
            offline=offline not in {"0", "false", "no", "off"},
        )
