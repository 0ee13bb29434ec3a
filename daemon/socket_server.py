"""The daemon's unix socket: JSON-RPC lines in, replies out, one asyncio loop for all clients."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import os
import socket
import stat
import time
from collections.abc import Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memd.errors import DaemonError

from . import rpc
from .lock import InstanceLock
from .paths import ensure_private_dir
from .peercred import peer_credentials

log = logging.getLogger("memd.daemon.socket")

MIB = 1024 * 1024
# After a burst of requests, this long without one: freed memory goes back to the system. The
# threads answering a burst each get a malloc arena, and glibc keeps what they freed; an idle
# daemon should not hold a busy minute's high-water mark.
TRIM_AFTER_IDLE_S = 5.0


def _trim_heap() -> None:
    """glibc's malloc_trim(0); nothing elsewhere (macOS returns memory by itself)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


@dataclass(frozen=True)
class Limits:
    max_request_bytes: int = MIB
    # Nesting of one request's JSON: checked before parsing (deeper ended in a RecursionError
    # that cost the connection its answers).
    max_json_depth: int = 256
    # Between requests: a CLI connects, asks, leaves; a bridge that idles this long reconnects.
    idle_timeout: float = 600.0
    # From the first byte of a request to its newline: stops a peer trickling bytes forever.
    read_timeout: float = 30.0
    # How long a reply may wait for a client that does not read before the client is dropped.
    write_timeout: float = 30.0
    # Above this many unsent bytes for one client, no further reply is produced until it reads.
    write_high_water: int = 256 * 1024
    # Requests read ahead of the one running, per connection, before we stop reading.
    max_pending: int = 32
    # ... and bytes of them: 32 requests of 1 MiB each would be 32 MiB held for one client.
    max_pending_bytes: int = 2 * MIB
    max_connections: int = 1024
    backlog: int = 256


