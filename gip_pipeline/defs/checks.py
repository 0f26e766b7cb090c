"""Blocking schema gate: a staged year whose tables break the schema (columns, types, codes) is not published.

Incremental like the parse: rows of reports reused from an earlier parse (same bytes, same parser version, hence
the same schema and code sets) passed this gate when they were parsed; GX validates the rows parsed in this run.
Arrow types are compared on every table, whole.
"""


import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from ..core import schema
from ..stages import storage
from ..stages.parsed import PARSED_TABLES
from .assets import parsed_reports, year_scope
from .partitions import REPORT_YEARS
from .resources import GipPaths


def _fresh_ids(root: str, year: str) -> pa.Array:
    """Report ids parsed in this run (the ledger's not-reused inputs)."""
    ledger = storage.read_partition(root, "parse_ledger", year)
    return ledger.filter(pc.invert(ledger["reused"]))["report_id"].combine_chunks()


def _new_rows(root: str, year: str, fresh: pa.Array) -> tuple[dict[str, pa.Table], int]:
    """The year's staged tables restricted to the reports parsed in this run; how many rows were left out."""
    out, skipped = {}, 0
    for name in PARSED_TABLES:
        table = storage.read_partition(root, name, year)
        out[name] = table.filter(pc.is_in(table["report_id"], value_set=fresh))
        skipped += table.num_rows - out[name].num_rows
    return out, skipped


BATCH_REPORTS = 8_000  # new reports validated in one GX call per table: bounds the pandas copy (~1 GB)


def _batches(fresh: dict[str, pa.Array]) -> list[list[str]]:
    """Consecutive years grouped until their new reports reach BATCH_REPORTS (a big year alone): few GX calls
    for many small years, memory bounded by about one big year."""
    batches: list[list[str]] = [[]]
    count = 0
    for year, ids in fresh.items():
        if batches[-1] and count + len(ids) > BATCH_REPORTS:
            batches.append([])
            count = 0
        batches[-1].append(year)
        count += len(ids)
    return [b for b in batches if b]


@dg.asset_check(asset=parsed_reports, blocking=True, partitions_def=REPORT_YEARS,
                description="GX schema suites generated from core.schema: exact columns, Arrow types, code sets. "
                            "Blocks fact_tables (the publish) of the run's years when it fails.")
def parsed_schema_conforms(context: dg.AssetCheckExecutionContext, paths: GipPaths) -> dg.AssetCheckResult:
    root = storage.join(paths.staging, "parsed")
    fresh = {}
    for year in context.partition_keys:
        with year_scope(paths, year):
            fresh[year] = _fresh_ids(root, year)
    problems: list[str] = []
    validated = prevalidated = 0
    for batch in _batches(fresh):
        per_year = {}
        for year in batch:
            with year_scope(paths, year):
                per_year[year], skipped = _new_rows(root, year, fresh[year])
            prevalidated += skipped
        rows = sum(t.num_rows for tables in per_year.values() for t in tables.values())
        validated += rows
        if not rows:  # nothing new: the Arrow types are still compared (no GX needed for that)
            problems += [f"{year}: {name}: Arrow schema {t.schema.types} differs from the contract"
                         for year, tables in per_year.items() for name, t in tables.items()
                         if not t.schema.equals(schema.TABLE_SCHEMAS[name], check_metadata=False)]
            continue
        from ..quality.gx_gate import validate_schema  # GX: imported only when there is something to validate

        try:  # one validation per table for the batch's years: GX costs ~0.2 s a call, whatever the rows
            problems += validate_schema({name: pa.concat_tables([t[name] for t in per_year.values()])
                                         for name in PARSED_TABLES})
        except pa.ArrowInvalid:  # a year whose Arrow schema differs: validate year by year to name it
            problems += [f"{year}: {p}" for year, tables in per_year.items() for p in validate_schema(tables)]
    return dg.AssetCheckResult(
        passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
        metadata={"tables": len(PARSED_TABLES), "years": len(context.partition_keys), "problems": len(problems),
                  "rows_validated": validated, "rows_reused_prevalidated": prevalidated,
                  "detail": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "all tables conform")})


CHECKS = [parsed_schema_conforms]
