"""Stage 2 — normalized text: decode and normalize each inventoried file; undecodable files become rejects."""

from __future__ import annotations

import json
from pathlib import Path

from ..core.facts import report_id_for
from ..containers import normalize_file
from ..core.normalize import DecodeError
from . import location
from .raw import folder_year


def normalize_files(raw_dir: str | Path, inventory_rows: list[dict]) -> list[dict]:
    out = []
    seen: dict[str, str] = {}
    for inv in inventory_rows:
        row = {"report_id": None, "source_file": inv["source_file"], "source_sha256": inv["source_sha256"],
               "size_bytes": inv["size_bytes"], "folder_year": folder_year(inv["source_file"]), "encoding": None,
               "script": None, "changes": None, "text": None, "reject_reason": None, "reject_detail": None,
               "container": None, "converter": None}
        out.append(row)
        if inv["read_error"]:
            row.update(reject_reason="unreadable", reject_detail=inv["read_error"])
            continue
        sha = inv["source_sha256"]
        row["report_id"] = report_id_for(sha)
        if sha in seen:
            row.update(reject_reason="duplicate", reject_detail=f"same bytes as {seen[sha]}")
            continue
        seen[sha] = inv["source_file"]
        try:
            data = location.read_bytes(raw_dir, inv["source_file"])
            norm = normalize_file(data, inv["source_file"])  # txt: the text path; html/pdf/docx: converted first
        except DecodeError as exc:
            row.update(reject_reason=exc.reason, reject_detail=exc.detail)
            continue
        except OSError as exc:
            row.update(reject_reason="unreadable", reject_detail=f"{type(exc).__name__}: {exc}")
            continue
        row.update(encoding=norm.encoding, script=norm.script, text=norm.text,
                   changes=json.dumps(norm.changes, sort_keys=True), container=norm.container,
                   converter=norm.converter)
    return out
