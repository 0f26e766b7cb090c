"""One bad file never stops the run: hostile inputs become their own rejects, every other input gives its facts.

The hostile files are built here (`hostile.py`): a DOCX whose `w:gridSpan` is not a number (a converter bug:
`internal_error`), a 37 KB DOCX whose row starts 99,999,999 columns in, a zip bomb DOCX, ZIP directories that lie,
HTML tables whose spans multiply, a PDF of 501 pages (`too_large`), a PDF whose table finder runs for minutes
(`timeout`, under a small limit passed to the guard), a conversion over its memory budget. Nothing is mocked:
the converters open the real files, the guard forks real children. The last test runs `gip run` twice over the
five seeds plus the hostile files.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from gip_pipeline.ingest.containers import _CACHE, guard, limits, normalize_file, to_text
from gip_pipeline.contract import schema
from gip_pipeline.ingest.normalize import DecodeError
from gip_pipeline.ingest.normalized import normalize_one
from gip_pipeline.parse.stage import parse_normalized, parse_tables
from gip_pipeline_tests import hostile as H
from gip_pipeline_tests import renderer as R
from gip_pipeline_tests.conftest import SEED_FILES, expected_for
from gip_pipeline_tests.expectations import application_mismatches, review_mismatches

REPO = Path(__file__).resolve().parents[1]


def _reject(data: bytes, name: str, **limits_) -> DecodeError:
    _CACHE.clear()
    with pytest.raises(DecodeError) as exc:
        if limits_:
            to_text(data, name, **limits_)
        else:
            normalize_file(data, name)
    assert exc.value.reason in schema.REJECT_REASONS and exc.value.detail
    return exc.value


def _children() -> set[int]:
    """This process's live (or unreaped) child processes."""
    out: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            out.update(int(p) for p in (task / "children").read_text().split())
        except OSError:
            pass
    return out


@pytest.mark.parametrize("build,name,reason,detail", [
    (H.docx_bad_gridspan, "gridspan.docx", "internal_error",
     "convert: ValueError: invalid literal for int() with base 10: 'x'"),
    (H.docx_grid_before, "grid_before.docx", "too_large",
     "docx table row: grid positions (w:gridBefore) 99,999,999 > limit 1,000"),
    (lambda: H.docx_zip_bomb(100 << 20), "bomb.docx", "too_large",
     "docx: ZIP member word/document.xml inflated 100 MiB > limit 64 MiB"),
    (lambda: H.docx_lying_directory(16 << 20), "lying.docx", "corrupt_container", "Bad CRC-32"),
    (H.html_span_bomb, "span.html", "too_large", "html table row: grid positions 1,200 > limit 1,000"),
    (H.html_tall_span_bomb, "tall.html", "too_large", "html table: grid positions 200,200 > limit 200,000"),
    (lambda: H.pdf_many_pages(501), "pages.pdf", "too_large", "pdf: pages 501 > limit 500"),
], ids=["gridspan_x", "grid_before", "zip_bomb", "lying_zip_directory", "span_bomb", "tall_span_bomb",
        "501_pages"])
def test_hostile_file_is_its_own_reject(build, name, reason, detail):
    before = _children()
    err = _reject(build(), name)
    assert (err.reason, detail in err.detail) == (reason, True), err.detail
    assert _children() <= before  # every converter child reaped


def test_every_limit_is_declared_once():
    assert limits.MAX_FILE_BYTES == 200 << 20 and limits.CONVERT_TIMEOUT_S == 60
    assert limits.CONVERT_MEMORY_BYTES == 2 << 30 and limits.MAX_PDF_PAGES == 500
    for reason in ("too_large", "timeout", "internal_error"):
        assert reason in schema.REJECT_REASONS


def test_file_over_the_size_limit_is_not_converted():
    data = b"%PDF-1.4\n" + b" " * (limits.MAX_FILE_BYTES + 1 - 9)
    err = _reject(data, "huge.pdf")
    assert (err.reason, err.detail) == ("too_large", "file bytes 200 MiB > limit 200 MiB")


