"""PDF with a text layer → text, tables as TAB grids, read through PDFium (pypdfium2): the default PDF reader.

The output is `pdf.py`'s (see its module doc: ruled tables as grids, blank value cells written, wrapped and vertical
labels joined, footers in the margins dropped, a title wrapped in a large font joined, a table split over pages as
two grids in a row), built from what PDFium gives in a few C calls a page — the characters with their boxes (the
text page) and the painted paths (the page objects) — instead of pdfminer's content-stream parsing in Python
(81 % of pdfplumber's time). Each step is pdfplumber's, so both readers cut a page into the same cells:

* a character's box is pdfminer's: PDFium's loose box (advance width, font descent) made one em high; for the
  characters of a vertical-writing CID font, whose loose box PDFium computes without the text matrix's scale, the
  em square on the baseline at the character's origin (what pdfminer gives them);
* every filled or stroked path is split into subpaths; a subpath of one segment is a line, a closed axis-aligned
  four-segment one a rectangle (its four sides), anything else a polyline (its straight pieces) — pdfminer's
  `paint_path` — and their horizontal and vertical pieces of at least 1 pt are the page's edges;
* edges are snapped and joined (3 pt) and kept from 3 pt, their crossings (3 pt) make the cells (the smallest
  rectangle each crossing closes with connected edges), cells sharing a corner make a table: a port of
  pdfplumber's `merge_edges` … `cells_to_tables` with its default settings, checked against it page by page;
* a character belongs to the cell holding its centre; a cell's characters are cut into lines (tops within 3 pt)
  and words (a gap over 3 pt or a space), as pdfplumber's `extract_text` does.

What PDFium cannot give the same way is not guessed: `Unsupported` is raised and `containers._convert` reads the file
with pdfplumber (`pdf.py`), whose converter string `reports.converter` then holds. That is a PDF PDFium cannot open
(pdfplumber then names the damage: `corrupt_container`), one with no character (a scan: `needs_ocr`), a rotated
page or one whose boxes do not start at 0,0, rotated or mirrored characters, a Form XObject (nested coordinate
spaces), and a text object PDFium cannot measure: PDFium sizes a text object by its glyphs, so one character in a
font the PDF does not embed and this machine has no glyph for measures 0 wide and the text page drops it (the
test renderer's one-character strings in reportlab's STSong-Light, on a machine without CJK fonts).
"""

from __future__ import annotations

import ctypes
from operator import itemgetter

from gip_pipeline.contract.errors import DecodeError
from gip_pipeline.ingest.containers import limits
from gip_pipeline.ingest.containers.grid import reading_order, table_lines
from gip_pipeline.parse.cells import is_footer

_MARGIN = 0.1  # share of the page height at the top and bottom where footers and headers are looked for
_TOL = 3.0  # pdfplumber's default snap / join / intersection / text tolerances (pt)


class Unsupported(Exception):
    """This PDF is not read here; read it with pdfplumber (`pdf.convert`)."""


def version() -> str:
    import pypdfium2

    return f"pypdfium2 {pypdfium2.PYPDFIUM_INFO} (PDFium {str(pypdfium2.PDFIUM_INFO).split('@')[0]})"


# ------------------------------------------------------------------------------------------------ page content


