"""The PDFium PDF converter (`containers/pdfium.py`) reads what pdfplumber (`containers/pdf.py`) reads.

Cell for cell, on the three real PDFs (against pdfplumber and their hand-checked expectations) and on rendered PDFs
of both national formats with blank cells (blanks stay null) and tables split over pages; its edges and table
cells are pdfplumber's on every page; what it cannot read the same way — characters PDFium loses, rotated pages
and text, Form XObjects, scans, damaged files — goes to pdfplumber, and `converter` says which one read the file.
"""

from __future__ import annotations

import contextlib
import io
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gip_pipeline.ingest.containers import _CACHE, normalize_file, pdf, pdfium
from gip_pipeline.ingest.containers.grid import BLANK
from gip_pipeline.contract import schema
from gip_pipeline.ingest.normalize import DecodeError, normalize
from gip_pipeline.parse.report import parse_report
from gip_pipeline_tests import renderer as R
from gip_pipeline_tests.conftest import FIXTURES
from gip_pipeline_tests.expectations import application_mismatches, disclosure_mismatches, review_mismatches
from gip_pipeline_tests.test_containers import CORPUS_PDFS, _fresh

FORMATS = [("2021", "2021"), ("2019", "2019"), ("2019", "2021")]


@contextlib.contextmanager
def measurable_fonts():
    """Rendered PDFs PDFium reads on a machine without CJK fonts.

    The renderer writes reportlab's STSong-Light, which no PDF embeds; PDFium measures a text object by its glyphs,
    so a one-character string in it (the vertical label, the last character of a wrapped line) measures 0 wide
    here and PDFium's text page drops it — such a PDF goes to pdfplumber (`test_lost_characters_fall_back`). Here
    every one-character string gets a space after it (invisible on the page; both converters read the space)."""
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    original = UnicodeCIDFont.formatForPdf

    def spaced(self, text):
        if isinstance(text, str) and len(text) == 1 and not text.isspace():
            text += " "
        return original(self, text)

    UnicodeCIDFont.formatForPdf = spaced
    try:
        yield
    finally:
        UnicodeCIDFont.formatForPdf = original


def cells(text: str) -> dict:
    """Every value the parser reads from a converted text, keyed by table and cell."""
    report = parse_report(normalize(text.encode("utf-8")).text)
    out: dict = {("meta",): (report.agency, report.report_year, report.format)}
    out.update({("applications",) + k: c.value for k, c in report.applications.items()})
    out.update({("review",) + k: c.value for k, c in report.review.items()})
    out.update({("disclosure", i, c, m): cell.value for i, c, m, cell, _ in report.disclosure})
    return out


def _render(seed: int, formats: tuple[str, str], blanks: int, split: bool, measurable: bool = True):
    rng = random.Random(seed)
    truth = R.make_truth(rng, *formats)
    R.choose_blanks(truth, rng, blanks)
    with measurable_fonts() if measurable else contextlib.nullcontext():
        return truth, R.render_pdf(truth, rng, split_table=split)


def _truth_cells(truth: R.Truth) -> dict:
    out = {("applications",) + k: (None if k in truth.blank_cells else v) for k, v in truth.applications.items()}
    out.update({("review",) + k: (None if k in truth.blank_cells else v) for k, v in truth.review.items()})
    out.update({("disclosure",) + k: v for k, v in truth.disclosure.items()})
    return out


# ------------------------------------------------------------------------------------------------ real PDFs


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=lambda p: p.stem)
def test_real_pdf_cell_for_cell(path):
    exp = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    data = path.read_bytes()
    text, meta = pdfium.convert(data)
    old, _ = pdf.convert(data)
    assert text == old  # the same text, line for line
    got, want = cells(text), cells(old)
    assert got == want and len(got) > 180
    assert got[("meta",)] == (exp["agency"], exp["report_year"], exp["application_rows_format"])
    apps = {k[1:]: v for k, v in got.items() if k[0] == "applications"}
    review = {k[1:]: v for k, v in got.items() if k[0] == "review"}
    disclosure = {k[1:]: v for k, v in got.items() if k[0] == "disclosure"}
    assert application_mismatches(exp, apps) == []
    assert review_mismatches(exp, review) == []
    assert disclosure_mismatches(exp, disclosure) == []
    assert meta.get("CreationDate", "").startswith("D:20")
    conv = _fresh(data, path.name)
    assert conv.converter == pdfium.version() and conv.converter.startswith("pypdfium2 5.15.2 (PDFium ")
    lines = text.split("\n")
    assert any(ln.startswith("三、本年度办理结果\t") for ln in lines)  # the vertical label: one cell
    assert not any(ln.strip() in ("- 3 -", "- 4 -") for ln in lines)  # page footers dropped


