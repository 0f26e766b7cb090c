"""One asset per stage, partitioned by report year. Each writes its own Parquet and returns metadata.

A run may hold several years (a batched backfill: `context.partition_keys`); every asset handles each year
under that year's lock (`storage.locks`) and records the year's counts as that partition's metadata, so the UI
plots them per year over time.
"""


import time
from contextlib import ExitStack, contextmanager

import dagster as dg
import pyarrow.compute as pc

from gip_pipeline.contract import schema
from gip_pipeline.storage import integrity, parquet
from gip_pipeline.storage.stamps import digest_files, read_text, write_text
from gip_pipeline.parse.incremental import (
    STAGED_TABLES,
    iter_parsed,
    ledger_of,
    plan,
    previous_from_files,
    unchanged_inputs,
)
from gip_pipeline.storage.locks import year_lock
from gip_pipeline.ingest.normalized import normalize_files
from gip_pipeline.ingest.inventory import inventory
from gip_pipeline.defs.partitions import BACKFILL_POLICY, REPORT_YEARS
from gip_pipeline.defs.resources import GipPaths
from gip_pipeline.gate import stage as gate_stage

GROUP = "gip"
IDENTITY_CHECK = "accounting_identities"
STAGING_ROOTS = ("raw_inventory", "normalized_reports", "parsed")


def _schema_meta(table: str) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(f.name, str(f.type)) for f in schema.ALL_SCHEMAS[table]])


def _warnings_md(rows: list[dict], total: int, limit: int = 50) -> str:
    """What the parser could not read cleanly: the first `limit` of the `total` reports with warnings."""
    lines = ["| source file | warnings | first warning |", "|---|---|---|"] + [
        f"| {r['source_file']} | {len(r['warnings'])} | {r['warnings'][0][:120].replace('|', '/')} |"
        for r in rows[:limit]]
    if total > limit:
        lines.append(f"| … {total - limit} more | | |")
    return "\n".join(lines) if rows else "no parse warnings"


def _stage(paths: GipPaths, name: str):
    return parquet.join(paths.staging, name)


@contextmanager
def year_scope(paths: GipPaths, year: str):
    """Hold the year's lock; first remove what a killed writer of the year left aside (never visible data)."""
    with year_lock(paths.staging, year):
        for root in [_stage(paths, n) for n in STAGING_ROOTS] + [paths.curated, paths.quarantine,
                                                                  parquet.join(paths.quarantine, "rejects")]:
            parquet.clean_stale(root, year)
        yield


def require_intact(root: str, year: str, tables: tuple[str, ...], asset: str) -> dict[str, str | None]:
    """The sha256 of each of the staged `tables` of the year (None: no file), which the year needs as input.
    Stops the year when they are not what their stage committed (`storage.integrity`): nothing of the year is
    published from them. Materializing `asset` again (a `gip run` does) rebuilds them."""
    digests, problem = integrity.verify(root, year, tables)
    if problem:
        raise dg.Failure(description=f"year {year}: staged {problem}; materialize {asset} (and what follows) again "
                                     "to rebuild it", metadata={"damaged": problem})
    return digests


def damaged_cache(context: dg.AssetExecutionContext, root: str, year: str, tables: tuple[str, ...]
                  ) -> tuple[bool, str]:
    """(usable, what is wrong) of a stage's own staged files of the year, which it reuses as a cache: not usable
    when they are not what the stage committed (`storage.integrity`), or never staged. Damage is logged (and goes
    into the metadata): the stage derives the year again from its inputs."""
    problem = integrity.damage(root, year, tables)
    if problem is None:
        return True, ""
    if integrity.read_stamp(root, year) is None and not any(integrity.exists(root, t, year) for t in tables):
        return False, ""  # never staged
    context.log.warning(f"year {year}: staged {problem}: not reused, derived again from its inputs")
    return False, problem


def record_check_per_year(context, asset_key: dg.AssetKey, check: str, severity: dg.AssetCheckSeverity,
                          results: dict[str, tuple[bool, dict]], blocking: bool = False) -> None:
    """In a run of several years, the check's result of each year as that partition's evaluation: the check's one
    `AssetCheckResult` carries no partition in a partition-range step, and the UI showed every year "skipped"."""
    if len(results) < 2:
        return  # one year: the AssetCheckResult is that partition's
    for year, (passed, metadata) in results.items():
        context.op_execution_context.log_event(dg.AssetCheckEvaluation(
            asset_key=asset_key, check_name=check, passed=passed, metadata=metadata, severity=severity,
            blocking=blocking, partition=year))