def _chars(raw, textpage, height: float) -> list[tuple]:
    """(x0, x1, top, bottom, text, size) of every character PDFium read (not the spaces and line breaks it
    generates), in the page's top-down coordinates."""
    n = raw.FPDFText_CountChars(textpage)
    if n < 0:
        raise Unsupported("text page not readable")
    rect, m = raw.FS_RECTF(), raw.FS_MATRIX()
    x, y = ctypes.c_double(), ctypes.c_double()
    get_unicode, is_generated = raw.FPDFText_GetUnicode, raw.FPDFText_IsGenerated
    loose_box = raw.FPDFText_GetLooseCharBox
    font_size, get_matrix, origin = raw.FPDFText_GetFontSize, raw.FPDFText_GetMatrix, raw.FPDFText_GetCharOrigin
    rect_ref, m_ref = ctypes.byref(rect), ctypes.byref(m)
    buf = (ctypes.c_ushort * (n + 1))()
    written = raw.FPDFText_GetText(textpage, 0, n, buf)
    text_all = bytes(buf)[:2 * max(written - 1, 0)].decode("utf-16-le", "surrogatepass")
    if len(text_all) != n or any(0xD800 <= ord(ch) < 0xE000 for ch in text_all):
        text_all = "".join(chr(get_unicode(textpage, i)) for i in range(n))  # one character a text index
    out = []
    for i, text in enumerate(text_all):
        code = ord(text)
        if code < 0x3000:  # PDFium adds spaces and line breaks of its own, never CJK
            if text in "\r\n" or is_generated(textpage, i) == 1:
                continue
            if code == 0:
                raise Unsupported(f"character {i} has no Unicode value PDFium can give")
        elif code in (0xFFFE, 0xFFFF) or 0xD800 <= code < 0xE000:
            raise Unsupported(f"character {i} has no Unicode value PDFium can give")
        if not (loose_box(textpage, i, rect_ref) and get_matrix(textpage, i, m_ref)):
            raise Unsupported(f"no box for character {i}")
        if m.b or m.c or m.a <= 0 or m.d <= 0:
            if text.isspace():
                continue
            raise Unsupported("rotated, skewed or mirrored text")
        em = font_size(textpage, i) * m.d  # pdfminer's `size`: the font size in page units
        # pdfminer's box is one em high from the font's descent; PDFium's loose box has the descent at the bottom
        # but the font's ascent at the top, which some fonts put far above the em
        x0, x1, bottom = rect.left, rect.right, height - rect.bottom
        top = bottom - em
        if rect.top - rect.bottom > 2 * em:
            # PDFium's loose box of a vertical-writing CID font ignores the text matrix's scale: the em square
            # on the baseline from the character's origin instead, which is pdfminer's box for these characters
            if not origin(textpage, i, x, y):
                raise Unsupported(f"no origin for character {i}")
            x0, x1, bottom = x.value, x.value + em, height - y.value
            top = bottom - em
        out.append((x0, x1, top, bottom, text, em))
    return out


def _edges(raw, page, height: float) -> list[dict]:
    """The page's horizontal and vertical edges, as pdfplumber makes them from pdfminer's lines, rects, curves."""
    edges: list[dict] = []
    fill, stroke, m = ctypes.c_int(), ctypes.c_int(), raw.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill_ref, stroke_ref, m_ref, x_ref, y_ref = (ctypes.byref(v) for v in (fill, stroke, m, x, y))
    bounds = tuple(ctypes.byref(v) for v in (left, bottom, right, top))
    get_object, get_type, get_bounds = raw.FPDFPage_GetObject, raw.FPDFPageObj_GetType, raw.FPDFPageObj_GetBounds
    draw_mode, get_matrix = raw.FPDFPath_GetDrawMode, raw.FPDFPageObj_GetMatrix
    count_segments = raw.FPDFPath_CountSegments
    get_segment, get_point = raw.FPDFPath_GetPathSegment, raw.FPDFPathSegment_GetPoint
    segment_type, segment_close = raw.FPDFPathSegment_GetType, raw.FPDFPathSegment_GetClose
    TEXT, PATH, FORM = raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM
    MOVETO, LINETO, BEZIERTO = raw.FPDF_SEGMENT_MOVETO, raw.FPDF_SEGMENT_LINETO, raw.FPDF_SEGMENT_BEZIERTO
    for k in range(raw.FPDFPage_CountObjects(page)):
        obj = get_object(page, k)
        kind = get_type(obj)
        if kind == TEXT:
            if not get_bounds(obj, *bounds) or right.value <= left.value:
                # PDFium measures a text object by its glyphs; one character whose font has no glyph on this
                # machine (a font not embedded in the PDF) measures 0 wide, and its text page drops it
                raise Unsupported("a text object PDFium cannot measure (its characters are lost)")
            continue
        if kind == FORM:
            raise Unsupported("Form XObject on the page")
        if kind != PATH:
            continue
        if not draw_mode(obj, fill_ref, stroke_ref) or (fill.value == 0 and not stroke.value):
            continue  # a path neither filled nor stroked paints nothing (pdfminer's `n`)
        if not get_matrix(obj, m_ref):
            raise Unsupported("path without a matrix")
        a, b, c, d, e, f = m.a, m.b, m.c, m.d, m.e, m.f
        subpaths: list[tuple[str, list]] = []
        shape, pts = "", []
        bezier = 0
        for i in range(count_segments(obj)):
            seg = get_segment(obj, i)
            get_point(seg, x_ref, y_ref)
            t = segment_type(seg)
            px, py = x.value, y.value
            pt = (a * px + c * py + e, height - (b * px + d * py + f))
            if t == MOVETO:
                if shape:
                    subpaths.append((shape, pts))
                shape, pts, bezier = "m", [pt], 0
            elif t == BEZIERTO:
                bezier += 1
                if bezier % 3 == 0:  # two control points, then the end point (pdfminer keeps the end point)
                    shape += "c"
                    pts.append(pt)
            elif t == LINETO:
                shape += "l"
                pts.append(pt)
            else:
                raise Unsupported("unknown path segment")
            if shape and segment_close(seg):
                shape += "h"
                pts.append(pts[0])
        if shape:
            subpaths.append((shape, pts))
        for shape, pts in subpaths:
            edges.extend(_subpath_edges(shape, pts))
    return [e for e in edges if e["orientation"] and e["width" if e["orientation"] == "h" else "height"] >= 1]


