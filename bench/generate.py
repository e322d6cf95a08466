"""Synthetic catalogs for the benchmarks: N SAMPLE sources shaped like the bundled agency files.

    .venv/bin/python bench/generate.py --sources 50 --rows 10000 --out /tmp/kp-bench

Sources rotate through four layouts (a `;` CSV, a workbook with a merged two-row header, a
workbook with one column per month, a recorded CKAN DataStore feed), with the mess real files
have: title rows, "Jumlah" rows, footnotes, Indonesian number text, "-"/"…" markers, provisional
periods ("2024-11*") and region names spelled several ways. Each source yields about `rows` tidy
rows (facts): real Kota Malang kecamatan or kelurahan x monthly periods x 1-3 indicators, every
indicator code unique in the catalog. Everything is deterministic from the seed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import uuid
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import layouts
from sources.catalog import DIMENSIONS, load_catalog
from sources.wilayah import RegionResolver, UnknownRegionError, reference

SEED = 3573
GENERATOR_VERSION = 3  # bump when the files change, so cached catalogs are made again
LAYOUTS = ("csv_long", "xlsx_long", "xlsx_wide", "ckan_long")
KIND = {"csv_long": "csv", "xlsx_long": "xlsx", "xlsx_wide": "xlsx", "ckan_long": "ckan_datastore"}
LAST_MONTH = 2024 * 12 + 11  # December 2024, as a month count
FIRST_MONTH = 1000 * 12  # January 1000: the parser reads years 1000-2999 (sources/periods.py)
AGENCIES = [
    ("dinkes", "Dinas Kesehatan Kota Malang"),
    ("dlh", "Dinas Lingkungan Hidup Kota Malang"),
    ("dishub", "Dinas Perhubungan Kota Malang"),
    ("disdikbud", "Dinas Pendidikan dan Kebudayaan Kota Malang"),
    ("diskopindag", "Dinas Koperasi, Perindustrian dan Perdagangan Kota Malang"),
    ("kominfo", "Dinas Komunikasi dan Informatika Kota Malang"),
]


@dataclass(frozen=True)
class GeneratedSource:
    id: str
    kind: str
    layout: str
    path: str  # the file, or the recording folder of a feed
    facts: int  # tidy rows the parser yields
    lines: int  # body lines of the file (records of a feed)


@dataclass(frozen=True)
class GeneratedCatalog:
    root: Path
    catalog_dir: Path
    sources: tuple[GeneratedSource, ...]

    @property
    def facts(self) -> int:
        return sum(s.facts for s in self.sources)


def generate_catalog(
    root: Path,
    n_sources: int,
    rows: int,
    *,
    seed: int = SEED,
    layouts_used: tuple[str, ...] = LAYOUTS,
    indicators: int | None = None,
) -> GeneratedCatalog:
    """Write `n_sources` files and their catalog entries under `root` (catalog/ and files/)."""
    catalog_dir, files_dir = root / "catalog", root / "files"
    catalog_dir.mkdir(parents=True, exist_ok=True)
    files_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for index in range(n_sources):
        layout = layouts_used[index % len(layouts_used)]
        rng = random.Random(f"{seed}:{index}")
        k = 1 if layout == "xlsx_wide" else (indicators or rng.randint(1, 3))
        sources.append(_write_source(catalog_dir, files_dir, index, layout, rows, k, rng))
    catalog = GeneratedCatalog(root, catalog_dir, tuple(sources))
    manifest = {
        "version": GENERATOR_VERSION,
        "seed": seed,
        "rows": rows,
        "sources": [asdict(s) for s in sources],
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return catalog


def _write_source(catalog_dir, files_dir, index, layout, rows, k, rng) -> GeneratedSource:
    source_id = f"bench_{index:04d}_{layout}"
    level = "kecamatan" if layout != "xlsx_wide" and index % 3 == 2 else "kelurahan"
    regions = [w for w in reference() if w.tingkat == level]
    pairs = math.ceil(rows / k)
    n_periods = math.ceil(pairs / len(regions))
    plan = layouts.Plan(
        title=f"SAMPLE — data sintetis {index} ({layout}) menurut {level}",
        regions=[(w.kode, _spelling(w.nama, level, rng)) for w in regions],
        periods=_periods(n_periods),
        headers=[f"Kelompok {chr(65 + j)}" for j in range(k)],
        cells=[[[_value(rng) for _ in range(k)] for _ in regions] for _ in range(n_periods)],
        region_header="Kelurahan" if level == "kelurahan" else "Kecamatan",
        period_header="Bulan",
    )
    if layout == "ckan_long":
        plan = _feed_plan(plan)
    codes = [f"SINTETIS_{index:04d}_{chr(65 + j)}" for j in range(k)]
    sheet = f"Data {index}"
    entry_parse: dict = {"region": {"column": plan.region_header, "level": level}}
    if layout == "csv_long":
        path = files_dir / f"{source_id}.SAMPLE.csv"
        lines = layouts.write_csv_long(path, plan)
        entry_parse |= {"delimiter": ";", "header_row": 2}
    elif layout == "xlsx_long":
        path = files_dir / f"{source_id}.SAMPLE.xlsx"
        lines = layouts.write_xlsx_long(path, plan, sheet)
        entry_parse |= {"sheet": sheet, "header_row": 3, "header_depth": 2, "dash": "zero"}
    elif layout == "xlsx_wide":
        path = files_dir / f"{source_id}.SAMPLE.xlsx"
        lines = layouts.write_xlsx_wide(path, plan, sheet)
        entry_parse |= {"sheet_pattern": f"^Data {index}$", "header_row": 3}
        entry_parse |= {"layout": "wide_by_period", "indicator": codes[0]}
        entry_parse["period_columns"] = r"^\d{4}-\d{2}\*?$"
    else:
        path = files_dir / source_id
        resource_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{layouts.PORTAL}/{source_id}"))
        lines = layouts.write_ckan_recording(path, plan, resource_id)
    if layout != "xlsx_wide":
        headers = plan.headers
        if layout == "xlsx_long":
            headers = [f"Rincian / {h}" for h in plan.headers]
        entry_parse["period"] = {"column": plan.period_header}
        entry_parse["values"] = dict(zip(headers, codes, strict=True))
    agency = AGENCIES[index % len(AGENCIES)]
    entry = {
        "id": source_id,
        "title": plan.title,
        "agency": {"code": agency[0], "name": agency[1]},
        "kind": KIND[layout],
        "location": layouts.PORTAL if layout == "ckan_long" else str(path),
        **({"resource_id": resource_id, "recording": str(path)} if layout == "ckan_long" else {}),
        "sample": True,
        "dimension": DIMENSIONS[index % len(DIMENSIONS)],
        "schedule": "bulanan",
        "parse": entry_parse,
        "indicators": [_indicator(code, index) for code in codes],
    }
    text = yaml.safe_dump(entry, sort_keys=False, allow_unicode=True, width=100)
    (catalog_dir / f"{source_id}.yaml").write_text(text, encoding="utf-8")
    facts = len(plan.periods) * len(plan.regions) * k
    return GeneratedSource(source_id, KIND[layout], layout, str(path), facts, lines)


def _feed_plan(plan: layouts.Plan) -> layouts.Plan:
    # Portal feeds carry Kemendagri codes as text under snake_case field ids.
    return layouts.Plan(
        title=plan.title,
        regions=plan.regions,
        periods=plan.periods,
        headers=[h.lower().replace(" ", "_") for h in plan.headers],
        cells=plan.cells,
        region_header="kode_wilayah",
        period_header="periode",
    )


def _periods(count: int) -> list[str]:
    """`count` months ending December 2024; the last two are provisional ("2024-11*"). A longer
    series (a 1M-line CSV of 57 kelurahan has 17,544 months) starts in January 1000 instead and
    runs on past 2024."""
    first = max(LAST_MONTH - count + 1, FIRST_MONTH)
    months = [first + i for i in range(count)]
    texts = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return [f"{t}*" if i >= count - 2 else t for i, t in enumerate(texts)]


def _spelling(name: str, level: str, rng: random.Random) -> str:
    """An agency spelling of a region name that the resolver maps back to the same region."""
    prefix = "Kel." if level == "kelurahan" else "Kec."
    candidates = [name, name.upper(), f"{prefix} {name}", name.lower(), name.replace(" ", "")]
    resolver = _resolver(level)
    wanted = resolver.resolve(name)
    for candidate in rng.sample(candidates, len(candidates)):
        try:
            if resolver.resolve(candidate) == wanted:
                return candidate
        except UnknownRegionError:
            continue
    return name


@cache
def _resolver(level: str) -> RegionResolver:
    return RegionResolver(level)


def _value(rng: random.Random) -> object:
    """A value cell: mostly numbers, some Indonesian number text, a few "-" and "…" markers."""
    draw = rng.random()
    if draw < 0.004:
        return "-"
    if draw < 0.006:
        return "…"
    value = round(rng.uniform(0, 250_000), 1 if draw < 0.5 else 0)
    return layouts.id_num(value, 1 if draw < 0.5 else 0) if draw > 0.7 else float(value)


def _indicator(code: str, index: int) -> dict:
    return {
        "code": code,
        "name_id": f"Indikator sintetis {code.rsplit('_', 1)[-1]} sumber {index} (SAMPLE)",
        "name_en": f"Synthetic indicator {code} (SAMPLE)",
        "unit": "unit",
        "definition": "Angka sintetis untuk benchmark; bukan data resmi.",
        "direction": "neutral",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--rows", type=int, default=10_000, help="tidy rows per source")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    catalog = generate_catalog(args.out, args.sources, args.rows, seed=args.seed)
    load_catalog(catalog.catalog_dir)  # fails loudly if an entry is not valid
    print(f"{len(catalog.sources)} sources, {catalog.facts:,} facts in {args.out}")


if __name__ == "__main__":
    main()
