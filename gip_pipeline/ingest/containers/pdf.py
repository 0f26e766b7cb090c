"""PDF with a text layer → text, tables as TAB grids (pdfplumber).

Why pdfplumber (with its pdfminer.six layout engine) and not pypdfium2's text alone: on the three real PDFs of the
corpus both give text the parser reads exactly, and pypdfium2 is ~30× faster (≈0.01 s against ≈0.3–0.6 s a
report), but pypdfium2 has no table model: its text is the page's stream order with cells separated by spaces, so
a blank cell simply vanishes and a label wrapped inside its cell comes out on several lines. pdfplumber finds the
ruled table grid from the drawn lines, so every cell — blank ones included — has its position, a wrapped or
vertical label (三/、/本/年/度…) is one cell, and page furniture outside the tables is told apart by position.

Per page: the ruled tables (`find_tables`), and the text lines outside them, in top-to-bottom order. Text that
lies inside a table's frame but in no detected cell (a cell whose border is not drawn) is put into the grid
position under it. Lines in a font larger than the page's body text that follow each other (a title wrapped
over two or three lines) are joined into one. A line matching a page-footer pattern (`- 4 -`, `第 3 页`) in the top or bottom margin is
dropped. A table split over pages is two grids one after the other, which the parser reads as one. A PDF with no
character on any page is a scan: `DecodeError('needs_ocr')`.
"""

from __future__ import annotations

from functools import lru_cache

from gip_pipeline.parse.cells import is_footer
from gip_pipeline.ingest.normalize import DecodeError
from gip_pipeline.ingest.containers import limits
from gip_pipeline.ingest.containers.grid import reading_order, table_lines

_MARGIN = 0.1  # share of the page height at the top and bottom where footers and headers are looked for


@lru_cache(maxsize=1)
def version() -> str:
    from importlib.metadata import version as v

    return f"pdfplumber {v('pdfplumber')} (pdfminer.six {v('pdfminer.six')})"


def prepare() -> None:
    """Import the converter's libraries and read its version (once, before conversions are forked)."""
    import pdfplumber  # noqa: F401
    from pdfminer.pdfparser import PDFSyntaxError  # noqa: F401
    version()


def _center_in(obj: dict, box: tuple[float, float, float, float]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _table_grid(page, table) -> tuple[list[list[str | None]], list[tuple]]:
    """The table's rows (None = a position covered by a merged cell) and the boxes its text came from."""
    rows = table.extract()
    boxes = [c for c in table.cells]
    xs = sorted({round(c[0], 1) for c in boxes}) + [table.bbox[2]]  # pdfplumber orders columns by cell x0
    cols = [(xs[j], 0, xs[j + 1], 0) for j in range(len(xs) - 1)]
    for i, row in enumerate(table.rows):
        for j, cell_box in enumerate(row.cells):
            if cell_box is not None or j >= len(cols):
                continue
            hole = (cols[j][0], row.bbox[1], cols[j][2], row.bbox[3])
            if any(_center_in({"x0": hole[0], "x1": hole[2], "top": hole[1], "bottom": hole[3]}, b) for b in boxes):
                continue  # covered by a merged cell
            text = page.crop(hole, strict=False).extract_text() if hole[2] > hole[0] and hole[3] > hole[1] else ""
            if text.strip():
                rows[i][j] = text
                boxes.append(hole)
    return rows, boxes


def convert(data: bytes) -> tuple[str, dict]:
    import io

    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except MemoryError:
        raise
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises a variety of errors on damaged files
        raise DecodeError("corrupt_container", f"PDF cannot be opened: {type(exc).__name__}: {exc}") from exc
    # before any page is read (and not through `pdf.close()`, which reads every page to close it)
    limits.check("pdf: pages", _declared_pages(pdf), limits.MAX_PDF_PAGES)
    out: list[str] = []
    meta: dict = {}
    with pdf:
        try:
            info = pdf.metadata or {}
            meta = {k: str(info[k]) for k in ("Title", "CreationDate", "ModDate") if info.get(k)}
            pages = list(pdf.pages)
            limits.check("pdf: pages", len(pages), limits.MAX_PDF_PAGES)
            if not any(page.chars for page in pages):
                images = sum(len(page.images) for page in pages)
                raise DecodeError("needs_ocr", f"{len(pages)} page(s) with no text layer ({images} image(s)): "
                                               "a scan, OCR is needed")
            for page in pages:
                out.extend(_page_lines(page))
        except (DecodeError, MemoryError):  # a MemoryError is the guard's too_large, not a damaged file
            raise
        except Exception as exc:
            raise DecodeError("corrupt_container", f"PDF cannot be read: {type(exc).__name__}: {exc}") from exc
    return "\n".join(out) + "\n", meta


def _declared_pages(pdf) -> int:
    """The page count the document's page tree declares (`/Count`), 0 when it declares none."""
    from pdfminer.pdftypes import resolve1

    try:
        count = resolve1(resolve1(pdf.doc.catalog.get("Pages")).get("Count"))
    except Exception:  # noqa: BLE001 - a damaged page tree: the pages themselves are counted next
        return 0
    return count if isinstance(count, int) else 0


def _page_lines(page) -> list[str]:
    tables = page.find_tables()
    blocks: list[tuple] = []
    taken: list[tuple] = []
    for k, table in enumerate(tables):
        rows, boxes = _table_grid(page, table)
        taken.extend(boxes)
        blocks.append((table.bbox[1], k, table_lines(rows), None))
    outside = page.filter(lambda obj: obj.get("object_type") != "char"
                          or not any(_center_in(obj, b) for b in taken))
    height = float(page.height)
    lines = outside.extract_text_lines(return_chars=True)
    sizes = sorted(c["size"] for line in lines for c in line["chars"])
    body = sizes[len(sizes) // 2] if sizes else 0.0  # the body text's size: the median outside the tables
    for line in lines:
        text = line["text"].strip()
        in_margin = line["top"] < _MARGIN * height or line["bottom"] > (1 - _MARGIN) * height
        if not text or (in_margin and is_footer(text)):
            continue
        size = max(c["size"] for c in line["chars"])
        blocks.append((line["top"], -1, [text], size if size >= 1.2 * body else None))
    return reading_order(blocks)
