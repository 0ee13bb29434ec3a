"""The review note with the real daemon: a `memd run` process, its real watcher and socket.

A person ticks a box (or types a value) in memory/Review.md with an editor; the daemon applies
it within seconds through the writer and journal, and moves the task to Done.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The `memd run` subprocess helper of the daemon tests (test_run.py), loaded by path.
_spec = importlib.util.spec_from_file_location("memd_test_run_helpers", Path(__file__).with_name("test_run.py"))
_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_run)
Running, wait_for = _run.Running, _run.wait_for

MEMD = [sys.executable, "-m", "memd"]
ENTITY = "memory/entities/jane_doe.md"
NOTE = "memory/Review.md"


@pytest.fixture
def running(tmp_path, vault):
    cfg = tmp_path / "config.toml"
    env = dict(os.environ, MEMD_CONFIG=str(cfg), COLUMNS="200")
    r = subprocess.run(MEMD + ["init", str(vault)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # settle 0.5 s: the daemon waits that long after a save before it reads the note
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.5\n\n[daemon]\ndebounce_ms = 50\n")
    d = Running(cfg, env).start()
    yield d, vault
    d.stop()


def _note(vault) -> str:
    return (vault / NOTE).read_bytes().decode()


def _save(path, text):
    """Save as Obsidian does: a temp file renamed over the note."""
    tmp = path.parent / f".{path.name}.editor-tmp"
    tmp.write_bytes(text.encode())
    os.replace(tmp, path)


def _queue(d, vault, value="Stripe"):
    """Jane's employer written by memd from a chat turn, changed by hand, then a new value: queued."""
    d.call("fact.set", entity="Jane Doe", key="employer", value="Google")
    path = vault / ENTITY
    wait_for(path.exists, what="the entity file")
    _save(path, path.read_text().replace("Google", "Alphabet"))
    wait_for(lambda: "Alphabet" in str(d.call("get_entity", name="Jane Doe")["facts"]), what="the hand edit indexed")
    res = d.call("fact.set", entity="Jane Doe", key="employer", value=value)
    assert res["counts"] == {"review": 1}, res
    item = res["results"][0]["review_id"]
    wait_for(lambda: (vault / NOTE).exists() and f"^memd-{item}" in _note(vault), what="the task in the note")
    return item


def _answer(vault, item, old, new):
    text = _note(vault)
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{item}"))
    _save(vault / NOTE, text.replace(line, line.replace(old, new, 1)))


def _done(vault, item):
    parts = _note(vault).split("## Done")
    return len(parts) == 2 and f"^memd-{item}" in parts[1] and f"^memd-{item}" not in parts[0]


def test_ticking_a_box_changes_the_fact(running):
    """Applied on the watcher's event for the note (the daemon's 30 s tick would apply it too,
    later: its log says which did)."""
    d, vault = running
    item = _queue(d, vault)
    _answer(vault, item, "- [ ]", "- [x]")
    wait_for(lambda: "- employer: Stripe" in (vault / ENTITY).read_text(), timeout=30, what="the tick applied")
    wait_for(lambda: _done(vault, item), what="the task moved to Done")
    assert "Alphabet" not in (vault / ENTITY).read_text()
    # logged right after the note is written
    wait_for(lambda: "review note: 1 answers applied, 0 waiting (note saved)" in d.output(), what="the log line")
    log = d.call("log", entity="Jane Doe")
    entries = log["entries"] if isinstance(log, dict) else log
    assert any(e["source"].get("kind") == "review" and e["source"].get("ref") == str(item) for e in entries)
    assert d.call("review.list")["items"] == []
    # memd's view and the note agree: listed as accepted, shown ticked under Done
    assert [it["status"] for it in d.call("review.list", status="all")["items"]] == ["accepted"]
    assert "- [x] Jane Doe: employer → Stripe (was: Alphabet) ✅" in _note(vault)


def test_reject_edit_undo_and_a_persons_own_lines(running):
    d, vault = running
    item = _queue(d, vault)
    # a person's own text in the note, and a reject
    text = _note(vault).replace("## Pending", "My notes on review, keep me.\n\n## Pending")
    line = next(l for l in text.split("\n") if l.endswith(f"^memd-{item}"))
    _save(vault / NOTE, text.replace(line, line.replace("- [ ]", "- [-]")))
    wait_for(lambda: _done(vault, item), timeout=30, what="the reject applied")
    assert d.call("review.list", status="all")["items"][0]["status"] == "rejected"
    assert "- employer: Alphabet" in (vault / ENTITY).read_text()
    assert "My notes on review, keep me.\n\n## Pending" in _note(vault)

    # a second proposal, accepted with a value typed over memd's
    second = d.call("fact.set", entity="Jane Doe", key="employer", value="Initech")["results"][0]["review_id"]
    wait_for(lambda: f"^memd-{second}" in _note(vault), what="the second task")
    _answer(vault, second, "→ Initech", "→ Initech Europe")
    wait_for(lambda: "- employer: Initech Europe" in (vault / ENTITY).read_text(), timeout=30,
             what="the edited value applied")
    wait_for(lambda: _done(vault, second), what="the edited task moved to Done")

    # undo of that accepted item: pending again, in `memd review` and in the note
    journal_id = next(it for it in d.call("review.list", status="all")["items"] if it["id"] == second)["journal_id"]
    d.call("undo", id=journal_id)
    assert "- employer: Alphabet" in (vault / ENTITY).read_text()
    assert [it["id"] for it in d.call("review.list")["items"]] == [second]
    wait_for(lambda: f"- [ ] [[memory/entities/jane_doe|Jane Doe]]: employer → Initech (now: Alphabet)"
             in _note(vault).split("## Done")[0], what="the task pending again")
    assert "My notes on review, keep me." in _note(vault)
