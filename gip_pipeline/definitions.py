"""The Dagster code location: `dagster dev -w workspace.yaml` loads `defs` from here."""

import dagster as dg

from gip_pipeline.defs.assets import ASSETS
from gip_pipeline.defs.automation import SCHEDULES, SENSORS
from gip_pipeline.defs.checks import CHECKS
from gip_pipeline.defs.jobs import pipeline_job
from gip_pipeline.defs.report_assets import REPORT_ASSETS
from gip_pipeline.defs.resources import GipPaths


def build_defs(paths: GipPaths | None = None) -> dg.Definitions:
    """Shared by the CLI, the webserver and the tests, so all three run the same assets."""
    return dg.Definitions(assets=ASSETS + REPORT_ASSETS, asset_checks=CHECKS, jobs=[pipeline_job], schedules=SCHEDULES,
                          sensors=SENSORS, resources={"paths": paths or GipPaths()})


defs = build_defs()
