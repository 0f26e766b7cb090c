"""The parse step's process pool gives exactly the rows of the sequential parse, in the same order."""

from __future__ import annotations

import random

from gip_pipeline.core.facts import report_id_for
from gip_pipeline.core.normalize import normalize
from gip_pipeline.core.schema import PARSER_VERSION
from gip_pipeline.stages import incremental, storage
from gip_pipeline_tests.renderer import LAYOUTS, make_truth, render


def _normalized(n: int):
    rows = []
    for i in range(n):
        rng = random.Random(i)
        text = render(make_truth(rng, "2021", "2021"), rng.choice(LAYOUTS), rng)
        norm = normalize(text.encode())
        sha = f"{i:064x}"
        rows.append({"report_id": report_id_for(sha), "source_file": f"r{i}.txt", "source_sha256": sha,
                     "size_bytes": len(text), "folder_year": None, "encoding": norm.encoding, "script": norm.script,
                     "changes": "{}", "text": norm.text, "reject_reason": None, "reject_detail": None,
                     "container": "txt", "converter": None, "parser_version": PARSER_VERSION})
    return storage.to_table(rows, "normalized_reports")


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
