"""Commands on the memory itself: entity, fact, log, undo, why, review."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, invoke, json_option, print_table
from memd.errors import NotFoundError


def _results_line(d: dict[str, Any]) -> None:
    for r in d["results"]:
        status = r["status"]
        color = {"applied": "green", "noop": "dim", "review": "yellow"}.get(status, "red")
        extra = f" #{r['journal_id']}" if r.get("journal_id") else ""
        if r.get("review_id"):
            extra = f" → review #{r['review_id']} (memd review)"
        console.print(f"[{color}]{status}[/{color}] {r['op']} {escape(r.get('path') or '')}{extra}"
                      + (f" — {escape(r['reason'])}" if r.get("reason") else ""))


@click.group()
def entity() -> None:
    """Look at entities (people, places, projects...) in memory."""


@entity.command("show")
@click.argument("name")
@json_option
def entity_show(name: str) -> None:
    """Show NAME's facts, relations and backlinks (`user` for you)."""
    data = invoke("get_entity", name=name)

    def human(d: dict[str, Any]) -> None:
        console.print(f"[bold]{escape(d['name'])}[/bold]  [dim]{escape(d['path'])}[/dim]")
        if d["facts"] or d["relations"]:
            t = Table(show_header=True, header_style="bold", box=None)
            t.add_column("key")
            t.add_column("value")
            t.add_column("section", style="dim")
            for f in d["facts"] + d["relations"]:
                value = f["value"] or "; ".join(f.get("nested", []))
                t.add_row(escape(f["key"]), escape(value), escape(f["section"] or ""))
            print_table(t)
        else:
            console.print("[dim]no facts yet[/dim]")
        if d["backlinks"]:
            console.print("[bold]linked from[/bold]")
            for b in d["backlinks"]:
                console.print(f"  {escape(b['source'])}:{b['line']}")

    emit(data, human)


@entity.command("list")
@json_option
def entity_list() -> None:
    """List every memory file."""
    data = invoke("entity.list")

    def human(d: dict[str, Any]) -> None:
        t = Table(show_header=True, header_style="bold", box=None)
        t.add_column("name")
        t.add_column("path", style="dim")
        for e in d["entities"]:
            t.add_row(escape(e["title"]), escape(e["path"]))
        print_table(t)

    emit(data, human)


@click.group()
def fact() -> None:
    """Change facts in memory."""


@fact.command("set")
@click.argument("entity_name", metavar="ENTITY")
@click.argument("key")
@click.argument("value")
@click.option("--multi", is_flag=True, help="The key holds several values: add VALUE, keep the others.")
@click.option("--section", help="The `##` section to put a new fact in.")
@json_option
def fact_set(entity_name: str, key: str, value: str, multi: bool, section: str | None) -> None:
    """Set KEY to VALUE for ENTITY (`user` for you). A hand-written line goes to review instead."""
    data = invoke("fact.set", entity=entity_name, key=key, value=value, multi=multi, section=section)
    emit(data, _results_line)


@fact.command("remove")
@click.argument("entity_name", metavar="ENTITY")
@click.argument("key")
@click.argument("value", required=False)
@json_option
def fact_remove(entity_name: str, key: str, value: str | None) -> None:
    """Remove KEY (or only its VALUE) from ENTITY. Hand-written lines go to review."""
    data = invoke("fact.remove", entity=entity_name, key=key, value=value)
    # The API answers "noop, no file" for an entity that does not exist (an extraction model may
    # name one); a person typing the command wants to hear that the name is wrong.
    if data["results"] and all(r["status"] == "noop" and not r.get("path") for r in data["results"]):
        raise NotFoundError(f"there is no entity called {entity_name!r}",
                            hint="`memd entity list` shows the names; `user` is you")
    emit(data, _results_line)


def _change_text(entry: dict[str, Any]) -> str:
    ch = entry["change"]
    if ch.get("file"):
        return "wrote note"
    if ch.get("created"):
        return "created file"
    if ch.get("deleted"):
        return "removed file"
    parts = []
    for h in ch.get("hunks", []):
        parts += [f"- {l}" for l in h["old"]] + [f"+ {l}" for l in h["new"]]
    return "\n".join(parts)