def test_inventory_size_over_the_limit_is_rejected_without_reading(tmp_path):
    """The normalization stage trusts the inventory's size: the file (absent here) is never opened."""
    inv = {"source_file": "2023/huge.pdf", "source_sha256": "ab" * 32, "size_bytes": 300 << 20, "read_error": None}
    row = normalize_one(tmp_path, inv)
    assert (row["reject_reason"], row["reject_detail"]) == ("too_large", "file bytes 300 MiB > limit 200 MiB")


def test_converter_over_the_time_limit_is_ended():
    data = H.pdf_dense_rules(lines=120, pages=1, rotated=True)  # pdfplumber: ~30 s
    before = _children()
    started = time.monotonic()
    err = _reject(data, "dense.pdf", timeout_s=1.5)
    assert time.monotonic() - started < 10
    assert (err.reason, err.detail) == ("timeout", "convert: still running after 1.5 s (limit), ended")
    assert _children() <= before  # killed and reaped: no zombie
    with pytest.raises(DecodeError) as again:  # the same bytes: the reject is remembered, not waited for again
        to_text(data, "dense.pdf")
    assert again.value.reason == "timeout"


def test_in_process_html_guard_ends_an_overrun():
    """Small HTML pages skip the fork; the wall-clock timer still ends a conversion that overruns."""
    rng = random.Random(5)
    truth = R.make_truth(rng, "2021", "2021")
    page = R.render_html(truth, rng, word=True, cms=True, title_in_body=True, date_in="body")
    assert len(page) <= limits.HTML_IN_PROCESS_BYTES and guard.can_alarm()
    before = _children()
    err = _reject(page, "report.html", timeout_s=0.001)
    assert err.reason == "timeout" and _children() <= before  # no child was needed
    _CACHE.clear()
    assert "一、总体情况" in to_text(page, "report.html").text  # the same page, with time: read as usual
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # timer and handler restored
    assert signal.getsignal(signal.SIGALRM) == signal.SIG_DFL


_MEMORY_PROBE = """
import sys
from gip_pipeline.ingest.containers import to_text
from gip_pipeline.ingest.normalize import DecodeError
data = open(sys.argv[1], "rb").read()
try:
    print("ok", to_text(data, sys.argv[1], memory_bytes=int(sys.argv[2])).text.count("段"))
except DecodeError as exc:
    print(exc.reason, exc.detail)
"""


def _probe(path: Path, budget: int) -> str:
    """`to_text(path)` under a memory budget, in a fresh process (see below why)."""
    return subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(path), str(budget)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=True).stdout.strip()


def test_lying_zip_directory_is_never_inflated_whole(tmp_path):
    """A member declaring 2 KB and holding 256 MiB: within a 64 MiB budget it is still found corrupt — the bytes
    inflated stop at the declared size (plus one 1 MiB step), not at the bomb's (python-docx alone: too_large)."""
    path = tmp_path / "lying.docx"
    path.write_bytes(H.docx_lying_directory(256 << 20))
    out = _probe(path, 64 << 20)
    assert out.startswith("corrupt_container DOCX cannot be opened: BadZipFile: Bad CRC-32 for file 'word/"), out


def test_converter_over_the_memory_limit_is_too_large(tmp_path):
    """A real, valid DOCX of 200,000 paragraphs (0.5 MB; python-docx needs ~100 MB for it) given a 32 MiB memory
    budget: too_large — lxml reports the failed allocation as an XML syntax error, which is not taken for a
    damaged file. In a fresh process: the budget is what a conversion adds to what it inherits, and a long-lived
    parent (this test session) may hand its child a heap with room to spare."""
    path = tmp_path / "big.docx"
    path.write_bytes(H.docx_many_paragraphs())
    out = _probe(path, 32 << 20)
    assert out.startswith("too_large convert: memory > limit 32 MiB"), out
    assert _probe(path, limits.CONVERT_MEMORY_BYTES) == "ok 200000"  # within the default limit it is read


