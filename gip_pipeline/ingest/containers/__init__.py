"""Containers: the files governments publish (HTML pages, PDFs, Word files, text) → one report text.

`to_text(data, filename)` detects the container from the bytes and the name (`detect.py`), converts it with the
container's converter (`html.py` lxml, `pdfium.py` PDFium with `pdf.py` pdfplumber as its fallback, `docx.py`
python-docx) into text whose tables are
TAB-separated grids, one line per table row, blank value cells written explicitly (`grid.py`), and adds the page
metadata the text lacks (`metadata_lines`). `normalize_file` is what the normalization stage calls: plain text
keeps the text path (`ingest.normalize.normalize`), every other container is converted first and then goes through
the same normalization (t2s, NFKC, …).

Errors are `ingest.normalize.DecodeError(reason, detail)` with a reason of `schema.REJECT_REASONS`: `needs_ocr` (a
PDF without a text layer), `unsupported_container` (.doc/.wps/OLE2, ZIP archives that are not DOCX),
`corrupt_container` (a PDF/DOCX/HTML that cannot be opened), plus the text path's `empty`/`binary`/`undecodable`.

Nothing else ever leaves `to_text` / `normalize_file`: an input that passes a limit (`limits.py`: file bytes, ZIP
members, table grid, PDF pages, text size, time, memory) is `too_large` or `timeout`, and any other exception a
converter or the text path raises on one input becomes `internal_error` with the stage, the exception type and
its message (`convert: ValueError: invalid literal for int() with base 10: 'x'`) — the run goes on. PDF, DOCX
and large HTML are converted in a forked child process holding the time and memory limits (`guard.py`); plain
text is decoded in-process, and so is an HTML page up to 2 MiB, under the time limit alone.

Same bytes in, same text out: no converter here reads the clock, the environment or the file system.
No Dagster or Great Expectations here; converter libraries are imported when first needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field

from gip_pipeline.ingest.normalize import DecodeError, NormalizedText, decode, normalize
from gip_pipeline.ingest.containers import guard, limits
from gip_pipeline.ingest.containers.detect import detect, sniff

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


def _load(kind: str):
    """The converter module of a container, its libraries imported (once, in this process: forked children
    inherit them instead of importing them again) and its version string computed."""
    if kind == "pdf":
        from gip_pipeline.ingest.containers import pdf as module
        from gip_pipeline.ingest.containers import pdfium

        pdfium.version()  # pypdfium2 loaded here, before any fork
    elif kind == "docx":
        from gip_pipeline.ingest.containers import docx as module
    else:
        from gip_pipeline.ingest.containers import html as module
    module.prepare()
    return module


def _convert(data: bytes, filename: str) -> Converted:
    """A non-text container → text (in the guarded child: see `to_text`)."""
    kind = detect(data, filename)
    if kind == "txt":
        text, encoding = decode(data)
        return Converted(text, "txt", None, {}, encoding)
    if kind == "ole":
        raise DecodeError("unsupported_container", "OLE2 compound file (.doc/.wps/.xls): no converter on this "
                                                   "machine; save it as .docx or PDF")
    if kind == "zip":
        raise DecodeError("unsupported_container", "ZIP archive without word/document.xml: not a DOCX report")
    module = _load(kind)
    converter = module.version()
    if kind == "html":
        text, meta, encoding = module.convert(data)
    elif kind == "pdf":
        from gip_pipeline.ingest.containers import pdfium

        encoding = None
        try:  # PDFium first; pdfplumber for what PDFium cannot give the same way (see `pdfium.py`)
            (text, meta), converter = pdfium.convert(data), pdfium.version()
        except pdfium.Unsupported:
            text, meta = module.convert(data)
    else:
        (text, meta), encoding = module.convert(data), None
    limits.check(f"{kind}: converted text, characters", len(text), limits.MAX_TEXT_CHARS)
    if not text.strip():
        raise DecodeError("empty", f"{kind}: no text in the document")
    return Converted(metadata_lines(text, meta), kind, converter, meta, encoding)


def _convert_plain(data: bytes, filename: str) -> dict:
    """`_convert` as plain values, what the guarded child sends back (`guard.run` passes JSON, not pickles)."""
    return dataclasses.asdict(_convert(data, filename))


_CACHE: OrderedDict[tuple[str, str], Converted | tuple[str, str]] = OrderedDict()
_CACHE_SIZE = 64


def to_text(data: bytes, filename: str, *, timeout_s: float | None = None,
            memory_bytes: int | None = None) -> Converted:
    """The report text of a raw file (see the module doc). Raises DecodeError with a reject reason, and nothing
    else (KeyboardInterrupt and SystemExit aside).

    Plain text is decoded here; PDF, DOCX, ZIPs and HTML above `limits.HTML_IN_PROCESS_BYTES` are converted in a
    forked child under the time and memory limits (`guard.run`; `timeout_s` / `memory_bytes` default to
    `limits.CONVERT_TIMEOUT_S` / `limits.CONVERT_MEMORY_BYTES`), smaller HTML here under the time limit alone
    (`guard.run_in_process`, when this is the main thread; else forked too). The raw stage (year detection) and
    the normalization stage convert the same file: the last few results — texts and rejects — are kept in
    memory, keyed by the bytes' sha256 and the file name's extension."""
    limits.check("file bytes", len(data), limits.MAX_FILE_BYTES, "bytes")
    with guard.stage("detect"):
        kind = sniff(data, filename)
    if kind in ("txt", "ole"):  # cheap, linear in the bytes: in-process, not cached
        with guard.stage("decode"):
            return _convert(data, filename)
    key = (hashlib.sha256(data).hexdigest(), filename.rsplit(".", 1)[-1].lower() if "." in filename else "")
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        if isinstance(hit, tuple):
            raise DecodeError(*hit)
        return hit
    try:
        with guard.stage("convert"):
            _load("docx" if kind == "zip" else kind)  # libraries imported here, once, not in every child
            if kind == "html" and len(data) <= limits.HTML_IN_PROCESS_BYTES and guard.can_alarm():
                out = guard.run_in_process(_convert, data, filename, stage_name="convert", timeout_s=timeout_s)
            else:
                out = Converted(**guard.run(_convert_plain, data, filename, stage_name="convert",
                                            timeout_s=timeout_s, memory_bytes=memory_bytes))
    except DecodeError as exc:  # the same bytes fail the same way: kept too
        out = (exc.reason, exc.detail)
    _CACHE[key] = out
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    if isinstance(out, tuple):
        raise DecodeError(*out)
    return out


def normalize_file(data: bytes, filename: str) -> NormalizedFile:
    """What the normalization stage calls instead of `ingest.normalize.normalize`: text files keep the text path
    unchanged; HTML, PDF and DOCX are converted first, then normalized the same way. Raises DecodeError only."""
    limits.check("file bytes", len(data), limits.MAX_FILE_BYTES, "bytes")
    with guard.stage("detect"):
        kind = sniff(data, filename)
    if kind == "txt":
        with guard.stage("normalize"):
            n = normalize(data)
        return NormalizedFile(n.text, n.encoding, n.script, n.changes, "txt", None)
    conv = to_text(data, filename)
    with guard.stage("normalize"):
        n = normalize(conv.text.encode("utf-8"))  # the same normalization (and script rule) as the text path
    return NormalizedFile(n.text, conv.encoding, n.script, n.changes, conv.container, conv.converter)
