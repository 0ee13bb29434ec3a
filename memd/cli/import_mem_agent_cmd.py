"""`memd import mem-agent DIR`: a mem-agent memory (user.md + entities/) into the vault's memory,
through the writer (journaled, undoable; hand-written lines it would replace go to review)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from memd.cli.common import console, emit, err_console, json_option, plural, state


@click.command("mem-agent")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show which entities would be created or merged; write nothing.")
@json_option
def import_mem_agent(folder: Path, dry_run: bool) -> None:
    """Import a mem-agent memory folder (user.md + entities/), e.g. one `memd export mem-agent` wrote."""
    from memd.importers.mem_agent import import_mem_agent as run

    data = run(state().app(), folder, dry_run=dry_run)

    def human(d: dict[str, Any]) -> None:
        verb = "would create" if d["dry_run"] else "created"
        console.print(f"[green]✓[/green] {plural(d['files'], 'file')} from {escape(d['folder'])}: {verb} {len(d['created'])},"
                      f" merged into {len(d['merged'])}")
        if d["counts"]:
            console.print("  " + ", ".join(f"{n} {status}" for status, n in sorted(d["counts"].items())))
        if d["counts"].get("review"):
            console.print("  lines you wrote by hand would change: see `memd review`")
        for s in d["skipped"]:
            err_console.print(f"[yellow]skipped[/yellow] {escape(s['path'])}: {escape(s['reason'])}")
    emit(data, human)
