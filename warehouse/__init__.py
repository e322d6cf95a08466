"""DuckDB warehouse: schema, idempotent loads, the atomically published analyst snapshot."""
