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


# -- the rules backend on one statement, and the memory it leaves -----------------------------------

def decide(text: str, author: str | None = None, *, now: str = "2025-03-10T12:00:00+00:00"):
    """One turn decided by the rules backend alone (no vault): the user's, or `author`'s."""
    from memd.extract.rules import RulesBackend
    from memd.extract.tools import DecisionRequest, Turn

    turn = Turn(stream="s", role="other" if author else "user", author=author, text=text, time=now, turn_id="1")
    return RulesBackend().decide(DecisionRequest(new_turn=turn, final=True))


def kept(call) -> set[str]:
    """The items of a decision that pass the value gate, as 'key=value'."""
    from memd.extract.tools import ADD
    from memd.extract.value_gate import check_value

    if call.name != ADD:
        return set()
    return {c for c in compact(call) if not check_value(c.split("=", 1)[0].split(".")[-1], c.split("=", 1)[1])}


def current(text: str) -> dict[str, list[str]]:
    """A memory file's current facts (not History), key -> values."""
    from memd.vault.memfile import MemoryDoc
    from memd.vault.memory_view import current_facts

    out: dict[str, list[str]] = {}
    for f in current_facts(MemoryDoc.parse(text)):
        out.setdefault(f.norm_key, []).append(f.value)
    return out


def history(text: str) -> list[str]:
    """A memory file's History section, as 'key: value'."""
    from memd.vault.memfile import MemoryDoc

    return [f"{f.norm_key}: {f.value}" for f in MemoryDoc.parse(text).facts if f.section == "History"]
