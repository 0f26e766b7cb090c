"""Storage locations — a local path, a `file://` or an `s3://` URI — resolved to a pyarrow filesystem.

Why: the same stage code writes to a local disk in development and to object storage in production. Locations
stay plain strings (so they fit in Dagster config and CLI flags); S3 endpoint and credentials come from the
standard AWS environment (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, …) that Arrow's S3 client reads itself.
"""

from __future__ import annotations

import errno
import os
import re
import stat
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
    rel: str  # `/`-separated path below the raw root; bytes of a name that are not UTF-8 written as `\\xNN`
    size: int
    mtime_ns: int
    problem: str | None = None  # why it is not read (a broken link, a FIFO, a folder that cannot be listed)


def display_name(name: str) -> str:
    """A file name as text: names are bytes on Linux, and a GBK name is not UTF-8 (Python keeps such bytes as
    surrogates, which Parquet cannot store): those bytes are written `\\xNN`, everything else as it is."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


_ESCAPED = re.compile(rb"\\x([0-9a-f]{2})")


def _os_path(base: str, rel: str) -> str:
    """The file system path of `rel` as `list_files` wrote it (its `\\xNN` escapes undone where needed)."""
    path = os.path.join(base, rel)
    if "\\x" not in rel or os.path.lexists(path):
        return path
    return os.fsdecode(_ESCAPED.sub(lambda m: bytes([int(m.group(1), 16)]), os.fsencode(path)))


def list_files(location: str | Path) -> list[RawFile]:
    """Every entry below a location that is an input, hidden ones included, sorted by path.

    Local folders are walked iteratively (no depth limit) without ever following a folder twice: a link to a
    folder is followed once, by (device, inode), so `self -> .` or `loop/up -> ..` add nothing. Entries that are
    not regular files (broken links, FIFOs, sockets, devices) and folders that cannot be listed come back with a
    `problem`: they are inputs that cannot be read (rejects), never opened (a FIFO would block the run)."""
    if is_local(location):
        return _walk_local(str(local_path(location)))
    fs, base = resolve(location)
    info = fs.get_file_info(base)
    if info.type != pafs.FileType.Directory:
        return []
    out = []
    for f in fs.get_file_info(pafs.FileSelector(base, recursive=True)):
        if f.type == pafs.FileType.File:
            out.append(RawFile(f.path[len(base):].lstrip("/"), f.size, f.mtime_ns or 0))
    return sorted(out)


def _walk_local(base: str) -> list[RawFile]:
    try:
        st = os.stat(base)
    except OSError:
        return []
    if not stat.S_ISDIR(st.st_mode):
        return []
    seen = {(st.st_dev, st.st_ino)}
    out: list[RawFile] = []
    todo = [""]
    while todo:
        folder = todo.pop()
        try:
            with os.scandir(os.path.join(base, folder) if folder else base) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            out.append(RawFile(display_name(folder), 0, 0, f"folder could not be listed: {exc.strerror or exc}"))
            continue
        subfolders = []
        for e in entries:
            rel = f"{folder}/{e.name}" if folder else e.name
            try:
                est = e.stat()  # through a link: what it points to
            except OSError as exc:
                why = "a broken link" if e.is_symlink() else f"cannot be looked at: {exc.strerror or exc}"
                out.append(RawFile(display_name(rel), 0, 0, why))
                continue
            if stat.S_ISDIR(est.st_mode):
                if (est.st_dev, est.st_ino) not in seen:
                    seen.add((est.st_dev, est.st_ino))
                    subfolders.append(rel)
            elif stat.S_ISREG(est.st_mode):
                out.append(RawFile(display_name(rel), est.st_size, est.st_mtime_ns))
            else:
                out.append(RawFile(display_name(rel), 0, 0, "not a regular file (a FIFO, a socket or a device)"))
        todo.extend(reversed(subfolders))
    return sorted(out)


class TooLarge(OSError):
    """A file larger than the caller's limit: not read into memory at all."""


def read_bytes(location: str | Path, rel: str, max_bytes: int | None = None) -> bytes:
    """The bytes of `rel` below `location`. Locally the file is opened without blocking and read only when it is
    a regular file (a FIFO put in place of a listed file cannot hang the run); `max_bytes` bounds what is read."""
    if is_local(location):
        fd = os.open(_os_path(str(local_path(location)), rel), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise OSError(errno.EINVAL, "not a regular file (a FIFO, a socket or a device)")
            if max_bytes is not None and st.st_size > max_bytes:
                raise TooLarge(errno.EFBIG, f"{st.st_size} bytes > limit {max_bytes}")
            data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    else:
        fs, base = resolve(location)
        with fs.open_input_stream(f"{base}/{rel}") as f:
            data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLarge(errno.EFBIG, f"more than {max_bytes} bytes (the limit)")
    return data


def exists_dir(location: str | Path) -> bool:
    fs, base = resolve(location)
    return fs.get_file_info(base).type == pafs.FileType.Directory
