"""Stage 3 — parsed reports: sections, metadata and the three tables as rows of the contract's tables."""

from __future__ import annotations

from ..core.facts import fact_rows, identity_operands
from ..core.parse import NotAReport, parse_report

PARSED_TABLES = ("reports", "sections", "applications", "review_litigation", "active_disclosure")


def _reject(n: dict, reason: str, detail: str, year: int | None) -> dict:
    return {"source_file": n["source_file"], "source_sha256": n["source_sha256"], "size_bytes": n["size_bytes"],
            "reason": reason, "detail": detail, "report_year": year}


def parse_normalized(normalized_rows: list[dict]) -> dict[str, list[dict]]:
    """Rows of every parsed table, plus `identity_operands` and `rejects`."""
    out: dict[str, list[dict]] = {t: [] for t in PARSED_TABLES + ("identity_operands", "rejects")}
    for n in normalized_rows:
        if n["reject_reason"]:
            out["rejects"].append(_reject(n, n["reject_reason"], n["reject_detail"], n["folder_year"]))
            continue
        try:
            parsed = parse_report(n["text"], fallback_year=n["folder_year"])
        except NotAReport as exc:
            out["rejects"].append(_reject(n, exc.reason, exc.detail, n["folder_year"]))
            continue
        rid = n["report_id"]
        for table, rows in fact_rows(rid, parsed, n, n).items():
            out[table].extend(rows)
        out["identity_operands"].extend(identity_operands(rid, parsed.format, parsed.applications, parsed.review,
                                                            parsed.unread))
    return out
