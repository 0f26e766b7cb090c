"""The pure parser over the five seed reports: every stated cell exact, metadata exact, nothing guessed."""

from __future__ import annotations

import pytest

from gip_pipeline.contract import schema
from gip_pipeline.parse.cells import Token, fit_row, read_line
from gip_pipeline.ingest.normalize import normalize
from gip_pipeline.parse.report import NotAReport, parse_report, split_sections
from gip_pipeline_tests.conftest import SEEDS, expected_for
from gip_pipeline_tests.expectations import application_mismatches, disclosure_mismatches, review_mismatches


def _parse(path):
    return parse_report(normalize(path.read_bytes()).text)


def test_seed_cells_exact(seed):
    exp = expected_for(seed)
    report = _parse(seed)
    assert report.format == exp["application_rows_format"]
    assert len([k for k in report.applications]) == 7 * len(schema.application_rows(report.format))
    assert application_mismatches(exp, {k: c.value for k, c in report.applications.items()}) == []
    assert review_mismatches(exp, {k: c.value for k, c in report.review.items()}) == []
    assert disclosure_mismatches(exp, {(i, c, m): cell.value for i, c, m, cell, _ in report.disclosure}) == []


def test_seed_metadata_exact(seed):
    exp = expected_for(seed)
    report = _parse(seed)
    assert report.agency == exp["agency"]
    assert report.report_year == exp["report_year"]
    assert (report.published_on.isoformat() if report.published_on else None) == exp["published_on"]
    assert [s.number for s in report.sections] == [1, 2, 3, 4, 5, 6]


def test_seed_scripts():
    for path in sorted(SEEDS.glob("*.txt")):
        assert normalize(path.read_bytes()).script == expected_for(path)["script"], path.name


def test_raw_text_is_kept_per_cell():
    report = _parse(next(SEEDS.glob("001_*.txt")))
    cell = report.applications[("new_received", "natural_person")]
    assert (cell.value, cell.raw, cell.derived) == (9, "9", False)
    lic = [c for i, cat, m, c, u in report.disclosure if cat == "administrative_license"]
    assert [(c.value, c.raw) for c in lic] == [(4221, "4221")]
    text = normalize(next(SEEDS.glob("001_*.txt")).read_bytes()).text.split("\n")
    assert "4221" in text[lic[0].line - 1] and "9" in text[cell.line - 1]


def test_lost_cell_row_is_derived_and_warned():
    report = _parse(next(SEEDS.glob("000_*.txt")))
    row = [report.applications[("partially_granted", c)] for c in schema.APPLICANT_CODES]
    assert all(c.derived for c in row)
    assert sum(c.raw is None for c in row) == 1  # exactly one cell had no text of its own
    assert any("partially_granted" in w and "lost" in w for w in report.warnings)


def test_stray_numbers_in_labels_are_not_values():
    line = read_line("\t1110\t1. 属于国家秘密\t0\t0\t0\t0\t0\t0\t0\t\t")
    assert ([t.text for t in line.values], line.stray) == (["0"] * 7, ["1110"])


def test_ambiguous_disclosure_cells_are_null_with_reason():
    report = _parse(next(SEEDS.glob("000_*.txt")))
    penalty = [(m, c.value) for i, cat, m, c, u in report.disclosure if cat == "administrative_penalty"]
    assert penalty == [("previous_year_items", None), ("change", None), ("decisions", None)]
    assert any("administrative_penalty" in w and "unknown" in w for w in report.warnings)


ROW_SUM = [((6,), (0, 1, 2, 3, 4, 5))]


def _toks(*texts):
    return [Token(t) for t in texts]


def test_fit_row_lost_cell_with_several_readings_stays_null():
    # 6 numbers for 7 columns where the lost cell could be any: row sums differ by placement.
    fit = fit_row(_toks("1", "2", "0", "0", "0", "3"), 7, ROW_SUM, "row")
    assert [c.value for c in fit.cells] == [None] * 7
    assert "readings" in fit.warnings[0] and len(fit.candidates) > 1


def test_fit_row_stray_cell_dropped_only_when_unique():
    fit = fit_row(_toks("2", "1", "0", "0", "0", "0", "99", "3"), 7, ROW_SUM, "row")
    assert [c.value for c in fit.cells] == [2, 1, 0, 0, 0, 0, 3]


def test_exact_row_is_read_as_is_even_when_it_breaks_identities():
    fit = fit_row(_toks("0", "6", "0", "0", "0", "0", "0"), 7, ROW_SUM, "row")
    assert [c.value for c in fit.cells] == [0, 6, 0, 0, 0, 0, 0] and fit.warnings == []


def test_glued_digits_split_only_when_one_split_fits():
    line = read_line("(一)予以公开2100003")
    assert line.label == "(一)予以公开" and line.values[0].glued
    fit = fit_row(line.values, 7, ROW_SUM, "row")
    assert [c.value for c in fit.cells] == [2, 1, 0, 0, 0, 0, 3] and all(c.derived for c in fit.cells)
    # 10 1 0 0 0 0 11 or 1 0 10 0 0 0 11: several splits fit, so nothing is guessed
    fit = fit_row([Token("101000011", glued=True)], 7, ROW_SUM, "row")
    assert [c.value for c in fit.cells] == [None] * 7 and len(fit.candidates) > 1


