"""Incremental, idempotent runs on the real job: unchanged reports are not parsed again, reruns write the same bytes,
a changed report replaces its rows, a deleted one loses them, and a batched (multi-year) run equals per-year runs."""

from __future__ import annotations

import hashlib
import shutil

import dagster as dg
import polars as pl
import pyarrow.parquet as pq
import pytest

from gip_pipeline.parse.facts import report_id_for
from gip_pipeline.ingest import inventory as raw_stage
from gip_pipeline_tests.runs import fact_metadata, paths_for, published_bytes, run, seed, seeded_raw

YEARS = ["2022", "2023"]


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    raw = seeded_raw(tmp / "raw")
    out = tmp / "out"
    instance = dg.DagsterInstance.ephemeral()
    meta = fact_metadata(run(paths_for(out, raw), YEARS, instance))
    return tmp, raw, out, instance, meta, published_bytes(out)


def _reports(out, year: str) -> pl.DataFrame:
    files = [out / d / "reports" / f"year={year}" / "part-0.parquet" for d in ("curated", "quarantine")]
    return pl.concat([pl.read_parquet(f) for f in files if f.exists()], how="diagonal_relaxed")


def test_first_run_parses_everything(first):
    *_, meta, files = first
    assert {y: (m["inputs"], m["parsed"], m["skipped_unchanged"]) for y, m in meta.items()} == {
        "2022": (3, 3, 0), "2023": (2, 2, 0)}
    assert {y: (m["curated"], m["quarantined"], m["rejected"]) for y, m in meta.items()} == {
        "2022": (3, 0, 0), "2023": (1, 1, 0)}
    assert "curated/reports/year=2022/part-0.parquet" in files and len(files) == 6 * 2 + 6 * 1


def test_rerun_over_unchanged_inputs_parses_nothing_and_writes_identical_bytes(first):
    tmp, raw, out, instance, _, before = first
    meta = fact_metadata(run(paths_for(out, raw), YEARS, instance))
    assert {y: (m["parsed"], m["skipped_unchanged"], m["inputs"]) for y, m in meta.items()} == {
        "2022": (0, 3, 3), "2023": (0, 2, 2)}
    # the staged rows of reused reports are written back as the same bytes, so the gate is not redone either
    assert {y: m["unchanged"] for y, m in meta.items()} == {"2022": True, "2023": True}
    assert published_bytes(out) == before


def _stage_metadata(results, node: str) -> dict[str, dict]:
    return {m.partition: {k: v.value for k, v in m.metadata.items()}
            for r in results for m in r.asset_materializations_for_node(node)}


def test_rerun_reads_no_raw_file_and_decodes_nothing_again(first, monkeypatch):
    """The inventory's cache (staged path/size/mtime) and the normalized text of the same bytes are reused."""
    tmp, raw, out, instance, _, _ = first
    monkeypatch.setattr(raw_stage, "_SEEN", {})  # as in a new process: only the staged inventory is left
    results = run(paths_for(out, raw), YEARS, instance)
    inv, norm = _stage_metadata(results, "raw_report_inventory"), _stage_metadata(results, "normalized_reports")
    assert {y: (m["files"], m["files_read_all_years"]) for y, m in inv.items()} == {"2022": (3, 0), "2023": (2, 0)}
    assert {y: (m["decoded"], m["reused_unchanged"]) for y, m in norm.items()} == {"2022": (3, 3), "2023": (2, 2)}
    parsed = _stage_metadata(results, "parsed_reports")  # same files, same bytes: staged tables kept as they are
    assert {y: (m["staged_unchanged"], m["parsed"], m["reports"]) for y, m in parsed.items()} == {
        "2022": (True, 0, 3), "2023": (True, 0, 2)}
    facts = _stage_metadata(results, "fact_tables")  # same staged rows and code: gate and publish not redone
    assert {y: (m["unchanged"], m["curated"], m["quarantined"]) for y, m in facts.items()} == {
        "2022": (True, 3, 0), "2023": (True, 1, 1)}
    pages = _stage_metadata(results, "quality_report")  # same published bytes: the year's page is not redrawn
    assert {y: m["unchanged"] for y, m in pages.items()} == {"2022": True, "2023": True}
    schema_checks = [e for r in results for e in r.get_asset_check_evaluations()
                     if e.check_name == "parsed_schema_conforms"]
    assert schema_checks and all(e.passed for e in schema_checks)
    assert all(e.metadata["rows_validated"].value == 0 and e.metadata["rows_reused_prevalidated"].value > 100
               for e in schema_checks)  # reused rows were validated when they were parsed


