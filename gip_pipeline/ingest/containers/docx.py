"""DOCX → text, tables as TAB grids (python-docx for the package, the WordprocessingML read directly).

The body is read in document order: a paragraph is a line (its runs joined; tabs and line breaks inside it break
it into cells or lines as Word shows them); a table is an exact grid: `w:gridSpan` (colspan) and `w:vMerge`
(rowspan: `restart` starts a merged cell, continuation cells are positions it covers) expanded, `w:gridBefore` /
`w:gridAfter` keep the row aligned to the table's columns; a cell's paragraphs are joined into one cell. A table
nested in a cell is read into that cell's text. Text in content controls (`w:sdt`) and tracked insertions
(`w:ins`) is read; deleted text (`w:del`) is not.
"""

from __future__ import annotations

from functools import lru_cache

from gip_pipeline.ingest.normalize import DecodeError
from gip_pipeline.ingest.containers import limits
from gip_pipeline.ingest.containers.grid import join_pieces, table_lines

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@lru_cache(maxsize=1)
def version() -> str:
    from importlib.metadata import version as v

    return f"python-docx {v('python-docx')}"


def prepare() -> None:
    """Import the converter's libraries and read its version (once, before conversions are forked)."""
    import docx  # noqa: F401
    version()


def _val(el, name: str, default: str | None = None) -> str | None:
    child = el.find(f"{W}{name}") if el is not None else None
    if child is None:
        return default
    return child.get(f"{W}val", "")


def _para_text(p) -> str:
    """A paragraph's visible text: runs joined, w:tab as TAB, w:br/w:cr as a line break; w:del skipped."""
    out: list[str] = []
    for el in p.iter():
        tag = el.tag
        if tag == f"{W}t":
            if not _deleted(el, p):
                out.append(el.text or "")
        elif tag == f"{W}tab" and el.getparent() is not None and el.getparent().tag == f"{W}r":
            out.append("\t")
        elif tag in (f"{W}br", f"{W}cr"):
            out.append("\n")
    return "".join(out)


def _deleted(el, stop) -> bool:
    anc = el.getparent()
    while anc is not None and anc is not stop:
        if anc.tag == f"{W}del":
            return True
        anc = anc.getparent()
    return False


def _cell_text(tc) -> str:
    pieces: list[str] = []
    for child in tc:
        if child.tag == f"{W}p":
            pieces.append(_para_text(child).replace("\t", " "))
        elif child.tag == f"{W}tbl":
            pieces.extend(" ".join(c for c in row if c) for row in _grid(child))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                pieces.append(_cell_text(content))
    return join_pieces(pieces)


def _children(node, tag: str):
    """The node's `tag` children (w:tr of a table, w:tc of a row), including those wrapped in content controls."""
    for child in node:
        if child.tag == f"{W}{tag}":
            yield child
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _children(content, tag)


def _grid(tbl) -> list[list[str | None]]:
    grid: list[list[str | None]] = []
    positions = 0  # grid positions of the table: bounded by limits.MAX_TABLE_CELLS
    for tr in _children(tbl, "tr"):
        trpr = tr.find(f"{W}trPr")
        before = int(_val(trpr, "gridBefore", "0") or 0)
        limits.check("docx table row: grid positions (w:gridBefore)", before, limits.MAX_ROW_CELLS)
        row: list[str | None] = [None] * before
        for tc in _children(tr, "tc"):
            tcpr = tc.find(f"{W}tcPr")
            span = max(1, min(int(_val(tcpr, "gridSpan", "1") or 1), limits.MAX_SPAN))
            limits.check("docx table row: grid positions", len(row) + span, limits.MAX_ROW_CELLS)
            vmerge = _val(tcpr, "vMerge")
            if vmerge is not None and vmerge != "restart":  # continuation of the merged cell above
                row.extend([None] * span)
                continue
            row.append(_cell_text(tc))
            row.extend([None] * (span - 1))
        positions += len(row)
        limits.check("docx table: grid positions", positions, limits.MAX_TABLE_CELLS)
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    limits.check("docx table: grid positions", width * len(grid), limits.MAX_TABLE_CELLS)
    return [r + [""] * (width - len(r)) for r in grid]


def _body_lines(body) -> list[str]:
    lines: list[str] = []
    for child in body:
        if child.tag == f"{W}p":
            text = _para_text(child)
            for line in text.split("\n"):
                if "\t" in line and line.strip("\t ").count("\t"):
                    lines.append("\t".join(join_pieces([c]) for c in line.split("\t")))
                else:
                    piece = join_pieces([line.replace("\t", " ")])
                    if piece:
                        lines.append(piece)
        elif child.tag == f"{W}tbl":
            lines.extend(table_lines(_grid(child)))
        elif child.tag == f"{W}sdt":
            content = child.find(f"{W}sdtContent")
            if content is not None:
                lines.extend(_body_lines(content))
    return lines


def check_package(data: bytes) -> None:
    """The ZIP's members against the limits: first the sizes its central directory declares, before anything is
    inflated; then every member inflated once in 1 MiB steps, which `zipfile` stops at the declared size (a
    member holding more fails its CRC: `corrupt_container`). python-docx reads members whole, and
    `ZipFile.read` inflates all the compressed bytes of a member in one call before cutting them to the
    declared size: a directory that lies would cost the whole bomb — here it costs 1 MiB."""
    import io
    import zipfile
    import zlib

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # python-docx says what is wrong with it (corrupt_container)
    with zf:
        infos = zf.infolist()
        limits.check("docx: ZIP members", len(infos), limits.MAX_ZIP_MEMBERS)
        for info in infos:
            limits.check(f"docx: ZIP member {info.filename[:80]} inflated", info.file_size,
                         limits.MAX_ZIP_MEMBER_BYTES, "bytes")
        limits.check("docx: ZIP members inflated", sum(i.file_size for i in infos), limits.MAX_ZIP_TOTAL_BYTES,
                     "bytes")
        try:
            for info in infos:
                with zf.open(info) as member:
                    while member.read(1 << 20):
                        pass
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError, RuntimeError,
                OSError) as exc:
            raise DecodeError("corrupt_container", f"DOCX cannot be opened: {type(exc).__name__}: {exc}") from exc


def convert(data: bytes) -> tuple[str, dict]:
    import io

    import docx

    check_package(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors … on damaged packages
        raise DecodeError("corrupt_container", f"DOCX cannot be opened: {type(exc).__name__}: {exc}") from exc
    meta = {}
    title = (document.core_properties.title or "").strip()
    if "报告" in title and ("信息公开" in title or "政务公开" in title):
        meta["title"] = title
    lines = _body_lines(document.element.body)
    return "\n".join(lines) + "\n", meta
