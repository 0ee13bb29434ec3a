"""Commands for the background service: run, service install/uninstall/status/logs, doctor."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from memd.cli.common import console, emit, err_console, json_option, print_table, state
from memd.config import default_config_path
from memd.errors import DaemonError

STOP_WAIT_S = 15.0  # the daemon finishes the write in flight; SIGTERM exits well within this


def _config_path() -> Path:
    st = state()
    return Path(st.config_path).expanduser().resolve() if st.config_path else default_config_path().resolve()


@click.command()
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="Overrides daemon.log_level.")
@json_option
def run(log_level: str | None) -> None:
    """Run the daemon in the foreground (what the service runs): watch, index, serve the socket.
    With --json its log on stderr is one JSON object a line. `memd stop` stops it."""
    from memd.daemon.run import Daemon, configure_logging

    config = state().config()
    configure_logging(log_level or config.daemon.log_level)
    if state().json:
        for handler in logging.getLogger().handlers:
            handler.setFormatter(_JsonLogFormatter())
    code = Daemon(config).run()
    sys.exit(code)


@click.command()
@click.option("--timeout", "wait_s", default=STOP_WAIT_S, show_default=True, type=click.FloatRange(0.1, 600),
              help="Seconds to wait for the daemon to exit.")
@json_option
def stop(wait_s: float) -> None:
    """Stop this vault's daemon (a foreground `memd run` or the service); it finishes the write in
    progress first. Nothing running is not an error."""
    from memd.daemon import service as svc
    from memd.daemon.client import daemon_state
    from memd.daemon.paths import paths_for_config

    paths = paths_for_config(state().config())
    pid = daemon_state(paths).pid
    if pid is None:
        emit({"stopped": False, "was_running": False, "pid": None},
             lambda d: console.print("memd is not running for this vault"))
        return
    how = "signal"
    # Under systemd, stop the unit (a signal would leave it to be restarted or marked failed).
    if sys.platform.startswith("linux") and shutil.which("systemctl") and svc.status().active:
        subprocess.run(["systemctl", "--user", "stop", svc.SERVICE_UNIT], capture_output=True, timeout=60, check=False)
        how = "systemctl"
    elif pid > 0:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if daemon_state(paths, timeout=0.5).pid is None:
            break
        time.sleep(0.1)
    else:
        raise DaemonError(f"memd (pid {pid or '?'}) did not stop within {wait_s:g}s",
                          hint=f"it may be finishing a long write; try again, or kill {pid}" if pid else None)
    emit({"stopped": True, "was_running": True, "pid": pid or None, "via": how},
         lambda d: console.print(f"[green]✓[/green] stopped memd" + (f" (pid {pid})" if pid else "")))


class _JsonLogFormatter(logging.Formatter):
    """`memd run --json`: each log record as one JSON line, for log shippers and scripts."""

    def format(self, record: Any) -> str:
        import json
        from datetime import datetime, timezone

        out = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            import traceback

            out["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(out, ensure_ascii=False)


def _systemd_user_problem() -> str | None:
    """Why `systemctl --user` cannot work here (no user manager: a container, su/sudo, ssh
    without lingering), or None when it can."""
    if not sys.platform.startswith("linux"):
        return None
    if not shutil.which("systemctl"):
        return "systemctl is not installed (this system does not run systemd)"
    try:
        result = subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, text=True,
                                timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"systemctl --user does not answer ({exc})"
    if result.returncode != 0:
        said = (result.stderr or result.stdout or "").strip().splitlines()
        return "there is no systemd user session" + (f" ({said[-1]})" if said else "")
    return None


NO_SESSION_HINT = ("run `memd run` in a terminal or under your own supervisor (tmux, a container's init);"
                   " on a server, `loginctl enable-linger $USER` and log in again gives you a user session")


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
    problem = None if dry_run else _systemd_user_problem()
    if problem:  # before writing anything: a unit nobody can start helps no one
        raise DaemonError(f"cannot install the service: {problem}", hint=NO_SESSION_HINT)
    plan = svc.install(_config_path(), socket_path=socket_path, dry_run=dry_run)
    emit({"dry_run": dry_run, "plan": plan.describe()},
         lambda d: console.print(escape(d["plan"]) + ("" if dry_run else "\n[green]✓ installed and started[/green]")))


@service.command("uninstall")
@click.option("--dry-run", is_flag=True, help="Show the files and commands, change nothing.")
@json_option
def service_uninstall(dry_run: bool) -> None:
    """Stop the service and remove its files."""
    from memd.daemon import service as svc

    plan = svc.uninstall(dry_run=dry_run)
    installed = bool(plan.steps)  # an empty plan: nothing was installed, so nothing was removed

    def human(d: dict[str, Any]) -> None:
        console.print(escape(d["plan"]))
        if d["installed"] and not dry_run:
            console.print("[green]✓ removed[/green]")

    emit({"dry_run": dry_run, "installed": installed, "removed": installed and not dry_run, "plan": plan.describe()},
         human)


@service.command("status")
@json_option
def service_status() -> None:
    """Is the service installed and running?"""
    from memd.daemon import service as svc

    from memd.daemon.client import daemon_state
    from memd.daemon.paths import paths_for_config

    st = svc.status()
    # The service manager's view, and this vault's daemon itself (it may run outside the service).
    paths = paths_for_config(state().config())
    daemon = daemon_state(paths)
    data = {"installed": st.installed, "active": st.active, "files": [str(f) for f in st.files], "detail": st.detail,
            "daemon": {"running": daemon.running, "pid": daemon.pid or None, "reachable": daemon.reachable,
                       "socket": str(paths.socket)}}

    def human(d: dict[str, Any]) -> None:
        t = Table(show_header=False, box=None, pad_edge=False)
        t.add_column(style="bold")
        t.add_column()
        t.add_row("service", ("installed" if d["installed"] else "not installed")
                  + (f" ({escape(d['detail'])})" if d["installed"] else ""))
        for f in d["files"]:
            t.add_row("file", escape(f))
        dm = d["daemon"]
        t.add_row("daemon", "running" if dm["running"] else "not running")
        t.add_row("pid", str(dm["pid"]) if dm["pid"] else "—")
        t.add_row("socket", escape(dm["socket"]) + ("" if dm["reachable"] else " [dim](not listening)[/dim]"))
        print_table(t)

    emit(data, human)


@service.command("logs")
@click.option("-n", "--lines", default=200, show_default=True, help="How many of the latest lines to show.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@json_option
def service_logs(lines: int, follow: bool) -> None:
    """Show the service's log (journald, or ~/Library/Logs/memd)."""
    from memd.daemon import service as svc

    if not state().json:
        sys.exit(svc.logs(lines=lines, follow=follow))
    if follow:
        raise click.UsageError("--follow streams the log; it cannot be combined with --json")
    captured: list[str] = []
    code = svc.logs(lines=lines, runner=lambda argv: _capture(argv, captured))
    emit({"exit_status": code, "lines": captured}, lambda d: None)
    if code:
        sys.exit(code)


def _capture(argv: Any, into: list[str]) -> subprocess.CompletedProcess[str]:
    from memd.daemon import service as svc

    result = svc.run_captured(argv)
    into.extend((result.stdout or "").splitlines())
    return result


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
        print_table(t)

    emit(data, human)
    if data["status"] == "fail":
        err_console.print("memd: doctor found problems (see above)") if not state().json else None
        sys.exit(1)
