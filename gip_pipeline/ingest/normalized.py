"""Stage 2 — normalized text: decode and normalize each inventoried file; undecodable files become rejects.

Incremental: a file whose bytes (sha256) were normalized by the same parser version in the year's previous
normalized table is not decoded again; its row is reused with the current path. New files are normalized in a
process pool, and the year's rows travel as Arrow tables, not as Python dicts.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.ingest.containers import guard, limits, normalize_file
from gip_pipeline.contract import schema
from gip_pipeline.contract.errors import RejectedInput
from gip_pipeline.parse.facts import report_id_for
from gip_pipeline.ingest.normalize import prepare
from gip_pipeline.storage import location, pool, parquet
from gip_pipeline.ingest.inventory import folder_year, read_input


def _base_row(inv: dict) -> dict:
    return {"report_id": None, "source_file": inv["source_file"], "source_sha256": inv["source_sha256"],
            "size_bytes": inv["size_bytes"], "folder_year": folder_year(inv["source_file"]), "encoding": None,
            "script": None, "changes": None, "text": None, "reject_reason": None, "reject_detail": None,
            "container": None, "converter": None, "parser_version": schema.PARSER_VERSION}


def normalize_one(raw_dir: str | Path, inv: dict) -> dict:
    """The normalized row of one readable, not duplicated inventory row. Never raises for the input's sake:
    whatever reading, converting, decoding or normalizing it raises becomes the row's reject (a limit passed:
    `too_large` / `timeout`; anything unforeseen: `internal_error` naming the stage and the exception)."""
    row = _base_row(inv)
    row["report_id"] = report_id_for(inv["source_sha256"])
    try:
        if inv.get("size_bytes") is not None:  # the inventory's size: a huge file is not even read
            limits.check("file bytes", inv["size_bytes"], limits.MAX_FILE_BYTES, "bytes")
        with guard.stage("read", keep=(OSError,)):
            data = read_input(raw_dir, inv["source_file"])
            if hashlib.sha256(data).hexdigest() != inv["source_sha256"]:  # the bytes parsed are the bytes hashed
                raise OSError(f"the file changed after it was inventoried (sha256 {inv['source_sha256'][:16]}…): "
                              "it is read again by the next run")
        norm = normalize_file(data, inv["source_file"])  # txt: the text path; html/pdf/docx: converted first
        with guard.stage("normalize"):
            changes = json.dumps(norm.changes, sort_keys=True)
    except location.TooLarge as exc:
        row.update(reject_reason="too_large", reject_detail=f"file of {exc.strerror}")
        return row
    except OSError as exc:
        row.update(reject_reason="unreadable", reject_detail=f"{type(exc).__name__}: {exc}")
        return row
    except RejectedInput as exc:
        row.update(reject_reason=exc.reason, reject_detail=exc.detail)
        return row
    row.update(encoding=norm.encoding, script=norm.script, text=norm.text,
               changes=changes, container=norm.container, converter=norm.converter)
    return row


def _normalize_chunk(job: list[tuple[str, dict]]) -> pa.Table:
    rows = [normalize_one(raw_dir, inv) for raw_dir, inv in job]
    try:
        return parquet.to_table(rows, "normalized_reports")
    except Exception:  # noqa: BLE001 - one row Arrow cannot hold: find it, keep the others
        pass
    parts = []
    for row, (_, inv) in zip(rows, job):
        try:
            parts.append(parquet.to_table([row], "normalized_reports"))
        except Exception as exc:  # noqa: BLE001
            failed = {**_base_row(inv), "report_id": row["report_id"], "reject_reason": "internal_error",
                      "reject_detail": guard.describe("store", exc)}
            parts.append(parquet.to_table([failed], "normalized_reports"))
    return pa.concat_tables(parts)


def _reusable(previous: pa.Table | None) -> dict[str, int]:
    """sha256 → row index of the previous table's normalized rows of this parser version (decode errors
    included: the same bytes fail the same way; read errors, duplicates and timeouts excluded: they depend on
    the day — a conversion that overran on a busy machine is tried again)."""
    if previous is None or not previous.num_rows or not previous.schema.equals(
            schema.ALL_SCHEMAS["normalized_reports"], check_metadata=False):
        return {}
    keep = pc.and_(pc.equal(previous["parser_version"], schema.PARSER_VERSION),
                   pc.invert(pc.fill_null(pc.is_in(previous["reject_reason"],
                                                   value_set=pa.array(["duplicate", "unreadable", "timeout"])), False)))
    idx = pc.indices_nonzero(keep).to_pylist()
    if not idx:
        return {}
    shas = previous["source_sha256"].take(idx).to_pylist()
    return {sha: i for sha, i in zip(shas, idx) if sha is not None}


def normalize_files(raw_dir: str | Path, inventory_rows: list[dict], previous: pa.Table | None = None
                    ) -> tuple[pa.Table, int]:
    """The year's `normalized_reports` table, in inventory order, and how many rows were reused from `previous`."""
    decided: list[dict] = []  # unreadable and duplicate inputs: no text to make
    reuse: list[tuple[int, dict]] = []  # (previous row index, inventory row)
    todo: list[tuple[str, dict]] = []
    order: dict[str, int] = {}
    known = _reusable(previous)
    for k, inv in enumerate(inventory_rows):
        order[inv["source_file"]] = k
        sha = inv["source_sha256"]
        if inv["read_error"]:
            decided.append({**_base_row(inv), "reject_reason": inv["read_reason"] or "unreadable",
                            "reject_detail": inv["read_error"]})
        elif inv["duplicate_of"]:  # found over every year: an undated copy in another year folder is one too
            decided.append({**_base_row(inv), "report_id": report_id_for(sha), "reject_reason": "duplicate",
                            "reject_detail": f"same bytes as {inv['duplicate_of']}"})
        else:
            if sha in known:
                reuse.append((known[sha], inv))
            else:
                todo.append((str(raw_dir), inv))
    parts = [parquet.to_table(decided, "normalized_reports")]
    if todo:
        prepare()  # lookup tables built once here, inherited by the forked workers
    parts += pool.map_chunks(_normalize_chunk, todo, chunk=100)
    if reuse:
        parts.append(_with_paths(previous.take([i for i, _ in reuse]), [inv for _, inv in reuse]))
    table = pa.concat_tables(parts)
    positions = [order[f] for f in table["source_file"].to_pylist()]
    return table.take(pc.sort_indices(pa.array(positions, pa.int64()))), len(reuse)


def _with_paths(rows: pa.Table, invs: list[dict]) -> pa.Table:
    """Reused rows under their current path (a renamed or moved file keeps its bytes, so its text)."""
    files = [inv["source_file"] for inv in invs]
    rows = parquet.replace_column(rows, "source_file", files)
    return parquet.replace_column(rows, "folder_year", [folder_year(f) for f in files])
