"""`gip run`: materialize the pipeline's assets in-process for every report year found in the raw folder.

Uses the same Definitions as `dagster dev` (no second code path), a local Dagster instance under
`.dagster_home/` (SQLite, telemetry off) unless DAGSTER_HOME is set, and prints one line per year and a summary.
Exit status: 0 when every year ran (quarantined and rejected inputs are results), 1 when a run failed or a
year's publish was blocked by the schema gate, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


_EPILOG = """exit status:
  0  every year ran (quarantined and rejected inputs are results, not failures)
  1  a run failed, or a year's publish was blocked by the schema gate (the failing years are named)
  2  bad arguments, or the raw folder does not exist

environment:
"""


def _parser() -> argparse.ArgumentParser:
    from gip_pipeline.config import default_data_dir, environment_help  # light: no dagster import on the start-up path

    data = default_data_dir()
    epilog = _EPILOG + environment_help()
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(prog="gip", description="Government information-disclosure annual reports → Parquet",
                                epilog=epilog, formatter_class=fmt, allow_abbrev=False)
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the pipeline (raw → normalized → parsed → gated Parquet)", epilog=epilog,
                         formatter_class=fmt, allow_abbrev=False)
    run.add_argument("--raw-dir", type=Path, default=data / "raw",
                     help="the reports as published, flat or in <year>/ folders (default: %(default)s)")
    run.add_argument("--curated-dir", type=Path, default=data / "curated",
                     help="Parquet of the reports that pass every hard gate (default: %(default)s)")
    run.add_argument("--quarantine-dir", type=Path, default=data / "quarantine",
                     help="Parquet of the quarantined reports, and the rejects (default: %(default)s)")
    run.add_argument("--staging-dir", type=Path, default=None,
                     help="intermediate Parquet between stages (default: <curated-dir>/../staging)")
    run.add_argument("--data-docs", action="store_true",
                     help="also build the Great Expectations Data Docs (about 10 s more per year)")
    run.add_argument("--year", action="append", default=[], metavar="Y",
                     help="only these report years (repeatable); default: every year found in the raw folder")
    sql = sub.add_parser("sql", help="DuckDB over the published Parquet: tables, wide and metrics views",
                         epilog=epilog, formatter_class=fmt, allow_abbrev=False)
    sql.add_argument("--curated-dir", type=Path, default=data / "curated",
                     help="the published Parquet; the database gip.duckdb lives in its parent (default: %(default)s)")
    sql.add_argument("--quarantine-dir", type=Path, default=None, help="default: <curated-dir>/../quarantine")
    sql.add_argument("-c", "--command", dest="command_sql", default=None,
                     help="run these SQL statements, print the results and exit")
    sql.add_argument("--write", action="store_true",
                     help="(re)write the views first (gip run does it after every run); without it the database "
                          "is opened read-only, so any number of `gip sql` can run at once")
    return p


def _instance():
    import dagster as dg

    if not os.environ.get("DAGSTER_HOME"):
        home = REPO / ".dagster_home"
        home.mkdir(exist_ok=True)
        cfg = home / "dagster.yaml"
        if not cfg.exists():
            cfg.write_text("telemetry:\n  enabled: false\n")
        os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def run(args: argparse.Namespace) -> int:
    raw = args.raw_dir.resolve()
    if not raw.is_dir():
        print(f"gip: raw folder not found: {raw}", file=sys.stderr)
        return 2

    from gip_pipeline.defs.partitions import REPORT_YEARS
    from gip_pipeline.defs.resources import GipPaths
    from gip_pipeline.definitions import build_defs
    from gip_pipeline.gate.publish import years_on_record
    from gip_pipeline.ingest.inventory import partitions_in

    if args.data_docs:
        os.environ["GIP_GX_DATA_DOCS"] = "1"
    t0 = time.perf_counter()
    staging = Path(args.staging_dir or args.curated_dir.resolve().parent / "staging").resolve()
    found = partitions_in(raw, staging)  # files unchanged since the last run are not read
    # years published before whose inputs are all gone: run too, so that they are unpublished
    gone = sorted(years_on_record(args.curated_dir.resolve(), args.quarantine_dir.resolve(), staging) - set(found))
    years = sorted(set(found) | set(gone), reverse=True)
    years = [y for y in years if not args.year or y in args.year]
    if args.year and (missing := sorted(set(args.year) - set(years))):
        print(f"gip: no raw files for year(s) {', '.join(missing)}", file=sys.stderr)
    if gone := [y for y in gone if y in years]:
        print(f"gip: no inputs left for year(s) {', '.join(gone)}: they are unpublished")
    if not years:
        print(f"gip: nothing to do: no raw files{' for the years asked' if args.year else ''} under {raw}")
        return 0 if not args.year else 2
    paths = GipPaths(raw_dir=str(raw), curated_dir=str(args.curated_dir.resolve()),
                     quarantine_dir=str(args.quarantine_dir.resolve()), staging_dir=str(staging))
    instance = _instance()
    instance.add_dynamic_partitions(REPORT_YEARS.name, sorted(  # ascending: the UI's plots run forward in time
        y for y in years if not instance.has_dynamic_partition(REPORT_YEARS.name, y)))
    job = build_defs(paths).resolve_job_def("gip_pipeline_job")
    totals = {"inputs": 0, "curated": 0, "quarantined": 0, "rejected": 0}
    failed: list[str] = []
    print(f"gip: {len(years)} year(s) from {raw}: {', '.join(years)}")
    done = 0
    # older years first: a year's cross-year checks read the previous year's staged rows
    queue = sorted(_batches(instance.get_dynamic_partitions(REPORT_YEARS.name), years), key=_oldest)
    while queue:
        batch = queue.pop(0)
        tb = time.perf_counter()
        print(f"gip: running {batch[0] if len(batch) == 1 else f'{batch[0]} … {batch[-1]}'} "
              f"({len(batch)} year(s) in one run) …", flush=True)
        result, counts = _execute(job, instance, batch, totals)
        if not result.success and len(batch) > 1:
            # a failure that one year causes must not cost the others: each year again, in a run of its own
            print(f"gip: run {result.run_id} failed; running its {len(batch)} years one by one", flush=True)
            queue[:0] = sorted(([year] for year in batch), key=_oldest)
            continue
        for year in batch:
            done += 1
            if not result.success or year not in counts:
                why = "run failed" if not result.success else "publish blocked by the schema gate"
                failed.append(f"{year} ({why}, run {result.run_id})")
                print(f"[{done}/{len(years)}] {year}: FAILED — {why}; see run {result.run_id} in the Dagster UI")
                continue
            c = counts[year]
            for k in totals:
                totals[k] += c[k]
            print(f"[{done}/{len(years)}] {year}: {c['inputs']} input(s) → {c['curated']} curated, "
                  f"{c['quarantined']} quarantined, {c['rejected']} rejected")
        print(f"gip: run {result.run_id} took {time.perf_counter() - tb:.1f} s")
    print(f"gip: {totals['inputs']} input(s): {totals['curated']} curated, {totals['quarantined']} quarantined, "
          f"{totals['rejected']} rejected in {time.perf_counter() - t0:.1f} s")
    print(f"     curated → {paths.curated_dir}\n     quarantine → {paths.quarantine_dir}")
    _refresh_duckdb(Path(paths.curated_dir), Path(paths.quarantine_dir))
    if failed:
        print(f"gip: {len(failed)} year(s) failed: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _execute(job, instance, batch: list[str], totals: dict) -> tuple:
    """One Dagster run over `batch` (consecutive years); (result, year -> the fact_tables counts)."""
    range_tags = {"dagster/asset_partition_range_start": batch[0], "dagster/asset_partition_range_end": batch[-1]}
    result = job.execute_in_process(
        partition_key=batch[0] if len(batch) == 1 else None, tags=None if len(batch) == 1 else range_tags,
        instance=instance, raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    counts: dict[str, dict[str, int]] = {}
    for mat in result.asset_materializations_for_node("fact_tables"):
        if all(k in mat.metadata for k in totals):
            counts[mat.partition or batch[0]] = {k: int(mat.metadata[k].value) for k in totals}
    return result, counts


def _oldest(batch: list[str]) -> tuple:
    """Sort key of a batch: its oldest year (`undated` last)."""
    return min((0, y) if y.isdigit() else (1, y) for y in batch)


def _batches(instance_keys: list[str], wanted: list[str]) -> list[list[str]]:
    """The wanted years as runs of consecutive keys in the instance's partition order (one Dagster run each):
    a run takes a contiguous key range, and a year not asked for must never be swept into it."""
    batches: list[list[str]] = []
    current: list[str] = []
    for key in instance_keys:
        if key in wanted:
            current.append(key)
        elif current:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


def _refresh_duckdb(curated: Path, quarantine: Path) -> None:
    """Re-create the DuckDB views next to the data (BI tools open that file); never fails the run."""
    try:
        from gip_pipeline.serve import views

        views.build(curated.parent, curated, quarantine).close()
        print(f"     duckdb → {curated.parent / views.DB_FILE} (gip sql)")
    except Exception as exc:  # e.g. the file is open in a BI tool: the data is published all the same
        print(f"gip: duckdb views not refreshed ({type(exc).__name__}: {exc})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    if args.command == "sql":
        from gip_pipeline.serve.shell import main as sql_main

        return sql_main(args.curated_dir, args.quarantine_dir or args.curated_dir.resolve().parent / "quarantine",
                        args.command_sql, write=args.write)
    return 2


if __name__ == "__main__":
    sys.exit(main())
