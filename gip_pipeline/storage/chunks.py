"""A year's staged tables read together in chunks of whole reports, so the gate and the publish hold one chunk.

Why: the gate and the publish of a year used to hold every staged table of the year, its identity operands and
its quality rows at once — ~4 GB for a year of 14,000 reports, growing with the year. The staged tables are in
input order and each report's rows are contiguous (`incremental._in_input_order`), so each table can be read as a
stream of record batches and cut where the next chunk's first report begins: memory is that of one chunk of
reports plus one record batch per table, whatever the size of the year.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from gip_pipeline.contract import schema
from gip_pipeline.storage import parquet
from gip_pipeline.storage.location import resolve

_READ_ROWS = 16_384


def stream(root: str | Path, name: str, year: str, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The record batches of `<root>/<name>/year=<year>/part-0.parquet` (all or `columns`), in file order; none
    when there is no file."""
    fs, path = resolve(parquet.join(parquet.partition_dir(root, name, year), parquet.PART_FILE))
    if fs.get_file_info(path).type != pafs.FileType.File:
        return
    with fs.open_input_file(path) as f:
        yield from pq.ParquetFile(f).iter_batches(batch_size=_READ_ROWS, columns=columns)


def by_report(table: pa.Table, order: pa.Array, rank: pa.Array | None = None) -> pa.Table:
    """`table`'s rows grouped by report in the order of `order` (report ids), then by `rank` when given; a
    stable sort, so rows of one report (and rank) keep the order they came in."""
    if not table.num_rows:
        return table
    keys = {"at": pc.index_in(table["report_id"], value_set=order), **({"rank": rank} if rank is not None else {}),
            "row": pa.array(np.arange(table.num_rows))}
    return table.take(pc.sort_indices(pa.table(keys), sort_keys=[(k, "ascending") for k in keys]))


class Cutter:
    """One table's record batches (rows grouped by report, reports in the order of `position`), handed out up
    to (not including) the first row of a report at position >= stop."""

    def __init__(self, name: str, batches: Iterator[pa.RecordBatch], position: pa.Array):
        self.name, self.batches, self.position = name, batches, position
        self.pending: list[pa.Table] = []
        self.done = False

    def _positions(self, table: pa.Table) -> np.ndarray:
        pos = pc.index_in(table["report_id"], value_set=self.position)
        if pos.null_count:
            raise ValueError(f"staged {self.name}: rows of a report the year's reports table does not list")
        return pos.to_numpy(zero_copy_only=False)

    def take(self, stop: int) -> pa.Table:
        out: list[pa.Table] = []
        while True:
            while self.pending:
                table = self.pending[0]
                pos = self._positions(table)
                cut = int(np.searchsorted(pos, stop, side="left"))  # positions ascend: input order
                if cut < table.num_rows:
                    out.append(table.slice(0, cut))
                    self.pending[0] = table.slice(cut)
                    return _concat(out, self.name)
                out.append(table)
                self.pending.pop(0)
            batch = next(self.batches, None)
            if batch is None:
                return _concat(out, self.name)
            self.pending.append(pa.Table.from_batches([batch]))


def _concat(parts: list[pa.Table], name: str) -> pa.Table:
    parts = [p for p in parts if p.num_rows]
    sch = schema.ALL_SCHEMAS[name]
    if not parts:
        return sch.empty_table()
    return pa.concat_tables(parts).cast(sch)  # list items read back as `element`: the written schema again


def report_chunks(root: str | Path, year: str, names: tuple[str, ...], reports: int
                  ) -> Iterator[dict[str, pa.Table]]:
    """The year's staged `names` tables (plus `reports`, read whole: one row per report), `reports` reports at a
    time, in input order; every table of a chunk holds exactly the rows of the chunk's reports."""
    everything = parquet.read_partition(root, "reports", year)
    ids = everything["report_id"].combine_chunks()
    if pc.count_distinct(ids).as_py() != len(ids):
        raise ValueError(f"staged reports of {year}: a report id appears twice")
    cutters = [Cutter(n, stream(root, n, year), ids) for n in names if n != "reports"]
    for start in range(0, max(len(ids), 1), reports):
        stop = min(start + reports, len(ids))
        chunk = {"reports": everything.slice(start, stop - start)}
        for c in cutters:
            chunk[c.name] = c.take(stop)
        yield chunk