def _sleeper(path: str) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(60)


def test_converter_child_dies_with_its_parent(tmp_path):
    """A worker killed mid-conversion (SIGKILL: no cleanup of its own) takes its converter child with it."""
    pid_file = tmp_path / "child.pid"
    code = ("import sys; from gip_pipeline.ingest.containers import guard; "
            "from gip_pipeline_tests.test_hostile_containers import _sleeper; "
            "guard.run(_sleeper, sys.argv[1], timeout_s=60)")
    parent = subprocess.Popen([sys.executable, "-c", code, str(pid_file)], cwd=REPO)
    try:
        for _ in range(300):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        child = int(pid_file.read_text())
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        for _ in range(100):
            try:
                state = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                state = "gone"
            if state in ("gone", "Z", "X"):
                break
            time.sleep(0.05)
        assert state in ("gone", "Z", "X")
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_parse_failure_is_that_reports_reject():
    """A report the parser fails on (here: a row with no text) is rejected as internal_error with the stage;
    the report next to it gives all its facts."""
    seed = SEED_FILES[0]
    good = {"report_id": "r1", "source_file": seed.name, "source_sha256": "a" * 64, "size_bytes": 1,
            "folder_year": None, "encoding": "utf-8", "script": "simplified", "changes": "{}",
            "text": normalize_file(seed.read_bytes(), seed.name).text, "reject_reason": None, "reject_detail": None,
            "container": "txt", "converter": None, "parser_version": schema.PARSER_VERSION}
    broken = {**good, "report_id": "r2", "source_file": "broken.txt", "source_sha256": "b" * 64, "text": None}
    out = parse_normalized([broken, good])
    assert [(r["source_file"], r["reason"], r["detail"]) for r in out["rejects"]] == [
        ("broken.txt", "internal_error", "parse: AttributeError: 'NoneType' object has no attribute 'split'")]
    assert {r["report_id"] for t in ("reports", "applications", "identity_operands") for r in out[t]} == {"r1"}


def test_a_report_arrow_cannot_store_is_that_reports_reject():
    """The parse workers' Arrow tables: a row that does not fit its schema (here an `encoding` that is not a
    string) fails only its own report (`store: …`); the chunk's other reports are kept."""
    seed = SEED_FILES[1]
    good = {"report_id": "r1", "source_file": seed.name, "source_sha256": "a" * 64, "size_bytes": 1,
            "folder_year": None, "encoding": "utf-8", "script": "simplified", "changes": "{}",
            "text": normalize_file(seed.read_bytes(), seed.name).text, "reject_reason": None, "reject_detail": None,
            "container": "txt", "converter": None, "parser_version": schema.PARSER_VERSION}
    odd = {**good, "report_id": "r2", "source_file": "odd.txt", "source_sha256": "b" * 64, "encoding": 5}
    tables = parse_tables([good, odd])
    rejects = tables["rejects"].to_pylist()
    assert [(r["source_file"], r["reason"]) for r in rejects] == [("odd.txt", "internal_error")]
    assert rejects[0]["detail"].startswith("store: Arrow")
    assert set(tables["reports"]["report_id"].to_pylist()) == {"r1"}
    assert set(tables["applications"]["report_id"].to_pylist()) == {"r1"}
    assert tables["applications"].num_rows == len(parse_tables([good])["applications"])


def test_keyboard_interrupt_is_not_swallowed():
    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        with guard.stage("convert"):
            interrupted()


# ------------------------------------------------------------------------------------------------ gip run


