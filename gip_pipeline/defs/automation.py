"""Unattended runs: a raw-folder sensor for the crawler's drops, and a nightly schedule that reconciles every year.

Both are off until a user turns them on (UI, or `dagster sensor start` / `dagster schedule start`): a default-on
sensor would start writing under data/ as soon as anyone opens `dagster dev`. Both request one run per year;
the parse is incremental, so a run over an unchanged year costs a hash of its files and a re-gate.
"""

from __future__ import annotations

import dagster as dg

from gip_pipeline.ingest.changes import dump_state, load_state, scan
from gip_pipeline.gate.publish import years_on_record
from gip_pipeline.ingest.inventory import partitions_in
from gip_pipeline.defs.jobs import pipeline_job
from gip_pipeline.defs.partitions import REPORT_YEARS
from gip_pipeline.defs.resources import GipPaths

NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_TZ = "Asia/Shanghai"


@dg.sensor(job=pipeline_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Requests a run for exactly the report years whose raw files were added, changed or removed.")
def raw_folder_sensor(context: dg.SensorEvaluationContext, paths: GipPaths) -> dg.SensorResult:
    result = scan(paths.raw, load_state(context.cursor))
    cursor = dump_state(result.state)  # also when nothing changed: touched files are not re-read next time
    if not result.changed_years:
        return dg.SensorResult(skip_reason=f"no change among {result.files} raw file(s)", cursor=cursor)
    known = set(context.instance.get_dynamic_partitions(REPORT_YEARS.name))
    new_years = [y for y in result.changed_years if y not in known]
    for year in result.changed_years:
        context.log.info(f"{year}: {'; '.join(result.details[year])}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=y, run_key=result.run_keys[y],
                                    tags={"gip/trigger": "raw_folder_sensor"}) for y in result.changed_years],
        dynamic_partitions_requests=[REPORT_YEARS.build_add_request(new_years)] if new_years else [],
        cursor=cursor)


@dg.schedule(job=pipeline_job, cron_schedule=NIGHTLY_CRON, execution_timezone=NIGHTLY_TZ,
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Nightly: every report year in the raw folder (unchanged reports are not parsed again).")
def nightly_ingest(context: dg.ScheduleEvaluationContext, paths: GipPaths):
    found = partitions_in(paths.raw, paths.staging)
    # a year published before whose inputs are all gone is run as well: it is unpublished
    years = sorted(set(found) | years_on_record(paths.curated, paths.quarantine, paths.staging), reverse=True)
    if not years:
        return dg.SkipReason(f"no raw files under {paths.raw}")
    # schedules cannot return dynamic-partition requests (sensors can): register new years directly
    known = set(context.instance.get_dynamic_partitions(REPORT_YEARS.name))
    if new := [y for y in years if y not in known]:
        context.instance.add_dynamic_partitions(REPORT_YEARS.name, new)
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return [dg.RunRequest(partition_key=y, run_key=f"nightly-{day}-{y}", tags={"gip/trigger": "nightly_ingest"})
            for y in years]


SENSORS = [raw_folder_sensor]
SCHEDULES = [nightly_ingest]
