"""`kotapintar metadata --check`: is every indicator's metadata complete enough to publish?"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.cli_help import Handler, add_command
from pipelines.settings import Settings


def add_commands(commands: argparse._SubParsersAction) -> dict[str, Handler]:
    """Register `metadata` on the `kotapintar` parser; return its handler."""
    metadata = add_command(
        commands,
        "metadata",
        summary="report the indicators whose Satu Data (MS-Ind) metadata is incomplete",
        description="""Reads the catalog and lists, per agency, every indicator that lacks a
        required metadata field of Satu Data Indonesia / BPS MS-Ind (konsep, definisi in
        Indonesian and English, klasifikasi, ukuran, satuan, interpretasi, metode, level
        estimasi, produsen, jadwal, agregasi), with the catalog file and field to fill. The
        portal does not publish an indicator until its metadata is complete.""",
        environment={"KOTAPINTAR_CATALOG": "the catalog folder (default sources/catalog)"},
        exit_codes={
            0: "every indicator's metadata is complete",
            1: "gaps found (listed per agency)",
            2: "the catalog does not load (the entry and field are named)",
        },
    )
    metadata.add_argument(
        "--check",
        action="store_true",
        help="check completeness (the only mode today; kept explicit for scripts and CI)",
    )
    metadata.add_argument(
        "--catalog", type=Path, help="check this catalog folder instead of KOTAPINTAR_CATALOG"
    )
    return {"metadata": _metadata}


def _metadata(args: argparse.Namespace, settings: Settings) -> int:
    from quality.metadata_check import check_catalog
    from sources.catalog import load_catalog

    report = check_catalog(load_catalog(args.catalog or settings.catalog_dir))
    print(report.render())
    return 0 if report.ok else 1
