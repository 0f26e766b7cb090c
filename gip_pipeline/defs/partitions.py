"""Report years as dynamic partitions: a year appears when a report of that year arrives (sensor, schedule, CLI).

Backfills batch years: up to `YEARS_PER_RUN` partitions run in one run (the assets loop over
`context.partition_keys`), so a decade costs a couple of run start-ups instead of ten, while a failing batch
still leaves the other batches' years published.
"""

import dagster as dg

REPORT_YEARS = dg.DynamicPartitionsDefinition(name="report_year")
YEARS_PER_RUN = 5
BACKFILL_POLICY = dg.BackfillPolicy.multi_run(max_partitions_per_run=YEARS_PER_RUN)
