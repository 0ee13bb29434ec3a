"""`memd demo`: the whole of memd on a throwaway vault (see memd/demo/walkthrough.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from memd.cli.common import console, emit, json_option, plural, print_table, state
from memd.cli.extract_cmds import _describe


def _say(step: str, data: Any) -> None:
    if state().json:
        return
    if step == "vault":
        console.rule("[bold]1 · a demo vault")
        console.print(f"vault  {escape(data['vault'])}\nconfig {escape(data['config'])}")
    elif step == "import":
        console.rule("[bold]2 · import a ChatGPT export")
        console.print(f"{plural(data['written'], 'conversation')} written as notes under memory-sources/chatgpt/, "
                      f"{plural(data.get('facts_added', 0), 'fact')} added to memory/")
    elif step == "daemon":
        console.rule("[bold]3 · the daemon")
        console.print(f"memd run is up (pid {data['pid']}), listening on {escape(data['socket'])}")
    elif step == "live":
        console.rule("[bold]4 · live chat turns over the socket")
        for d in data["decisions"]:
            console.print(_describe(d))
        if data["end"]:
            console.print("end of chat: " + _describe(data["end"]))
    elif step == "queries":
        console.rule("[bold]5 · questions over the socket")
        for q, a in data["ask"].items():
            src = f"  [dim]({a['facts'][0]['path']}:{a['facts'][0]['line']})[/dim]" if a["facts"] else ""
            console.print(f"[bold]{escape(q)}[/bold] → {escape(a['answer'] or 'not in memory')}{src}")
        console.print("[bold]search “residency”[/bold] →")
        for h in data["search"]["results"]:
            turn = (h.get("turns") or [None])[0]
            where = f"{turn['speaker']}, {(turn.get('time') or '')[:10]}" if turn else (h["heading"] or h["title"])
            text = " ".join(h["text"].split())
            text = text if len(text) <= 90 else text[:89] + "…"
            console.print(f"  {escape(h['link'])} [dim]({escape(where)})[/dim] {escape(text)}")
    elif step == "memory":
        console.rule("[bold]6 · what memory holds now")
        if console.is_terminal:
            console.print(Panel(escape(data["user"]["text"].rstrip()), title=data["user"]["path"], expand=False))
        else:  # into a pipe or a file: the lines whole (a panel cuts them at its width)
            print(f"--- {data['user']['path']}\n{data['user']['text'].rstrip()}")
        t = Table(show_header=True, header_style="bold", box=None)
        t.add_column("entity")
        t.add_column("file", style="dim")
        for e in data["entities"]:
            if not e["path"].endswith("/user.md"):
                t.add_row(escape(e["title"]), escape(e["path"]))
        print_table(t)
    elif step == "done":
        if data.get("kept"):
            console.print(f"\n[green]The daemon keeps running[/green] (pid {data['kept']['pid']}). Try:\n"
                          f"  MEMD_CONFIG={escape(data['kept']['config'])} memd ask \"where do I live\"\n"
                          f"Stop it with: {escape(data['kept']['stop'])}")
        else:
            console.print("\n[green]✓ demo finished[/green]; the daemon stopped and the temp folder was removed."
                          " Next: memd init PATH/TO/YOUR/VAULT")


@click.command()
@click.option("--keep", is_flag=True, help="Leave the daemon running and keep the demo folder.")
@click.option("--dir", "workdir", type=click.Path(path_type=Path, file_okay=False), help="Use this folder (kept).")
@json_option
def demo(keep: bool, workdir: Path | None) -> None:
    """Try memd on a throwaway vault: import, daemon, live turns, questions."""
    from memd.demo.walkthrough import run_demo

    summary = run_demo(keep=keep, workdir=workdir, say=_say)
    if state().json:
        emit(summary, lambda d: None)
