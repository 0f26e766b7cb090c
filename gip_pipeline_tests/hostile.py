"""Hostile inputs, built from scratch: files that are small on disk but explode (or crash a converter) when read.

Each builder returns the file's bytes. They are real files a converter opens as it would open any report; nothing
here patches the pipeline. Used by `test_hostile_containers.py` and to measure peak memory / time by hand:
`uv run python -m gip_pipeline_tests.hostile OUT_DIR` writes every file (the full-size bombs) into OUT_DIR.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def plain_docx() -> bytes:
    """A small, valid DOCX: a title paragraph and one 2×2 table."""
    import docx

    document = docx.Document()
    document.add_paragraph("某某县人民政府2023年政府信息公开工作年度报告")
    table = document.add_table(rows=2, cols=2)
    for r in range(2):
        for c in range(2):
            table.cell(r, c).text = f"{r}{c}"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, member: str, edit) -> bytes:
    """The same ZIP package with one member's bytes replaced by `edit(old_bytes)` (every other member as is)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            dst.writestr(info.filename, edit(body) if info.filename == member else body)
    return out.getvalue()


def _first_row_props(xml: bytes, props: str) -> bytes:
    """`props` (WordprocessingML) as the first table row's `w:trPr`."""
    return re.sub(rb"<w:tr( [^>]*)?>", lambda m: m.group(0) + f"<w:trPr>{props}</w:trPr>".encode(), xml, count=1)


def docx_bad_gridspan() -> bytes:
    """`<w:gridSpan w:val="x"/>` on a cell: not a number (python-docx opens it; our grid reader meets the 'x')."""
    def edit(xml: bytes) -> bytes:
        return re.sub(rb"<w:tc>", b'<w:tc><w:tcPr><w:gridSpan w:val="x"/></w:tcPr>', xml, count=1)
    return _rewrite(plain_docx(), "word/document.xml", edit)


def docx_grid_before(n: int = 99_999_999) -> bytes:
    """A 1 KB DOCX whose first table row starts after `n` empty grid columns (`w:gridBefore`)."""
    return _rewrite(plain_docx(), "word/document.xml", lambda xml: _first_row_props(xml, f'<w:gridBefore w:val="{n}"/>'))


def docx_zip_bomb(inflated: int = 1 << 30) -> bytes:
    """A DOCX whose word/document.xml inflates to `inflated` bytes (~1 MB on disk for 1 GiB): white space in a
    paragraph's text, written in a stream so the builder itself never holds it."""
    src = plain_docx()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info.filename)
            if info.filename != "word/document.xml":
                zout.writestr(info.filename, body)
                continue
            head, tail = body.split(b"<w:body>", 1)
            open_text = head + b"<w:body><w:p><w:r><w:t xml:space=\"preserve\">"
            close_text = b"</w:t></w:r></w:p>" + tail
            member = zipfile.ZipInfo("word/document.xml")
            member.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(member, "w", force_zip64=True) as f:
                f.write(open_text)
                chunk = b" " * (1 << 20)
                left = inflated
                while left > 0:
                    f.write(chunk[:left])
                    left -= len(chunk)
                f.write(close_text)
    return out.getvalue()


def docx_lying_directory(inflated: int = 64 << 20) -> bytes:
    """A zip bomb whose central directory lies: word/document.xml declares 2 KB and inflates to `inflated`."""
    import struct

    data = bytearray(docx_zip_bomb(inflated))
    name = b"word/document.xml"
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        n = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46:at + 46 + n] == name:
            extra = struct.unpack_from("<H", data, at + 30)[0]
            struct.pack_into("<I", data, at + 24, 2048)  # uncompressed size (zip64: in the extra field)
            ext = at + 46 + n
            end = ext + extra
            while ext < end:
                tag, size = struct.unpack_from("<HH", data, ext)
                if tag == 1:  # zip64 extended information: the real sizes
                    struct.pack_into("<Q", data, ext + 4, 2048)
                ext += 4 + size
        at += 4
    return bytes(data)


def docx_many_paragraphs(n: int = 200_000) -> bytes:
    """A valid DOCX of `n` short paragraphs (~9 MB of XML for 200,000): a large but honest document."""
    def edit(xml: bytes) -> bytes:
        head, tail = xml.split(b"<w:body>", 1)
        paras = "".join(f"<w:p><w:r><w:t>第{i}段</w:t></w:r></w:p>" for i in range(n)).encode()
        return head + b"<w:body>" + paras + tail
    return _rewrite(plain_docx(), "word/document.xml", edit)


def html_tall_span_bomb(rows: int = 2000, span: int = 200) -> bytes:
    """Rows of one cell with rowspan=`span`: narrow rows (~`span` columns), but rows × span grid positions."""
    cells = "".join(f'<tr><td rowspan="{span}">{i}</td></tr>' for i in range(rows))
    return f"<html><body><p>某县2023年政府信息公开工作年度报告</p><table>{cells}</table></body></html>".encode()


def html_span_bomb(rows: int = 1000, span: int = 200) -> bytes:
    """A 40 KB page: `rows` rows, each one cell with rowspan=rows and colspan=`span` — as a grid, every cell
    pushes the next row's cell `span` columns right: rows × rows × span / 2 positions (100 M for 1000)."""
    cells = "".join(f'<tr><td rowspan="{rows}" colspan="{span}">{i}</td></tr>' for i in range(rows))
    return (f"<html><head><title>某县2023年政府信息公开工作年度报告</title></head><body><p>一、总体情况</p>"
            f"<table>{cells}</table></body></html>").encode()


def pdf_many_pages(pages: int = 2000) -> bytes:
    """A PDF of `pages` pages, one short line of text on each."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for i in range(pages):
        c.drawString(72, 420, f"line {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_dense_rules(lines: int = 120, pages: int = 4, rotated: bool = False) -> bytes:
    """`pages` pages, each ruled by `lines` horizontal and `lines` vertical strokes crossing each other: the table
    finder meets lines² intersections and cells (pdfplumber: ~30 s a page for 120 lines, on a 4 KB file).
    Spacing stays above pdfplumber's 3 pt snap tolerance, so the lines are not merged. `rotated` pages are read
    by pdfplumber (the PDFium reader hands rotated pages to it), so the conversion really takes that long."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setLineWidth(0.5)
    x0, y0, x1, y1 = 36, 36, A4[0] - 36, A4[1] - 36
    for _ in range(pages):
        if rotated:
            c.setPageRotation(90)
        for k in range(lines):
            y = y0 + (y1 - y0) * k / (lines - 1)
            x = x0 + (x1 - x0) * k / (lines - 1)
            for a, b in (((x0, y), (x1, y)), ((x, y0), (x, y1))):
                path = c.beginPath()
                path.moveTo(*a)
                path.lineTo(*b)
                c.drawPath(path)
        c.drawString(40, 420, "x")
        c.showPage()
    c.save()
    return buf.getvalue()


BUILDERS = {
    "bad_gridspan.docx": docx_bad_gridspan,
    "grid_before.docx": docx_grid_before,
    "zip_bomb.docx": docx_zip_bomb,
    "span_bomb.html": html_span_bomb,
    "many_pages.pdf": pdf_many_pages,
    "dense_rules.pdf": pdf_dense_rules,
}


if __name__ == "__main__":
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, build in BUILDERS.items():
        (out / name).write_bytes(build())
        print(name, (out / name).stat().st_size)
