"""Where the MCP server's tools run: on the vault's daemon over its socket when one runs, else
in this process — decided again at every call, because an MCP server lives as long as the
client that started it (hours), while the daemon may start or stop meanwhile. In-process work
must not go on beside a live daemon (two writers on one vault), so a daemon that appears wins.

Calls are serialised on one worker thread: the socket client is one sequential connection, and
the in-process app is built and used by a single thread, away from the event loop that keeps
the MCP transport answering.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from memd.config import Config, load_config
from memd.errors import DaemonError

log = logging.getLogger("memd.mcp")

# Methods that change nothing: safe to send again when the daemon's connection broke mid-call.
# A write is never resent: it may have been applied before the connection went.
READ_ONLY_METHODS = frozenset({"search", "context", "get_entity", "log", "review.list", "status", "entity.list"})
# In process there is no watcher: before a read, a reconcile scan (stat only; ~70 ms on 10,000
# notes) picks up the user's edits, at most this often.
RESCAN_SECONDS = 15.0
READS = frozenset({"search", "context", "ask", "get_entity"})
DEFAULT_TIMEOUT = 30.0
SLOW_METHODS = {"ask": 300.0, "remember": 120.0}  # a model may answer slowly


class Backend:
    def __init__(self, config_path: str | None = None, *, config: Config | None = None):
        self.config = config if config is not None else load_config(config_path)
        self._app: Any = None
        self._client: Any = None
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="memd-mcp")
        self.mode = "unknown"  # "daemon" or "in-process", as of the last call
        self._scanned_at = 0.0

    async def acall(self, method: str, /, **params: Any) -> Any:
        """`call` on the worker thread, awaited from the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(self.call, method, **params))

    def call(self, method: str, /, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        with self._lock:
            client = self._daemon()
            if client is None:
                return self._local(method, params)
            try:
                return client.request(method, params, timeout=SLOW_METHODS.get(method, DEFAULT_TIMEOUT))
            except DaemonError as exc:
                if not self._connection_lost(exc):
                    raise
                self._drop_client()
                if method not in READ_ONLY_METHODS:
                    raise DaemonError(f"lost the connection to the daemon during {method}; it may or may not have"
                                      f" been applied", hint="look with memory_get before trying again") from None
                log.info("daemon connection lost during %s; trying again", method)
            client = self._daemon()
            if client is None:
                return self._local(method, params)
            return client.request(method, params, timeout=SLOW_METHODS.get(method, DEFAULT_TIMEOUT))

    def _daemon(self) -> Any:
        """The daemon's client when a daemon holds the vault, else None (and work goes in process)."""
        from memd.daemon.client import connect_for_config
        from memd.daemon.lock import lock_holder
        from memd.daemon.paths import paths_for_config

        if self._client is not None:
            return self._client
        if lock_holder(paths_for_config(self.config).lock) is None:
            return None
        self._client = connect_for_config(self.config)  # raises when the daemon does not answer
        if self._client is not None:
            self._close_app()  # a daemon now owns the vault: stop working on it here
            self.mode = "daemon"
        return self._client

    def _local(self, method: str, params: dict[str, Any]) -> Any:
        from memd import api

        if self._app is None:
            from memd.app import Memd

            self._app = Memd(self.config)
            self._scanned_at = 0.0
        self.mode = "in-process"
        if method in READS and time.monotonic() - self._scanned_at > RESCAN_SECONDS:
            self._app.index.scan()
            self._scanned_at = time.monotonic()
        return api.call(self._app, method, params)

    @staticmethod
    def _connection_lost(exc: DaemonError) -> bool:
        text = str(exc)
        return "lost the connection" in text or "closed the connection" in text

    def _drop_client(self) -> None:
        if self._client is not None:
            try:
                self._client.close()
            except OSError:
                pass
            self._client = None

    def _close_app(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None

    def close(self) -> None:
        with self._lock:
            self._drop_client()
            self._close_app()
        self._pool.shutdown(wait=False, cancel_futures=True)
