"""Publication to the city's CKAN portal: plan, gate, blue/green DataStore tables, changelog.

Plain Python (no Dagster): `assets/publish_assets.py` and `pipelines/cli.py` wire it.
"""
