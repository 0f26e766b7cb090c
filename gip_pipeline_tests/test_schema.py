"""The schema module is the single source of codes: it must equal the contract's codes.json."""

import json

from gip_pipeline.contract import schema
from gip_pipeline_tests.conftest import FIXTURES

CODES = json.loads((FIXTURES / "codes.json").read_text(encoding="utf-8"))


def test_applicant_columns_match_contract():
    assert [(c["code"], c["label"]) for c in CODES["applicant_columns"]] == list(schema.APPLICANT_COLUMNS)


def test_application_rows_match_contract():
    got = [{k: v for k, v in vars(r).items() if v is not None} for r in schema.APPLICATION_ROWS]
    assert got == CODES["application_rows"]


def test_review_and_disclosure_codes_match_contract():
    rl = CODES["review_litigation"]
    assert [(p["code"], p["label"]) for p in rl["proceedings"]] == list(schema.PROCEEDINGS)
    assert [(o["code"], o["label"]) for o in rl["outcomes"]] == list(schema.OUTCOMES)
    ad = CODES["active_disclosure"]
    assert [(i["item"], i["label"]) for i in ad["items"]] == list(schema.DISCLOSURE_ITEMS)
    assert [(c["code"], c["label"]) for c in ad["categories"]] == list(schema.DISCLOSURE_CATEGORIES)
    assert [(m["code"], m["label"], m.get("format")) for m in ad["metrics"]] == [
        (m.code, m.label, m.format) for m in schema.DISCLOSURE_METRICS]


def test_formats_have_23_and_25_rows_and_their_identities():
    assert len(schema.application_rows("2019")) == 23
    assert len(schema.application_rows("2021")) == 25
    assert schema.outcome_rows("2019")[-1] == "other_handling"
    assert schema.outcome_rows("2021")[-3:] == ("other_overdue_correction", "other_overdue_fee", "other_other")
    # 7 balance + 7 outcome sums + one row sum per row
    assert len(schema.application_identities("2021")) == 7 + 7 + 25
    assert len(schema.review_identities()) == 3


def test_contract_columns_present():
    minimum = {
        "reports": {"report_id", "source_file", "source_sha256", "report_year", "agency", "published_on", "script",
                    "format", "warnings"},
        "sections": {"report_id", "section_no", "heading", "text"},
        "applications": {"report_id", "row_code", "applicant", "value", "raw"},
        "review_litigation": {"report_id", "proceeding", "outcome", "value", "raw"},
        "active_disclosure": {"report_id", "item", "category", "metric", "value", "raw", "unit"},
        "quality": {"report_id", "check", "severity", "passed", "detail"},
    }
    for table, cols in minimum.items():
        assert cols <= set(schema.TABLE_SCHEMAS[table].names), table
