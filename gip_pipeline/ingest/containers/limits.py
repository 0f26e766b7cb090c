"""Every resource limit an input is held to, in one place.

One input may be hostile (a 1 MB DOCX that inflates to 1 GB, a 1 KB table row 99,999,999 columns wide, a PDF
whose table finder runs for minutes): it becomes a reject of its own — `too_large` or `timeout` — and every other
input is read as usual. A real report is far below every limit (the largest seen: ~40 pages, tables of a few
hundred cells, a few MB of text).

| limit                  | value   | exceeded → reject                              | checked in                 |
|------------------------|---------|------------------------------------------------|----------------------------|
| `MAX_FILE_BYTES`       | 200 MiB | `too_large`: file bytes                        | `to_text`, `normalize_one` |
| `MAX_ZIP_MEMBERS`      | 2,000   | `too_large`: ZIP members of a DOCX             | `docx.check_package`       |
| `MAX_ZIP_MEMBER_BYTES` | 64 MiB  | `too_large`: one member's inflated size        | `docx.check_package`       |
| `MAX_ZIP_TOTAL_BYTES`  | 256 MiB | `too_large`: all members' inflated size        | `docx.check_package`       |
| `MAX_ROW_CELLS`        | 1,000   | `too_large`: grid positions of one table row   | `docx._grid`, `html._grid` |
| `MAX_TABLE_CELLS`      | 200,000 | `too_large`: grid positions of one table       | `docx._grid`, `html._grid` |
| `MAX_PDF_PAGES`        | 500     | `too_large`: pages of a PDF                    | `pdf.convert`              |
| `MAX_TEXT_CHARS`       | 64 Mi   | `too_large`: characters of a converted text    | `containers._convert`      |
| `CONVERT_TIMEOUT_S`    | 60 s    | `timeout`: wall-clock time of one conversion   | `guard.run`, `run_in_process` |
| `CONVERT_MEMORY_BYTES` | 2 GiB   | `too_large`: address space a conversion adds   | `guard.run`                |
| `HTML_IN_PROCESS_BYTES`| 2 MiB   | (not a reject: HTML up to it is not forked)    | `to_text`                  |

The ZIP sizes are read from the ZIP's central directory before anything is inflated; then every member is
inflated once in 1 MiB steps, which Python's `zipfile` stops at the declared size (a member that holds more fails
its CRC check: `corrupt_container`), so the bytes actually inflated are bounded too — before python-docx, whose
`ZipFile.read` would inflate a lying member whole. A table cell's `colspan`/`rowspan`/
`w:gridSpan` is clamped to 200 (as before these limits); `w:gridBefore`/`w:gridAfter` are not clamped but count
towards `MAX_ROW_CELLS`.

PDF, DOCX and HTML pages above 2 MiB are converted in a forked child process (`guard.run`) that holds the time
and memory limits; an HTML page up to 2 MiB is converted in-process under the wall-clock timer alone
(`guard.run_in_process`: a fork would cost a third to a half of its conversion; its memory is bounded by its size
and the grid limits); plain text is decoded in-process (cheap, linear, bounded by `MAX_FILE_BYTES`).

`GIP_CONVERT_TIMEOUT_S` and `GIP_CONVERT_MEMORY_MB` override the two process limits; they are read here and only
here, once, when the module is imported (the other limits are constants).
"""

from __future__ import annotations


from gip_pipeline import config
from gip_pipeline.ingest.normalize import DecodeError

MiB = 1 << 20

MAX_FILE_BYTES = 200 * MiB
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_MEMBER_BYTES = 64 * MiB
MAX_ZIP_TOTAL_BYTES = 256 * MiB
MAX_ROW_CELLS = 1_000
MAX_TABLE_CELLS = 200_000
MAX_SPAN = 200  # one cell's colspan/rowspan/gridSpan is clamped to this (not a reject)
MAX_PDF_PAGES = 500
MAX_TEXT_CHARS = 64 * MiB

HTML_IN_PROCESS_BYTES = 2 * MiB

CONVERT_TIMEOUT_S = config.current().convert_timeout_s
CONVERT_MEMORY_BYTES = int(config.current().convert_memory_mb * MiB)


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= 10 * MiB else f"{n:,}"


def check(what: str, n: int, limit: int, unit: str = "") -> None:
    """`DecodeError('too_large', '<what> <n> > limit <limit>')` when n passes the limit."""
    if n > limit:
        if unit == "bytes":
            raise DecodeError("too_large", f"{what} {_size(n)} > limit {_size(limit)}")
        raise DecodeError("too_large", f"{what} {n:,} > limit {limit:,}")
