"""Blocking schema gate: a staged year whose tables break the schema (columns, types, codes) is not published."""


import dagster as dg
import pyarrow as pa

from ..stages import storage
from ..stages.parsed import PARSED_TABLES
from .assets import parsed_reports, year_scope
from .partitions import REPORT_YEARS
from .resources import GipPaths


@dg.asset_check(asset=parsed_reports, blocking=True, partitions_def=REPORT_YEARS,
                description="GX schema suites generated from core.schema: exact columns, Arrow types, code sets. "
                            "Blocks fact_tables (the publish) of the run's years when it fails.")
def parsed_schema_conforms(context: dg.AssetCheckExecutionContext, paths: GipPaths) -> dg.AssetCheckResult:
    from ..quality.gx_gate import validate_schema

    root = storage.join(paths.staging, "parsed")
    per_year = {}
    for year in context.partition_keys:
        with year_scope(paths, year):
            per_year[year] = {name: storage.read_partition(root, name, year) for name in PARSED_TABLES}
    try:  # one validation per table for all the run's years: GX costs ~0.2 s a call, whatever the rows
        merged = {name: pa.concat_tables([t[name] for t in per_year.values()]) for name in PARSED_TABLES}
        problems = validate_schema(merged)
    except pa.ArrowInvalid:  # a year whose Arrow schema differs: validate year by year to name it
        problems = [f"{year}: {p}" for year, tables in per_year.items() for p in validate_schema(tables)]
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"tables": len(PARSED_TABLES), "years": len(context.partition_keys), "problems": len(problems),
                  "detail": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "all tables conform")})


CHECKS = [parsed_schema_conforms]
