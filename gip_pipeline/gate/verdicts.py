"""Reuse the published verdicts of unchanged reports: a nightly run gates only the reports that are new.

A report's quality rows depend on its own staged rows (fixed by its bytes and `PARSER_VERSION`) and on the gate's
code — except the cross-year rows, which also read the previous year. So when the year was last published by the
same gate code and its published files are intact (the caller checks both against the year's stamp), a report
that was published then and whose parse was reused now keeps its published quality rows, cross-year rows
excepted; those are judged again (GX cross-year suite) for every report. New reports go through the whole gate.

The published files are read forward, a chunk at a time, like the staged ones (`chunks.Cutter`): memory stays that
of a chunk. Rows are merged into the order a full gate gives, so the published bytes are those of a full gate.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema
from gip_pipeline.storage import parquet
from gip_pipeline.storage.chunks import Cutter, by_report, stream

CROSS_FAMILY = next(iter(schema.CROSS_YEAR_FAMILIES))


def _rank(quality: pa.Table) -> pa.Array:
    """Where a row sits among its report's rows in a full gate: identities and completeness, non-negative counts
    (applications, then review), cross-year, then narrative warnings (`gx_gate.gate` + `narrative_rows`)."""
    family = pc.list_element(pc.split_pattern(quality["check"], ":", max_splits=1), 0)
    names = list(schema.IDENTITY_FAMILIES) + [CROSS_FAMILY]
    rank_of = pa.array([0] * len(schema.IDENTITY_FAMILIES) + [3], pa.int8())
    rank = pc.fill_null(pc.take(rank_of, pc.index_in(family, value_set=pa.array(names, pa.string()))),
                        pa.scalar(4, pa.int8()))
    rank = pc.if_else(pc.equal(quality["check"], "non_negative:applications"), pa.scalar(1, pa.int8()), rank)
    return pc.if_else(pc.equal(quality["check"], "non_negative:review_litigation"), pa.scalar(2, pa.int8()), rank)


def merge(parts: list[pa.Table], order: pa.Array) -> pa.Table:
    """The quality rows of a chunk, grouped by report in `order` and, within a report, in a full gate's order
    (stable: rows of one kind keep the order they came in)."""
    quality = pa.concat_tables(parts)
    return by_report(quality, order, _rank(quality)) if quality.num_rows else quality


class Published:
    """The year's published quality rows, curated and quarantine, read forward by report."""

    def __init__(self, curated: str | Path, quarantine: str | Path, year: str):
        self.cutters: list[tuple[dict[str, int], Cutter]] = []
        self.ids: set[str] = set()
        for root in (curated, quarantine):
            ids = parquet.read_partition(root, "reports", year)["report_id"].combine_chunks()
            at = dict(zip(ids.to_pylist(), range(len(ids))))
            self.ids.update(at)
            self.cutters.append((at, Cutter("quality", stream(root, "quality", year), ids)))

    def in_order(self, ids: list[str]) -> bool:
        """Whether `ids` (today's input order) come in the published order, as forward reading needs."""
        for at, _ in self.cutters:
            pos = [at[r] for r in ids if r in at]
            if any(b <= a for a, b in zip(pos, pos[1:])):
                return False
        return True

    def rows(self, ids: list[str]) -> pa.Table:
        """The published quality rows of `ids` (later calls: later reports), cross-year rows left out."""
        parts = []
        for at, cutter in self.cutters:
            pos = [at[r] for r in ids if r in at]
            if not pos:
                continue
            rows = cutter.take(max(pos) + 1)
            parts.append(rows.filter(pc.and_(pc.is_in(rows["report_id"], value_set=pa.array(ids, pa.string())),
                                             pc.invert(pc.starts_with(rows["check"], f"{CROSS_FAMILY}:")))))
        return pa.concat_tables(parts) if parts else schema.TABLE_SCHEMAS["quality"].empty_table()
