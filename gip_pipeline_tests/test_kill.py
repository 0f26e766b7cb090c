"""kill -9 of `gip run` while its pool workers gate and publish: no process of the run outlives it, nothing is
published without the year's lock, and the next run is green with the bytes of a fresh run.

`fact_tables` gates the changed years in forked workers when two or more years changed (`pool.map_chunks`,
`GIP_WORKERS=2`). The corpus is two years of rendered reports, small enough that every earlier stage runs
in-process: the first forked copies of the run's process are the gate's workers (Dagster's own children, `tail`
of the compute logs and their watcher, are other programs), so the test kills the main process as soon as it has
forked. Real processes, nothing mocked.
"""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from contextlib import redirect_stdout
from pathlib import Path

from gip_pipeline.cli import main
from gip_pipeline_tests.renderer import LAYOUTS, make_truth, render
from gip_pipeline_tests.runs import published_bytes

YEARS = (2021, 2022)
REPORTS = 30  # a year: below every earlier stage's pool threshold, and a gate that takes a few seconds


def corpus(raw: Path) -> Path:
    for year in YEARS:
        folder = raw / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(REPORTS):
            rng = random.Random(year * 100_000 + i)
            truth = make_truth(rng, "2021", "2021")
            truth.year = year
            layout = rng.choice([lay for lay in LAYOUTS if lay != "glued"])
            (folder / f"r_{i:04d}.txt").write_text(render(truth, layout, rng), encoding="utf-8")
    return raw


def args(out: Path, raw: Path) -> list[str]:
    return ["run", "--raw-dir", str(raw), "--curated-dir", str(out / "curated"),
            "--quarantine-dir", str(out / "quarantine")]


def _stat(pid: str) -> tuple[int, str, int] | None:
    """(parent pid, state, session id) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
    return int(fields[1]), fields[0], int(fields[3])


def session(sid: int) -> list[int]:
    """Live (not zombie) processes of session `sid`."""
    out = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            st = _stat(pid)
            if st is not None and st[2] == sid and st[1] != "Z":
                out.append(int(pid))
    return out


def _cmdline(pid: int | str) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def forked(pid: int) -> list[int]:
    """Live children of `pid` that run its own command line: its forked pool workers."""
    me, out = _cmdline(pid), []
    for p in os.listdir("/proc"):
        if p.isdigit():
            st = _stat(p)
            if st is not None and st[0] == pid and st[1] != "Z" and _cmdline(p) == me:
                out.append(int(p))
    return out


def test_kill_9_during_the_gate_leaves_no_process_and_the_rerun_equals_a_fresh_run(tmp_path, monkeypatch):
    raw = corpus(tmp_path / "raw")
    out = tmp_path / "killed"
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "GIP_WORKERS": "2", "GIP_GX_DATA_DOCS": "0"}
    run = subprocess.Popen([sys.executable, "-m", "gip_pipeline.cli", *args(out, raw)], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while not workers and run.poll() is None and time.monotonic() < deadline:
            seen = forked(run.pid)
            time.sleep(0.05)  # still a copy of the parent 50 ms later: a worker, not a child about to exec
            workers = [p for p in forked(run.pid) if p in seen]
        assert workers, f"the gate never ran in workers (exit {run.poll()}): {run.stderr.read()[-2000:]!r}"
        os.kill(run.pid, signal.SIGKILL)
        # killed after the parse of both years was staged: the workers were the gate's
        assert all((out / "staging" / "parsed" / "_stamps" / f"year={y}.json").exists() for y in YEARS)
        assert run.wait(timeout=30) == -signal.SIGKILL
        t0 = time.monotonic()
        alive = session(run.pid)
        while alive and time.monotonic() - t0 < 15:
            time.sleep(0.1)
            alive = session(run.pid)
        assert not alive, f"processes of the killed run still alive 15 s later: {alive}"
    finally:
        for pid in session(run.pid):  # never leave a stray process behind, even when the test fails
            os.kill(pid, signal.SIGKILL)
        run.stderr.close()
    # the workers had written the years aside; only the parent (holding the locks) moves them into place
    assert not published_bytes(out), "a worker published without the year's lock"

    monkeypatch.setenv("GIP_WORKERS", "2")
    # the run's own instance: `gip run` batches years by the instance's partition order, and the session's instance
    # (other tests' years) could split 2021 and 2022 into two runs, 2022 first (gated before 2021 is staged)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with redirect_stdout(io.StringIO()):
        assert main(args(out, raw)) == 0  # the rerun: green
        assert main(args(tmp_path / "fresh", raw)) == 0
    fresh, now = published_bytes(tmp_path / "fresh"), published_bytes(out)
    assert fresh and sorted(now) == sorted(fresh)
    assert [name for name in fresh if now[name] != fresh[name]] == []
    assert not list(out.glob("*/.writing"))