def record(context: dg.AssetExecutionContext, year: str, metadata: dict) -> None:
    """The year's metadata on the year's materialization (one per partition, also in a multi-year run)."""
    context.add_asset_metadata(metadata, partition_key=year)


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, kinds={"python", "parquet"}, backfill_policy=BACKFILL_POLICY)
def raw_report_inventory(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Every raw file of the year: path, sha256, size and the report year read from its own text."""
    t0 = time.perf_counter()
    counts: dict = {}
    everything = inventory(paths.raw, paths.staging, counts)  # once per run; unchanged files are not read again
    for year in context.partition_keys:
        rows = [r for r in everything if r["partition"] == year]
        with year_scope(paths, year):
            integrity.write_partitions(_stage(paths, "raw_inventory"), year,
                                       {"raw_inventory": parquet.to_table(rows, "raw_inventory")})
        context.log.info(f"{len(rows)} raw file(s) for {year} under {paths.raw}")
        record(context, year, {
            "dagster/row_count": len(rows), "dagster/column_schema": _schema_meta("raw_inventory"),
            "files": len(rows), "bytes": sum(r["size_bytes"] or 0 for r in rows),
            "files_read_all_years": counts["read"], "files_unchanged_all_years": counts["cache"],
            "raw_dir": dg.MetadataValue.path(str(paths.raw)), "seconds": round(time.perf_counter() - t0, 3)})
    return dg.MaterializeResult()


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[raw_report_inventory], kinds={"python", "parquet"},
          backfill_policy=BACKFILL_POLICY)
def normalized_reports(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Decoded text in one canonical form: OpenCC t2s, NFKC, one quote/dash/space form. Raw bytes untouched.

    Incremental: bytes normalized before (same sha256, same parser version) are not decoded again."""
    root = _stage(paths, "normalized_reports")
    for year in context.partition_keys:
        t0 = time.perf_counter()
        with year_scope(paths, year):
            require_intact(_stage(paths, "raw_inventory"), year, ("raw_inventory",), "raw_report_inventory")
            inv = parquet.read_partition(_stage(paths, "raw_inventory"), "raw_inventory", year).to_pylist()
            usable, damaged = damaged_cache(context, root, year, ("normalized_reports",))
            previous = parquet.read_partition(root, "normalized_reports", year) if usable else None
            table, reused = normalize_files(paths.raw, inv, previous)
            integrity.write_partitions(root, year, {"normalized_reports": table})
        rejected = table.num_rows - table["reject_reason"].null_count
        scripts = table["script"].to_pylist()
        record(context, year, {
            "dagster/row_count": table.num_rows, "dagster/column_schema": _schema_meta("normalized_reports"),
            "decoded": table.num_rows - rejected, "not_decoded": rejected, "reused_unchanged": reused,
            "traditional": scripts.count("traditional"), "damaged_staging_rebuilt": damaged,
            "encodings": ", ".join(sorted({e for e in table["encoding"].to_pylist() if e})) or "-",
            "seconds": round(time.perf_counter() - t0, 3)})
    return dg.MaterializeResult()


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[normalized_reports], kinds={"python", "parquet"},
          backfill_policy=BACKFILL_POLICY)