def _edge(x0, x1, top, bottom, orientation) -> dict:
    return {"x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top, "width": x1 - x0,
            "height": bottom - top, "orientation": orientation}


def _subpath_edges(shape: str, pts: list) -> list[dict]:
    """pdfminer's `paint_path` classification of one subpath (top-down points), as pdfplumber's edges."""
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-2] + pts[-1:]
    if shape in ("ml", "mlh"):
        (x0, t0), (x1, t1) = pts[0], pts[1]
        top, bottom = min(t0, t1), max(t0, t1)
        return [_edge(min(x0, x1), max(x0, x1), top, bottom, "h" if top == bottom else "v")]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                 or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
            left, right = min(x0, x2), max(x0, x2)
            top, bottom = min(y0, y2), max(y0, y2)
            return [_edge(left, right, top, top, "h"), _edge(left, right, bottom, bottom, "h"),
                    _edge(left, left, top, bottom, "v"), _edge(right, right, top, bottom, "v")]
    if len(pts) < 2:
        return []
    out = []
    for (xa, ya), (xb, yb) in zip(pts, pts[1:]):
        orientation = "v" if xa == xb else ("h" if ya == yb else None)
        out.append(_edge(min(xa, xb), max(xa, xb), min(ya, yb), max(ya, yb), orientation))
    return out


# ------------------------------------------------------------------------------------------------ text


def _cluster(values: list[float], tol: float) -> dict[float, int]:
    """pdfplumber's `make_cluster_dict`: sorted distinct values, a new cluster where the step exceeds `tol`."""
    out: dict[float, int] = {}
    group, last = -1, None
    for v in sorted(set(values)):
        if last is None or v > last + tol:
            group += 1
        out[v] = group
        last = v
    return out


def _lines(chars: list[tuple]) -> list[list[tuple]]:
    """Characters → lines (tops within 3 pt, top to bottom), each a list of words (lists of characters): a new word
    at a space, a step back, a gap over 3 pt or a top 3 pt off (pdfplumber's `extract_text` without layout)."""
    if not chars:
        return []
    cluster = _cluster([c[2] for c in chars], _TOL)
    by_line: dict[int, list] = {}
    for ch in chars:
        by_line.setdefault(cluster[ch[2]], []).append(ch)
    lines = []
    for key in sorted(by_line):
        words: list[list[tuple]] = []
        word: list[tuple] = []
        for ch in sorted(by_line[key], key=itemgetter(0)):
            if ch[4].isspace():
                if word:
                    words.append(word)
                word = []
                continue
            if word:
                prev = word[-1]
                if ch[0] < prev[0] or ch[0] > prev[1] + _TOL or abs(ch[2] - prev[2]) > _TOL:
                    words.append(word)
                    word = []
            word.append(ch)
        if word:
            words.append(word)
        if len(words) > 1:  # pdfplumber then clusters the words by their top: a line can split again
            tops = [min(c[2] for c in w) for w in words]
            sub = _cluster(tops, _TOL)
            if len(set(sub.values())) > 1:
                for k in sorted(set(sub.values())):
                    lines.append([w for w, t in zip(words, tops) if sub[t] == k])
                continue
        if words:
            lines.append(words)
    return lines


