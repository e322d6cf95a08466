"""The Dagster definitions, the `kotapintar` command and the schedule.

Every process that runs the pipeline imports this package first (the command, Dagster's code
server and run workers through pipelines/definitions.py), so the garbage collector is tuned
here: by default Python runs a young collection every 700 new objects, and importing Dagster,
pandas and DuckDB creates about a million of them, nearly none of them garbage. With collections
every 100,000 the imports of a `kotapintar run` took ~1.5 s instead of ~1.8 (alternated, same
machine); cyclic garbage still goes, only later (bounded by the same threshold).
"""

import gc

GC_THRESHOLDS = (100_000, 50, 100)

gc.set_threshold(*GC_THRESHOLDS)