def parsed_reports(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Sections, metadata and the three tables of every report, as staged rows of the contract's tables.

    Incremental: a report whose sha256 and parser version are unchanged is not parsed again (`parse.incremental`).
    """
    root = _stage(paths, "parsed")
    for year in context.partition_keys:
        t0 = time.perf_counter()
        with year_scope(paths, year):
            require_intact(_stage(paths, "normalized_reports"), year, ("normalized_reports",), "normalized_reports")
            normalized = parquet.read_partition(_stage(paths, "normalized_reports"), "normalized_reports", year)
            usable, damaged = damaged_cache(context, root, year, STAGED_TABLES)  # else everything is parsed again
            previous = previous_from_files(root, year, verified=True) if usable else None
            plan_ = plan(normalized, previous)
            warned: list[dict] = []
            n_warned = 0
            if unchanged_inputs(plan_, previous):  # same files, same bytes: the staged tables stay as they are
                rows = {n: parquet.count_rows(root, n, year) for n in STAGED_TABLES if n != "parse_ledger"}
                reports = parquet.read_partition(root, "reports", year).select(["source_file", "warnings"])
                pending = [parquet.prepare_partition(root, "parse_ledger", year, ledger_of(plan_))]
            else:  # streamed: a chunk of inputs at a time, each chunk a row group of every staged table
                rows = {}
                writers = {n: parquet.PartitionWriter(root, n, year) for n in STAGED_TABLES}
                for name, table in iter_parsed(normalized, previous, plan_):
                    if name == "reports":
                        with_warnings = table.filter(pc.greater(pc.list_value_length(table["warnings"]), 0))
                        n_warned += with_warnings.num_rows
                        warned += with_warnings.slice(0, max(0, 51 - len(warned))).select(
                            ["source_file", "warnings"]).to_pylist()
                    writers[name].write(table)
                    rows[name] = rows.get(name, 0) + table.num_rows
                pending = [w.finish() for w in writers.values()]
                reports = None
            del normalized
            integrity.commit(root, year, pending, STAGED_TABLES)  # with the stamp the next reader checks
        if reports is not None:
            with_warnings = reports.filter(pc.greater(pc.list_value_length(reports["warnings"]), 0))
            n_warned = with_warnings.num_rows
            warned = with_warnings.slice(0, 51).to_pylist()
        counts = plan_.counts()
        rows["parse_ledger"] = len(plan_.meta)
        record(context, year, {
            "dagster/row_count": rows.get("reports", 0), "dagster/column_schema": _schema_meta("reports"),
            "reports": rows.get("reports", 0), "rejects": rows.get("rejects", 0),
            "parsed": counts.parsed, "skipped_unchanged": counts.skipped_unchanged,
            "staged_unchanged": reports is not None, "damaged_staging_rebuilt": damaged,
            "reports_with_warnings": n_warned,
            "parse_warnings": dg.MetadataValue.md(_warnings_md(warned, n_warned)),
            **{f"rows_{name}": rows.get(name, 0) for name in STAGED_TABLES},
            "seconds": round(time.perf_counter() - t0, 3)})
    return dg.MaterializeResult()


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[parsed_reports], kinds={"python", "parquet"},
          backfill_policy=BACKFILL_POLICY,
          check_specs=[dg.AssetCheckSpec(IDENTITY_CHECK, asset="fact_tables", partitions_def=REPORT_YEARS,
                                         description="Accounting identities (GX suite generated from the schema): "
                                                     "reports that break one are quarantined.")])
def fact_tables(context: dg.AssetExecutionContext, paths: GipPaths):
    """The gate and the publish in one step: GX identity suite → `quality`; curated or quarantine, atomically.

    Years whose inputs changed are gated in parallel, one worker process per core (`storage.pool`), each a chunk of
    reports at a time; the step holds every year's lock meanwhile."""
    checks: dict[str, dict] = {}
    metadata: dict[str, dict] = {}
    todo: list[tuple[str, str, str]] = []  # (year, inputs digest, stamp)
    cross: dict[str, bool] = {}  # year -> its previous year's staged parse is intact (the cross-year check reads it)
    reuse: dict[str, bool] = {}  # year -> its published verdicts of unchanged reports may be kept
    t0 = time.perf_counter()
    with ExitStack() as locks:
        for year in sorted(context.partition_keys):  # one order for every run: no two runs wait on each other
            locks.enter_context(year_scope(paths, year))
        for year in context.partition_keys:
            (inputs, cross[year]), stamp = _gate_inputs(paths, year), _stamp_location(paths, year)
            unchanged = _unchanged_publish(paths, year, inputs, stamp)
            if unchanged is None:
                todo.append((year, inputs, stamp))
                reuse[year] = _verdicts_reusable(paths, year, stamp)
                continue
            metadata[year], checks[year] = unchanged  # same staged rows, code and published files: nothing to redo
            metadata[year].update(unchanged=True, seconds=round(time.perf_counter() - t0, 3))
            context.log.info(f"year {year}: unchanged since the last publish, files kept: "
                             f"{metadata[year]['accounting']}")
        if todo:
            from gip_pipeline.gate import judge  # noqa: F401  GX imported once, here, before the workers fork
            from gip_pipeline.storage import pool

            jobs = [(str(paths.staging), str(paths.curated), str(paths.quarantine), year, reuse[year], cross[year])
                    for year, _, _ in todo]
            for (year, inputs, stamp), done in zip(todo, pool.map_chunks(gate_stage.gate_years, jobs, chunk=1)):
                pending = done[0].pop("pending")
                metadata[year], checks[year] = _year_metadata(context, paths, year, done[0])  # raises: unbalanced
                # the workers wrote the year's files aside; this process, which holds the year's lock, moves them
                # into place: a worker that outlived a killed parent could never publish without the lock
                parquet.commit(pending)
                metadata[year]["unchanged"] = False
                write_text(stamp, dg.serialize_value({
                    "inputs": inputs, "outputs": _published_digest(paths, year), "code": gate_stage.code_digest(),
                    "metadata": metadata[year], "check": checks[year]}))
    for year in context.partition_keys:
        record(context, year, metadata[year])
    yield dg.MaterializeResult()
    passed = {year: checks[year].pop("passed") for year in checks}
    record_check_per_year(context, dg.AssetKey("fact_tables"), IDENTITY_CHECK, dg.AssetCheckSeverity.WARN,
                          {year: (passed[year], checks[year]) for year in context.partition_keys})
    yield dg.AssetCheckResult(check_name=IDENTITY_CHECK, passed=all(passed.values()),
                              severity=dg.AssetCheckSeverity.WARN, metadata=_check_metadata(checks))


def _stamp_location(paths: GipPaths, year: str) -> str:
    return parquet.join(paths.staging, "fact_tables_stamps", f"year={year}.json")


def _gate_inputs(paths: GipPaths, year: str) -> tuple[str, bool]:
    """(digest, previous year usable): the digest covers the year's staged rows, the previous year's (cross-year
    checks), the input count and the gate's code. The year's staged parse and inventory must be what their stages
    committed (`require_intact`: else nothing of the year is published); a previous year whose staged parse is
    damaged is read as absent (its cross-year rows not assessable) and the digest says so, so the year is gated
    again once that year is rebuilt."""
    root = _stage(paths, "parsed")
    own = require_intact(root, year, STAGED_TABLES, "parsed_reports")
    require_intact(_stage(paths, "raw_inventory"), year, ("raw_inventory",), "raw_report_inventory")
    prev, prev_ok = {}, True
    if year.isdigit():
        prev, damaged = integrity.verify(root, str(int(year) - 1), ("reports", "applications"))
        prev_ok = damaged is None or gate_stage.no_staged_parse(root, str(int(year) - 1))
        prev = prev or {}
    inputs = parquet.read_partition(_stage(paths, "raw_inventory"), "raw_inventory", year).num_rows
    seen = {t: own[t] for t in gate_stage.GATE_INPUTS} | {f"previous:{t}": d for t, d in prev.items()}
    return digest_files([], gate_stage.GATE_CODE, extra=f"inputs={inputs};paths={paths.curated}|{paths.quarantine};"
                                             f"staged={sorted(seen.items())};previous_intact={prev_ok}"), prev_ok


def _published_digest(paths: GipPaths, year: str) -> str:
    return gate_stage.published_digest(str(paths.curated), str(paths.quarantine), year)


def _unchanged_publish(paths: GipPaths, year: str, inputs: str, stamp: str) -> tuple[dict, dict] | None:
    """The last publish's (metadata, check) when its inputs digest is `inputs` and its files are still intact."""
    text = read_text(stamp)
    if text is None:
        return None
    try:
        last = dg.deserialize_value(text)
    except Exception:  # a stamp of another version: recompute
        return None
    if last.get("inputs") != inputs or last.get("outputs") != _published_digest(paths, year):
        return None
    metadata = last["metadata"]
    ledger = parquet.read_partition(_stage(paths, "parsed"), "parse_ledger", year)["reused"].to_pylist()
    metadata.update(parsed=ledger.count(False), skipped_unchanged=ledger.count(True), accounting=(
        f"inputs {metadata['inputs']} = curated {metadata['curated']} + quarantined {metadata['quarantined']} + "
        f"rejected {metadata['rejected']} (unchanged since the last publish: its files are kept)"))
    return metadata, last["check"]


def _verdicts_reusable(paths: GipPaths, year: str, stamp: str) -> bool:
    """The year was last published by this gate code and its published files are as that publish left them: the
    quality rows of its unchanged reports can be kept (`gate.verdicts`)."""
    text = read_text(stamp)
    if text is None:
        return False
    try:
        last = dg.deserialize_value(text)
    except Exception:  # a stamp of another version
        return False
    return last.get("code") == gate_stage.code_digest() and last.get("outputs") == _published_digest(paths, year)


def _check_metadata(checks: dict[str, dict]) -> dict:
    """One check evaluation per run: per-year numbers summed, failures listed per year."""
    if len(checks) == 1:
        return next(iter(checks.values()))
    out: dict = {"years": ", ".join(checks)}
    for key in ("failing_reports", "failed_identities", "checked", "not_assessable"):
        out[key] = sum(c[key] for c in checks.values())
    out["failures"] = dg.MetadataValue.md("\n\n".join(f"**{y}**\n\n{c['failures'].value}" for y, c in checks.items()))
    return out


def _year_metadata(context: dg.AssetExecutionContext, paths: GipPaths, year: str, done: dict) -> tuple[dict, dict]:
    """(materialization, check) metadata of a gated year; the input accounting must balance."""
    root = _stage(paths, "parsed")
    lines = ["| report | agency | failed checks |", "|---|---|---|"] + [
        f"| {rid} | {agency} | {', '.join(checks)} |" for rid, agency, checks in done["quarantined"]]
    rej_lines = ["| file | reason | detail |", "|---|---|---|"] + [
        f"| {r['source_file']} | {r['reason']} | {(r['detail'] or '')[:80]} |" for r in done["rejects"]]
    ledger = parquet.read_partition(root, "parse_ledger", year)["reused"].to_pylist()
    inputs = parquet.read_partition(_stage(paths, "raw_inventory"), "raw_inventory", year).num_rows
    summary = {"inputs": inputs, "parsed": ledger.count(False), "skipped_unchanged": ledger.count(True),
               "curated": done["curated"], "quarantined": len(done["quarantined"]),
               "rejected": len(done["rejects"])}
    accounting = (f"inputs {inputs} = curated {summary['curated']} + quarantined {summary['quarantined']} + "
                  f"rejected {summary['rejected']} (of the published, {summary['skipped_unchanged']} were "
                  "skipped as unchanged and re-published from their earlier parse)")
    if inputs != summary["curated"] + summary["quarantined"] + summary["rejected"]:
        raise dg.Failure(description=f"year {year}: input accounting broken: {accounting}",
                         metadata={**summary, "accounting": accounting})
    context.log.info(f"year {year}: {accounting}")
    metadata = {
        **summary, "accounting": accounting, "unpublished": inputs == 0, "dagster/row_count": done["rows"]["curated"].get("reports", 0),
        "dagster/column_schema": _schema_meta("applications"),
        **{f"curated_rows_{t}": n for t, n in done["rows"]["curated"].items()},
        **{f"quarantine_rows_{t}": n for t, n in done["rows"]["quarantine"].items()},
        "quarantined_reports": dg.MetadataValue.md("\n".join(lines)),
        "rejects": dg.MetadataValue.md("\n".join(rej_lines)),
        "curated_dir": dg.MetadataValue.path(str(paths.curated)),
        "gate_chunks": done["chunks"], "verdicts_kept": done["verdicts_kept"], "seconds": done["seconds"]}
    return metadata, {
        "passed": not done["quarantined"], "failing_reports": len(done["quarantined"]),
        "failed_identities": done["failed_identities"], "checked": done["checked"],
        "not_assessable": done["not_assessable"], "failures": dg.MetadataValue.md("\n".join(lines))}


ASSETS = [raw_report_inventory, normalized_reports, parsed_reports, fact_tables]
