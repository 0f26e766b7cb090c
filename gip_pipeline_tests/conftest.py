"""Shared fixtures: the five seed reports and their cell-by-cell expectations (copies of shared/seeds)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests: a bounded run in CI; `HYPOTHESIS_PROFILE=long pytest gip_pipeline_tests/test_layouts.py` for a campaign.
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = FIXTURES / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def expected_for(seed: Path) -> dict:
    return json.loads((SEEDS / "expected" / f"{seed.stem}.json").read_text(encoding="utf-8"))


@pytest.fixture(params=SEED_FILES, ids=lambda p: p.stem[:3])
def seed(request) -> Path:
    return request.param


def violation_checks(expected: dict) -> set[str]:
    """'balance natural_person: …' / 'row sum total_processed: …' → {'balance:natural_person', 'row_sum:…'}."""
    out = set()
    for text in expected["identity_violations"]:
        head = text.split(":")[0]
        family, instance = head.rsplit(" ", 1)
        family = family.replace(" ", "_")
        out.add(f"{'review_sum' if family == 'review' else family}:{instance}")
    return out


@pytest.fixture(scope="session", autouse=True)
def _isolated_dagster_home(tmp_path_factory):
    """Tests never write run history into the repo's .dagster_home (the CLI's default)."""
    import os

    os.environ.setdefault("GIP_GX_DATA_DOCS", "0")  # ~10 s a year; test_bi runs them for real on the seeds
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    old = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = old
