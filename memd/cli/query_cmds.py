"""`memd ask`: a question answered from memory, with the sources of each fact."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, invoke, json_option


@click.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50))
@json_option
def ask(question: tuple[str, ...], limit: int) -> None:
    """Answer QUESTION from memory (the matching facts, each with its source)."""
    data = invoke("ask", question=" ".join(question), limit=limit)

    def human(d: dict[str, Any]) -> None:
        if not d["facts"]:
            console.print(f"[dim]{escape(d.get('note', 'nothing found'))}[/dim]")
            for n in d.get("notes", []):
                console.print(f"  {escape(n['path'])}")
            return
        console.print(f"[bold]{escape(d['answer'])}[/bold]")
        t = Table(show_header=True, header_style="bold", box=None)
        for col in ("fact", "about", "source"):
            t.add_column(col)
        for f in d["facts"]:
            t.add_row(escape(f"{f['key']}: {f['value']}"), escape(f["entity"]), escape(f"{f['path']}:{f['line']}"))
        console.print(t)

    emit(data, human)
