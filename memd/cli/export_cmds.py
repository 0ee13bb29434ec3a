"""`memd export`: the memory in other formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from memd.cli.common import console, emit, invoke, json_option


@click.group()
def export() -> None:
    """Export the memory (the vault's markdown stays the source of truth)."""


@export.command("json")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@json_option
def export_json(path: Path | None) -> None:
    """Write every entity's facts, relations and provenance as JSON to PATH (or stdout)."""
    if path is None:
        import json
        import sys

        sys.stdout.write(json.dumps(invoke("export.json"), ensure_ascii=False, indent=2) + "\n")
        return
    data = invoke("export.json", path=str(path.resolve()))

    def human(d: dict[str, Any]) -> None:
        console.print(f"[green]✓[/green] {d['entities']} entities, {d['facts']} facts → {escape(d['path'])}")

    emit(data, human)
