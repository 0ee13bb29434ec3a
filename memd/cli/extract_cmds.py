"""Commands that feed memory: ingest (chat turns), remember (one statement), decisions."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any, Iterator

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, invoke, json_option, plural, print_table, state
from memd.errors import InputFormatError, MemdError

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


MAX_TOTAL = 256 << 20  # all of stdin, held until every line is checked: bounded memory
MAX_TEXT = 200_000  # characters in one turn (the ingest method's own limit)
ROLES = ("user", "assistant", "system", "other")


def _check_turn(n: int, obj: Any, default_stream: str | None, default_role: str) -> dict[str, Any]:
    """One JSON line as ingest's parameters, or InputFormatError naming the line and the field.
    The same checks the ingest method makes, so a batch that passes here is not refused later."""
    where = f"stdin line {n}"
    if not isinstance(obj, dict):
        raise InputFormatError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text", "")
    if not isinstance(text, str):
        raise InputFormatError(f"{where}: \"text\" must be a string")
    if len(text) > MAX_TEXT:
        raise InputFormatError(f"{where}: \"text\" is longer than {MAX_TEXT:,} characters; split it into turns")
    stream = obj.get("stream", default_stream)
    if not isinstance(stream, str) or not stream.strip():
        raise InputFormatError(f"{where}: no \"stream\" (give it in the line or with --stream)")
    role = obj.get("role", default_role)
    if role not in ROLES:
        raise InputFormatError(f"{where}: \"role\" must be one of {', '.join(ROLES)}, got {role!r}")
    for key in ("author", "time"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            raise InputFormatError(f"{where}: \"{key}\" must be a string")
    if obj.get("time"):
        try:
            datetime.fromisoformat(obj["time"].replace("Z", "+00:00"))
        except ValueError:
            raise InputFormatError(f"{where}: \"time\" must be ISO 8601, got {obj['time']!r}") from None
    turn_id = obj.get("id", obj.get("turn_id"))
    if turn_id is not None and (isinstance(turn_id, bool) or not isinstance(turn_id, (str, int))):
        raise InputFormatError(f"{where}: \"id\" must be a string or a number")
    end = obj.get("end", False)
    if not isinstance(end, bool):
        raise InputFormatError(f"{where}: \"end\" must be true or false")
    return {"stream": stream, "text": text, "role": role, "author": obj.get("author"), "time": obj.get("time"),
            "turn_id": str(turn_id) if turn_id is not None else None, "end": end}


def _stdin_turns(default_stream: str | None, default_role: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, turn) for each JSON line on stdin, checked as it comes."""
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
        yield n, _check_turn(n, obj, default_stream, default_role)


def _all_turns(default_stream: str | None, default_role: str) -> list[tuple[int, dict[str, Any]]]:
    """Every line, checked, before any is applied: one bad line refuses the whole input."""
    turns, total = [], 0
    for n, turn in _stdin_turns(default_stream, default_role):
        total += len(turn["text"]) + 200
        if total > MAX_TOTAL:
            raise InputFormatError(f"stdin: more than {MAX_TOTAL >> 20} MiB of turns; split the input,"
                                   " or use --each to apply lines as they come")
        turns.append((n, turn))
    return turns


def _apply(n: int, turn: dict[str, Any], done: int) -> dict[str, Any]:
    try:
        result = invoke("ingest", **turn)
    except MemdError as exc:
        applied = f"lines before it were applied ({done}; `memd decisions` shows them)" if done else "nothing was applied"
        raise type(exc)(f"stdin line {n}: {exc.message}; {applied}", hint=exc.hint) from None
    given = turn["turn_id"] or (result.get("decision") or {}).get("turn_id")
    return {"line": n, "stream": turn["stream"], "turn_id": given, **result}


@click.command()
@click.option("--stream", help="The conversation this turn belongs to.")
@click.option("--role", type=click.Choice(["user", "assistant", "system", "other"]), default="user", show_default=True,
              help="Who speaks: facts are taken from the user's turns.")
@click.option("--author", help="Who said it (multi-party chats).")
@click.option("--text", help="The turn's text. Without it, JSON lines are read from stdin.")
@click.option("--time", "time_", help="When it was said (ISO 8601).")
@click.option("--id", "turn_id", help="A stable id for the turn.")
@click.option("--end", is_flag=True, help="The stream ends: re-evaluate its buffer now.")
@click.option("--each", is_flag=True, help="JSON lines: apply each line as it arrives (a live pipe) instead of"
                                           " checking them all first and applying none if one is bad.")
@json_option
def ingest(stream: str | None, role: str, author: str | None, text: str | None, time_: str | None,
           turn_id: str | None, end: bool, each: bool) -> None:
    """Send chat turns through the extraction loop (add, buffer, ignore).

    \b
    memd ingest --stream chat-42 --text "I moved to Berlin in May"
    echo '{"stream": "chat-42", "role": "user", "text": "..."}' | memd ingest

    JSON lines on stdin are all checked before any is applied: one bad line and nothing is
    ingested (--each applies each line as it arrives, for a pipe that stays open).
    """
    if text is None and not end:
        if sys.stdin.isatty():
            raise click.UsageError("give --text, --end, or JSON lines on stdin")
        if each:  # a bridge that keeps the pipe open: nothing to wait for, so no all-or-nothing
            done = 0
            for n, turn in _stdin_turns(stream, role):
                result = _apply(n, turn, done)
                done += 1
                if state().json:  # one JSON object a line, as each is applied
                    click.echo(json.dumps(result, ensure_ascii=False, default=str))
                else:
                    _show(result)
            return
        turns = _all_turns(stream, role)
        results = []
        for n, turn in turns:
            results.append(_apply(n, turn, len(results)))
        emit({"lines": len(turns), "applied": len(results), "results": results},
             lambda d: [_show(r) for r in d["results"]])
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
