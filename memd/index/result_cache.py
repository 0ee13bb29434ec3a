"""Search results remembered until the index changes.

Agents and editors ask the same things again and again (an MCP client fetching context for the
same person every turn, search-as-you-type re-sending a prefix); a repeated query should not pay
for BM25 ranking twice while nothing changed.

"Nothing changed" is SQLite's own answer: `PRAGMA data_version` on a connection that never
writes moves whenever any other connection commits, in this process or another (an import
writing the index while the daemon serves). The version is read *before* the search runs, so a
result is only ever stored under a version at least as old as the snapshot it came from: a
commit in between makes the stored entry unreachable, never wrong.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from memd.db import connect

DEFAULT_SIZE = 512  # entries
# ... and bytes: a hit carries its unit's whole text (a section may be 6,000 characters), so 512
# results could hold tens of megabytes of an idle daemon's memory. Sizes are estimated.
DEFAULT_BYTES = 4 * 1024 * 1024


def _weight(results: list[dict[str, Any]]) -> int:
    return sum(300 + len(r.get("text") or "") + len(r.get("snippet") or "") for r in results)


def _copy(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Callers may change what they get; the cached value must stay as it was."""
    return [{k: (list(v) if isinstance(v, list) else v) for k, v in r.items()} for r in results]


class SearchCache:
    def __init__(self, db_path: Path, size: int = DEFAULT_SIZE, max_bytes: int = DEFAULT_BYTES):
        self._db_path = db_path
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[Hashable, tuple[int, list[dict[str, Any]], int]] = collections.OrderedDict()
        self._version_conn: sqlite3.Connection | None = None
        self.hits = 0
        self.misses = 0
        self._counts_version = -1
        self._counts: dict[str, int] = {}

    def _version(self) -> int:
        # Under self._lock: one connection shared by every thread, used only for this pragma.
        if self._version_conn is None:
            self._version_conn = connect(self._db_path)
            self._version_conn.execute("PRAGMA query_only = ON")
        return self._version_conn.execute("PRAGMA data_version").fetchone()[0]

    def get_or_run(self, key: Hashable, run: Callable[..., list[dict[str, Any]]],
                   *, with_version: bool = False) -> list[dict[str, Any]]:
        """`run()` on a miss; `run(version)` with `with_version` (the version the result is stored under)."""
        with self._lock:
            version = self._version()
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version:
                self._entries.move_to_end(key)
                self.hits += 1
                return _copy(entry[1])
            self.misses += 1
        results = run(version) if with_version else run()
        weight = _weight(results)
        if weight > self._max_bytes // 4:
            return results  # one huge result would push out everything else
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._entries[key] = (version, _copy(results), weight)
            self._bytes += weight
            while len(self._entries) > self._size or self._bytes > self._max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1][2]
        return results

    def counts(self, version: int) -> dict[str, int]:
        """Word match counts (memd.index.search) valid for the index's `version`: searches share
        them until the index changes."""
        with self._lock:
            if self._counts_version != version:
                self._counts_version, self._counts = version, {}
            return self._counts

    def version(self) -> int:
        """The index's data version now: anything derived from the index (the memory graph of
        memd.query.graph) may be kept while it stays the same."""
        with self._lock:
            return self._version()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def close(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            if self._version_conn is not None:
                self._version_conn.close()
                self._version_conn = None