def test_vertical_writing_characters_get_pdfminers_box():
    """洪泽 2024 prints the vertical label 三、本年度办理结果 in a vertical-writing CID font, whose PDFium loose box
    ignores the text matrix (199 pt wide for a 9.95 pt character): the em square on the baseline instead."""
    import pypdfium2
    import pypdfium2.raw as raw

    doc = pypdfium2.PdfDocument((FIXTURES / "corpus" / "hongze_2024.pdf").read_bytes())
    page = doc[2]
    textpage = page.get_textpage()
    chars = pdfium._chars(raw, textpage.raw, page.get_height())
    assert max(c[1] - c[0] for c in chars) < 25 and max(c[3] - c[2] for c in chars) < 25
    du = next(c for c in chars if c[4] == "度" and abs(c[0] - 85.54) < 0.01)
    assert [round(v, 2) for v in du[:4]] == [85.54, 95.49, 653.63, 663.58]  # pdfplumber: 85.54 95.49 653.63 663.58


# ------------------------------------------------------------------------------------------------ rendered PDFs


@settings(max_examples=12)
@given(seed=st.integers(0, 2**32 - 1), formats=st.sampled_from(FORMATS), blanks=st.integers(0, 4),
       split=st.booleans())
def test_rendered_pdf_cell_for_cell(seed, formats, blanks, split):
    truth, data = _render(seed, formats, blanks, split)
    text, _ = pdfium.convert(data)  # read by PDFium, no fallback
    old, _ = pdf.convert(data)
    got, want = cells(text), cells(old)
    assert got == want, f"seed={seed} {formats} split={split}\n{text}"
    assert got[("meta",)][:2] == (truth.agency, truth.year)
    expected = _truth_cells(truth)
    assert {k: got.get(k) for k in expected} == expected, f"seed={seed} {formats}\n{text}"
    assert all(got[k] is None for k in expected if k[1:] in truth.blank_cells)


def test_two_blank_cells_in_a_row_stay_in_their_columns():
    rng = random.Random(7)
    truth = R.make_truth(rng, "2021", "2021")
    R.choose_blanks(truth, rng, 0)
    zero_cols = [c for c in schema.APPLICANT_PARTS if truth.applications[("carried_over", c)] == 0][:2]
    truth.blank_cells.update(("carried_over", c) for c in zero_cols)
    with measurable_fonts():
        data = R.render_pdf(truth, rng, split_table=False)
    conv = _fresh(data, "r.pdf")
    assert conv.converter == pdfium.version()
    row = next(ln for ln in conv.text.split("\n") if ln.startswith("二、上年结转"))
    want = [BLANK if ("carried_over", c) in truth.blank_cells else str(truth.applications[("carried_over", c)])
            for c in schema.APPLICANT_CODES]
    assert row.split("\t")[-7:] == want and row.count(BLANK) == 2
    report = parse_report(normalize_file(data, "r.pdf").text)
    assert [report.applications[("carried_over", c)].value for c in zero_cols] == [None, None]


# ------------------------------------------------------------------------------------------------ geometry


def _pages():
    import pypdfium2

    datas = [p.read_bytes() for p in CORPUS_PDFS]
    datas += [_render(s, FORMATS[s % 3], s % 4, s % 2 == 0)[1] for s in range(3)]
    for data in datas:
        doc = pypdfium2.PdfDocument(data)
        for i in range(len(doc)):
            yield data, i, doc[i]


def test_edges_and_tables_are_pdfplumbers():
    """PDFium's paths give pdfplumber's edges (lines, rect sides, curve pieces), and the port of pdfplumber's
    table finder gives its cells, table by table, on every page."""
    import pdfplumber
    import pypdfium2.raw as raw
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    def key(e):
        return (e["orientation"], round(e["x0"], 2), round(e["x1"], 2), round(e["top"], 2), round(e["bottom"], 2))

    pages = 0
    opened: dict[bytes, object] = {}
    for data, i, page in _pages():
        edges = pdfium._edges(raw, page.raw, page.get_height())
        plumber = opened.setdefault(data, pdfplumber.open(io.BytesIO(data))).pages[i]
        assert sorted(map(key, edges)) == sorted(key(e) for e in plumber.edges if e["orientation"])
        merged = [e for e in merge_edges(edges, 3, 3, 3, 3) if e["width" if e["orientation"] == "h" else "height"] >= 3]
        theirs = cells_to_tables(intersections_to_cells(edges_to_intersections(merged, 3, 3)))
        assert pdfium._tables(edges) == theirs
        found = [sorted(t.cells) for t in plumber.find_tables()]  # pdfminer's coordinates: doubles, PDFium's floats
        assert [len(t) for t in found] == [len(t) for t in theirs]
        assert all(abs(a - b) < 0.01 for ft, tt in zip(found, theirs) for fc, tc in zip(ft, sorted(tt))
                   for a, b in zip(fc, tc))
        pages += 1
    for p in opened.values():
        p.close()
    assert pages >= 20


