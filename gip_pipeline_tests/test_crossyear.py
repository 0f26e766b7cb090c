"""Cross-year warning: 上年结转 of year t against 结转下年度 of year t−1 for the same body, judged by the GX suite."""

from __future__ import annotations

import pyarrow as pa
import pytest

from gip_pipeline.parse.bodies import body_key
from gip_pipeline.gate.suites import cross_year_gate
from gip_pipeline.gate.cross_year import cross_year_operands
from gip_pipeline.parse.incremental import parse_incremental
from gip_pipeline.ingest.normalized import normalize_files
from gip_pipeline.ingest.inventory import inventory
from gip_pipeline_tests.runs import seed

NEW = "一、本年新收政府信息公开申请数量\t\t9\t0\t0\t0\t0\t0\t9"
CARRIED = "二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0"


def test_body_key_normalizes_presentation_not_words():
    assert body_key(" 濮阳经济技术开发区\u3000管理委员会 ") == body_key("濮阳经济技术开发区管理委员会")
    assert body_key("ＡＢ市\u200b人民政府") == "AB市人民政府"
    assert body_key("某市人民政府办公室") != body_key("某市人民政府")
    assert body_key("") is None and body_key(None) is None


def _parse(folder) -> dict[str, pa.Table]:
    out, _ = parse_incremental(normalize_files(folder, inventory(folder))[0])
    return {t: out[t] for t in ("reports", "applications", "review_litigation", "identity_operands")}


@pytest.fixture(scope="module")
def years(tmp_path_factory):
    """濮阳经济技术开发区 2022 (seed 001: 结转下年度 all 0) and a 2023 report of the same body, twice:
    one consistent, one carrying over 2 natural-person requests (balance still holds: 新收 7 + 结转 2 = 9)."""
    tmp = tmp_path_factory.mktemp("cross")
    text = seed("001").read_text(encoding="utf-8")
    assert NEW in text and CARRIED in text
    (tmp / "2022").mkdir()
    (tmp / "2022" / "r.txt").write_text(text, encoding="utf-8")
    later = text.replace("2022年", "2023年").replace("2022 年", "2023 年")
    (tmp / "ok").mkdir()
    (tmp / "ok" / "r.txt").write_text(later, encoding="utf-8")
    (tmp / "off").mkdir()
    (tmp / "off" / "r.txt").write_text(
        later.replace(NEW, NEW.replace("\t\t9\t0", "\t\t7\t0").replace("\t0\t9", "\t0\t7"))
        .replace(CARRIED, "二、上年结转政府信息公开申请数量\t\t2\t0\t0\t0\t0\t0\t2"), encoding="utf-8")
    return {name: _parse(tmp / name) for name in ("2022", "ok", "off")}


def _quality(years, name) -> dict[str, dict]:
    now, prev = years[name], years["2022"]
    assert now["reports"]["report_year"].to_pylist() == [2023]
    assert now["reports"]["body_key"].to_pylist() == prev["reports"]["body_key"].to_pylist()
    ops = cross_year_operands("2023", now["reports"], now["applications"], prev["reports"], prev["applications"])
    return {q["check"]: q for q in cross_year_gate(ops).to_pylist()}


def test_consistent_years_pass(years):
    quality = _quality(years, "ok")
    assert len(quality) == 7
    assert {q["status"] for q in quality.values()} == {"passed"}
    assert {q["severity"] for q in quality.values()} == {"warning"}


def test_a_mismatch_is_a_failed_warning_naming_both_numbers(years):
    quality = _quality(years, "off")
    failed = {c for c, q in quality.items() if q["status"] == "failed"}
    assert failed == {"cross_year:natural_person", "cross_year:total"}
    assert quality["cross_year:natural_person"]["severity"] == "warning"
    detail = quality["cross_year:natural_person"]["detail"]
    assert "carried_over.natural_person=2" in detail and "2022 carried_forward.natural_person=0" in detail


def test_no_previous_report_of_the_body_is_not_assessable(years):
    now = years["ok"]
    other = years["2022"]["reports"].set_column(
        years["2022"]["reports"].column_names.index("body_key"), "body_key",
        pa.array(["某市人民政府办公室"], pa.string()))
    ops = cross_year_operands("2023", now["reports"], now["applications"], other, years["2022"]["applications"])
    quality = cross_year_gate(ops).to_pylist()
    assert {q["status"] for q in quality} == {"not_assessable"} and "no 2022 report of this body" in quality[0]["detail"]


def test_judged_with_the_identities_in_one_frame_as_alone(years, monkeypatch):
    """`gate` judges the year's identity operands, counts and cross-year operands in two GX validations; the
    cross-year rows (after the identity rows in the frame) come out as `cross_year_gate` gives them alone."""
    from gip_pipeline.gate import suites

    now, prev = years["off"], years["2022"]
    ops = cross_year_operands("2023", now["reports"], now["applications"], prev["reports"], prev["applications"])
    alone = cross_year_gate(ops).to_pylist()
    calls = []
    validate = suites._validate
    monkeypatch.setattr(suites, "_validate", lambda *a, **k: calls.append(a[0]) or validate(*a, **k))
    rows = suites.gate(now["identity_operands"], now["applications"], now["review_litigation"], cross_year=ops)
    assert sorted(calls) == ["counts", "operands"]
    rows = rows.to_pylist()
    assert [r for r in rows if r["check"].startswith("cross_year:")] == alone
    assert {r["status"] for r in rows if r["check"].startswith(("balance", "row_sum", "non_negative"))} == {"passed"}
    assert len([r for r in rows if r["check"].startswith("non_negative")]) == 2
