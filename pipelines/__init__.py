"""The Dagster definitions, the `kotapintar` command and the schedule.

Every process that runs the pipeline imports this package first (the command, Dagster's code
server and run workers through pipelines/definitions.py), so the process is tuned here:

- the garbage collector: by default Python runs a young collection every 700 new objects, and
  importing Dagster, pandas and DuckDB creates about a million of them, nearly none of them
  garbage. With collections every 100,000 the imports of a `kotapintar run` took ~1.5 s instead
  of ~1.8 (alternated, same machine); cyclic garbage still goes, only later (bounded by the
  same threshold);
- Arrow's allocator: its default (mimalloc) keeps the pages a parse freed for its next
  allocations, and they added up to the run's peak memory; with the C library's allocator
  (`system`) the 1M-line CSV run peaked ~30 MiB lower (560-580 MiB against 600-612 for the
  run's processes, three runs each) in the same time. Read by Arrow when it first allocates,
  so set before anything imports pyarrow; an ARROW_DEFAULT_MEMORY_POOL in the environment wins.
"""

import gc
import os

GC_THRESHOLDS = (100_000, 50, 100)
ARROW_MEMORY_POOL = "system"

gc.set_threshold(*GC_THRESHOLDS)
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_MEMORY_POOL)
