"""Great Expectations 1.x suites generated from `core.schema`, and the gate that turns results into rows.

Two kinds of suites:
- the identity suite: one `ExpectColumnPairValuesToBeEqual` per identity family over the identity operands
  (one row per report × identity instance, lhs and rhs summed from the declared cells), plus non-negative counts;
  per-report results become `quality` rows and decide curated vs quarantine;
- one schema suite per fact table: exact column list and code sets; a failure blocks the year's publish.

GX has no polars engine, so batches are pandas frames built from Arrow. Imported only by the steps that gate.
"""

from __future__ import annotations

import os
from functools import lru_cache

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.expectations.row_conditions import Column  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

from ..core import schema  # noqa: E402

NON_NEGATIVE = "non_negative"


@lru_cache(maxsize=1)
def _context():
    ctx = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # progress bars are cosmetic; never fail the gate over them
        pass
    return ctx


@lru_cache(maxsize=None)
def _batch_definition(name: str):
    ds = _context().data_sources.add_pandas(f"gip_{name}")
    return ds.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)


def _validate(name: str, df: pd.DataFrame, suite: gx.ExpectationSuite):
    batch = _batch_definition(name).get_batch(batch_parameters={"dataframe": df})
    return batch.validate(suite, result_format="COMPLETE")


def identity_suite() -> gx.ExpectationSuite:
    _context()  # suites need an active context
    suite = gx.ExpectationSuite(name="gip_identities")
    for family, description in schema.IDENTITY_FAMILIES.items():
        suite.add_expectation(gxe.ExpectColumnPairValuesToBeEqual(
            column_A="lhs", column_B="rhs", ignore_row_if="either_value_is_missing",
            row_condition=Column("family") == family,
            meta={"family": family, "description": description}))
    return suite


def non_negative_suite() -> gx.ExpectationSuite:
    _context()
    suite = gx.ExpectationSuite(name="gip_non_negative_counts")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0,
                                                            meta={"family": NON_NEGATIVE}))
    return suite


def schema_suite(table: str) -> gx.ExpectationSuite:
    _context()
    suite = gx.ExpectationSuite(name=f"gip_schema_{table}")
    suite.add_expectation(gxe.ExpectTableColumnsToMatchOrderedList(
        column_list=list(schema.TABLE_SCHEMAS[table].names)))
    for column, codes in code_sets(table).items():
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=list(codes)))
    if "report_id" in schema.TABLE_SCHEMAS[table].names:
        suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="report_id"))
    return suite


def code_sets(table: str) -> dict[str, tuple[str, ...]]:
    return {
        "reports": {"script": ("simplified", "traditional"), "format": schema.FORMATS},
        "sections": {"section_no": tuple(range(1, 7))},
        "applications": {"row_code": tuple(r.code for r in schema.APPLICATION_ROWS),
                         "applicant": schema.APPLICANT_CODES},
        "review_litigation": {"proceeding": schema.PROCEEDING_CODES, "outcome": schema.OUTCOME_CODES},
        "active_disclosure": {"item": tuple(i for i, _ in schema.DISCLOSURE_ITEMS),
                              "category": tuple(c for c, _ in schema.DISCLOSURE_CATEGORIES),
                              "metric": tuple(m.code for m in schema.DISCLOSURE_METRICS)},
        "quality": {"severity": ("error", "warning"), "status": ("passed", "failed", "not_assessable")},
    }.get(table, {})


def _frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=pd.ArrowDtype).reset_index(drop=True)


