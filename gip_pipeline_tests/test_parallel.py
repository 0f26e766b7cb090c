"""The parse step's process pool gives exactly the rows of the sequential parse, in the same order."""

from __future__ import annotations

import hashlib
import random

import pytest

from gip_pipeline.parse.facts import report_id_for
from gip_pipeline.ingest.normalize import normalize
from gip_pipeline.contract.schema import PARSER_VERSION
from gip_pipeline.parse import incremental
from gip_pipeline.storage import parquet
from gip_pipeline_tests.renderer import LAYOUTS, make_truth, render


def _normalized(n: int):
    rows = []
    for i in range(n):
        rng = random.Random(i)
        text = render(make_truth(rng, "2021", "2021"), rng.choice(LAYOUTS), rng)
        norm = normalize(text.encode())
        sha = hashlib.sha256(str(i).encode()).hexdigest()  # distinct report ids, as real inputs have
        rows.append({"report_id": report_id_for(sha), "source_file": f"r{i}.txt", "source_sha256": sha,
                     "size_bytes": len(text), "folder_year": None, "encoding": norm.encoding, "script": norm.script,
                     "changes": "{}", "text": norm.text, "reject_reason": None, "reject_detail": None,
                     "container": "txt", "converter": None, "parser_version": PARSER_VERSION})
    return parquet.to_table(rows, "normalized_reports")


def test_pool_equals_sequential(monkeypatch):
    rows = _normalized(240)
    monkeypatch.setenv("GIP_WORKERS", "1")
    sequential, _ = incremental.parse_incremental(rows, None)
    monkeypatch.setenv("GIP_WORKERS", "2")
    pooled, counts = incremental.parse_incremental(rows, None)
    assert counts.parsed == 240 and pooled["reports"].num_rows == 240
    assert pooled.keys() == sequential.keys()
    for name, table in pooled.items():
        assert table.equals(sequential[name]), name


def _renamed(rows, order: list[int], prefix: str = "moved/"):
    """The normalized rows `order` (indices into `rows`), every file under a new name in that order."""
    table = rows.take(order)
    names = [f"{prefix}{k:03d}_{f}" for k, f in enumerate(table["source_file"].to_pylist())]
    return parquet.replace_column(table, "source_file", names)


@pytest.mark.parametrize("case", ["added_and_deleted", "moved_out_of_order"])
def test_streamed_reuse_equals_a_cold_parse(case, monkeypatch):
    """Reuse reads the previous staged rows forward, a chunk of inputs at a time: with reports added, deleted and
    files moved so that the old order is not today's, the year must equal a parse of today's inputs from scratch."""
    monkeypatch.setenv("GIP_WORKERS", "2")
    rows = _normalized(260)
    before, _ = incremental.parse_incremental(rows.slice(0, 230), None)
    if case == "added_and_deleted":
        today = rows.take([i for i in range(260) if i % 9])  # 29 deleted, 30 added (every 9th gone)
        expect_parsed = len([i for i in range(230, 260) if i % 9])
    else:
        order = list(range(260))
        random.Random(3).shuffle(order)
        today = _renamed(rows, order)
        expect_parsed = 30
    cold, _ = incremental.parse_incremental(today, None, chunk=17)
    warm, counts = incremental.parse_incremental(today, before, chunk=17)
    assert (counts.parsed, counts.skipped_unchanged) == (expect_parsed, today.num_rows - expect_parsed)
    for name, table in cold.items():
        if name == "parse_ledger":
            table, other = table.drop_columns(["reused"]), warm[name].drop_columns(["reused"])
        else:
            other = warm[name]
        assert table.equals(other), name
