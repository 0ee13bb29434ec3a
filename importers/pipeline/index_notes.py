"""The index stage of an import: transcript notes are indexed in batches by a thread of their own.

Why a thread and not the write stage itself: writing a note waits on the disk (fsync), on
SQLite and on the planner's answers, with the interpreter lock released; the thread indexes
the notes written before in that time. The index is the app's (the same one the writer tells
about memory notes), which is made for several threads. A batch the thread could not index is
indexed again by the write stage at the end, where an error is an error.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
import time
from collections import Counter
from typing import Any

from memd.index.import_rows import stored

log = logging.getLogger("memd.importers")

BATCH = 200  # transcript notes indexed together
# While the thread indexes (pure Python, holding the interpreter lock), the write stage gets the
# lock back after each fsync or SQLite call only at the next switch: by default up to 5 ms,
# several times per conversation. A shorter interval while both run keeps the writing fluent.
SWITCH_INTERVAL = 0.0005
QUEUED = 2  # batches waiting for the thread at most: the write stage waits beyond that (memory stays bounded)


class NoteIndexer:
    def __init__(self, index: Any, timings: Counter):
        self.index = index
        self.timings = timings
        self._paths: list[tuple[str, Any]] = []  # (path, (rows, stat) prepared by a planner, or None)
        self._inbox: queue.Queue[list[tuple[str, Any]] | None] = queue.Queue(QUEUED)
        self._failed: list[str] = []
        self.prepared = 0  # notes stored from rows a planner prepared (the rest were read from their files)
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch, SWITCH_INTERVAL))
        self._thread = threading.Thread(target=self._run, name="memd-import-index", daemon=True)
        self._thread.start()

    def add(self, path: str, rows: Any = None) -> None:
        """Index note `path` (just written); `rows`: its index rows, prepared by the planner from
        the text written (memd.index.import_rows), or None: read from the file."""
        prepared = None
        if rows is not None:
            try:
                prepared = (rows, os.stat(self.index.vault / path))  # the stat as written, taken now
            except OSError:
                prepared = None
        self._paths.append((path, prepared))
        if len(self._paths) >= BATCH:
            self._send()

    def _send(self) -> None:
        if self._paths:
            t0 = time.perf_counter()
            self._inbox.put(self._paths)
            self.timings["wait for index"] += time.perf_counter() - t0
            self._paths = []

    def _run(self) -> None:
        while (batch := self._inbox.get()) is not None:
            t0 = time.perf_counter()
            # A path added twice (rewritten to link a participant) is indexed as it was last.
            last = dict(batch)
            prepared = [rows for rows in last.values() if rows is not None]
            paths = [path for path, rows in last.items() if rows is None]
            try:
                stored(self.index, prepared)
                self.prepared += len(prepared)
            except Exception as exc:
                log.debug("import: storing %d prepared notes failed (%s); read from the files", len(prepared), exc)
                paths += [rows[0].path for rows in prepared]
            try:
                self.index.index_paths(paths)
            except Exception as exc:
                log.debug("import: indexing %d notes failed in the thread (%s); again at the end", len(paths), exc)
                self._failed += paths
            self.timings["index notes (thread)"] += time.perf_counter() - t0

    def close(self) -> None:
        """Index what is left and wait for the thread: once this returns, every note written is
        searchable."""
        self._send()
        t0 = time.perf_counter()
        self._inbox.put(None)
        self._thread.join()
        sys.setswitchinterval(self._switch)
        self.timings["wait for index"] += time.perf_counter() - t0
        if self._failed:
            paths, self._failed = self._failed, []
            self.index.index_paths(paths)
        log.debug("import index: %d notes stored from prepared rows", self.prepared)