def gate(operands: pa.Table, applications: pa.Table, review: pa.Table) -> list[dict]:
    """Quality rows for every identity instance and every negative count: pass, fail or not assessable."""
    rows: list[dict] = []
    ops = operands.to_pylist()
    failed: set[int] = set()
    if ops:
        df = pd.DataFrame(ops)
        df["lhs"] = df["lhs"].astype("Int64")
        df["rhs"] = df["rhs"].astype("Int64")
        result = _validate("identity_operands", df, identity_suite())
        for r in result.results:
            failed.update(r.result.get("unexpected_index_list") or [])
    for i, op in enumerate(ops):
        if op["lhs"] is None or op["rhs"] is None:
            status, severity, passed = "not_assessable", "warning", False
            detail = f"not assessable: null cell(s) {op['missing']}; {op['detail']}"
        else:
            passed = i not in failed
            status, severity = ("passed" if passed else "failed"), "error"
            detail = ("holds: " if passed else "violated: ") + op["detail"]
        rows.append({"report_id": op["report_id"], "check": op["check"], "severity": severity, "passed": passed,
                     "detail": detail, "status": status, "cells": op["cells"]})
    for name, table, keys in (("applications", applications, ("row_code", "applicant")),
                              ("review_litigation", review, ("proceeding", "outcome"))):
        if not table.num_rows:
            continue
        df = _frame(table.select(["report_id", *keys, "value", "raw"]))
        result = _validate(name, df, non_negative_suite())
        bad = set(result.results[0].result.get("unexpected_index_list") or [])
        by_report: dict[str, list[str]] = {}
        for idx in sorted(bad):
            rec = df.iloc[idx]
            by_report.setdefault(rec["report_id"], []).append(f"{rec[keys[0]]}.{rec[keys[1]]}={rec['raw']}")
        for rid in sorted(set(df["report_id"])):
            cells = by_report.get(rid, [])
            rows.append({"report_id": rid, "check": f"{NON_NEGATIVE}:{name}", "severity": "error",
                         "passed": not cells, "status": "failed" if cells else "passed",
                         "detail": ("negative count(s): " + ", ".join(cells)) if cells else "all counts >= 0",
                         "cells": ", ".join(c.split("=")[0] for c in cells)})
    return rows


def validate_schema(tables: dict[str, pa.Table]) -> list[str]:
    """Schema-level failures (columns, types, codes) of the staged fact tables; empty when all conform."""
    problems: list[str] = []
    for table, data in tables.items():
        expected = schema.TABLE_SCHEMAS[table]
        if not data.schema.equals(expected, check_metadata=False):
            problems.append(f"{table}: Arrow schema {data.schema.types} != {expected.types}")
            continue
        if not data.num_rows:
            continue
        if "warnings" in data.column_names:  # list column: pandas/GX cannot hash it; its type is checked above
            i = data.column_names.index("warnings")
            data = data.set_column(i, "warnings", pa.array(["\n".join(w or []) for w in
                                                            data["warnings"].to_pylist()], pa.string()))
        df = _frame(data)
        result = _validate(f"schema_{table}", df, schema_suite(table))
        for r in result.results:
            if not r.success:
                cfg = r.expectation_config
                problems.append(f"{table}: {cfg.type} {dict(cfg.kwargs)} failed: "
                                f"{r.result.get('partial_unexpected_list') or r.result.get('observed_value')}")
    return problems


def cross_year_suite() -> gx.ExpectationSuite:
    _context()
    suite = gx.ExpectationSuite(name="gip_cross_year")
    for family, description in schema.CROSS_YEAR_FAMILIES.items():
        suite.add_expectation(gxe.ExpectColumnPairValuesToBeEqual(
            column_A="lhs", column_B="rhs", ignore_row_if="either_value_is_missing",
            row_condition=Column("family") == family,
            meta={"family": family, "description": description, "severity": "warning"}))
    return suite


def cross_year_gate(operands: list[dict]) -> list[dict]:
    """Quality rows (severity `warning`: never quarantines) for the cross-year operands of one year."""
    failed: set[int] = set()
    if operands:
        df = pd.DataFrame(operands)
        df["lhs"] = df["lhs"].astype("Int64")
        df["rhs"] = df["rhs"].astype("Int64")
        for r in _validate("cross_year_operands", df, cross_year_suite()).results:
            failed.update(r.result.get("unexpected_index_list") or [])
    rows = []
    for i, op in enumerate(operands):
        if op["lhs"] is None or op["rhs"] is None:
            status, passed, detail = "not_assessable", False, f"not assessable: {op['detail']}"
        else:
            passed = i not in failed
            status, detail = ("passed" if passed else "failed"), ("holds: " if passed else "differs: ") + op["detail"]
        rows.append({"report_id": op["report_id"], "check": op["check"], "severity": "warning", "passed": passed,
                     "detail": detail, "status": status, "cells": op["cells"]})
    return rows
