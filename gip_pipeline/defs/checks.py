"""Blocking schema gate: a staged year whose tables break the schema (columns, types, codes) is not published.

Incremental like the parse: rows of reports reused from an earlier parse (same bytes, same parser version, hence
the same schema and code sets) passed this gate when they were parsed; GX validates the rows parsed in this run.
Arrow types are compared on every table, whole.
"""


import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from gip_pipeline.contract import schema
from gip_pipeline.gate.schema_rows import representatives
from gip_pipeline.storage import parquet
from gip_pipeline.storage.chunks import stream
from gip_pipeline.parse.stage import PARSED_TABLES
from gip_pipeline.defs.assets import parsed_reports, record_check_per_year, year_scope
from gip_pipeline.defs.partitions import REPORT_YEARS
from gip_pipeline.defs.resources import GipPaths


def _fresh_ids(root: str, year: str) -> pa.Array:
    """Report ids parsed in this run (the ledger's not-reused inputs)."""
    ledger = parquet.read_partition(root, "parse_ledger", year)
    return ledger.filter(pc.invert(ledger["reused"]))["report_id"].combine_chunks()


def _new_rows(root: str, year: str, fresh: pa.Array) -> tuple[dict[str, pa.Table], int, int]:
    """The representative rows (`schema_rows.representatives`) of the year's staged rows of the reports parsed in
    this run, streamed a record batch at a time; how many rows they stand for, and how many were left out."""
    out, validated, skipped = {}, 0, 0
    for name in PARSED_TABLES:
        parts = []
        for batch in stream(root, name, year):
            table = pa.Table.from_batches([batch])
            if not table.schema.equals(schema.TABLE_SCHEMAS[name], check_metadata=False):
                parts = [table.slice(0, 0)]  # the check names the table whose Arrow schema differs
                break
            new = table.filter(pc.is_in(table["report_id"], value_set=fresh))
            validated += new.num_rows
            skipped += table.num_rows - new.num_rows
            parts.append(representatives(name, new))
        out[name] = pa.concat_tables(parts) if parts else schema.TABLE_SCHEMAS[name].empty_table()
    return out, validated, skipped


@dg.asset_check(asset=parsed_reports, blocking=True, partitions_def=REPORT_YEARS,
                description="GX schema suites generated from contract.schema: exact columns, Arrow types, code sets. "
                            "Blocks fact_tables (the publish) of the run's years when it fails.")
def parsed_schema_conforms(context: dg.AssetCheckExecutionContext, paths: GipPaths) -> dg.AssetCheckResult:
    root = parquet.join(paths.staging, "parsed")
    per_year: dict[str, dict[str, pa.Table]] = {}
    validated = prevalidated = 0
    for year in context.partition_keys:
        with year_scope(paths, year):
            per_year[year], rows, skipped = _new_rows(root, year, _fresh_ids(root, year))
        validated += rows
        prevalidated += skipped
    problems: list[str] = [f"{year}: {name}: Arrow schema {t.schema.types} differs from the contract"
                           for year, tables in per_year.items() for name, t in tables.items()
                           if not t.schema.equals(schema.TABLE_SCHEMAS[name], check_metadata=False)]
    if validated and not problems:
        from gip_pipeline.gate.suites import validate_schema  # GX: imported only when there is something to validate

        # one validation per table for all the run's years: GX costs ~0.1 s a call, whatever the rows
        problems += validate_schema({name: pa.concat_tables([t[name] for t in per_year.values()])
                                     for name in PARSED_TABLES})  # reduced to representatives again there
    # the run's years are judged together (one GX call): each year's evaluation is the run's verdict
    record_check_per_year(context, parsed_reports.key, "parsed_schema_conforms", dg.AssetCheckSeverity.ERROR,
                          {y: (not problems, {"problems": len(problems)}) for y in context.partition_keys},
                          blocking=True)
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"tables": len(PARSED_TABLES), "years": len(context.partition_keys), "problems": len(problems),
                  "rows_validated": validated, "rows_reused_prevalidated": prevalidated,
                  "detail": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "all tables conform")})


CHECKS = [parsed_schema_conforms]
