"""Default locations, importable without Dagster (the CLI's start-up path must stay light)."""

from __future__ import annotations

import os
from pathlib import Path


def default_data_dir() -> Path:
    """`$GIP_DATA_DIR` when it is a local path, else the repo's `data/` folder."""
    from .stages.location import is_uri

    env = os.environ.get("GIP_DATA_DIR")
    return Path(env) if env and not is_uri(env) else Path(__file__).resolve().parents[1] / "data"


def default_location(sub: str) -> str:
    """`<$GIP_DATA_DIR or data/>/<sub>`, keeping a URI a URI."""
    from .stages.location import is_uri, join

    env = os.environ.get("GIP_DATA_DIR")
    return join(env, sub) if env and is_uri(env) else str(default_data_dir() / sub)
