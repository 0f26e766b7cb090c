"""End-to-end benchmark: where the time goes, from touching the bytes to gated Parquet.

    uv run --extra test python benchmarks/bench.py [--n 20000] [--workdir DIR] [--skip-full] [--skip-core]
                                                   [--profile FILE]

1. generates N reports (~7 KB each; mixed layouts, both formats, some traditional; ~2 % with a planted identity
   violation, ~1 % unreadable) with the test tree's renderer, into a temporary raw folder;
2. times a floor: read every file, decode, OpenCC t2s, split lines (the physical cost of touching the data);
3. times the pure parse core (normalize + parse, no Dagster / GX / Parquet), in one process and in a pool;
4. times the full `gip run` (Dagster + GX gates + Parquet) cold (fresh instance), again with nothing changed (a
   nightly run on a quiet night), then incremental after adding 1 % new reports;
5. prints reports/s, MB/s, peak RSS of each run (the largest of `gip` and its workers) and the ratios full/floor,
   full/parse, incremental/full, all measured in this one run (the machines are noisy: compare ratios, not
   seconds across runs); `--profile FILE` samples one more cold run with py-spy (`--extra bench`) and prints the
   top functions.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gip_pipeline_tests.renderer import LAYOUTS, make_truth, render  # noqa: E402

_FILLER = ("本机关坚持以公开为常态、不公开为例外，推进决策、执行、管理、服务、结果公开，"
           "加强政策解读和回应关切，规范依申请公开办理流程，提升政府信息公开平台建设水平。") * 12


def _one_report(i: int, seed: int) -> tuple[str, bytes]:
    rng = random.Random(seed * 1_000_003 + i)
    if rng.random() < 0.01:  # unreadable inputs
        return f"bad_{i}.txt", rng.choice([b"", b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(512)),
                                           "今天天气很好。".encode()])
    fmt, dfmt = rng.choice([("2021", "2021"), ("2019", "2019"), ("2019", "2021")])
    truth = make_truth(rng, fmt, dfmt, big=True)
    layout = rng.choice([lay for lay in LAYOUTS if lay != "glued"])
    text = render(truth, layout, rng, set(), "inline")
    text = text.replace("一、总体情况\n", "一、总体情况\n" + _FILLER + "\n", 1)
    if rng.random() < 0.02:  # planted identity violation: the 总计 row's 自然人 cell off by one
        lines = text.split("\n")
        for k, line in enumerate(lines):
            if "（七）总计" in line and any(ch.isdigit() for ch in line):
                lines[k] = _bump_first_number(line)
                break
        text = "\n".join(lines)
    data = text.encode("gb18030") if rng.random() < 0.05 else text.encode("utf-8")
    return f"r_{i:07d}.txt", data


def _bump_first_number(line: str) -> str:
    import re

    m = re.search(r"(?<![\d.])(\d+)(?![\d.])", line)
    return line if not m else line[: m.start()] + str(int(m.group(1)) + 1) + line[m.end():]


def generate(raw: Path, n: int, start: int = 0, seed: int = 7) -> int:
    total = 0
    for i in range(start, start + n):
        name, data = _one_report(i, seed)
        folder = raw / f"batch_{i // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        total += len(data)
    return total


def _files(raw: Path) -> list[Path]:
    return sorted(p for p in raw.rglob("*") if p.is_file())


def floor(paths: list[Path]) -> float:
    import opencc

    conv = opencc.OpenCC("t2s")
    t0 = time.perf_counter()
    lines = 0
    for p in paths:
        data = p.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
        lines += len(conv.convert(text).split("\n"))
    return time.perf_counter() - t0


def _parse_one(path: str) -> int:
    from gip_pipeline.ingest.normalize import DecodeError, normalize
    from gip_pipeline.parse.report import NotAReport, parse_report

    try:
        report = parse_report(normalize(Path(path).read_bytes()).text)
    except (DecodeError, NotAReport):
        return 0
    return len(report.applications)


def parse_core(paths: list[Path], workers: int) -> float:
    t0 = time.perf_counter()
    if workers == 1:
        for p in paths:
            _parse_one(str(p))
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_parse_one, [str(p) for p in paths], chunksize=64))
    return time.perf_counter() - t0


def full_run(work: Path, raw: Path, home: Path, profile: Path | None = None) -> tuple[float, str, float]:
    """One `gip run` in a child process: (seconds, its summary line, peak RSS in MB of it and its workers)."""
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    spy = [_py_spy(), "record", "--rate", "50", "--subprocesses", "--format", "raw", "--output", str(profile),
           "--"] if profile else []
    cmd = [*spy, sys.executable, "-m", "gip_pipeline.cli", "run", "--raw-dir", str(raw), "--curated-dir",
           str(work / "curated"), "--quarantine-dir", str(work / "quarantine"), "--staging-dir", str(work / "staging")]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # this run's own peak RSS (the largest of it and its workers)
        elapsed = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise SystemExit(f"gip run failed ({proc.returncode}):\n{text[-3000:]}")
    summary = next((line for line in text.splitlines() if " input(s): " in line), "")
    return elapsed, summary.strip(), usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--skip-full", action="store_true", help="floor and parse core only")
    ap.add_argument("--skip-core", action="store_true", help="no parse-core timings (e.g. the --n 100000 memory run)")
    ap.add_argument("--profile", type=Path, default=None,
                    help="after the timed runs, sample one more cold run with py-spy (main process and workers) "
                         "into this file and print its top functions")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="gip-bench-"))
    raw = work / "raw"
    shutil.rmtree(work, ignore_errors=True)
    raw.mkdir(parents=True)

    t0 = time.perf_counter()
    size = generate(raw, args.n)
    paths = _files(raw)
    mb = size / 1e6
    print(f"corpus: {len(paths)} files, {mb:.1f} MB ({size / len(paths) / 1e3:.1f} KB avg), generated in "
          f"{time.perf_counter() - t0:.1f} s → {raw}")
    print(f"machine: {os.cpu_count()} cores, {_cpu_model()}")

    t_floor = floor(paths)
    print(f"floor (read + decode + t2s + split): {t_floor:7.2f} s  {len(paths) / t_floor:8.0f} reports/s  "
          f"{mb / t_floor:6.1f} MB/s")
    t_parse = t_parse2 = None
    if not args.skip_core:
        t_parse = parse_core(paths, 1)
        print(f"parse core, 1 process:               {t_parse:7.2f} s  {len(paths) / t_parse:8.0f} reports/s  "
              f"{mb / t_parse:6.1f} MB/s")
        t_parse2 = parse_core(paths, 2)
        print(f"parse core, 2 processes:             {t_parse2:7.2f} s  {len(paths) / t_parse2:8.0f} reports/s  "
              f"(speed-up x{t_parse / t_parse2:.2f})")
    if args.skip_full:
        return
    t_full, summary, rss = full_run(work, raw, work / "dagster_home")
    print(f"full gip run, cold:                  {t_full:7.2f} s  {len(paths) / t_full:8.0f} reports/s  "
          f"{mb / t_full:6.1f} MB/s  peak RSS {rss:.0f} MB")
    print(f"   {summary}")
    t_same, summary, rss = full_run(work, raw, work / "dagster_home")
    print(f"full gip run, nothing changed:       {t_same:7.2f} s  peak RSS {rss:.0f} MB")
    print(f"   {summary}")
    added = max(1, args.n // 100)
    generate(raw, added, start=args.n, seed=8)
    t_inc, summary, rss = full_run(work, raw, work / "dagster_home")
    print(f"full gip run, +{added} new reports:    {t_inc:7.2f} s  peak RSS {rss:.0f} MB")
    print(f"   {summary}")
    ratios = f"full/floor {t_full / t_floor:.1f}  incremental/full {t_inc / t_full:.2f}  unchanged/full " \
             f"{t_same / t_full:.2f}"
    if t_parse is not None:
        ratios += f"  full/parse(1 process) {t_full / t_parse:.2f}  full/parse(2 processes) {t_full / t_parse2:.2f}"
    print("ratios: " + ratios)
    if args.profile:
        shutil.rmtree(work / "staging", ignore_errors=True)  # cold again: the profile is of a full run
        for d in ("curated", "quarantine", "dagster_home"):
            shutil.rmtree(work / d, ignore_errors=True)
        t_prof, _, _ = full_run(work, raw, work / "dagster_home", profile=args.profile)
        print(f"py-spy profile of one more cold run ({t_prof:.1f} s sampled at 50 Hz, main process and workers) "
              f"→ {args.profile}")
        _print_profile(args.profile)


def _py_spy() -> str:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        raise SystemExit("--profile needs py-spy: uv run --extra test --extra bench python benchmarks/bench.py …")
    return exe


def _print_profile(path: Path, top: int = 20) -> None:
    """Top functions of py-spy's raw stacks (`process;frame;…;frame count` lines): own samples (the frame on top)
    and total samples (the frame anywhere in the stack), as shares of all samples of all processes."""
    own: Counter = Counter()
    total: Counter = Counter()
    by_pid: Counter = Counter()
    all_samples = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        m = re.match(r"process (\d+):", stack)
        if not m or not count.isdigit():
            continue
        n = int(count)
        by_pid[int(m.group(1))] += n
        names = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:]]
        all_samples += n
        if names:
            own[names[-1]] += n
        for name in set(names):
            total[name] += n
    print(f"samples: {all_samples} from {len(by_pid)} process label(s) (gip and its forked workers)")
    ours = Counter({k: v for k, v in total.items() if "gip_pipeline/" in k and "cli.py" not in k
                    or k.startswith(("_find_and_load (", "Validator.graph_validate", "ParquetWriter.write_table"))})
    for title, counter in (("own time (top of stack)", own), ("total time of the pipeline's functions (and of "
                                                               "imports, GX validations, Parquet writes)", ours)):
        print(f"  {title}:")
        for name, n in counter.most_common(top):
            print(f"    {100 * n / all_samples:5.1f} %  {name[:150]}")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
