"""`quality_report`: the human-readable quality page (and GX Data Docs) of each year, downstream of the publish.

A separate small asset so a report problem never blocks or rolls back a publish, and so the page is linked from
the Dagster UI as the year's materialization metadata (a path and a file:// URL to the run's own page).
"""

import os
import time
from collections import Counter
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gip_pipeline import config
from gip_pipeline.contract import schema
from gip_pipeline.storage import parquet
from gip_pipeline.storage.chunks import stream
from gip_pipeline.storage.stamps import digest_files
from gip_pipeline.storage.location import is_local, local_path, resolve
from gip_pipeline.defs.assets import GROUP, fact_tables, record
from gip_pipeline.gate import stage as gate_stage
from gip_pipeline.defs.partitions import BACKFILL_POLICY, REPORT_YEARS
from gip_pipeline.defs.resources import GipPaths, default_data_dir

REPORT_TABLES = ("reports", "applications", "review_litigation", "quality")


def reports_root(paths: GipPaths) -> Path:
    """`$GIP_REPORTS_DIR`, else `reports/` beside a local curated folder, else the repo's `data/reports/`."""
    if env := config.current().reports_dir:
        return Path(env)
    return local_path(paths.curated_dir).parent / "reports" if is_local(paths.curated_dir) \
        else default_data_dir() / "reports"


def gx_data_docs_enabled() -> bool:
    """GX Data Docs cost ~10 s a year (a file context in a child process), tripling the seed run: opt in with
    `GIP_GX_DATA_DOCS=1` (`gip run --data-docs`). The quality page itself is always built."""
    return config.current().gx_data_docs


@dg.asset(partitions_def=REPORT_YEARS, group_name=GROUP, deps=[fact_tables], kinds={"python", "html"},
          backfill_policy=BACKFILL_POLICY)
def quality_report(context: dg.AssetExecutionContext, paths: GipPaths) -> dg.MaterializeResult:
    """Per year: an offline HTML page of the year's checks, quarantined reports (grids) and charts; GX Data Docs."""
    from gip_pipeline.serve.quality_report import count_status, render

    root = reports_root(paths)
    for year in context.partition_keys:
        t0 = time.perf_counter()
        folder = root / f"year={year}"
        latest = folder / "quality.html"
        stamp = folder / "quality.sha256"
        digest = _published_digest(paths, year)
        if latest.exists() and stamp.exists() and stamp.read_text() == digest and not gx_data_docs_enabled():
            # nothing the page shows has changed since it was made: a nightly run on a quiet night
            record(context, year, {"quality_report": dg.MetadataValue.path(str(latest)),
                                   "quality_report_url": dg.MetadataValue.url(latest.resolve().as_uri()),
                                   "latest": dg.MetadataValue.path(str(latest)), "unchanged": True,
                                   "seconds": round(time.perf_counter() - t0, 3)})
            continue
        curated, counts = read_for_page(paths.curated, year)
        quarantine = {t: parquet.read_partition(paths.quarantine, t, year) for t in REPORT_TABLES}
        counts.update(count_status(quarantine["quality"]))
        rejects_path = parquet.join(paths.quarantine, "rejects", f"rejects-{year}.parquet")
        rejects = _read_file(rejects_path)
        page = render(year, curated, quarantine, rejects, run_id=context.run.run_id, status_counts=counts)
        (folder / "runs").mkdir(parents=True, exist_ok=True)
        run_page = folder / "runs" / f"quality-{context.run.run_id}.html"
        run_page.write_text(page, encoding="utf-8")
        tmp = latest.with_suffix(".html.tmp")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, latest)
        stamp.write_text(digest)
        metadata = {"quality_report": dg.MetadataValue.path(str(run_page)),
                    "quality_report_url": dg.MetadataValue.url(run_page.resolve().as_uri()),
                    "latest": dg.MetadataValue.path(str(latest)), "unchanged": False,
                    "quarantined": quarantine["reports"].num_rows, "curated": curated["reports"].num_rows}
        if gx_data_docs_enabled():
            from gip_pipeline.serve.gx_docs import build_in_subprocess

            docs = build_in_subprocess(root, str(paths.curated), str(paths.quarantine), str(paths.staging), year)
            metadata["gx_data_docs"] = dg.MetadataValue.path(docs["index"])
            metadata["gx_data_docs_url"] = dg.MetadataValue.url(Path(docs["index"]).resolve().as_uri())
            metadata["gx_validations_passed"] = sum(docs["results"].values())
            metadata["gx_validations"] = len(docs["results"])
        metadata["seconds"] = round(time.perf_counter() - t0, 3)
        context.log.info(f"quality report for {year}: {run_page}")
        record(context, year, metadata)
    return dg.MaterializeResult()


def read_for_page(curated_root: str, year: str) -> tuple[dict[str, pa.Table], Counter]:
    """What the page shows of the curated year, streamed a row group at a time (a year's curated quality rows are
    ~0.5 GB at 14,000 reports): reports' ids and bodies, the 总计 column of applications, the failed quality rows,
    and the (severity, status) counts of all quality rows."""
    from gip_pipeline.serve.quality_report import count_status

    counts: Counter = Counter()
    failed, totals = [], []
    for batch in stream(curated_root, "quality", year):
        rows = pa.Table.from_batches([batch])
        counts.update(count_status(rows))
        failed.append(rows.filter(pc.fill_null(pc.equal(rows["status"], "failed"), False)))
    for batch in stream(curated_root, "applications", year, ["report_id", "row_code", "applicant", "value"]):
        totals.append(pa.Table.from_batches([batch]).filter(pc.equal(batch["applicant"], "total")))
    apps = schema.TABLE_SCHEMAS["applications"]
    return {
        "reports": parquet.read_partition(curated_root, "reports", year).select(["report_id", "agency"]),
        "quality": pa.concat_tables(failed) if failed else schema.TABLE_SCHEMAS["quality"].empty_table(),
        "applications": pa.concat_tables(totals) if totals else pa.schema(
            [apps.field(c) for c in ("report_id", "row_code", "applicant", "value")]).empty_table(),
    }, counts


def _published_digest(paths: GipPaths, year: str) -> str:
    """Digest of every published file the page is made from, and of the page code."""
    return digest_files(gate_stage.published_files(paths.curated, paths.quarantine, year, REPORT_TABLES), ("gip_pipeline.serve.quality_report",))


def _read_file(path: str):
    fs, p = resolve(path)
    try:
        return pq.read_table(p, filesystem=fs)
    except (FileNotFoundError, OSError):
        return schema.TABLE_SCHEMAS["rejects"].empty_table()


REPORT_ASSETS = [quality_report]
