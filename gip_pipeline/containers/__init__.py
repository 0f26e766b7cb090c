"""Containers: the files governments publish (HTML pages, PDFs, Word files, text) → one report text.

`to_text(data, filename)` detects the container from the bytes and the name (`detect.py`), converts it with the
container's converter (`html.py` lxml, `pdfium.py` PDFium with `pdf.py` pdfplumber as its fallback, `docx.py`
python-docx) into text whose tables are
TAB-separated grids, one line per table row, blank value cells written explicitly (`grid.py`), and adds the page
metadata the text lacks (`metadata_lines`). `normalize_file` is what the normalization stage calls: plain text
keeps the text path (`core.normalize.normalize`), every other container is converted first and then goes through
the same normalization (t2s, NFKC, …).

Errors are `core.normalize.DecodeError(reason, detail)` with a reason of `schema.REJECT_REASONS`: `needs_ocr` (a
PDF without a text layer), `unsupported_container` (.doc/.wps/OLE2, ZIP archives that are not DOCX),
`corrupt_container` (a PDF/DOCX/HTML that cannot be opened), plus the text path's `empty`/`binary`/`undecodable`.

Same bytes in, same text out: no converter here reads the clock, the environment or the file system.
No Dagster or Great Expectations here; converter libraries are imported when first needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from ..core.normalize import DecodeError, NormalizedText, decode, normalize
from .detect import detect

__all__ = ["Converted", "NormalizedFile", "to_text", "normalize_file", "container_of", "DecodeError"]

CONTAINERS = ("txt", "html", "pdf", "docx")


@dataclass
class Converted:
    text: str
    container: str  # txt / html / pdf / docx
    converter: str | None  # library and version, None for plain text
    meta: dict = field(default_factory=dict)  # title, published (ISO date), published_source, encoding
    encoding: str | None = None


@dataclass
class NormalizedFile(NormalizedText):
    container: str = "txt"
    converter: str | None = None


def container_of(data: bytes, filename: str) -> str:
    return detect(data, filename)


_TITLE = re.compile(r"(?:信息公开|政务公开).{0,12}报告")
_DATE_LINE = re.compile(r"^\s*(20\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")


def metadata_lines(text: str, meta: dict) -> str:
    """The page's own title and publication date as text lines, where the converted text lacks them.

    The title goes first when none of the first 8 lines is a report title (a short line with 信息公开/政务公开 …
    报告, not the 本报告… sentence); the date
    (`2025年1月20日`) goes last when no such line stands in the first 8 or the last 6 lines — where the parser
    reads them. The text from the page wins over the metadata."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    head, tail = lines[:8], lines[-6:]
    if meta.get("title") and not any(_TITLE.search(ln) and len(ln) <= 60 and "本报告" not in ln for ln in head):
        text = meta["title"] + "\n" + text
    if meta.get("published") and not any(_DATE_LINE.match(ln) for ln in head + tail):
        try:
            d = dt.date.fromisoformat(meta["published"])
        except ValueError:
            d = None
        if d:
            text = text.rstrip("\n") + f"\n{d.year}年{d.month}月{d.day}日\n"
    return text


def _convert(data: bytes, filename: str) -> Converted:
    kind = detect(data, filename)
    if kind == "txt":
        text, encoding = decode(data)
        return Converted(text, "txt", None, {}, encoding)
    if kind == "ole":
        raise DecodeError("unsupported_container", "OLE2 compound file (.doc/.wps/.xls): no converter on this "
                                                   "machine; save it as .docx or PDF")
    if kind == "zip":
        raise DecodeError("unsupported_container", "ZIP archive without word/document.xml: not a DOCX report")
    if kind == "pdf":
        from . import pdf, pdfium

        try:  # PDFium first; pdfplumber for what PDFium cannot give the same way (see `pdfium.py`)
            text, meta = pdfium.convert(data)
            converter, encoding = pdfium.version(), None
        except pdfium.Unsupported:
            text, meta = pdf.convert(data)
            converter, encoding = pdf.version(), None
    elif kind == "docx":
        from . import docx

        text, meta = docx.convert(data)
        converter, encoding = docx.version(), None
    else:
        from . import html

        text, meta, encoding = html.convert(data)
        converter = html.version()
    if not text.strip():
        raise DecodeError("empty", f"{kind}: no text in the document")
    return Converted(metadata_lines(text, meta), kind, converter, meta, encoding)


_CACHE: OrderedDict[tuple[str, str], Converted] = OrderedDict()
_CACHE_SIZE = 64


def to_text(data: bytes, filename: str) -> Converted:
    """The report text of a raw file (see the module doc). Raises DecodeError with a reject reason.

    The raw stage (year detection) and the normalization stage convert the same file: the last few results are
    kept in memory, keyed by the bytes' sha256 and the file name's extension."""
    key = (hashlib.sha256(data).hexdigest(), filename.rsplit(".", 1)[-1].lower() if "." in filename else "")
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    out = _convert(data, filename)
    if out.container != "txt":  # plain text is cheap to decode again; converted documents are not
        _CACHE[key] = out
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return out


def normalize_file(data: bytes, filename: str) -> NormalizedFile:
    """What the normalization stage calls instead of `core.normalize.normalize`: text files keep the text path
    unchanged; HTML, PDF and DOCX are converted first, then normalized the same way."""
    if detect(data, filename) == "txt":
        n = normalize(data)
        return NormalizedFile(n.text, n.encoding, n.script, n.changes, "txt", None)
    conv = to_text(data, filename)
    n = normalize(conv.text.encode("utf-8"))  # the same normalization (and script rule) as the text path
    return NormalizedFile(n.text, conv.encoding, n.script, n.changes, conv.container, conv.converter)
