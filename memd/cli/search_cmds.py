"""`memd search`: full-text search over the whole vault."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, highlight_snippet, invoke, json_option, print_table


@click.command()
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Hits to return (several may come from one note).")
@click.option("--kind", type=click.Choice(["memory", "note", "source"]), help="Only memory files, notes or sources.")
@click.option("--path", "path_prefix", help="Only notes under this folder.")
@click.option("--group", is_flag=True, help="One hit per note: its best turn, section or fact line.")
@json_option
def search(query: tuple[str, ...], limit: int, kind: str | None, path_prefix: str | None, group: bool) -> None:
    """Search every note for QUERY: transcript turns, note sections and memory fact lines."""
    data = invoke("search", query=" ".join(query), limit=limit, kind=kind, path=path_prefix, group=group)

    def human(d: dict[str, Any]) -> None:
        if not d["results"]:
            console.print(f"[dim]{escape(d.get('note') or 'no matches')}[/dim]")
            return
        t = Table(show_header=True, header_style="bold", box=None, expand=False)
        t.add_column("score", justify="right", style="dim")
        t.add_column("note")
        t.add_column("where", style="dim")
        t.add_column("match", overflow="fold")
        for r in d["results"]:
            turn = (r.get("turns") or [None])[0]
            if turn:
                # A transcript turn: who said it and when, then the line.
                who = " · ".join(x for x in (turn.get("speaker"), (turn.get("time") or "")[:10]) if x)
                where = f"{who} L{r['lines'][0]}"
            else:
                where = (f"# {r['heading']} " if r["heading"] else "") + f"L{r['lines'][0]}-{r['lines'][1]}"
            t.add_row(f"{r['score']:.2f}", escape(r["path"]), escape(where), highlight_snippet(r["snippet"]))
        print_table(t)

    emit(data, human)
