"""A parsed report (or a reject) → rows of the contract's tables, and the identity operands for the gate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from . import schema
from .bodies import body_key
from .cells import Cell
from .parse import ParsedReport
from .region import region_columns


def report_id_for(sha256: str) -> str:
    """Stable report key: the first 16 hex digits of the raw bytes' sha256."""
    return sha256[:16]


def fact_rows(report_id: str, parsed: ParsedReport, source: dict, normalized: dict) -> dict[str, list[dict]]:
    """Rows for reports, sections, applications, review_litigation and active_disclosure."""
    out: dict[str, list[dict]] = {}
    out["reports"] = [{
        "report_id": report_id, "source_file": source["source_file"], "source_sha256": source["source_sha256"],
        "report_year": parsed.report_year, "agency": parsed.agency, "body_key": body_key(parsed.agency),
        "published_on": parsed.published_on,
        "script": normalized["script"], "format": parsed.format, "disclosure_format": parsed.disclosure_format,
        "title": parsed.title, "encoding": normalized["encoding"], "size_bytes": source["size_bytes"],
        "year_source": parsed.year_source, "normalization": normalized.get("changes"),
        "parser_version": schema.PARSER_VERSION,
        "warnings": list(parsed.warnings),
        **region_columns(parsed.agency),
        "container": normalized.get("container") or "txt", "converter": normalized.get("converter"),
    }]
    out["sections"] = [{"report_id": report_id, "section_no": s.number, "heading": s.heading, "text": s.text,
                        "line": s.start} for s in parsed.sections]
    out["applications"] = [
        {"report_id": report_id, "row_code": row, "applicant": col, "value": c.value, "raw": c.raw,
         "derived": c.derived, "line": c.line}
        for (row, col), c in parsed.applications.items()]
    out["review_litigation"] = [
        {"report_id": report_id, "proceeding": p, "outcome": o, "value": c.value, "raw": c.raw,
         "derived": c.derived, "line": c.line}
        for (p, o), c in parsed.review.items()]
    out["active_disclosure"] = [
        {"report_id": report_id, "item": item, "category": cat, "metric": metric,
         "value": None if c.value is None else float(c.value), "raw": c.raw, "unit": unit, "line": c.line}
        for item, cat, metric, c, unit in parsed.disclosure]
    return out


@dataclass(frozen=True)
class _Plan:
    """What one identity instance contributes to every report's operand rows (the same for every report)."""
    family: str
    check: str
    table: str
    lhs: tuple[tuple[str, str], ...]
    rhs: tuple[tuple[str, str], ...]
    names: tuple[str, ...]  # "row.column" of lhs + rhs
    cells_json: str


@lru_cache(maxsize=None)
def _plans(fmt: str) -> tuple[_Plan, ...]:
    return tuple(
        _Plan(i.name, i.check, i.table, i.lhs, i.rhs, tuple(f"{a}.{b}" for a, b in i.cells),
              json.dumps({"lhs": [f"{a}.{b}" for a, b in i.lhs], "rhs": [f"{a}.{b}" for a, b in i.rhs]},
                         ensure_ascii=False))
        for i in schema.application_identities(fmt) + schema.review_identities())


def identity_operands(report_id: str, fmt: str, applications: dict[tuple[str, str], Cell],
                      review: dict[tuple[str, str], Cell], unread: dict[str, list[str]] | None = None) -> list[dict]:
    """One row per identity instance: the sums of both sides (null when a cell is null) and the cells involved,
    plus one `complete` row per table (parts found = parts expected).

    Equality itself is decided by the Great Expectations suite generated from the same declarations.
    """
    rows = []
    expected = {"applications": len(schema.application_rows(fmt)), **schema.COMPLETENESS_EXPECTED}
    for table, missing in (unread or {}).items():
        rows.append({"report_id": report_id, "family": "complete", "check": f"complete:{table}",
                     "lhs": expected[table] - len(missing), "rhs": expected[table], "missing": "",
                     "detail": (f"{expected[table] - len(missing)} of {expected[table]} found"
                                + (f"; not found: {', '.join(missing)}" if missing else "")),
                     "cells": json.dumps({"not_found": missing}, ensure_ascii=False)})
    values = {"applications": {k: c.value for k, c in applications.items()},
              "review_litigation": {k: c.value for k, c in review.items()}}
    for plan in _plans(fmt):
        get = values[plan.table].get
        lhs_vals = [get(c) for c in plan.lhs]
        rhs_vals = [get(c) for c in plan.rhs]
        nl = len(lhs_vals)
        shown = [f"{name}={'null' if v is None else v}" for name, v in zip(plan.names, lhs_vals + rhs_vals)]
        lhs = None if None in lhs_vals else sum(lhs_vals)
        rhs = None if None in rhs_vals else sum(rhs_vals)
        rows.append({"report_id": report_id, "family": plan.family, "check": plan.check, "lhs": lhs, "rhs": rhs,
                     "missing": ", ".join(name for name, v in zip(plan.names, lhs_vals + rhs_vals) if v is None),
                     "detail": f"{' + '.join(shown[:nl])} (= {lhs}) vs {' + '.join(shown[nl:])} (= {rhs})",
                     "cells": plan.cells_json})
    return rows
