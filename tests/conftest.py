"""Shared fixtures: the developer data in ../shared/data, a clean environment, Hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.compact_equality import every_trained_model_matches_its_compact_form  # noqa: F401

settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


_TEST_SUITE_SETTINGS = ("SCOPECAST_TEST_POSTGRES_URL", "SCOPECAST_REQUIRE_SPEEDUPS")
"""Settings of the test suite itself (set by ``.ci/run``), kept for the tests."""


@pytest.fixture(autouse=True)
def _clean_scopecast_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees SCOPECAST_* settings from the developer's shell."""
    for key in list(os.environ):
        if key.startswith("SCOPECAST_") and key not in _TEST_SUITE_SETTINGS:
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The developer data directory (``../shared/data``); tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is not present")
    return SHARED_DATA
