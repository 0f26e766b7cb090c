"""One writer per report year: an OS file lock (`filelock`) held while a stage reads, computes and writes a year.

Why a file lock rather than a Dagster concurrency pool: pools are per asset, not per partition, so a pool of 1
would serialize every year of every run, and they are not enforced for `execute_in_process` (what `gip run`
uses). A lock per year lets different years run side by side and covers every way of starting a run on a host:
`gip run`, `dagster dev`, the daemon's sensor and schedule runs, backfills. The lock folder must be shared by
all writers: the local staging folder by default; with object storage on several machines, a shared
NFS/EFS folder (`GIP_LOCK_DIR`), whose POSIX locks work across hosts.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock

from gip_pipeline import config
from gip_pipeline.storage.location import is_local, local_path


def lock_dir(staging: str | Path) -> Path:
    env = config.current().lock_dir
    if env:
        return Path(env)
    if is_local(staging):
        return local_path(staging) / ".locks"
    return Path(tempfile.gettempdir()) / "gip-locks"


def lock_timeout() -> float:
    """Seconds to wait for another writer of the year (`GIP_LOCK_TIMEOUT`; default -1: as long as it takes)."""
    return config.current().lock_timeout


@contextmanager
def year_lock(staging: str | Path, year: str, timeout: float | None = None) -> Iterator[None]:
    """Hold the year's lock; raises `filelock.Timeout` when another writer holds it past the timeout."""
    timeout = lock_timeout() if timeout is None else timeout
    folder = lock_dir(staging)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / f"{year}.lock"), timeout=timeout):
        yield