def _corpus(raw: Path) -> dict[str, str | None]:
    """Seeds (by year) + one good DOCX + the hostile files: source_file → expected reject reason (None: facts)."""
    expect: dict[str, str | None] = {}
    for seed in SEED_FILES:
        rel = f"{expected_for(seed)['report_year']}/{seed.name}"
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(seed.read_bytes())
        expect[rel] = None
    rng = random.Random(21)
    truth = R.make_truth(rng, "2021", "2021")
    truth.year, truth.agency = 2023, "黑龙江省统计局"
    files = {"good/统计局.docx": (R.render_docx(truth, rng), None),
             "hostile/gridspan.docx": (H.docx_bad_gridspan(), "internal_error"),
             "hostile/grid_before.docx": (H.docx_grid_before(), "too_large"),
             "hostile/bomb.docx": (H.docx_zip_bomb(100 << 20), "too_large"),
             "hostile/span.html": (H.html_span_bomb(), "too_large"),
             "hostile/pages.pdf": (H.pdf_many_pages(501), "too_large"),
             "hostile/dense.pdf": (H.pdf_dense_rules(lines=120, pages=1, rotated=True), "timeout")}
    for rel, (data, reason) in files.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)
        expect[rel] = reason
    return expect


def _gip(tmp: Path, raw: Path) -> subprocess.CompletedProcess:
    home = tmp / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "GIP_LOCK_DIR": str(tmp / "locks"),
           "GIP_REPORTS_DIR": str(tmp / "reports"), "GIP_CONVERT_TIMEOUT_S": "5"}
    cmd = [sys.executable, "-m", "gip_pipeline.cli", "run", "--raw-dir", str(raw), "--curated-dir",
           str(tmp / "curated"), "--quarantine-dir", str(tmp / "quarantine"), "--staging-dir", str(tmp / "staging")]
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=1200)


def _read(root: Path, table: str) -> pl.DataFrame:
    files = sorted(root.glob(f"{table}/year=*/*.parquet"))
    return pl.read_parquet(files, hive_partitioning=True) if files else pl.DataFrame()


def test_gip_run_over_seeds_and_hostile_files(tmp_path):
    raw = tmp_path / "raw"
    expect = _corpus(raw)
    for attempt in (1, 2):  # the second run: incremental, green again, the same accounting
        proc = _gip(tmp_path, raw)
        assert proc.returncode == 0, (attempt, proc.stdout[-3000:] + proc.stderr[-3000:])
        curated, held = _read(tmp_path / "curated", "reports"), _read(tmp_path / "quarantine", "reports")
        rejects = pl.read_parquet(sorted((tmp_path / "quarantine" / "rejects").glob("*.parquet")))
        got = {**{f: None for f in curated["source_file"]}, **{f: None for f in held["source_file"]},
               **dict(zip(rejects["source_file"], rejects["reason"]))}
        assert len(curated) + len(held) + len(rejects) == len(expect)  # every input exactly once
        assert got == expect, attempt
        summary = f"{len(expect)} input(s): {len(curated)} curated, {len(held)} quarantined, {len(rejects)} rejected"
        assert summary in proc.stdout
        detail = dict(zip(rejects["source_file"], rejects["detail"]))
        assert detail["hostile/gridspan.docx"].startswith("convert: ValueError: invalid literal for int()")
        assert detail["hostile/dense.pdf"] == "convert: still running after 5 s (limit), ended"
        reports = pl.concat([curated, held], how="diagonal_relaxed")
        apps = pl.concat([_read(tmp_path / d, "applications") for d in ("curated", "quarantine")])
        review = pl.concat([_read(tmp_path / d, "review_litigation") for d in ("curated", "quarantine")])
        for seed in SEED_FILES:  # the seeds' facts, exactly
            exp = expected_for(seed)
            row = reports.filter(pl.col("source_file") == f"{exp['report_year']}/{seed.name}").row(0, named=True)
            rid = row["report_id"]
            assert row["agency"] == exp["agency"]
            a = apps.filter(pl.col("report_id") == rid)
            r = review.filter(pl.col("report_id") == rid)
            assert application_mismatches(exp, dict(zip(zip(a["row_code"], a["applicant"]), a["value"]))) == []
            assert review_mismatches(exp, dict(zip(zip(r["proceeding"], r["outcome"]), r["value"]))) == []
        docx_row = reports.filter(pl.col("source_file") == "good/统计局.docx").row(0, named=True)
        assert (docx_row["container"], docx_row["agency"]) == ("docx", "黑龙江省统计局")
