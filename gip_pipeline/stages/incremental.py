"""Incremental parsing: a report whose raw bytes and parser version are unchanged is not parsed again.

Why per report and not per year: the crawler adds a few reports a day to years holding hundreds. The previous
parse of the year (its staged tables and the `parse_ledger`) is the cache: an input whose sha256, folder year
and `PARSER_VERSION` match a ledger row gets that report's staged rows back (only `source_file` is refreshed,
as a renamed file has the same bytes); every other input is parsed. Inputs that are gone simply are not
carried over, so a changed report replaces its rows and a deleted one loses them. The cache is ignored whole
when a staged table's schema differs from the current one (a schema change without a version bump).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ..core import schema
from . import storage
from .parsed import PARSED_TABLES, parse_normalized

STAGED_TABLES = PARSED_TABLES + ("identity_operands", "rejects", "parse_ledger")


@dataclass
class ParseCounts:
    parsed: int = 0  # inputs handed to the parser in this run
    skipped_unchanged: int = 0  # inputs whose previous parse was reused


def read_previous(root: str | Path, year: str) -> dict[str, pa.Table]:
    return {name: storage.read_partition(root, name, year) for name in STAGED_TABLES}


def _usable(previous: dict[str, pa.Table]) -> bool:
    return all(previous[n].schema.equals(schema.ALL_SCHEMAS[n], check_metadata=False) for n in STAGED_TABLES)


def _by_key(table: pa.Table, key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in table.to_pylist():
        out.setdefault(row[key], []).append(row)
    return out


def parse_incremental(normalized_rows: list[dict], previous: dict[str, pa.Table] | None = None
                      ) -> tuple[dict[str, list[dict]], ParseCounts]:
    """Rows of every staged table (as `parse_normalized`, plus `parse_ledger`), reusing unchanged reports."""
    out: dict[str, list[dict]] = {name: [] for name in STAGED_TABLES}
    counts = ParseCounts()
    cache: dict[tuple, dict] = {}
    rows_by_report: dict[str, dict[str, list[dict]]] = {}
    rejects_by_sha: dict[str, list[dict]] = {}
    if previous and _usable(previous):
        for led in previous["parse_ledger"].to_pylist():
            if led["parser_version"] == schema.PARSER_VERSION:
                cache[(led["source_sha256"], led["folder_year"])] = led
        rows_by_report = {name: _by_key(previous[name], "report_id") for name in PARSED_TABLES + ("identity_operands",)}
        rejects_by_sha = _by_key(previous["rejects"], "source_sha256")
    todo = [n for n in normalized_rows if n["reject_reason"] or cache.get((n["source_sha256"], n["folder_year"]))
            is None]
    parts = dict(zip((id(n) for n in todo), parse_many(todo)))
    for n in normalized_rows:
        if n["reject_reason"]:  # decided before parsing (empty, binary, duplicate, …): nothing to reuse
            for name, rows in parts[id(n)].items():
                out[name].extend(rows)
            continue
        hit = cache.get((n["source_sha256"], n["folder_year"]))
        reused = hit is not None and _reuse(hit, n, out, rows_by_report, rejects_by_sha)
        if not reused:
            part = parts[id(n)] if id(n) in parts else parse_normalized([n])
            for name, rows in part.items():
                out[name].extend(rows)
            counts.parsed += 1
            outcome = "report" if part["reports"] else "reject"
        else:
            counts.skipped_unchanged += 1
            outcome = hit["outcome"]
        out["parse_ledger"].append({
            "source_file": n["source_file"], "source_sha256": n["source_sha256"], "report_id": n["report_id"],
            "folder_year": n["folder_year"], "parser_version": schema.PARSER_VERSION, "outcome": outcome,
            "reused": reused})
    return out, counts


def workers() -> int:
    """Parse processes: `$GIP_WORKERS`, else one per core."""
    return max(1, int(os.environ.get("GIP_WORKERS") or os.cpu_count() or 1))


def parse_many(rows: list[dict], chunk: int = 100) -> list[dict[str, list[dict]]]:
    """`parse_normalized` of each row, in order; in a pool of forked processes when there is enough work to pay
    for it (the parser is pure CPU-bound Python: one process per core, chunks to amortise the hand-over)."""
    n_workers = workers()
    if n_workers == 1 or len(rows) < 2 * chunk:
        return [parse_normalized([r]) for r in rows]
    chunks = [rows[i:i + chunk] for i in range(0, len(rows), chunk)]
    with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_parse_chunk, chunks))
    return [part for chunk_parts in results for part in chunk_parts]


def _parse_chunk(rows: list[dict]) -> list[dict[str, list[dict]]]:
    return [parse_normalized([r]) for r in rows]


def _reuse(hit: dict, n: dict, out: dict[str, list[dict]], rows_by_report: dict, rejects_by_sha: dict) -> bool:
    """Append the previous rows of this input to `out`; False when they cannot be found whole."""
    if hit["outcome"] == "reject":
        prev = rejects_by_sha.get(n["source_sha256"])
        if not prev:
            return False
        out["rejects"].append({**prev[0], "source_file": n["source_file"]})
        return True
    rid = n["report_id"]
    if not rows_by_report["reports"].get(rid):
        return False
    for name, by_report in rows_by_report.items():
        rows = by_report.get(rid, [])
        if name == "reports":
            rows = [{**r, "source_file": n["source_file"]} for r in rows]
        out[name].extend(rows)
    return True
