"""systemd socket activation (sd_listen_fds(3)): adopt the socket memd.socket opened for us."""

from __future__ import annotations

import os
import socket
from collections.abc import MutableMapping

SD_LISTEN_FDS_START = 3


def listen_sockets(env: MutableMapping[str, str] | None = None, *, unset: bool = True) -> list[socket.socket]:
    """The sockets systemd passed to this process, in unit order; empty when not socket-activated.

    With `unset`, LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES are removed so a child does not take the
    fds for its own.
    """
    env = os.environ if env is None else env
    pid, count = env.get("LISTEN_PID", ""), env.get("LISTEN_FDS", "")
    if unset:
        for key in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
            env.pop(key, None)
    # LISTEN_PID guards against a variable inherited from an activated parent.
    if not (pid.isdigit() and int(pid) == os.getpid() and count.isdigit()):
        return []
    sockets = []
    for fd in range(SD_LISTEN_FDS_START, SD_LISTEN_FDS_START + int(count)):
        os.set_inheritable(fd, False)
        sockets.append(socket.socket(fileno=fd))
    return sockets
