"""`memd import chatgpt|claude|chat PATH`: exports into transcript notes and memory, and
`memd import status`.

The import runs in this process (with a progress bar), also when a daemon is running: both go
through the same writer lock, ledger and import lock, so they never interleave. The socket
method `import.start` runs the same pipeline for scripts and the daemon.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Callable, Iterator

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from memd.cli.common import console, emit, err_console, invoke, json_option, print_table, state
from memd.importers import registry

# Every registered format but the two with their own command, spelled for a command line; a new
# parser in the registry shows up here by itself.
CHAT_FORMATS = ["auto"] + [f.name.replace("_", "-") for f in registry.formats() if f.kind != "assistant"]
SHOW_PROBLEMS = 20


@click.group("import", invoke_without_command=True)
@click.option("--resume", is_flag=True,
              help="Finish the last conversation import that did not end (killed, failed or cancelled),"
                   " with the same path and options.")
@json_option
@click.pass_context
def import_group(ctx: click.Context, resume: bool) -> None:
    """Import conversations (ChatGPT, Claude.ai, chat logs) into transcript notes and memory.

    \b
    memd import chatgpt ~/Downloads/chatgpt-export.zip
    memd import claude ~/Downloads/claude-export.zip --dry-run
    memd import chat "WhatsApp Chat with Anna.zip" --me "Ana Silva"
    memd import --resume
    """
    if ctx.invoked_subcommand is not None:
        if resume:
            raise click.UsageError("--resume goes alone: memd import --resume")
        return
    if not resume:
        click.echo(ctx.get_help())
        return
    _resume()


def _resume() -> None:
    """Re-run the last import that did not finish. Every import resumes by itself (the ledger
    knows what was written and decided, a model's answers are cached), so resuming is running
    the same request again; this finds it for you."""
    from memd.errors import MemdError
    from memd.importers.ledger import Ledger
    from memd.importers.pipeline import ImportRequest

    app = state().app()
    last = next((r for r in Ledger(app.state).runs(limit=50) if not r["dry_run"]), None)
    if last is None:
        raise MemdError("nothing to resume: no import has run on this vault")
    if last["status"] in ("done", "running"):
        raise MemdError(f"nothing to resume: the last import (#{last['id']}, {last['path']}) is {last['status']}")
    o = last["options"]
    since = o.get("since")
    request = ImportRequest(
        path=last["path"], format=last["format"] or "auto", all_branches=bool(o.get("all_branches")),
        me=list(o.get("me") or []), tz=o.get("tz"), date_order=o.get("date_order"),
        since=datetime.fromisoformat(since) if since else None, limit=o.get("limit"),
        extract=bool(o.get("extract", True)))
    if not state().json:
        err_console.print(f"resuming import #{last['id']} ({last['status']}): {escape(last['path'])}")
    _run(app, request)


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
    @click.option("--since", help="Only conversations active since DATE (2024-05-01, or a span like 30d).")
    @click.option("--limit", type=click.IntRange(min=1), help="Import at most N new or changed conversations.")
    @click.option("--no-extract", is_flag=True, help="Write transcripts only; extract facts on a later run.")
    @json_option
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


_PATH = click.Path(path_type=str)  # existence is checked by the importer, with its own message


@import_group.command("chatgpt")
@click.argument("path", type=_PATH)
@click.option("--all-branches", is_flag=True, help="Also keep edited prompts and regenerated answers.")
@_common
def import_chatgpt(path: str, all_branches: bool, **common: Any) -> None:
    """Import a ChatGPT data export (the zip, its folder, or conversations.json)."""
    _import(path, "chatgpt", all_branches=all_branches, **common)


@import_group.command("claude")
@click.argument("path", type=_PATH)
@click.option("--all-branches", is_flag=True, help="Also keep edited prompts and regenerated answers.")
@_common
def import_claude(path: str, all_branches: bool, **common: Any) -> None:
    """Import a Claude.ai data export (zip, folder or conversations.json): chats, memory, projects."""
    _import(path, "claude", all_branches=all_branches, **common)


@import_group.command("chat")
@click.argument("path", type=_PATH)
@click.option("--format", "fmt", type=click.Choice(CHAT_FORMATS), default="auto", show_default=True,
              help="The export's format.")
@click.option("--me", multiple=True, help="Your name in the chat (repeatable; default: config import.me).")
@click.option("--tz", help="Time zone of the log's clock times and of dates in the notes, e.g. Europe/Lisbon"
                           " (default UTC).")
@click.option("--date-order", type=click.Choice(["dmy", "mdy"]),
              help="WhatsApp dates like 03/04/24: day first (dmy) or month first (mdy); default: config"
                   " import.date_order, else read from the log.")
@_common
def import_chat(path: str, fmt: str, me: tuple[str, ...], tz: str | None, date_order: str | None,
                **common: Any) -> None:
    """Import a chat log: WhatsApp, Signal (signal-export), Messenger, Telegram, Discord, Slack, OpenAI
    JSONL, ShareGPT, LoCoMo."""
    _import(path, fmt, me=list(me), tz=tz, date_order=date_order, **common)


def _import(path: str, fmt: str, *, dry_run: bool, since: str | None, limit: int | None, no_extract: bool,
            all_branches: bool = False, me: list[str] | None = None, tz: str | None = None,
            date_order: str | None = None) -> None:
    from memd.api import parse_since
    from memd.importers.pipeline import ImportRequest, normalise_format

    since_iso = parse_since(since)
    request = ImportRequest(
        path=path, format=normalise_format(fmt), all_branches=all_branches, me=me or [], tz=tz,
        since=datetime.fromisoformat(since_iso.replace("Z", "+00:00")) if since_iso else None,
        limit=limit, extract=not no_extract, dry_run=dry_run)
    app = state().app()
    request.tz = request.tz or app.config.import_.tz or None
    request.date_order = date_order or app.config.import_.date_order or None
    from memd.importers.detect import check_requested
    from memd.importers.safezip import Limits

    # A Claude export given to `import chatgpt` (or any export to the wrong --format): name the
    # command that takes it, instead of the parser's "no usable conversations".
    check_requested(path, request.format, Limits.from_config(app.config.limits))
    _run(app, request)


def _run(app: Any, request: Any) -> None:
    from memd.importers.pipeline import run_import

    with _progress() as update:  # the backend is built once the export has been read (a bad one fails faster)
        report = run_import(app, request, progress=update)
    emit(report.to_json(), _show_dry_run if request.dry_run else _show_report)


@import_group.command("status")
@click.option("--id", "run_id", type=int, help="A given run (default: the latest).")
@json_option
def import_status(run_id: int | None) -> None:
    """Progress of the running import, or how the last one ended."""
    data = invoke("import.status", id=run_id)

    def human(d: dict[str, Any]) -> None:
        run = d["run"]
        if run is None:
            console.print("[dim]no import has run yet[/dim]")
            return
        console.print(f"[bold]#{run['id']}[/bold] {escape(run['format'] or '?')} {escape(run['path'])}"
                      + (" [dim](dry run)[/dim]" if run["dry_run"] else ""))
        line = f"  {run['status']}"
        if run["status"] == "running":
            total = f"/{run['total']}" if run["total"] is not None else ""
            line += f" · {run['phase']} {run['done']}{total}"
        line += f" · started {run['started'][:19].replace('T', ' ')}"
        if run["finished"]:
            line += f" · finished {run['finished'][:19].replace('T', ' ')}"
        console.print(line)
        shown = [f"{k.replace('_', ' ')} {v}" for k, v in run["counts"].items() if v and k not in ("new", "updated")]
        if shown:
            console.print("  " + " · ".join(shown))
        if run["error"]:
            console.print(f"  [red]{escape(run['error'])}[/red]")

    emit(data, human)


# -- progress ------------------------------------------------------------------------------------
@contextmanager
def _progress() -> Iterator[Callable[[Any], None]]:
    """Two phases on one bar: reading the export (a count, no total yet), then writing with
    counts and an ETA. On stderr, and only for a terminal without --json."""
    if state().json or not err_console.is_terminal:
        yield lambda event: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("eta"), TimeRemainingColumn(), TextColumn("[dim]{task.fields[counts]}"),
        console=err_console, transient=True,
    ) as progress:
        reading = progress.add_task("Reading export", total=None, counts="")
        writing: Any = None

        def update(event: Any) -> None:
            nonlocal writing
            c = event.counts
            if event.phase == "reading":
                progress.update(reading, completed=event.done, counts=f"{_n(event.done, 'conversation')} read")
                return
            if writing is None:
                progress.update(reading, visible=False)
                writing = progress.add_task("Importing", total=event.total, counts="")
            counts = (f"new {c['new']} · updated {c['updated']} · unchanged {c['unchanged']}"
                      f" · facts {c['facts_added']}")
            m = event.model
            if m:  # a model backend: its decisions per second and its own estimate of the time left
                eta = f", {m['eta_s'] / 60:.0f} min left" if m.get("eta_s") else ""
                counts += f" · {m['decisions_per_s']:.1f} decisions/s{eta}"
            progress.update(writing, completed=event.done, total=event.total, counts=counts)

        yield update


# -- output --------------------------------------------------------------------------------------
def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _when(iso: str | None) -> str:
    return iso[:10] if iso else "—"


def _show_formats(d: dict[str, Any]) -> None:
    """One row per source and kind: what the export holds and what the import does with it."""
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for col in ("format", "convs", "turns", "from", "to", "new", "changed", "same", "skipped"):
        t.add_column(col, justify="left" if col == "format" else "right", no_wrap=True,
                     min_width=10 if col in ("from", "to") else None)
    for g in d["survey"]["formats"]:
        plan = g["plan"]
        skipped = sum(v for k, v in plan.items() if k not in ("new", "changed", "resume", "extract", "unchanged"))
        label = g["source"] if g["kind"] == "chat" else f"{g['source']} {g['kind'][:3]}s"
        t.add_row(escape(label), str(g["conversations"]), str(g["turns"]), _when(g["first"]), _when(g["last"]),
                  str(plan.get("new", 0)), str(plan.get("changed", 0) + plan.get("resume", 0) + plan.get("extract", 0)),
                  str(plan.get("unchanged", 0)), str(skipped))
    print_table(t)


def _show_problems(d: dict[str, Any]) -> None:
    if d["failures"]:
        console.print(f"[red]failed[/red] ({len(d['failures'])}):")
        for f in d["failures"][:SHOW_PROBLEMS]:
            console.print(f"  {escape(f['where'])}: {escape(f['message'])}")
        if len(d["failures"]) > SHOW_PROBLEMS:
            console.print(f"  … and {len(d['failures']) - SHOW_PROBLEMS} more (--json lists them all)")
    if d["warnings"]:
        for w in d["warnings"][:SHOW_PROBLEMS]:
            err_console.print(f"[yellow]warning[/yellow] {escape(w['where'])}: {escape(w['message'])}")
        if len(d["warnings"]) > SHOW_PROBLEMS:
            err_console.print(f"[yellow]… and {_n(len(d['warnings']) - SHOW_PROBLEMS, 'more warning')}[/yellow]")


def _show_dry_run(d: dict[str, Any]) -> None:
    s = d["survey"]
    console.print(f"[bold]{escape(d['format'])}[/bold] {escape(d['path'])}: {_n(s['conversations'], 'conversation')}, "
                  f"{_n(s['turns'], 'turn')}, {_when(s['first'])} → {_when(s['last'])}")
    _show_formats(d)
    planned = d["planned"]
    if planned:
        console.print(f"[bold]would import[/bold] ({len(planned)}{'+' if len(planned) >= 1000 else ''}):")
        for n in planned[:SHOW_PROBLEMS]:
            what = {"changed": "update", "resume": "finish"}.get(n["state"], n["state"])
            console.print(f"  {what:<7} {escape(n['path'])}  [dim]{_n(n['turns'], 'turn')},"
                          f" {n['turns_to_extract']} to extract[/dim]")
        if len(planned) > SHOW_PROBLEMS:
            console.print(f"  … and {len(planned) - SHOW_PROBLEMS} more (--json lists them)")
    _show_problems(d)
    est = d.get("model_estimate")
    if est:
        from memd.extract.model_estimate import describe

        for line in describe(est) if not est.get("error") else [f"model: {est['turns_to_decide']} turns to decide;"
                                                                  f" {est['error']}"]:
            console.print(escape(line))
    console.print("[dim]dry run: nothing was written[/dim]")


def _show_report(d: dict[str, Any]) -> None:
    s = d["survey"]
    console.print(f"[bold]{escape(d['format'])}[/bold] {escape(d['path'])}: {_n(s['conversations'], 'conversation')}, "
                  f"{_n(s['turns'], 'turn')}, {_when(s['first'])} → {_when(s['last'])}")
    t = Table(show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column(justify="right")
    t.add_column(style="dim")
    skipped = ", ".join(f"{k} {v}" for k, v in d["skipped_reasons"].items())
    t.add_row("written", str(d["written"]), f"new {d['new']}, updated {d['updated']}")
    t.add_row("unchanged", str(d["unchanged"]), "")
    if d["kept"]:
        t.add_row("kept", str(d["kept"]), "edited by hand, left as they are")
    t.add_row("skipped", str(d["skipped"]), skipped)
    t.add_row("failed", str(d["failed"]), "")
    t.add_row("facts added", str(d["facts_added"]),
              f"from {_n(d['turns_extracted'], 'turn')}" if d["turns_extracted"] else "")
    t.add_row("review items", str(d["review_items"]), "memd review" if d["review_items"] else "")
    if d.get("failed_turns"):
        t.add_row("failed turns", str(d["failed_turns"]), "the model gave no usable answer (--json lists them)")
    m = d.get("model")
    if m:
        t.add_row("model", f"{m['requests']} requests",
                  f"{m['prompt_tokens']:,} prompt ({m['cached_tokens']:,} cached) + {m['completion_tokens']:,}"
                  f" completion tokens, {m['decisions_per_s']} decisions/s at {m['concurrency']} at once")
    t.add_row("time", f"{d['seconds']:.1f}s", "cancelled" if d["cancelled"] else "")
    print_table(t)
    _show_problems(d)


# `memd import mem-agent DIR` (its own module: a memory folder, not a conversation export).
from memd.cli.import_mem_agent_cmd import import_mem_agent  # noqa: E402

import_group.add_command(import_mem_agent)


# Notion (export zips and folders, and the API): a command of its own, in importers/notion/command.py.
from memd.importers.notion.command import import_notion  # noqa: E402

import_group.add_command(import_notion)
