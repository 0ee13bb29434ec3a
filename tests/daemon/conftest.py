"""Helpers for the daemon tests: in-process servers on a real socket, real subprocesses."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from memd.daemon.lock import InstanceLock
from memd.daemon.paths import daemon_paths
from memd.daemon.socket_server import Limits, SocketServer

HERE = Path(__file__).resolve().parent
FIXTURE_SERVER = HERE / "fixture_server.py"

_spec = importlib.util.spec_from_file_location("memd_test_fixture_server", FIXTURE_SERVER)
fixture_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixture_server)


@pytest.fixture
def short_dir():
    """A folder with a short path: unix socket paths must stay under 100 bytes."""
    path = Path(tempfile.mkdtemp(prefix="memdt-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


class ServerThread:
    """A SocketServer on its own event loop thread, as the daemon will run it."""

    def __init__(self, paths, methods=None, limits=Limits(), lock=None):
        self.paths = paths
        self.lock = lock or InstanceLock(paths.lock)
        self.methods = fixture_server.METHODS if methods is None else methods
        self.limits = limits
        self.loop = asyncio.new_event_loop()
        self.server = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self):
        self.lock.acquire()
        self._thread.start()
        self.server = SocketServer(self.paths.socket, self.methods, lock=self.lock, limits=self.limits)
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self

    def stop(self):
        if self.loop.is_closed():
            return
        if self.server is not None:
            asyncio.run_coroutine_threadsafe(self.server.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
        self.lock.release()


@pytest.fixture
def vault_paths(tmp_path, short_dir):
    vault = tmp_path / "vault"
    vault.mkdir()
    return daemon_paths(vault, state_dir=tmp_path / "state", runtime_dir=short_dir / "run")


@pytest.fixture
def serve(vault_paths):
    """Start an in-process server: serve(limits=..., methods=...) -> ServerThread."""
    started = []

    def start(**kwargs):
        server = ServerThread(vault_paths, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def spawn():
    """spawn(vault, state_dir, runtime_dir) starts the fixture server as a real process and
    returns (process, its first stdout line); every process is killed at teardown."""
    procs = []

    def start(vault, state_dir, runtime_dir, *, argv_prefix=(), pass_fds=()):
        proc = subprocess.Popen(
            [*argv_prefix, sys.executable, str(FIXTURE_SERVER), str(vault), str(state_dir), str(runtime_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            pass_fds=pass_fds,
        )
        procs.append(proc)
        return proc, proc.stdout.readline().strip()

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
