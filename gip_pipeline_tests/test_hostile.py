"""One hostile input never costs another: the real `gip run` over the seeds plus one file of every hostile class.

Each class once broke a whole run (issue 14): a year whose only input is a broken link, a file name that is not
UTF-8, 1,000 nested folders, symlink loops, a FIFO, hidden files, DOCX files that crash or explode a converter, a
count of 20 digits, an undated report in two year folders. (`test_hostile_containers.py` holds more converter
cases, timeouts included; `test_integrity.py` damaged staging; `test_kill.py` kill -9.) The
run must exit 0, account for every input exactly once, publish the seeds' facts unchanged, and a second run over
the same folder must be green too; a year whose inputs are all removed is then unpublished.
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
from pathlib import Path

import polars as pl
import pytest

from gip_pipeline.storage import location
from gip_pipeline_tests.conftest import SEED_FILES, expected_for
from gip_pipeline_tests import hostile as hostile_files
from gip_pipeline_tests.expectations import application_mismatches, review_mismatches
from gip_pipeline_tests.renderer import make_truth, render
from gip_pipeline_tests.runs import run_cli
from gip_pipeline_tests.test_integrity import HUGE, _replace_cell

GBK_NAME = "平潭县2022年报告".encode("gbk") + b".txt"  # not UTF-8: how Chinese Windows machines write names


def _rendered(seed: int, year: int | None = 2021) -> str:
    """A rendered report of `year` (None: a report that names no year, title and period say 本年度)."""
    rng = random.Random(seed)
    truth = dataclasses.replace(make_truth(rng, "2021", "2021", big=True), year=year or 2021, published=None)
    text = render(truth, "tab", rng)
    return text if year else text.replace("2021年", "本年度")


def build(raw: Path) -> dict[str, tuple[str, str | None]]:
    """The seeds and one hostile input of each class; source_file -> (destination, reject reason)."""
    expect: dict[str, tuple[str, str | None]] = {}

    def put(rel: str, data: bytes, outcome: tuple[str, str | None]) -> Path:
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[rel] = outcome
        return path

    for seed in SEED_FILES:
        exp = expected_for(seed)
        put(f"{exp['report_year']}/{seed.name}", seed.read_bytes(),
            ("quarantine", None) if exp["identity_violations"] else ("curated", None))
    # a year whose only input is a broken link (wedged every later run)
    (raw / "2021").mkdir()
    (raw / "2021" / "broken.txt").symlink_to(raw / "2021" / "nowhere.txt")
    expect["2021/broken.txt"] = ("rejects", "unreadable")
    # a file name in GBK bytes: read, reported with its bytes escaped
    gbk = os.path.join(os.fsencode(raw), b"names", GBK_NAME)
    os.makedirs(os.path.dirname(gbk), exist_ok=True)
    with open(gbk, "wb") as f:
        f.write(_rendered(21).encode())
    expect["names/" + location.display_name(os.fsdecode(GBK_NAME))] = ("curated", None)
    # 1,000 nested folders
    deep = raw
    for _ in range(1000):  # made level by level: pathlib and os.makedirs recurse
        deep = deep / "d"
        deep.mkdir()
    put("/".join(["d"] * 1000) + "/deep.txt", _rendered(22).encode(), ("curated", None))
    # symlink loops: followed at most once, never again
    (raw / "loops").mkdir()
    (raw / "loops" / "self").symlink_to(".")
    (raw / "loops" / "inner").mkdir()
    (raw / "loops" / "inner" / "up").symlink_to("..")
    put("loops/inner/report.txt", _rendered(23).encode(), ("curated", None))
    # a FIFO: an input that is never opened
    os.mkfifo(raw / "fifo.txt")
    expect["fifo.txt"] = ("rejects", "unreadable")
    # hidden files are inputs like any other
    put(".hidden/.x.txt", _rendered(24).encode(), ("curated", None))
    put(".DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(range(256)) * 4, ("rejects", "undecodable"))  # a few NULs: stripped, then no encoding fits
    # converters: a DOCX whose cell span is not a number, one that expands to a huge grid, a zip bomb
    put("docx/gridspan.docx", hostile_files.docx_bad_gridspan(), ("rejects", "internal_error"))
    put("docx/grid_before.docx", hostile_files.docx_grid_before(), ("rejects", "too_large"))
    put("docx/zip_bomb.docx", hostile_files.docx_zip_bomb(), ("rejects", "too_large"))
    # a count of 20 digits and a decimal count: null with a warning, the report published
    seed000 = next(s for s in SEED_FILES if s.name.startswith("000"))
    lines = seed000.read_text(encoding="utf-8").split("\n")
    _replace_cell(lines, "5. 属于三类内部事务信息", HUGE)
    _replace_cell(lines, "6. 属于四类过程性信息", "3.5")
    put("numbers/000_huge.txt", "\n".join(lines).encode(), ("curated", None))
    # an undated report in two year folders: one report and one duplicate
    undated = _rendered(25, None).encode()
    put("2024/undated.txt", undated, ("curated", None))
    put("2025/undated.txt", undated, ("rejects", "duplicate"))
    return expect


def _published(tmp: Path) -> tuple[dict[str, tuple[str, str | None]], pl.DataFrame, dict]:
    got: dict[str, tuple[str, str | None]] = {}
    tables = {}
    for dest in ("curated", "quarantine"):
        for t in ("reports", "applications", "review_litigation"):
            files = sorted((tmp / dest).glob(f"{t}/year=*/*.parquet"))
            tables[(dest, t)] = pl.read_parquet(files, hive_partitioning=True) if files else pl.DataFrame()
        for f in tables[(dest, "reports")].get_column("source_file", default=pl.Series([])).to_list():
            assert f not in got, f"{f} published twice"
            got[f] = (dest, None)
    rejects = pl.read_parquet(sorted((tmp / "quarantine" / "rejects").glob("*.parquet")))
    for f, r in zip(rejects["source_file"], rejects["reason"]):
        assert f not in got, f"{f} accounted twice"
        got[f] = ("rejects", r)
    return got, rejects, tables


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    raw = tmp / "raw"
    raw.mkdir()
    expect = build(raw)
    first = run_cli(tmp, raw)
    first_out = _published(tmp)
    second = run_cli(tmp, raw)
    yield tmp, raw, expect, first, first_out, second
    _remove_deep(raw / "d")  # shutil.rmtree (and pytest's clean-up of old temp folders) recurses per level


def _remove_deep(top: Path) -> None:
    """Remove a chain of nested folders (one sub-folder each) level by level, without recursion."""
    chain = []
    folder = str(top)
    while os.path.isdir(folder):
        chain.append(folder)
        subs = []
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                subs.append(path)
            else:
                os.unlink(path)
        if not subs:
            break
        folder = subs[0]
    for folder in reversed(chain):
        os.rmdir(folder)


def test_every_input_accounted_once_and_run_green(hostile):
    _, _, expect, first, (got, rejects, _), second = hostile
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert got == expect
    assert all(rejects["detail"].str.len_chars() > 0)
    dup = rejects.filter(pl.col("reason") == "duplicate").row(0, named=True)
    assert dup["detail"] == "same bytes as 2024/undated.txt" and dup["report_year"] == 2025
    assert f"{len(expect)} input(s):" in first.stdout
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert f"{len(expect)} input(s):" in second.stdout


def test_seed_facts_unchanged(hostile):
    _, _, _, _, (_, _, tables), _ = hostile
    for seed in SEED_FILES:
        exp = expected_for(seed)
        rel = f"{exp['report_year']}/{seed.name}"
        dest = "quarantine" if exp["identity_violations"] else "curated"
        rep = tables[(dest, "reports")].filter(pl.col("source_file") == rel)
        rid = rep["report_id"][0]
        apps = tables[(dest, "applications")].filter(pl.col("report_id") == rid)
        rl = tables[(dest, "review_litigation")].filter(pl.col("report_id") == rid)
        assert application_mismatches(exp, {(r["row_code"], r["applicant"]): r["value"]
                                            for r in apps.iter_rows(named=True)}) == []
        assert review_mismatches(exp, {(r["proceeding"], r["outcome"]): r["value"]
                                       for r in rl.iter_rows(named=True)}) == []
        assert rep["agency"][0] == exp["agency"]


def test_gbk_name_read_and_escaped(hostile):
    _, _, _, _, (got, _, tables), _ = hostile
    name = [f for f in got if f.startswith("names/")][0]
    assert "\\x" in name and name.endswith(".txt")  # the bytes that are not UTF-8, escaped
    rep = tables[("curated", "reports")].filter(pl.col("source_file") == name)
    assert rep["report_year"][0] == 2021


def test_removed_inputs_unpublish_their_year(hostile):
    tmp, raw, expect, *_ = hostile
    shutil.rmtree(raw / "2024")  # the undated report's first copy: 2024 has no inputs any more
    third = run_cli(tmp, raw)
    assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
    assert "no inputs left for year(s) 2024" in third.stdout
    assert not list((tmp / "curated").glob("*/year=2024/*.parquet"))
    got, _, _ = _published(tmp)
    # the copy in 2025 is now the only one: a report of its own, no longer a duplicate
    assert got["2025/undated.txt"] == ("curated", None)
    assert "2024/undated.txt" not in got
    assert len(got) == len(expect) - 1


def test_bytes_parsed_are_the_bytes_hashed(tmp_path):
    """A file changed between the inventory and its normalization is not read with the old file's sha256."""
    from gip_pipeline.ingest.normalized import normalize_files
    from gip_pipeline.ingest.inventory import inventory

    raw = tmp_path / "raw"
    (raw / "2021").mkdir(parents=True)
    report = raw / "2021" / "r.txt"
    report.write_bytes(_rendered(31).encode())
    rows = inventory(raw)
    report.write_bytes(_rendered(32).encode())
    table, _ = normalize_files(raw, rows)
    row = table.to_pylist()[0]
    assert row["reject_reason"] == "unreadable" and "changed after it was inventoried" in row["reject_detail"]
    assert row["text"] is None
    again, _ = normalize_files(raw, inventory(raw))  # the next run reads it
    assert again["reject_reason"].to_pylist() == [None]


def test_a_year_that_fails_costs_only_itself(tmp_path):
    """A multi-year run that fails is run again year by year: the years that can be published are."""
    raw = tmp_path / "raw"
    for year, prefix in (("2022", "000"), ("2023", "002")):
        (raw / year).mkdir(parents=True)
        seed = next(s for s in SEED_FILES if s.name.startswith(prefix))
        shutil.copy(seed, raw / year / seed.name)
    blocker = tmp_path / "staging" / "raw_inventory" / "raw_inventory" / "year=2022"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the year's folder must go: every write of 2022 fails")
    proc = run_cli(tmp_path, raw)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "running its 2 years one by one" in proc.stdout
    assert "2022: FAILED" in proc.stdout and "2023: 1 input(s) → 1 curated" in proc.stdout
    assert [p.parent.name for p in (tmp_path / "curated" / "reports").glob("*/*.parquet")] == ["year=2023"]
