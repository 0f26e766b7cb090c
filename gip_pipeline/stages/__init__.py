"""The four pipeline stages as plain functions over folders (no Dagster): raw → normalized → parsed → published.

Each stage reads the previous stage's staging Parquet for one report year and writes its own, so any stage can be
re-run alone and every intermediate can be inspected with any Parquet reader.
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
