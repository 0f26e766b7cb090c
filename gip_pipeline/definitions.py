"""The Dagster code location: `dagster dev -w workspace.yaml` loads `defs` from here."""

import dagster as dg

from .defs.assets import ASSETS
from .defs.checks import CHECKS
from .defs.resources import GipPaths

pipeline_job = dg.define_asset_job("gip_pipeline_job", selection=dg.AssetSelection.all(),
                                   description="raw → normalized → parsed → gated Parquet, for one report year")


def build_defs(paths: GipPaths | None = None) -> dg.Definitions:
    """Shared by the CLI, the webserver and the tests, so all three run the same assets."""
    return dg.Definitions(assets=ASSETS, asset_checks=CHECKS, jobs=[pipeline_job],
                          resources={"paths": paths or GipPaths()})


defs = build_defs()
