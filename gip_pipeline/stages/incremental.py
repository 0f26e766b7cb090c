"""Incremental parsing: a report whose raw bytes and parser version are unchanged is not parsed again.

Why per report and not per year: the crawler adds a few reports a day to years holding hundreds. The previous
parse of the year (its staged tables and the `parse_ledger`) is the cache: an input whose sha256, folder year
and `PARSER_VERSION` match a ledger row gets that report's staged rows back (only `source_file` is refreshed,
as a renamed file has the same bytes); every other input is parsed, in a process pool. Inputs that are gone
simply are not carried over, so a changed report replaces its rows and a deleted one loses them. The cache is
ignored whole when a staged table's schema differs from the current one (a schema change without a version bump).
Rows stay Arrow tables from end to end: reuse is a filter, not a round-trip through Python dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from ..core import schema
from . import pool, storage
from .parsed import PARSED_TABLES, parse_normalized

STAGED_TABLES = PARSED_TABLES + ("identity_operands", "rejects", "parse_ledger")
_BY_REPORT = PARSED_TABLES + ("identity_operands",)


@dataclass
class ParseCounts:
    parsed: int = 0  # inputs handed to the parser in this run
    skipped_unchanged: int = 0  # inputs whose previous parse was reused


def read_previous(root: str | Path, year: str) -> dict[str, pa.Table]:
    return {name: storage.read_partition(root, name, year) for name in STAGED_TABLES}


def _usable(previous: dict[str, pa.Table] | None) -> bool:
    return bool(previous) and all(previous[n].schema.equals(schema.ALL_SCHEMAS[n], check_metadata=False)
                                  for n in STAGED_TABLES)


def _parse_range(todo: pa.Table, start: int, stop: int) -> dict[str, pa.Table]:
    out = parse_normalized(todo.slice(start, stop - start).to_pylist())
    return {name: storage.to_table(out[name], name) for name in out}


def parse_incremental(normalized: pa.Table, previous: dict[str, pa.Table] | None = None
                      ) -> tuple[dict[str, pa.Table], ParseCounts]:
    """Every staged table of the year (as `parse_normalized`, plus `parse_ledger`), reusing unchanged reports."""
    meta = normalized.select(["source_file", "source_sha256", "report_id", "folder_year", "reject_reason"]
                             ).to_pylist()  # everything but the text
    cache: dict[tuple, str] = {}
    prev_rids: set[str] = set()
    prev_reject_at: dict[str, int] = {}
    if _usable(previous):
        led = previous["parse_ledger"]
        for sha, fy, version, outcome in zip(*(led[c].to_pylist() for c in (
                "source_sha256", "folder_year", "parser_version", "outcome"))):
            if version == schema.PARSER_VERSION:
                cache[(sha, fy)] = outcome
        prev_rids = set(previous["reports"]["report_id"].to_pylist())
        for k, sha in enumerate(previous["rejects"]["source_sha256"].to_pylist()):
            prev_reject_at.setdefault(sha, k)
    todo: list[int] = []
    reused_reports: dict[str, str] = {}  # report_id -> current source_file
    reused_rejects: list[tuple[int, str]] = []  # (previous rejects row, current source_file)
    reused = [False] * len(meta)
    outcome: list[str | None] = [None] * len(meta)
    for i, n in enumerate(meta):
        hit = None if n["reject_reason"] else cache.get((n["source_sha256"], n["folder_year"]))
        if hit == "reject" and n["source_sha256"] in prev_reject_at:
            reused_rejects.append((prev_reject_at[n["source_sha256"]], n["source_file"]))
        elif hit == "report" and n["report_id"] in prev_rids:
            reused_reports[n["report_id"]] = n["source_file"]
        else:
            todo.append(i)
            continue
        reused[i], outcome[i] = True, hit

    parts = pool.map_ranges(_parse_range, normalized.take(todo), len(todo), chunk=100) if todo else []
    out = {name: [p[name] for p in parts] for name in STAGED_TABLES[:-1]}
    if reused_reports:
        out = _add_reused_reports(out, previous, reused_reports)
    if reused_rejects:
        rej = previous["rejects"].take([k for k, _ in reused_rejects])
        out["rejects"].append(storage.replace_column(rej, "source_file", [f for _, f in reused_rejects]))
    tables = {name: _concat(out.get(name, []), name) for name in STAGED_TABLES[:-1]}

    parsed_rids = set(tables["reports"]["report_id"].to_pylist())
    for i in todo:
        n = meta[i]
        outcome[i] = "report" if not n["reject_reason"] and n["report_id"] in parsed_rids else "reject"
    tables["parse_ledger"] = pa.table({
        "source_file": [n["source_file"] for n in meta], "source_sha256": [n["source_sha256"] for n in meta],
        "report_id": [n["report_id"] for n in meta], "folder_year": [n["folder_year"] for n in meta],
        "parser_version": [schema.PARSER_VERSION] * len(meta), "outcome": outcome, "reused": reused,
    }, schema=schema.ALL_SCHEMAS["parse_ledger"])
    order = pa.array(list(dict.fromkeys(n["report_id"] for n in meta if n["report_id"])), pa.string())
    tables = {name: _in_input_order(t, name, order) for name, t in tables.items()}
    return tables, ParseCounts(parsed=len(todo), skipped_unchanged=len(meta) - len(todo))


def _add_reused_reports(out: dict[str, list[pa.Table]], previous: dict[str, pa.Table],
                        source_of: dict[str, str]) -> dict[str, list[pa.Table]]:
    """The previous rows of the reused reports, `reports.source_file` set to the current path."""
    ids = pa.array(list(source_of), pa.string())
    for name in _BY_REPORT:
        prev = previous[name]
        rows = prev.filter(pc.is_in(prev["report_id"], value_set=ids))
        if name == "reports":
            files = pa.array(list(source_of.values()), pa.string()).take(pc.index_in(rows["report_id"], value_set=ids))
            rows = storage.replace_column(rows, "source_file", files)
        out[name].append(rows)
    return out


def _concat(tables: list[pa.Table], name: str) -> pa.Table:
    return pa.concat_tables(tables) if tables else schema.ALL_SCHEMAS[name].empty_table()


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
        return table  # already in order (nothing reused): no copy of the year
    return table.take(pc.sort_indices(pos))
