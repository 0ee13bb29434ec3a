"""Helpers importable from any test (tests/ is on pytest's pythonpath)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures"
DATA = REPO.parent / "shared" / "data"


def fixture_path(*parts: str) -> Path:
    """A path under ../shared/fixtures, skipping the test with a reason when it is absent."""
    path = FIXTURES.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture not available: {path}")
    return path
