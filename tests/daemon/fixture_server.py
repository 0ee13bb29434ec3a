"""A daemon-like process for the socket tests: instance lock + socket server + a small method table.

Run as a script (second-instance, crash and socket-activation tests need a real other process)
or imported by conftest for in-process servers.

    python fixture_server.py VAULT STATE_DIR RUNTIME_DIR
prints "ready PID SOCKET" once it answers; on a refused start prints one line to stderr, exits 1.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import time
from pathlib import Path

from memd.daemon import rpc
from memd.daemon.lock import InstanceLock
from memd.daemon.paths import daemon_paths
from memd.daemon.sdactivation import listen_sockets
from memd.daemon.socket_server import Limits, SocketServer
from memd.errors import MemdError, NotFoundError

_notes: list[str] = []
_notes_lock = threading.Lock()


def echo(**params):
    return params


def add(a, b):
    return a + b


def positive(value):
    if not isinstance(value, int) or value < 0:
        raise rpc.InvalidParams("value must be a non-negative integer")
    return value


async def nap(seconds):
    await asyncio.sleep(seconds)
    return seconds


def block(seconds):
    time.sleep(seconds)
    return seconds


def big(size):
    return "x" * size


def missing(name):
    raise NotFoundError(f"no entity named {name}", hint="check the spelling")


def crash():
    return {}["nothing"]


def note(text):
    with _notes_lock:
        _notes.append(text)


def notes():
    with _notes_lock:
        return list(_notes)


def not_json():
    return {"when": object()}


METHODS = {
    "echo": echo,
    "add": add,
    "positive": positive,
    "nap": nap,
    "block": block,
    "big": big,
    "missing": missing,
    "crash": crash,
    "note": note,
    "notes": notes,
    "not_json": not_json,
}


async def _serve(vault: Path, state_dir: Path, runtime_dir: Path) -> int:
    paths = daemon_paths(vault, state_dir=state_dir, runtime_dir=runtime_dir)
    lock = InstanceLock(paths.lock)
    try:
        lock.acquire()
    except MemdError as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 1
    inherited = listen_sockets()
    server = SocketServer(paths.socket, METHODS, lock=lock, limits=Limits(), inherited=inherited[0] if inherited else None)
    await server.start()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(server.close()))
    import os

    print(f"ready {os.getpid()} {paths.socket}", flush=True)
    await server.serve_forever()
    lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_serve(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))))
