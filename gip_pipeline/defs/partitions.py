"""Report years as dynamic partitions: a year appears when a report of that year arrives (see `gip run`)."""

import dagster as dg

REPORT_YEARS = dg.DynamicPartitionsDefinition(name="report_year")
