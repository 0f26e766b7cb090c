"""Issue 5 end to end on the five seeds: real Dagster runs, then real DuckDB views, region, narrative warnings,
suggested repairs and the Parquet field metadata, each asserted on the values the seed reports state."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gip_pipeline.bi import views
from gip_pipeline.core import schema
from gip_pipeline.core.region import resolve
from gip_pipeline_tests.conftest import SEED_FILES
from gip_pipeline_tests.test_pipeline import run_years

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bi")
    raw = tmp / "raw"
    raw.mkdir()
    for seed in SEED_FILES:
        shutil.copy(seed, raw / seed.name)
    paths, results = run_years(tmp, raw, ["2022", "2023"])
    assert all(r.success for r in results)
    return tmp, paths, results


@pytest.fixture(scope="module")
def con(seed_run):
    tmp, _, _ = seed_run
    c = views.build(tmp, db_path=tmp / "tests.duckdb")  # gip.duckdb stays free for `gip sql` below
    yield c
    c.close()


def _one(con, sql: str):
    rows = con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def rid(con, prefix: str, table: str = "reports") -> str:
    return _one(con, f"SELECT report_id FROM {table} WHERE source_file LIKE '{prefix}%'")[0]


def test_metrics_view_values(con):
    r001 = _one(con, "SELECT disclosure_rate, granted, total_processed, new_received, natural_person_share, "
                     "backlog_ratio, unavailable_share, province, city FROM report_metrics "
                     "WHERE source_file LIKE '001_%'")
    assert r001 == (1.0, 9, 9, 9, 1.0, 0.0, 0.0, "河南省", "濮阳市")
    # seed 004 received nothing: rates over zero requests are unknown (null), not 0
    assert _one(con, "SELECT total_processed, disclosure_rate FROM report_metrics WHERE source_file LIKE '004_%'") \
        == (0, None)
    assert _one(con, "SELECT count(*) FROM report_metrics")[0] == 4  # curated only; 003 is quarantined


def test_decisions_and_wide_view(con):
    value = _one(con, "SELECT d.value FROM active_disclosure d JOIN reports r USING (report_id) "
                      "WHERE r.source_file LIKE '004_%' AND d.category = 'administrative_license' "
                      "AND d.metric = 'decisions'")[0]
    assert value == 152
    wide = con.execute("SELECT * FROM applications_wide WHERE source_file LIKE '001_%'")
    cols = [d[0] for d in wide.description]
    row = dict(zip(cols, wide.fetchall()[0]))
    assert row["granted__natural_person"] == 9 and row["new_received__total"] == 9
    assert row["administrative_review__total"] == 0
    assert sum(1 for c in cols if "__" in c) == len(schema.APPLICATION_ROWS) * 7 + len(schema.REVIEW_CELLS)
    q = _one(con, "SELECT total_processed__total, total_processed__commercial_enterprise, new_received__total "
                  "FROM quarantine_applications_wide")
    assert q == (0, 6, 6)  # seed 003 as the report states it


def test_region_and_refusal_views(con):
    assert _one(con, "SELECT reports, disclosure_rate FROM region_metrics WHERE region_level = 'province' "
                     "AND year = 2022 AND province = '黑龙江省'") == (2, 1.0)
    # seed 000 (2019 form: 8 不予公开 + 3 无法提供 + 5 不予处理 + 1 其他处理 rows): 1 request, granted, no refusal
    assert _one(con, "SELECT sum(requests), count(*) FROM refusal_reasons WHERE source_file LIKE '000_%'") == (0, 17)
    assert _one(con, "SELECT count(*) FROM refusal_reasons WHERE source_file LIKE '001_%'")[0] == 19  # 2021 form


def test_views_use_relative_globs_and_open_from_another_client(seed_run, con):
    tmp, _, _ = seed_run
    sqls = [r[0] for r in con.execute("SELECT sql FROM duckdb_views() WHERE NOT internal").fetchall()]
    assert sqls and not any(str(tmp) in s for s in sqls)
    assert any("'curated/applications/*/*.parquet'" in s for s in sqls)
    # a separate process (any DuckDB client) opens a closed database file read-only from the data folder
    views.build(tmp, db_path=tmp / "copy.duckdb").close()
    code = ("import duckdb; c = duckdb.connect('copy.duckdb', read_only=True); "
            "print(c.execute(\"SELECT count(*) FROM quarantine_reports\").fetchall()[0][0], "
            "c.execute(\"SELECT comment FROM duckdb_columns() WHERE table_name='reports' "
            "AND column_name='division_code'\").fetchall()[0][0])")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp, capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == "1" and "GB/T 2260" in out


def test_gip_sql_one_shot(seed_run):
    tmp, _, _ = seed_run
    out = subprocess.run([sys.executable, "-m", "gip_pipeline.cli", "sql", "--curated-dir", str(tmp / "curated"),
                          "-c", "SELECT agency, disclosure_rate FROM report_metrics WHERE source_file LIKE '001_%';"],
                         capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert "濮阳经济技术开发区" in out.stdout and "| 1 " in out.stdout + " " and "(1 row)" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "gip_pipeline.cli", "sql", "--curated-dir", str(tmp / "curated"),
                          "-c", "SELECT nope FROM reports"], capture_output=True, text=True, cwd=REPO)
    assert bad.returncode == 1 and "nope" in bad.stderr


def test_region_columns_of_the_seeds(con):
    got = dict(((r[0], r[1:]) for r in con.execute(
        "SELECT agency, province, city, county, division_code, division_level, region_note FROM reports "
        "UNION ALL SELECT agency, province, city, county, division_code, division_level, region_note "
        "FROM quarantine_reports").fetchall()))
    assert got["牡丹江经济技术开发区管理委员会"] == ("黑龙江省", "牡丹江市", None, "231000", "city", None)
    assert got["盘锦市双台子区人民政府办公室"] == ("辽宁省", "盘锦市", "双台子区", "211102", "county", None)
    assert got["绥芬河市营商环境建设监督局"] == ("黑龙江省", "牡丹江市", "绥芬河市", "231081", "county", None)
    assert got["鹤岗市东山区人民政府"][:4] == ("黑龙江省", "鹤岗市", "东山区", "230406")


@pytest.mark.parametrize("agency, expected", [
    ("北京市朝阳区人民政府", ("北京市", "北京市", "朝阳区", "110105")),
    ("江苏省南京市鼓楼区人民政府", ("江苏省", "南京市", "鼓楼区", "320106")),
    ("广东省人民政府办公厅", ("广东省", None, None, "440000")),
])
def test_region_resolves_chains(agency, expected):
    r = resolve(agency)
    assert (r.province, r.city, r.county, r.division_code) == expected and r.region_note is None


@pytest.mark.parametrize("agency, note", [
    ("朝阳区人民政府", "ambiguous: '朝阳区' names 2 divisions"),  # Beijing and Changchun
    ("鼓楼区人民政府办公室", "ambiguous: '鼓楼区' names 4 divisions"),
    ("国务院办公厅", "no administrative division named"),
])
def test_region_refuses_to_guess(agency, note):
    r = resolve(agency)
    assert (r.province, r.city, r.county, r.division_code) == (None, None, None, None)
    assert r.region_note.startswith(note)


def test_narrative_warning_for_seed_001(con):
    rows = con.execute("SELECT \"check\", severity, status, detail FROM quality q JOIN reports r USING (report_id) "
                       "WHERE r.source_file LIKE '001_%' AND \"check\" LIKE 'narrative:%'").fetchall()
    assert rows == [("narrative:received", "warning", "failed",
                     "section 一 states '共受理申请公开8件' (8); table new_received.total = 9: the text and the table "
                     "disagree")]
    # seed 003 states 6 = 3 自然人 + 3 商业企业, 行政复议 0, 行政诉讼 0: all agree with its tables
    got = dict(con.execute("SELECT \"check\", status FROM quarantine_quality WHERE \"check\" LIKE 'narrative:%'")
               .fetchall())
    assert got == {"narrative:received": "passed", "narrative:applicant:natural_person": "passed",
                   "narrative:applicant:commercial_enterprise": "passed",
                   "narrative:applicant:public_interest_org": "passed",
                   "narrative:administrative_review": "passed", "narrative:litigation": "passed"}
    # a warning never quarantines: 001 is curated
    assert _one(con, "SELECT count(*) FROM reports WHERE source_file LIKE '001_%'")[0] == 1


def test_suggested_repair_for_seed_003(con):
    rows = con.execute("SELECT DISTINCT suggestion FROM quarantine_quality WHERE severity = 'error' "
                       "AND NOT passed").fetchall()
    assert len(rows) == 1
    text = rows[0][0]
    assert text.startswith("row total_processed (三(七) 总计) is inconsistent with all the others")
    assert "stated [0, 6, 0, 0, 0, 0, 0]" in text and "imply [3, 3, 0, 0, 0, 0, 6]" in text
    # never applied: the data keeps what the report says
    assert _one(con, "SELECT value FROM quarantine_applications WHERE row_code = 'total_processed' "
                     "AND applicant = 'total'")[0] == 0
    assert _one(con, "SELECT count(*) FROM quality WHERE suggestion IS NOT NULL")[0] == 0


def test_single_cell_repair():
    from gip_pipeline.quality.repairs import suggest

    exp = json.loads((SEED_FILES[4].parent / "expected" / f"{SEED_FILES[4].stem}.json").read_text("utf-8"))
    values = {("applications", row, col): v for row, vals in exp["applications"].items()
              for col, v in zip(schema.APPLICANT_CODES, vals)}
    values.update({("review_litigation", p, o): 0 for p, o in schema.REVIEW_CELLS})
    assert suggest("2021", values, set()) is None  # seed 004 holds
    values[("applications", "granted", "total")] += 5
    failed = {k for k in values if k[1] in ("granted", "total_processed")}
    assert suggest("2021", values, failed) == (
        f"change applications granted.total (三(一) 予以公开 / 总计) from {values[('applications', 'granted', 'total')]}"
        f" to {values[('applications', 'granted', 'total')] - 5}: then every hard identity of the report holds")


def test_parquet_files_carry_labels(seed_run):
    tmp, _, _ = seed_run
    f = next((tmp / "curated" / "applications").glob("year=*/*.parquet"))
    sch = pq.read_schema(f)
    meta = sch.field("row_code").metadata
    assert meta[b"label_zh"].decode() == "行"
    assert json.loads(meta[b"codes"])["granted"] == "三(一) 予以公开"
    assert sch.metadata[b"label_zh"].decode() == schema.TABLE_DOCS["applications"][0]
