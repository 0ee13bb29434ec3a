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


def compact(call) -> set[str]:
    """A rules decision's items in the tables' notation: "key=value" for the user,
    "Entity.key=value" for a named person or pet, a leading "!" for a negation."""
    from memd.extract.rules import NEGATION_TAG

    out = set()
    for it in call.arguments["memory_list"]:
        neg = "!" if NEGATION_TAG in it["tags"] else ""
        ent = f"{it['entity']}." if it.get("entity") else ""
        out.add(f"{neg}{ent}{it['key']}={it['value']}")
    return out
