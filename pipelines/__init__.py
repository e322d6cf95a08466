"""The Dagster definitions, the `kotapintar` command and the schedule.

Every process that runs the pipeline imports this package first (the command, Dagster's code
server and run workers through pipelines/definitions.py), so the process is tuned here:

- the garbage collector: by default Python runs a young collection every 700 new objects, and
  importing Dagster, pandas and DuckDB creates about a million of them, nearly none of them
  garbage. With collections every 100,000 the imports of a `kotapintar run` took ~1.5 s instead
  of ~1.8 (alternated, same machine); cyclic garbage still goes, only later (bounded by the
  same threshold);
- Arrow's allocator: its default (mimalloc) keeps the pages a parse freed for its next
  allocations, and they added up to the run's peak memory. build_definitions already hands
  pyarrow's own calls the C library's allocator (warehouse/db.py use_system_allocator); this
  environment variable, read by Arrow's C++ when it first allocates (so set before anything
  imports pyarrow), also covers what its readers and compute kernels allocate inside: the
  1M-line CSV run then peaked at 560-580 MiB for its processes against 600-612 without it
  (three runs each, same session), in the same time. An ARROW_DEFAULT_MEMORY_POOL already in
  the environment wins. Child processes (the GX worker, Dagster's run workers) inherit it.
"""

import gc
import os

GC_THRESHOLDS = (100_000, 50, 100)
ARROW_MEMORY_POOL = "system"

gc.set_threshold(*GC_THRESHOLDS)
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", ARROW_MEMORY_POOL)
