"""A small synchronous client for the daemon's socket, for the CLI and scripts (stdlib only)."""

from __future__ import annotations

import errno
import itertools
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from memd.config import Config

from memd import errors as memd_errors
from memd.errors import DaemonError, MemdError

from .lock import lock_holder
from .paths import DaemonPaths, daemon_paths
from .wire import encode_line

MAX_REQUEST_BYTES = 1024 * 1024
# Replies can be large (search results, logs) but not unbounded: a runaway daemon must not eat
# the CLI's memory.
MAX_REPLY_BYTES = 256 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0


class RpcError(MemdError):
    """An error reply that maps to no MemdError class: a protocol error or an internal one."""

    def __init__(self, message: str, *, code: int, data: Any = None):
        super().__init__(message)
        self.code = code
        self.data = data


def _memd_error_class(name: str) -> type[MemdError] | None:
    """The MemdError subclass with this name among those imported, the shared ones first."""
    candidate = getattr(memd_errors, name, None)
    if isinstance(candidate, type) and issubclass(candidate, MemdError):
        return candidate
    stack = [MemdError]
    while stack:
        cls = stack.pop()
        if cls.__name__ == name:
            return cls
        stack.extend(cls.__subclasses__())
    return None


def error_from_reply(error: dict[str, Any]) -> MemdError:
    code = error.get("code")
    message = str(error.get("message", "error"))
    data = error.get("data")
    if isinstance(data, dict) and isinstance(data.get("type"), str):
        cls = _memd_error_class(data["type"])
        hint = data.get("hint") if isinstance(data.get("hint"), str) else None
        if cls is not None:
            try:
                return cls(message, hint=hint)
            except TypeError:
                # A subclass with its own constructor: build it without calling that.
                exc = cls.__new__(cls)
                MemdError.__init__(exc, message, hint=hint)
                return exc
    return RpcError(message, code=code if isinstance(code, int) else 0, data=data)


