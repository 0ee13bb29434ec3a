"""What every command shares: the --json flag, output, progress bars, and how a method is run
(in-process on the vault, or by the daemon over its socket when one is running)."""

from __future__ import annotations

import functools
import json
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from memd.config import Config, load_config

console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class CliState:
    config_path: str | None = None
    debug: bool = False
    json: bool = False
    _config: Config | None = None
    _app: Any = None
    _client: Any = field(default=None)
    _client_checked: bool = False

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def app(self) -> Any:
        if self._app is None:
            from memd.app import Memd

            self._app = Memd(self.config())
        return self._app

    def client(self) -> Any:
        """A connection to this vault's running daemon, or None (then methods run in-process)."""
        if not self._client_checked:
            self._client_checked = True
            try:
                from memd.daemon.client import connect_for_config
            except ImportError:
                return None
            self._client = connect_for_config(self.config())
        return self._client

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None
        if self._client is not None:
            close = getattr(self._client, "close", None)
            if close:
                close()
            self._client = None


def state() -> CliState:
    return click.get_current_context().find_root().obj


def invoke(method: str, /, *, local_only: bool = False, **params: Any) -> Any:
    """Run API `method`: through the daemon when it runs, else in this process."""
    st = state()
    params = {k: v for k, v in params.items() if v is not None}
    if not local_only:
        client = st.client()
        if client is not None:
            return client.call(method, **params)
    from memd import api

    return api.call(st.app(), method, params)


def json_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command `--json`: machine-readable output on stdout instead of tables."""

    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
    @functools.wraps(fn)
    def wrapper(*args: Any, as_json: bool, **kwargs: Any) -> Any:
        state().json = as_json
        return fn(*args, **kwargs)

    return wrapper


def plural(count: int, noun: str, many: str | None = None) -> str:
    """"1 operation", "2 operations" ("many" for irregular plurals)."""
    return f"{count} {noun}" if count == 1 else f"{count} {many or noun + 's'}"


def _plain(cell: Any) -> str:
    if isinstance(cell, Text):
        text = cell.plain
    elif isinstance(cell, str):
        text = Text.from_markup(cell).plain
    else:
        text = str(cell)
    # One record per line, one field per tab: a tab or newline inside a value would split it.
    return text.replace("\t", " ").replace("\r\n", " ").replace("\n", " ")


def table_lines(table: Table) -> list[str]:
    """The table as tab-separated lines (a header line first when it has one), markup removed."""
    columns = table.columns
    rows = [list(col.cells) for col in columns]
    out = []
    if table.show_header:
        out.append("\t".join(_plain(col.header) for col in columns))
    for i in range(table.row_count):
        out.append("\t".join(_plain(rows[c][i]) if i < len(rows[c]) else "" for c in range(len(columns))))
    return out


def print_table(table: Table) -> None:
    """A rich table on a terminal; plain tab-separated lines into a pipe or file, never cut or
    wrapped at 80 columns (the width rich assumes when it cannot ask a terminal)."""
    if console.is_terminal:
        console.print(table)
    else:
        for line in table_lines(table):
            click.echo(line)


def emit(data: Any, human: Callable[[Any], None]) -> None:
    if state().json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        human(data)


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar with counts and ETA on stderr; silent for --json or a non-terminal."""
    if state().json or not err_console.is_terminal:
        yield lambda done, total: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(), console=err_console, transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield update


def highlight_snippet(snippet: str) -> str:
    """Search snippets mark matches with « »; show them bold."""
    return escape(snippet).replace("«", "[bold yellow]").replace("»", "[/bold yellow]").replace("\n", " ")


def print_warnings(warnings: list[dict[str, str]], limit: int = 10) -> None:
    for w in warnings[:limit]:
        err_console.print(f"[yellow]warning[/yellow] {escape(w['path'])}: {escape(w['warning'])}")
    if len(warnings) > limit:
        err_console.print(f"[yellow]… and {plural(len(warnings) - limit, 'more warning')}[/yellow]")
