"""Cross-year operands: 上年结转 of each report of year t against 结转下年度 of the same body's report of year t−1.

Year t−1 is read from the staged parse (every report of that year, curated or quarantined), so the check sees the
latest parse of the previous year even inside a batched backfill run. One operand row per report × applicant
column, in the `identity_operands` shape, judged by the GX cross-year suite (`quality.gx_gate.cross_year_gate`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..core import schema
from . import storage

FAMILY = next(iter(schema.CROSS_YEAR_FAMILIES))


def previous_year(year: str) -> str | None:
    return str(int(year) - 1) if year.isdigit() else None


def _carried(apps: pa.Table, row_code: str) -> dict[tuple[str, str], int | None]:
    """(report, applicant) → value of one row; filtered in Arrow first (a year holds ~175 rows per report)."""
    rows = apps.filter(pc.equal(apps["row_code"], row_code)).select(["report_id", "applicant", "value"])
    return {(r["report_id"], r["applicant"]): r["value"] for r in rows.to_pylist()}


def cross_year_operands(year: str, reports: pa.Table, applications: pa.Table, prev_reports: pa.Table,
                        prev_applications: pa.Table) -> list[dict]:
    now_row, prev_row = schema.CROSS_YEAR_CELLS
    prev = previous_year(year)
    by_body: dict[str, list[str]] = {}
    for r in prev_reports.to_pylist():
        if r.get("body_key"):
            by_body.setdefault(r["body_key"], []).append(r["report_id"])
    now_vals, prev_vals = _carried(applications, now_row), _carried(prev_applications, prev_row)
    # per body, once: its earlier reports and the set of values they state per column (a body usually has one)
    earlier_of = {body: sorted(ids) for body, ids in by_body.items()}
    values_of = {(body, col): {prev_vals.get((rid, col)) for rid in ids}
                 for body, ids in by_body.items() for col in schema.APPLICANT_CODES}
    rows = []
    for rep in sorted(reports.to_pylist(), key=lambda r: r["report_id"]):
        body = rep.get("body_key") or ""
        earlier = earlier_of.get(body, [])
        for col in schema.APPLICANT_CODES:
            lhs = now_vals.get((rep["report_id"], col))
            vals = values_of.get((body, col), set())
            rhs = next(iter(vals)) if len(vals) == 1 else None
            missing = [f"{now_row}.{col}"] if lhs is None else []
            if not earlier:
                why = f"no {prev} report of this body ({rep.get('body_key')})"
            elif len(vals) > 1:
                why = f"{prev} reports {', '.join(earlier)} disagree"
            elif rhs is None:
                why = f"{prev_row}.{col} of {prev} report {', '.join(earlier)} is null"
            else:
                why = f"{prev} report {', '.join(earlier)}"
            if rhs is None:
                missing.append(f"{prev}:{prev_row}.{col}")
            rows.append({
                "report_id": rep["report_id"], "family": FAMILY, "check": f"{FAMILY}:{col}", "lhs": lhs, "rhs": rhs,
                "missing": ", ".join(missing),
                "detail": f"{year} {now_row}.{col}={'null' if lhs is None else lhs} vs {prev} {prev_row}.{col}="
                          f"{'null' if rhs is None else rhs} ({why})",
                "cells": json.dumps({"lhs": [f"{now_row}.{col}"], "rhs": [f"{prev}:{prev_row}.{col}"]})})
    return rows


def cross_year_for(staged_root: str | Path, year: str, reports: pa.Table, applications: pa.Table) -> list[dict]:
    """Operands for every report of `year` against the staged parse of the previous year (none when undated)."""
    prev = previous_year(year)
    if prev is None or not reports.num_rows:
        return []
    return cross_year_operands(year, reports, applications, storage.read_partition(staged_root, "reports", prev),
                               storage.read_partition(staged_root, "applications", prev))