def _line_text(words: list[list[tuple]]) -> str:
    return " ".join("".join(c[4] for c in w) for w in words)


def _text(chars: list[tuple]) -> str:
    return "\n".join(_line_text(words) for words in _lines(chars))


# ------------------------------------------------------------------------------------------------ tables


def _snap(edges: list[list], key: int, tol: float) -> None:
    """pdfplumber's `snap_objects`: edges whose position (x of a vertical, y of a horizontal) is within `tol` of
    the next one's are moved to their cluster's mean position, in place."""
    cluster = _cluster([e[key] for e in edges], tol)
    groups: dict[int, list] = {}
    for e in edges:
        groups.setdefault(cluster[e[key]], []).append(e)
    for group in groups.values():
        avg = sum(e[key] for e in group) / len(group)
        for e in group:
            e[key], e[key + 2] = avg, avg + (e[key + 2] - e[key])  # x0, x1 (vertical) or top, bottom (horizontal)


def _merge(edges: list[dict]) -> tuple[list[tuple], list[tuple]]:
    """pdfplumber's `merge_edges` (snap 3, join 3) and `edge_min_length` (3): the vertical and the horizontal
    edges as (x0, top, x1, bottom)."""
    v = [[e["x0"], e["top"], e["x1"], e["bottom"]] for e in edges if e["orientation"] == "v"]
    h = [[e["x0"], e["top"], e["x1"], e["bottom"]] for e in edges if e["orientation"] == "h"]
    _snap(v, 0, _TOL)
    _snap(h, 1, _TOL)
    out: dict[str, list[tuple]] = {"v": [], "h": []}
    for kind, group_key, lo, hi in (("v", 0, 1, 3), ("h", 1, 0, 2)):
        lines: dict[float, list] = {}
        for e in (v if kind == "v" else h):
            lines.setdefault(e[group_key], []).append(e)
        for pos in sorted(lines):
            joined: list[list] = []
            for e in sorted(lines[pos], key=itemgetter(lo)):
                if joined and e[lo] <= joined[-1][hi] + _TOL:
                    if e[hi] > joined[-1][hi]:
                        joined[-1] = joined[-1][:hi] + [e[hi]] + joined[-1][hi + 1:]
                else:
                    joined.append(list(e))
            out[kind].extend(tuple(e) for e in joined if e[hi] - e[lo] >= 3)
    return out["v"], out["h"]


def _tables(edges: list[dict]) -> list[list[tuple]]:
    """The cells of each table on the page, top to bottom: pdfplumber's table finder (`edges_to_intersections`,
    `intersections_to_cells`, `cells_to_tables` with its default tolerances) on these edges."""
    if not edges:
        return []
    v_edges, h_edges = _merge(edges)
    crossings: dict[tuple, tuple[set, set]] = {}
    for v in sorted(v_edges, key=itemgetter(0, 1)):
        for h in sorted(h_edges, key=itemgetter(1, 0)):
            if v[1] <= h[1] + _TOL and v[3] >= h[1] - _TOL and v[0] >= h[0] - _TOL and v[0] <= h[2] + _TOL:
                vs, hs = crossings.setdefault((v[0], h[1]), (set(), set()))
                vs.add(v)
                hs.add(h)
    points = sorted(crossings)
    below_of: dict[float, list] = {}
    right_of: dict[float, list] = {}
    for p in points:  # in sorted order: the points after p with its x (below it) or its y (right of it)
        below_of.setdefault(p[0], []).append(p)
        right_of.setdefault(p[1], []).append(p)

    def vertical(p1, p2) -> bool:
        return not crossings[p1][0].isdisjoint(crossings[p2][0])

    def horizontal(p1, p2) -> bool:
        return not crossings[p1][1].isdisjoint(crossings[p2][1])

    cells = []
    for pt in points:
        column, row = below_of[pt[0]], right_of[pt[1]]
        below = column[column.index(pt) + 1:]
        right = row[row.index(pt) + 1:]
        found = None
        for below_pt in below:
            if not vertical(pt, below_pt):
                continue
            for right_pt in right:
                if not horizontal(pt, right_pt):
                    continue
                corner = (right_pt[0], below_pt[1])
                if corner in crossings and vertical(corner, right_pt) and horizontal(corner, below_pt):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    return _group_cells(cells)


