"""Metamorphic tests: every report we hold expected values for (seeds, the real-text corpus, text extracted from
real PDFs), laid out again by the transforms of `transforms.py` — line breaks removed, cell separators removed,
markdown tables, table 三 split per row group, hard wraps, a row group moved below the next heading, page chrome —
alone and combined (hypothesis chooses). After any of them each cell holds the value the report states or null:
never a different number."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gip_pipeline.contract import schema
from gip_pipeline.ingest.normalize import normalize
from gip_pipeline.parse.report import NotAReport, parse_report
from gip_pipeline_tests.conftest import FIXTURES
from gip_pipeline_tests.transforms import TRANSFORMS


def _load(p: Path) -> dict:
    return json.loads(p.read_text(encoding="utf-8"))


REPORTS: list[tuple[str, str, dict]] = (
    [(p.name, normalize(p.read_bytes()).text, _load(FIXTURES / "seeds" / "expected" / f"{p.stem}.json"))
     for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
    + [(p.name, normalize(p.read_bytes()).text, _load(FIXTURES / "real_text" / "expected" / f"{p.stem}.json"))
       for p in sorted((FIXTURES / "real_text").glob("*.txt"))]
    + [(p.name, normalize(p.read_bytes()).text, _load(p.with_name(p.name.replace(".pypdf.txt", ".json"))))
       for p in sorted((FIXTURES / "corpus").glob("*.pypdf.txt"))]
)


def _stated(exp: dict) -> dict[tuple, int | float]:
    out: dict[tuple, int | float] = {}
    for row, values in exp["applications"].items():
        out.update({("a", row, c): v for c, v in zip(schema.APPLICANT_CODES, values)})
    for proc, values in exp["review_litigation"].items():
        out.update({("r", proc, o): v for o, v in zip(schema.OUTCOME_CODES, values)})
    out.update({("d", d["item"], d["category"], d["metric"]): d["value"] for d in exp["active_disclosure"]})
    return out


def _read(text: str) -> dict[tuple, int | float | None]:
    report = parse_report(text)
    got: dict[tuple, int | float | None] = {}
    # a lost cell the line reader filled from its row's identities (derived, no text of its own) is the one
    # documented inference; it is not a number read from the text, so it is left out of the comparison
    got.update({("a", r, c): cell.value for (r, c), cell in report.applications.items()
                if not (cell.derived and cell.raw is None)})
    got.update({("r", p, o): cell.value for (p, o), cell in report.review.items()})
    got.update({("d", i, c, m): cell.value for i, c, m, cell, _ in report.disclosure})
    return got


def _wrong(text: str, exp: dict, baseline: dict) -> list[str]:
    try:
        got = _read(text)
    except NotAReport:
        return []  # nothing published: not a wrong number
    stated = _stated(exp)
    out = []
    for k, v in got.items():
        if v is None:
            continue
        want = stated.get(k, baseline.get(k))
        if v != want:
            out.append(f"{k}: {v} (the report states {want})")
    return out


BASELINES = {name: _read(text) for name, text, _ in REPORTS}


@pytest.mark.parametrize("transform", sorted(TRANSFORMS))
@pytest.mark.parametrize("idx", range(len(REPORTS)), ids=[r[0][:12] for r in REPORTS])
def test_each_transform_gives_the_same_values_or_null(idx, transform):
    name, text, exp = REPORTS[idx]
    for seed in range(2):
        changed = TRANSFORMS[transform](text, random.Random(seed))
        assert _wrong(changed, exp, BASELINES[name]) == [], f"{name} after {transform} (seed {seed})"


@given(idx=st.integers(0, len(REPORTS) - 1),
       chain=st.lists(st.sampled_from(sorted(TRANSFORMS)), min_size=1, max_size=4),
       seed=st.integers(0, 2**16))
def test_combined_transforms_never_give_a_different_number(idx, chain, seed):
    name, text, exp = REPORTS[idx]
    rng = random.Random(seed)
    for t in chain:
        text = TRANSFORMS[t](text, rng)
    assert _wrong(text, exp, BASELINES[name]) == [], f"{name} after {chain} (seed {seed})"


def test_real_text_survives_the_layout_transforms_exactly():
    """The crawler texts are one line already: removing separators, markdown, splitting groups and chrome
    leave every stated cell read (the accuracy report counts the other families)."""
    for name, text, exp in REPORTS:
        if not name[:2].isdigit() or int(name[:2]) < 28:
            continue
        for t in ("no_line_breaks", "no_separators", "markdown", "split_groups", "page_chrome"):
            got = _read(TRANSFORMS[t](text, random.Random(0)))
            missing = [k for k, v in _stated(exp).items() if got.get(k) != v]
            assert missing == [], f"{name} after {t}: {missing[:5]}"


def test_seeds_in_markdown_split_per_group_are_read_exactly():
    """Markdown headings, `| … |` tables with rules, table 三 as one table per row group with placeholder
    headers (类别 | 数据1 … 数据6 | 总计): every stated cell of every seed."""
    for name, text, exp in REPORTS[:5]:
        rng = random.Random(1)
        got = _read(TRANSFORMS["split_groups"](TRANSFORMS["markdown"](text, rng), rng))
        lost = set(exp.get("lost_cells", {}))
        missing = [k for k, v in _stated(exp).items() if got.get(k) != v and not (k[1] in lost and got.get(k) is None)]
        assert missing == [], f"{name}: {missing[:5]}"


def test_accuracy_doc_is_current_and_has_no_wrong_number():
    """docs/accuracy.md is generated by benchmarks/accuracy.py for this parser version: no wrong cell anywhere,
    and the real-text corpus read exactly."""
    doc = (Path(__file__).parents[1] / "docs" / "accuracy.md").read_text(encoding="utf-8")
    assert f"parser version {schema.PARSER_VERSION}," in doc
    rows = [ln.split("|")[1:-1] for ln in doc.splitlines() if ln.startswith("| ") and "corpus" not in ln]
    assert len(rows) == 3 * (1 + len(TRANSFORMS))
    assert all(r[6].strip() == "**0**" for r in rows)  # wrong
    real = next(r for r in rows if r[0].strip() == "real_text" and r[1].strip() == "as is")
    assert real[4].strip() == real[3].strip() == "2338"  # every stated cell exact
