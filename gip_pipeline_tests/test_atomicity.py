"""Kill -9 mid-run and overlapping writers, with real processes.

A child process runs `gip run` and SIGKILLs itself at a chosen point: while the year's files are being written
aside (a half-written file on disk), or between the moves that put them in place. The previous complete year must
stay visible in the first case, and in both cases the next run must complete with exactly the output a clean run
gives. A second process holding a year's lock must keep a run of that year from writing.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from contextlib import redirect_stdout
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gip_pipeline.cli import main
from gip_pipeline_tests.runs import published_bytes, seed, seeded_raw

KILLER = textwrap.dedent("""
    import os, signal, sys
    import pyarrow.parquet as pq
    from gip_pipeline.storage import parquet as storage
    phase, at = sys.argv[1], int(sys.argv[2])
    count = [0]
    real_write = pq.write_table

    def write_table(table, where, *args, **kwargs):
        real_write(table, where, *args, **kwargs)
        if phase == "write" and ("/curated/" in str(where) or "/quarantine/" in str(where)):
            count[0] += 1
            if count[0] == at:  # leave a half-written file behind, as a kill during the write would
                with open(where, "r+b") as f:
                    f.truncate(os.path.getsize(where) // 2)
                os.kill(os.getpid(), signal.SIGKILL)

    real_chunk_write = storage.PartitionWriter.write

    def chunk_write(self, data):  # a year is published chunk by chunk into open files: kill with one half done
        real_chunk_write(self, data)
        if phase == "write" and data.num_rows and ("/curated" in str(self.root) or "/quarantine" in str(self.root)):
            count[0] += 1
            if count[0] == at:
                os.kill(os.getpid(), signal.SIGKILL)

    storage.PartitionWriter.write = chunk_write
    real_rmdir = storage._rmdir

    def rmdir_after_move(folder):  # commit() calls this right after each move out of `.writing/`
        real_rmdir(folder)
        if phase == "move" and ".writing" in str(folder) and ("/curated/" in str(folder) or "/quarantine/" in str(folder)):
            count[0] += 1
            if count[0] == at:
                os.kill(os.getpid(), signal.SIGKILL)

    pq.write_table, storage._rmdir = write_table, rmdir_after_move
    from gip_pipeline.cli import main
    sys.exit(main(sys.argv[3:]))
""")


def cli_args(tmp: Path, raw: Path) -> list[str]:
    return ["run", "--raw-dir", str(raw), "--curated-dir", str(tmp / "curated"),
            "--quarantine-dir", str(tmp / "quarantine"), "--year", "2022"]


def gip(args: list[str]) -> int:
    with redirect_stdout(io.StringIO()):
        return main(args)


def killed_run(tmp: Path, raw: Path, phase: str, at: int) -> int:
    env = {**os.environ, "DAGSTER_HOME": str(tmp / "killed_home")}
    (tmp / "killed_home").mkdir(exist_ok=True)
    (tmp / "killed_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return subprocess.run([sys.executable, "-c", KILLER, phase, str(at), *cli_args(tmp, raw)], env=env,
                          capture_output=True, timeout=300).returncode


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A published 2022, then a changed report: (folder, files before, files a clean run gives after)."""
    tmp = tmp_path_factory.mktemp("atomic")
    raw = tmp / "raw"
    (raw / "2022").mkdir(parents=True)
    seeded_raw(tmp / "seeds")
    for f in sorted((tmp / "seeds" / "2022").iterdir()):
        f.rename(raw / "2022" / f.name)
    assert gip(cli_args(tmp, raw)) == 0
    before = published_bytes(tmp)
    changed = raw / "2022" / seed("004").name
    changed.write_bytes(changed.read_bytes() + "\n附：数据如有更正，以本机关公告为准。\n".encode())
    assert gip(cli_args(tmp / "clean", raw)) == 0
    after = published_bytes(tmp / "clean")
    assert after != before and set(after) == set(before)
    return tmp, before, after


@pytest.fixture
def changed_inputs(base, tmp_path):
    """A copy of `base` for one test: (tmp, raw, before, after)."""
    src, before, after = base
    for name in ("raw", "curated", "quarantine", "staging"):
        if (src / name).exists():
            shutil.copytree(src / name, tmp_path / name)
    return tmp_path, tmp_path / "raw", before, after


def test_kill_while_writing_keeps_the_previous_year_and_the_rerun_completes(changed_inputs):
    tmp, raw, before, after = changed_inputs
    assert killed_run(tmp, raw, "write", 4) == -9
    assert published_bytes(tmp) == before  # the previous complete year, untouched
    leftovers = [p for p in (tmp / "curated" / ".writing").rglob("*.tmp")]
    assert leftovers, "the kill happened while files were being written aside"
    assert gip(cli_args(tmp, raw)) == 0
    assert published_bytes(tmp) == after
    assert not list(tmp.glob("*/.writing")) and not list(tmp.glob("*/*/.writing"))


def test_kill_between_moves_then_rerun_completes(changed_inputs):
    tmp, raw, before, after = changed_inputs
    assert killed_run(tmp, raw, "move", 3) == -9
    now = published_bytes(tmp)
    assert set(now) == set(before)
    for name, data in now.items():  # every visible file is a complete old or new version, never a torn one
        assert data in (before[name], after[name]), name
        pq.read_table(tmp / name)
    assert gip(cli_args(tmp, raw)) == 0
    assert published_bytes(tmp) == after


def test_a_run_does_not_write_a_year_another_process_holds(changed_inputs, monkeypatch):
    tmp, raw, before, after = changed_inputs
    lock = tmp / "staging" / ".locks" / "2022.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
                               "print('held', flush=True); sys.stdin.read()", str(lock)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("GIP_LOCK_TIMEOUT", "0")  # fail at once instead of waiting for the holder
        assert gip(cli_args(tmp, raw)) == 1
        assert published_bytes(tmp) == before
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert gip(cli_args(tmp, raw)) == 0
    assert published_bytes(tmp) == after
