"""`memd search`: full-text search over the whole vault."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, highlight_snippet, invoke, json_option


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--kind", type=click.Choice(["memory", "note", "source"]), help="Only memory files, notes or sources.")
@click.option("--path", "path_prefix", help="Only notes under this folder.")
@json_option
def search(query: tuple[str, ...], limit: int, kind: str | None, path_prefix: str | None) -> None:
    """Search every note for QUERY (title, aliases, headings and text)."""
    data = invoke("search", query=" ".join(query), limit=limit, kind=kind, path=path_prefix)

    def human(d: dict[str, Any]) -> None:
        if not d["results"]:
            console.print("[dim]no matches[/dim]")
            return
        t = Table(show_header=True, header_style="bold", box=None, expand=False)
        t.add_column("score", justify="right", style="dim")
        t.add_column("note")
        t.add_column("where", style="dim")
        t.add_column("match", overflow="fold")
        for r in d["results"]:
            where = (f"# {r['heading']} " if r["heading"] else "") + f"L{r['lines'][0]}-{r['lines'][1]}"
            t.add_row(f"{r['score']:.2f}", escape(r["path"]), escape(where), highlight_snippet(r["snippet"]))
        console.print(t)

    emit(data, human)
