"""Content digests that let a stage tell "nothing changed since last time" without redoing its work.

Why bytes and not mtimes: every stage replaces its files atomically on each run, so mtimes always move, while
Parquet written from the same rows is byte-identical (`storage` writes one chunk per column with fixed options).
A digest also covers the code that turns inputs into outputs, so a new gate or page layout is a change too.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from gip_pipeline.storage.location import resolve


def digest_files(locations: list[str], code_modules: tuple[str, ...] = (), extra: str = "") -> str:
    """sha256 over `extra`, the given modules' source (found, not imported: some import heavy libraries) and
    each location's name and bytes (a missing file counts too)."""
    h = hashlib.sha256(extra.encode())
    for name in code_modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ModuleNotFoundError(f"no source for {name}: a module the digest depends on was moved")
        h.update(Path(spec.origin).read_bytes())
    for loc in locations:
        h.update(f"{loc}\0".encode())
        fs, path = resolve(loc)
        try:
            with fs.open_input_stream(path) as stream:
                while chunk := stream.read(1 << 22):
                    h.update(chunk)
        except (FileNotFoundError, OSError):
            h.update(b"\0missing\0")
    return h.hexdigest()


def read_text(location: str) -> str | None:
    fs, path = resolve(location)
    try:
        with fs.open_input_stream(path) as stream:
            return stream.read().decode("utf-8")
    except (FileNotFoundError, OSError):
        return None


def write_text(location: str, text: str) -> None:
    """Replace a small text file (write aside, then move: a reader sees the old or the new file)."""
    fs, path = resolve(location)
    parent = path.rsplit("/", 1)[0]
    fs.create_dir(parent, recursive=True)
    tmp = f"{path}.tmp"
    with fs.open_output_stream(tmp) as stream:
        stream.write(text.encode("utf-8"))
    fs.move(tmp, path)
