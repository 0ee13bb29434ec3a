"""`memd mcp install`: merging memd into the real config files of Claude Desktop, Claude Code and
Cursor (under a temp HOME), without losing anything of the client's own."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from memd.cli import main

MEMD = [sys.executable, "-P", "-m", "memd"]


@pytest.fixture
def memd_config(seeded, monkeypatch):
    """The seeded vault's config, as MEMD_CONFIG for the in-process CLI."""
    config, cfg_path, env = seeded
    monkeypatch.setenv("MEMD_CONFIG", str(cfg_path))
    return cfg_path


def cli(capsys, *args):
    code = main(["mcp", "install", *args, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


def desktop_path() -> Path:
    # The tests' HOME and XDG_CONFIG_HOME are temp folders (tests/conftest.py); Linux layout.
    return Path(os.environ["XDG_CONFIG_HOME"]) / "Claude" / "claude_desktop_config.json"


EXISTING = {
    "mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/x"]},
        "weather": {"command": "/opt/weather", "env": {"API_KEY": "k"}},
    },
    "globalShortcut": "Ctrl+Space",
}


def test_merges_into_an_existing_config_keeping_other_servers_and_a_backup(memd_config, capsys):
    path = desktop_path()
    path.parent.mkdir(parents=True)
    original = json.dumps(EXISTING, indent=4).encode()
    path.write_bytes(original)
    path.chmod(0o640)

    code, report, err = cli(capsys, "--client", "claude-desktop")
    assert code == 0, err
    written = json.loads(path.read_text())
    assert written["mcpServers"]["filesystem"] == EXISTING["mcpServers"]["filesystem"]
    assert written["mcpServers"]["weather"] == EXISTING["mcpServers"]["weather"]
    assert written["globalShortcut"] == "Ctrl+Space"
    entry = written["mcpServers"]["memd"]
    assert Path(entry["command"]).is_absolute() and os.access(entry["command"], os.X_OK)
    assert entry["args"][-1] == "mcp"
    assert entry["env"] == {"MEMD_CONFIG": str(memd_config.resolve())}
    assert report["action"] == "added" and report["other_servers"] == ["filesystem", "weather"]
    assert Path(report["backup"]).read_bytes() == original  # the old file, byte for byte
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]

    # Again: nothing to change, nothing written.
    mtime = path.stat().st_mtime_ns
    code, report, _ = cli(capsys, "--client", "claude-desktop")
    assert code == 0 and report["action"] == "unchanged" and report["written"] is False
    assert path.stat().st_mtime_ns == mtime


