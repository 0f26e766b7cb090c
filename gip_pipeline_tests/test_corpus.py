"""Real reports beyond the seeds: text that pypdf extracted from three published PDFs (淮安市人民政府 2024, 洪泽区
2023 and 2024). Values were checked by hand against the PDF text; every identity the document itself satisfies must
pass, and the one it breaks (洪泽 2023's table 四 totals) must be the only failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from gip_pipeline.contract import schema
from gip_pipeline.ingest.normalize import normalize
from gip_pipeline.parse.facts import identity_operands
from gip_pipeline.parse.report import parse_report
from gip_pipeline_tests.conftest import FIXTURES, violation_checks
from gip_pipeline_tests.expectations import application_mismatches, disclosure_mismatches, review_mismatches
from gip_pipeline_tests.test_pipeline import read, run_years

CORPUS = sorted((FIXTURES / "corpus").glob("*.txt"))


def _expected(path: Path) -> dict:
    return json.loads(path.with_name(path.name.replace(".pypdf.txt", ".json")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name.split(".")[0])
def test_corpus_report_parses_exactly(path):
    exp = _expected(path)
    report = parse_report(normalize(path.read_bytes()).text)
    assert (report.agency, report.report_year, report.format) == (
        exp["agency"], exp["report_year"], exp["application_rows_format"])
    assert application_mismatches(exp, {k: c.value for k, c in report.applications.items()}) == []
    assert review_mismatches(exp, {k: c.value for k, c in report.review.items()}) == []
    assert disclosure_mismatches(exp, {(i, c, m): cell.value for i, c, m, cell, _ in report.disclosure}) == []
    assert len(report.disclosure) == 10  # the 2021 table 二 in full
    assert not [w for w in report.warnings if "not found" in w or "left null" in w]
    ops = identity_operands("r", report.format, report.applications, report.review)
    assert all(o["lhs"] is not None and o["rhs"] is not None for o in ops)  # every identity assessable
    failed = {o["check"] for o in ops if o["lhs"] != o["rhs"]}
    assert failed == violation_checks(exp)


def test_corpus_through_the_pipeline(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in CORPUS:
        shutil.copy(path, raw / path.name)
    paths, results = run_years(tmp_path, raw, ["2023", "2024"])
    assert all(r.success for r in results)
    curated = read(paths.curated_dir, "reports")
    held = read(paths.quarantine_dir, "reports")
    assert sorted(curated["agency"]) == ["淮安市人民政府", "淮安市洪泽区人民政府"]
    assert held["agency"].to_list() == ["洪泽区人民政府"]
    q = read(paths.quarantine_dir, "quality").filter(~pl.col("passed") & (pl.col("severity") == "error"))
    assert set(q["check"]) == {"review_sum:administrative_review", "review_sum:litigation_after_review"}


# ------------------------------------------------------------------------------------------------ real text

REAL_TEXT = sorted((FIXTURES / "real_text").glob("*.txt"))


def _real_expected(path: Path) -> dict:
    return json.loads((path.parent / "expected" / f"{path.stem}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", REAL_TEXT, ids=lambda p: p.stem[:2])
def test_real_text_report_parses_exactly(path):
    """Twelve real reports as a web crawler stored them (copies of shared/corpus/real-text): the whole report on
    one line, cells glued (`予以公开2100003`), page chrome in the body. Every stated cell, the metadata, and the
    identities the source itself breaks (four reports) — those and no others fail."""
    exp = _real_expected(path)
    report = parse_report(normalize(path.read_bytes()).text)
    assert (report.agency, report.report_year, report.format) == (
        exp["agency"], exp["report_year"], exp["application_rows_format"])
    assert report.published_on is not None and report.published_on.isoformat() == exp["published_on"]
    assert application_mismatches(exp, {k: c.value for k, c in report.applications.items()}) == []
    assert review_mismatches(exp, {k: c.value for k, c in report.review.items()}) == []
    assert disclosure_mismatches(exp, {(i, c, m): cell.value for i, c, m, cell, _ in report.disclosure}) == []
    assert [s.number for s in report.sections][:5] == [1, 2, 3, 4, 5]  # 28 and 38 have no section 六
    ops = identity_operands("r", report.format, report.applications, report.review)
    assert all(o["lhs"] is not None and o["rhs"] is not None for o in ops)  # every identity assessable
    failed = {o["check"] for o in ops if o["lhs"] != o["rhs"]}
    assert failed == violation_checks(exp)


def test_real_text_ambiguous_disclosure_runs_stay_null():
    """`行政规范性文件5615` for three columns: 5|6|15, 5|61|5 or 56|1|5 — the text does not say, so null with
    the readings counted in a warning; `规章000` has one cut and is read."""
    path = next(p for p in REAL_TEXT if p.name.startswith("32_"))
    report = parse_report(normalize(path.read_bytes()).text)
    cells = {(c, m): cell.value for i, c, m, cell, _ in report.disclosure if i == "20.1"}
    assert cells[("rules", "issued")] == 0 and cells[("rules", "in_force")] == 0
    assert {cells[("normative_documents", m)] for m in ("issued", "repealed", "in_force")} == {None}
    assert any("normative_documents" in w and "readings" in w for w in report.warnings)


def test_real_text_source_errors_are_kept_not_repaired():
    """33: (七)总计 `191000019` has no cut that satisfies its row sum; the table's outcome sums choose
    19/1/0/0/0/0/19 — and the report still breaks balance:commercial_enterprise and both row sums."""
    path = next(p for p in REAL_TEXT if p.name.startswith("33_"))
    report = parse_report(normalize(path.read_bytes()).text)
    assert [report.applications[("total_processed", c)].value for c in schema.APPLICANT_CODES] == [
        19, 1, 0, 0, 0, 0, 19]
    ops = identity_operands("r", report.format, report.applications, report.review)
    assert {o["check"] for o in ops if o["lhs"] != o["rhs"]} == {
        "balance:commercial_enterprise", "row_sum:partially_granted", "row_sum:total_processed"}
