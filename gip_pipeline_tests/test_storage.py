"""storage/: atomic partitions, streams of whole reports, stamps that catch damage, locks, the walk's edge cases.

Unit tests on small real files in a temporary folder (the stages' end-to-end tests use them all through real runs).
"""

from __future__ import annotations

import os
import threading
import time

import filelock
import pyarrow as pa
import pytest

from gip_pipeline.contract import schema
from gip_pipeline.storage import chunks, integrity, location, locks, parquet


def _reports(ids: list[str]) -> pa.Table:
    return parquet.to_table([{"report_id": r, "source_file": f"{r}.txt", "warnings": []} for r in ids], "reports")


def _applications(rows: list[tuple[str, int]]) -> pa.Table:
    return parquet.to_table([{"report_id": r, "row_code": "new_requests", "applicant": "total", "value": v,
                              "raw": str(v), "derived": False} for r, v in rows], "applications")


def test_partition_written_aside_then_moved_and_read_back_with_its_schema(tmp_path):
    data = _reports(["a", "b"])
    pending = parquet.prepare_partition(tmp_path, "reports", "2022", data)
    final = tmp_path / "reports" / "year=2022" / parquet.PART_FILE
    assert not final.exists() and pending.tmp.endswith(".tmp")  # nothing a reader globs yet
    parquet.commit([pending])
    back = parquet.read_partition(tmp_path, "reports", "2022")
    assert back.equals(data) and back.schema.equals(schema.ALL_SCHEMAS["reports"], check_metadata=False)
    assert not (tmp_path / parquet.WRITING).exists()
    parquet.write_partition(tmp_path, "reports", "2022", schema.ALL_SCHEMAS["reports"].empty_table())
    assert not final.exists() and parquet.list_partitions(tmp_path, "reports") == []  # empty data: a removal


def test_same_rows_same_bytes_however_assembled(tmp_path):
    whole = _reports(["a", "b", "c"])
    pieces = pa.concat_tables([whole.slice(0, 1), whole.slice(1, 2)])
    parquet.write_partition(tmp_path / "x", "reports", "2022", whole)
    parquet.write_partition(tmp_path / "y", "reports", "2022", pieces)
    read = lambda root: (root / "reports" / "year=2022" / parquet.PART_FILE).read_bytes()  # noqa: E731
    assert read(tmp_path / "x") == read(tmp_path / "y")


def test_report_chunks_hold_whole_reports_in_input_order(tmp_path):
    ids = [f"r{i}" for i in range(5)]
    parquet.write_partition(tmp_path, "reports", "2022", _reports(ids))
    apps = [(r, k) for k, r in enumerate(ids) for _ in range(k + 1)]  # report r_k has k+1 rows
    parquet.write_partition(tmp_path, "applications", "2022", _applications(apps))
    got = list(chunks.report_chunks(tmp_path, "2022", ("reports", "applications"), reports=2))
    assert [c["reports"]["report_id"].to_pylist() for c in got] == [["r0", "r1"], ["r2", "r3"], ["r4"]]
    for c in got:
        mine = set(c["reports"]["report_id"].to_pylist())
        assert set(c["applications"]["report_id"].to_pylist()) == mine
    assert [r for c in got for r in c["applications"]["report_id"].to_pylist()] == [r for r, _ in apps]


def test_stamp_catches_a_truncated_or_deleted_file(tmp_path):
    tables = {"reports": _reports(["a"]), "applications": _applications([("a", 3)])}
    integrity.write_partitions(tmp_path, "2022", tables)
    digests, problem = integrity.verify(tmp_path, "2022", ("reports", "applications"))
    assert problem is None and set(digests) == {"reports", "applications"}
    f = tmp_path / "applications" / "year=2022" / parquet.PART_FILE
    f.write_bytes(f.read_bytes()[:-10])
    assert "applications 2022" in integrity.damage(tmp_path, "2022", ("reports", "applications"))
    f.unlink()
    assert integrity.damage(tmp_path, "2022", ("applications",)) == "applications 2022: missing"
    assert "no stamp" in integrity.damage(tmp_path, "2023", ("reports",))


def test_year_lock_is_exclusive_and_times_out(tmp_path):
    held = threading.Event()
    release = threading.Event()

    def holder():
        with locks.year_lock(tmp_path, "2022"):
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    t0 = time.monotonic()
    with pytest.raises(filelock.Timeout):
        with locks.year_lock(tmp_path, "2022", timeout=0.3):
            pass
    assert time.monotonic() - t0 >= 0.3
    with locks.year_lock(tmp_path, "2021", timeout=0.3):  # another year: free
        pass
    release.set()
    t.join()
    with locks.year_lock(tmp_path, "2022", timeout=1):
        pass


def test_walk_reports_what_it_cannot_read_and_reads_what_it_lists(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_bytes(b"x")
    (tmp_path / "a" / "back").symlink_to("..")  # a loop: adds nothing
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere")
    odd = os.path.join(os.fsencode(tmp_path), b"\xb1\xa8.txt")  # GBK 报, not UTF-8
    with open(odd, "wb") as f:
        f.write(b"gbk")
    got = {f.rel: f.problem for f in location.list_files(tmp_path)}
    assert got == {"a/x.txt": None, "gone.txt": "a broken link", "\\xb1\\xa8.txt": None}
    assert location.read_bytes(tmp_path, "\\xb1\\xa8.txt") == b"gbk"
    with pytest.raises(location.TooLarge):
        location.read_bytes(tmp_path, "a/x.txt", max_bytes=0)
