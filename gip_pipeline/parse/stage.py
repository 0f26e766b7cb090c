"""Stage 3 — parsed reports: sections, metadata and the three tables as rows of the contract's tables."""

from __future__ import annotations

from gip_pipeline.contract import errors
from gip_pipeline.contract.errors import RejectedInput
from gip_pipeline.parse.facts import fact_rows, identity_operands
from gip_pipeline.parse.report import parse_report

PARSED_TABLES = ("reports", "sections", "applications", "review_litigation", "active_disclosure")


def _reject(n: dict, reason: str, detail: str, year: int | None) -> dict:
    return {"source_file": n["source_file"], "source_sha256": n["source_sha256"], "size_bytes": n["size_bytes"],
            "reason": reason, "detail": detail, "report_year": year}


def parse_normalized(normalized_rows: list[dict]) -> dict[str, list[dict]]:
    """Rows of every parsed table, plus `identity_operands` and `rejects`.

    One report's failure is its own: whatever parsing it or turning it into rows raises (a `NotAReport` aside,
    which keeps its reason) becomes its reject `internal_error` (`parse: <Type>: <message>`), and none of its rows
    is kept — the other reports are parsed as usual."""
    out: dict[str, list[dict]] = {t: [] for t in PARSED_TABLES + ("identity_operands", "rejects")}
    for n in normalized_rows:
        if n["reject_reason"]:
            out["rejects"].append(_reject(n, n["reject_reason"], n["reject_detail"], n["folder_year"]))
            continue
        try:
            with errors.stage("parse"):
                parsed = parse_report(n["text"], fallback_year=n["folder_year"])
                rid = n["report_id"]
                rows = fact_rows(rid, parsed, n, n)
                operands = identity_operands(rid, parsed.format, parsed.applications, parsed.review, parsed.unread)
        except RejectedInput as exc:  # NotAReport, or the guard's internal_error
            out["rejects"].append(_reject(n, exc.reason, exc.detail, n["folder_year"]))
            continue
        for table, table_rows in rows.items():
            out[table].extend(table_rows)
        out["identity_operands"].extend(operands)
    return out


def parse_tables(normalized_rows: list[dict]) -> dict:
    """`parse_normalized` as Arrow tables (what the parse workers return). A report whose rows Arrow cannot hold
    (a value out of its column's range …) would fail the whole chunk: then the chunk is stored report by report,
    and such a report becomes its reject `internal_error` (`store: <Type>: <message>`)."""
    from gip_pipeline.storage import parquet

    out = parse_normalized(normalized_rows)
    try:
        return {name: parquet.to_table(rows, name) for name, rows in out.items()}
    except Exception:  # noqa: BLE001 - find the report, keep the others
        pass
    parts: dict[str, list] = {name: [] for name in out}
    for n in normalized_rows:
        one = parse_normalized([n])
        try:
            tables = {name: parquet.to_table(rows, name) for name, rows in one.items()}
        except Exception as exc:  # noqa: BLE001
            failed = {name: [] for name in one}
            failed["rejects"] = [_reject(n, "internal_error", errors.describe("store", exc), n["folder_year"])]
            tables = {name: parquet.to_table(rows, name) for name, rows in failed.items()}
        for name, table in tables.items():
            parts[name].append(table)
    import pyarrow as pa

    return {name: pa.concat_tables(tables) for name, tables in parts.items()}
