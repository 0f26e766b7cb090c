"""Containers: HTML pages, PDFs and Word files read as governments publish them.

The three real PDFs parse to exactly the values of their hand-checked expectations; reports rendered from random
identity-consistent values as HTML (CMS pages, Word exports), DOCX and PDF (ruled tables with merged cells, wrapped
and vertical labels, footers, a table cut over two pages, blank cells) come back to exactly their values; scans and
containers with no converter are rejected with their reason; a folder mixing every kind runs through `gip run`
with every input accounted for.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import zipfile
from contextlib import redirect_stdout

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gip_pipeline.ingest.containers import _CACHE, metadata_lines, normalize_file, to_text
from gip_pipeline.ingest.containers.detect import detect
from gip_pipeline.ingest.containers.grid import BLANK, table_lines
from gip_pipeline.contract import schema
from gip_pipeline.parse.facts import identity_operands
from gip_pipeline.ingest.normalize import DecodeError
from gip_pipeline.parse.report import parse_report
from gip_pipeline_tests import renderer as R
from gip_pipeline_tests.conftest import FIXTURES, SEED_FILES, violation_checks
from gip_pipeline_tests.expectations import application_mismatches, disclosure_mismatches, review_mismatches

CORPUS_PDFS = sorted((FIXTURES / "corpus").glob("*.pdf"))
FORMATS = [("2021", "2021"), ("2019", "2019"), ("2019", "2021")]


def _fresh(data: bytes, name: str):
    _CACHE.clear()
    return to_text(data, name)


# ------------------------------------------------------------------------------------------------ real PDFs


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.stem)
def test_real_pdf_parses_exactly(path):
    exp = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    data = path.read_bytes()
    conv = _fresh(data, path.name)
    assert conv.container == "pdf" and conv.converter.startswith("pypdfium2 5.15.2 (PDFium ")  # read by PDFium
    assert _fresh(data, path.name).text == conv.text  # same bytes, same text
    norm = normalize_file(data, path.name)
    report = parse_report(norm.text)
    assert (report.agency, report.report_year, report.format) == (
        exp["agency"], exp["report_year"], exp["application_rows_format"])
    assert application_mismatches(exp, {k: c.value for k, c in report.applications.items()}) == []
    assert review_mismatches(exp, {k: c.value for k, c in report.review.items()}) == []
    assert disclosure_mismatches(exp, {(i, c, m): cell.value for i, c, m, cell, _ in report.disclosure}) == []
    assert len(report.disclosure) == 10
    assert report.warnings == []  # a grid leaves nothing to guess: no derived, stray or lost cell
    assert not any(c.derived for c in report.applications.values())
    ops = identity_operands("r", report.format, report.applications, report.review)
    assert {o["check"] for o in ops if o["lhs"] != o["rhs"]} == violation_checks(exp)
    lines = norm.text.split("\n")
    assert not any(ln.strip() in ("- 3 -", "- 4 -") for ln in lines)  # page footers dropped
    assert any(ln.startswith("三、本年度办理结果\t") for ln in lines)  # the vertical label is one cell


def test_real_pdf_grid_rows():
    """洪泽 2023: a wrapped label in one cell, an empty label sub-column kept empty (not a value), table 四 as one
    row of 15 cells, and the 第二十条(六) header whose first cell has no drawn border still read."""
    text = normalize_file((FIXTURES / "corpus" / "hongze_2023.pdf").read_bytes(), "hongze_2023.pdf").text
    lines = text.split("\n")
    assert "\t(二)部分公开(区分处理的,只计这一情形,不计其他情形)\t\t4\t0\t0\t0\t0\t0\t4" in lines
    assert "\t(六)其他处理\t\t0\t0\t0\t0\t0\t0\t0" in lines
    assert "10\t1\t0\t0\t0\t0\t0\t0\t0\t0\t5\t0\t0\t0\t0" in lines
    assert "信息内容\t本年处理决定数量" in lines


# ------------------------------------------------------------------------------------------------ round trips


def _assert_matches(truth: R.Truth, report, context: str) -> None:
    assert report.format == truth.fmt, context
    assert (report.agency, report.report_year) == (truth.agency, truth.year), context
    if truth.published:
        got = report.published_on
        assert got is not None and (got.year, got.month, got.day) == truth.published, context
    for k, want in truth.applications.items():
        want = None if k in truth.blank_cells else want
        assert report.applications[k].value == want, f"{k}: {report.applications[k]} != {want}\n{context}"
    for k, want in truth.review.items():
        want = None if k in truth.blank_cells else want
        assert report.review[k].value == want, f"{k}: {report.review[k]} != {want}\n{context}"
    parsed = {(i, c, m): cell.value for i, c, m, cell, _ in report.disclosure}
    assert parsed == truth.disclosure, context
    assert not any(c.derived for c in report.applications.values()), context
    assert not [w for w in report.warnings if "left null" in w or "not found" in w], context


def _truth(seed: int, formats: tuple[str, str], blanks: int) -> tuple[R.Truth, random.Random]:
    rng = random.Random(seed)
    truth = R.make_truth(rng, *formats)
    R.choose_blanks(truth, rng, blanks)
    return truth, rng


def _roundtrip(data: bytes, name: str, truth: R.Truth, container: str, context: str):
    conv = _fresh(data, name)
    assert conv.container == container
    norm = normalize_file(data, name)
    report = parse_report(norm.text)
    _assert_matches(truth, report, f"{context}\n{norm.text}")
    return norm


@settings(max_examples=60)
@given(seed=st.integers(0, 2**32 - 1), formats=st.sampled_from(FORMATS), blanks=st.integers(0, 4),
       word=st.booleans(), cms=st.booleans(), title_in_body=st.booleans(),
       date_in=st.sampled_from(["body", "info", "meta"]), encoding=st.sampled_from(["utf-8", "gb18030"]))
def test_html_round_trip(seed, formats, blanks, word, cms, title_in_body, date_in, encoding):
    if not cms:  # a bare Word export has no info bar and, here, no <title> worth reading: title and date in the body
        title_in_body, date_in = True, "body"
    truth, rng = _truth(seed, formats, blanks)
    data = R.render_html(truth, rng, word=word, cms=cms, title_in_body=title_in_body, date_in=date_in,
                         encoding=encoding)
    norm = _roundtrip(data, "report.shtml", truth, "html",
                      f"seed={seed} {formats} word={word} cms={cms} title={title_in_body} date={date_in}")
    for furniture in ("当前位置", "分享到", "版权所有", "打印本页", "浏览次数", "办事服务", "_hmt", "stat"):
        assert furniture not in norm.text
    assert norm.encoding == encoding


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), formats=st.sampled_from(FORMATS), blanks=st.integers(0, 4))
def test_docx_round_trip(seed, formats, blanks):
    truth, rng = _truth(seed, formats, blanks)
    norm = _roundtrip(R.render_docx(truth, rng), "report.docx", truth, "docx", f"seed={seed} {formats}")
    assert norm.container == "docx" and norm.converter.startswith("python-docx ")


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), formats=st.sampled_from(FORMATS), blanks=st.integers(0, 4),
       split=st.booleans())
def test_pdf_round_trip(seed, formats, blanks, split):
    truth, rng = _truth(seed, formats, blanks)
    data = R.render_pdf(truth, rng, split_table=split)
    norm = _roundtrip(data, "report.pdf", truth, "pdf", f"seed={seed} {formats} split={split}")
    assert not any(ln.strip().startswith("- ") and ln.strip().endswith(" -") for ln in norm.text.split("\n"))


def test_blank_cells_keep_their_column_where_stream_text_loses_them():
    """The reason for a grid: with two blank cells in one row, text in stream order (what pypdfium2 or pypdf give)
    has 5 numbers for 7 cells and the row is lost or guessed; the grid keeps both blanks in place."""
    truth, rng = _truth(7, ("2021", "2021"), 0)
    zero_cols = [c for c in schema.APPLICANT_PARTS if truth.applications[("carried_over", c)] == 0][:2]
    truth.blank_cells.update(("carried_over", c) for c in zero_cols)
    data = R.render_pdf(truth, rng, split_table=False)
    text = normalize_file(data, "r.pdf").text
    row = next(ln for ln in text.split("\n") if ln.startswith("二、上年结转"))
    want = [BLANK if ("carried_over", c) in truth.blank_cells else str(truth.applications[("carried_over", c)])
            for c in schema.APPLICANT_CODES]
    assert row.split("\t")[-7:] == want and row.count(BLANK) == 2
    report = parse_report(text)
    assert [report.applications[("carried_over", c)].value for c in zero_cols] == [None, None]

    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    stream = "\n".join(pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf)))
    stream_row = next(ln for ln in stream.split("\n") if ln.startswith("二、上年结转"))
    assert len(stream_row.split()) == 1 + 5  # the label and five numbers: two cells gone without a trace


# ------------------------------------------------------------------------------------------------ pieces


def test_grid_writes_blank_value_cells_and_drops_span_continuations():
    rows = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "1", "", "3"],
            ["行政规范性文件", None, "", ""],
            ["第二十条第（五）项", None, None, None],
            ["三\n、\n本\n年", "（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）", "", "7"]]
    assert table_lines(rows) == [
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
        f"规章\t1\t{BLANK}\t3",
        f"行政规范性文件\t\t{BLANK}\t{BLANK}",
        "第二十条第（五）项",
        f"三、本年\t（二）部分公开（区分处理的，只计这一情形，不计其他情形）\t{BLANK}\t7"]


@pytest.mark.parametrize("data,name,container", [
    (b"%PDF-1.7\n...", "a.pdf", "pdf"), (b"%PDF-1.4\n...", "report.txt", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "a.doc", "ole"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "a.wps", "ole"),
    (b"<p>hi</p>", "a.htm", "html"), (b"\xef\xbb\xbf  <!DOCTYPE html><html></html>", "page.txt", "html"),
    ("年度报告\n一、总体情况".encode(), "a.txt", "txt"), (b"\x89PNG\r\n\x1a\n", "a.txt", "txt")])
def test_detect_by_bytes_then_name(data, name, container):
    assert detect(data, name) == container


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for n, b in members.items():
            zf.writestr(n, b)
    return buf.getvalue()


@pytest.mark.parametrize("data,name,reason", [
    (R.render_scanned_pdf(), "scan.pdf", "needs_ocr"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old.doc", "unsupported_container"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "old.wps", "unsupported_container"),
    (_zip({"xl/workbook.xml": b"<x/>"}), "table.xlsx", "unsupported_container"),
    (_zip({"word/document.xml": b"<not-docx"}), "broken.docx", "corrupt_container"),
    (b"%PDF-1.7\n1 0 obj garbage", "broken.pdf", "corrupt_container"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image.txt", "binary")])
def test_unreadable_containers_are_rejected_with_their_reason(data, name, reason):
    with pytest.raises(DecodeError) as exc:
        normalize_file(data, name)
    assert exc.value.reason == reason and exc.value.reason in schema.REJECT_REASONS
    assert exc.value.detail


def test_word_export_html_cells():
    """Word's markup: runs split over <span>/<font>, a cell over two <p>, <o:p>&nbsp;</o:p> blanks, conditional
    comments, rowspan/colspan, a layout table around it all, and a 发布时间 line outside the article."""
    html = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
    <meta http-equiv=Content-Type content="text/html; charset=gb2312"><title>XX县统计局2023年政府信息公开工作年度报告</title>
    </head><body><table width=100%><tr><td><div class=nav><a href=/>首页</a> <a href=/a>机构</a></div></td></tr>
    <tr><td><p>发布时间：2024-01-22</p><table class=MsoNormalTable border=1>
    <tr><td rowspan=2 colspan=2><p class=MsoNormal><span style='mso-bidi-font-size:10pt'>本列</span><font>数据</font></p></td>
        <td colspan=2><p>申请人<o:p></o:p></p></td></tr>
    <tr><td><p>自然人</p></td><td><p>总计</p></td></tr>
    <tr><td rowspan=2><p>三、本年度</p><p>办理结果</p></td><td><p>予以公开</p></td>
        <td><p><span lang=EN-US>1<o:p></o:p></span></p></td><td><p><o:p>&nbsp;</o:p></p></td></tr>
    <tr><td><p>部分<span style='mso-spacerun:yes'> </span>公开</p></td><td><p>2</p></td><td><p>2</p></td></tr>
    <![if !supportMisalignedColumns]><tr height=0><td width=20></td><td></td><td></td><td></td></tr><![endif]>
    </table></td></tr></table><div class=footer>版权所有 XX县人民政府</div></body></html>"""
    conv = _fresh(html.encode("gb18030"), "a.htm")
    assert conv.encoding == "gb18030"
    assert conv.text.split("\n") == [
        "XX县统计局2023年政府信息公开工作年度报告",  # from <title>; the 发布时间 info line is dropped, its date kept
        "本列数据\t\t申请人\t", "\t\t自然人\t总计", f"三、本年度办理结果\t予以公开\t1\t{BLANK}", "\t部分公开\t2\t2",
        "2024年1月22日", ""]