class SocketServer:
    """JSON-RPC server on a unix socket.

    `lock` must be held before start(): binding replaces whatever is at the socket path, and only
    the lock holder may assume that what is there is a dead daemon's leftover.
    `inherited` is a listening socket handed over by systemd socket activation; the server then
    neither binds nor unlinks (systemd owns the path).
    """

    def __init__(
        self,
        path: Path,
        methods: Mapping[str, rpc.Handler],
        *,
        lock: InstanceLock,
        limits: Limits = Limits(),
        executor: Executor | None = None,
        inherited: socket.socket | None = None,
        allowed_uid: int | None = None,
    ):
        reserved = [name for name in methods if name.startswith("rpc.")]
        if reserved:
            raise ValueError(f"method names starting with 'rpc.' are reserved: {reserved}")
        self.path = Path(path)
        self.limits = limits
        self.allowed_uid = os.geteuid() if allowed_uid is None else allowed_uid
        self._lock = lock
        self._inherited = inherited
        self._own_executor = executor is None
        self._executor = executor or ThreadPoolExecutor(max_workers=8, thread_name_prefix="memd-rpc")
        self._started_at = time.time()
        table = dict(methods)
        table["rpc.ping"] = self._ping
        table["rpc.methods"] = self._list_methods
        json_limits = dataclasses.replace(rpc.REQUEST_LIMITS, max_depth=limits.max_json_depth,
                                          max_string=limits.max_request_bytes)
        self.dispatcher = rpc.Dispatcher(table, executor=self._executor, json_limits=json_limits)
        self._server: asyncio.AbstractServer | None = None
        self._bound_inode: tuple[int, int] | None = None
        self._connections: set[_Connection] = set()
        self._reaper: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self._last_request = time.monotonic()
        self._served_since_trim = False

    async def _ping(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "uptime_s": round(time.time() - self._started_at, 3)}

    async def _list_methods(self) -> list[str]:
        return self.dispatcher.method_names

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def start(self) -> None:
        if not self._lock.held:
            raise RuntimeError("take the instance lock before binding the socket")
        sock = self._inherited if self._inherited is not None else self._bind()
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        # asyncio calls listen() again on the socket it is given, with its own default backlog
        # (100) unless told otherwise.
        self._server = await loop.create_unix_server(lambda: _Connection(self), sock=sock, backlog=self.limits.backlog)
        self._reaper = loop.create_task(self._reap())
        log.info("listening on %s", self.path)

    def _bind(self) -> socket.socket:
        ensure_private_dir(self.path.parent)
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            info = None
        if info is not None:
            if not stat.S_ISSOCK(info.st_mode):
                raise DaemonError(f"{self.path} exists and is not a socket; move it away")
            # We hold the lock, so no live daemon serves this vault: the file is a crashed one's.
            log.info("removing stale socket %s", self.path)
            os.unlink(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(os.fspath(self.path))
            # The folder is 0700, so the umask-dependent mode between bind and chmod is unreachable.
            os.chmod(self.path, 0o600)
            sock.listen(self.limits.backlog)
        except BaseException:
            sock.close()
            raise
        info = os.stat(self.path)
        self._bound_inode = (info.st_dev, info.st_ino)
        return sock

    async def serve_forever(self) -> None:
        """Wait until close() is called (from a signal handler, an RPC method, ...)."""
        await self._closed.wait()

    async def close(self) -> None:
        if self._server is None:
            self._closed.set()
            return
        server, self._server = self._server, None
        server.close()
        if self._reaper:
            self._reaper.cancel()
        for conn in list(self._connections):
            conn.abort()
        await server.wait_closed()
        self._unlink_if_ours()
        if self._own_executor:
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._closed.set()

    def _unlink_if_ours(self) -> None:
        if self._bound_inode is None:
            return
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return
        # Only the file we bound: never a socket a newer daemon created after a takeover.
        if (info.st_dev, info.st_ino) == self._bound_inode:
            os.unlink(self.path)

    async def __aenter__(self) -> SocketServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _reap(self) -> None:
        """Close connections that sat idle, trickled a request, or stopped reading; give memory
        back once the requests have stopped."""
        period = max(0.05, min(1.0, self.limits.idle_timeout / 4, self.limits.read_timeout / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for conn in list(self._connections):
                conn.check_timeouts(now)
            if self._served_since_trim and now - self._last_request > TRIM_AFTER_IDLE_S \
                    and not any(c.busy for c in self._connections):
                self._served_since_trim = False
                _trim_heap()

    def note_request_done(self) -> None:
        self._last_request = time.monotonic()
        self._served_since_trim = True


class _Connection(asyncio.Protocol):
    def __init__(self, server: SocketServer):
        self.server = server
        self.limits = server.limits
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._scanned = 0  # bytes of _buffer already known to hold no newline
        self._pending: collections.deque[bytes] = collections.deque()
        self._pending_bytes = 0
        self._wakeup = asyncio.Event()
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._worker: asyncio.Task[None] | None = None
        self._reading_paused = False
        self._eof = False
        self._busy = False
        self._discard_since: float | None = None
        self._partial_since: float | None = None
        self._last_activity = time.monotonic()

    # -- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        refusal = self._refusal(transport)
        if refusal:
            code, message = refusal
            log.warning("refused connection: %s", message)
            transport.write(rpc.encode_line(rpc.error_response(None, code, message)))
            transport.close()
            return
        transport.set_write_buffer_limits(high=self.limits.write_high_water)
        self.server._connections.add(self)
        self._worker = asyncio.get_running_loop().create_task(self._work())

    def _refusal(self, transport: asyncio.Transport) -> tuple[int, str] | None:
        sock = transport.get_extra_info("socket")
        try:
            creds = peer_credentials(sock)
        except OSError as exc:
            return rpc.PEER_REFUSED, f"cannot verify the peer's uid: {exc}"
        if creds.uid != self.server.allowed_uid:
            return rpc.PEER_REFUSED, f"permission denied: uid {creds.uid} may not use this daemon"
        if len(self.server._connections) >= self.limits.max_connections:
            return rpc.SERVER_BUSY, "too many connections; try again"
        return None

    def data_received(self, data: bytes) -> None:
        self._last_activity = time.monotonic()
        if self._discard_since is not None:
            return
        self._buffer += data
        while True:
            newline = self._buffer.find(b"\n", self._scanned)
            if newline < 0:
                self._scanned = len(self._buffer)
                break
            if newline > self.limits.max_request_bytes:
                self._refuse_oversized()
                return
            line = bytes(self._buffer[:newline])
            del self._buffer[: newline + 1]
            self._scanned = 0
            if line.strip():
                self._pending.append(line)
                self._pending_bytes += len(line)
                self._wakeup.set()
        if len(self._buffer) > self.limits.max_request_bytes:
            self._refuse_oversized()
            return
        if self._buffer and self._partial_since is None:
            self._partial_since = self._last_activity
        elif not self._buffer:
            self._partial_since = None
        if (len(self._pending) >= self.limits.max_pending or self._pending_bytes >= self.limits.max_pending_bytes) \
                and not self._reading_paused:
            # Back-pressure: the kernel buffer fills and the client's writes block, not our memory.
            self._reading_paused = True
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        if self._discard_since is not None:
            self.transport.close()
            return True
        # A final request without a newline is still a request (`printf '%s' ... | nc -U`).
        if self._discard_since is None and self._buffer.strip():
            self._pending.append(bytes(self._buffer))
            self._pending_bytes += len(self._buffer)
        self._buffer.clear()
        self._partial_since = None
        self._eof = True
        self._wakeup.set()
        return True  # keep our half open to send the replies still owed

    def connection_lost(self, exc: Exception | None) -> None:
        self.server._connections.discard(self)
        if self._worker is not None:
            self._worker.cancel()
        self._can_write.set()

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    # -- our own ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def _refuse_oversized(self) -> None:
        """Answer once, stop parsing, and drain what the client still sends so it can read us."""
        self._discard_since = time.monotonic()
        self._buffer.clear()
        self._pending.clear()
        self._pending_bytes = 0
        self._partial_since = None
        message = f"request too large: over {self.limits.max_request_bytes} bytes"
        self.transport.write(rpc.encode_line(rpc.error_response(None, rpc.INVALID_REQUEST, message)))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        if self._worker is not None:
            self._worker.cancel()

    def check_timeouts(self, now: float) -> None:
        if self._discard_since is not None:
            if now - self._discard_since > self.limits.read_timeout:
                self.transport.close()
            return
        if self._partial_since is not None and now - self._partial_since > self.limits.read_timeout:
            log.info("closing a connection whose request did not finish in %ss", self.limits.read_timeout)
            self.abort()
        elif not self._busy and not self._pending and not self._buffer and now - self._last_activity > self.limits.idle_timeout:
            self.transport.close()

    async def _work(self) -> None:
        """Answer this connection's requests in order; other connections run independently."""
        try:
            while True:
                while not self._pending:
                    if self._eof:
                        self.transport.close()
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                line = self._pending.popleft()
                self._pending_bytes -= len(line)
                if self._reading_paused and len(self._pending) <= self.limits.max_pending // 2 \
                        and self._pending_bytes <= self.limits.max_pending_bytes // 2:
                    self._reading_paused = False
                    self.transport.resume_reading()
                self._busy = True
                try:
                    reply = await self.server.dispatcher.handle_line(line)  # answers every line, never raises
                finally:
                    self._busy = False
                    self._last_activity = time.monotonic()
                    self.server.note_request_done()
                if reply is None:
                    continue
                if not self._can_write.is_set():
                    try:
                        await asyncio.wait_for(self._can_write.wait(), self.limits.write_timeout)
                    except TimeoutError:
                        log.warning("dropping a client that stopped reading its replies")
                        self.abort()
                        return
                if self.transport.is_closing():
                    return
                self.transport.write(reply)
        except asyncio.CancelledError:
            pass
