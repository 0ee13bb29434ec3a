"""Commands for the background service: run, service install/uninstall/status/logs, doctor."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, err_console, json_option, state
from memd.config import default_config_path


def _config_path() -> Path:
    st = state()
    return Path(st.config_path).expanduser().resolve() if st.config_path else default_config_path().resolve()


@click.command()
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="Overrides daemon.log_level.")
def run(log_level: str | None) -> None:
    """Run the daemon in the foreground (what the service runs): watch, index, serve the socket."""
    from memd.daemon.run import Daemon, configure_logging

    config = state().config()
    configure_logging(log_level or config.daemon.log_level)
    code = Daemon(config).run()
    sys.exit(code)


@click.group()
def service() -> None:
    """Install memd as a login service (systemd --user on Linux, launchd on macOS)."""


@service.command("install")
@click.option("--dry-run", is_flag=True, help="Show the files and commands, change nothing.")
@click.option("--socket-activation", is_flag=True, help="Also install memd.socket (systemd starts memd on first use).")
@json_option
def service_install(dry_run: bool, socket_activation: bool) -> None:
    """Write the unit (or agent plist) with absolute paths and start it."""
    from memd.daemon import service as svc
    from memd.daemon.paths import paths_for_config

    config = state().config()  # fail now on a bad config, not in the service
    socket_path = paths_for_config(config).socket if socket_activation else None
    plan = svc.install(_config_path(), socket_path=socket_path, dry_run=dry_run)
    emit({"dry_run": dry_run, "plan": plan.describe()},
         lambda d: console.print(escape(d["plan"]) + ("" if dry_run else "\n[green]✓ installed and started[/green]")))


@service.command("uninstall")
@click.option("--dry-run", is_flag=True)
@json_option
def service_uninstall(dry_run: bool) -> None:
    """Stop the service and remove its files."""
    from memd.daemon import service as svc

    plan = svc.uninstall(dry_run=dry_run)
    emit({"dry_run": dry_run, "plan": plan.describe()},
         lambda d: console.print(escape(d["plan"]) + ("" if dry_run else "\n[green]✓ removed[/green]")))


@service.command("status")
@json_option
def service_status() -> None:
    """Is the service installed and running?"""
    from memd.daemon import service as svc

    st = svc.status()
    data = {"installed": st.installed, "active": st.active, "files": [str(f) for f in st.files], "detail": st.detail}
    emit(data, lambda d: console.print(
        f"installed: {'yes' if d['installed'] else 'no'}  running: {'yes' if d['active'] else 'no'}  {escape(d['detail'])}"))


@service.command("logs")
@click.option("-n", "--lines", default=200, show_default=True)
@click.option("-f", "--follow", is_flag=True)
def service_logs(lines: int, follow: bool) -> None:
    """Show the service's log (journald, or ~/Library/Logs/memd)."""
    from memd.daemon import service as svc

    sys.exit(svc.logs(lines=lines, follow=follow))


@click.command()
@json_option
def doctor() -> None:
    """Check the config, the vault, the watcher's limits, the socket, the daemon and the backend."""
    from memd.config import load_config
    from memd.daemon import doctor as doc
    from memd.daemon.paths import paths_for_config
    from memd.errors import MemdError
    from memd.extract.backends import backend_probe

    cfg_path = _config_path()
    checks = [doc.check_config(cfg_path, load=load_config)]
    if checks[0].status != "fail":
        config = load_config(cfg_path)
        checks += doc.check_vault(config.vault)
        checks.append(doc.check_inotify(config.vault))
        checks.append(doc.check_writer(config.vault))
        checks.append(doc.check_state(config.state_dir))
        try:
            paths = paths_for_config(config)
            checks.append(doc.check_socket_dir(paths.socket))
            checks.append(doc.check_daemon(paths))
        except MemdError as exc:
            checks.append(doc.Check("socket", "fail", str(exc), exc.hint))
        try:
            probe = backend_probe(config)
        except MemdError as exc:
            checks.append(doc.Check("LLM backend", "fail", str(exc), exc.hint))
        else:
            checks.append(doc.check_llm(config.extract.backend, probe))
    data = {"status": doc.worst(checks), "checks": [c.__dict__ for c in checks]}

    def human(d: dict[str, Any]) -> None:
        t = Table(show_header=True, header_style="bold", box=None)
        for col in ("", "check", "detail", "fix"):
            t.add_column(col)
        for c in d["checks"]:
            mark = {"ok": "[green]✓[/green]", "warn": "[yellow]![/yellow]", "fail": "[red]✗[/red]"}[c["status"]]
            t.add_row(mark, c["name"], escape(c["detail"]), escape(c["fix"] or ""))
        console.print(t)

    emit(data, human)
    if data["status"] == "fail":
        err_console.print("memd: doctor found problems (see above)") if not state().json else None
        sys.exit(1)