def test_subpaths_are_classified_as_pdfminer_does():
    rect = pdfium._subpath_edges("mlllh", [(0, 0), (10, 0), (10, 5), (0, 5), (0, 0)])
    assert sorted((e["orientation"], e["x0"], e["top"], e["x1"], e["bottom"]) for e in rect) == [
        ("h", 0, 0, 10, 0), ("h", 0, 5, 10, 5), ("v", 0, 0, 0, 5), ("v", 10, 0, 10, 5)]
    closed = pdfium._subpath_edges("mllllh", [(0, 0), (10, 0), (10, 5), (0, 5), (0, 0), (0, 0)])
    assert closed == rect  # PDFium's `re`: a closing line to the start, then close
    line = pdfium._subpath_edges("ml", [(3, 7), (3, 1)])
    assert [(e["orientation"], e["top"], e["bottom"]) for e in line] == [("v", 1, 7)]
    diagonal = pdfium._subpath_edges("ml", [(0, 0), (4, 4)])
    assert diagonal[0]["orientation"] == "v"  # pdfplumber's `line_to_edge`: not horizontal → vertical
    poly = pdfium._subpath_edges("mlll", [(0, 0), (5, 0), (5, 5), (9, 9)])
    assert [e["orientation"] for e in poly] == ["h", "v", None]


# ------------------------------------------------------------------------------------------------ fallback


def test_unmeasurable_characters_fall_back():
    """The renderer's own PDFs (one-character strings in reportlab's STSong-Light, not embedded): where the machine
    has no CJK font, PDFium cannot measure those characters and would drop the vertical label, so pdfplumber reads
    the file; where it has one (CI installs fonts-wqy-zenhei), PDFium reads it. Either way every cell is exact and
    the blanks stay null, and `converter` names the reader that read it."""
    truth, data = _render(1284, ("2021", "2021"), 3, True, measurable=False)
    try:
        pdfium.convert(data)
        reader = pdfium
    except pdfium.Unsupported as exc:
        assert "cannot measure" in str(exc)
        reader = pdf
    conv = _fresh(data, "r.pdf")
    assert conv.converter == reader.version()
    got = cells(conv.text)
    expected = _truth_cells(truth)
    assert {k: got.get(k) for k in expected} == expected


def _canvas_pdf(draw) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _ruled(c) -> None:
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "Annual report 2024")
    for y in (700, 680, 660):
        c.line(72, y, 300, y)
    for x in (72, 186, 300):
        c.line(x, 660, x, 700)
    c.drawString(80, 686, "received")
    c.drawString(194, 686, "12")
    c.drawString(80, 666, "carried over")
    c.drawString(194, 666, "3")


def test_plain_pdf_is_read_by_pdfium():
    data = _canvas_pdf(_ruled)
    text, _ = pdfium.convert(data)
    assert text == pdf.convert(data)[0]
    assert "received\t12" in text.split("\n") and "carried over\t3" in text.split("\n")


@pytest.mark.parametrize("case,reason", [
    ("rotated_page", "rotated page"),
    ("rotated_text", "rotated"),
    ("form_xobject", "Form XObject"),
])
def test_what_pdfium_cannot_give_falls_back(case, reason):
    def draw(c):
        if case == "rotated_page":
            c.setPageRotation(90)
            _ruled(c)
        elif case == "rotated_text":
            _ruled(c)
            c.saveState()
            c.translate(500, 400)
            c.rotate(90)
            c.drawString(0, 0, "sideways")
            c.restoreState()
        else:
            c.beginForm("table")
            _ruled(c)
            c.endForm()
            c.doForm("table")

    data = _canvas_pdf(draw)
    with pytest.raises(pdfium.Unsupported, match=reason):
        pdfium.convert(data)
    conv = _fresh(data, "x.pdf")
    assert conv.converter == pdf.version()
    assert "received" in conv.text


@pytest.mark.parametrize("data,reason", [
    (R.render_scanned_pdf(), "needs_ocr"),
    (b"%PDF-1.7\n1 0 obj garbage", "corrupt_container"),
])
def test_scans_and_damaged_files_are_named_by_pdfplumber(data, reason):
    with pytest.raises(pdfium.Unsupported):
        pdfium.convert(data)
    _CACHE.clear()
    with pytest.raises(DecodeError) as exc:
        normalize_file(data, "x.pdf")
    assert exc.value.reason == reason


def test_cell_text_is_pdfplumbers_extract_text():
    from pdfplumber.utils import extract_text

    def ch(text, x0, top, w=5.0, size=10.0):
        return (x0, x0 + w, top, top + size, text, size)

    cases = [
        [ch("A", 0, 10), ch("B", 5, 10), ch("C", 14.5, 10), ch(" ", 20, 10), ch("D", 22, 10.5)],  # gap, space
        [ch("上", 0, 10), ch("年", 5, 12.5), ch("度", 10, 15), ch("x", 40, 15.2)],  # tops chained, words split
        [ch("三", 0, 0), ch("、", 0, 10.2), ch("本", 0, 20.4), ch("年", 6, 20.6)],  # a vertical label
        [ch("9", 10, 0), ch("1", 5, 0)],  # stream order right to left: sorted by x
    ]
    for chars in cases:
        dicts = [{"x0": c[0], "x1": c[1], "top": c[2], "bottom": c[3], "doctop": c[2], "text": c[4],
                  "upright": True, "size": c[5], "height": c[3] - c[2], "width": c[1] - c[0]} for c in chars]
        assert pdfium._text(chars) == extract_text(dicts), chars