def _own_copy(first, tmp_path, years: list[str]):
    """A private copy of the seeded raw folder, run once for `years` into a fresh output and instance."""
    raw = tmp_path / "raw"
    shutil.copytree(first[1], raw)
    out = tmp_path / "out"
    instance = dg.DagsterInstance.ephemeral()
    run(paths_for(out, raw), years, instance)
    return raw, out, instance


def test_a_damaged_publish_is_redone_even_when_inputs_are_unchanged(first, tmp_path):
    raw, out, instance = _own_copy(first, tmp_path, ["2023"])
    before = published_bytes(out)
    (out / "quarantine" / "quality" / "year=2023" / "part-0.parquet").unlink()
    meta = fact_metadata(run(paths_for(out, raw), ["2023"], instance))["2023"]
    assert meta["unchanged"] is False and (meta["parsed"], meta["quarantined"]) == (0, 1)
    assert published_bytes(out) == before


def test_batched_run_equals_per_year_runs(first, tmp_path):
    """A backfill batch (one run over the year range, `context.partition_keys`) writes the same bytes."""
    _, raw, _, _, _, per_year = first
    results = run(paths_for(tmp_path, raw), YEARS, dg.DagsterInstance.ephemeral(), batched=True)
    assert len(results) == 1 and results[0].success
    meta = fact_metadata(results)  # one materialization per year, each with that year's own counts
    assert {y: (m["inputs"], m["curated"], m["quarantined"]) for y, m in meta.items()} == {
        "2022": (3, 3, 0), "2023": (2, 1, 1)}
    assert published_bytes(tmp_path) == per_year


def test_changed_report_replaces_its_rows_and_deleted_report_loses_them(first, tmp_path):
    raw, out, instance = _own_copy(first, tmp_path, YEARS)
    changed = raw / "2022" / seed("004").name
    old_id = report_id_for(hashlib.sha256(changed.read_bytes()).hexdigest())
    changed.write_bytes(changed.read_bytes() + "\n附：本报告如有疑问请来电咨询。\n".encode())
    new_id = report_id_for(hashlib.sha256(changed.read_bytes()).hexdigest())
    results = run(paths_for(out, raw), ["2022"], instance)
    meta = fact_metadata(results)["2022"]
    assert (meta["parsed"], meta["skipped_unchanged"], meta["inputs"]) == (1, 2, 3)
    assert meta["verdicts_kept"] == 2  # the two unchanged reports keep their published verdicts: one is gated
    assert _stage_metadata(results, "raw_report_inventory")["2022"]["files_read_all_years"] == 1
    assert _stage_metadata(results, "normalized_reports")["2022"]["reused_unchanged"] == 2
    assert _stage_metadata(results, "quality_report")["2022"]["unchanged"] is False
    assert meta["unchanged"] is False
    ids = set(_reports(out, "2022")["report_id"])
    assert new_id in ids and old_id not in ids and len(ids) == 3
    apps = pl.read_parquet(out / "curated" / "applications" / "year=2022" / "part-0.parquet")
    assert old_id not in set(apps["report_id"]) and apps.filter(pl.col("report_id") == new_id).height > 0

    # same inputs from scratch: identical bytes (reused rows and verdicts are exactly what a fresh run gives)
    fresh = tmp_path / "fresh"
    run(paths_for(fresh, raw), YEARS, dg.DagsterInstance.ephemeral())
    assert published_bytes(out) == published_bytes(fresh)

    (raw / "2022" / seed("000").name).unlink()
    meta = fact_metadata(run(paths_for(out, raw), ["2022"], instance))["2022"]
    assert (meta["parsed"], meta["skipped_unchanged"], meta["inputs"], meta["verdicts_kept"]) == (0, 2, 2, 2)
    reports = _reports(out, "2022")
    assert seed("000").name not in {s.split("/")[-1] for s in reports["source_file"]} and reports.height == 2
    for table in ("applications", "sections", "quality"):
        ids = set(pl.read_parquet(out / "curated" / table / "year=2022" / "part-0.parquet")["report_id"])
        assert ids == set(reports["report_id"]), table


