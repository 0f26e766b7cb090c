"""Helpers for tests that run the real job over a raw folder and compare the bytes it wrote."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg

from gip_pipeline.definitions import build_defs
from gip_pipeline.defs.partitions import REPORT_YEARS
from gip_pipeline.defs.resources import GipPaths
from gip_pipeline_tests.conftest import SEED_FILES

REPO = Path(__file__).resolve().parents[1]
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def seed(prefix: str) -> Path:
    return next(s for s in SEED_FILES if s.name.startswith(prefix))


def seeded_raw(raw: Path) -> Path:
    """2022/ holds seeds 000, 001, 004; 2023/ holds 002 and 003 (003 breaks identities: quarantined)."""
    for year, prefixes in (("2022", ("000", "001", "004")), ("2023", ("002", "003"))):
        (raw / year).mkdir(parents=True, exist_ok=True)
        for p in prefixes:
            shutil.copy(seed(p), raw / year / seed(p).name)
    return raw


def paths_for(out: Path, raw: Path) -> GipPaths:
    return GipPaths(raw_dir=str(raw), curated_dir=str(out / "curated"), quarantine_dir=str(out / "quarantine"),
                    staging_dir=str(out / "staging"))


def run(paths: GipPaths, years: list[str], instance: dg.DagsterInstance, batched: bool = False
        ) -> list[dg.ExecuteInProcessResult]:
    """One run per year, or (batched) one run over the range, as a batched backfill launches it."""
    known = set(instance.get_dynamic_partitions(REPORT_YEARS.name))
    instance.add_dynamic_partitions(REPORT_YEARS.name, [y for y in years if y not in known])
    job = build_defs(paths).resolve_job_def("gip_pipeline_job")
    if batched:
        return [job.execute_in_process(instance=instance, tags={RANGE_START: years[0], RANGE_END: years[-1]})]
    return [job.execute_in_process(partition_key=y, instance=instance) for y in years]


def fact_metadata(results: list[dg.ExecuteInProcessResult]) -> dict[str, dict]:
    """partition -> the fact_tables materialization's plain metadata values."""
    out = {}
    for result in results:
        for mat in result.asset_materializations_for_node("fact_tables"):
            out[mat.partition] = {k: v.value for k, v in mat.metadata.items()}
    return out


def published_bytes(out: Path) -> dict[str, bytes]:
    """Every file a reader sees (curated and quarantine, hidden `.writing/` excluded), by path relative to `out`."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for d in ("curated", "quarantine") for p in sorted((out / d).rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)}


def run_cli(tmp: Path, raw: Path, timeout: float = 1200) -> subprocess.CompletedProcess:
    """The real `gip run` as a subprocess over `raw`, its outputs under `tmp` (a second call reuses them). As
    root it runs without the capability that lets root read any file, so `chmod 000` means permission denied."""
    home = tmp / "dagster_home"
    if not home.exists():
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(home), "GIP_LOCK_DIR": str(tmp / "locks"),
           "GIP_REPORTS_DIR": str(tmp / "reports")}
    cmd = [sys.executable, "-m", "gip_pipeline.cli", "run", "--raw-dir", str(raw), "--curated-dir",
           str(tmp / "curated"), "--quarantine-dir", str(tmp / "quarantine")]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            import pytest

            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        cmd = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *cmd]
    return subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
