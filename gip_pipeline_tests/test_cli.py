"""`gip run` end to end on a raw folder that mixes the seeds with bad inputs: nothing crashes, nothing is lost."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import polars as pl
import pytest

from gip_pipeline.cli import main
from gip_pipeline_tests.conftest import SEED_FILES


def _seed(prefix: str) -> Path:
    return next(s for s in SEED_FILES if s.name.startswith(prefix))


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    raw = tmp / "raw"
    (raw / "2022").mkdir(parents=True)
    (raw / "2023").mkdir()
    for p in ("000", "001", "004"):
        shutil.copy(_seed(p), raw / "2022" / _seed(p).name)
    shutil.copy(_seed("003"), raw / "2023" / _seed("003").name)
    # 002 re-encoded as GB18030 and dropped in the flat root: its year must come from its own text
    (raw / "绥芬河 report (gbk).txt").write_bytes(_seed("002").read_text(encoding="utf-8").encode("gb18030"))
    (raw / "2022" / "empty.txt").write_bytes(b"")
    (raw / "2022" / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (raw / "notes.txt").write_text("今天天气很好,我们去公园散步。\n公园里有很多花。\n", encoding="utf-8")
    return tmp, raw


@pytest.fixture(scope="module")
def cli_output(mixed_run):
    tmp, raw = mixed_run
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp / "curated"),
                     "--quarantine-dir", str(tmp / "quarantine")])
    return code, buf.getvalue(), tmp


def test_exit_zero_and_summary(cli_output):
    code, out, _ = cli_output
    assert code == 0, out
    assert "8 input(s): 4 curated, 1 quarantined, 3 rejected" in out
    assert "[1/3]" in out and "undated" in out


def test_every_input_is_accounted_for(cli_output):
    _, _, tmp = cli_output
    rejects = pl.read_parquet(sorted((tmp / "quarantine" / "rejects").glob("*.parquet")))
    reasons = dict(zip(rejects["source_file"], rejects["reason"]))
    assert reasons == {"2022/empty.txt": "empty", "2022/image.txt": "binary", "notes.txt": "not_a_report"}
    assert all(rejects["detail"].str.len_chars() > 0)
    curated = pl.read_parquet(sorted((tmp / "curated").glob("reports/year=*/*.parquet")), hive_partitioning=True)
    assert sorted(curated["source_file"]) == sorted(
        ["2022/" + _seed(p).name for p in ("000", "001", "004")] + ["绥芬河 report (gbk).txt"])
    gbk = curated.filter(pl.col("encoding") == "gb18030").row(0, named=True)
    assert (gbk["agency"], gbk["report_year"], gbk["year"]) == ("绥芬河市营商环境建设监督局", 2023, 2023)


def test_rerun_replaces_a_year_and_keeps_others(cli_output, mixed_run):
    _, _, tmp = cli_output
    _, raw = mixed_run
    (raw / "2022" / _seed("004").name).unlink()
    try:
        code = main(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp / "curated"),
                     "--quarantine-dir", str(tmp / "quarantine"), "--year", "2022"])
    finally:
        shutil.copy(_seed("004"), raw / "2022" / _seed("004").name)
    assert code == 0
    reports = pl.read_parquet(sorted((tmp / "curated").glob("reports/year=*/*.parquet")), hive_partitioning=True)
    assert sorted(reports["year"].to_list()) == [2022, 2022, 2023]  # 2023 untouched, 004's rows gone
    assert not list((tmp / "curated").rglob(".writing"))


def test_bad_raw_dir_is_a_usage_error(tmp_path):
    assert main(["run", "--raw-dir", str(tmp_path / "missing")]) == 2


def test_help_names_options_defaults_exit_codes_and_environment(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for needle in ("--raw-dir", "default:", "exit status:", "GIP_WORKERS", "GIP_DATA_DIR", "DAGSTER_HOME"):
        assert needle in out, needle
    assert "issue" not in out


def test_abbreviated_options_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--raw", str(tmp_path)])
    assert exit_.value.code == 2


def _sql(tmp: Path, *args: str, stdin: str | None = None):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "gip_pipeline.cli", "sql", "--curated-dir", str(tmp / "curated"),
                             *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sql_readers_run_at_once_and_the_line_shell_quits(cli_output):
    _, _, tmp = cli_output
    query = "SELECT count(*) AS n FROM reports; SELECT count(*) AS held FROM quarantine_reports;"
    n = len(pl.read_parquet(sorted((tmp / "curated").glob("reports/year=*/*.parquet"))))
    shell = _sql(tmp)  # an open interactive session holds the database while two others query it
    shell.stdin.write(".tables\nSELECT 1 +\n")  # a statement left open: .quit must still quit
    shell.stdin.flush()
    readers = [_sql(tmp, "-c", query) for _ in range(2)]
    for r in readers:
        out, err = r.communicate(timeout=120)
        assert r.returncode == 0, err
        assert out.splitlines() == ["n", "-", str(n), "(1 row)", "held", "----", "1   ", "(1 row)"]
    out, err = shell.communicate(".quit\n", timeout=120)
    assert shell.returncode == 0, err
    assert "(read-only)" in out and "applications_wide" in out.split("dot commands")[-1]  # .tables listed them


def test_older_years_run_first_whatever_the_instance_order(tmp_path, monkeypatch, capsys):
    """Years split into several runs (an instance whose partitions are not in year order) run oldest first, so a
    year's cross-year checks find the previous year staged."""
    import dagster as dg

    from gip_pipeline.defs.partitions import REPORT_YEARS

    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    dg.DagsterInstance.get().add_dynamic_partitions(REPORT_YEARS.name, ["2023", "2020", "2022"])
    raw = tmp_path / "raw"
    for year, prefix in (("2022", "000"), ("2023", "002")):
        (raw / year).mkdir(parents=True)
        shutil.copy(_seed(prefix), raw / year / _seed(prefix).name)
    code = main(["run", "--raw-dir", str(raw), "--curated-dir", str(tmp_path / "curated"),
                 "--quarantine-dir", str(tmp_path / "quarantine")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.index("2022: 1 input(s)") < out.index("2023: 1 input(s)")
    assert out.count("gip: running") == 2  # 2023 and 2022 are not neighbours in this instance: two runs
