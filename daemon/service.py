"""Install memd as a per-user background service: systemd --user on Linux, launchd on macOS.

Every operation is first built as a Plan (files to write or remove, commands to run), so
`--dry-run` prints exactly what a real run would do. Commands go through an injectable runner.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from memd.errors import ConfigError, DaemonError
from memd.vault.atomic import atomic_write

from . import templates

LABEL = "dev.memd"
SERVICE_UNIT = "memd.service"
SOCKET_UNIT = "memd.socket"

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def run_captured(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """The default runner: the real command, found on PATH, output captured for error messages."""
    try:
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError:
        raise DaemonError(
            f"{argv[0]} not found",
            hint="memd service needs systemd --user (Linux) or launchd (macOS); otherwise run `memd run` under your own supervisor",
        ) from None


def run_passthrough(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """For logs: output goes straight to the terminal, and `--follow` streams until Ctrl-C."""
    try:
        return subprocess.run(list(argv), check=False)
    except FileNotFoundError:
        raise DaemonError(f"{argv[0]} not found") from None


def daemon_argv(executable: Path, config_path: Path) -> list[str]:
    """How the service starts the daemon: the contract with the CLI's `run` command."""
    return [os.fspath(executable), "run", "--config", os.fspath(config_path)]


# -- plans -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    path: Path
    content: str


@dataclass(frozen=True)
class Remove:
    path: Path


@dataclass(frozen=True)
class MakeDir:
    path: Path


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    check: bool = True  # a failure stops the plan and rolls its files back
    retries: int = 0  # launchd may still be tearing down the previous instance


Step = Write | Remove | MakeDir | Run


@dataclass
class Plan:
    system: str
    steps: list[Step] = field(default_factory=list)
    note: str = ""
    # Run after a failed step, once files are restored (e.g. make systemd forget a removed unit).
    on_failure: list[Run] = field(default_factory=list)

    def describe(self) -> str:
        lines = [self.note] if self.note else []
        for step in self.steps:
            if isinstance(step, Write):
                lines.append(f"write {step.path}")
                lines.extend("    " + line for line in step.content.splitlines())
            elif isinstance(step, Remove):
                lines.append(f"remove {step.path}")
            elif isinstance(step, MakeDir):
                lines.append(f"create folder {step.path}")
            else:
                suffix = "" if step.check else "   (a failure here is fine)"
                lines.append("run " + shlex.join(step.argv) + suffix)
        return "\n".join(lines)


def execute(plan: Plan, runner: Runner = run_captured) -> None:
    """Carry out a plan; on a failed checked command, put the files back as they were and raise."""
    backups: list[tuple[Path, bytes | None]] = []
    try:
        for step in plan.steps:
            if isinstance(step, MakeDir):
                step.path.mkdir(parents=True, exist_ok=True)
            elif isinstance(step, Write):
                backups.append((step.path, _read_bytes(step.path)))
                atomic_write(step.path, step.content.encode("utf-8"), mode=0o644)
            elif isinstance(step, Remove):
                backups.append((step.path, _read_bytes(step.path)))
                step.path.unlink(missing_ok=True)
            else:
                _run(step, runner)
    except DaemonError:
        for path, old in reversed(backups):
            if old is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write(path, old, mode=0o644)
        for step in plan.on_failure:
            try:
                runner(step.argv)
            except DaemonError:
                pass
        raise


def _run(step: Run, runner: Runner) -> None:
    for attempt in range(step.retries + 1):
        result = runner(step.argv)
        if result.returncode == 0 or not step.check:
            return
        if attempt < step.retries:
            time.sleep(1.0)
    output = (result.stderr or result.stdout or "").strip().splitlines()
    reason = output[-1] if output else f"exit status {result.returncode}"
    raise DaemonError(f"`{' '.join(step.argv)}` failed: {reason}")


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


# -- locations ---------------------------------------------------------------------------------


def _system(system: str | None) -> str:
    system = system or sys.platform
    if system.startswith("linux"):
        return "linux"
    if system == "darwin":
        return "darwin"
    raise DaemonError(f"memd service does not support {system}", hint="run `memd run` under your own supervisor")


def systemd_user_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "systemd" / "user"


def launch_agents_dir() -> Path:
    return Path.home() / "Library" / "LaunchAgents"


