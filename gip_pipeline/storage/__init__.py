"""Storage: where bytes live and how they are written, knowing tables only by their Arrow schemas.

`location` resolves local paths, `file://` and `s3://` to a pyarrow filesystem and walks raw folders; `parquet`
writes hive `year=` partitions atomically (aside, then moved); `chunks` streams staged tables by whole reports;
`pool` is the process pool whose workers die with their parent; `locks` the per-year file lock; `stamps` content
digests; `integrity` the stamps that prove a staged file is the one written.

Belongs here: I/O, processes and locks. Not here: what a report says (no parsing, no gating), Dagster.
"""

import os as _os

import pyarrow as _pa

# Arrow's allocator: jemalloc gives freed buffers back to the system between years, where the default (mimalloc)
# keeps them (measured on a 2,764-report year, gate + publish: peak RSS 1,262 → 1,037 MB, and a 14,235-report
# parse 1,307 → 1,119 MB). `ARROW_DEFAULT_MEMORY_POOL` set by the user wins.
if "ARROW_DEFAULT_MEMORY_POOL" not in _os.environ:
    try:
        _pa.set_memory_pool(_pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow build without jemalloc
        pass
