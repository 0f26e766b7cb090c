"""Stage 4 — publish: route each report to curated/ or quarantine/ by its hard gates and write the year atomically.

A report with any failed `error` check goes to quarantine with all its rows (and its quality rows, which name the
cells and numbers that failed); every other report goes to curated. Rejects are written per partition. A year is
published chunk by chunk of reports (`storage.chunks`), each chunk a row group, and committed once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs

from gip_pipeline.contract import schema
from gip_pipeline.storage import parquet
from gip_pipeline.storage.chunks import by_report
from gip_pipeline.parse.stage import PARSED_TABLES


@dataclass
class PublishResult:
    curated: list[str]
    quarantined: dict[str, list[str]]  # report_id -> failed checks
    rejects: list[dict]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # destination -> table -> rows
    paths: list[str] = field(default_factory=list)


def route(quality: pa.Table) -> dict[str, list[str]]:
    """report_id -> failed hard checks, for the reports that must be quarantined."""
    hard_failed = quality.filter(pc.and_(pc.equal(quality["severity"], "error"),
                                         pc.invert(pc.fill_null(quality["passed"], False))))
    failed: dict[str, list[str]] = {}
    for rid, check in zip(hard_failed["report_id"].to_pylist(), hard_failed["check"].to_pylist()):
        failed.setdefault(rid, []).append(check)
    return failed


class Publisher:
    """Routes each chunk of a year's reports to curated/ or quarantine/ and writes it aside (`add`); `finish`
    writes the rejects and moves every file of the year into place in one short loop (`parquet.commit`).

    Rows keep the input order of their reports (the staged order: sorted source files), so a rerun over the same
    inputs writes the same bytes."""

    TABLES = PARSED_TABLES + ("quality",)

    def __init__(self, year: str, curated_dir: str | Path, quarantine_dir: str | Path):
        self.year = year
        self.writers = {(dest, name): parquet.PartitionWriter(root, name, year)
                        for dest, root in (("curated", curated_dir), ("quarantine", quarantine_dir))
                        for name in self.TABLES}
        self.quarantine_dir = quarantine_dir
        self.result = PublishResult(curated=[], quarantined={}, rejects=[])

    def add(self, tables: dict[str, pa.Table], quality: pa.Table) -> None:
        """One chunk: its staged tables (whole reports) and their quality rows."""
        ids = tables["reports"]["report_id"].combine_chunks()
        failed = route(quality)
        held = pa.array([r for r in ids.to_pylist() if r in failed], pa.string())
        self.result.curated.extend(r for r in ids.to_pylist() if r not in failed)
        self.result.quarantined.update((r, failed[r]) for r in held.to_pylist())
        for name, data in {**tables, "quality": by_report(quality, ids)}.items():
            if name not in self.TABLES:
                continue
            hold = pc.is_in(data["report_id"], value_set=held)
            self.writers[("quarantine", name)].write(data.filter(hold))
            self.writers[("curated", name)].write(data.filter(pc.invert(hold)))

    def finish(self, rejects: pa.Table) -> PublishResult:
        result, pending = self.prepare(rejects)
        result.paths.extend(p for p in parquet.commit(pending) if p)
        return result

    def prepare(self, rejects: pa.Table) -> tuple[PublishResult, list[parquet.PendingWrite]]:
        """Like `finish`, without the moves: the result and the files written aside, for the caller to `commit`
        (the process that holds the year's lock: a pool worker prepares, its parent commits)."""
        pending = [w.finish() for w in self.writers.values()]
        for (dest, name), w in self.writers.items():
            self.result.rows.setdefault(dest, {})[name] = w.rows
        rej = rejects.take(pc.sort_indices(rejects, sort_keys=[("source_file", "ascending")])) if rejects.num_rows \
            else rejects
        self.result.rejects = rej.to_pylist()
        pending.append(parquet.prepare_file(parquet.join(self.quarantine_dir, "rejects", f"rejects-{self.year}.parquet"),
                                            rej.cast(schema.TABLE_SCHEMAS["rejects"]), self.year))
        return self.result, pending


def years_on_record(curated: str | Path, quarantine: str | Path, staging: str | Path | None) -> set[str]:
    """Every year something was published or staged for: a year whose inputs are all gone is among them and
    must be run again, so that it is unpublished (curated = current inputs)."""
    years = {y for root in (curated, quarantine) for t in schema.FACT_TABLES for y in parquet.list_partitions(root, t)}
    if staging is not None:
        years |= set(parquet.list_partitions(parquet.join(staging, "raw_inventory"), "raw_inventory"))
    fs, base = parquet.resolve(parquet.join(quarantine, "rejects"))
    if fs.get_file_info(base).type == pafs.FileType.Directory:
        for f in fs.get_file_info(pafs.FileSelector(base)):
            name = f.path.rsplit("/", 1)[-1]
            if name.startswith("rejects-") and name.endswith(".parquet"):
                years.add(name[len("rejects-"):-len(".parquet")])
    return years
