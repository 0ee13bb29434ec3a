"""`memd doctor`: checks that each say what is wrong and how to fix it.

Each check takes what it inspects as arguments (paths, a probe function), so the CLI composes
them with the real config and tests run them on temp folders.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from memd.errors import MemdError

from .client import daemon_state
from .paths import DaemonPaths

Status = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str | None = None


def worst(checks: list[Check]) -> Status:
    order: dict[Status, int] = {"ok": 0, "warn": 1, "fail": 2}
    return max((check.status for check in checks), key=order.__getitem__, default="ok")


def check_config(config_path: Path, *, load: Callable[[Path], object] | None = None) -> Check:
    """Readable and valid TOML; with `load` (the core's loader), valid as a memd config too."""
    name = "config"
    path = Path(config_path).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Check(name, "fail", f"{path} does not exist", "create it with `memd init VAULT`")
    except PermissionError:
        return Check(name, "fail", f"{path} is not readable by you", f"chmod u+r {path}")
    except UnicodeDecodeError:
        return Check(name, "fail", f"{path} is not UTF-8 text", "save it as UTF-8")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Check(name, "fail", f"{path} is not valid TOML: {exc}", "fix the line named above")
    if load is not None:
        try:
            load(path)
        except MemdError as exc:
            return Check(name, "fail", f"{path}: {exc}", exc.hint)
    return Check(name, "ok", f"{path} is readable")


# Folders macOS privacy protection (TCC) guards: a launchd agent gets no access to them unless
# the user grants it, even though the same command works from Terminal.
_PROTECTED_MAC_FOLDERS = {
    "Documents": "Documents",
    "Desktop": "Desktop",
    "Downloads": "Downloads",
    "Library/Mobile Documents": "iCloud Drive",
}


def check_vault(vault: Path, *, system: str = sys.platform, home: Path | None = None) -> list[Check]:
    """The vault exists and is readable and writable; on macOS, whether it sits in a protected folder."""
    vault = Path(vault).expanduser()
    checks = []
    if not vault.exists():
        return [Check("vault", "fail", f"{vault} does not exist", "fix `vault` in the config, or mount the disk it is on")]
    if not vault.is_dir():
        return [Check("vault", "fail", f"{vault} is not a folder", "point `vault` in the config at the vault folder")]
    try:
        with os.scandir(vault) as entries:
            next(entries, None)
    except PermissionError as exc:
        fix = f"chmod u+rx {vault}"
        if system == "darwin":
            fix = "grant Full Disk Access (see the vault-location check), or move the vault"
        return [Check("vault", "fail", f"cannot read {vault}: {exc.strerror}", fix)]
    if not os.access(vault, os.W_OK | os.X_OK):
        checks.append(Check("vault", "warn", f"{vault} is readable but not writable: memd can search, not remember", f"chmod u+w {vault}"))
    else:
        checks.append(Check("vault", "ok", f"{vault} is readable and writable"))
    if system == "darwin":
        checks.append(_mac_location_check(vault, home or Path.home()))
    return checks


def _mac_location_check(vault: Path, home: Path) -> Check:
    resolved = Path(os.path.realpath(vault))
    home = Path(os.path.realpath(home))
    for relative, label in _PROTECTED_MAC_FOLDERS.items():
        protected = home / relative
        if resolved == protected or protected in resolved.parents:
            interpreter = os.path.realpath(sys.executable)
            return Check(
                "vault location",
                "warn",
                f"the vault is in {label} ({protected}), which macOS shields from background services: "
                "the memd launchd agent will be denied access (or macOS asks once) even though memd works from Terminal",
                "System Settings > Privacy & Security > Full Disk Access: add "
                f"{interpreter} (press Cmd-Shift-G to type the path), then `memd service install` again; "
                "or move the vault out of that folder",
            )
    return Check("vault location", "ok", "the vault is outside the folders macOS shields from background services")


def check_inotify(
    vault: Path, *, system: str = sys.platform, limits_dir: Path = Path("/proc/sys/fs/inotify")
) -> Check:
    """Enough inotify watches for one per vault folder (watchdog watches every folder, dot ones too)."""
    name = "file watching"
    if not system.startswith("linux"):
        return Check(name, "ok", "the native watcher here needs no per-folder watches")
    try:
        max_watches = int((Path(limits_dir) / "max_user_watches").read_text().strip())
    except (OSError, ValueError):
        return Check(name, "warn", "cannot read the inotify limit; memd polls if it runs out", None)
    folders = 1 + sum(len(dirnames) for _, dirnames, _ in os.walk(vault))
    fix = (
        "echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/90-memd.conf && sudo sysctl --system"
    )
    if folders >= max_watches:
        return Check(
            name,
            "fail",
            f"the vault has {folders} folders but only {max_watches} inotify watches are allowed: "
            "memd falls back to polling, which is slower and uses more CPU",
            fix,
        )
    if folders > max_watches // 2:
        return Check(
            name,
            "warn",
            f"the vault's {folders} folders use over half of the {max_watches} inotify watches your user shares "
            "with editors and sync tools",
            fix,
        )
    return Check(name, "ok", f"{folders} folders, {max_watches} inotify watches allowed")


def check_writer(vault: Path) -> Check:
    """How memd replaces a note, tried in the vault: an atomic swap verified afterwards (no
    window for a hand save to be lost), or the fallback check right before `os.replace`."""
    from memd.vault import swap

    name = "vault writer"
    vault = Path(vault).expanduser()
    if not vault.is_dir():
        return Check(name, "warn", f"{vault} is not a folder; cannot try the atomic swap there")
    mode, detail = swap.mode_in(vault)
    if mode == "exchange":
        return Check(name, "ok", detail)
    fix = ("unset MEMD_SWAP" if swap.FORCE_REPLACE
           else "keep the vault on a local file system (ext4, btrfs, xfs, APFS) for the atomic swap")
    return Check(
        name, "warn",
        f"stat-and-hash check right before os.replace ({detail}): a save landing in those "
        "microseconds could still be overwritten",
        fix,
    )


def check_state(state_dir: Path) -> Check:
    """The state folder 0700 and its databases (and -wal/-shm files) 0600: they hold whole
    transcripts. memd repairs the modes whenever it opens the vault; this says when it could not."""
    from memd.private_state import state_problems

    name = "private state"
    folder = Path(state_dir)
    if not folder.exists():
        return Check(name, "ok", f"{folder} will be created (0700) when memd first opens the vault")
    problems = state_problems(folder)
    if problems:
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        return Check(name, "fail", "readable by others: " + "; ".join(problems[:3]) + more,
                     f"chmod 700 {folder} && chmod 600 {folder}/*.db* (any memd command also repairs it)")
    return Check(name, "ok", f"{folder} is private (0700, databases 0600)")


def check_socket_dir(socket_path: Path) -> Check:
    name = "socket folder"
    folder = Path(socket_path).parent
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return Check(name, "ok", f"{folder} will be created (0700) when the daemon starts")
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        return Check(name, "fail", f"{folder} is not a folder", f"remove {folder}")
    if info.st_uid != os.geteuid():
        return Check(name, "fail", f"{folder} belongs to uid {info.st_uid}, not to you", f"remove {folder} (as its owner)")
    mode = stat.S_IMODE(info.st_mode)
    if mode != 0o700:
        return Check(name, "warn", f"{folder} has mode {mode:04o}; others may reach the socket", f"chmod 700 {folder}")
    try:
        sock_info = os.lstat(socket_path)
    except FileNotFoundError:
        return Check(name, "ok", f"{folder} is private (0700)")
    if not stat.S_ISSOCK(sock_info.st_mode):
        return Check(name, "fail", f"{socket_path} is not a socket; the daemon cannot start", f"move {socket_path} away")
    sock_mode = stat.S_IMODE(sock_info.st_mode)
    if sock_mode != 0o600:
        return Check(name, "warn", f"{socket_path} has mode {sock_mode:04o}", "restart the daemon; it sets 0600")
    return Check(name, "ok", f"{folder} is private (0700), socket 0600")


def check_daemon(paths: DaemonPaths) -> Check:
    name = "daemon"
    state = daemon_state(paths)
    if not state.running:
        return Check(
            name, "warn", "not running: commands work in process, without live re-indexing",
            "`memd service install` to run it in the background, or `memd run`",
        )
    who = f"pid {state.pid}" if state.pid else "a daemon"
    if state.reachable:
        return Check(name, "ok", f"{who} answers on {paths.socket}")
    return Check(
        name, "fail", f"{who} holds the vault lock but does not answer on {paths.socket}",
        "see `memd service logs`; restart it with `memd service install` or kill the pid",
    )


def check_llm(backend: str, probe: Callable[[], str] | None) -> Check:
    """`probe` contacts the configured backend and returns a one-line description, or raises."""
    name = "LLM backend"
    if probe is None:
        return Check(name, "ok", f"{backend}: needs no model server")
    try:
        detail = probe()
    except MemdError as exc:
        return Check(name, "fail", f"{backend}: {exc.message}", exc.hint)
    except Exception as exc:
        return Check(name, "fail", f"{backend} unreachable: {exc}", "start the model server, or set the backend to `rules`")
    return Check(name, "ok", f"{backend}: {detail}")
