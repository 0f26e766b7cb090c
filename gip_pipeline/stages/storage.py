"""Parquet I/O with hive `year=` partitions, replaced atomically: written aside, then renamed into place."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..core import schema

PART_FILE = "part-0.parquet"


def to_table(rows: list[dict], table: str) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema.ALL_SCHEMAS[table])


def partition_dir(root: Path, table: str, year: str) -> Path:
    return Path(root) / table / f"year={year}"


def write_partition(root: Path, table: str, year: str, data: pa.Table) -> Path | None:
    """Replace `<root>/<table>/year=<year>/` with one file holding `data` (or remove it when `data` is empty).

    The new file is written in a sibling temp folder, then the folders are swapped by rename, so a reader sees
    the old complete year or the new complete year, never a half-written file.
    """
    final = partition_dir(root, table, year)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(root) / ".writing" / f"{table}-{year}-{uuid.uuid4().hex}"
    old = Path(root) / ".writing" / f"old-{table}-{year}-{uuid.uuid4().hex}"
    if data.num_rows:
        tmp.mkdir(parents=True)
        pq.write_table(data, tmp / PART_FILE, compression="zstd")
    if final.exists():
        old.parent.mkdir(parents=True, exist_ok=True)
        os.rename(final, old)
    if data.num_rows:
        os.rename(tmp, final)
    shutil.rmtree(old, ignore_errors=True)
    _prune(Path(root) / ".writing")
    return final / PART_FILE if data.num_rows else None


def write_file(path: Path, data: pa.Table) -> Path | None:
    """Replace a single Parquet file atomically (or remove it when `data` is empty)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not data.num_rows:
        path.unlink(missing_ok=True)
        return None
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(data, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


def read_partition(root: Path, table: str, year: str) -> pa.Table:
    path = partition_dir(root, table, year) / PART_FILE
    if not path.exists():
        return schema.ALL_SCHEMAS[table].empty_table() 
    return pq.read_table(path)


def _prune(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