def _group_cells(cells: list[tuple]) -> list[list[tuple]]:
    """pdfplumber's `cells_to_tables`: cells sharing a corner are one table; tables of more than one cell, by
    their top-left cell."""
    remaining = list(cells)
    corners: set = set()
    current: list[tuple] = []
    tables = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            x0, top, x1, bottom = cell
            these = ((x0, top), (x0, bottom), (x1, top), (x1, bottom))
            if not current or any(c in corners for c in these):
                corners.update(these)
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            tables.append(current)
            corners, current = set(), []
    if current:
        tables.append(current)
    return [t for t in sorted(tables, key=lambda t: min((c[1], c[0]) for c in t)) if len(t) > 1]


def _rows(cells: list[tuple]) -> list[tuple[tuple, list]]:
    """pdfplumber's `Table.rows`: per distinct cell top, the cells by the table's distinct x0s (None = none
    starts there), with the row's box."""
    xs = sorted({c[0] for c in cells})
    rows = []
    by_top: dict[float, dict] = {}
    for c in sorted(cells, key=itemgetter(1, 0)):
        by_top.setdefault(c[1], {})[c[0]] = c
    for top, xdict in by_top.items():
        row = [xdict.get(x) for x in xs]
        present = [c for c in row if c]
        box = (min(c[0] for c in present), min(c[1] for c in present), max(c[2] for c in present),
               max(c[3] for c in present))
        rows.append((box, row))
    return rows


class _Chars:
    """A page's characters and their centres as arrays, for the many box tests of a table."""

    def __init__(self, chars: list[tuple]):
        import numpy as np

        self.chars = chars
        box = np.array([c[:4] for c in chars], dtype=np.float64).reshape(-1, 4)
        self.h = (box[:, 0] + box[:, 1]) / 2
        self.v = (box[:, 2] + box[:, 3]) / 2

    def per_box(self, boxes: list[tuple]) -> list[list[tuple]]:
        """The characters whose centre is in each box, right and bottom open (pdfplumber's `char_in_bbox`; a
        cell lies in its row's box, so the row test pdfplumber makes first changes nothing)."""
        import numpy as np

        b = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        h, v = self.h[:, None], self.v[:, None]
        hit = (h >= b[:, 0]) & (h < b[:, 2]) & (v >= b[:, 1]) & (v < b[:, 3])
        chars = self.chars
        return [[chars[i] for i in np.flatnonzero(hit[:, j])] for j in range(len(boxes))]

    def outside(self, boxes: list[tuple]) -> list[tuple]:
        """The characters whose centre is in none of the boxes, all sides closed (`pdf._center_in`)."""
        import numpy as np

        if not boxes:
            return self.chars
        b = np.array(boxes, dtype=np.float64).reshape(-1, 4)
        h, v = self.h[:, None], self.v[:, None]
        taken = ((h >= b[:, 0]) & (h <= b[:, 2]) & (v >= b[:, 1]) & (v <= b[:, 3])).any(axis=1)
        return [ch for ch, t in zip(self.chars, taken.tolist()) if not t]


def _clipped(chars: list[tuple], box: tuple) -> list[tuple]:
    """pdfplumber's `crop(box, strict=False)` of characters: those overlapping the box, clipped to it."""
    out = []
    for ch in chars:
        left, right = max(ch[0], box[0]), min(ch[1], box[2])
        top, bottom = max(ch[2], box[1]), min(ch[3], box[3])
        if right - left >= 0 and bottom - top >= 0 and (right - left) + (bottom - top) > 0:
            out.append((left, right, top, bottom) + ch[4:])
    return out


