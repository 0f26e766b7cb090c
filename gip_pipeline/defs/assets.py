"""One asset per stage, partitioned by report year. Each writes its own Parquet and returns metadata."""


import time

import dagster as dg
import pyarrow as pa

from ..core import schema
from ..stages import storage
from ..stages.normalized import normalize_files
from ..stages.parsed import PARSED_TABLES, parse_normalized
from ..stages.raw import inventory
from .partitions import REPORT_YEARS
from .resources import GipPaths

GROUP = "gip"
IDENTITY_CHECK = "accounting_identities"


def _schema_meta(table: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema.ALL_SCHEMAS[table]])


def _stage(paths: GipPaths, name: str):
    return paths.staging / name


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, kinds={"python", "parquet"})
def raw_report_inventory(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Every raw file of the year: path, sha256, size and the report year read from its own text."""
    t0 = time.perf_counter()
    year = context.partition_key
    rows = [r for r in inventory(paths.raw) if r["partition"] == year]
    storage.write_partition(_stage(paths, "raw_inventory"), "raw_inventory", year,
                            storage.to_table(rows, "raw_inventory"))
    context.log.info(f"{len(rows)} raw file(s) for {year} under {paths.raw}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "dagster/column_schema": _schema_meta("raw_inventory"),
        "files": len(rows), "bytes": sum(r["size_bytes"] or 0 for r in rows),
        "raw_dir": dg.MetadataValue.path(str(paths.raw)), "seconds": round(time.perf_counter() - t0, 3)})


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[raw_report_inventory], kinds={"python", "parquet"})
def normalized_reports(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Decoded text in one canonical form: OpenCC t2s, NFKC, one quote/dash/space form. Raw bytes untouched."""
    t0 = time.perf_counter()
    year = context.partition_key
    inv = storage.read_partition(_stage(paths, "raw_inventory"), "raw_inventory", year).to_pylist()
    rows = normalize_files(paths.raw, inv)
    storage.write_partition(_stage(paths, "normalized_reports"), "normalized_reports", year,
                            storage.to_table(rows, "normalized_reports"))
    rejected = [r for r in rows if r["reject_reason"]]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(rows), "dagster/column_schema": _schema_meta("normalized_reports"),
        "decoded": len(rows) - len(rejected), "not_decoded": len(rejected),
        "traditional": sum(1 for r in rows if r["script"] == "traditional"),
        "encodings": ", ".join(sorted({r["encoding"] for r in rows if r["encoding"]})) or "-",
        "seconds": round(time.perf_counter() - t0, 3)})


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[normalized_reports], kinds={"python", "parquet"})
def parsed_reports(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Sections, metadata and the three tables of every report, as staged rows of the contract's tables."""
    t0 = time.perf_counter()
    year = context.partition_key
    normalized = storage.read_partition(_stage(paths, "normalized_reports"), "normalized_reports", year).to_pylist()
    out = parse_normalized(normalized)
    root = _stage(paths, "parsed")
    for name, rows in out.items():
        storage.write_partition(root, name, year, storage.to_table(rows, name))
    warned = sum(1 for r in out["reports"] if r["warnings"])
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(out["reports"]), "dagster/column_schema": _schema_meta("reports"),
        "reports": len(out["reports"]), "rejects": len(out["rejects"]),
        "reports_with_warnings": warned,
        **{f"rows_{name}": len(rows) for name, rows in out.items()},
        "seconds": round(time.perf_counter() - t0, 3)})


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[parsed_reports], kinds={"python", "parquet"},
          check_specs=[dg.AssetCheckSpec(IDENTITY_CHECK, asset="fact_tables", partitions_def=REPORT_YEARS,
                                         description="Accounting identities (GX suite generated from the schema): "
                                                     "reports that break one are quarantined.")])
def fact_tables(context: dg.AssetExecutionContext, paths: GipPaths):
    """The gate and the publish in one step: GX identity suite → `quality`; curated or quarantine, atomically."""
    from ..quality.gx_gate import gate  # GX is heavy: imported only where it runs
    from ..core.narrative import narrative_rows
    from ..quality.repairs import add_suggestions
    from ..stages.publish import publish_year

    t0 = time.perf_counter()
    year = context.partition_key
    root = _stage(paths, "parsed")
    tables = {name: storage.read_partition(root, name, year) for name in PARSED_TABLES}
    operands = storage.read_partition(root, "identity_operands", year)
    quality_rows = gate(operands, tables["applications"], tables["review_litigation"])
    # soft checks and repair hints (issue 5): narrative vs table warnings; which cell/row would fix a failure
    quality_rows += narrative_rows(tables["sections"], tables["applications"], tables["review_litigation"])
    quality_rows = add_suggestions(quality_rows, tables["reports"], tables["applications"],
                                   tables["review_litigation"])
    quality = storage.to_table(quality_rows, "quality")
    rejects = storage.read_partition(root, "rejects", year)
    result = publish_year(year, tables, quality, rejects, paths.curated, paths.quarantine)
    t_gate = time.perf_counter() - t0

    failing = [q for q in quality_rows if q["severity"] == "error" and not q["passed"]]
    lines = ["| report | agency | failed checks |", "|---|---|---|"]
    agencies = dict(zip(tables["reports"]["report_id"].to_pylist(), tables["reports"]["agency"].to_pylist()))
    for rid, checks in result.quarantined.items():
        lines.append(f"| {rid} | {agencies.get(rid) or ''} | {', '.join(checks)} |")
    rej_lines = ["| file | reason | detail |", "|---|---|---|"] + [
        f"| {r['source_file']} | {r['reason']} | {(r['detail'] or '')[:80]} |" for r in result.rejects]
    summary = {"inputs": result.inputs, "curated": len(result.curated), "quarantined": len(result.quarantined),
               "rejected": len(result.rejects)}
    context.log.info(f"year {year}: {summary}")
    yield dg.MaterializeResult(metadata={
        **summary, "dagster/row_count": result.rows["curated"].get("reports", 0),
        "dagster/column_schema": _schema_meta("applications"),
        **{f"curated_rows_{t}": n for t, n in result.rows["curated"].items()},
        **{f"quarantine_rows_{t}": n for t, n in result.rows["quarantine"].items()},
        "quarantined_reports": dg.MetadataValue.md("\n".join(lines)),
        "rejects": dg.MetadataValue.md("\n".join(rej_lines)),
        "curated_dir": dg.MetadataValue.path(str(paths.curated)),
        "seconds": round(t_gate, 3)})
    yield dg.AssetCheckResult(
        check_name=IDENTITY_CHECK, passed=not result.quarantined, severity=dg.AssetCheckSeverity.WARN,
        metadata={"failing_reports": len(result.quarantined), "failed_identities": len(failing),
                  "checked": len(quality_rows), "not_assessable": sum(q["status"] == "not_assessable"
                                                                      for q in quality_rows),
                  "failures": dg.MetadataValue.md("\n".join(lines))})


ASSETS = [raw_report_inventory, normalized_reports, parsed_reports, fact_tables]
