"""The daemon's side of the review note: apply a person's answers within seconds of their save.

The watcher's batches pass through `notice`; when one names the review note (or asks for a full
rescan), the note is synced on this thread, not the indexer's: a sync may wait for the note to
settle (the person is still typing) and applies writes, and indexing must not wait for either.
A sync also runs every `every` seconds, for items queued by background work (an import thread,
the idle buffer flush) and for an answer that could not be applied at the first try.
"""

from __future__ import annotations

import logging
import threading

from memd.app import Memd
from memd.daemon.watcher import Changes
from memd.errors import MemdError
from memd.review_note import sync, sync_if_changed

log = logging.getLogger("memd.daemon.review")


class ReviewNoteSync:
    def __init__(self, app: Memd, *, every: float = 30.0):
        self.app = app
        self.every = every
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._forced = False
        self._retry = False  # an answer could not be applied: try again at the next tick
        self._last_failed: dict[int, str] = {}
        self.thread = threading.Thread(target=self._run, name="memd-review-note", daemon=True)
        self.syncs = 0
        self.last_error: str | None = None
        app.review_note_watched = True  # api.call leaves the note to this thread

    def start(self) -> None:
        if self.app.review_note_path:
            self.thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def notice(self, changes: Changes) -> None:
        path = self.app.review_note_path
        if path and (changes.full_rescan or path in changes.paths
                     or any(path.startswith(f.rstrip("/") + "/") for f in changes.folders)):
            self._forced = True
            self._wake.set()

    def _run(self) -> None:
        # Once at start-up: answers given while the daemon was down, items queued meanwhile.
        self._once(force=True, why="start-up")
        while not self._stop.is_set():
            self._wake.wait(self.every)
            if self._stop.is_set():
                return
            self._wake.clear()
            forced, self._forced = self._forced, False
            retry = self._retry
            self._once(force=forced or retry, why="note saved" if forced else "retry" if retry else "tick")

    def _once(self, *, force: bool, why: str) -> None:
        try:
            report = sync(self.app) if force else sync_if_changed(self.app)
            self.syncs += 1
            if report is not None:
                self._retry = bool(report.failed)
                if report.applied or (report.failed and report.failed != self._last_failed):
                    log.info("review note: %d answers applied, %d waiting (%s)", len(report.applied),
                             len(report.failed), why)
                self._last_failed = dict(report.failed)
            self.last_error = None
        except (MemdError, OSError) as exc:
            self.last_error = str(exc)
            log.warning("review note sync failed: %s", exc)
        except Exception:  # one bad sync must not end the thread
            log.exception("review note sync failed")
