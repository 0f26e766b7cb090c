"""Every setting the pipeline takes from the environment, read here and nowhere else.

Importable without Dagster (the CLI's start-up path must stay light). `current()` reads the environment each time
it is called (cheap), so a test or a worker that sets a variable sees it; modules never read `os.environ` for a
setting of ours themselves. The Dagster resources (`defs.resources`) take their defaults from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT = {
    "GIP_DATA_DIR": "the data folder (raw/, curated/, quarantine/, staging/), a path or an s3:// URI; "
                    "default: the repository's data/",
    "GIP_WORKERS": "processes of the inventory, normalize, parse and gate steps (default: one per core)",
    "GIP_GATE_REPORTS": "reports gated and published at a time (default 2000: memory is bounded by it)",
    "GIP_LOCK_DIR": "where the per-year locks live (default: <staging>/.locks)",
    "GIP_LOCK_TIMEOUT": "seconds to wait for another writer of a year before failing (default: wait)",
    "GIP_REPORTS_DIR": "where the quality pages are written (default: reports/ beside the curated folder)",
    "GIP_GX_DATA_DOCS": "1: also build the Great Expectations Data Docs (as gip run --data-docs)",
    "GIP_CONVERT_TIMEOUT_S": "seconds one conversion (PDF, DOCX, HTML) may take (default 60)",
    "GIP_CONVERT_MEMORY_MB": "memory one conversion may take beyond its parent's (default 2048)",
    "DAGSTER_HOME": "the Dagster instance (default: the repository's .dagster_home, SQLite, telemetry off)",
}


@dataclass(frozen=True)
class Settings:
    data_dir: str | None
    workers: int | None
    gate_reports: int | None
    lock_dir: str | None
    lock_timeout: float
    reports_dir: str | None
    gx_data_docs: bool
    convert_timeout_s: float
    convert_memory_mb: float


def _int(name: str) -> int | None:
    value = os.environ.get(name)
    return max(1, int(value)) if value else None


def current() -> Settings:
    """The settings as the environment gives them now (see `ENVIRONMENT`)."""
    env = os.environ
    return Settings(
        data_dir=env.get("GIP_DATA_DIR") or None,
        workers=_int("GIP_WORKERS"),
        gate_reports=_int("GIP_GATE_REPORTS"),
        lock_dir=env.get("GIP_LOCK_DIR") or None,
        lock_timeout=float(env.get("GIP_LOCK_TIMEOUT") or -1),
        reports_dir=env.get("GIP_REPORTS_DIR") or None,
        gx_data_docs=env.get("GIP_GX_DATA_DOCS", "0") == "1",
        convert_timeout_s=float(env.get("GIP_CONVERT_TIMEOUT_S") or 60),
        convert_memory_mb=float(env.get("GIP_CONVERT_MEMORY_MB") or 2048),
    )


def environment_help() -> str:
    """The variables and what they do, for `gip --help`."""
    width = max(map(len, ENVIRONMENT)) + 2
    return "\n".join(f"  {name:<{width}}{text}" for name, text in ENVIRONMENT.items())


def default_data_dir() -> Path:
    """`$GIP_DATA_DIR` when it is a local path, else the repo's `data/` folder."""
    env = current().data_dir
    return Path(env) if env and "://" not in env else Path(__file__).resolve().parents[1] / "data"


def default_location(sub: str) -> str:
    """`<$GIP_DATA_DIR or data/>/<sub>`, keeping a URI a URI."""
    env = current().data_dir
    return f"{env.rstrip('/')}/{sub}" if env and "://" in env else str(default_data_dir() / sub)
