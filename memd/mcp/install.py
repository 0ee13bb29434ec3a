"""`memd mcp install`: put memd into an MCP client's config file.

Client configs hold the user's other servers (and, in ~/.claude.json, all of Claude Code's own
state), so the file is read, merged and replaced atomically, never rewritten from scratch: only
`mcpServers.<name>` changes. The previous file is kept beside it as `<file>.memd-backup`. A file
that is not valid JSON is refused, not "repaired". Paths are absolute: desktop apps do not
inherit the shell's PATH and fail with "spawn memd ENOENT" on a bare command name.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memd.errors import ConfigError, MemdError
from memd.vault.atomic import HandSave, atomic_write

CLIENTS = ("claude-desktop", "claude-code", "cursor")
BACKUP_SUFFIX = ".memd-backup"
MAX_CONFIG_BYTES = 64 * 1024 * 1024  # ~/.claude.json grows with history; a client config past this is not one


@dataclass
class InstallPlan:
    client: str
    path: Path
    name: str
    entry: dict[str, Any]


def config_path(client: str, *, scope: str = "user", project: Path | None = None) -> Path:
    """Where `client` reads its MCP servers from (scope: user, or project for claude-code / cursor)."""
    home = Path.home()
    if client == "claude-desktop":
        system = platform.system()
        if system == "Darwin":
            base = home / "Library" / "Application Support" / "Claude"
        elif system == "Windows":
            base = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming")) / "Claude"
        else:
            base = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config") / "Claude"
        return base / "claude_desktop_config.json"
    root = (project or Path.cwd()).resolve()
    if client == "claude-code":
        return root / ".mcp.json" if scope == "project" else home / ".claude.json"
    if client == "cursor":
        return root / ".cursor" / "mcp.json" if scope == "project" else home / ".cursor" / "mcp.json"
    raise ConfigError(f"unknown client {client!r}; use one of {', '.join(CLIENTS)}")


def memd_command() -> list[str]:
    """The absolute command that starts this memd: the `memd` script beside this Python (a venv
    or pipx install), else this Python with `-m memd`. Not resolved through symlinks: a venv's
    python is a symlink whose target would lose the venv's packages."""
    python = Path(os.path.abspath(sys.executable))
    script = python.parent / ("memd.exe" if os.name == "nt" else "memd")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(python), "-m", "memd"]


def server_entry(client: str, config_file: Path | None) -> dict[str, Any]:
    command = memd_command()
    entry: dict[str, Any] = {"command": command[0], "args": [*command[1:], "mcp"]}
    if client == "claude-code":
        entry = {"type": "stdio", **entry}
    if config_file is not None:
        entry["env"] = {"MEMD_CONFIG": str(Path(config_file).resolve())}
    return entry


def read_config(path: Path) -> tuple[dict[str, Any], bytes | None]:
    """The client's config as a dict and its bytes (None: no file yet). Refuses what is not a
    JSON object, or whose mcpServers is not an object."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is larger than {MAX_CONFIG_BYTES >> 20} MiB; not touching it")
    if not raw.strip():
        return {}, raw
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise ConfigError(f"{path} is not valid JSON{where}; fix or move it, memd will not overwrite it") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} holds JSON that is not an object; memd will not overwrite it")
    if not isinstance(data.get("mcpServers", {}), dict):
        raise ConfigError(f"{path}: mcpServers is not an object; memd will not overwrite it")
    return data, raw


def merged(data: dict[str, Any], name: str, entry: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """`data` with mcpServers[name] = entry, and what that is: added, updated or unchanged."""
    servers = dict(data.get("mcpServers") or {})
    action = "unchanged" if servers.get(name) == entry else ("updated" if name in servers else "added")
    servers[name] = entry
    return {**data, "mcpServers": servers}, action


def install(plan: InstallPlan, *, dry_run: bool = False) -> dict[str, Any]:
    """Merge plan.entry into the client's config; return what was (or would be) done."""
    if plan.path.is_symlink():
        # A config kept in a dotfiles repo and linked: update the file it points to, and keep the
        # link (replacing the link itself would silently cut the file off from the repo).
        plan = InstallPlan(plan.client, plan.path.resolve(), plan.name, plan.entry)
    for _attempt in range(5):
        data, raw = read_config(plan.path)
        new, action = merged(data, plan.name, plan.entry)
        others = sorted(k for k in new["mcpServers"] if k != plan.name)
        report: dict[str, Any] = {
            "client": plan.client, "path": str(plan.path), "name": plan.name, "entry": plan.entry,
            "action": action, "dry_run": dry_run, "other_servers": others, "backup": None,
        }
        if dry_run or action == "unchanged":
            report["written"] = False
            return report
        text = json.dumps(new, indent=2, ensure_ascii=False) + "\n"
        try:
            plan.path.parent.mkdir(parents=True, exist_ok=True)
            mode = 0o600
            if raw is not None:
                mode = plan.path.stat().st_mode & 0o777
                backup = plan.path.with_name(plan.path.name + BACKUP_SUFFIX)
                atomic_write(backup, raw, mode=mode)  # the file as it was, byte for byte
                report["backup"] = str(backup)
            # The client may have saved the file meanwhile (Claude Code writes ~/.claude.json
            # often): replace it only if it is still what we merged into, else merge again.
            try:
                atomic_write(plan.path, text.encode("utf-8"), mode=mode, expected=raw)
            except HandSave:
                continue
        except OSError as exc:
            raise MemdError(f"cannot write {plan.path}: {exc.strerror or exc}") from None
        report["written"] = True
        return report
    raise ConfigError(f"{plan.path} kept changing while memd tried to update it; try again with the client closed")


def claude_mcp_add(entry: dict[str, Any], name: str, scope: str) -> str:
    """The same entry as Claude Code's own command would add it."""
    import shlex

    env = [arg for k, v in (entry.get("env") or {}).items() for arg in ("-e", f"{k}={v}")]
    return shlex.join(["claude", "mcp", "add", "--scope", scope, *env, name, "--", entry["command"], *entry["args"]])


def snippet(entry: dict[str, Any], name: str = "memd") -> str:
    return json.dumps({"mcpServers": {name: entry}}, indent=2, ensure_ascii=False)
