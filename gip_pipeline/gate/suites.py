"""Great Expectations 1.x suites generated from `contract.schema`, and the gate that turns results into rows.

Two kinds of suites:
- the gate's suites: `operand_suite`, one `ExpectColumnPairValuesToBeEqual` per identity family and per
  cross-year family, each restricted to its rows by a `family` column, over the operands (one row per report ×
  identity instance, lhs and rhs summed from the declared cells); `non_negative_suite` over the counts. A year is
  two frames and two validations (`_judge`); the rows GX lists (`unexpected_index_list`) become failed `quality`
  rows and decide curated vs quarantine (`identity_suite`, `cross_year_suite`: the same expectations per kind,
  for the Data Docs);
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
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402

from gip_pipeline.contract import schema  # noqa: E402
from gip_pipeline.gate.schema_rows import code_sets, representatives  # noqa: E402

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


def _pair_expectations(families: dict[str, str], **meta) -> list:
    """One `lhs == rhs` expectation per family, restricted to the family's rows (nulls: not assessed)."""
    return [gxe.ExpectColumnPairValuesToBeEqual(
        column_A="lhs", column_B="rhs", ignore_row_if="either_value_is_missing",
        row_condition=Column("family") == family, meta={"family": family, "description": description, **meta})
        for family, description in families.items()]


def identity_suite() -> gx.ExpectationSuite:
    _context()  # suites need an active context
    suite = gx.ExpectationSuite(name="gip_identities")
    for expectation in _pair_expectations(schema.IDENTITY_FAMILIES):
        suite.add_expectation(expectation)
    return suite


def non_negative_suite() -> gx.ExpectationSuite:
    _context()
    suite = gx.ExpectationSuite(name="gip_non_negative_counts")
    suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column="value", min_value=0,
                                                            meta={"family": NON_NEGATIVE}))
    return suite


def operand_suite() -> gx.ExpectationSuite:
    """The suite the gate runs once per year over all operand rows (`_judge`): every identity family and every
    cross-year family (severity `warning`), each expectation restricted to its rows by `family`."""
    _context()
    suite = gx.ExpectationSuite(name="gip_operands")
    for expectation in (_pair_expectations(schema.IDENTITY_FAMILIES)
                        + _pair_expectations(schema.CROSS_YEAR_FAMILIES, severity="warning")):
        suite.add_expectation(expectation)
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


def _frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=pd.ArrowDtype).reset_index(drop=True)


COUNT_TABLES: tuple[tuple[str, tuple[str, str]], ...] = (("applications", ("row_code", "applicant")),
                                                          ("review_litigation", ("proceeding", "outcome")))
_INT64 = {pa.int64(): pd.Int64Dtype()}.get


