"""One bad file never stops the run: numbers that do not fit, and damaged staged files, through real runs.

Numbers: a count cell of 20 digits used to abort the run (int64 overflow) and a decimal in a count cell (3.5) was
published truncated (3); both must be null with a warning, raw text kept, every other cell exact. Staging: a
deleted staged table used to publish the year without it, a truncated one made every run fail; each staged year
now carries a stamp (rows, bytes, sha256) and is rebuilt from raw when it does not match.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from gip_pipeline.parse.facts import amount_value, count_value, report_id_for
from gip_pipeline.storage import integrity
from gip_pipeline.parse.incremental import STAGED_TABLES
from gip_pipeline_tests.runs import fact_metadata, paths_for, published_bytes, run, seed, seeded_raw

YEARS = ["2022", "2023"]
HUGE = "99999999999999999999"  # 20 digits: beyond int64 (and beyond what a float64 holds exactly)


def test_count_and_amount_values():
    assert count_value(3) == 3 and count_value(3.0) == 3 and count_value(None) is None
    assert count_value(3.5) is None and count_value(0.5) is None
    assert count_value((1 << 63) - 1) == (1 << 63) - 1 and count_value(1 << 63) is None
    assert count_value(int(HUGE)) is None and count_value(-(1 << 63) - 1) is None
    assert amount_value(12.5, "12.5") == 12.5 and amount_value(251000.0, "251000元") == 251000.0
    assert amount_value(13575394432.52, "13575394432.52元") == 13575394432.52
    assert amount_value(float(HUGE), HUGE) is None and amount_value(float("9" * 400), "9" * 400) is None
    assert amount_value(4.0, "+4") == 4.0 and amount_value(0.1, "0.1") == 0.1


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A fresh run over the seeds: (folder, raw, published bytes)."""
    tmp = tmp_path_factory.mktemp("integrity")
    raw = seeded_raw(tmp / "raw")
    results = run(paths_for(tmp / "out", raw), YEARS, dg.DagsterInstance.ephemeral())
    assert all(r.success for r in results)
    return tmp, raw, published_bytes(tmp / "out")


def _copy(fresh, tmp_path: Path) -> Path:
    src, _, _ = fresh
    shutil.copytree(src / "out", tmp_path / "out")
    return tmp_path / "out"


def _truncate(path: Path) -> None:
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)


def test_damaged_staging_is_rebuilt_from_raw_and_publishes_the_bytes_of_a_fresh_run(fresh, tmp_path):
    _, raw, expected = fresh
    out = _copy(fresh, tmp_path)
    staging = out / "staging"
    (staging / "parsed" / "applications" / "year=2022" / "part-0.parquet").unlink()  # deleted
    _truncate(staging / "parsed" / "reports" / "year=2023" / "part-0.parquet")  # truncated
    _truncate(staging / "raw_inventory" / "raw_inventory" / "year=2022" / "part-0.parquet")
    _truncate(staging / "normalized_reports" / "normalized_reports" / "year=2023" / "part-0.parquet")
    results = run(paths_for(out, raw), YEARS, dg.DagsterInstance.ephemeral())
    assert all(r.success for r in results)
    meta = fact_metadata(results)
    assert {y: (m["parsed"], m["skipped_unchanged"]) for y, m in meta.items()} == {"2022": (3, 0), "2023": (2, 0)}
    norm = {m.partition: m.metadata["reused_unchanged"].value
            for r in results for m in r.asset_materializations_for_node("normalized_reports")}
    assert norm == {"2022": 3, "2023": 0}  # the truncated normalized text was made again from raw
    assert published_bytes(out) == expected
    for root, tables in (("parsed", STAGED_TABLES), ("raw_inventory", ("raw_inventory",)),
                         ("normalized_reports", ("normalized_reports",))):
        for year in YEARS:
            assert integrity.damage(staging / root, year, tables) is None
    # and it stays so: the next run finds everything intact and unchanged
    again = fact_metadata(run(paths_for(out, raw), YEARS, dg.DagsterInstance.ephemeral()))
    assert {y: m["unchanged"] for y, m in again.items()} == {"2022": True, "2023": True}
    assert published_bytes(out) == expected


