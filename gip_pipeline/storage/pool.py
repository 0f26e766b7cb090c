"""One process pool helper for the CPU-bound stages (year detection, normalization, parsing).

Why processes: the work is pure Python (decoding, OpenCC, the parser), so threads would share one core. Items go
out in chunks (the hand-over costs ~0.1 ms an item; a chunk amortises it) and chunks come back as Arrow tables,
which pickle as flat buffers instead of millions of small Python objects. Small batches stay in-process: forking
costs more than it saves below a few hundred items.

Workers die with the process that forked them (`_die_with_parent`): a kill -9 or the OOM killer on `gip run`
must not leave workers running on without it (they would hold memory, and they never exit on their own). No
worker writes anything a reader sees: they return results (or files written aside) and the parent, which holds
the year's lock, commits them.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from gip_pipeline import config

T = TypeVar("T")
R = TypeVar("R")


def workers() -> int:
    """Worker processes: `$GIP_WORKERS`, else one per core."""
    return config.current().workers or os.cpu_count() or 1


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_parent(parent: int) -> None:
    """Pool initializer: SIGKILL this worker when its parent dies (Linux `PR_SET_PDEATHSIG`), and exit at once
    if the parent is already gone (it died between the fork and the prctl: the worker was re-parented)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def _executor(n_workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))


def map_chunks(fn: Callable[[list[T]], R], items: Sequence[T], chunk: int = 100) -> list[R]:
    """`fn` over consecutive chunks of `items`, results in chunk order; in a forked pool when it pays."""
    chunks = [list(items[i:i + chunk]) for i in range(0, len(items), chunk)]
    n_workers = min(workers(), len(chunks))
    if n_workers <= 1 or len(items) < 2 * chunk:
        return [fn(c) for c in chunks]
    with _executor(n_workers) as pool:
        return list(pool.map(fn, chunks))


_SHARED: dict = {}


def _run_range(key: int, bounds: tuple[int, int]):
    fn, shared = _SHARED[key]  # inherited through fork
    return fn(shared, *bounds)


def imap_ranges(fn: Callable[[object, int, int], R], shared: object, n: int, chunk: int = 100,
                window: int | None = None) -> Iterator[R]:
    """`fn(shared, start, stop)` over consecutive ranges of `range(n)`, results in order, as an iterator.

    Forked workers inherit `shared` (e.g. a year's Arrow table of texts) instead of receiving pickled copies, so
    the parent never turns the year into Python objects. At most `window` ranges are in flight: the caller writes
    results while workers parse, and results never pile up beyond that window. Close it (or exhaust it) to
    release the pool."""
    ranges = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    n_workers = min(workers(), len(ranges))
    if n_workers <= 1 or n < 2 * chunk:
        for a, b in ranges:
            yield fn(shared, a, b)
        return
    key = id(shared)
    _SHARED[key] = (fn, shared)
    try:
        with _executor(n_workers) as pool:
            pending: deque = deque()
            todo = iter(ranges)
            for bounds in itertools.islice(todo, window or 3 * n_workers):
                pending.append(pool.submit(_run_range, key, bounds))
            while pending:
                result = pending.popleft().result()
                for bounds in itertools.islice(todo, 1):
                    pending.append(pool.submit(_run_range, key, bounds))
                yield result
    finally:
        _SHARED.pop(key, None)
