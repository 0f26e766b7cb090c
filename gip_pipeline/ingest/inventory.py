"""Stage 1 — raw inventory: every file under the raw folder with its sha256, size and report year.

The report year comes from the report's own text (title, then statistics period); a `<year>/` folder name is
only the fallback. Files whose year cannot be told at all land in the partition `undated` (they are rejects).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from gip_pipeline.ingest.containers import limits, to_text
from gip_pipeline.ingest.normalize import to_simplified
from gip_pipeline.contract import schema
from gip_pipeline.parse.report import read_metadata
from gip_pipeline.storage import integrity, location, pool, parquet

UNDATED = "undated"
_YEAR_DIR = re.compile(r"^(19|20)\d\d$")


def folder_year(rel_path: str) -> int | None:
    for part in reversed(rel_path.split("/")[:-1]):
        if _YEAR_DIR.match(part):
            return int(part)
    return None


def detect_year(data: bytes, rel_path: str) -> tuple[int | None, str | None]:
    """(year, source) where source is 'title', 'statistics_period' or 'folder'.

    Best effort: whatever converting the file raises here, the folder year stands, and the normalization stage
    reads the file again and rejects it with the reason that fits."""
    try:
        text = to_text(data, rel_path).text  # HTML/PDF/DOCX converted (kept in memory for the next stage)
        lines = to_simplified(text[:4000]).split("\n")
        _, _, year, source, _ = read_metadata(lines, lines[:12], None)
    except Exception:  # noqa: BLE001 — one file's failure must not stop the inventory
        year = source = None
    if year is not None:
        return year, source
    fy = folder_year(rel_path)
    return (fy, "folder") if fy is not None else (None, None)


def list_raw_files(raw_dir: str | Path) -> list[Path]:
    """Every regular file below a local raw folder, in a stable order."""
    raw_dir = Path(raw_dir)
    return [raw_dir / f.rel for f in location.list_files(raw_dir) if f.problem is None]


def _unread_row(rel: str, reason: str, detail: str) -> dict:
    fy = folder_year(rel)
    return {"source_file": rel, "source_sha256": None, "size_bytes": None, "detected_year": fy,
            "year_source": "folder" if fy else None, "partition": str(fy) if fy else UNDATED,
            "read_error": detail, "read_reason": reason, "duplicate_of": None}


def read_input(raw_dir: str | Path, rel: str) -> bytes:
    """The bytes of one input, at most `limits.MAX_FILE_BYTES` (`location.TooLarge` beyond: never read)."""
    return location.read_bytes(raw_dir, rel, limits.MAX_FILE_BYTES)


def inventory_row(raw_dir: str | Path, rel: str) -> dict:
    """One raw file: sha256, size and the report year read from its own text (the partition it belongs to).
    Never raises: a file that cannot be read is a row with `read_reason` (a reject of the next stage)."""
    try:
        data = read_input(raw_dir, rel)
    except location.TooLarge as exc:
        return _unread_row(rel, "too_large", f"file of {exc.strerror}")
    except OSError as exc:
        return _unread_row(rel, "unreadable", f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}")
    try:
        year, source = detect_year(data, rel)
        sha = hashlib.sha256(data).hexdigest()
    except Exception as exc:  # noqa: BLE001 — a bug of ours costs this file, never the run
        return _unread_row(rel, "internal_error", f"inventory: {type(exc).__name__}: {exc}"[:500])
    return {"source_file": rel, "source_sha256": sha, "size_bytes": len(data),
            "detected_year": year, "year_source": source,
            "partition": str(year) if year is not None else UNDATED, "read_error": None, "read_reason": None,
            "duplicate_of": None}


def _inventory_chunk(job: list[tuple[str, str]]) -> list[dict]:
    return [inventory_row(raw_dir, rel) for raw_dir, rel in job]


def _staged_rows(staging: str | Path | None) -> dict[tuple, dict]:
    """(path, size, mtime) → the inventory row staged by an earlier run (this parser version, read without error):
    the persistent cache that lets a nightly run read only new and changed files."""
    if staging is None:
        return {}
    root = parquet.join(staging, "raw_inventory")
    out: dict[tuple, dict] = {}
    for year in parquet.list_partitions(root, "raw_inventory"):
        if integrity.damage(root, year, ("raw_inventory",)):
            continue  # not what its stage committed (truncated, changed, no stamp): its files are read again
        table = parquet.read_partition(root, "raw_inventory", year)
        if not table.schema.equals(schema.ALL_SCHEMAS["raw_inventory"], check_metadata=False):
            continue  # staged by an older version of the pipeline
        for row in table.to_pylist():
            if row["read_error"] is None and row["parser_version"] == schema.PARSER_VERSION:
                out[(row["source_file"], row["size_bytes"], row["mtime_ns"])] = row
    return out


# (raw folder, path, size, mtime) -> (sha256, year, year source): `gip run` lists the years before the run and the
# raw asset inventories again in the same process; a new file is read and year-detected once, not twice.
_SEEN: dict[tuple, tuple] = {}
_SEEN_MAX = 1_000_000


def inventory(raw_dir: str | Path, staging: str | Path | None = None, counts: dict | None = None) -> list[dict]:
    """Every entry of the raw folder, sorted by path. Files unchanged since the inventory staged under `staging`
    (same path, size and mtime) are not read again; the others are read and year-detected in a process pool.
    `counts`, when given, receives how many files were `read` and how many came from the staged `cache`."""
    files = location.list_files(raw_dir)
    staged = _staged_rows(staging)
    rows: dict[str, dict] = {}
    todo = []
    for f in files:
        if f.problem is not None:
            rows[f.rel] = _unread_row(f.rel, "unreadable", f.problem)
            continue
        hit = staged.get((f.rel, f.size, f.mtime_ns))
        seen = _SEEN.get((str(raw_dir), f.rel, f.size, f.mtime_ns))
        if hit is not None:
            rows[f.rel] = hit
        elif seen is not None:
            sha, year, source = seen
            rows[f.rel] = {"source_file": f.rel, "source_sha256": sha, "size_bytes": f.size, "detected_year": year,
                           "year_source": source, "partition": str(year) if year is not None else UNDATED,
                           "read_error": None, "read_reason": None}
        else:
            todo.append(f)
    for f, row in zip(todo, (r for part in pool.map_chunks(_inventory_chunk, [(str(raw_dir), f.rel) for f in todo],
                                                           chunk=200) for r in part)):
        rows[f.rel] = row
        if row["read_error"] is None:  # an unreadable file is tried again next time
            if len(_SEEN) >= _SEEN_MAX:
                _SEEN.clear()
            _SEEN[(str(raw_dir), f.rel, f.size, f.mtime_ns)] = (row["source_sha256"], row["detected_year"],
                                                                 row["year_source"])
    if counts is not None:
        counts.update(read=len(todo), cache=sum(f.problem is None for f in files) - len(todo))
    out = []
    first: dict[str, str] = {}  # sha256 -> the first file with those bytes, over every year
    for f in files:  # sorted by path
        row = {**rows[f.rel], "mtime_ns": f.mtime_ns, "parser_version": schema.PARSER_VERSION}
        sha = row["source_sha256"]
        owner = f.rel if sha is None else first.setdefault(sha, f.rel)
        row["duplicate_of"] = owner if owner != f.rel else None
        out.append(row)
    return out


def partitions_in(raw_dir: str | Path, staging: str | Path | None = None) -> list[str]:
    return sorted({r["partition"] for r in inventory(raw_dir, staging)}, reverse=True)
