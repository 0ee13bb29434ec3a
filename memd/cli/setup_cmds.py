"""Commands that set a vault up and look after it: init, status, reindex."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, invoke, json_option, plural, print_table, print_warnings, progress_bar, state


@click.command()
@click.argument("vault", type=click.Path(path_type=Path))
@click.option("--create", is_flag=True, help="Create the vault folder if it does not exist.")
@click.option("--force", is_flag=True, help="Repoint an existing config at this vault.")
@click.option("--state-dir", type=click.Path(path_type=Path), help="Where memd keeps its databases.")
@json_option
def init(vault: Path, create: bool, force: bool, state_dir: Path | None) -> None:
    """Set memd up for the Obsidian vault at VAULT."""
    from memd.app import Memd
    from memd.vault_setup import init_vault

    st = state()
    result = init_vault(vault, config_path=Path(st.config_path) if st.config_path else None,
                        state_dir=state_dir, create=create, force=force)
    with Memd(result.config) as app, progress_bar("Indexing") as progress:
        report = app.index.scan(progress=progress)
    data = {
        "vault": str(result.config.vault),
        "config": str(result.config_path),
        "config_written": result.config_written,
        "state_dir": str(result.config.state_dir),
        "user_file": str(result.config.user_file),
        "user_file_created": result.user_file_created,
        "index": report.to_json(),
    }

    def human(d: dict[str, Any]) -> None:
        console.print(f"[green]✓[/green] vault   {escape(d['vault'])}")
        console.print(f"[green]✓[/green] config  {escape(d['config'])}" + ("" if d["config_written"] else " (kept)"))
        console.print(f"[green]✓[/green] memory  {escape(d['user_file'])}" + (" (created)" if d["user_file_created"] else ""))
        console.print(f"[green]✓[/green] indexed {plural(d['index']['scanned'], 'file')} in {d['index']['seconds']:.2f}s")
        print_warnings(d["index"]["warnings"])

    emit(data, human)


@click.command()
@json_option
def status() -> None:
    """Show the vault, the index, the review queue and the daemon (pid, socket)."""
    data = invoke("status")
    # In process there is no daemon block; give one anyway, so scripts can always read the
    # socket path (README: `memd status --json | ... ["daemon"]["socket"]`).
    if not isinstance(data.get("daemon"), dict):
        from memd.daemon.client import daemon_state
        from memd.daemon.paths import paths_for_config

        paths = paths_for_config(state().config())
        dstate = daemon_state(paths)
        data["daemon"] = {"running": dstate.running, "pid": dstate.pid or None, "socket": str(paths.socket)}
    else:
        data["daemon"].setdefault("running", True)

    def human(d: dict[str, Any]) -> None:
        t = Table(show_header=False, box=None, pad_edge=False)
        t.add_column(style="bold")
        t.add_column()
        idx = d["index"]
        t.add_row("vault", escape(d["vault"]))
        t.add_row("config", escape(str(d.get("config"))))
        t.add_row("state", escape(d["state_dir"]))
        dm = d["daemon"]
        t.add_row("daemon", f"running (pid {dm['pid']})" if dm.get("running") and dm.get("pid") else
                  "running" if dm.get("running") else "not running")
        t.add_row("socket", escape(dm["socket"]))
        t.add_row("backend", d["backend"])
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(idx["by_kind"].items()))
        t.add_row("notes", f"{idx['notes']} ({kinds})" if kinds else "0")
        t.add_row("chunks", str(idx["chunks"]))
        t.add_row("links", f"{idx['links']} ({idx['unresolved_links']} unresolved)")
        t.add_row("facts", str(idx["facts"]))
        t.add_row("journal", plural(d["journal"], "operation"))
        t.add_row("review", f"{d['review'].get('pending', 0)} pending")
        t.add_row("warnings", str(idx["warnings"]))
        t.add_row("index size", f"{idx['db_bytes'] / 1048576:.1f} MB")
        print_table(t)

    emit(data, human)


@click.command()
@json_option
def reindex() -> None:
    """Rebuild the search index from the vault (the journal and review queue are kept)."""
    st = state()
    if st.client() is not None:
        data = invoke("reindex")
    else:
        with progress_bar("Indexing") as progress:
            data = st.app().reindex(progress=progress).to_json()

    def human(d: dict[str, Any]) -> None:
        console.print(f"[green]✓[/green] indexed {plural(d['scanned'], 'file')} ({d['added']} notes and attachments)"
                      f" in {d['seconds']:.2f}s")
        print_warnings(d["warnings"])

    emit(data, human)
