"""Commands that feed memory: ingest (chat turns), remember (one statement), decisions."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, invoke, json_option, plural, print_table
from memd.errors import InputFormatError

MAX_LINE = 1 << 20


def _describe(d: dict[str, Any]) -> str:
    tool = d["tool"].replace("_memory", "")
    color = {"add": "green", "buffer": "yellow", "ignore": "dim", "search": "cyan"}.get(tool, "red")
    text = f"[{color}]{tool}[/{color}]"
    if d["tool"] == "add_memory":
        items = [f"{m.get('entity') + '.' if m.get('entity') else ''}{m['key']}: {m['value']}"
                 + (" (removed)" if "negation" in m.get("tags", []) else "")
                 for m in d["arguments"]["memory_list"]]
        text += " " + escape("; ".join(items))
        review = [w for w in d.get("writes", []) if w["status"] == "review"]
        if review:
            text += f" [yellow]({len(review)} to review: memd review)[/yellow]"
    else:
        text += f" [dim]{escape(str(d['arguments'].get('reason', '')))}[/dim]"
    for w in d.get("warnings", []):
        text += f"\n  [yellow]warning[/yellow] {escape(w)}"
    return text


def _show(result: dict[str, Any]) -> None:
    if result.get("decision"):
        console.print(_describe(result["decision"]))
    if result.get("end"):
        console.print("end of stream: " + _describe(result["end"]))


def _stdin_turns(default_stream: str | None, default_role: str) -> Any:
    for n, raw in enumerate(sys.stdin.buffer, 1):
        if len(raw) > MAX_LINE:
            raise InputFormatError(f"stdin line {n}: longer than 1 MiB")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputFormatError(f"stdin line {n}: not valid UTF-8") from None
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputFormatError(f"stdin line {n}: invalid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text", ""), str):
            raise InputFormatError(f"stdin line {n}: expected an object with a \"text\" string")
        stream = obj.get("stream", default_stream)
        if not stream:
            raise InputFormatError(f"stdin line {n}: no \"stream\" (give it in the line or with --stream)")
        yield {"stream": stream, "text": obj.get("text", ""), "role": obj.get("role", default_role),
               "author": obj.get("author"), "time": obj.get("time"), "turn_id": obj.get("id") or obj.get("turn_id"),
               "end": bool(obj.get("end", False))}


@click.command()
@click.option("--stream", help="The conversation this turn belongs to.")
@click.option("--role", type=click.Choice(["user", "assistant", "system", "other"]), default="user", show_default=True,
              help="Who speaks: facts are taken from the user's turns.")
@click.option("--author", help="Who said it (multi-party chats).")
@click.option("--text", help="The turn's text. Without it, JSON lines are read from stdin.")
@click.option("--time", "time_", help="When it was said (ISO 8601).")
@click.option("--id", "turn_id", help="A stable id for the turn.")
@click.option("--end", is_flag=True, help="The stream ends: re-evaluate its buffer now.")
@json_option
def ingest(stream: str | None, role: str, author: str | None, text: str | None, time_: str | None,
           turn_id: str | None, end: bool) -> None:
    """Send chat turns through the extraction loop (add, buffer, ignore).

    \b
    memd ingest --stream chat-42 --text "I moved to Berlin in May"
    echo '{"stream": "chat-42", "role": "user", "text": "..."}' | memd ingest
    """
    if text is None and not end:
        if sys.stdin.isatty():
            raise click.UsageError("give --text, --end, or JSON lines on stdin")
        results = [invoke("ingest", **t) for t in _stdin_turns(stream, role)]
        emit({"results": results}, lambda d: [_show(r) for r in d["results"]])
        return
    if not stream:
        raise click.UsageError("--stream is required")
    result = invoke("ingest", stream=stream, text=text or "", role=role, author=author, time=time_,
                    turn_id=turn_id, end=end)
    emit(result, _show)


@click.command()
@click.argument("text", nargs=-1, required=True)
@json_option
def remember(text: tuple[str, ...]) -> None:
    """Remember one statement about you, e.g. memd remember "I moved to Berlin in May"."""
    result = invoke("remember", text=" ".join(text))
    emit(result, lambda d: [console.print(_describe(x)) for x in d["decisions"]])


@click.command()
@click.option("--stream", help="Only this stream.")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 10000), help="Show at most N decisions.")
@json_option
def decisions(stream: str | None, limit: int) -> None:
    """What the extraction loop decided for recent turns, and which buffers are waiting."""
    data = invoke("decisions", stream=stream, limit=limit)

    def human(d: dict[str, Any]) -> None:
        t = Table(show_header=True, header_style="bold", box=None)
        for col in ("id", "time", "stream", "turn", "decision"):
            t.add_column(col)
        for x in d["decisions"]:
            t.add_row(str(x["id"]), x["ts"][:19].replace("T", " "), escape(x["stream"]), escape(x["turn_id"] or ""),
                      _describe({"tool": x["tool"], "arguments": x["arguments"], "warnings": x["warnings"]}))
        print_table(t)
        for b in d["buffers"]:
            console.print(f"[yellow]buffer[/yellow] {escape(b['stream'])}: {plural(b['buffered'], 'turn')} waiting since "
                          f"{b['last_activity'][:19].replace('T', ' ')}")

    emit(data, human)
