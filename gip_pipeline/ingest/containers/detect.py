"""Which container a raw file is: decided by its bytes first, its extension second.

| bytes                                   | extension                     | container                        |
|-----------------------------------------|-------------------------------|----------------------------------|
| `%PDF-` in the first 1024 bytes         | any                           | `pdf`                            |
| ZIP holding `word/document.xml`         | any                           | `docx`                           |
| other ZIP                               | any                           | `zip` (reject unsupported_container) |
| OLE2 compound file (`D0 CF 11 E0`)      | any (.doc, .wps, .xls, …)      | `ole` (reject unsupported_container) |
| anything else                           | .html .htm .shtml .xhtml       | `html`                           |
| text starting with `<!DOCTYPE html`/`<html` | any                       | `html`                           |
| anything else                           | any                           | `txt` (today's text path)        |

A PDF or a Word file saved under a `.txt` name is still that report: reading it is better than rejecting it, so
the bytes win over the name. Other binary signatures (images, archives) keep the text path, whose decoder rejects
them as `binary`.
"""

from __future__ import annotations

import io
import re
import zipfile

HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")
_HTML_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html)",
                         re.IGNORECASE | re.DOTALL)


def detect(data: bytes, filename: str) -> str:
    """`pdf`, `docx`, `html`, `txt`, or `zip` / `ole` (containers this pipeline cannot read)."""
    kind = sniff(data, filename)
    if kind != "zip":
        return kind
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "zip"
    return "docx" if "word/document.xml" in names else "zip"


def sniff(data: bytes, filename: str) -> str:
    """`detect` from the signatures alone: a ZIP is `zip` without its directory being read (a directory can be
    large: reading it is a conversion's job, under its limits)."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if filename.lower().endswith(HTML_SUFFIXES):
        return "html"
    head = data[:2048]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: look at it decoded
        try:
            head = head.decode("utf-16", errors="ignore").encode("utf-8")
        except UnicodeError:
            pass
    if _HTML_START.match(head):
        return "html"
    return "txt"
