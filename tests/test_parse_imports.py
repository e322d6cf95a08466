"""A parse imports nothing once sources.parse.import_readers ran: GX is imported on another
thread meanwhile (quality/gx_runtime.warming_up), and two threads importing at once can stop
one with "deadlock detected" on an import cycle."""

from __future__ import annotations

from tests.fresh_process import printed_by

# In a fresh process that has imported what a run has by then (Dagster, the definitions), the
# bundled catalog and generated files of every layout are parsed; modules new to sys.modules
# during any parse are printed.
PROBE = """
import sys
from pathlib import Path
from bench.generate import generate_catalog
from pipelines.definitions import build_definitions
from sources.catalog import DEFAULT_CATALOG_DIR, load_catalog
from sources.fetch import fetch_source
from sources.parse import import_readers, parse_landing

build_definitions()
import_readers()
root = Path(sys.argv[1])
generated = generate_catalog(root / "generated", 8, 300, seed=5)
entries = load_catalog(DEFAULT_CATALOG_DIR) + load_catalog(generated.catalog_dir)
for entry in entries:
    landing = fetch_source(entry, root / "landing", offline=True)
    before = set(sys.modules)
    try:
        parse_landing(entry, Path(landing.path))
    except Exception as exc:
        print("ERROR", entry.id, exc)
    for name in sorted(set(sys.modules) - before):
        print("IMPORTED", entry.id, name)
print("parsed", len(entries))
"""


def test_a_parse_imports_nothing_after_import_readers(tmp_path):
    shown = printed_by(PROBE, str(tmp_path), timeout=300).splitlines()
    assert shown[-1].startswith("parsed ") and int(shown[-1].split()[1]) > 20, shown[-5:]
    assert [line for line in shown if line.startswith(("IMPORTED", "ERROR"))] == []
