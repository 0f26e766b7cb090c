"""The raw-folder sensor and the nightly schedule, evaluated for real against a Dagster instance."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import dagster as dg
import pytest

from gip_pipeline.definitions import build_defs
from gip_pipeline.defs.automation import nightly_ingest, raw_folder_sensor
from gip_pipeline.defs.partitions import REPORT_YEARS
from gip_pipeline_tests.runs import paths_for, seed, seeded_raw


@pytest.fixture
def env(tmp_path):
    raw = seeded_raw(tmp_path / "raw")
    paths = paths_for(tmp_path / "out", raw)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    # a real on-disk (SQLite) instance; not entered as a context manager: that installs a process-wide
    # definitions-state storage that outlives the fixture and breaks later Definitions loads in the session
    instance = dg.DagsterInstance.from_config(str(home))
    yield raw, paths, build_defs(paths), instance
    instance.dispose()


def evaluate(env, cursor):
    raw, paths, defs, instance = env
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"paths": paths}, definitions=defs)
    result = raw_folder_sensor(ctx)
    for req in result.dynamic_partitions_requests:  # what the daemon does with them before launching the runs
        instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
    return result


def requested(result) -> dict[str, str]:
    return {r.partition_key: r.run_key for r in result.run_requests}


def test_sensor_requests_exactly_the_changed_years(env):
    raw, _, _, instance = env
    first = evaluate(env, None)
    assert set(requested(first)) == {"2022", "2023"}
    assert set(instance.get_dynamic_partitions(REPORT_YEARS.name)) == {"2022", "2023"}

    nothing = evaluate(env, first.cursor)  # touch nothing → no run
    assert nothing.run_requests == [] and nothing.skip_reason

    target = raw / "2022" / seed("000").name
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 10**9))
    touched = evaluate(env, nothing.cursor)  # mtime changed, bytes the same → no run
    assert touched.run_requests == []

    # a new report of 2022 (000 re-encoded as GB18030: other bytes, same year from its own title)
    (raw / "2022" / "new.txt").write_bytes(seed("000").read_text(encoding="utf-8").encode("gb18030"))
    added = evaluate(env, touched.cursor)
    assert list(requested(added)) == ["2022"]
    again = evaluate(env, touched.cursor)  # the same change evaluated twice → the same run key (runs once)
    assert requested(again) == requested(added)

    (raw / "2022" / "new.txt").unlink()
    removed = evaluate(env, added.cursor)
    assert list(requested(removed)) == ["2022"]
    assert requested(removed)["2022"] not in requested(added).values()  # back to the old files: a new change


def test_sensor_adds_a_partition_for_a_new_year(env):
    raw, _, _, instance = env
    cursor = evaluate(env, None).cursor
    text = seed("001").read_text(encoding="utf-8").replace("2022", "2021")
    (raw / "flat.txt").write_text(text, encoding="utf-8")  # no year folder: the year comes from the title
    result = evaluate(env, cursor)
    assert list(requested(result)) == ["2021"]
    assert [list(r.partition_keys) for r in result.dynamic_partitions_requests] == [["2021"]]
    assert "2021" in instance.get_dynamic_partitions(REPORT_YEARS.name)


def test_sensor_moves_a_report_between_years(env):
    raw, _, _, _ = env
    cursor = evaluate(env, None).cursor
    shutil.move(raw / "2023" / seed("002").name, raw / "2022" / seed("002").name)  # year from its title: 2023
    result = evaluate(env, cursor)
    assert list(requested(result)) == ["2023"]  # path changed inside 2023's set; 2022 holds the same reports


def test_nightly_schedule_is_off_at_two_in_shanghai_and_covers_every_year(env):
    _, paths, defs, instance = env
    assert nightly_ingest.cron_schedule == "0 2 * * *"
    assert nightly_ingest.execution_timezone == "Asia/Shanghai"
    assert nightly_ingest.default_status == dg.DefaultScheduleStatus.STOPPED
    assert raw_folder_sensor.default_status == dg.DefaultSensorStatus.STOPPED
    when = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=when, resources={"paths": paths},
                                    repository_def=defs.get_repository_def())
    reqs = nightly_ingest(ctx)
    assert {r.partition_key: r.run_key for r in reqs} == {"2022": "nightly-2026-03-01-2022",
                                                          "2023": "nightly-2026-03-01-2023"}
    assert set(instance.get_dynamic_partitions(REPORT_YEARS.name)) == {"2022", "2023"}
