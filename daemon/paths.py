"""Where the daemon's socket and lock file live for a vault, and how their folders are made safe."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from memd.config import Config

import hashlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from memd.errors import DaemonError

# sun_path holds 108 bytes on Linux and 104 on macOS; staying under 100 leaves room for both.
MAX_SOCKET_PATH_BYTES = 100


@dataclass(frozen=True)
class DaemonPaths:
    socket: Path
    lock: Path


def vault_key(vault: Path) -> str:
    """A short, stable name for a vault: the same folder reached by another spelling maps alike."""
    real = os.path.realpath(os.path.expanduser(os.fspath(vault)))
    return hashlib.sha256(os.fsencode(real)).hexdigest()[:12]


def _slug(vault: Path) -> str:
    name = os.path.basename(os.path.realpath(os.path.expanduser(os.fspath(vault)))).lower()
    return re.sub(r"[^a-z0-9_-]+", "-", name).strip("-")[:20]


def default_runtime_dir(
    *, state_dir: Path, system: str = sys.platform, env: Mapping[str, str] = os.environ
) -> Path:
    """The folder the socket goes in, before any length fallback."""
    if system == "darwin":
        return Path(platformdirs.user_data_dir("memd", appauthor=False)) / "run"
    runtime = env.get("XDG_RUNTIME_DIR", "")
    # Only an absolute, existing XDG_RUNTIME_DIR is trusted; a relative or dangling one (sudo, cron)
    # would put the socket somewhere the CLI of the same user does not look.
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime):
        return Path(runtime) / "memd"
    return Path(state_dir) / "run"


def _tmp_runtime_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"memd-{os.geteuid()}"


def daemon_paths(
    vault: Path,
    *,
    state_dir: Path,
    runtime_dir: Path | None = None,
    system: str = sys.platform,
    env: Mapping[str, str] = os.environ,
) -> DaemonPaths:
    """Socket and lock paths for one vault: one daemon per vault, several vaults side by side.

    The lock lives in the state dir, which does not depend on the environment, so two starts with
    different XDG_RUNTIME_DIR values still exclude each other.
    """
    key = vault_key(vault)
    slug = _slug(vault)
    names = [f"{slug}-{key}.sock", f"{key}.sock"] if slug else [f"{key}.sock"]
    first = Path(runtime_dir) if runtime_dir else default_runtime_dir(state_dir=state_dir, system=system, env=env)
    socket_path = None
    for folder in (first, _tmp_runtime_dir()):
        for name in names:
            candidate = folder / name
            if len(os.fsencode(candidate)) < MAX_SOCKET_PATH_BYTES:
                socket_path = candidate
                break
        if socket_path:
            break
    if socket_path is None:
        raise DaemonError(
            f"no socket path under {MAX_SOCKET_PATH_BYTES} bytes is possible in {first} or {_tmp_runtime_dir()}",
            hint="set a shorter runtime dir in the config",
        )
    lock_name = f"{slug}-{key}.lock" if slug else f"{key}.lock"
    return DaemonPaths(socket=socket_path, lock=Path(state_dir) / "locks" / lock_name)


def ensure_private_dir(path: Path) -> Path:
    """Create `path` as a 0700 folder of ours, or refuse one that others could write or swap.

    The socket's safety rests on this folder: nobody else can reach a socket inside it, which also
    covers the moment between bind() and chmod() of the socket file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise DaemonError(f"{path} must be a folder, not a link or a file")
    if info.st_uid != os.geteuid():
        raise DaemonError(f"{path} belongs to uid {info.st_uid}, not to you (uid {os.geteuid()})")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def paths_for_config(config: "Config") -> DaemonPaths:
    """The daemon's paths for a loaded config; `daemon.socket_path` overrides the socket."""
    paths = daemon_paths(config.vault, state_dir=config.state_dir)
    if config.daemon.socket_path:
        sock = Path(config.daemon.socket_path).expanduser()
        if len(os.fsencode(sock)) >= MAX_SOCKET_PATH_BYTES:
            raise DaemonError(f"daemon.socket_path is {len(os.fsencode(sock))} bytes; unix sockets need < "
                              f"{MAX_SOCKET_PATH_BYTES}")
        paths = DaemonPaths(socket=sock, lock=paths.lock)
    return paths