def launchd_log_dir() -> Path:
    return Path.home() / "Library" / "Logs" / "memd"


def _launchd_domain() -> str:
    return f"gui/{os.getuid()}"


def find_executable() -> Path:
    """The memd entry point beside the running interpreter (a venv, pipx), else the one on PATH."""
    beside = Path(sys.executable).parent / "memd"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside.absolute()
    found = shutil.which("memd")
    if found:
        return Path(found).absolute()
    raise DaemonError("cannot find the memd executable", hint="pass its path with --executable")


# -- rendering ---------------------------------------------------------------------------------


def _systemd_quote(arg: str) -> str:
    """One ExecStart= word: % and $ are systemd's own syntax even inside quotes."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if arg and not any(c.isspace() or c in "\"'\\;" for c in arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_systemd_service(argv: Sequence[str], *, watchdog_sec: int) -> str:
    exec_start = " ".join(_systemd_quote(arg) for arg in argv)
    return templates.render(
        templates.load("memd.service.in"),
        {"EXEC_START": exec_start, "WATCHDOG_SEC": str(watchdog_sec) if watchdog_sec else "0"},
    )


def render_systemd_socket(socket_path: Path) -> str:
    path = os.fspath(socket_path)
    if any(c.isspace() for c in path):
        raise DaemonError(f"the socket path {path} contains whitespace, which ListenStream= cannot take")
    return templates.render(templates.load("memd.socket.in"), {"SOCKET_PATH": path.replace("%", "%%")})


def render_launchd_plist(argv: Sequence[str], *, label: str = LABEL, log_dir: Path | None = None) -> str:
    arguments = "\n".join(f"\t\t<string>{xml_escape(arg)}</string>" for arg in argv)
    return templates.render(
        templates.load("dev.memd.plist.in"),
        {
            "LABEL": xml_escape(label),
            "PROGRAM_ARGUMENTS": arguments,
            "LOG_DIR": xml_escape(os.fspath(log_dir or launchd_log_dir())),
        },
    )


# -- operations --------------------------------------------------------------------------------


def plan_install(
    config_path: Path,
    *,
    executable: Path | None = None,
    socket_path: Path | None = None,
    watchdog_sec: int = 60,
    system: str | None = None,
) -> Plan:
    """What install() does. `socket_path` also installs memd.socket (socket activation, Linux)."""
    system = _system(system)
    config = Path(config_path).expanduser().absolute()
    if not config.is_file():
        raise ConfigError(f"config file {config} not found", hint="run `memd init` first")
    argv = daemon_argv(Path(executable).absolute() if executable else find_executable(), config)
    if system == "linux":
        unit_dir = systemd_user_dir()
        service_file, socket_file = unit_dir / SERVICE_UNIT, unit_dir / SOCKET_UNIT
        reinstall = service_file.exists()
        plan = Plan(system, note=f"install memd as a systemd user service ({service_file})")
        plan.steps.append(Write(service_file, render_systemd_service(argv, watchdog_sec=watchdog_sec)))
        units = [SERVICE_UNIT]
        if socket_path is not None:
            plan.steps.append(Write(socket_file, render_systemd_socket(socket_path)))
            units.insert(0, SOCKET_UNIT)
        elif socket_file.exists():
            plan.steps.append(Run(("systemctl", "--user", "disable", "--now", SOCKET_UNIT), check=False))
            plan.steps.append(Remove(socket_file))
        plan.steps.append(Run(("systemctl", "--user", "daemon-reload")))
        plan.steps.append(Run(("systemctl", "--user", "enable", "--now", *units)))
        if reinstall:
            # enable --now leaves a running service on its old definition.
            plan.steps.append(Run(("systemctl", "--user", "restart", SERVICE_UNIT)))
        plan.on_failure.append(Run(("systemctl", "--user", "daemon-reload")))
        return plan
    plist = launch_agents_dir() / f"{LABEL}.plist"
    target = f"{_launchd_domain()}/{LABEL}"
    plan = Plan(system, note=f"install memd as a launchd agent ({plist})")
    plan.steps.append(MakeDir(launchd_log_dir()))
    plan.steps.append(Write(plist, render_launchd_plist(argv)))
    # Unload a previous version first; bootstrap refuses a label that is already loaded.
    plan.steps.append(Run(("launchctl", "bootout", target), check=False))
    plan.steps.append(Run(("launchctl", "enable", target)))
    plan.steps.append(Run(("launchctl", "bootstrap", _launchd_domain(), os.fspath(plist)), retries=3))
    return plan


def install(
    config_path: Path,
    *,
    executable: Path | None = None,
    socket_path: Path | None = None,
    watchdog_sec: int = 60,
    system: str | None = None,
    dry_run: bool = False,
    runner: Runner = run_captured,
) -> Plan:
    """Write the service definition, register it and start it. Returns the plan carried out."""
    plan = plan_install(
        config_path, executable=executable, socket_path=socket_path, watchdog_sec=watchdog_sec, system=system
    )
    if not dry_run:
        execute(plan, runner)
    return plan


def plan_uninstall(*, system: str | None = None) -> Plan:
    system = _system(system)
    if system == "linux":
        unit_dir = systemd_user_dir()
        present = [unit_dir / name for name in (SOCKET_UNIT, SERVICE_UNIT) if (unit_dir / name).exists()]
        if not present:
            return Plan(system, note="memd is not installed as a systemd user service")
        plan = Plan(system, note="remove the memd systemd user service")
        plan.steps.append(Run(("systemctl", "--user", "disable", "--now", *(path.name for path in present))))
        plan.steps.extend(Remove(path) for path in present)
        plan.steps.append(Run(("systemctl", "--user", "daemon-reload")))
        return plan
    plist = launch_agents_dir() / f"{LABEL}.plist"
    if not plist.exists():
        return Plan(system, note="memd is not installed as a launchd agent")
    plan = Plan(system, note=f"remove the memd launchd agent (logs stay in {launchd_log_dir()})")
    # Not loaded (e.g. after a reboot with the agent disabled) is fine: the file still goes.
    plan.steps.append(Run(("launchctl", "bootout", f"{_launchd_domain()}/{LABEL}"), check=False))
    plan.steps.append(Remove(plist))
    return plan


def uninstall(*, dry_run: bool = False, runner: Runner = run_captured, system: str | None = None) -> Plan:
    plan = plan_uninstall(system=system)
    if not dry_run:
        execute(plan, runner)
    return plan


@dataclass(frozen=True)
class ServiceStatus:
    installed: bool
    active: bool
    files: tuple[Path, ...]
    detail: str  # what systemctl / launchctl said, one line


def status(*, runner: Runner = run_captured, system: str | None = None) -> ServiceStatus:
    system = _system(system)
    if system == "linux":
        unit_dir = systemd_user_dir()
        files = tuple(unit_dir / name for name in (SERVICE_UNIT, SOCKET_UNIT) if (unit_dir / name).exists())
        if not files:
            return ServiceStatus(False, False, (), "not installed")
        result = runner(("systemctl", "--user", "is-active", SERVICE_UNIT))
        state = (result.stdout or result.stderr or "").strip().splitlines()
        detail = state[0] if state else f"exit status {result.returncode}"
        return ServiceStatus(True, result.returncode == 0 and detail == "active", files, detail)
    plist = launch_agents_dir() / f"{LABEL}.plist"
    if not plist.exists():
        return ServiceStatus(False, False, (), "not installed")
    result = runner(("launchctl", "print", f"{_launchd_domain()}/{LABEL}"))
    if result.returncode != 0:
        return ServiceStatus(True, False, (plist,), "not loaded")
    state = next(
        (line.split("=", 1)[1].strip() for line in result.stdout.splitlines() if line.strip().startswith("state =")),
        "loaded",
    )
    return ServiceStatus(True, state == "running", (plist,), state)


def logs(*, lines: int = 200, follow: bool = False, runner: Runner = run_passthrough, system: str | None = None) -> int:
    """Show the service's log (journald on Linux, ~/Library/Logs/memd on macOS); the exit status."""
    system = _system(system)
    if system == "linux":
        argv = ["journalctl", "--user", "-u", SERVICE_UNIT, "-n", str(lines), "--no-pager"]
        if follow:
            argv.append("-f")
        return runner(argv).returncode
    files = sorted(launchd_log_dir().glob("*.log"))
    if not files:
        raise DaemonError(f"no logs in {launchd_log_dir()} yet", hint="is the service installed and started?")
    argv = ["tail", "-n", str(lines)]
    if follow:
        argv.append("-F")
    return runner([*argv, *map(os.fspath, files)]).returncode