def _table_grid(page: _Chars, cells: list[tuple]) -> tuple[list[list[str | None]], list[tuple]]:
    """The table's rows (None = a position covered by a merged cell) and the boxes its text came from
    (`pdf._table_grid`)."""
    rows = _rows(cells)
    bbox = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells), max(c[3] for c in cells))
    present = [c for _, row in rows for c in row if c is not None]
    texts = dict(zip(present, page.per_box(present)))
    out: list[list[str | None]] = [[None if c is None else (_text(texts[c]) if texts[c] else "") for c in row]
                                   for _, row in rows]
    boxes = list(cells)
    xs = sorted({round(c[0], 1) for c in cells}) + [bbox[2]]
    cols = [(xs[j], xs[j + 1]) for j in range(len(xs) - 1)]
    for i, (box, row) in enumerate(rows):
        for j, cell in enumerate(row):
            if cell is not None or j >= len(cols):
                continue
            hole = (cols[j][0], box[1], cols[j][1], box[3])
            center = ((hole[0] + hole[2]) / 2, (hole[1] + hole[3]) / 2)
            if any(b[0] <= center[0] <= b[2] and b[1] <= center[1] <= b[3] for b in boxes):
                continue  # covered by a merged cell
            text = _text(_clipped(page.chars, hole)) if hole[2] > hole[0] and hole[3] > hole[1] else ""
            if text.strip():
                out[i][j] = text
                boxes.append(hole)
    return out, boxes


# ------------------------------------------------------------------------------------------------ pages


def _page_lines(chars: list[tuple], edges: list[dict], height: float) -> list[str]:
    """`pdf._page_lines` on PDFium's characters and edges."""
    blocks: list[tuple] = []
    tables = _tables(edges)
    outside = chars
    if tables:
        page = _Chars(chars)
        taken: list[tuple] = []
        for k, cells in enumerate(tables):
            rows, boxes = _table_grid(page, cells)
            taken.extend(boxes)
            blocks.append((min(c[1] for c in cells), k, table_lines(rows), None))
        outside = page.outside(taken)
    lines = _lines(outside)
    sizes = sorted(c[5] for words in lines for w in words for c in w)
    body = sizes[len(sizes) // 2] if sizes else 0.0  # the body text's size: the median outside the tables
    for words in lines:
        text = _line_text(words).strip()
        top = min(c[2] for w in words for c in w)
        bottom = max(c[3] for w in words for c in w)
        in_margin = top < _MARGIN * height or bottom > (1 - _MARGIN) * height
        if not text or (in_margin and is_footer(text)):
            continue
        size = max(c[5] for w in words for c in w)
        blocks.append((top, -1, [text], size if size >= 1.2 * body else None))
    return reading_order(blocks)


def convert(data: bytes) -> tuple[str, dict]:
    """Text and metadata as `pdf.convert` gives them, or `Unsupported` (read it with pdfplumber)."""
    import pypdfium2
    import pypdfium2.raw as raw

    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as exc:  # damaged, encrypted: pdfplumber reads it or names the damage
        raise Unsupported(f"PDFium cannot open it: {exc}") from exc
    try:
        limits.check("pdf: pages", len(pdf), limits.MAX_PDF_PAGES)  # before any page is read
        info = pdf.get_metadata_dict()
        meta = {k: info[k] for k in ("Title", "CreationDate", "ModDate") if info.get(k)}
        out: list[str] = []
        any_char = False
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                if page.get_rotation() or tuple(page.get_mediabox())[:2] != (0, 0) \
                        or tuple(page.get_cropbox()) != tuple(page.get_mediabox()):
                    raise Unsupported("rotated page or page box not at 0,0")
                height = page.get_height()
                textpage = page.get_textpage()
                try:
                    chars = _chars(raw, textpage.raw, height)
                finally:
                    textpage.close()
                any_char = any_char or bool(chars)
                out.extend(_page_lines(chars, _edges(raw, page.raw, height), height))
            finally:
                page.close()
        if not any_char:
            raise Unsupported("no character: a scan, or text PDFium does not give")
    except (Unsupported, DecodeError):
        raise
    except Exception as exc:  # a page PDFium fails on (or a case this reader does not know): pdfplumber reads it
        raise Unsupported(f"PDFium reader failed: {type(exc).__name__}: {exc}") from exc
    finally:
        pdf.close()
    return "\n".join(out) + "\n", meta
