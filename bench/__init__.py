"""Benchmarks: synthetic catalogs, the pipeline against the DuckDB floor and dlt."""
