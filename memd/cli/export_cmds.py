"""`memd export`: the memory in other formats (the vault's markdown stays the source of truth).

Exports read the vault in this process (also while a daemon runs: reading needs no daemon, and
a file written into the vault goes through the same writer lock and journal). Each prints what
it wrote; `--json` prints that as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from memd.cli.common import console, emit, err_console, json_option, state

_FORCE = click.option("--force", is_flag=True,
                      help="Replace a file or folder that is not memd's unchanged last export (a folder is kept beside).")


@click.group()
def export() -> None:
    """Export the memory (the vault's markdown stays the source of truth).

    \b
    memd export mem-agent ~/mem-agent/memory     for Dria's mem-agent (MCP server or model)
    memd export canvas ~/Vault/Memory.canvas     the entity graph for Obsidian's canvas
    memd export context profile.md               a profile for a system prompt
    memd export base                             memory/Memory.base, an Obsidian Bases table
    memd export json memory.json                 everything, with provenance
    """


def _done(data: dict[str, Any], what: str) -> None:
    status = data.get("status", "written")
    mark = "[green]✓[/green]" if status == "written" else "[dim]=[/dim]"
    console.print(f"{mark} {what} → {escape(data['path'])}" + (" (unchanged)" if status == "unchanged" else ""))


@export.command("mem-agent")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option("--trim", is_flag=True, help="Cut the last facts of a file over mem-agent's 1 MiB limit (listed) instead of refusing.")
@_FORCE
@json_option
def export_mem_agent(folder: Path, trim: bool, force: bool) -> None:
    """Write a strict mem-agent memory (user.md + entities/) to FOLDER, outside the vault."""
    from memd.exporters.mem_agent import export_mem_agent as run

    data = run(state().app(), folder, trim=trim, force=force)

    def human(d: dict[str, Any]) -> None:
        _done({**d, "status": "written"}, f"user.md + {d['entities']} entities, {d['bytes']:,} bytes")
        if d["links_flattened"]:
            console.print(f"  {d['links_flattened']} links to notes outside the memory became plain text")
        if d["frontmatter_dropped"]:
            console.print(f"  frontmatter dropped from {d['frontmatter_dropped']} files")
        for c in d["cut"]:
            err_console.print(f"[yellow]cut[/yellow] {escape(c['path'])}: {len(c['dropped'])} facts over the 1 MiB limit,"
                              f" from {escape(c['dropped'][0])}")
        if d.get("previous_kept_at"):
            console.print(f"  the folder's previous content is kept at {escape(d['previous_kept_at'])}")
        for u in d["unreadable"]:
            err_console.print(f"[yellow]warning[/yellow] {escape(u['path'])}: not exported ({escape(u['error'])})")
    emit(data, human)


@export.command("canvas")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_FORCE
@json_option
def export_canvas(path: Path, force: bool) -> None:
    """Write the entity graph as a JSON Canvas 1.0 file (open it in Obsidian)."""
    from memd.exporters.canvas import export_canvas as run

    data = run(state().app(), path, force=force)
    emit(data, lambda d: _done(d, f"{d['entities']} entities, {d['edges']} relations, {d['groups']} groups"))


@export.command("context")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--budget", type=click.IntRange(1, 20_000), default=350, show_default=True,
              help="Words at most (links are not counted).")
@click.option("--query", help="Also the facts and conversation turns that match this.")
@_FORCE
@json_option
def export_context(path: Path, budget: int, query: str | None, force: bool) -> None:
    """Write the budgeted profile as markdown for a system prompt or ChatGPT's custom instructions."""
    from memd.exporters.context_md import export_context as run

    data = run(state().app(), path, budget=budget, query=query, force=force)
    emit(data, lambda d: _done(d, f"{d['words']} of {d['budget']} words, {d['items']} items"))


@export.command("base")
@_FORCE
@json_option
def export_base(force: bool) -> None:
    """Write memory/Memory.base: an Obsidian Bases table of the entities and their key facts."""
    from memd.exporters.bases import export_base as run

    data = run(state().app(), force=force)
    emit(data, lambda d: _done(d, f"a table over {d['entities']} entities, columns {', '.join(d['columns'])}"))


@export.command("json")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@_FORCE
@json_option
def export_json(path: Path | None, force: bool) -> None:
    """Write every entity's facts, relations and provenance as JSON to PATH (or stdout)."""
    from memd.exporters.json_export import export_json as write, memory_document

    app = state().app()
    if path is None:
        import json
        import sys

        sys.stdout.write(json.dumps(memory_document(app), ensure_ascii=False, indent=2) + "\n")
        return
    data = write(app, path, force=force)
    emit(data, lambda d: _done(d, f"{d['entities']} entities, {d['facts']} facts"))
