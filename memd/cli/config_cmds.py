"""`memd config path|get|set`: where the config is, what it says, and changing one key safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, json_option, print_table, state


def config_file() -> Path:
    """The file this run reads: --config, else $MEMD_CONFIG, else the platform's config dir."""
    from memd.config import default_config_path

    st = state()
    return Path(st.config_path).expanduser().absolute() if st.config_path else default_config_path().absolute()


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


@click.group("config")
def config_group() -> None:
    """Show or change memd's config file.

    \b
    memd config path
    memd config get extract.backend
    memd config set import.tz Europe/Lisbon
    """


@config_group.command("path")
@click.option("--example", is_flag=True, help="The installed config.example.toml (every key, documented) instead.")
@json_option
def config_path(example: bool) -> None:
    """Print the config file's path (it may not exist yet: `memd init` writes it)."""
    from memd.config import EXAMPLE_CONFIG

    path = EXAMPLE_CONFIG if example else config_file()
    emit({"path": str(path), "exists": path.is_file()}, lambda d: click.echo(d["path"]))


@config_group.command("get")
@click.argument("key", required=False)
@json_option
def config_get(key: str | None) -> None:
    """Print KEY's value (e.g. extract.backend), defaults included; without KEY, every key."""
    from memd.config_edit import all_keys, get_key

    config = state().config()
    if key is not None:
        value = get_key(config, key)
        emit({"key": key, "value": value}, lambda d: click.echo(_show(d["value"])))
        return
    values = all_keys(config)

    def human(d: dict[str, Any]) -> None:
        t = Table(show_header=False, box=None, pad_edge=False)
        t.add_column(style="bold")
        t.add_column()
        for k, v in d["values"].items():
            t.add_row(k, escape(_show(v)))
        print_table(t)

    emit({"path": str(config.path), "values": values}, human)


@config_group.command("set")
@click.argument("key")
@click.argument("value")
@json_option
def config_set(key: str, value: str) -> None:
    """Set KEY to VALUE in the config file, keeping its comments. The value is checked first;
    an invalid one changes nothing. Lists: `a,b` or `["a", "b"]`."""
    from memd.config_edit import set_key

    path = config_file()
    new_value, _ = set_key(path, key, value)
    emit({"path": str(path), "key": key, "value": new_value},
         lambda d: console.print(f"[green]✓[/green] {escape(key)} = {escape(_show(d['value']))}  [dim]{escape(d['path'])}[/dim]"))
