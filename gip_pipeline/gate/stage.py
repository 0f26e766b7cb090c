"""The gate and the publish of one year, as the `fact_tables` asset runs them (in a pool worker per year).

Plain data in and out (paths as strings, counts and lists back), so a forked worker needs nothing of Dagster: the
worker gates the year a chunk of reports at a time and writes its files aside; the caller, which holds the
year's lock, checks the accounting and commits them. Also here: the digests that tell an unchanged year.
"""

from __future__ import annotations

import time

import pyarrow.compute as pc

from gip_pipeline import config
from gip_pipeline.contract import schema
from gip_pipeline.parse.stage import PARSED_TABLES
from gip_pipeline.storage import integrity, parquet
from gip_pipeline.storage.stamps import digest_files

# what the gate and the publish of a year read, besides the year's staged rows: their code and the schema
GATE_CODE = ("gip_pipeline.gate.judge", "gip_pipeline.gate.suites", "gip_pipeline.gate.repairs",
             "gip_pipeline.gate.narrative", "gip_pipeline.gate.cross_year", "gip_pipeline.gate.publish",
             "gip_pipeline.storage.chunks", "gip_pipeline.gate.verdicts",
             "gip_pipeline.contract.schema", "gip_pipeline.gate.stage")
GATE_INPUTS = PARSED_TABLES + ("identity_operands", "rejects")



def code_digest() -> str:
    return digest_files([], GATE_CODE, extra=f"parser={schema.PARSER_VERSION}")


def published_files(curated: str, quarantine: str, year: str, tables: tuple[str, ...] = schema.FACT_TABLES
                    ) -> list[str]:
    """The year's published files of `tables` (curated and quarantine) and its rejects file."""
    return [parquet.join(parquet.partition_dir(root, t, year), parquet.PART_FILE)
            for root in (curated, quarantine) for t in tables] + [
        parquet.join(quarantine, "rejects", f"rejects-{year}.parquet")]


def published_digest(curated: str, quarantine: str, year: str) -> str:
    return digest_files(published_files(curated, quarantine, year))


def no_staged_parse(root: str, year: str) -> bool:
    """No staged parse of the year at all (never parsed): an absent year, not a damaged one."""
    return integrity.read_stamp(root, year) is None and not any(
        integrity.exists(root, t, year) for t in ("reports", "applications"))


GATE_REPORTS = 2_000  # reports gated and published at a time (`storage.chunks`): bounds memory within a year


def gate_reports() -> int:
    return config.current().gate_reports or GATE_REPORTS


def gate_years(jobs: list[tuple[str, str, str, str, bool, bool]]) -> list[dict]:
    """`gate_and_prepare` of each (staging, curated, quarantine, year, reuse, cross): runs in a pool worker, so
    plain data out (the files it wrote aside included, as `pending`)."""
    return [gate_and_prepare(*job) for job in jobs]


def gate_and_publish(staging: str, curated: str, quarantine: str, year: str, reuse: bool = False,
                     cross: bool = True) -> dict:
    """`gate_and_prepare`, then the publish's moves, in this process (which must hold the year's lock)."""
    done = gate_and_prepare(staging, curated, quarantine, year, reuse, cross)
    parquet.commit(done.pop("pending"))
    return done


def gate_and_prepare(staging: str, curated: str, quarantine: str, year: str, reuse: bool = False,
                     cross: bool = True) -> dict:
    """One year, a chunk of reports at a time: gate every report, add the cross-year warnings, write the year's
    published files aside (`pending`: nothing a reader sees changes until the caller commits them). With `reuse`,
    reports published before whose parse was reused keep their published verdicts (`gate.verdicts`). Without
    `cross`, the previous year is read as absent (its staged parse is damaged). Plain counts and lists (no Dagster objects: this may run in a worker process)."""
    from gip_pipeline.storage.chunks import report_chunks
    from gip_pipeline.gate.cross_year import PreviousYear, previous_inputs, previous_year
    from gip_pipeline.gate.judge import quality_for_chunk, quality_reusing  # imports GX (heavy): only where it runs
    from gip_pipeline.gate.publish import Publisher
    from gip_pipeline.gate.verdicts import Published

    t0 = time.perf_counter()
    root = parquet.join(staging, "parsed")
    if cross or previous_year(year) is None:
        previous = previous_inputs(root, year)
    else:  # the previous year's staged parse is damaged: read as absent
        previous = PreviousYear(previous_year(year), schema.ALL_SCHEMAS["reports"].empty_table().select(
            ["report_id", "body_key"]), schema.ALL_SCHEMAS["applications"].empty_table())
    kept: set[str] = set()
    published = Published(curated, quarantine, year) if reuse else None
    if published is not None:
        ledger = parquet.read_partition(root, "parse_ledger", year)
        ledger = ledger.filter(pc.and_(ledger["reused"], pc.equal(ledger["outcome"], "report")))
        kept = set(ledger["report_id"].to_pylist()) & published.ids
        in_order = [r for r in parquet.read_partition(root, "reports", year)["report_id"].to_pylist() if r in kept]
        if not published.in_order(in_order):  # files moved since: gate everything (forward reading needs order)
            kept, published = set(), None
    publisher = Publisher(year, curated, quarantine)
    agencies: dict[str, str] = {}
    failed_identities = checked = not_assessable = chunks = 0
    for chunk in report_chunks(root, year, PARSED_TABLES + ("identity_operands",), gate_reports()):
        operands = chunk.pop("identity_operands")
        old = [r for r in chunk["reports"]["report_id"].to_pylist() if r in kept]
        if old:
            quality = quality_reusing(year, chunk, operands, previous, published.rows(old), old)
        else:
            quality = quality_for_chunk(year, chunk, operands, previous)
        del operands
        publisher.add(chunk, quality)
        hard = pc.equal(quality["severity"], "error")
        failed_identities += pc.sum(pc.and_(hard, pc.invert(quality["passed"]))).as_py() or 0
        checked += quality.num_rows
        not_assessable += pc.sum(pc.equal(quality["status"], "not_assessable")).as_py() or 0
        agencies.update(zip(chunk["reports"]["report_id"].to_pylist(), chunk["reports"]["agency"].to_pylist()))
        chunks += 1
    result, pending = publisher.prepare(parquet.read_partition(root, "rejects", year))
    return {"pending": pending, "curated": len(result.curated), "rows": result.rows, "rejects": result.rejects,
            "quarantined": [(rid, agencies.get(rid) or "", checks) for rid, checks in result.quarantined.items()],
            "failed_identities": failed_identities, "checked": checked, "not_assessable": not_assessable,
            "chunks": chunks, "verdicts_kept": len(kept), "seconds": round(time.perf_counter() - t0, 3)}
