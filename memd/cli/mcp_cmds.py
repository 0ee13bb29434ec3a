"""`memd mcp`: serve memory to MCP clients (stdio, or streamable HTTP on loopback), and
`memd mcp install`: add memd to a client's config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from memd.cli.common import console, emit, json_option, state
from memd.errors import ConfigError


@click.group(invoke_without_command=True)
@click.option("--http", "http", is_flag=True, help="Serve streamable HTTP on 127.0.0.1 instead of stdio.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535), help="Port for --http.")
@click.pass_context
def mcp(ctx: click.Context, http: bool, port: int) -> None:
    """Serve your memory to MCP clients (Claude Desktop, Claude Code, Cursor...) over stdio.

    Tools run on the vault's daemon when it runs, else in this process. `memd mcp install`
    adds memd to a client's config. Stdout carries the protocol, so there is no --json here.
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        from memd.mcp.server import build_server
        from memd.mcp.transport import serve_http, serve_stdio
    except ImportError as exc:
        raise ConfigError(f"memd mcp needs the mcp extra ({exc.name or exc} is missing)",
                          hint="pip install 'memd-vault[mcp]'") from None
    from memd.mcp.backend import Backend

    backend = Backend(config=state().config())
    try:
        srv = build_server(backend)
        if http:
            serve_http(srv, port)
        else:
            serve_stdio(srv)
    finally:
        backend.close()


@mcp.command("install")
@click.option("--client", "client", required=True, type=click.Choice(["claude-desktop", "claude-code", "cursor"]),
              help="The MCP client to configure.")
@click.option("--scope", default="user", show_default=True, type=click.Choice(["user", "project"]),
              help="claude-code / cursor: your user config, or the project's (.mcp.json, .cursor/mcp.json).")
@click.option("--project", "project", type=click.Path(file_okay=False, path_type=Path),
              help="The project folder for --scope project (default: the current folder).")
@click.option("--path", "path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write this config file instead of the client's usual one.")
@click.option("--name", default="memd", show_default=True, help="The server's name in the client's config.")
@click.option("--dry-run", is_flag=True, help="Print what would be written; change nothing.")
@json_option
def install_cmd(client: str, scope: str, project: Path | None, path: Path | None, name: str, dry_run: bool) -> None:
    """Add memd to CLIENT's MCP config with absolute paths (the memd command and the config in
    use), keeping the client's other servers. The old file is kept as <file>.memd-backup."""
    from memd.mcp.install import InstallPlan, claude_mcp_add, config_path, install, server_entry, snippet

    if client == "claude-desktop" and scope == "project":
        raise ConfigError("claude-desktop has no project config; leave out --scope")
    if not name.strip() or len(name) > 100:
        raise ConfigError("--name must be 1 to 100 characters")
    cfg = state().config()  # refuses now, with its fix, when memd has no config yet
    target = path.expanduser().resolve() if path else config_path(client, scope=scope, project=project)
    entry = server_entry(client, cfg.path)
    report = install(InstallPlan(client, target, name, entry), dry_run=dry_run)
    report["snippet"] = snippet(entry, name)
    if client == "claude-code":
        report["claude_command"] = claude_mcp_add(entry, name, scope)

    def human(d: dict[str, Any]) -> None:
        verb = {"added": "added", "updated": "updated", "unchanged": "already there:"}[d["action"]]
        if d["dry_run"]:
            console.print(f"[bold]dry run[/bold]: would write {escape(d['path'])} ({d['action']}). Entry:")
        else:
            console.print(f"[green]{verb}[/green] {escape(d['name'])} in {escape(d['path'])}")
        console.print(escape(d["snippet"]), soft_wrap=True)
        if d.get("claude_command"):
            console.print(f"[dim]the same with Claude Code's CLI: {escape(d['claude_command'])}[/dim]", soft_wrap=True)
        if d["other_servers"]:
            console.print(f"[dim]kept the other servers: {escape(', '.join(d['other_servers']))}[/dim]")
        if d.get("backup"):
            console.print(f"[dim]previous file kept as {escape(d['backup'])}[/dim]")
        if not d["dry_run"]:
            console.print(f"[dim]restart {escape(d['client'])} to load it[/dim]")

    emit(report, human)
