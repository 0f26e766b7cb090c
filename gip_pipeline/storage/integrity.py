"""Stamps of the staged files: what a stage wrote (rows, bytes, sha256 of every table of a year), checked before
the next stage, or the next run of the same stage, trusts those files.

Why: the staged Parquet is our own output, read back as input and as a cache. A deleted staged table used to read
as "no rows" (the year was published without that table, and stayed so), and a truncated one made every run
fail on it. With a stamp, a staged year is either exactly what its stage committed or it is *damaged*: a cache
that is damaged is dropped (the stage derives the year again from its inputs, down to the raw files), an input
that is damaged stops the year before anything is published.

One stamp per staged root and year, `<root>/_stamps/year=<Y>.json`, written by `commit` right after the moves of
the files it describes (the same commit). A kill between the moves and the stamp leaves a stamp that does not
match: the year is derived again, never trusted half-old, half-new. A year with no stamp (staged before stamps
existed) is damaged too, so it is derived once more. A table with no rows has no file; its stamp entry says so, and
a file that appears there anyway is damage as well.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from gip_pipeline.storage import parquet
from gip_pipeline.storage.stamps import read_text, write_text
from gip_pipeline.storage.location import resolve

STAMPS = "_stamps"
VERSION = 1


def stamp_location(root: str | Path, year: str) -> str:
    return parquet.join(root, STAMPS, f"year={year}.json")


def file_location(root: str | Path, table: str, year: str) -> str:
    return parquet.join(parquet.partition_dir(root, table, year), parquet.PART_FILE)


def exists(root: str | Path, table: str, year: str) -> bool:
    fs, path = resolve(file_location(root, table, year))
    return fs.get_file_info(path).type == pafs.FileType.File


def _describe(write: parquet.PendingWrite) -> dict:
    """rows (from the Parquet footer), bytes and sha256 of a file written aside (on the destination's filesystem)."""
    if write.tmp is None:
        raise ValueError(f"{write.final}: a removal has no file to describe")
    fs, _ = resolve(write.final)
    size, sha = _sha256(fs, write.tmp)
    with fs.open_input_file(write.tmp) as f:
        rows = pq.ParquetFile(f).metadata.num_rows
    return {"rows": rows, "bytes": size, "sha256": sha}


def _sha256(fs: pafs.FileSystem, path: str) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with fs.open_input_stream(path) as stream:
        while chunk := stream.read(1 << 22):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def _table_of(write: parquet.PendingWrite) -> str:
    """`<root>/<table>/year=<Y>/part-0.parquet` → table."""
    return write.final.rstrip("/").rsplit("/", 3)[-3]


def read_stamp(root: str | Path, year: str) -> dict[str, dict | None] | None:
    """table -> its entry ({rows, bytes, sha256}, or None: no file), or None when there is no readable stamp."""
    text = read_text(stamp_location(root, year))
    if text is None:
        return None
    try:
        stamp = json.loads(text)
    except ValueError:
        return None
    if not isinstance(stamp, dict) or stamp.get("version") != VERSION or not isinstance(stamp.get("tables"), dict):
        return None
    return stamp["tables"]


def commit(root: str | Path, year: str, writes: list[parquet.PendingWrite], tables: tuple[str, ...]
           ) -> list[str | None]:
    """`parquet.commit` of the year's `writes` under `root`, then the year's stamp over `tables`: the entries of
    the tables written now, the last stamp's for the others (which the caller found intact)."""
    entries = dict(read_stamp(root, year) or {})
    for w in writes:
        entries[_table_of(w)] = None if w.tmp is None else _describe(w)
    out = parquet.commit(writes)
    write_text(stamp_location(root, year), json.dumps(
        {"version": VERSION, "tables": {t: entries.get(t) for t in tables}}, sort_keys=True, indent=1))
    return out


def write_partitions(root: str | Path, year: str, tables: dict) -> list[str | None]:
    """Replace the year's `tables` ({name: Arrow table}) under `root` in one stamped commit."""
    return commit(root, year, [parquet.prepare_partition(root, name, year, data) for name, data in tables.items()],
                  tuple(tables))


def verify(root: str | Path, year: str, tables: tuple[str, ...]) -> tuple[dict[str, str | None] | None, str | None]:
    """(table -> sha256 of its file, None: no file; what is wrong) for the year's staged `tables` under `root`
    against its stamp: (digests, None) when all are intact, (None, the first problem) otherwise. Reads every file
    whole."""
    stamp = read_stamp(root, year)
    if stamp is None:
        return None, f"{parquet.join(root, STAMPS)}: no stamp for {year}"
    out: dict[str, str | None] = {}
    for table in tables:
        if table not in stamp:
            return None, f"{table} {year}: not in the stamp"
        seen: dict = {}
        problem = _check(file_location(root, table, year), stamp[table], seen)
        if problem:
            return None, f"{table} {year}: {problem}"
        out[table] = seen.get("sha256")
    return out, None


def damage(root: str | Path, year: str, tables: tuple[str, ...]) -> str | None:
    """What is wrong with the year's staged `tables` under `root` (None: intact)."""
    return verify(root, year, tables)[1]


def _check(location: str, entry: dict | None, seen: dict) -> str | None:
    fs, path = resolve(location)
    info = fs.get_file_info(path)
    if entry is None:
        return "a file where the stamp records none" if info.type == pafs.FileType.File else None
    if info.type != pafs.FileType.File:
        return "missing"
    if info.size != entry.get("bytes"):
        return f"{info.size} bytes, the stamp records {entry.get('bytes')}"
    try:
        _, sha = _sha256(fs, path)
    except OSError as exc:
        return f"unreadable ({exc})"
    if sha != entry.get("sha256"):
        return "sha256 differs from the stamp"
    seen["sha256"] = sha
    return None
