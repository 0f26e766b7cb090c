"""Where the pipeline reads and writes. Defaults are the repo's `data/` folders (or `$GIP_DATA_DIR`).

Every folder may be a local path, a `file://` URI or an `s3://bucket/prefix` URI (production object storage);
`$GIP_DATA_DIR` may be one too, and then holds `raw/`, `curated/`, `quarantine/` and `staging/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from ..stages.location import is_uri, join


def default_data_dir() -> Path:
    env = os.environ.get("GIP_DATA_DIR")
    return Path(env) if env and not is_uri(env) else Path(__file__).resolve().parents[2] / "data"


def default_location(sub: str) -> str:
    """`<$GIP_DATA_DIR or data/>/<sub>`, keeping a URI a URI."""
    env = os.environ.get("GIP_DATA_DIR")
    return join(env, sub) if env and is_uri(env) else str(default_data_dir() / sub)


def _loc(value: str) -> Path | str:
    """A local folder as a Path (as before), an object-storage URI as it is."""
    if value.startswith("file://"):
        return Path(value[len("file://"):])
    return value if is_uri(value) else Path(value)


class GipPaths(dg.ConfigurableResource):
    """Folders of the four stages. `staging_dir` holds the intermediate Parquet between stages."""

    raw_dir: str = default_location("raw")
    curated_dir: str = default_location("curated")
    quarantine_dir: str = default_location("quarantine")
    staging_dir: str = default_location("staging")

    @property
    def raw(self) -> Path | str:
        return _loc(self.raw_dir)

    @property
    def curated(self) -> Path | str:
        return _loc(self.curated_dir)

    @property
    def quarantine(self) -> Path | str:
        return _loc(self.quarantine_dir)

    @property
    def staging(self) -> Path | str:
        return _loc(self.staging_dir)