def test_the_publish_alone_refuses_a_damaged_staged_year(fresh, tmp_path):
    """`fact_tables` materialized on its own (UI) over a deleted staged table: the year fails, nothing changes;
    the next full run rebuilds and publishes it."""
    _, raw, expected = fresh
    out = _copy(fresh, tmp_path)
    (out / "staging" / "parsed" / "review_litigation" / "year=2022" / "part-0.parquet").unlink()
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("report_year", YEARS)
    from gip_pipeline.definitions import build_defs

    job = build_defs(paths_for(out, raw)).resolve_job_def("gip_pipeline_job")
    result = job.execute_in_process(partition_key="2022", instance=instance, raise_on_error=False,
                                    asset_selection=[dg.AssetKey("fact_tables")])
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "review_litigation 2022: missing" in str(failure.step_failure_data.error)
    assert published_bytes(out) == expected
    assert all(r.success for r in run(paths_for(out, raw), ["2022"], instance))
    assert published_bytes(out) == expected


def _replace_cell(lines: list[str], label: str, new: str) -> None:
    """The first `0` value cell of the line holding `label` becomes `new`."""
    k = next(i for i, ln in enumerate(lines) if label in ln and "\t" in ln)
    cells = lines[k].split("\t")
    j = next(i for i, c in enumerate(cells) if c.strip() == "0" and i > 0)
    cells[j] = new
    lines[k] = "\t".join(cells)


def _cells(out: Path, table: str, rid: str, keys: list[str]) -> dict:
    frames = [pl.read_parquet(f) for f in out.glob(f"*/{table}/year=2022/part-0.parquet")]
    df = pl.concat(frames).filter(pl.col("report_id") == rid)
    return {tuple(r[k] for k in keys): (r["value"], r["raw"]) for r in df.iter_rows(named=True)}


def test_numbers_that_do_not_fit_are_null_with_a_warning_and_the_run_publishes(fresh, tmp_path):
    src, seeds_raw, _ = fresh
    original = seed("000").read_bytes()
    lines = original.decode("utf-8").split("\n")
    _replace_cell(lines, "5. 属于三类内部事务信息", HUGE)  # table 三: beyond int64
    _replace_cell(lines, "6. 属于四类过程性信息", "3.5")  # table 三: not a whole number
    _replace_cell(lines, "规范性文件", HUGE)  # table 二 (float64): would be 1e20, not the number written
    raw = tmp_path / "raw"
    shutil.copytree(seeds_raw / "2022", raw / "2022")
    damaged = "\n".join(lines).encode("utf-8")
    (raw / "2022" / seed("000").name).write_bytes(damaged)
    results = run(paths_for(tmp_path / "out", raw), ["2022"], dg.DagsterInstance.ephemeral())
    assert all(r.success for r in results)
    meta = fact_metadata(results)["2022"]
    assert (meta["curated"], meta["quarantined"], meta["rejected"]) == (3, 0, 0)

    rid, before = report_id_for(hashlib.sha256(damaged).hexdigest()), report_id_for(
        hashlib.sha256(original).hexdigest())
    out, ref = tmp_path / "out", src / "out"
    apps = _cells(out, "applications", rid, ["row_code", "applicant"])
    ref_apps = _cells(ref, "applications", before, ["row_code", "applicant"])
    odd = {("denied_internal_affairs", "natural_person"): HUGE,
           ("denied_process_information", "natural_person"): "3.5"}
    for key, text in odd.items():
        assert apps[key] == (None, text)  # null, never truncated, the raw text kept
    assert {k: v for k, v in apps.items() if k not in odd} == {k: v for k, v in ref_apps.items() if k not in odd}
    assert _cells(out, "review_litigation", rid, ["proceeding", "outcome"]) == _cells(
        ref, "review_litigation", before, ["proceeding", "outcome"])
    disc = _cells(out, "active_disclosure", rid, ["item", "category", "metric"])
    ref_disc = _cells(ref, "active_disclosure", before, ["item", "category", "metric"])
    changed = [k for k in disc if disc[k] != ref_disc[k]]
    assert len(changed) == 1 and disc[changed[0]] == (None, HUGE)

    warnings = pl.read_parquet(out / "curated" / "reports" / "year=2022" / "part-0.parquet").filter(
        pl.col("report_id") == rid)["warnings"].to_list()[0]
    assert any(f"'{HUGE}' does not fit a 64-bit count" in w for w in warnings)
    assert any("'3.5' is not a whole number" in w for w in warnings)
    assert any("active_disclosure" in w and HUGE in w for w in warnings)
