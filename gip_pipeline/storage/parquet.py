"""Parquet I/O with hive `year=` partitions, replaced atomically, on a local disk or object storage.

Every file is written aside (`<root>/.writing/`) and then moved into place: a local rename or one S3 object copy,
both atomic, so a reader sees the old complete file or the new complete file, never a half-written one. A stage
that writes several tables of a year prepares all of them first and commits them together in one short loop of
moves (`prepare_partition` + `commit`), so a kill while data is being encoded or uploaded leaves the previous
year untouched. Parquet is written with fixed options, so the same rows give the same bytes.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from gip_pipeline.contract import schema
from gip_pipeline.storage.location import is_uri, join, resolve  # noqa: F401 (join re-exported for the stages)

PART_FILE = "part-0.parquet"
WRITING = ".writing"


def to_table(rows: list[dict], table: str) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema.ALL_SCHEMAS[table])


def replace_column(table: pa.Table, name: str, values: list | pa.Array) -> pa.Table:
    """`table` with column `name` replaced, keeping its field (type, documentation metadata)."""
    i = table.schema.get_field_index(name)
    field = table.schema.field(i)
    return table.set_column(i, field, values if isinstance(values, pa.Array) else pa.array(values, field.type))


def partition_dir(root: str | Path, table: str, year: str) -> Path | str:
    """`<root>/<table>/year=<year>`: a Path for a local root (as callers expect), the URI for object storage."""
    loc = join(root, table, f"year={year}")
    return loc if is_uri(loc) else Path(loc)


@dataclass(frozen=True)
class PendingWrite:
    """A file written aside (or a removal, when `tmp` is None), waiting for `commit`."""
    root: str
    final: str  # location of the destination file
    tmp: str | None


def _prepare(root: str | Path, final: str, data: pa.Table, year: str) -> PendingWrite:
    if not data.num_rows:
        return PendingWrite(str(root), final, None)
    fs, base = resolve(root)
    tmp_dir = f"{base}/{WRITING}/{year}-{uuid.uuid4().hex}"
    if isinstance(fs, pafs.LocalFileSystem):
        fs.create_dir(tmp_dir, recursive=True)
    tmp = f"{tmp_dir}/{PART_FILE}.tmp"  # no reader glob (`*.parquet`) ever matches a file being written
    # one chunk per column: Parquet pages follow Arrow chunks, so the same rows must give the same bytes however
    # they were assembled (parsed now, reused from the last run, or both)
    pq.write_table(data.combine_chunks(), tmp, filesystem=fs, compression="zstd")
    return PendingWrite(str(root), final, tmp)


class PartitionWriter:
    """The next `<root>/<table>/year=<year>/part-0.parquet`, written aside chunk by chunk (one row group each) and
    handed to `commit` by `finish`: a year is published without holding all of it. Same chunks, same bytes."""

    def __init__(self, root: str | Path, table: str, year: str):
        self.root, self.year, self.schema = root, year, schema.ALL_SCHEMAS[table]
        self.final = join(partition_dir(root, table, year), PART_FILE)
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._tmp: str | None = None

    def write(self, data: pa.Table) -> None:
        if not data.num_rows:
            return
        if self._writer is None:
            fs, base = resolve(self.root)
            tmp_dir = f"{base}/{WRITING}/{self.year}-{uuid.uuid4().hex}"
            if isinstance(fs, pafs.LocalFileSystem):
                fs.create_dir(tmp_dir, recursive=True)
            self._tmp = f"{tmp_dir}/{PART_FILE}.tmp"
            self._writer = pq.ParquetWriter(self._tmp, self.schema, filesystem=fs, compression="zstd")
        self._writer.write_table(data.cast(self.schema).combine_chunks())
        self.rows += data.num_rows

    def finish(self) -> PendingWrite:
        """Close the file (none written: the destination is to be removed) for `commit`."""
        if self._writer is not None:
            self._writer.close()
        return PendingWrite(str(self.root), self.final, self._tmp)


def prepare_partition(root: str | Path, table: str, year: str, data: pa.Table) -> PendingWrite:
    """Write `data` aside as the next `<root>/<table>/year=<year>/part-0.parquet` (empty data: a removal)."""
    return _prepare(root, join(partition_dir(root, table, year), PART_FILE), data, year)


def commit(writes: list[PendingWrite]) -> list[str | None]:
    """Move every prepared file into place (or remove the destination); the final locations, None if removed."""
    out: list[str | None] = []
    for w in writes:
        fs, final = resolve(w.final)
        local = isinstance(fs, pafs.LocalFileSystem)
        if w.tmp is None:
            if fs.get_file_info(final).type == pafs.FileType.File:
                fs.delete_file(final)
            if local:
                _rmdir(Path(final).parent)
            out.append(None)
            continue
        if local:
            fs.create_dir(os.path.dirname(final), recursive=True)
        fs.move(w.tmp, final)
        if local:
            _rmdir(Path(w.tmp).parent)
        out.append(w.final)
    for root in sorted({w.root for w in writes}):
        _prune_writing(root)
    return out


def write_partition(root: str | Path, table: str, year: str, data: pa.Table) -> str | None:
    """Replace `<root>/<table>/year=<year>/part-0.parquet` with `data` (or remove it when `data` is empty)."""
    return commit([prepare_partition(root, table, year, data)])[0]


def prepare_file(path: str | Path, data: pa.Table, year: str) -> PendingWrite:
    """Write `data` aside as the next version of the single file `path` (empty data: a removal)."""
    root = str(path).rsplit("/", 1)[0] if "://" in str(path) else os.path.dirname(os.path.abspath(path))
    return _prepare(root, str(path), data, year)


def write_file(path: str | Path, data: pa.Table, year: str = "file") -> str | None:
    """Replace a single Parquet file atomically (or remove it when `data` is empty)."""
    return commit([prepare_file(path, data, year)])[0]


def read_partition(root: str | Path, table: str, year: str) -> pa.Table:
    fs, path = resolve(join(partition_dir(root, table, year), PART_FILE))
    if fs.get_file_info(path).type != pafs.FileType.File:
        return schema.ALL_SCHEMAS[table].empty_table()
    data = pq.read_table(path, filesystem=fs)
    canonical = schema.ALL_SCHEMAS[table]
    if data.schema.names == canonical.names:
        # Parquet reads a list's item back as `element` (schema equality ignores the name); cast to the schema as
        # written (`item`) so that a reused table is written back as the same bytes (`fact_tables` stamps them)
        try:
            data = data.cast(canonical)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # a table of an older schema: the caller decides (`incremental._usable`)
    return data


def count_rows(root: str | Path, table: str, year: str) -> int:
    """Rows of `<root>/<table>/year=<year>/part-0.parquet` from its footer (0 when there is no file)."""
    fs, path = resolve(join(partition_dir(root, table, year), PART_FILE))
    if fs.get_file_info(path).type != pafs.FileType.File:
        return 0
    with fs.open_input_file(path) as f:
        return pq.ParquetFile(f).metadata.num_rows


def list_partitions(root: str | Path, table: str) -> list[str]:
    """The years that have a `<root>/<table>/year=<year>/part-0.parquet`, sorted."""
    fs, base = resolve(join(root, table))
    if fs.get_file_info(base).type != pafs.FileType.Directory:
        return []
    years = [os.path.basename(f.path)[len("year="):] for f in fs.get_file_info(pafs.FileSelector(base))
             if f.type == pafs.FileType.Directory and os.path.basename(f.path).startswith("year=")]
    return sorted(y for y in years
                  if fs.get_file_info(f"{base}/year={y}/{PART_FILE}").type == pafs.FileType.File)


def clean_stale(root: str | Path, year: str) -> int:
    """Remove the leftovers of a killed writer of `year` (call it holding the year's lock); how many."""
    fs, base = resolve(root)
    writing = f"{base}/{WRITING}"
    if fs.get_file_info(writing).type != pafs.FileType.Directory:
        return 0
    stale = [f.path for f in fs.get_file_info(pafs.FileSelector(writing))
             if os.path.basename(f.path).startswith(f"{year}-")]
    for p in stale:
        fs.delete_dir(p)
    _prune_writing(root)
    return len(stale)


def _rmdir(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _prune_writing(root: str | Path) -> None:
    fs, base = resolve(root)
    if isinstance(fs, pafs.LocalFileSystem):
        _rmdir(Path(base) / WRITING)
