"""A parsed report (or a reject) → rows of the contract's tables, and the identity operands for the gate."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from gip_pipeline.contract import schema
from gip_pipeline.parse.bodies import body_key
from gip_pipeline.parse.cells import Cell
from gip_pipeline.parse.report import ParsedReport
from gip_pipeline.parse.region import region_columns


def report_id_for(sha256: str) -> str:
    """Stable report key: the first 16 hex digits of the raw bytes' sha256."""
    return sha256[:16]


# Counts are int64 (the Parquet column); a sum of them must fit too (`identity_operands`).
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1
_EXACT_FLOAT = 1 << 53  # every whole number below it is exact in a float64
_UNIT_SUFFIX = re.compile(r"(万元|元|万|件|项|个)$")


def count_value(value: int | float | None) -> int | None:
    """A count cell's value as it can be published: a whole number that fits int64, else None (never truncated:
    3.5 is not 3, and 99999999999999999999 is no int64). A whole number written with a decimal point (3.0) is
    that number."""
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and _I64_MIN <= value <= _I64_MAX:
        return value
    return None


def _count_problem(what: str, cell: Cell) -> str | None:
    """The warning for a count cell whose value cannot be published (`count_value` is None), else None."""
    if cell.value is None or count_value(cell.value) is not None:
        return None
    shown = cell.raw if cell.raw is not None else cell.value
    if isinstance(cell.value, float):
        why = "is too large to read exactly" if cell.value.is_integer() else "is not a whole number"
    else:
        why = "does not fit a 64-bit count"
    return f"{what}: '{shown}' {why}; a count must be one, left null"


def amount_value(value: int | float | None, raw: str | None) -> float | None:
    """A table 二 value as a float64, when the float reads back as the number written (to 15 significant digits,
    what a float64 holds); else None: 99999999999999999999 would publish as 1e20, a 400-digit run as inf."""
    if value is None:
        return None
    if raw is not None and len(raw) <= 15 and raw.isdigit() and raw.isascii():  # most cells
        return float(value)
    try:
        value = float(value)
    except OverflowError:
        return None
    if not math.isfinite(value):
        return None
    written = _written_number(raw)
    if written is not None and Decimal(format(value, ".15g")) != written:
        return None
    return value


def _written_number(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    text = _UNIT_SUFFIX.sub("", raw.strip()).replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def fact_rows(report_id: str, parsed: ParsedReport, source: dict, normalized: dict) -> dict[str, list[dict]]:
    """Rows for reports, sections, applications, review_litigation and active_disclosure.

    A number that cannot be published as written (`count_value`, `amount_value`) is null, its `raw` kept, and the
    report's warnings say why."""
    out: dict[str, list[dict]] = {}
    unfit = [w for w in (_count_problem(f"applications {r}.{col}", c) for (r, col), c in parsed.applications.items())
             if w]
    unfit += [w for w in (_count_problem(f"review_litigation {p}.{o}", c) for (p, o), c in parsed.review.items()) if w]
    unfit += [f"active_disclosure {item} {cat} {metric}: '{c.raw}' is beyond what a float64 holds exactly; left null"
              for item, cat, metric, c, _ in parsed.disclosure
              if c.value is not None and amount_value(c.value, c.raw) is None]
    out["reports"] = [{
        "report_id": report_id, "source_file": source["source_file"], "source_sha256": source["source_sha256"],
        "report_year": parsed.report_year, "agency": parsed.agency, "body_key": body_key(parsed.agency),
        "published_on": parsed.published_on,
        "script": normalized["script"], "format": parsed.format, "disclosure_format": parsed.disclosure_format,
        "title": parsed.title, "encoding": normalized["encoding"], "size_bytes": source["size_bytes"],
        "year_source": parsed.year_source, "normalization": normalized.get("changes"),
        "parser_version": schema.PARSER_VERSION,
        "warnings": list(parsed.warnings) + unfit,
        **region_columns(parsed.agency),
        "container": normalized.get("container") or "txt", "converter": normalized.get("converter"),
    }]
    out["sections"] = [{"report_id": report_id, "section_no": s.number, "heading": s.heading, "text": s.text,
                        "line": s.start} for s in parsed.sections]
    out["applications"] = [
        {"report_id": report_id, "row_code": row, "applicant": col, "value": count_value(c.value), "raw": c.raw,
         "derived": c.derived, "line": c.line}
        for (row, col), c in parsed.applications.items()]
    out["review_litigation"] = [
        {"report_id": report_id, "proceeding": p, "outcome": o, "value": count_value(c.value), "raw": c.raw,
         "derived": c.derived, "line": c.line}
        for (p, o), c in parsed.review.items()]
    out["active_disclosure"] = [
        {"report_id": report_id, "item": item, "category": cat, "metric": metric,
         "value": amount_value(c.value, c.raw), "raw": c.raw, "unit": unit, "line": c.line}
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
    values = {"applications": {k: count_value(c.value) for k, c in applications.items()},
              "review_litigation": {k: count_value(c.value) for k, c in review.items()}}
    for plan in _plans(fmt):
        get = values[plan.table].get
        lhs_vals = [get(c) for c in plan.lhs]
        rhs_vals = [get(c) for c in plan.rhs]
        nl = len(lhs_vals)
        shown = [f"{name}={'null' if v is None else v}" for name, v in zip(plan.names, lhs_vals + rhs_vals)]
        lhs = None if None in lhs_vals else count_value(sum(lhs_vals))  # a sum beyond int64: not assessable
        rhs = None if None in rhs_vals else count_value(sum(rhs_vals))
        rows.append({"report_id": report_id, "family": plan.family, "check": plan.check, "lhs": lhs, "rhs": rhs,
                     "missing": ", ".join(name for name, v in zip(plan.names, lhs_vals + rhs_vals) if v is None),
                     "detail": f"{' + '.join(shown[:nl])} (= {lhs}) vs {' + '.join(shown[nl:])} (= {rhs})",
                     "cells": plan.cells_json})
    return rows
