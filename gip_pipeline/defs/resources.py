"""Where the pipeline reads and writes. Defaults are the repo's `data/` folders (or `$GIP_DATA_DIR`)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg


def default_data_dir() -> Path:
    env = os.environ.get("GIP_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "data"


class GipPaths(dg.ConfigurableResource):
    """Folders of the four stages. `staging_dir` holds the intermediate Parquet between stages."""

    raw_dir: str = str(default_data_dir() / "raw")
    curated_dir: str = str(default_data_dir() / "curated")
    quarantine_dir: str = str(default_data_dir() / "quarantine")
    staging_dir: str = str(default_data_dir() / "staging")

    @property
    def raw(self) -> Path:
        return Path(self.raw_dir)

    @property
    def curated(self) -> Path:
        return Path(self.curated_dir)

    @property
    def quarantine(self) -> Path:
        return Path(self.quarantine_dir)

    @property
    def staging(self) -> Path:
        return Path(self.staging_dir)
