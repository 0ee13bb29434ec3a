"""`memd config set` and `memd mcp install` rewrite files a person (or a client) also edits:
an edit saved between memd's read and its write is never lost."""

from __future__ import annotations

import json

import pytest

from memd import config_edit
from memd.errors import ConfigError


def test_config_set_keeps_an_edit_saved_meanwhile(tmp_path, monkeypatch):
    vault = tmp_path / "vault"
    vault.mkdir()
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'vault = "{vault}"\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    edited = cfg.read_text(encoding="utf-8") + "# my own note, saved while memd was working\n"
    real = config_edit.set_in_text

    def save_meanwhile(*args, **kwargs):
        cfg.write_text(edited, encoding="utf-8")  # the person's editor saves now
        return real(*args, **kwargs)

    monkeypatch.setattr(config_edit, "set_in_text", save_meanwhile)
    with pytest.raises(ConfigError, match="changed while memd was writing"):
        config_edit.set_key(cfg, "extract.window_turns", "8")
    assert cfg.read_text(encoding="utf-8") == edited  # their save stands, memd wrote nothing

    monkeypatch.setattr(config_edit, "set_in_text", real)
    config_edit.set_key(cfg, "extract.window_turns", "8")  # run again: applied over their text
    text = cfg.read_text(encoding="utf-8")
    assert "# my own note" in text and "window_turns = 8" in text


def test_mcp_install_merges_again_when_the_client_saved_meanwhile(tmp_path, monkeypatch):
    from memd.mcp import install

    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps({"mcpServers": {"other": {"command": "x"}}}), encoding="utf-8")
    real = install.merged
    calls = []

    def client_saves_once(data, name, entry):
        if not calls:  # the client adds a server between memd's read and its write
            path.write_text(json.dumps({"mcpServers": {"other": {"command": "x"}, "late": {"command": "y"}}}),
                            encoding="utf-8")
        calls.append(1)
        return real(data, name, entry)

    monkeypatch.setattr(install, "merged", client_saves_once)
    plan = install.InstallPlan("claude-desktop", path, "memd", {"command": "memd", "args": ["mcp"]})
    report = install.install(plan)
    assert report["written"]
    servers = json.loads(path.read_text(encoding="utf-8"))["mcpServers"]
    assert set(servers) == {"other", "late", "memd"} and len(calls) == 2
