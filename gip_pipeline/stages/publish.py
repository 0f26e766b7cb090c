"""Stage 4 — publish: route each report to curated/ or quarantine/ by its hard gates and write the year atomically.

A report with any failed `error` check goes to quarantine with all its rows (and its quality rows, which name the
cells and numbers that failed); every other report goes to curated. Rejects are written per partition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..core import schema
from . import storage
from .parsed import PARSED_TABLES

_SORT_KEYS = {
    "reports": ["report_id"],
    "sections": ["report_id", "section_no"],
    "applications": ["report_id"],  # row/applicant order is the national order, kept as parsed
    "review_litigation": ["report_id"],
    "active_disclosure": ["report_id"],
    "quality": ["report_id"],
}


@dataclass
class PublishResult:
    curated: list[str]
    quarantined: dict[str, list[str]]  # report_id -> failed checks
    rejects: list[dict]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # destination -> table -> rows
    paths: list[str] = field(default_factory=list)


def _order(table: pa.Table, name: str) -> pa.Array | None:
    """The publish order of `table`'s rows (None: already in it). A stable sort keeps the parsed order within a
    report, so reruns write identical bytes."""
    if not table.num_rows:
        return None
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in _SORT_KEYS[name]])
    return None if pc.all(pc.equal(order, pa.array(np.arange(len(order), dtype=np.uint64)))).as_py() else order


def _subset(table: pa.Table, ids: list[str], order: pa.Array | None) -> pa.Table:
    """The rows of the reports `ids`, in publish order (`_order`): the sorted order restricted to them, which is
    exactly the order a stable sort of the subset gives."""
    if not ids or not table.num_rows:
        return table.slice(0, 0)
    keep = pc.is_in(table["report_id"].combine_chunks(), value_set=pa.array(ids, pa.string()))
    if order is None:
        return table.filter(keep)
    return table.take(order.filter(keep.take(order)))


def route(quality: pa.Table) -> dict[str, list[str]]:
    """report_id -> failed hard checks, for the reports that must be quarantined."""
    hard_failed = quality.filter(pc.and_(pc.equal(quality["severity"], "error"),
                                         pc.invert(pc.fill_null(quality["passed"], False))))
    failed: dict[str, list[str]] = {}
    for rid, check in zip(hard_failed["report_id"].to_pylist(), hard_failed["check"].to_pylist()):
        failed.setdefault(rid, []).append(check)
    return failed


def publish_year(year: str, tables: dict[str, pa.Table], quality: pa.Table, rejects: pa.Table,
                 curated_dir: str | Path, quarantine_dir: str | Path) -> PublishResult:
    report_ids = sorted(tables["reports"]["report_id"].to_pylist())
    quarantined = route(quality)
    curated = [r for r in report_ids if r not in quarantined]
    held = [r for r in report_ids if r in quarantined]
    result = PublishResult(curated=curated,
                           quarantined={r: quarantined[r] for r in held}, rejects=rejects.to_pylist())
    all_tables = {**tables, "quality": quality}
    # every file of the year is written aside first, then all are moved into place in one short loop
    pending: list[storage.PendingWrite] = []
    orders = {name: _order(all_tables[name], name) for name in PARSED_TABLES + ("quality",)}  # once per table
    for dest, root, ids in (("curated", curated_dir, curated), ("quarantine", quarantine_dir, held)):
        result.rows[dest] = {}
        for name in PARSED_TABLES + ("quality",):
            part = _subset(all_tables[name], ids, orders[name])
            pending.append(storage.prepare_partition(root, name, year, part))
            result.rows[dest][name] = part.num_rows
    rej = rejects.take(pc.sort_indices(rejects, sort_keys=[("source_file", "ascending")])) if rejects.num_rows \
        else rejects
    pending.append(storage.prepare_file(storage.join(quarantine_dir, "rejects", f"rejects-{year}.parquet"),
                                        rej.cast(schema.TABLE_SCHEMAS["rejects"]), year))
    result.paths.extend(p for p in storage.commit(pending) if p)
    return result