class Client:
    """One connection to the daemon; calls are sequential and each waits for its reply."""

    def __init__(self, sock: socket.socket, *, timeout: float = DEFAULT_TIMEOUT):
        self._sock = sock
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._buffer = bytearray()

    def call(self, method: str, /, **params: Any) -> Any:
        return self.request(method, params)

    def request(self, method: str, params: dict[str, Any] | list[Any] | None = None, *, timeout: float | None = None) -> Any:
        """Send one request and return its result; raise the daemon's error as a MemdError.

        `timeout` bounds the whole call (a long `ask` may need more than the default); None
        uses the client's timeout.
        """
        request_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        try:
            self._send(message)
        except DaemonError as lost:
            # The daemon may have refused us and hung up before we wrote (another uid, too many
            # connections); its one-line reason is still waiting in our receive buffer.
            raise self._parting_error() or lost from None
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            reply = self._read_reply(deadline)
            if not isinstance(reply, dict):
                raise DaemonError("the daemon sent an unexpected reply")
            if reply.get("id") == request_id:
                break
            if reply.get("id") is None and "error" in reply:
                # The daemon refused the connection or the request as a whole.
                raise error_from_reply(reply["error"])
        if "error" in reply:
            raise error_from_reply(reply["error"])
        return reply.get("result")

    def _parting_error(self) -> MemdError | None:
        try:
            reply = self._read_reply(time.monotonic() + 0.5)
        except DaemonError:
            return None
        if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
            return error_from_reply(reply["error"])
        return None

    def ping(self) -> dict[str, Any]:
        return self.request("rpc.ping")

    def _send(self, message: dict[str, Any]) -> None:
        data = encode_line(message)
        if len(data) > MAX_REQUEST_BYTES:
            raise DaemonError(f"request too large for the daemon ({len(data)} bytes, limit {MAX_REQUEST_BYTES})")
        self._sock.settimeout(self.timeout)
        try:
            self._sock.sendall(data)
        except TimeoutError:
            raise DaemonError("the daemon is not accepting requests (timed out)") from None
        except OSError as exc:
            raise DaemonError(f"lost the connection to the daemon: {exc.strerror or exc}") from None

    def _read_reply(self, deadline: float) -> Any:
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0:
                line = bytes(self._buffer[:newline])
                del self._buffer[: newline + 1]
                if not line.strip():
                    continue
                try:
                    return json.loads(line.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise DaemonError("the daemon sent a malformed reply") from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DaemonError("the daemon did not answer in time")
            self._sock.settimeout(remaining)
            try:
                chunk = self._sock.recv(256 * 1024)
            except TimeoutError:
                raise DaemonError("the daemon did not answer in time") from None
            except OSError as exc:
                raise DaemonError(f"lost the connection to the daemon: {exc.strerror or exc}") from None
            if not chunk:
                raise DaemonError("the daemon closed the connection")
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise DaemonError("the daemon's reply is too large")

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def connect(socket_path: Path, *, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float = 2.0) -> Client | None:
    """A client for the daemon at `socket_path`, or None when no daemon listens there.

    No socket file, or one left by a crashed daemon, answers at once (ENOENT / ECONNREFUSED):
    the CLI then works in process without waiting.
    """
    deadline = time.monotonic() + connect_timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(max(0.001, deadline - time.monotonic()))
        try:
            sock.connect(os.fspath(socket_path))
            break
        except BlockingIOError:
            # EAGAIN: the daemon's accept backlog is full for a moment (a burst of clients).
            sock.close()
            if time.monotonic() >= deadline:
                raise DaemonError("the daemon is not accepting connections (backlog full)") from None
            time.sleep(0.01)
            continue
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            sock.close()
            return None
        except TimeoutError:
            sock.close()
            raise DaemonError("the daemon is not accepting connections (timed out)") from None
        except PermissionError:
            sock.close()
            raise DaemonError(f"permission denied on {socket_path}", hint="the daemon runs as another user") from None
        except OSError as exc:
            sock.close()
            if exc.errno in (errno.ENOTSOCK, errno.ECONNRESET):
                return None
            raise DaemonError(f"cannot reach the daemon at {socket_path}: {exc.strerror or exc}") from None
    return Client(sock, timeout=timeout)


@dataclass(frozen=True)
class DaemonState:
    """What the CLI needs to decide between talking to a daemon and working in process."""

    pid: int | None  # None: no daemon holds the vault; 0: held, pid not known yet
    reachable: bool  # it answered rpc.ping on the socket

    @property
    def running(self) -> bool:
        return self.pid is not None


def daemon_state(paths: DaemonPaths, *, timeout: float = 2.0) -> DaemonState:
    """Whether a daemon holds this vault, and whether it answers.

    A daemon that holds the lock but does not answer (starting up, or hung) is running: the CLI
    must not write the vault in process beside it.
    """
    pid = lock_holder(paths.lock)
    client = connect(paths.socket, timeout=timeout, connect_timeout=timeout) if pid is not None else None
    if client is None:
        return DaemonState(pid=pid, reachable=False)
    with client:
        try:
            answer = client.ping()
        except MemdError:
            return DaemonState(pid=pid, reachable=False)
    return DaemonState(pid=answer.get("pid", pid) if isinstance(answer, dict) else pid, reachable=True)


def vault_daemon_state(vault: Path, *, state_dir: Path, runtime_dir: Path | None = None) -> DaemonState:
    """daemon_state() for a vault, with the socket and lock paths derived as the daemon does."""
    return daemon_state(daemon_paths(vault, state_dir=state_dir, runtime_dir=runtime_dir))


def connect_for_config(config: "Config") -> Client | None:
    """For the CLI: a client of this vault's running daemon, or None when none runs.

    A daemon that holds the vault but does not answer is an error, not "none running": the CLI
    must not write the vault in process beside a live daemon.
    """
    from .paths import paths_for_config

    paths = paths_for_config(config)
    if lock_holder(paths.lock) is None:
        return None
    client = connect(paths.socket)
    if client is None:
        raise DaemonError(f"memd is running for this vault (pid {lock_holder(paths.lock)}) but its socket does"
                          f" not answer", hint="memd doctor; or wait for it to finish starting")
    return client
