"""`deploy/dagster.postgres.yaml` against a real PostgreSQL server: `gip run` stores its runs and events there.

The server comes from the OS packages (installed here when missing, as `.ci/run` also does), runs as the
`postgres` user on 127.0.0.1 on a free port in a throw-away data folder, and is stopped at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import pytest

from gip_pipeline_tests.runs import seeded_raw

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "deploy" / "dagster.postgres.yaml"
PG_USER, PG_PASSWORD, PG_DB = "gip", "gip-test-password", "dagster"


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL server binaries not found and not installable (apt-get install postgresql)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    bin_dir = _pg_bin()
    tmp = Path(tempfile.mkdtemp(prefix="gip-pg-"))  # not under pytest's 0700 root-owned tmp: postgres must enter
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(tmp, "postgres")
    os.chmod(tmp, 0o755)
    pwfile = tmp / "pw"
    pwfile.write_text(PG_PASSWORD)
    os.chmod(pwfile, 0o644)
    data, port = tmp / "data", _free_port()
    subprocess.run([*as_pg, str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, f"--pwfile={pwfile}",
                    "-A", "scram-sha-256", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(tmp / "log"), "-w", "-t", "60",
                    "-o", f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "start"], check=True,
                   capture_output=True)
    env = {"PGPASSWORD": PG_PASSWORD}
    try:
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", PG_USER, PG_DB],
                       check=True, capture_output=True, env={**os.environ, **env})
        yield {"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(port), "DAGSTER_PG_USER": PG_USER,
               "DAGSTER_PG_PASSWORD": PG_PASSWORD, "DAGSTER_PG_DB": PG_DB}
    finally:
        subprocess.run([*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def test_gip_run_on_a_postgres_backed_instance(postgres, tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(CONFIG, home / "dagster.yaml")
    raw = seeded_raw(tmp_path / "raw")
    env = {**os.environ, **postgres, "DAGSTER_HOME": str(home)}
    cmd = [sys.executable, "-m", "gip_pipeline.cli", "run", "--raw-dir", str(raw),
           "--curated-dir", str(tmp_path / "curated"), "--quarantine-dir", str(tmp_path / "quarantine")]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 input(s): 4 curated, 1 quarantined, 0 rejected" in out.stdout

    for key, value in postgres.items():
        monkeypatch.setenv(key, value)
    instance = dg.DagsterInstance.from_config(str(home))  # not `with`: see test_automation's fixture
    try:
        from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        runs = instance.get_run_records()
        # gip run puts consecutive years in one run (a partition range)
        assert [sorted((r.dagster_run.tags["dagster/asset_partition_range_start"],
                        r.dagster_run.tags["dagster/asset_partition_range_end"])) for r in runs] == [["2022", "2023"]]
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        assert set(instance.get_dynamic_partitions("report_year")) == {"2022", "2023"}
        mats = instance.fetch_materializations(dg.AssetKey("fact_tables"), limit=10).records
        counts = {m.partition_key: m.asset_materialization.metadata["curated"].value for m in mats}
        assert counts == {"2022": 3, "2023": 1}
    finally:
        instance.dispose()