def test_not_a_report_and_pre_2019():
    with pytest.raises(NotAReport) as exc:
        parse_report("今天天气很好。\n我们去公园散步,看到了很多花。")
    assert exc.value.reason == "not_a_report"
    old = ("某某局2015年政府信息公开工作年度报告\n一、总体情况\n三、依申请公开情况\n"
           "指标名称\t计量单位\t2015年度\t历年累计\n受理申请总数\t件\t5\t20\n")
    with pytest.raises(NotAReport) as exc:
        parse_report(old)
    assert exc.value.reason == "unsupported_format"


def test_table_row_headings_are_not_section_headings():
    lines = ["一、总体情况", "x", "三、收到和处理政府信息公开申请情况", "三、本年度办理结果\t(一) 予以公开\t1",
             "四、结转下年度继续办理\t0", "四、政府信息公开行政复议、行政诉讼情况", "0"]
    _, sections = split_sections(lines)
    assert [(s.number, len(s.lines)) for s in sections] == [(1, 1), (3, 2), (4, 1)]


def test_label_variants_and_typos_map_to_their_own_rows():
    from gip_pipeline.parse.report import parse_applications

    rows = {  # variant label as printed → row it must land on (each row gets a distinct number)
        "一、本年新收政府信息公开申请数量": "new_received", "二、上年结转政府信息公开申请数量": "carried_over",
        "三、本年度办理结果 (一)予以公开": "granted", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)": "partially_granted",
        "(三)不予公开 1．属于国家秘密": "denied_state_secret", "2.其他法律行政止公开": "denied_prohibited_by_law",
        "3.危及'三安全一稳定'": "denied_three_safeties", "4.保护第三方合法权益": "denied_third_party_rights",
        "5.属于三类内部事务信息": "denied_internal_affairs", "6.属于四类过程性信息": "denied_process_information",
        "7.属于行政执法案卷": "denied_enforcement_files", "8.属于行政查询事项": "denied_administrative_inquiry",
        "(四)无法提供 1.本机关不掌握相关政府信息": "unavailable_not_held",
        "2.没有现成信息需要另行制作": "unavailable_needs_creation", "3.补正后申请内容\n仍不明确": "unavailable_still_unclear",
        "(五)不予处理 1.信访举报投诉类申请": "unprocessed_petition", "2.重复申请": "unprocessed_repeated",
        "3.要求提供公开出版物": "unprocessed_publication", "4.无正当理由大量反复申请": "unprocessed_mass_repetitive",
        "5.要求行政机关确认或重新出具已获取信息": "unprocessed_confirm_existing", "(六)其他处理": "other_handling",
        "(七)总计": "total_processed", "四、结转下年度继续办理": "carried_forward",
    }
    lines = []
    for i, label in enumerate(rows, 1):
        head, _, tail = label.rpartition("\n")
        if head:
            lines.append(head)
        lines.append("\t".join([tail or label] + [str(i)] * 6 + [str(6 * i)]))
    warnings: list[str] = []
    cells = parse_applications(list(enumerate(lines, 1)), "2019", warnings)
    for i, row in enumerate(rows.values(), 1):
        assert [cells[(row, c)].value for c in schema.APPLICANT_CODES] == [i] * 6 + [6 * i], (row, warnings)
    assert warnings == []


def _seed_text(prefix: str) -> str:
    return normalize(next(SEEDS.glob(f"{prefix}_*.txt")).read_bytes()).text


def test_blank_template_is_rejected_as_template():
    """The national template with every cell empty, no body and no year: not a report."""
    import re

    text = _seed_text("001")
    i = text.find("二、主动公开")
    blank = "XX单位XXXX年度政府信息公开工作年度报告\n" + re.sub(r"\d+", "", text[i:])
    with pytest.raises(NotAReport) as exc:
        parse_report(blank)
    assert exc.value.reason == "template" and exc.value.reason in schema.REJECT_REASONS
    assert "no cell" in str(exc.value)
    # table 三 blank but table 四 filled in: a (damaged) report, not a template
    j = text.find("四、政府信息公开行政复议")
    partly = "XX单位2022年度政府信息公开工作年度报告\n" + re.sub(r"\d+", "", text[i:j]) + text[j:]
    report = parse_report(partly)
    assert any(c.value is not None for c in report.review.values())


def test_two_reports_in_one_document_are_rejected():
    """A printout holding the tables of two reports (two years of one body, or two bodies) is not one report,
    whatever the layout (lines, or a crawler's one line)."""
    for text in (_seed_text("001") + "\n" + _seed_text("002"),
                 (_seed_text("002") + _seed_text("002")).replace("\n", "")):
        with pytest.raises(NotAReport) as exc:
            parse_report(text)
        assert exc.value.reason == "multiple_reports" and exc.value.reason in schema.REJECT_REASONS
        assert "2 complete tables" in str(exc.value)


def test_sections_are_found_wherever_their_headings_stand():
    """Headings inside a line, behind markdown or bold, or numbered (三) — the token reader finds them."""
    text = _seed_text("002")
    one_line = text.replace("\n", "")
    report = parse_report(one_line)
    assert [s.number for s in report.sections] == [1, 2, 3, 4, 5, 6]
    exp = expected_for(next(SEEDS.glob("002_*.txt")))
    got = {k: c.value for k, c in report.applications.items()}
    assert application_mismatches(exp, {k: v for k, v in got.items() if v is not None}) == [
        m for m in application_mismatches(exp, got) if "got None" not in m]  # what is read is right
    assert sum(v is not None for v in got.values()) >= 0.9 * len(got)
    md = text.replace("\n三、", "\n## **三、").replace("\n四、政府", "\n### 四、政府")
    assert [s.number for s in parse_report(md).sections] == [1, 2, 3, 4, 5, 6]
