"""What the GX schema suites judge by value, without Great Expectations: the code sets of each table and the
representative rows a suite is run on (so the schema check can reduce a year while streaming it, and import GX
only for the validation itself)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema


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


def representatives(table: str, data: pa.Table) -> pa.Table:
    """One row (the first) per distinct combination of the columns the schema suite judges by value: the code-set
    columns and whether `report_id` is null. The suite's expectations (ordered column list, values in a set, not
    null) pass or fail on these rows exactly as on the whole table, and name the same offending values; GX then
    costs its fixed ~0.1 s per table instead of a pandas copy and fingerprint of millions of rows."""
    keys = list(code_sets(table))
    if "report_id" in data.column_names:
        data = data.append_column("__null_id", pc.is_null(data["report_id"]))
        keys.append("__null_id")
    if not keys:
        return data
    data = data.append_column("__row", pa.array(np.arange(data.num_rows)))
    first = data.group_by(keys, use_threads=False).aggregate([("__row", "min")])["__row_min"]
    helpers = [c for c in ("__null_id", "__row") if c in data.column_names]
    return data.take(pc.take(first, pc.sort_indices(first))).drop_columns(helpers)
