"""The Great Expectations gates on real (small) tables: failures name cells; schema breaks block the publish."""

from __future__ import annotations

import shutil

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from gip_pipeline.contract import schema
from gip_pipeline.parse.facts import identity_operands
from gip_pipeline.ingest.normalize import normalize
from gip_pipeline.parse.report import parse_report
from gip_pipeline.definitions import build_defs
from gip_pipeline.defs.partitions import REPORT_YEARS
from gip_pipeline.defs.resources import GipPaths
from gip_pipeline.gate.suites import gate, validate_schema
from gip_pipeline.storage import parquet
from gip_pipeline.parse.stage import PARSED_TABLES
from gip_pipeline_tests.conftest import SEED_FILES


def _facts(prefix: str):
    seed = next(s for s in SEED_FILES if s.name.startswith(prefix))
    return parse_report(normalize(seed.read_bytes()).text)


def test_negative_count_fails_with_its_cell():
    rep = _facts("004")
    ops = parquet.to_table(identity_operands("r1", rep.format, rep.applications, rep.review), "identity_operands")
    apps = parquet.to_table([{"report_id": "r1", "row_code": "granted", "applicant": "total", "value": -3,
                              "raw": "-3", "derived": False, "line": 1}], "applications")
    rows = gate(ops, apps, parquet.to_table([], "review_litigation")).to_pylist()
    neg = [r for r in rows if r["check"] == "non_negative:applications"]
    assert len(neg) == 1 and neg[0]["passed"] is False and "granted.total=-3" in neg[0]["detail"]
    assert all(r["passed"] for r in rows if r["check"].startswith(("balance", "row_sum", "review_sum")))


def test_schema_suite_flags_unknown_codes_and_columns():
    bad = parquet.to_table([{"report_id": "r1", "row_code": "granted_typo", "applicant": "total", "value": 1,
                             "raw": "1", "derived": False, "line": 1}], "applications")
    problems = validate_schema({"applications": bad})
    assert len(problems) == 1 and "granted_typo" in problems[0]
    wrong_type = pa.table({"report_id": ["r1"], "section_no": ["1"], "heading": ["h"], "text": ["t"]})
    assert "Arrow schema" in validate_schema({"sections": wrong_type})[0]


def test_schema_suite_finds_one_bad_row_among_many():
    """GX sees one representative row per distinct code combination: a single bad row must still be one."""
    rows = [{"report_id": f"r{i // 175}", "row_code": r.code, "applicant": a, "value": i, "raw": str(i),
             "derived": False, "line": 1}
            for i, (r, a) in enumerate((r, a) for _ in range(40) for r in schema.APPLICATION_ROWS[:25]
                                       for a in schema.APPLICANT_CODES)]
    assert validate_schema({"applications": parquet.to_table(rows, "applications")}) == []
    rows[3001] = {**rows[3001], "applicant": "robot"}
    rows[4500] = {**rows[4500], "report_id": None}
    problems = validate_schema({"applications": parquet.to_table(rows, "applications")})
    assert len(problems) == 2 and "robot" in problems[0] and "expect_column_values_to_not_be_null" in problems[1]


def test_schema_failure_blocks_the_publish_in_the_same_run(tmp_path):
    raw = tmp_path / "raw" / "2022"
    raw.mkdir(parents=True)
    shutil.copy(next(s for s in SEED_FILES if s.name.startswith("004_")), raw)
    paths = GipPaths(raw_dir=str(tmp_path / "raw"), curated_dir=str(tmp_path / "curated"),
                     quarantine_dir=str(tmp_path / "quarantine"), staging_dir=str(tmp_path / "staging"))
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(REPORT_YEARS.name, ["2022"])
    defs = build_defs(paths)
    job = defs.resolve_job_def("gip_pipeline_job")
    assert job.execute_in_process(partition_key="2022", instance=instance).success
    # corrupt the staged applications (an unknown code), then run the gate and the publish again
    staged = parquet.partition_dir(paths.staging / "parsed", "applications", "2022") / parquet.PART_FILE
    table = pq.read_table(staged)
    codes = table["row_code"].to_pylist()
    codes[0] = "not_a_row"
    pq.write_table(table.set_column(1, "row_code", pa.array(codes)), staged)
    for name in PARSED_TABLES:  # the earlier publish is gone, so a blocked publish leaves nothing behind
        shutil.rmtree(parquet.partition_dir(paths.curated, name, "2022"), ignore_errors=True)
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks], instance=instance, partition_key="2022", raise_on_error=False,
        resources={"paths": paths},
        selection=dg.AssetSelection.checks_for_assets("parsed_reports") | dg.AssetSelection.assets("fact_tables"))
    evals = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evals["parsed_schema_conforms"].passed is False
    assert result.asset_materializations_for_node("fact_tables") == []
    assert not parquet.partition_dir(paths.curated, "applications", "2022").exists()