@click.command()
@click.option("--entity", "entity_name", help="Only operations on this entity's file.")
@click.option("--since", help="A date (2024-05-01) or a span (3d, 12h).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000), help="Show at most N entries.")
@json_option
def log(entity_name: str | None, since: str | None, limit: int) -> None:
    """What memd changed, newest first."""
    data = invoke("log", entity=entity_name, since=since, limit=limit)

    def human(d: dict[str, Any]) -> None:
        if not d["entries"]:
            console.print("[dim]nothing yet[/dim]")
            return
        t = Table(show_header=True, header_style="bold", box=None)
        for col in ("id", "time", "op", "file", "source", "change"):
            t.add_column(col)
        for e in d["entries"]:
            src = e["source"].get("kind", "")
            if e["source"].get("ref"):
                src += f" {e['source']['ref']}"
            op = e["op"] + (" [dim](undone)[/dim]" if e["status"] == "undone" else "")
            t.add_row(str(e["id"]), e["ts"][:19].replace("T", " "), op, escape(e["path"]), escape(src),
                      escape(_change_text(e)))
        print_table(t)

    emit(data, human)


@click.command()
@click.argument("entry_id", metavar="ID", type=int)
@json_option
def undo(entry_id: int) -> None:
    """Undo journal entry ID (refused if its lines were edited since)."""
    data = invoke("undo", id=entry_id)
    emit(data, lambda d: console.print(f"[green]undone[/green] #{entry_id} in {escape(d['path'])} (as #{d['journal_id']})"))


@click.command()
@click.argument("entity_name", metavar="ENTITY")
@click.argument("key", required=False)
@json_option
def why(entity_name: str, key: str | None) -> None:
    """Which operation and source wrote ENTITY's facts (or just KEY)."""
    data = invoke("why", entity=entity_name, key=key)

    def human(d: dict[str, Any]) -> None:
        # One record per fact: sources and turn links are long, and a table would cut them.
        console.print(f"[bold]{escape(d['entity'])}[/bold]  [dim]{escape(d['path'])}[/dim]")
        for f in d["facts"]:
            console.print(f"\n[bold]{f['line']}[/bold]  {escape(f['key'])}: {escape(f['value'])}")
            if f["written_by"] != "memd":
                console.print("    written by you (by hand), or before memd")
                continue
            src = f["source"] or {}
            console.print(f"    written by memd #{f['journal_id']} ({f['op']}) at {(f['ts'] or '')[:19].replace('T', ' ')}")
            origin = src.get("kind", "") + (f" {src['ref']}" if src.get("ref") else "")
            console.print(f"    from {escape(origin)}" + (f": “{escape(src['detail'])}”" if src.get("detail") else ""),
                          soft_wrap=True)
            if src.get("link"):
                console.print(f"    turn {escape(src['link'])}", soft_wrap=True)

    emit(data, human)


@click.group(invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Include accepted and rejected items.")
@json_option
@click.pass_context
def review(ctx: click.Context, show_all: bool) -> None:
    """List changes waiting for you: memd never overwrites a line you wrote."""
    if ctx.invoked_subcommand is not None:
        return
    data = invoke("review.list", status="all" if show_all else "pending")

    def human(d: dict[str, Any]) -> None:
        if not d["items"]:
            console.print("[dim]nothing to review[/dim]")
            return
        t = Table(show_header=True, header_style="bold", box=None)
        for col in ("id", "file", "now", "proposed", "why", "status"):
            t.add_column(col)
        for it in d["items"]:
            t.add_row(str(it["id"]), escape(it["path"]), escape(it["current"] or ""),
                      escape(it["proposed"] or "(remove)"), escape(it["reason"]), it["status"])
        print_table(t)
        console.print("[dim]memd review accept ID · memd review reject ID[/dim]")

    emit(data, human)


@review.command("accept")
@click.argument("item_id", metavar="ID", type=int)
@json_option
def review_accept(item_id: int) -> None:
    """Apply review item ID (replacing your line)."""
    data = invoke("review.resolve", id=item_id, decision="accept")
    emit(data, lambda d: console.print(f"[green]accepted[/green] #{item_id}"))


@review.command("reject")
@click.argument("item_id", metavar="ID", type=int)
@json_option
def review_reject(item_id: int) -> None:
    """Drop review item ID; memd will not propose it again."""
    data = invoke("review.resolve", id=item_id, decision="reject")
    emit(data, lambda d: console.print(f"[yellow]rejected[/yellow] #{item_id}"))