def test_metadata_lines_fill_only_what_the_text_lacks():
    meta = {"title": "XX局2023年政府信息公开工作年度报告", "published": "2024-01-05"}
    assert metadata_lines("一、总体情况\n正文\n", meta) == \
        "XX局2023年政府信息公开工作年度报告\n一、总体情况\n正文\n2024年1月5日\n"
    stated = "XX局2023年政府信息公开工作年度报告\n2024年1月9日\n一、总体情况\n"
    assert metadata_lines(stated, meta) == stated  # the page's own title and date win
    assert metadata_lines("本报告根据《条例》编制。\n一、总体情况\n", {"title": meta["title"]}).startswith("XX局")


# ------------------------------------------------------------------------------------------------ end to end


def test_mixed_folder_runs_end_to_end(tmp_path):
    """txt + html + pdf + docx + a scan + a .doc + a PDF saved as .txt, through `gip run`: every input is a
    curated report, a quarantined one or a reject; 洪泽 2023 is held for its table 四 totals."""
    from gip_pipeline.cli import main

    raw = tmp_path / "raw"
    raw.mkdir()
    corpus = FIXTURES / "corpus"
    seed = next(p for p in SEED_FILES if p.name.startswith("002"))  # 绥芬河 2023, plain text
    shutil.copy(seed, raw / seed.name)
    shutil.copy(corpus / "huaian_2024.pdf", raw / "淮安市人民政府2024年报.pdf")
    shutil.copy(corpus / "hongze_2023.pdf", raw / "hzq2023.pdf")
    shutil.copy(corpus / "hongze_2024.pdf", raw / "hzq2024.txt")  # a PDF under a .txt name is still read
    t_html, rng = _truth(11, ("2021", "2021"), 2)
    t_html.year, t_html.agency, t_html.published = 2024, "鹤岗市东山区人民政府", (2025, 1, 20)  # date only in <meta>
    (raw / "dongshan.shtml").write_bytes(R.render_html(t_html, rng, word=True, cms=True, title_in_body=False,
                                                       date_in="meta"))
    t_docx, rng = _truth(12, ("2019", "2019"), 0)
    t_docx.year, t_docx.agency = 2023, "黑龙江省统计局"
    (raw / "统计局.docx").write_bytes(R.render_docx(t_docx, rng))
    (raw / "scan.pdf").write_bytes(R.render_scanned_pdf())
    (raw / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp_path / "curated"),
                     "--quarantine-dir", str(tmp_path / "quarantine"), "--staging-dir", str(tmp_path / "staging")])
    assert code == 0, out.getvalue()
    assert "8 input(s): 5 curated, 1 quarantined, 2 rejected" in out.getvalue()

    def read(root: str, table: str) -> pl.DataFrame:
        return pl.read_parquet(sorted((tmp_path / root).glob(f"{table}/year=*/*.parquet")), hive_partitioning=True)

    curated, held = read("curated", "reports"), read("quarantine", "reports")
    got = {r["source_file"]: (r["container"], r["agency"], r["report_year"]) for r in curated.iter_rows(named=True)}
    assert got == {seed.name: ("txt", "绥芬河市营商环境建设监督局", 2023),
                   "淮安市人民政府2024年报.pdf": ("pdf", "淮安市人民政府", 2024),
                   "hzq2024.txt": ("pdf", "淮安市洪泽区人民政府", 2024),
                   "dongshan.shtml": ("html", "鹤岗市东山区人民政府", 2024),
                   "统计局.docx": ("docx", "黑龙江省统计局", 2023)}
    converters = dict(zip(curated["container"], curated["converter"]))
    assert converters["txt"] is None and converters["html"].startswith("lxml ")
    assert converters["pdf"].startswith("pypdfium2 ") and converters["docx"].startswith("python-docx ")
    html_row = curated.filter(pl.col("container") == "html").row(0, named=True)
    assert html_row["published_on"].isoformat() == "%04d-%02d-%02d" % t_html.published
    assert held["source_file"].to_list() == ["hzq2023.pdf"]
    q = read("quarantine", "quality").filter(~pl.col("passed") & (pl.col("severity") == "error"))
    assert set(q["check"]) == {"review_sum:administrative_review", "review_sum:litigation_after_review"}
    rejects = pl.read_parquet(sorted((tmp_path / "quarantine" / "rejects").glob("*.parquet")))
    assert dict(zip(rejects["source_file"], rejects["reason"])) == {"scan.pdf": "needs_ocr",
                                                                    "old.doc": "unsupported_container"}
    apps = read("curated", "applications").filter(pl.col("report_id") == html_row["report_id"])
    blank = {(r["row_code"], r["applicant"]): r["value"] for r in apps.iter_rows(named=True)}
    assert all(blank[k] is None for k in t_html.blank_cells if k in blank)
    assert len(curated) + len(held) + len(rejects) == len(list(raw.iterdir()))
