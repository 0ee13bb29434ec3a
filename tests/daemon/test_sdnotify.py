"""sd_notify messages received on a real datagram socket, as systemd would receive them."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from memd.daemon.sdnotify import Notifier


@pytest.fixture
def receiver(short_dir):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = short_dir / "notify.sock"
    sock.bind(os.fspath(path))
    sock.settimeout(10)
    yield str(path), sock
    sock.close()


def test_ready_status_watchdog_stopping(receiver):
    path, sock = receiver
    notifier = Notifier({"NOTIFY_SOCKET": path})
    assert notifier.enabled
    assert notifier.ready("indexed 120 notes")
    assert sock.recv(4096) == b"READY=1\nSTATUS=indexed 120 notes"
    assert notifier.status("re-indexing\n3 files")
    assert sock.recv(4096) == b"STATUS=re-indexing 3 files"  # one line: newlines would start a new key
    assert notifier.watchdog()
    assert sock.recv(4096) == b"WATCHDOG=1"
    assert notifier.stopping()
    assert sock.recv(4096) == b"STOPPING=1"


def test_abstract_namespace_socket():
    name = f"memd-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        sock.settimeout(10)
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).ready()
        assert sock.recv(4096) == b"READY=1"


def test_outside_systemd_everything_is_a_no_op(receiver):
    assert not Notifier({}).enabled
    assert Notifier({}).ready() is False
    assert Notifier({"NOTIFY_SOCKET": "vsock:2:1234"}).ready() is False
    # A socket that is gone must not raise: losing a notification never stops the daemon.
    assert Notifier({"NOTIFY_SOCKET": "/nonexistent/notify.sock"}).ready() is False


def test_watchdog_interval():
    assert Notifier({}).watchdog_interval() is None
    assert Notifier({"WATCHDOG_USEC": "30000000"}).watchdog_interval() == 15.0
    assert Notifier({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}).watchdog_interval() == 15.0
    assert Notifier({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}).watchdog_interval() is None
