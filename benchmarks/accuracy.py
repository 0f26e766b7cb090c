"""Accuracy of the parser on every report we hold expected values for, per corpus and per layout transform.

    uv run --extra test python benchmarks/accuracy.py [--transforms] [--markdown] [--samples N]

Corpora (copies inside the repo): `seeds` (the five seed reports), `real_text` (twelve real reports as a web
crawler stored them: one line, cells glued), `peer` (text pypdf extracted from three real PDFs). For each report
the parse is compared with the expected JSON cell by cell — table 三, table 四, table 二 (the cells the JSON
records) — and counted as **exact**, **null** (not read: never a wrong number, but lost) or **wrong** (a
published number that differs from the source: must be 0). "gates right" counts reports whose failed hard
identities are exactly those the JSON lists (quarantined with the right identities, or curated when none);
"meta" counts reports whose agency, year and publication date are right.

`--transforms` also parses every report after each layout transform of `gip_pipeline_tests/transforms.py`
(line breaks removed, cell separators removed, markdown, table 三 split per group, hard wraps, a group moved
below the next heading, page chrome), `--samples` random draws each, and reports the same counts per transform
family. `--markdown` prints the table for the docs (docs/accuracy.md is this output).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gip_pipeline.contract import schema  # noqa: E402
from gip_pipeline.contract.errors import RejectedInput  # noqa: E402
from gip_pipeline.parse.facts import identity_operands  # noqa: E402
from gip_pipeline.ingest.normalize import normalize  # noqa: E402
from gip_pipeline.parse.report import parse_report  # noqa: E402

FIXTURES = ROOT / "gip_pipeline_tests" / "fixtures"


def corpora() -> dict[str, list[tuple[Path, dict]]]:
    """corpus name → [(text file, expected json)]."""
    def load(p: Path) -> dict:
        return json.loads(p.read_text(encoding="utf-8"))

    seeds = [(p, load(FIXTURES / "seeds" / "expected" / f"{p.stem}.json"))
             for p in sorted((FIXTURES / "seeds").glob("*.txt"))]
    real = [(p, load(FIXTURES / "real_text" / "expected" / f"{p.stem}.json"))
            for p in sorted((FIXTURES / "real_text").glob("*.txt"))]
    peer = [(p, load(p.with_name(p.name.replace(".pypdf.txt", ".json"))))
            for p in sorted((FIXTURES / "corpus").glob("*.pypdf.txt"))]
    return {"seeds": seeds, "real_text": real, "peer": peer}


def violation_checks(expected: dict) -> set[str]:
    out = set()
    for text in expected["identity_violations"]:
        family, instance = text.split(":")[0].rsplit(" ", 1)
        family = family.replace(" ", "_")
        out.add(f"{'review_sum' if family == 'review' else family}:{instance}")
    return out


@dataclass
class Score:
    reports: int = 0
    exact: int = 0
    null: int = 0
    wrong: int = 0
    rejected: int = 0
    gates_right: int = 0
    meta_right: int = 0

    def add(self, other: "Score") -> None:
        for k in vars(self):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def cells(self) -> int:
        return self.exact + self.null + self.wrong


def expected_cells(exp: dict) -> dict[tuple, tuple[int | float | None, bool]]:
    """(table, key...) → (value, null allowed)."""
    lost = set(exp.get("lost_cells", {}))
    out: dict[tuple, tuple] = {}
    for row, values in exp["applications"].items():
        for col, v in zip(schema.APPLICANT_CODES, values):
            out[("applications", row, col)] = (v, row in lost)
    for proc, values in exp["review_litigation"].items():
        for outcome, v in zip(schema.OUTCOME_CODES, values):
            out[("review", proc, outcome)] = (v, False)
    for d in exp["active_disclosure"]:
        out[("disclosure", d["item"], d["category"], d["metric"])] = (d["value"], False)
    return out


def score(text: str, exp: dict, fallback_year: int | None = None) -> tuple[Score, list[str]]:
    s = Score(reports=1)
    want = expected_cells(exp)
    try:
        report = parse_report(normalize(text.encode("utf-8")).text, fallback_year)
    except RejectedInput as e:
        s.rejected = 1
        s.null = len(want)
        return s, [f"rejected: {e}"]
    got: dict[tuple, int | float | None] = {}
    got.update({("applications", r, c): cell.value for (r, c), cell in report.applications.items()})
    got.update({("review", p, o): cell.value for (p, o), cell in report.review.items()})
    got.update({("disclosure", i, c, m): cell.value for i, c, m, cell, _ in report.disclosure})
    problems = []
    for k, (v, null_ok) in want.items():
        g = got.get(k)
        if g == v:
            s.exact += 1
        elif g is None:
            if null_ok:
                s.exact += 1
            else:
                s.null += 1
                problems.append(f"null {k}: expected {v}")
        else:
            s.wrong += 1
            problems.append(f"WRONG {k}: expected {v}, got {g}")
    ops = identity_operands("r", report.format, report.applications, report.review)
    failed = {o["check"] for o in ops if o["lhs"] is not None and o["rhs"] is not None and o["lhs"] != o["rhs"]}
    assessable = all(o["lhs"] is not None and o["rhs"] is not None for o in ops)
    if failed == violation_checks(exp) and (assessable or failed):
        s.gates_right = 1
    else:
        problems.append(f"gates: failed {sorted(failed)}, expected {sorted(violation_checks(exp))}")
    published = exp.get("published_on")
    meta = (report.agency, report.report_year, report.published_on and report.published_on.isoformat())
    if meta == (exp["agency"], exp["report_year"], published if published else meta[2]):
        s.meta_right = 1
    else:
        problems.append(f"meta: got {meta}, expected {(exp['agency'], exp['report_year'], published)}")
    return s, problems


def run(transforms: bool, samples: int, verbose: bool) -> dict[tuple[str, str], Score]:
    out: dict[tuple[str, str], Score] = {}
    families: dict[str, object] = {"as is": None}
    if transforms:
        sys.path.insert(0, str(ROOT))
        from gip_pipeline_tests.transforms import TRANSFORMS
        families.update(TRANSFORMS)
    for corpus, items in corpora().items():
        for name, fn in families.items():
            total = Score()
            for path, exp in items:
                raw = normalize(path.read_bytes()).text
                draws = [raw] if fn is None else [fn(raw, random.Random(i)) for i in range(samples)]
                for text in draws:
                    s, problems = score(text, exp)
                    total.add(s)
                    if verbose and problems:
                        print(f"[{corpus} / {name}] {path.name}:", *problems[:12], sep="\n    ")
            out[(corpus, name)] = total
    return out


def table(results: dict[tuple[str, str], Score]) -> str:
    lines = ["| corpus | layout | reports | cells | exact | null | **wrong** | rejected | gates right | meta right |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for (corpus, name), s in results.items():
        lines.append(f"| {corpus} | {name} | {s.reports} | {s.cells} | {s.exact} | {s.null} | **{s.wrong}** | "
                     f"{s.rejected} | {s.gates_right} | {s.meta_right} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--transforms", action="store_true", help="also every layout transform")
    ap.add_argument("--samples", type=int, default=3, help="random draws per report and transform")
    ap.add_argument("--markdown", action="store_true", help="print only the markdown table")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every cell not exact")
    args = ap.parse_args(argv)
    results = run(args.transforms, args.samples, args.verbose and not args.markdown)
    if args.markdown:
        print("# Parser accuracy per corpus and layout family\n")
        print(f"Generated by `uv run --extra test python benchmarks/accuracy.py --transforms --markdown > "
              f"docs/accuracy.md` (parser version {schema.PARSER_VERSION}, {args.samples} random draws per report "
              "and transform).\n")
        print("Cells are every cell the expected JSON states (table 三, table 四, the recorded table 二 cells). "
              "**exact**: the published value is the stated one; **null**: not read (a warning says why); "
              "**wrong**: a published number that differs from the source — must be 0. *rejected*: the text "
              "was not read as a report at all (its cells count as null). *gates right*: the failed hard "
              "identities are exactly those the source breaks. *meta right*: agency, year and publication "
              "date. Transforms: `gip_pipeline_tests/transforms.py` (the metamorphic tests use the same).\n")
    print(table(results))
    wrong = sum(s.wrong for s in results.values())
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
