"""One process pool helper for the CPU-bound stages (year detection, normalization, parsing).

Why processes: the work is pure Python (decoding, OpenCC, the parser), so threads would share one core. Items go
out in chunks (the hand-over costs ~0.1 ms an item; a chunk amortises it) and chunks come back as Arrow tables,
which pickle as flat buffers instead of millions of small Python objects. Small batches stay in-process: forking
costs more than it saves below a few hundred items.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Worker processes: `$GIP_WORKERS`, else one per core."""
    return max(1, int(os.environ.get("GIP_WORKERS") or os.cpu_count() or 1))


def map_chunks(fn: Callable[[list[T]], R], items: Sequence[T], chunk: int = 100) -> list[R]:
    """`fn` over consecutive chunks of `items`, results in chunk order; in a forked pool when it pays."""
    chunks = [list(items[i:i + chunk]) for i in range(0, len(items), chunk)]
    n_workers = min(workers(), len(chunks))
    if n_workers <= 1 or len(items) < 2 * chunk:
        return [fn(c) for c in chunks]
    with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(fn, chunks))
