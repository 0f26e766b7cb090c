"""PDF converters side by side: pdfplumber (pdfminer.six) against PDFium (pypdfium2), in one run.

    uv run --extra test python benchmarks/pdf_convert.py [--rendered 12] [--repeat 3] [--end-to-end 40]
                                                          [--pdfium-only] [--skip-converters]

1. seconds per PDF of `pdf.convert` (pdfplumber) and `pdfium.convert` (PDFium) on the real PDFs of the test
   fixtures and on PDFs rendered by the test tree's renderer (both national formats, blank cells, a table split
   over two pages) — the best of `--repeat` runs each, the two converters alternating — and the ratio;
2. the cells both converters' text parses to, against each other (and the hand-checked json of a real PDF);
3. `--end-to-end N`: `gip run` over N rendered PDFs (cold, fresh instance, the machine's cores) once with PDFium
   turned off (every PDF read by pdfplumber, as before) and once as shipped: reports/s of each.

The renderer writes text in reportlab's STSong-Light, a font no PDF embeds; PDFium measures a text object by its
glyphs, and a one-character object in a font with no glyph on this machine comes out empty, so such a PDF falls
back to pdfplumber (`pdfium.py`). The rendered PDFs here are written with a space after every one-character
string (a `UnicodeCIDFont.formatForPdf` wrapper, invisible on the page), which PDFium reads; the unchanged renders
are timed too, as the fallback's cost (PDFium's attempt + pdfplumber).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import shutil
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gip_pipeline.ingest.containers import pdf, pdfium  # noqa: E402
from gip_pipeline.ingest.normalize import normalize  # noqa: E402
from gip_pipeline.parse.report import parse_report  # noqa: E402
from gip_pipeline_tests import renderer as R  # noqa: E402
from gip_pipeline_tests.expectations import (  # noqa: E402
    application_mismatches, disclosure_mismatches, review_mismatches)
from gip_pipeline_tests.test_pdfium import measurable_fonts  # noqa: E402

FIXTURES = REPO / "gip_pipeline_tests" / "fixtures"
FORMATS = [("2021", "2021"), ("2019", "2019"), ("2019", "2021")]


def rendered(n: int, measurable: bool, offset: int = 0) -> list[tuple[str, bytes, R.Truth]]:
    out = []
    with measurable_fonts() if measurable else contextlib.nullcontext():
        for i in range(n):
            rng = random.Random(1000 + offset + i)
            truth = R.make_truth(rng, *FORMATS[i % 3])
            R.choose_blanks(truth, rng, i % 5)
            out.append((f"rendered_{offset + i:03d}.pdf", R.render_pdf(truth, rng, split_table=i % 2 == 0), truth))
    return out


def cells(text: str) -> dict:
    """Every value the parser reads from a report text, keyed by table and cell."""
    report = parse_report(normalize(text.encode("utf-8")).text)
    out = {("meta",): (report.agency, report.report_year, report.format)}
    out.update({("applications",) + k: c.value for k, c in report.applications.items()})
    out.update({("review",) + k: c.value for k, c in report.review.items()})
    out.update({("disclosure", i, c, m): cell.value for i, c, m, cell, _ in report.disclosure})
    return out


def best(fn, data: bytes, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        try:
            result = fn(data)
        except pdfium.Unsupported as exc:
            result = exc
        times.append(time.perf_counter() - t)
    return min(times), result


def fallback(data: bytes):
    """What `containers._convert` does for a PDF: PDFium, else pdfplumber."""
    try:
        return pdfium.convert(data)
    except pdfium.Unsupported:
        return pdf.convert(data)


def side_by_side(items: list[tuple[str, bytes]], repeat: int, second=pdfium.convert) -> tuple[float, float]:
    total_a = total_b = 0.0
    for name, data in items:
        ta, (text_a, _) = best(pdf.convert, data, repeat)
        tb, res = best(second, data, repeat)
        if isinstance(res, Exception):
            print(f"  {name:28s} pdfplumber {ta:7.3f} s   PDFium: falls back ({res})")
            continue
        ca, cb = cells(text_a), cells(res[0])
        same = sum(ca[k] == cb.get(k) for k in ca if k != ("meta",))
        print(f"  {name:28s} pdfplumber {ta:7.3f} s   PDFium {tb:7.3f} s   ×{ta / tb:5.1f}   "
              f"cells equal {same}/{len(ca) - 1}   text {'identical' if text_a == res[0] else 'differs'}")
        total_a += ta
        total_b += tb
    return total_a, total_b


def end_to_end(n: int, pdfium_only: bool = False) -> None:
    from gip_pipeline.cli import main

    items = rendered(n, True, offset=500)
    modes = (("pdfplumber only", True), ("PDFium, pdfplumber fallback", False))
    for label, off in modes[1:] if pdfium_only else modes:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            raw = tmp / "raw"
            raw.mkdir()
            for name, data, _ in items:
                (raw / name).write_bytes(data)
            original = pdfium.convert
            if off:
                def refuse(data):
                    raise pdfium.Unsupported("turned off by the benchmark")
                pdfium.convert = refuse
            out = io.StringIO()
            t = time.perf_counter()
            try:
                with redirect_stdout(out):
                    code = main(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp / "curated"),
                                 "--quarantine-dir", str(tmp / "quarantine"), "--staging-dir", str(tmp / "staging")])
            finally:
                pdfium.convert = original
            dt = time.perf_counter() - t
            summary = next((ln for ln in out.getvalue().split("\n") if "input(s):" in ln), "").strip()
            print(f"  {label:30s} {dt:6.1f} s   {n / dt:5.2f} reports/s   exit {code}   {summary}")
            shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rendered", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--end-to-end", type=int, default=0, metavar="N")
    ap.add_argument("--pdfium-only", action="store_true", help="end to end: the shipped reader only")
    ap.add_argument("--skip-converters", action="store_true", help="end to end only")
    args = ap.parse_args()
    if args.skip_converters:
        print(f"end to end: gip run over {args.end_to_end} rendered PDFs (cold, fresh instance)")
        end_to_end(args.end_to_end, args.pdfium_only)
        return
    print(f"{pdf.version()}  vs  {pdfium.version()}")

    print("real PDFs (gip_pipeline_tests/fixtures/corpus):")
    real = [(p.name, p.read_bytes()) for p in sorted((FIXTURES / "corpus").glob("*.pdf"))]
    for p in sorted((FIXTURES / "corpus").glob("*.pdf")):
        exp = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        got = cells(pdfium.convert(p.read_bytes())[0])
        by = {t: {k[1:]: v for k, v in got.items() if k[0] == t} for t in ("applications", "review", "disclosure")}
        wrong = (application_mismatches(exp, by["applications"]) + review_mismatches(exp, by["review"])
                 + disclosure_mismatches(exp, by["disclosure"]))
        print(f"  {p.name:28s} {exp['agency']} {exp['report_year']}: {len(got) - 1} cells read by PDFium, "
              f"{len(wrong)} differ from the hand-checked json")
    ra, rb = side_by_side(real, args.repeat)
    print(f"  total: pdfplumber {ra / len(real):.3f} s/PDF, PDFium {rb / len(real):.3f} s/PDF, ratio ×{ra / rb:.1f}")

    print(f"rendered PDFs ({args.rendered}, both formats, blank cells, split tables; one-character strings spaced):")
    items = rendered(args.rendered, True)
    ga, gb = side_by_side([(n, d) for n, d, _ in items], args.repeat)
    print(f"  total: pdfplumber {ga / len(items):.3f} s/PDF, PDFium {gb / len(items):.3f} s/PDF, ratio ×{ga / gb:.1f}")

    print("rendered PDFs as the renderer writes them (PDFium falls back): PDFium's attempt + pdfplumber")
    plain = rendered(min(4, args.rendered), False)
    fa = fb = 0.0
    for name, data, _ in plain:
        ta, _ = best(pdf.convert, data, args.repeat)
        tb, _ = best(fallback, data, args.repeat)
        fa, fb = fa + ta, fb + tb
    print(f"  pdfplumber {fa / len(plain):.3f} s/PDF, with the PDFium attempt first {fb / len(plain):.3f} s/PDF "
          f"(+{100 * (fb - fa) / fa:.0f} %)")

    if args.end_to_end:
        print(f"end to end: gip run over {args.end_to_end} rendered PDFs (cold, fresh instance)")
        end_to_end(args.end_to_end, args.pdfium_only)


if __name__ == "__main__":
    main()