def test_renamed_file_is_not_parsed_again_and_keeps_its_new_name(first, tmp_path):
    raw, out, instance = _own_copy(first, tmp_path, ["2022"])
    (raw / "2022" / seed("001").name).rename(raw / "2022" / "renamed.txt")
    meta = fact_metadata(run(paths_for(out, raw), ["2022"], instance))["2022"]
    assert (meta["parsed"], meta["skipped_unchanged"]) == (0, 3)
    assert "2022/renamed.txt" in set(_reports(out, "2022")["source_file"])


def test_all_files_of_a_year_removed_empties_the_year(first, tmp_path):
    raw, out, instance = _own_copy(first, tmp_path, YEARS)
    shutil.rmtree(raw / "2023")
    results = run(paths_for(out, raw), ["2023"], instance)
    assert results[0].success and fact_metadata(results)["2023"]["inputs"] == 0
    assert not list(out.glob("*/*/year=2023/*")) and list(out.glob("curated/*/year=2022/part-0.parquet"))


def test_gating_a_year_one_report_at_a_time_publishes_the_same_rows(first, tmp_path, monkeypatch):
    """The gate and the publish hold a chunk of reports at a time (`storage.chunks`): chunks of one report give the
    rows a single chunk gives, in the same order, each chunk a row group."""
    monkeypatch.setenv("GIP_GATE_REPORTS", "1")
    out = tmp_path / "out"
    meta = fact_metadata(run(paths_for(out, first[1]), YEARS, dg.DagsterInstance.ephemeral()))
    assert {y: (m["gate_chunks"], m["curated"], m["quarantined"]) for y, m in meta.items()} == {
        "2022": (3, 3, 0), "2023": (2, 1, 1)}
    whole = published_bytes(first[2])
    assert set(published_bytes(out)) == set(whole)
    for rel in whole:
        assert pq.read_table(out / rel).equals(pq.read_table(first[2] / rel)), rel
    assert pq.ParquetFile(out / "curated/applications/year=2022/part-0.parquet").num_row_groups == 3


def test_kept_verdicts_over_chunks_equal_a_fresh_run(first, tmp_path, monkeypatch):
    """A new report between two published ones (one curated, one quarantined), one report per gate chunk: the
    kept verdicts are read forward from both published quality files and merged in a full gate's order."""
    monkeypatch.setenv("GIP_GATE_REPORTS", "1")
    raw, out, instance = _own_copy(first, tmp_path, YEARS)
    new = raw / "2023" / "002b_new.txt"
    new.write_bytes(seed("002").read_bytes() + "\n附：本年度报告电子版可在门户网站下载。\n".encode())
    meta = fact_metadata(run(paths_for(out, raw), ["2023"], instance))["2023"]
    assert (meta["parsed"], meta["verdicts_kept"], meta["gate_chunks"], meta["quarantined"]) == (1, 2, 3, 1)
    fresh = tmp_path / "fresh"
    run(paths_for(fresh, raw), YEARS, dg.DagsterInstance.ephemeral())
    assert published_bytes(out) == published_bytes(fresh)


def test_a_batched_run_records_each_check_per_year(first, tmp_path):
    """In a run over a range of years each check has one evaluation per year, stored by the instance (the UI's
    per-partition status), with that year's verdict: 2023 holds the seed that breaks identities."""
    _, raw, _, _, _, _ = first
    instance = dg.DagsterInstance.ephemeral()
    (result,) = run(paths_for(tmp_path, raw), YEARS, instance, batched=True)
    records = instance.get_records_for_run(result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    per_year = {(e.check_name, e.partition): e.passed for e in evaluations if e.partition is not None}
    assert per_year == {("accounting_identities", "2022"): True, ("accounting_identities", "2023"): False,
                        ("parsed_schema_conforms", "2022"): True, ("parsed_schema_conforms", "2023"): True}
