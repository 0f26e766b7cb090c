"""Issue 5 end to end on the five seeds: real Dagster runs, then real DuckDB views, region, narrative warnings,
suggested repairs and the Parquet field metadata, each asserted on the values the seed reports state."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gip_pipeline.serve import quality_report, views
from gip_pipeline.contract import schema
from gip_pipeline.parse.region import resolve
from gip_pipeline.defs.report_assets import REPORT_TABLES, read_for_page
from gip_pipeline.storage import parquet
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
    old = os.environ.get("GIP_GX_DATA_DOCS")
    os.environ["GIP_GX_DATA_DOCS"] = "1"  # the real GX Data Docs, once, here
    try:
        paths, results = run_years(tmp, raw, ["2022", "2023"])
    finally:
        os.environ["GIP_GX_DATA_DOCS"] = old or "0"
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
    from gip_pipeline.gate.repairs import suggest

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


# ---------------------------------------------------------------------------------------------------------------
# Quality report: linked from the Dagster materialization, opened in a real headless Chromium
# ---------------------------------------------------------------------------------------------------------------
ARTIFACTS = REPO / "gip_pipeline_tests" / "artifacts"


def _report_meta(results, year: str) -> dict:
    for result in results:
        for mat in result.asset_materializations_for_node("quality_report"):
            if mat.partition == year:
                return mat.metadata
    raise AssertionError(f"no quality_report materialization for {year}")


def _browser() -> str | None:
    return next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


def _chromium(url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium installed (.ci/run installs Debian's chromium)")
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--virtual-time-budget=3000", *args, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_quality_report_is_linked_and_offline(seed_run):
    _, _, results = seed_run
    meta = _report_meta(results, "2023")
    page = Path(meta["quality_report"].value)
    assert page.is_file() and meta["quality_report_url"].value == page.resolve().as_uri()
    assert meta["quarantined"].value == 1
    text = page.read_text("utf-8")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    assert "<link" not in text and "src=" not in text  # nothing to fetch: CSS, charts and script are inline


@pytest.mark.parametrize("year", ["2022", "2023"])
def test_quality_page_from_streamed_columns_equals_the_page_from_whole_tables(seed_run, year):
    """The asset streams only what the page shows (`read_for_page`); the page must be the one whole tables give."""
    _, paths, _ = seed_run
    whole = {t: parquet.read_partition(paths.curated_dir, t, year) for t in REPORT_TABLES}
    quarantine = {t: parquet.read_partition(paths.quarantine_dir, t, year) for t in REPORT_TABLES}
    streamed, counts = read_for_page(paths.curated_dir, year)
    assert streamed["quality"].num_rows < whole["quality"].num_rows  # only the failed rows travel
    counts.update(quality_report.count_status(quarantine["quality"]))
    no_rejects = schema.TABLE_SCHEMAS["rejects"].empty_table()
    pages = [re.sub(r"generated [^<]*UTC", "", quality_report.render(year, tables, quarantine, no_rejects, "r",
                                                                      status_counts=status))
             for tables, status in ((whole, None), (streamed, counts))]
    assert pages[0] == pages[1] and "chart-bodies" in pages[0]


def test_gx_data_docs_are_built(seed_run):
    _, _, results = seed_run
    meta = _report_meta(results, "2023")
    index = Path(meta["gx_data_docs"].value)
    assert index.is_file()
    site = index.parent
    assert list((site / "expectations").rglob("gip_identities.html"))
    assert meta["gx_validations"].value >= 7
    # one stored result per year: 2022 holds, 2023 fails (seed 003), and the site says so
    pages = [p.read_text("utf-8") for p in (site / "validations" / "gip_identities").rglob("*.html")]
    status = sorted("Failed" if '<i class="fas fa-times text-danger" aria-hidden="true"></i> Failed' in p
                    else "Succeeded" for p in pages)
    assert status == ["Failed", "Succeeded"]
    assert meta["gx_validations_passed"].value < meta["gx_validations"].value


def test_quality_report_in_headless_chromium(seed_run, tmp_path):
    _, _, results = seed_run
    page_2023 = Path(_report_meta(results, "2023")["quality_report"].value)
    page_2022 = Path(_report_meta(results, "2022")["quality_report"].value)
    dom = _chromium(page_2023.resolve().as_uri(), tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html_ = dom.stdout
    # seed 003 is there, its 总计 row marked as the inconsistent one, its stated cells in the grid
    assert "盘锦市双台子区人民政府办公室" in html_ and "003_361b891b134c88b9.txt" in html_
    assert 'data-row="total_processed" class="failing"' in html_
    assert 'class="n bad" data-cell="total_processed.commercial_enterprise">6<' in html_
    assert "suggested repair" in html_ and "row_sum:total_processed" in html_
    assert "CONSOLE" not in dom.stderr or "Uncaught" not in dom.stderr

    dom22 = _chromium(page_2022.resolve().as_uri(), tmp_path, "--dump-dom")
    assert dom22.returncode == 0
    # 2022's curated reports refused nothing: outcome mix and top bodies are drawn, refusal reasons say "no data"
    assert 'data-charts="2" data-charts-rendered="2"' in dom22.stdout
    assert 'id="chart-refusals">no data for this chart' in dom22.stdout
    assert "濮阳经济技术开发区" in dom22.stdout  # the top body by requests (9)
    errors = [line for line in dom22.stderr.splitlines() if "CONSOLE" in line and ("Error" in line or "Uncaught" in line)]
    assert errors == []

    ARTIFACTS.mkdir(exist_ok=True)
    for year, page in (("2023", page_2023), ("2022", page_2022)):
        shot = ARTIFACTS / f"quality-report-{year}.png"
        out = _chromium(page.resolve().as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1280,2600",
                        "--hide-scrollbars")
        assert out.returncode == 0 and shot.is_file() and shot.stat().st_size > 20_000


def test_data_dictionary_is_current_and_matches_real_columns(seed_run):
    from gip_pipeline.serve import dictionary

    assert dictionary.DOC.read_text("utf-8") == dictionary.render(), \
        "docs/data_dictionary.md is stale: run `python -m gip_pipeline.serve.dictionary`"
    tmp, _, _ = seed_run
    real: dict[str, set[str]] = {}
    for dest in ("curated", "quarantine"):
        for f in (tmp / dest).glob("*/year=*/*.parquet"):
            real.setdefault(f.parts[-3], set()).update(pq.read_schema(f).names + ["year"])
        for f in (tmp / dest).glob("rejects/*.parquet"):
            real.setdefault("rejects", set()).update(pq.read_schema(f).names)
    documented: dict[str, set[str]] = {}
    for table, column, _, label, meaning, _ in dictionary.entries():
        assert label and meaning, (table, column)
        documented.setdefault(table, set()).add(column)
    for table, cols in real.items():  # the seeds have no rejects; every other table exists in the output
        assert documented[table] == cols, table
    assert set(real) >= set(schema.FACT_TABLES)


def test_readme_questions_run(con):
    import re

    readme = (REPO / "README.md").read_text("utf-8")
    block = readme.split("Three questions to start with:", 1)[1].split("```sql", 1)[1].split("```", 1)[0]
    queries = [q for q in re.split(r";\s*\n", block) if q.strip() and not q.strip().startswith("--") or
               "SELECT" in q]
    assert len(queries) == 3
    for q in queries:
        con.execute(q).fetchall()
    rows = con.execute(queries[1]).fetchall()
    assert (2022, "黑龙江省", 2, 1.0, 0.0) in rows