def test_dry_run_writes_nothing(memd_config, capsys):
    code, report, _ = cli(capsys, "--client", "cursor", "--dry-run")
    cursor = Path.home() / ".cursor" / "mcp.json"
    assert code == 0 and report["dry_run"] and report["written"] is False and report["action"] == "added"
    assert not cursor.exists() and not cursor.parent.exists()
    assert json.loads(report["snippet"])["mcpServers"]["memd"] == report["entry"]

    path = desktop_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(EXISTING))
    before = path.read_bytes()
    code, report, _ = cli(capsys, "--client", "claude-desktop", "--dry-run")
    assert code == 0 and report["other_servers"] == ["filesystem", "weather"]
    assert path.read_bytes() == before and sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.mark.parametrize("content, why", [
    (b'{"mcpServers": {"a": {"command": "x"},}', "not valid JSON (line 1"),
    (b"\xff\xfe{}", "not valid JSON"),
    (b"[1, 2]", "not an object"),
    (b'{"mcpServers": ["memd"]}', "mcpServers is not an object"),
])
def test_a_config_memd_cannot_read_is_refused_and_left_alone(memd_config, content, why):
    path = Path.home() / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_bytes(content)
    r = subprocess.run(MEMD + ["mcp", "install", "--client", "cursor"], env=dict(os.environ), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and why in r.stderr and "Traceback" not in r.stderr
    assert path.read_bytes() == content and sorted(p.name for p in path.parent.iterdir()) == ["mcp.json"]


def test_claude_code_user_scope_keeps_all_of_claude_json(memd_config, capsys):
    path = Path.home() / ".claude.json"
    state = {"numStartups": 12, "projects": {"/work/x": {"mcpServers": {"local": {"command": "l"}},
                                                          "allowedTools": []}},
             "mcpServers": {"github": {"type": "http", "url": "https://example.invalid/mcp"}}}
    path.write_text(json.dumps(state))
    path.chmod(0o600)
    code, report, err = cli(capsys, "--client", "claude-code")
    assert code == 0, err
    written = json.loads(path.read_text())
    assert written["numStartups"] == 12 and written["projects"] == state["projects"]
    assert written["mcpServers"]["github"] == state["mcpServers"]["github"]
    assert written["mcpServers"]["memd"]["type"] == "stdio"
    entry = written["mcpServers"]["memd"]
    assert report["claude_command"] == (f"claude mcp add --scope user -e MEMD_CONFIG={entry['env']['MEMD_CONFIG']} memd"
                                        f" -- {entry['command']} {' '.join(entry['args'])}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_project_scopes_write_the_project_files(memd_config, capsys, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    code, report, _ = cli(capsys, "--client", "claude-code", "--scope", "project", "--project", str(project))
    assert code == 0 and Path(report["path"]) == project / ".mcp.json"
    assert "memd" in json.loads((project / ".mcp.json").read_text())["mcpServers"]
    code, report, _ = cli(capsys, "--client", "cursor", "--scope", "project", "--project", str(project))
    assert code == 0 and Path(report["path"]) == project / ".cursor" / "mcp.json"
    new_file = project / ".cursor" / "mcp.json"
    assert stat.S_IMODE(new_file.stat().st_mode) == 0o600 and report["backup"] is None
    code, _, err = cli(capsys, "--client", "claude-desktop", "--scope", "project")
    assert code != 0 and "no project config" in err


def test_an_updated_entry_replaces_only_memds_own(memd_config, capsys):
    path = Path.home() / ".cursor" / "mcp.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"mcpServers": {"memd": {"command": "memd", "args": ["mcp"]}, "other": {"command": "o"}}}))
    code, report, _ = cli(capsys, "--client", "cursor")
    assert code == 0 and report["action"] == "updated"
    servers = json.loads(path.read_text())["mcpServers"]
    assert servers["other"] == {"command": "o"} and Path(servers["memd"]["command"]).is_absolute()


def test_the_installed_entry_starts_a_working_server(seeded, memd_config, capsys):
    """What a client does with the entry: run its command with its env, and talk MCP to it."""
    pytest.importorskip("mcp", reason="the mcp extra is not installed")
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters, stdio_client

    code, report, _ = cli(capsys, "--client", "claude-desktop")
    assert code == 0
    entry = json.loads(desktop_path().read_text())["mcpServers"]["memd"]

    async def body(errlog):
        # The SDK starts it as desktop clients do: the entry's env over a minimal default one.
        params = StdioServerParameters(command=entry["command"], args=entry["args"], env=entry["env"],
                                       cwd=str(Path.home()))
        async with Client(stdio_client(params, errlog=errlog)) as c:
            return (await c.call_tool("memory_search", {"query": "Lisbon"})).structured_content

    with open(Path.home() / "server-stderr.log", "w") as errlog:  # capsys's stderr has no file descriptor
        found = asyncio.run(body(errlog))
    assert any("Lisbon" in h["text"] for h in found["results"])


def test_a_linked_config_is_updated_where_it_lives_and_stays_linked(memd_config, capsys, tmp_path):
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "cursor-mcp.json"
    real.write_text(json.dumps({"mcpServers": {"other": {"command": "o"}}}))
    link = Path.home() / ".cursor" / "mcp.json"
    link.parent.mkdir()
    link.symlink_to(real)
    code, report, err = cli(capsys, "--client", "cursor")
    assert code == 0, err
    assert link.is_symlink() and link.resolve() == real
    assert set(json.loads(real.read_text())["mcpServers"]) == {"other", "memd"}
    assert Path(report["path"]) == real and Path(report["backup"]).parent == dotfiles
