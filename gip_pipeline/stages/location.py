"""Storage locations — a local path, a `file://` or an `s3://` URI — resolved to a pyarrow filesystem.

Why: the same stage code writes to a local disk in development and to object storage in production. Locations
stay plain strings (so they fit in Dagster config and CLI flags); S3 endpoint and credentials come from the
standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, …) that Arrow's S3 client reads itself.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pyarrow.fs as pafs


def is_uri(location: str | Path) -> bool:
    return "://" in str(location)


def is_local(location: str | Path) -> bool:
    return not is_uri(location) or str(location).startswith("file://")


def local_path(location: str | Path) -> Path:
    """The local folder of a path or file:// location (for locks and other OS-only features)."""
    s = str(location)
    return Path(s[len("file://"):]) if s.startswith("file://") else Path(s)


def join(location: str | Path, *parts: str) -> str:
    if not is_uri(location):
        return str(Path(location, *parts))
    return "/".join([str(location).rstrip("/"), *parts])


@lru_cache(maxsize=16)
def _filesystem(prefix: str) -> pafs.FileSystem:
    return pafs.FileSystem.from_uri(prefix)[0]


def resolve(location: str | Path) -> tuple[pafs.FileSystem, str]:
    """(filesystem, path inside it). Filesystems are cached per scheme and bucket: S3 clients are costly."""
    s = str(location)
    if not is_uri(s):
        return pafs.LocalFileSystem(), os.path.abspath(s)
    scheme, rest = s.split("://", 1)
    if scheme == "file":
        return pafs.LocalFileSystem(), os.path.abspath(rest)
    bucket = rest.split("/", 1)[0]
    fs = _filesystem(f"{scheme}://{bucket}")
    return fs, rest.rstrip("/")


class RawFile(NamedTuple):
    rel: str  # `/`-separated path below the raw root
    size: int
    mtime_ns: int


def list_files(location: str | Path) -> list[RawFile]:
    """Every file below a location, hidden ones (any `.`-prefixed part) excluded, in a stable order."""
    fs, base = resolve(location)
    info = fs.get_file_info(base)
    if info.type != pafs.FileType.Directory:
        return []
    out = []
    for f in fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        if f.type != pafs.FileType.File:
            continue
        rel = f.path[len(base):].lstrip("/")
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        out.append(RawFile(rel, f.size, f.mtime_ns or 0))
    return sorted(out)


def read_bytes(location: str | Path, rel: str) -> bytes:
    fs, base = resolve(location)
    with fs.open_input_stream(f"{base}/{rel}") as f:
        return f.read()


def exists_dir(location: str | Path) -> bool:
    fs, base = resolve(location)
    return fs.get_file_info(base).type == pafs.FileType.Directory
