"""Tables → the one grid text form the parser reads: one line per table row, cells separated by TAB.

Every converter (HTML, PDF, DOCX) first builds a table as a list of rows of cells, each cell

* a string: the cell's text (a cell whose text was split over runs or lines is joined here), or
* ``None``: a grid position covered by a merged cell (rowspan/colspan continuation); its text stands once, in the
  merged cell's top-left position, as it does on the page.

`table_lines` writes such a table. Empty strings stay empty positions (the parser drops them) except in a
*value column* — a column holding a number or a not-applicable mark (``/``, ``-``) in some row, or named by a
header above the values — right of the
row's last label cell: there an empty cell is a value the report left blank, and it is written as `BLANK` (the
parser reads it as not applicable: null), so the cells after it never shift left. A row whose only content is one
cell (a caption, a heading the table frame happens to contain, a one-column text frame) is written as plain
lines, one per line of the cell. Same rows in, same lines out.
"""

from __future__ import annotations

import re

from gip_pipeline.parse.cells import classify

BLANK = "-"  # an empty value cell: one of the parser's not-applicable marks, so it is read as null

_CJK_EDGE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’、，。：；（）《》]")
_CJK_GAP = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’]) +(?=[\u2e80-\u9fff\uf900-\ufaff"
                      r"\u3000-\u303f\uff00-\uffef“”‘’])")  # justified or run-split text: 情 形 → 情形
_NUMERIC_EDGE = re.compile(r"[\d.,]")  # a number wrapped inside a narrow cell: 135753 / 94432.52 → one number
_WS = re.compile(r"[ \t\u00a0\u3000\r\f\v]+")


def join_pieces(pieces: list[str]) -> str:
    """Pieces of one cell's text (lines of a wrapped or vertical label, runs, paragraphs) → one string.

    Pieces are joined with nothing between two CJK characters (一行 / 字 wrapped labels, 三/、/本/年 vertical
    ones) or two parts of a number wrapped in a narrow cell, and with one space otherwise (Latin words); a space between two CJK characters (justified PDF
    text, Word's spacerun) is dropped."""
    out = ""
    for piece in pieces:
        piece = _WS.sub(" ", piece).strip()
        if not piece:
            continue
        glued = _CJK_EDGE.match(out[-1]) or _CJK_EDGE.match(piece[0]) or (
            _NUMERIC_EDGE.match(out[-1]) and _NUMERIC_EDGE.match(piece[0])) if out else True
        if not glued:
            out += " "
        out += piece
    return _CJK_GAP.sub("", out)


def cell_text(text: str | None) -> str | None:
    """One cell's text on one line: its lines joined (`join_pieces`), white space collapsed."""
    if text is None:
        return None
    return join_pieces(re.split(r"[\n\r\u2028\u2029]+", text))


def value_columns(rows: list[list[str | None]]) -> set[int]:
    """Columns holding a number or a not-applicable mark in some row, and the columns the header rows above the
    first such row name (a 总计 column whose only value cell is blank is still a value column)."""
    cols: set[int] = set()
    first = None
    label_edge = -1  # the rightmost label cell of a row holding values
    for i, row in enumerate(rows):
        kinds = [classify(c) if c else None for c in row]
        if any(k in ("num", "na") for k in kinds):
            cols.update(j for j, k in enumerate(kinds) if k in ("num", "na"))
            first = i if first is None else first
            label_edge = max([label_edge] + [j for j, k in enumerate(kinds) if k == "text"])
    if first is not None:
        cols.update(j for row in rows[:first] for j, c in enumerate(row)
                    if j > label_edge and c and classify(c) == "text")
    return cols


def table_lines(rows: list[list[str | None]]) -> list[str]:
    """The grid text of one table (see the module doc)."""
    originals = rows
    rows = [[cell_text(c) for c in row] for row in rows]
    width = max((len(r) for r in rows), default=0)
    rows = [r + [None] * (width - len(r)) for r in rows]
    values = value_columns(rows)
    out: list[str] = []
    for row, original in zip(rows, originals):
        if not any(row):
            continue
        kinds = [classify(c) if c else None for c in row]
        last_text = max((j for j, k in enumerate(kinds) if k in ("text", "junk")), default=-1)
        cells = [BLANK if c == "" and j > last_text and j in values else (c or "") for j, c in enumerate(row)]
        filled = [c for c in cells if c]
        if len(filled) == 1 and filled[0] != BLANK:  # a caption or a text frame: its own lines, as printed
            only = next(c for c in original if c and c.strip())
            out.extend(t for t in (join_pieces([ln]) for ln in re.split(r"[\n\r\u2028\u2029]+", only)) if t)
        else:
            out.append("\t".join(cells))
    return out


def reading_order(blocks: list[tuple]) -> list[str]:
    """A PDF page's blocks — `(top, order, lines)` for a table's grid lines, `(top, -1, [line], size)` for a text
    line — in reading order, as lines; consecutive text lines in one large font (a title wrapped over lines, `size`
    set) joined into one. The same for both PDF readers, so both give the same text."""
    blocks.sort(key=lambda b: (round(b[0], 1), b[1]))
    out: list[str] = []
    prev_size = None
    for block in blocks:
        size = block[3] if block[1] == -1 and len(block) > 3 else None
        if size is not None and prev_size is not None and abs(size - prev_size) < 0.5:
            out[-1] = join_pieces([out[-1], block[2][0]])  # a title wrapped over lines in a large font: one line
        else:
            out.extend(block[2])
        prev_size = size
    return out