def _raised(info: dict | None) -> str | None:
    """The message of an exception GX caught while evaluating an expectation (flat or per metric), if any."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    return next((str(v.get("exception_message")) for v in info.values()
                 if isinstance(v, dict) and v.get("raised_exception")), None)


def _validated(name: str, df: pd.DataFrame, suite: gx.ExpectationSuite) -> np.ndarray:
    """Which rows of `df` GX lists as unexpected (`unexpected_index_list`) under any expectation of `suite`."""
    failed = np.zeros(len(df), dtype=bool)
    for r in _validate(name, df, suite).results:
        if message := _raised(r.exception_info):  # never let an expectation GX could not evaluate pass silently
            raise RuntimeError(f"GX could not evaluate {r.expectation_config.type} "
                               f"{r.expectation_config.meta}: {message}")
        failed[list(r.result.get("unexpected_index_list") or [])] = True
    return failed


def _judge(operands: list[pa.Table], counts: list[pa.Array]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """At most two GX validations for a year: one frame of every operand row (`family`, `lhs`, `rhs`) of every
    table in `operands` under `operand_suite`, one of every count (`value`) of every array in `counts` under
    `non_negative_suite`. Returns, per table and per array, which of its rows GX listed as unexpected."""
    op_sizes, count_sizes = [t.num_rows for t in operands], [len(c) for c in counts]
    op_failed = np.zeros(sum(op_sizes), dtype=bool)
    if len(op_failed):
        families = list(schema.IDENTITY_FAMILIES) + list(schema.CROSS_YEAR_FAMILIES)
        family = pa.concat_arrays([t["family"].combine_chunks() for t in operands])
        code = pc.index_in(family, value_set=pa.array(families, pa.string()))
        if code.null_count:  # a family no expectation covers would pass unjudged: refuse
            raise ValueError(f"operand families without an expectation: {pc.unique(family.filter(pc.is_null(code)))}")
        frame = pa.table({
            "family": pa.DictionaryArray.from_arrays(code.cast(pa.int32()), pa.array(families, pa.string())),
            "lhs": pa.concat_arrays([t["lhs"].combine_chunks() for t in operands]),
            "rhs": pa.concat_arrays([t["rhs"].combine_chunks() for t in operands]),
        }).to_pandas(types_mapper=_INT64)
        op_failed = _validated("operands", frame, operand_suite())
    count_failed = np.zeros(sum(count_sizes), dtype=bool)
    if len(count_failed):
        # float64 (nulls as NaN, which GX leaves out as missing) takes GX's vectorized between-path; a count's sign
        # survives the cast exactly
        value = pa.concat_arrays([pc.cast(c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c,
                                          pa.float64(), safe=False) for c in counts])
        count_failed = _validated("counts", pa.table({"value": value}).to_pandas(), non_negative_suite())
    return np.split(op_failed, np.cumsum(op_sizes)[:-1]), np.split(count_failed, np.cumsum(count_sizes)[:-1])


def _str(x, null: str = "None") -> pa.Array:
    """Strings as an f-string would print them (null: `None`)."""
    return pc.fill_null(x if pa.types.is_string(x.type) else pc.cast(x, pa.string()), null)


def _cat(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _pick(mask, yes, no) -> pa.Array:
    return pc.if_else(mask, yes, no)


def quality_rows(report_id, check, severity, passed, detail, status, cells, suggestion=None) -> pa.Table:
    """A `quality` table from columns (arrays, or one value for every row)."""
    n = len(report_id)
    columns = [report_id, check, severity, passed, detail, status, cells,
               pa.nulls(n, pa.string()) if suggestion is None else suggestion]
    sch = schema.TABLE_SCHEMAS["quality"]
    return pa.Table.from_arrays([
        pa.array([c] * n, f.type) if isinstance(c, (str, bool)) else
        (c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c).cast(f.type)
        for c, f in zip(columns, sch)], schema=sch)


def _identity_rows(ops: pa.Table, failed: np.ndarray) -> pa.Table:
    """Pass, fail (GX listed the row) or not assessable (a null side) per identity operand row."""
    na = pc.or_(pc.is_null(ops["lhs"]), pc.is_null(ops["rhs"]))
    bad = pa.array(failed, pa.bool_())
    detail = _str(ops["detail"])
    prefix = _pick(na, _cat("not assessable: null cell(s) ", _str(ops["missing"]), "; "),
                   _pick(bad, "violated: ", "holds: "))
    return quality_rows(
        ops["report_id"], ops["check"], _pick(na, "warning", "error"), pc.and_(pc.invert(na), pc.invert(bad)),
        _cat(prefix, detail), _pick(na, "not_assessable", _pick(bad, "failed", "passed")), ops["cells"])


def _count_rows(name: str, keys: tuple[str, str], table: pa.Table, failed: np.ndarray) -> pa.Table:
    """One `non_negative:<table>` row per report: the negative cells GX listed, or all counts >= 0."""
    ids = pc.unique(table["report_id"])
    ids = ids.take(pc.sort_indices(ids))
    negative: dict[str, list[str]] = {}
    bad = table.select(["report_id", *keys, "raw"]).take(pa.array(np.flatnonzero(failed), pa.int64()))
    for rid, a, b, raw in zip(*(bad[c].to_pylist() for c in bad.column_names)):
        negative.setdefault(rid, []).append(f"{a}.{b}={'<NA>' if raw is None else raw}")  # as pandas prints it
    detail = [("negative count(s): " + ", ".join(negative[r])) if r in negative else "all counts >= 0"
              for r in ids.to_pylist()]
    cells = [", ".join(c.split("=")[0] for c in negative.get(r, [])) for r in ids.to_pylist()]
    passed = pc.invert(pc.is_in(ids, value_set=pa.array(list(negative), pa.string())))
    return quality_rows(ids, f"{NON_NEGATIVE}:{name}", "error", passed, pa.array(detail, pa.string()),
                        _pick(passed, "passed", "failed"), pa.array(cells, pa.string()))


def _cross_year_rows(ops: pa.Table, failed: np.ndarray) -> pa.Table:
    """Severity `warning` (never quarantines): holds, differs (GX listed the row) or not assessable."""
    na = pc.or_(pc.is_null(ops["lhs"]), pc.is_null(ops["rhs"]))
    bad = pa.array(failed, pa.bool_())
    detail = _str(ops["detail"])
    prefix = _pick(na, "not assessable: ", _pick(bad, "differs: ", "holds: "))
    return quality_rows(
        ops["report_id"], ops["check"], "warning", pc.and_(pc.invert(na), pc.invert(bad)), _cat(prefix, detail),
        _pick(na, "not_assessable", _pick(bad, "failed", "passed")), ops["cells"])


def gate(operands: pa.Table, applications: pa.Table, review: pa.Table,
         cross_year: pa.Table | None = None) -> pa.Table:
    """`quality` rows for every identity instance, every report's counts (non-negative) and, when given, every
    cross-year operand: pass, fail or not assessable, judged by GX in at most two validations (`_judge`).

    Rows in this order: identities (as `operands`), non-negative applications and review/litigation (per report,
    sorted), cross-year (as `cross_year`)."""
    cross = cross_year if cross_year is not None else schema.STAGING_SCHEMAS["identity_operands"].empty_table()
    counts = [(name, keys, table) for (name, keys), table in zip(COUNT_TABLES, (applications, review))
              if table.num_rows]
    (ops_failed, cross_failed), counts_failed = _judge([operands, cross], [t["value"] for _, _, t in counts])
    parts = [_identity_rows(operands, ops_failed)]
    parts += [_count_rows(name, keys, table, bad) for (name, keys, table), bad in zip(counts, counts_failed)]
    parts.append(_cross_year_rows(cross, cross_failed))
    return pa.concat_tables(parts)


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
        data = representatives(table, data)
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
    for expectation in _pair_expectations(schema.CROSS_YEAR_FAMILIES, severity="warning"):
        suite.add_expectation(expectation)
    return suite


def cross_year_gate(operands: pa.Table) -> pa.Table:
    """`quality` rows (severity `warning`: never quarantines) for cross-year operands alone (`gate` judges them
    together with the year's identities)."""
    (failed,), _ = _judge([operands], [])
    return _cross_year_rows(operands, failed)
