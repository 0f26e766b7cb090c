"""Blocking schema gate: a staged year whose tables break the schema (columns, types, codes) is not published."""


import dagster as dg

from ..stages import storage
from ..stages.parsed import PARSED_TABLES
from .assets import parsed_reports
from .partitions import REPORT_YEARS
from .resources import GipPaths


@dg.asset_check(asset=parsed_reports, blocking=True, partitions_def=REPORT_YEARS,
                description="GX schema suites generated from core.schema: exact columns, Arrow types, code sets. "
                            "Blocks fact_tables (the publish) for the year when it fails.")
def parsed_schema_conforms(context: dg.AssetCheckExecutionContext, paths: GipPaths) -> dg.AssetCheckResult:
    from ..quality.gx_gate import validate_schema

    year = context.partition_key
    root = paths.staging / "parsed"
    tables = {name: storage.read_partition(root, name, year) for name in PARSED_TABLES}
    problems = validate_schema(tables)
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"tables": len(tables), "problems": len(problems),
                  "detail": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "all tables conform")})


CHECKS = [parsed_schema_conforms]
