"""Narrative vs table: the numbers section 一 (总体情况) states about applications, compared with tables 三 and 四.

Reports restate their key numbers in prose ("全年共接收1件政府信息公开申请", "其中自然人申请3件", "行政复议0件",
"未接收到依申请公开事项"); when the prose and the table disagree (seed 001: 8 in the text, 9 in the table) one of them
is wrong and an analyst should know. A mismatch is a `warning` quality row, never a gate: the table stays the data.
Works on the normalized (simplified, ASCII-punctuated) text, so the patterns need one spelling only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema

_N = r"(\d+)\s*"
_CLAUSE = r"[^,;。\d]"  # stay inside one clause

# (kind, pattern, fixed value or None = group 1): the first match of each kind wins
_PATTERNS: tuple[tuple[str, re.Pattern, int | None], ...] = (
    ("received", re.compile(r"(?:共|累计|合计|全年)\s*(?:收到|受理|接收|收办|办理)了?" + _CLAUSE + r"{0,12}?" + _N
                            + r"件" + _CLAUSE + r"{0,12}?申请"), None),
    ("received", re.compile(r"(?:共|累计|合计|全年)\s*(?:收到|受理|接收|收办)了?" + _CLAUSE + r"{0,12}?申请"
                            + _CLAUSE + r"{0,6}?" + _N + r"件"), None),
    ("received", re.compile(r"(?:未|没有)(?:接收到|收到|接收|受理)" + r"[^。]{0,30}?申请"), 0),
    *(((f"applicant:{code}", re.compile(label + r"(?:申请|提出申请|提出)?\s*" + _N + r"件"), None))
      for code, label in schema.APPLICANT_COLUMNS if code not in ("total", "other_org")),
    ("administrative_review", re.compile(r"行政复议\s*" + _N + r"(?:件|起|宗)"), None),
    ("administrative_review", re.compile(r"(?:未发生|没有发生|未有|无)[^。,]{0,30}?行政复议"), 0),
    ("litigation", re.compile(r"行政诉讼\s*" + _N + r"(?:件|起|宗)"), None),
    ("litigation", re.compile(r"(?:未发生|没有发生|未有|无)[^。]{0,30}?行政诉讼"), 0),
)


@dataclass(frozen=True)
class Claim:
    kind: str  # received | applicant:<code> | administrative_review | litigation
    value: int
    quote: str


def claims(text: str | None) -> list[Claim]:
    """The application/review numbers a 总体情况 text states, one per kind (the first statement)."""
    found: dict[str, Claim] = {}
    for kind, pattern, fixed in _PATTERNS:
        if kind in found or not text:
            continue
        m = pattern.search(text)
        if m:
            found[kind] = Claim(kind, fixed if fixed is not None else int(m.group(1)), m.group(0).strip())
    return list(found.values())


def _table_cells(kind: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    if kind == "received":
        return "applications", (("new_received", "total"),)
    if kind.startswith("applicant:"):
        return "applications", (("new_received", kind.split(":", 1)[1]),)
    if kind == "administrative_review":
        return "review_litigation", (("administrative_review", "total"),)
    return "review_litigation", (("litigation_direct", "total"), ("litigation_after_review", "total"))


def compare(report_id: str, text: str | None, applications: dict[tuple[str, str], int | None],
            review: dict[tuple[str, str], int | None]) -> list[dict]:
    """`quality` rows (severity `warning`) for every number section 一 states: passed, failed or not assessable."""
    rows = []
    for c in claims(text):
        table, cells = _table_cells(c.kind)
        source = applications if table == "applications" else review
        values = [source.get(cell) for cell in cells]
        names = " + ".join(f"{a}.{b}" for a, b in cells)
        table_value = None if None in values else sum(values)
        also = None
        if c.kind == "received" and table_value is not None and c.value != table_value:
            carried = applications.get(("carried_over", "total"))
            if carried and c.value == table_value + carried:  # 受理 can count last year's carry-over too
                also = f"= new_received.total + carried_over.total ({table_value} + {carried})"
        if table_value is None:
            status, passed = "not_assessable", False
            detail = f"section 一 states '{c.quote}' ({c.value}); table {names} is null"
        else:
            passed = c.value == table_value or also is not None
            status = "passed" if passed else "failed"
            detail = (f"section 一 states '{c.quote}' ({c.value}); table {names} = {table_value}"
                      + (f" {also}" if also else "") + ("" if passed else ": the text and the table disagree"))
        rows.append({"report_id": report_id, "check": f"narrative:{c.kind}", "severity": "warning",
                     "passed": passed, "status": status, "detail": detail,
                     "cells": json.dumps({"text": c.quote, "table": [f"{a}.{b}" for a, b in cells]},
                                         ensure_ascii=False)})
    return rows


# the only cells `compare` reads: (table, its two code columns, the column and codes that select them)
_CELLS = (("applications", "row_code", "applicant", "row_code", ("new_received", "carried_over")),
          ("review_litigation", "proceeding", "outcome", "outcome", ("total",)))


def narrative_rows(sections: pa.Table, applications: pa.Table, review: pa.Table) -> pa.Table:
    """`compare` for every report of a year, from the staged Arrow tables, as a `quality` table (warnings)."""
    cells: dict[str, dict[str, dict]] = {}
    for (name, a, b, by, keep), data in zip(_CELLS, (applications, review)):
        data = data.filter(pc.is_in(data[by], value_set=pa.array(keep, pa.string())))
        for rid, x, y, v in zip(*(data[c].to_pylist() for c in ("report_id", a, b, "value"))):
            cells.setdefault(rid, {}).setdefault(name, {})[(x, y)] = v
    first = sections.filter(pc.equal(sections["section_no"], 1))
    rows = []
    for rid, text in zip(first["report_id"].to_pylist(), first["text"].to_pylist()):
        c = cells.get(rid, {})
        rows.extend(compare(rid, text, c.get("applications", {}), c.get("review_litigation", {})))
    return pa.Table.from_pylist(rows, schema=schema.TABLE_SCHEMAS["quality"])
