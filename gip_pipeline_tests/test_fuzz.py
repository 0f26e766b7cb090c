"""Fuzzing normalize + parse (bounded in CI; `HYPOTHESIS_PROFILE=long` for a campaign).

Properties: only the documented errors (DecodeError, NotAReport) ever escape; every value that was read (not
derived) is the number written in its raw text, and that text stands on the line the row says it came from, so
no number appears in the output that is not in the input; a derived value only ever comes with a warning.
"""

from __future__ import annotations

import random
import signal
from contextlib import contextmanager

from hypothesis import given
from hypothesis import strategies as st

from gip_pipeline.parse.cells import parse_number
from gip_pipeline.ingest.normalize import DecodeError, normalize
from gip_pipeline.parse.report import NotAReport, parse_report
from gip_pipeline_tests.conftest import SEED_FILES

SEEDS = [p.read_bytes() for p in SEED_FILES]


@contextmanager
def hang_guard(seconds: int = 30):
    """Turns a hang (a regex or search blow-up) into a failure instead of a stuck CI run."""

    def _raise(*_):
        raise TimeoutError(f"normalize+parse took over {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def read(data: bytes):
    with hang_guard():
        try:
            norm = normalize(data)
        except DecodeError as exc:
            assert exc.reason in ("empty", "binary", "undecodable")
            return None, None
        try:
            return norm.text, parse_report(norm.text)
        except NotAReport as exc:
            assert exc.reason in ("not_a_report", "unsupported_format", "template", "multiple_reports")
            return norm.text, None


def assert_every_value_is_in_the_text(text: str, report) -> None:
    lines = text.split("\n")
    cells = list(report.applications.values()) + list(report.review.values()) + [
        c for _, _, _, c, _ in report.disclosure]
    for cell in cells:
        if cell.value is None:
            continue
        if cell.derived:
            assert report.warnings, "a derived value without a warning"
            continue
        assert cell.raw is not None and cell.line is not None
        assert parse_number(cell.raw, integer=not isinstance(cell.value, float))[0] == cell.value
        assert cell.raw in lines[cell.line - 1].replace(" ", "") or cell.raw in lines[cell.line - 1], (
            cell, lines[cell.line - 1])


def mutate(data: bytes, rng: random.Random, n: int) -> bytes:
    text = data.decode("utf-8")
    lines = text.split("\n")
    for _ in range(n):
        lines = lines or [""]
        op = rng.randrange(7)
        i = rng.randrange(len(lines))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + rng.choice("0123456789\t| ,.-/无") + lines[i][j:]
        elif op == 3 and lines[i]:
            j = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:j] + lines[i][j + 1:]
        elif op == 4:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 5:
            lines[i] = lines[i].replace("\t", rng.choice([" ", "", "\t\t", " | "]))
        else:
            cut = rng.randrange(len(lines))
            lines = lines[:cut] or lines[:1]
    out = "\n".join(lines).encode("utf-8")
    return out if rng.random() < 0.8 else out[: rng.randrange(len(out) + 1)]  # maybe cut mid-character


@given(st.binary(max_size=4096))
def test_random_bytes_never_crash(data):
    read(data)


@given(st.sampled_from(range(len(SEEDS))), st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_mutated_reports_never_invent_numbers(index, seed, n):
    text, report = read(mutate(SEEDS[index], random.Random(seed), n))
    if report is not None:
        assert_every_value_is_in_the_text(text, report)


@given(st.sampled_from(range(len(SEEDS))), st.binary(min_size=1, max_size=64), st.integers(0, 8000))
def test_bytes_spliced_into_reports(index, junk, at):
    data = SEEDS[index]
    text, report = read(data[:at] + junk + data[at:])
    if report is not None:
        assert_every_value_is_in_the_text(text, report)


def test_unmutated_seeds_satisfy_the_property():
    for data in SEEDS:
        text, report = read(data)
        assert report is not None
        assert_every_value_is_in_the_text(text, report)
