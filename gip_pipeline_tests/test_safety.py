"""Publishing safety that no run shows by itself: the shipped instance config, the webserver command, no
pickle or eval of anything derived from inputs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def test_shipped_instance_config_has_telemetry_off():
    cfg = yaml.safe_load((REPO / ".dagster_home" / "dagster.yaml").read_text())
    assert cfg["telemetry"]["enabled"] is False


def test_readme_webserver_binds_to_loopback():
    code, in_block = [], False
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_block = not in_block
        elif in_block:
            code.append(line)
    commands = [ln for ln in code if re.search(r"dagster dev|dagster-webserver", ln)]
    assert commands and all("-h 127.0.0.1" in c for c in commands), commands


def test_no_pickle_eval_or_exec_in_the_package():
    offenders = []
    for path in (REPO / "gip_pipeline").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\bimport pickle\b|\bfrom pickle\b|\bpickle\.|(?<![\w.])eval\(|(?<![\w.])exec\(", code):
                offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []
