"""`memd ingest` with JSON lines on stdin: all checked before any is applied, a per-line report
with --json, and --each for a pipe that stays open. Real `memd` processes, real vault."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MEMD = [sys.executable, "-m", "memd"]


def run(env, *args, input=None):
    return subprocess.run(MEMD + list(args), env=env, capture_output=True, text=True, input=input, timeout=120)


@pytest.fixture
def env(tmp_path, vault):
    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "config.toml"))
    assert run(e, "init", str(vault), "--json").returncode == 0
    cfg = tmp_path / "config.toml"
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\n")
    return e


def lines(*objs) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)


GOOD = {"stream": "chat-1", "text": "I moved to Lisbon in May", "time": "2024-05-20T10:00:00Z"}


@pytest.mark.parametrize("bad,message", [
    ('{"stream": "chat-1", "text": ', "stdin line 3: invalid JSON"),
    ({"stream": "chat-1", "text": "hi", "role": "boss"}, "stdin line 3: \"role\" must be one of user, assistant"),
    ({"text": "no stream here"}, "stdin line 3: no \"stream\""),
    ({"stream": "chat-1", "text": "hi", "time": "yesterday"}, "stdin line 3: \"time\" must be ISO 8601"),
    ({"stream": "chat-1", "text": 5}, "stdin line 3: \"text\" must be a string"),
    ([1, 2], "stdin line 3: expected a JSON object, got list"),
])
def test_one_bad_line_and_nothing_is_applied(env, vault, bad, message):
    user_before = (vault / "memory" / "user.md").read_text()
    r = run(env, "ingest", input=lines(GOOD, {"stream": "chat-1", "text": "My sister Anna lives in Paris"}, bad))
    assert r.returncode == 1 and r.stdout == ""
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (vault / "memory" / "user.md").read_text() == user_before, "a line before the bad one was applied"
    assert json.loads(run(env, "decisions", "--json").stdout)["decisions"] == []
    assert not (vault / "memory" / "entities" / "anna.md").exists()


def test_json_reports_each_line(env, vault):
    r = run(env, "ingest", "--json", input=lines(GOOD, "", {"stream": "chat-1", "text": "ok thanks", "id": 7},
                                                 {"stream": "chat-1", "end": True}))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["lines"] == 3 and data["applied"] == 3
    assert [x["line"] for x in data["results"]] == [1, 3, 4]  # blank line 2 skipped, numbers are stdin's
    first, second, last = data["results"]
    assert first["stream"] == "chat-1" and first["decision"]["tool"] == "add_memory"
    assert {m["key"] for m in first["decision"]["arguments"]["memory_list"]} >= {"living_location"}
    assert first["turn_id"] == first["decision"]["turn_id"]
    assert second["turn_id"] == "7"
    assert "end" in last and "decision" not in last
    assert "Lisbon" in (vault / "memory" / "user.md").read_text()


def test_errors_with_json_are_a_json_object(env):
    r = run(env, "ingest", "--json", input=lines(GOOD, "{nope"))
    assert r.returncode == 1 and r.stdout == ""
    err = json.loads(r.stderr)["error"]
    assert err["type"] == "InputFormatError" and err["message"].startswith("stdin line 2: invalid JSON")


def test_each_applies_lines_as_they_come(env, vault):
    r = run(env, "ingest", "--each", "--json", input=lines(GOOD, {"stream": "chat-1", "text": "hi", "role": "boss"}))
    assert r.returncode == 1
    out = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(out) == 1 and out[0]["line"] == 1  # the first line went through before the bad one
    assert "Lisbon" in (vault / "memory" / "user.md").read_text()
    assert "stdin line 2" in json.loads(r.stderr)["error"]["message"]
