"""Which report years changed in the raw folder since the last look: the state behind the raw-folder sensor.

The state maps each file to (size, mtime, sha256, year). A file whose size and mtime are unchanged is not read
again; a touched file whose bytes are unchanged is no change. The years to run are those of added and removed
files, and both the old and the new year of a changed one. Each year also carries a chained digest of its file
set (the previous digest + the current files), which makes a run key unique per change: re-evaluating the same
change gives the same key (Dagster then never runs it twice), and a later change of the year — even back to an
earlier content — gives a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from gip_pipeline.storage import location
from gip_pipeline.ingest.inventory import inventory_row

STATE_VERSION = 1


@dataclass
class Scan:
    changed_years: list[str]  # newest first
    run_keys: dict[str, str]  # year -> run key for this change
    state: dict  # the new state (JSON-able)
    files: int = 0
    read: int = 0  # files whose bytes were read (new, or size/mtime changed)
    details: dict[str, list[str]] = field(default_factory=dict)  # year -> "added a.txt", …


def empty_state() -> dict:
    return {"v": STATE_VERSION, "files": {}, "years": {}}


def load_state(cursor: str | None) -> dict:
    if not cursor:
        return empty_state()
    state = json.loads(cursor)
    return state if state.get("v") == STATE_VERSION else empty_state()


def dump_state(state: dict) -> str:
    return json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(previous: str, files: list[tuple[str, str]]) -> str:
    h = hashlib.sha256(previous.encode())
    for rel, sha in sorted(files):
        h.update(f"\n{rel}\t{sha}".encode())
    return h.hexdigest()[:16]


def scan(raw_dir: str | Path, previous: dict) -> Scan:
    """Compare the raw folder with `previous` (see `load_state`): changed years, their run keys, the new state."""
    old_files: dict[str, list] = previous.get("files", {})
    new_files: dict[str, list] = {}
    details: dict[str, list[str]] = {}
    read = 0
    for f in location.list_files(raw_dir):
        old = old_files.get(f.rel)
        if old and old[0] == f.size and old[1] == f.mtime_ns:
            new_files[f.rel] = old
            continue
        row = inventory_row(raw_dir, f.rel)
        read += 1
        sha = row["source_sha256"] or f"unreadable:{f.size}:{f.mtime_ns}"
        new_files[f.rel] = [f.size, f.mtime_ns, sha, row["partition"]]
        if old is None:
            details.setdefault(row["partition"], []).append(f"added {f.rel}")
        elif old[2] != sha or old[3] != row["partition"]:
            details.setdefault(row["partition"], []).append(f"changed {f.rel}")
            if old[3] != row["partition"]:
                details.setdefault(old[3], []).append(f"moved out {f.rel}")
    for rel, old in old_files.items():
        if rel not in new_files:
            details.setdefault(old[3], []).append(f"removed {rel}")
    years = dict(previous.get("years", {}))
    run_keys = {}
    for year in details:
        files = [(rel, v[2]) for rel, v in new_files.items() if v[3] == year]
        years[year] = _digest(years.get(year, ""), files)
        run_keys[year] = f"raw-{year}-{years[year]}"
    changed = sorted(details, reverse=True)
    return Scan(changed, run_keys, {"v": STATE_VERSION, "files": new_files, "years": years},
                files=len(new_files), read=read, details={y: sorted(details[y]) for y in changed})
