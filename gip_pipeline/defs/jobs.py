"""The one job: every stage of the pipeline for the run's report year(s)."""

import dagster as dg

pipeline_job = dg.define_asset_job("gip_pipeline_job", selection=dg.AssetSelection.all(),
                                   description="raw → normalized → parsed → gated Parquet, for one report year")
