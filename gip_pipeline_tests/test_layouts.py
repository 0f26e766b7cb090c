"""Property tests: a report rendered from random identity-consistent values, in every layout real reports come in,
parses back to exactly its values. Cells damaged on purpose (glued digits, stray and lost cells) may come back null
with a warning naming the row, never as a wrong number."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gip_pipeline.ingest.normalize import normalize, to_simplified
from gip_pipeline.parse.report import parse_report
from gip_pipeline_tests.renderer import LAYOUTS, make_truth, render

NOISES = ("footers", "repeated_header", "broken_labels", "stray_cell", "lost_cell", "breadcrumb")


def _to_traditional(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def check(seed: int, layout: str, fmt: str, dfmt: str, traditional: bool, noise: set[str], group_style: str):
    rng = random.Random(seed)
    truth = make_truth(rng, fmt, dfmt, big=layout != "glued")
    text = render(truth, layout, rng, noise, group_style)
    if traditional:
        text = _to_traditional(text)
    norm = normalize(text.encode("utf-8"))
    report = parse_report(norm.text)
    warned = "\n".join(report.warnings)
    context = f"layout={layout} fmt={fmt}/{dfmt} noise={sorted(noise)} seed={seed}\n{warned}\n{norm.text}"
    assert report.format == fmt, context
    assert report.report_year == truth.year, context
    assert report.agency == to_simplified(_to_traditional(truth.agency)) if traditional else truth.agency, context
    if truth.published:
        assert report.published_on is not None and (report.published_on.year, report.published_on.month,
                                                     report.published_on.day) == truth.published, context
    for (row, col), want in truth.applications.items():
        got = report.applications[(row, col)]
        if got.value is None and row in truth.damaged_rows:
            assert row in warned, context
            continue
        assert got.value == want, f"{row}.{col}: {got} != {want}\n{context}"
    for cell, want in truth.review.items():
        got = report.review[cell]
        if got.value is None and truth.damaged_review:
            assert "review_litigation" in warned, context
            continue
        assert got.value == want, f"{cell}: {got} != {want}\n{context}"
    parsed = {(i, c, m): cell for i, c, m, cell, _ in report.disclosure}
    for k, want in truth.disclosure.items():
        got = parsed.get(k)
        if (got is None or got.value is None) and k[1] in truth.damaged_disclosure:
            assert k[1] in warned, context
            continue
        assert got is not None and got.value == want, f"{k}: {got} != {want}\n{context}"
    return report


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("fmt,dfmt", [("2021", "2021"), ("2019", "2019"), ("2019", "2021")])
def test_every_layout_clean(layout, fmt, dfmt):
    for seed in range(3):
        check(seed, layout, fmt, dfmt, traditional=seed == 1, noise=set(), group_style="inline")


@given(seed=st.integers(0, 2**32 - 1), layout=st.sampled_from(LAYOUTS),
       formats=st.sampled_from([("2021", "2021"), ("2019", "2019"), ("2019", "2021")]),
       traditional=st.booleans(), noise=st.sets(st.sampled_from(NOISES)),
       group_style=st.sampled_from(["inline", "own_line", "vertical"]))
def test_layouts_with_noise_never_give_a_wrong_number(seed, layout, formats, traditional, noise, group_style):
    check(seed, layout, formats[0], formats[1], traditional, noise, group_style)
