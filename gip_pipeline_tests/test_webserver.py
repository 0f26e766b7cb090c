"""Smoke test of the real webserver: `dagster dev -w workspace.yaml` must start, load the code
location and list the project's assets over GraphQL. Unit tests that import `defs` directly would
not catch a broken workspace.yaml, a failing code-server import, or a webserver that cannot start."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DAGSTER = Path(sys.executable).with_name("dagster")
EXPECTED_ASSETS = {"raw_report_inventory", "normalized_reports", "parsed_reports", "fact_tables", "quality_report"}
WORKSPACE_QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
    name loadStatus locationOrLoadError { __typename ... on PythonError { message stack } } } } } }"""
ASSETS_QUERY = """{ assetNodes { assetKey { path }
    assetChecksOrError { __typename ... on AssetChecks { checks { name } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as e:  # GraphQL validation errors come back as HTTP 400 with a JSON body
        raise AssertionError(f"GraphQL HTTP {e.code}: {e.read().decode(errors='replace')[:2000]}") from None
    assert "errors" not in body, body["errors"]
    return body["data"]


def test_dagster_dev_serves_assets_over_graphql(tmp_path):
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "GIP_DATA_DIR": str(tmp_path / "data"),
           "DAGSTER_DISABLE_TELEMETRY": "1"}
    port, log_path = _free_port(), tmp_path / "dagster_dev.log"

    def tail() -> str:
        text = re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text(errors="replace"))  # drop colour codes
        return "\n--- dagster dev log (tail) ---\n" + text[-4000:]

    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, data, last_error = time.monotonic() + 120, None, None
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"dagster dev exited with code {proc.returncode}{tail()}"
            try:
                entries = _graphql(port, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
                states = [(e.get("locationOrLoadError") or {}).get("__typename") for e in entries]
                for entry in entries:
                    err = entry.get("locationOrLoadError") or {}
                    assert err.get("__typename") != "PythonError", (
                        f"code location {entry['name']} failed to load: {err['message']}\n{''.join(err['stack'])}")
                if entries and all(s == "RepositoryLocation" for s in states):
                    data = _graphql(port, ASSETS_QUERY)
                    break
                last_error = f"locations not loaded yet: {entries}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as e:  # not listening yet
                last_error = repr(e)
            time.sleep(1)
        assert data is not None, f"no answer from the webserver within 120 s (last: {last_error}){tail()}"

        nodes = data["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert keys == EXPECTED_ASSETS, f"{keys}{tail()}"
        checks = {c["name"] for n in nodes if n["assetChecksOrError"]["__typename"] == "AssetChecks"
                  for c in n["assetChecksOrError"]["checks"]}
        assert {"parsed_schema_conforms", "accounting_identities"} <= checks, checks
    finally:
        try:  # dagster dev turns SIGTERM into KeyboardInterrupt and stops webserver, daemon, code servers
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:  # the whole tree shares the group: kill any straggler
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
