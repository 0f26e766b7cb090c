"""Cross-year operands: 上年结转 of each report of year t against 结转下年度 of the same body's report of year t−1.

Year t−1 is read from the staged parse (every report of that year, curated or quarantined), so the check sees the
latest parse of the previous year even inside a batched backfill run. One operand row per report × applicant
column, in the `identity_operands` shape, judged by the GX cross-year suite (`gate.suites.cross_year_gate`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema
from gip_pipeline.storage import parquet
from gip_pipeline.storage.chunks import stream

MAX_LISTED = 5
FAMILY = next(iter(schema.CROSS_YEAR_FAMILIES))


def previous_year(year: str) -> str | None:
    return str(int(year) - 1) if year.isdigit() else None


def _carried(apps: pa.Table, row_code: str) -> dict[tuple[str, str], int | None]:
    """(report, applicant) → value of one row; filtered in Arrow first (a year holds ~175 rows per report)."""
    rows = apps.filter(pc.equal(apps["row_code"], row_code))
    return dict(zip(zip(rows["report_id"].to_pylist(), rows["applicant"].to_pylist()), rows["value"].to_pylist()))


def _tile(values: list, times: int, type_: pa.DataType) -> pa.Array:
    return pa.array(values * times, type_)


def cross_year_operands(year: str, reports: pa.Table, applications: pa.Table, prev_reports: pa.Table,
                        prev_applications: pa.Table) -> pa.Table:
    """One operand row per report of `year` (sorted by report_id) × applicant column, as `identity_operands`."""
    now_row, prev_row = schema.CROSS_YEAR_CELLS
    prev = previous_year(year)
    cols = schema.APPLICANT_CODES
    by_body: dict[str, list[str]] = {}
    for rid, body in zip(prev_reports["report_id"].to_pylist(), prev_reports["body_key"].to_pylist()):
        if body:
            by_body.setdefault(body, []).append(rid)
    now_vals, prev_vals = _carried(applications, now_row), _carried(prev_applications, prev_row)
    reps = reports.select(["report_id", "body_key"])
    reps = reps.take(pc.sort_indices(reps, sort_keys=[("report_id", "ascending")]))
    ids, keys = reps["report_id"].to_pylist(), reps["body_key"].to_pylist()
    # per body of this year, once: the earlier reports and, per column, the one value they state (or why none)
    group_of: dict[str | None, int] = {}
    rhs: list[int | None] = []
    why: list[str] = []
    for key in keys:
        if key in group_of:
            continue
        group_of[key] = len(group_of)
        earlier = sorted(by_body.get(key or "", []))
        # a body with many earlier reports (a bad body name) lists a few: the detail of every row repeats it
        listed = ", ".join(earlier[:MAX_LISTED]) + (f" … ({len(earlier)} in all)" if len(earlier) > MAX_LISTED
                                                     else "")
        for col in cols:
            vals = {prev_vals.get((rid, col)) for rid in earlier}
            value = next(iter(vals)) if len(vals) == 1 else None
            rhs.append(value)
            why.append(f"no {prev} report of this body ({key})" if not earlier
                       else f"{prev} reports {listed} disagree" if len(vals) > 1
                       else f"{prev_row}.{col} of {prev} report {listed} is null" if value is None
                       else f"{prev} report {listed}")
    k = len(cols)
    at = pa.array([group_of[key] * k + j for key in keys for j in range(k)], pa.int64())
    lhs_v = pa.array([now_vals.get((rid, col)) for rid in ids for col in cols], pa.int64())
    rhs_v = pa.array(rhs, pa.int64()).take(at)
    n = len(ids)
    now_cell = _tile([f"{now_row}.{col}" for col in cols], n, pa.string())
    prev_cell = _tile([f"{prev}:{prev_row}.{col}" for col in cols], n, pa.string())
    no_lhs, no_rhs = pc.is_null(lhs_v), pc.is_null(rhs_v)
    missing = pc.if_else(no_lhs, pc.if_else(no_rhs, pc.binary_join_element_wise(now_cell, prev_cell, ", "), now_cell),
                         pc.if_else(no_rhs, prev_cell, ""))
    detail = pc.binary_join_element_wise(
        _tile([f"{year} {now_row}.{col}=" for col in cols], n, pa.string()),
        pc.fill_null(pc.cast(lhs_v, pa.string()), "null"),
        _tile([f" vs {prev} {prev_row}.{col}=" for col in cols], n, pa.string()),
        pc.fill_null(pc.cast(rhs_v, pa.string()), "null"),
        " (", pa.array(why, pa.string()).take(at), ")", "")
    return pa.Table.from_arrays([
        pa.array([rid for rid in ids for _ in cols], pa.string()), pa.array([FAMILY] * (n * k), pa.string()),
        _tile([f"{FAMILY}:{col}" for col in cols], n, pa.string()), lhs_v, rhs_v, missing, detail,
        _tile([json.dumps({"lhs": [f"{now_row}.{col}"], "rhs": [f"{prev}:{prev_row}.{col}"]}) for col in cols], n,
              pa.string()),
    ], schema=schema.STAGING_SCHEMAS["identity_operands"])


@dataclass(frozen=True)
class PreviousYear:
    """What the cross-year check reads of year t−1: its reports (id, body) and its 结转下年度 rows only."""
    year: str
    reports: pa.Table
    applications: pa.Table


def previous_inputs(staged_root: str | Path, year: str) -> PreviousYear | None:
    """Year t−1 from the staged parse, read once per year (not per chunk); None for an undated partition."""
    prev = previous_year(year)
    if prev is None:
        return None
    _, prev_row = schema.CROSS_YEAR_CELLS
    rows = [batch.filter(pc.equal(batch["row_code"], prev_row)) for batch in stream(staged_root, "applications", prev)]
    apps = pa.Table.from_batches(rows, schema=schema.ALL_SCHEMAS["applications"]) if rows \
        else schema.ALL_SCHEMAS["applications"].empty_table()  # streamed: one row in 25 is kept
    return PreviousYear(prev, parquet.read_partition(staged_root, "reports", prev).select(["report_id", "body_key"]),
                        apps)


def cross_year_for(year: str, previous: PreviousYear | None, reports: pa.Table, applications: pa.Table) -> pa.Table:
    """Operands for every report of `reports` against the previous year (none when undated)."""
    if previous is None or not reports.num_rows:
        return schema.STAGING_SCHEMAS["identity_operands"].empty_table()
    return cross_year_operands(year, reports, applications, previous.reports, previous.applications)
