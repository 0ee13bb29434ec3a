"""The CLI as a user runs it: a real `memd` process, real exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

MEMD = [sys.executable, "-m", "memd"]


def run(env, *args, input=None):
    return subprocess.run(MEMD + list(args), env=env, capture_output=True, text=True, input=input, timeout=60)


@pytest.fixture
def env(tmp_path, vault):
    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "cfg" / "config.toml"), COLUMNS="200")
    r = run(e, "init", str(vault), "--json")
    assert r.returncode == 0, r.stderr
    # Tests do not wait for "the user is typing".
    cfg = Path(e["MEMD_CONFIG"])
    cfg.write_text(cfg.read_text() + "\n[writer]\nsettle_seconds = 0.0\n")
    return e


def test_init_writes_config_skeleton_and_state(tmp_path, vault):
    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "c.toml"))
    (vault / "Note.md").write_text("# Note\n")
    r = run(e, "init", str(vault))
    assert r.returncode == 0, r.stderr
    assert "vault" in r.stdout and "indexed" in r.stdout
    assert (vault / "memory/user.md").read_text() == "# User Information\n\n## User Relationships\n"
    assert (vault / "memory/entities").is_dir()
    data = json.loads(run(e, "init", str(vault), "--json").stdout)
    assert data["config_written"] is False and data["user_file_created"] is False
    other = tmp_path / "other"
    other.mkdir()
    r = run(e, "init", str(other))
    assert r.returncode == 1 and "already points at" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_every_command_has_json(env, vault):
    (vault / "Kyoto.md").write_text("# Kyoto\nTemples.\n")
    run(env, "reindex")
    outputs = {
        "status": run(env, "status", "--json"),
        "search": run(env, "search", "kyoto", "--json"),
        "fact": run(env, "fact", "set", "user", "living_location", "Kyoto, Japan", "--json"),
        "entity": run(env, "entity", "show", "user", "--json"),
        "entity_list": run(env, "entity", "list", "--json"),
        "log": run(env, "log", "--json"),
        "why": run(env, "why", "user", "living_location", "--json"),
        "review": run(env, "review", "--json"),
        "reindex": run(env, "reindex", "--json"),
    }
    for name, r in outputs.items():
        assert r.returncode == 0, (name, r.stderr)
        json.loads(r.stdout)
    assert json.loads(outputs["search"].stdout)["results"][0]["path"] == "Kyoto.md"
    assert json.loads(outputs["why"].stdout)["facts"][0]["written_by"] == "memd"
    entry = json.loads(outputs["log"].stdout)["entries"][0]
    r = run(env, "undo", str(entry["id"]), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "applied"
    assert "living_location" not in (vault / "memory/user.md").read_text()


def test_review_flow_from_the_cli(env, vault):
    user = vault / "memory/user.md"
    user.write_text(user.read_text().replace("# User Information\n", "# User Information\n- employer: Acme\n"))
    r = run(env, "fact", "set", "user", "employer", "Globex")
    assert r.returncode == 0 and "review" in r.stdout
    items = json.loads(run(env, "review", "--json").stdout)["items"]
    assert items[0]["current"] == "- employer: Acme"
    r = run(env, "review", "accept", str(items[0]["id"]))
    assert r.returncode == 0
    assert "- employer: Globex" in user.read_text()
    r = run(env, "review", "accept", str(items[0]["id"]))
    assert r.returncode == 1 and r.stderr.strip() == f"memd: error: review item #{items[0]['id']} is already accepted"


def test_human_output_is_tables(env, vault):
    run(env, "fact", "set", "Jane Doe", "relationship", "sister")
    r = run(env, "entity", "show", "jane doe")
    assert r.returncode == 0 and "relationship" in r.stdout and "sister" in r.stdout
    r = run(env, "log")
    assert "set_fact" in r.stdout and "create_entity" in r.stdout


@pytest.mark.parametrize("args,message", [
    (["entity", "show", "Nobody"], "no entity called 'Nobody'"),
    (["undo", "12345"], "no journal entry #12345"),
    (["why", "user", "nothing"], "user has no nothing"),
    (["log", "--since", "yesterday-ish"], "--since"),
    (["review", "accept", "77"], "no review item #77"),
])
def test_errors_are_one_line_and_nonzero(env, args, message):
    r = run(env, *args)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr


def test_no_config_is_a_clear_error(tmp_path):
    e = dict(os.environ, MEMD_CONFIG=str(tmp_path / "none.toml"))
    r = run(e, "status")
    assert r.returncode == 1 and "memd init" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = run(e, "--debug", "status")
    assert "Traceback" in r.stderr


def test_usage_errors_exit_2(env):
    r = run(env, "search")
    assert r.returncode == 2
    r = run(env, "frobnicate")
    assert r.returncode == 2


def test_config_flag_beats_environment(tmp_path, vault, env):
    other_vault = tmp_path / "v2"
    other_vault.mkdir()
    (other_vault / "Only here.md").write_text("unique2 words")
    cfg2 = tmp_path / "second.toml"
    r = run(env, "--config", str(cfg2), "init", str(other_vault))
    assert r.returncode == 0, r.stderr
    r = run(env, "--config", str(cfg2), "search", "unique2", "--json")
    assert json.loads(r.stdout)["results"][0]["path"] == "Only here.md"
    r = run(env, "search", "unique2", "--json")
    assert json.loads(r.stdout)["results"] == []
