"""Where the pipeline reads and writes. Defaults are the repo's `data/` folders (or `$GIP_DATA_DIR`).

Every folder may be a local path, a `file://` URI or an `s3://bucket/prefix` URI (production object storage);
`$GIP_DATA_DIR` may be one too, and then holds `raw/`, `curated/`, `quarantine/` and `staging/`.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from gip_pipeline.config import default_data_dir, default_location  # noqa: F401  (re-exported for report_assets)
from gip_pipeline.storage.location import is_uri


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
