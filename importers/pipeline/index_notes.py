"""The index stage of an import: transcript notes are indexed in batches of BATCH, one
transaction each.

Most notes come with their index rows, which the planner prepared from the text it rendered
(memd.index.import_rows, in a worker process): storing them is SQLite's work only, done here
between two conversations. A note without rows (planned nowhere, written at another path than
the planner guessed, rewritten to link a participant) is read back from its file by
Index.index_paths. (An index thread used to do the reading and parsing beside the write stage;
with the parsing in the workers, the thread only cost interpreter-lock hand-offs.)

A batch that could not be indexed is indexed again when the stage closes, where an error is an
error.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from typing import Any

from memd.index.import_rows import stored

log = logging.getLogger("memd.importers")

BATCH = 200  # transcript notes indexed together


class NoteIndexer:
    def __init__(self, index: Any, timings: Counter):
        self.index = index
        self.timings = timings
        self._batch: list[tuple[str, Any]] = []  # (path, (rows, stat) prepared by a planner, or None)
        self._failed: list[str] = []
        self.prepared = 0  # notes stored from rows a planner prepared (the rest were read from their files)

    def add(self, path: str, rows: Any = None) -> None:
        """Index note `path` (just written); `rows`: its index rows, prepared by the planner from
        the text written (memd.index.import_rows), or None: read from the file."""
        prepared = None
        if rows is not None:
            try:
                st = os.stat(self.index.vault / path)  # the stat as written, taken now
            except OSError:
                st = None
            # A file of another size is no longer what was written (an edit right after the
            # write): it is read like any other.
            if st is not None and st.st_size == rows.size:
                prepared = (rows, st)
        self._batch.append((path, prepared))
        if len(self._batch) >= BATCH:
            self._index()

    def _index(self) -> None:
        t0 = time.perf_counter()
        # A path added twice (rewritten to link a participant) is indexed as it was last.
        last = dict(self._batch)
        self._batch = []
        prepared = [rows for rows in last.values() if rows is not None]
        paths = [path for path, rows in last.items() if rows is None]
        try:
            stored(self.index, prepared)
            self.prepared += len(prepared)
        except Exception as exc:
            log.debug("import: storing %d prepared notes failed (%s); read from the files", len(prepared), exc)
            paths += [rows[0].path for rows in prepared]
        try:
            if paths:
                self.index.index_paths(paths)
        except Exception as exc:
            log.debug("import: indexing %d notes failed (%s); again at the end", len(paths), exc)
            self._failed += paths
        self.timings["index notes"] += time.perf_counter() - t0

    def close(self) -> None:
        """Index what is left: once this returns, every note written is searchable."""
        self._index()
        if self._failed:
            paths, self._failed = self._failed, []
            self.index.index_paths(paths)
        log.debug("import index: %d notes stored from prepared rows", self.prepared)
