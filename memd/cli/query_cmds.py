"""`memd ask`: a question answered from memory, with the sources of each fact."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, invoke, json_option, print_table


@click.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--limit", default=5, show_default=True, type=click.IntRange(1, 50), help="At most N facts or turns as sources.")
@json_option
def ask(question: tuple[str, ...], limit: int) -> None:
    """Answer QUESTION from memory: the fact that answers it (following relations), else the
    conversation turn that matches best, each with its source."""
    data = invoke("ask", question=" ".join(question), limit=limit)

    def human(d: dict[str, Any]) -> None:
        if d["answer"] is None:
            console.print(f"[dim]{escape(d.get('note', 'memory does not hold this'))}[/dim]")
            return
        console.print(f"[bold]{escape(d['answer'])}[/bold]")
        about = d.get("about") or {}
        if about.get("via"):
            chain = " → ".join(f"{v['relation']} → {v['to']}" for v in about["via"])
            console.print(f"[dim]about {escape(chain)}[/dim]")
        if d["facts"]:
            t = Table(show_header=True, header_style="bold", box=None)
            for col in ("fact", "about", "source"):
                t.add_column(col)
            for f in d["facts"]:
                t.add_row(escape(f"{f['key']}: {f['value']}"), escape(f["entity"]), escape(f"{f['path']}:{f['line']}"))
            print_table(t)
        else:
            for s in d.get("sources", []):
                console.print(f"[dim]source {escape(s['link'])}[/dim]")

    emit(data, human)


@click.command()
@click.argument("query", nargs=-1)
@click.option("--budget", default=350, show_default=True, type=int, help="Words the pack may hold.")
@json_option
def context(query: tuple[str, ...], budget: int) -> None:
    """A memory pack for a model's prompt: your profile, the facts that match QUERY and the
    conversation turns behind them, each with its link, within BUDGET words."""
    data = invoke("context", query=" ".join(query) or None, budget=budget)

    def human(d: dict[str, Any]) -> None:
        if d["text"]:
            console.print(escape(d["text"]), soft_wrap=True)
        console.print(f"[dim]{d['words']} of {d['budget']} words[/dim]")

    emit(data, human)
