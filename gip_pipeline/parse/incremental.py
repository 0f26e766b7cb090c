"""Incremental parsing: a report whose raw bytes and parser version are unchanged is not parsed again.

Why per report and not per year: the crawler adds a few reports a day to years holding hundreds. The previous
parse of the year (its staged tables and the `parse_ledger`) is the cache: an input whose sha256, folder year
and `PARSER_VERSION` match a ledger row gets that report's staged rows back (only `source_file` is refreshed,
as a renamed file has the same bytes); every other input is parsed, in a process pool. Inputs that are gone
simply are not carried over, so a changed report replaces its rows and a deleted one loses them. The cache is
ignored whole when a staged table's schema differs from the current one (a schema change without a version bump).

Streamed: the year is produced `CHUNK_INPUTS` inputs at a time, in input order — new reports from the pool as
workers finish them, reused reports from the previous staged files read forward (`chunks.Cutter`) — so memory is
that of a chunk, not of the year (a 14,000-report year's staged tables are ~0.9 GB in Arrow).
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from gip_pipeline.contract import schema
from gip_pipeline.storage import integrity, pool, parquet
from gip_pipeline.storage.chunks import Cutter, by_report, stream
from gip_pipeline.storage.location import resolve
from gip_pipeline.parse.stage import PARSED_TABLES, parse_tables

STAGED_TABLES = PARSED_TABLES + ("identity_operands", "rejects", "parse_ledger")
_BY_REPORT = PARSED_TABLES + ("identity_operands",)
CHUNK_INPUTS = 2_000
_TASK = 100  # inputs per pool task: amortises the hand-over (~0.1 ms an item)


@dataclass
class ParseCounts:
    parsed: int = 0  # inputs handed to the parser in this run
    skipped_unchanged: int = 0  # inputs whose previous parse was reused


@dataclass
class Previous:
    """The last parse of a year: its small tables whole, its per-report tables as forward streams."""
    ledger: pa.Table
    report_ids: pa.Array  # the staged order of its reports
    rejects: pa.Table
    batches: Callable[[str], Iterator[pa.RecordBatch]]  # staged table -> its record batches, in staged order


def previous_from_files(root: str | Path, year: str, verified: bool = False) -> Previous | None:
    """The year's staged parse, or None when there is none, when its files are not those its stamp records
    (deleted, truncated, changed: `integrity`; `verified`: the caller checked) or when a table's schema is not
    the current one."""
    if not verified and integrity.damage(root, year, STAGED_TABLES):
        return None
    for name in STAGED_TABLES:
        fs, path = resolve(parquet.join(parquet.partition_dir(root, name, year), parquet.PART_FILE))
        if fs.get_file_info(path).type != pafs.FileType.File:
            if name in ("parse_ledger", "reports"):
                return None
            continue  # a table with no rows has no file
        with fs.open_input_file(path) as f:
            if not pq.read_schema(f).equals(schema.ALL_SCHEMAS[name], check_metadata=False):
                return None
    return Previous(parquet.read_partition(root, "parse_ledger", year),
                    parquet.read_partition(root, "reports", year)["report_id"].combine_chunks(),
                    parquet.read_partition(root, "rejects", year), lambda name: stream(root, name, year))


def previous_from_tables(tables: dict[str, pa.Table] | None) -> Previous | None:
    if not tables or not all(tables[n].schema.equals(schema.ALL_SCHEMAS[n], check_metadata=False)
                             for n in STAGED_TABLES):
        return None
    return Previous(tables["parse_ledger"], tables["reports"]["report_id"].combine_chunks(), tables["rejects"],
                    lambda name: iter(tables[name].to_batches()))


def _parse_range(todo: pa.Table, start: int, stop: int) -> dict[str, pa.Table]:
    return parse_tables(todo.slice(start, stop - start).to_pylist())


class _Fanout:
    """One iterator of {table: rows} dicts (the pool's results) read as one record-batch stream per table."""

    def __init__(self, results: Iterator[dict[str, pa.Table]], names: tuple[str, ...]):
        self.results, self.queues = results, {n: deque() for n in names}

    def stream(self, name: str) -> Iterator[pa.RecordBatch]:
        queue = self.queues[name]
        while True:
            while not queue:
                part = next(self.results, None)
                if part is None:
                    return
                for n, q in self.queues.items():
                    q.extend(part[n].to_batches())
            yield queue.popleft()


@dataclass
class Plan:
    """Which inputs are parsed and which reused, decided from the normalized rows and the previous ledger."""
    meta: list[dict]
    todo: list[int]
    reused_reports: dict[str, str]  # report_id -> current source_file
    reused_rejects: list[tuple[int, str]]  # (previous rejects row, current source_file)
    reused: list[bool]
    outcome: list[str | None]
    order: pa.Array  # report ids in input order (first input of each)

    def counts(self) -> ParseCounts:
        return ParseCounts(parsed=len(self.todo), skipped_unchanged=len(self.meta) - len(self.todo))


def plan(normalized: pa.Table, previous: Previous | None) -> Plan:
    meta = normalized.select(["source_file", "source_sha256", "report_id", "folder_year", "reject_reason"]
                             ).to_pylist()  # everything but the text
    cache: dict[tuple, str] = {}
    prev_rids: set[str] = set()
    prev_reject_at: dict[str, int] = {}
    if previous is not None:
        led = previous.ledger
        for sha, fy, version, outcome in zip(*(led[c].to_pylist() for c in (
                "source_sha256", "folder_year", "parser_version", "outcome"))):
            if version == schema.PARSER_VERSION:
                cache[(sha, fy)] = outcome
        prev_rids = set(previous.report_ids.to_pylist())
        for k, sha in enumerate(previous.rejects["source_sha256"].to_pylist()):
            prev_reject_at.setdefault(sha, k)
    p = Plan(meta, [], {}, [], [False] * len(meta), [None] * len(meta),
             pa.array(list(dict.fromkeys(n["report_id"] for n in meta if n["report_id"])), pa.string()))
    for i, n in enumerate(meta):
        hit = None if n["reject_reason"] else cache.get((n["source_sha256"], n["folder_year"]))
        if hit == "reject" and n["source_sha256"] in prev_reject_at:
            p.reused_rejects.append((prev_reject_at[n["source_sha256"]], n["source_file"]))
        elif hit == "report" and n["report_id"] in prev_rids:
            p.reused_reports[n["report_id"]] = n["source_file"]
        else:
            p.todo.append(i)
            continue
        p.reused[i], p.outcome[i] = True, hit
    return p


def iter_parsed(normalized: pa.Table, previous: Previous | None, p: Plan, chunk: int = CHUNK_INPUTS
                ) -> Iterator[tuple[str, pa.Table]]:
    """(table, rows) for every staged table of the year following `plan` `p`: the per-report tables `chunk`
    inputs at a time in input order (each report's rows together), then `rejects` and `parse_ledger` once."""
    reused_ids = pa.array(list(p.reused_reports), pa.string())
    if len(reused_ids):
        prev_pos = pc.index_in(reused_ids, value_set=previous.report_ids).to_numpy()
        now_pos = pc.index_in(reused_ids, value_set=p.order).to_numpy()
        if not (np.all(np.diff(prev_pos[np.argsort(now_pos, kind="stable")]) > 0)):
            previous = _reordered(previous, reused_ids, now_pos)  # moved files: the previous rows in today's order
    # workers run up to two chunks ahead of the writer (a 2,000-report chunk of results is ~0.1 GB)
    results = pool.imap_ranges(_parse_range, normalized.take(p.todo), len(p.todo), chunk=_TASK,
                               window=2 * chunk // _TASK + 2) if p.todo else iter(())
    fan = _Fanout(results, STAGED_TABLES[:-1])
    fresh = {n: Cutter(n, fan.stream(n), p.order) for n in _BY_REPORT}
    old = {n: Cutter(n, previous.batches(n), previous.report_ids) for n in _BY_REPORT} if len(reused_ids) else {}
    prev_at = dict(zip(reused_ids.to_pylist(), pc.index_in(reused_ids, value_set=previous.report_ids).to_pylist())
                   ) if len(reused_ids) else {}
    first_input = _first_inputs(p.meta)  # per report of `p.order`, its first input
    parsed_ids: set[str] = set()
    try:
        report_at = 0
        for start in range(0, len(p.meta), chunk):
            report_stop = bisect.bisect_left(first_input, min(start + chunk, len(p.meta)))
            keep = [r for r in p.order[report_at:report_stop].to_pylist() if r in p.reused_reports]
            prev_stop = max((prev_at[r] for r in keep), default=-1) + 1
            for name in _BY_REPORT:
                parts = [fresh[name].take(report_stop)]
                if name == "reports":
                    parsed_ids.update(parts[0]["report_id"].to_pylist())
                if keep:
                    rows = old[name].take(prev_stop)
                    rows = rows.filter(pc.is_in(rows["report_id"], value_set=pa.array(keep, pa.string())))
                    if name == "reports":
                        files = pa.array([p.reused_reports[r] for r in rows["report_id"].to_pylist()], pa.string())
                        rows = parquet.replace_column(rows, "source_file", files)
                    parts.append(rows)
                yield name, _in_input_order(pa.concat_tables(parts), name, p.order)
            report_at = report_stop
        rejects = [pa.Table.from_batches(list(fan.stream("rejects")), schema=schema.ALL_SCHEMAS["rejects"])]
    finally:
        if hasattr(results, "close"):
            results.close()
    if p.reused_rejects:
        rej = previous.rejects.take([k for k, _ in p.reused_rejects])
        rejects.append(parquet.replace_column(rej, "source_file", [f for _, f in p.reused_rejects]))
    yield "rejects", _in_input_order(pa.concat_tables(rejects), "rejects", p.order)
    yield "parse_ledger", _ledger(p, parsed_ids)


def _first_inputs(meta: list[dict]) -> list[int]:
    """The input index of the first input of each report id, in input order (the reports of `Plan.order`)."""
    seen: set[str] = set()
    out = []
    for i, n in enumerate(meta):
        rid = n["report_id"]
        if rid and rid not in seen:
            seen.add(rid)
            out.append(i)
    return out


def unchanged_inputs(p: Plan, previous: Previous | None) -> bool:
    """The same files with the same bytes as in the last parse (nothing to parse, nothing gone or moved): the
    staged tables would be written again as they are."""
    return (previous is not None and not p.todo and len(p.reused_reports) == len(previous.report_ids)
            and len(p.reused_rejects) == previous.rejects.num_rows
            and [n["source_file"] for n in p.meta] == previous.ledger["source_file"].to_pylist())


def ledger_of(p: Plan) -> pa.Table:
    """The `parse_ledger` of a plan with nothing to parse."""
    return _ledger(p, set())


def _ledger(p: Plan, parsed_reports: set[str]) -> pa.Table:
    for i in p.todo:
        n = p.meta[i]
        p.outcome[i] = "report" if not n["reject_reason"] and n["report_id"] in parsed_reports else "reject"
    meta = p.meta
    return pa.table({
        "source_file": [n["source_file"] for n in meta], "source_sha256": [n["source_sha256"] for n in meta],
        "report_id": [n["report_id"] for n in meta], "folder_year": [n["folder_year"] for n in meta],
        "parser_version": [schema.PARSER_VERSION] * len(meta), "outcome": p.outcome, "reused": p.reused,
    }, schema=schema.ALL_SCHEMAS["parse_ledger"])


def _reordered(previous: Previous, ids: pa.Array, now_pos: np.ndarray) -> Previous:
    """The previous per-report rows of `ids`, read whole and put in today's input order (files were moved or
    renamed so that the old order is not today's: rare, and the one case that holds a year's reused rows)."""
    order = ids.take(pa.array(np.argsort(now_pos, kind="stable")))
    tables = {}
    for name in _BY_REPORT:
        table = pa.Table.from_batches(list(previous.batches(name)), schema=schema.ALL_SCHEMAS[name])
        table = table.filter(pc.is_in(table["report_id"], value_set=order))
        tables[name] = by_report(table, order)
    return Previous(previous.ledger, order, previous.rejects, lambda name: iter(tables[name].to_batches()))


def parse_incremental(normalized: pa.Table, previous: dict[str, pa.Table] | None = None,
                      chunk: int = CHUNK_INPUTS) -> tuple[dict[str, pa.Table], ParseCounts]:
    """Every staged table of the year in memory (tests and small years; the asset streams `iter_parsed`)."""
    parts: dict[str, list[pa.Table]] = {n: [] for n in STAGED_TABLES}
    prev = previous_from_tables(previous)
    p = plan(normalized, prev)
    for name, table in iter_parsed(normalized, prev, p, chunk):
        parts[name].append(table)
    return ({n: pa.concat_tables(t) if t else schema.ALL_SCHEMAS[n].empty_table() for n, t in parts.items()},
            p.counts())


def _in_input_order(table: pa.Table, name: str, order: pa.Array) -> pa.Table:
    """Rows in the order of the year's inputs (stable: a report's own rows keep their parsed order)."""
    if not table.num_rows:
        return table
    if name == "rejects":
        return table.take(pc.sort_indices(table, sort_keys=[("source_file", "ascending")]))
    if name == "parse_ledger":
        return table
    pos = pc.index_in(table["report_id"], value_set=order)  # first input of each report id
    if pc.all(pc.greater_equal(pos[1:], pos[:-1])).as_py() is not False:
        return table  # already in order (nothing reused): no copy
    return by_report(table, order)
