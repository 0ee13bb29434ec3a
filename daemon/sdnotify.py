"""sd_notify(3) without libsystemd: tell systemd (Type=notify) that memd is ready, alive, stopping."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger("memd.daemon.sdnotify")


class Notifier:
    """Sends state lines to $NOTIFY_SOCKET. Every method is a no-op outside systemd.

    The environment is read once, at construction, so the daemon can scrub NOTIFY_SOCKET from
    os.environ afterwards and children it spawns do not talk to systemd in its name.
    """

    def __init__(self, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        self._address = _address(env.get("NOTIFY_SOCKET", ""))
        self._watchdog_usec = _int(env.get("WATCHDOG_USEC"))
        self._watchdog_pid = _int(env.get("WATCHDOG_PID"))

    @property
    def enabled(self) -> bool:
        return self._address is not None

    def notify(self, *lines: str) -> bool:
        """Send `KEY=value` lines in one datagram; True if systemd got them."""
        if self._address is None:
            return False
        message = "\n".join(lines).encode("utf-8")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self._address)
        except OSError as exc:
            # Losing a notification must never take the daemon down; systemd's timeouts cover it.
            log.warning("sd_notify failed: %s", exc)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        lines = ["READY=1"]
        if status:
            lines.append(f"STATUS={_one_line(status)}")
        return self.notify(*lines)

    def stopping(self, status: str | None = None) -> bool:
        lines = ["STOPPING=1"]
        if status:
            lines.append(f"STATUS={_one_line(status)}")
        return self.notify(*lines)

    def status(self, text: str) -> bool:
        return self.notify(f"STATUS={_one_line(text)}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def watchdog_interval(self) -> float | None:
        """How often to send WATCHDOG=1 (half of WatchdogSec=), or None when no watchdog is set."""
        if not self._watchdog_usec:
            return None
        if self._watchdog_pid is not None and self._watchdog_pid != os.getpid():
            return None  # the setting is meant for another process (we were forked or exec'd)
        return self._watchdog_usec / 1_000_000 / 2


def _address(value: str) -> str | bytes | None:
    if value.startswith("@"):
        # Abstract namespace: a leading NUL byte instead of '@', no file on disk.
        return b"\0" + value[1:].encode()
    if value.startswith("/"):
        return value
    if value:
        log.warning("unsupported NOTIFY_SOCKET %r (only unix sockets are)", value)
    return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _one_line(text: str) -> str:
    return " ".join(text.split())
