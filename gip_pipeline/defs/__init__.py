"""The thin Dagster layer: partitions, resources, one asset per stage, the gates, and the Definitions."""

import warnings

import dagster as dg

# Partitioned asset checks are "preview" in Dagster 1.13; we rely on them knowingly (pinned release).
warnings.filterwarnings("ignore", category=dg.PreviewWarning)
warnings.filterwarnings("ignore", category=dg.BetaWarning)  # backfill_policy: a beta parameter in 1.13
