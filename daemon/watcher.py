"""Watch the vault with watchdog and hand debounced batches of changed paths to a callback.

The watcher only says *where* something may have changed. Whether it did (and whether it was
memd's own write) is decided by the caller from content hashes.
"""

from __future__ import annotations

import collections
import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Literal

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

from memd.vault.ignore import is_ignored_path as is_ignored

log = logging.getLogger("memd.daemon.watcher")

# Opened and closed-without-writing are left out: reading a note must not cause a re-index.
# Closed-after-writing stays in: it marks the end of an in-place save.
WATCHED_EVENTS: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileAttribEvent,  # chmod can make a note unreadable, which the index must report
    FileClosedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

CLOSED_SETTLE = 0.02  # seconds a complete save waits for a companion event (a rename's other half)

# What schedule() raises when the kernel's inotify watches (ENOSPC) or instances (EMFILE) run out.
_LIMIT_ERRNOS = {errno.ENOSPC, errno.EMFILE}


@dataclass(frozen=True)
class Changes:
    """One debounced batch. Paths are vault-relative, POSIX-style."""

    paths: frozenset[str]  # files created, modified, deleted, or either end of a move
    folders: frozenset[str]  # folders created, deleted or moved: look at everything under them
    full_rescan: bool = False  # events may have been lost: reconcile the whole vault


def _visible_entries(path: str | None) -> Iterator[os.DirEntry[str]]:
    """os.scandir without dot entries, so polling never walks .git/ or .obsidian/."""
    with os.scandir(path) as entries:
        for entry in entries:
            if not entry.name.startswith("."):
                yield entry


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher):
        self._watcher = watcher

    def dispatch(self, event: FileSystemEvent) -> None:
        self._watcher._on_event(event)


class _OverflowSignal(logging.Handler):
    """watchdog reports a dropped inotify queue only as a log warning; turn it into a rescan."""

    def __init__(self, watcher: Watcher):
        super().__init__(level=logging.WARNING)
        self._watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self._watcher._request_rescan("the kernel dropped file events (inotify queue overflow)")


_OVERFLOW_LOGGER = "watchdog.observers.inotify_c"


class Watcher:
    """Recursive watch over a vault, debounced per path.

    `on_changes` is called from the watcher's own thread, one batch at a time. `debounce` is the
    quiet time a path needs before it is reported; `max_delay` caps how long a path that keeps
    changing (a file being appended to) waits. `observer` "auto" uses the native API (inotify,
    FSEvents, kqueue) and falls back to polling when the kernel's watch limits are reached;
    "polling" suits network file systems where native events do not arrive.
    `on_status` receives one-line notes on fallbacks and the vault going missing or returning.
    """

    def __init__(
        self,
        vault: os.PathLike[str] | str,
        on_changes: Callable[[Changes], None],
        *,
        debounce: float = 0.2,
        max_delay: float = 5.0,
        exclude: Sequence[str] = (),
        observer: Literal["auto", "native", "polling"] = "auto",
        polling_interval: float = 2.0,
        supervise_interval: float = 1.0,
        on_status: Callable[[str], None] | None = None,
    ):
        self.root = os.path.abspath(os.fspath(vault))
        # Watched by its real path: FSEvents reports resolved paths (/private/var/..., a symlinked
        # vault's target), and inotify reports whatever path it was given, so this one matches both.
        self._watched_root = os.path.realpath(self.root)
        self._on_changes = on_changes
        self._on_status = on_status
        self.debounce = debounce
        self.max_delay = max_delay
        # The index's `index.exclude` globs: a path the index would never hold is never reported.
        self.exclude = tuple(exclude)
        # Keys whose save is known complete (closed after writing, or renamed into place): due
        # after CLOSED_SETTLE rather than a whole debounce, so an edit is searchable sooner.
        self._early: set[tuple[str, str]] = set()
        self._early_sent: dict[tuple[str, str], float] = {}  # key -> when it last went out early
        self._observer_kind = observer
        self.polling_interval = polling_interval
        self.supervise_interval = supervise_interval
        self._cond = threading.Condition()
        # key -> (first seen, deadline); ordered by deadline because touching moves a key to the end
        self._pending: collections.OrderedDict[tuple[str, str], tuple[float, float]] = collections.OrderedDict()
        self._running = False
        self._thread: threading.Thread | None = None
        self._observer: BaseObserver | None = None
        self._root_identity: tuple[int, int, str] | None = None
        self._overflow_signal = _OverflowSignal(self)
        self.mode: str | None = None  # "inotify", "fsevents", "kqueue", "polling"; None while not watching
        self.fallback_reason: str | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start watching. A missing vault is not an error: it is watched once it appears."""
        with self._cond:
            if self._running:
                return
            self._running = True
        overflow_logger = logging.getLogger(_OVERFLOW_LOGGER)
        overflow_logger.addHandler(self._overflow_signal)
        if not overflow_logger.isEnabledFor(logging.WARNING):
            # The signal rides on a warning; a quieter logging setup must not swallow it.
            overflow_logger.setLevel(logging.WARNING)
        self._ensure_watching(initial=True)
        self._thread = threading.Thread(target=self._run, name="memd-watcher", daemon=True)
        self._thread.start()

    def stop(self, *, flush: bool = True) -> None:
        """Stop watching; with `flush`, pending paths are delivered first instead of dropped."""
        with self._cond:
            if not self._running:
                return
            self._running = False
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join()
        self._stop_observer()
        logging.getLogger(_OVERFLOW_LOGGER).removeHandler(self._overflow_signal)
        if flush:
            self._deliver(self._take(everything=True))

    def __enter__(self) -> Watcher:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- observer management --------------------------------------------------------------------

    def _status(self, message: str) -> None:
        log.info("%s", message)
        if self._on_status is not None:
            try:
                self._on_status(message)
            except Exception:
                log.exception("on_status callback failed")

    def _new_observer(self, kind: str) -> BaseObserver:
        if kind == "polling":
            return PollingObserverVFS(os.stat, _visible_entries, polling_interval=self.polling_interval)
        return Observer()

    def _start_observer(self, kind: str) -> BaseObserver:
        observer = self._new_observer(kind)
        try:
            observer.schedule(_Handler(self), self._watched_root, recursive=True, event_filter=WATCHED_EVENTS)
            observer.start()
        except BaseException:
            # stop() also closes the inotify instance the constructor opened; join() only works
            # on a thread that got as far as starting.
            observer.stop()
            if observer.is_alive():
                observer.join()
            raise
        return observer

    def _ensure_watching(self, *, initial: bool = False) -> None:
        """Watch the vault if it is there; re-watch it if the folder was replaced or the watch died."""
        real_root = os.path.realpath(self.root)
        try:
            info = os.stat(real_root)
            # A symlinked vault repointed elsewhere counts as replaced, like a folder swapped in.
            identity = (info.st_dev, info.st_ino, real_root) if os.path.isdir(real_root) else None
        except OSError:
            identity = None
        if identity is None:
            if self._observer is not None or initial:
                self._stop_observer()
                self._status(f"vault folder {self.root} is missing; waiting for it to come back")
            return
        healthy = (
            self._observer is not None
            and identity == self._root_identity
            and self._observer.is_alive()
            and all(emitter.is_alive() for emitter in self._observer.emitters)
        )
        if healthy:
            return
        was_lost = self._observer is not None or (not initial and self._root_identity is None)
        self._stop_observer()
        self._watched_root = real_root
        kind = "polling" if self._observer_kind == "polling" else "native"
        try:
            self._observer = self._start_observer(kind)
        except OSError as exc:
            if exc.errno not in _LIMIT_ERRNOS or self._observer_kind != "auto":
                if exc.errno == errno.ENOENT:
                    return  # vanished between stat and schedule; the next round retries
                raise
            self.fallback_reason = (
                f"native file watching hit a kernel limit ({os.strerror(exc.errno)}); "
                f"polling every {self.polling_interval:g}s instead"
            )
            self._status(self.fallback_reason)
            self._observer = self._start_observer("polling")
            kind = "polling"
        self._root_identity = identity
        self.mode = "polling" if kind == "polling" else _native_mode_name(self._observer)
        if was_lost:
            self._status(f"watching {self.root} again")
            self._request_rescan("the vault folder was missing or replaced")

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        self._root_identity = None
        self.mode = None
        if observer is not None:
            observer.stop()
            if observer.is_alive():
                observer.join()

    # -- events and debounce --------------------------------------------------------------------

    def _relative(self, path: str | bytes) -> str | None:
        path = os.fsdecode(path)
        if not path or path == self._watched_root:
            return None
        prefix = self._watched_root.rstrip(os.sep) + os.sep
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix) :]
        return relative.replace(os.sep, "/") if os.sep != "/" else relative

    def _on_event(self, event: FileSystemEvent) -> None:
        kind = "folder" if event.is_directory else "path"
        touched = [event.src_path]
        if isinstance(event, (FileMovedEvent, DirMovedEvent)):
            # Source: possibly deleted; destination: changed (an atomic save lands here).
            touched.append(event.dest_path)
        if isinstance(event, DirDeletedEvent) and os.fsdecode(event.src_path) == self._watched_root:
            self._wake()  # the supervisor notices the missing vault and re-watches later
            return
        complete = isinstance(event, FileClosedEvent)
        for i, path in enumerate(touched):
            relative = self._relative(path)
            if relative is not None and not is_ignored(relative, self.exclude):
                # A closed file, or a move's destination (an atomic save), is whole now.
                self._touch((kind, relative), complete=complete or (i == 1 and kind == "path"))

    def _touch(self, key: tuple[str, str], *, complete: bool = False) -> None:
        now = time.monotonic()
        with self._cond:
            was_empty = not self._pending
            entry = self._pending.get(key)
            if entry is None:
                self._pending[key] = (now, now + self.debounce)
            elif now - entry[0] < self.max_delay:
                self._pending.move_to_end(key)
                self._pending[key] = (entry[0], now + self.debounce)
            # else: waited long enough; keep its deadline so it goes out with the next batch
            if complete and now - self._early_sent.get(key, -self.debounce) < self.debounce:
                complete = False  # saved again right after an early report: a burst, debounced as usual
            if complete:
                first, deadline = self._pending[key]
                self._pending[key] = (first, min(deadline, now + CLOSED_SETTLE))
                self._early.add(key)
                self._cond.notify_all()  # the watcher thread may be sleeping towards a later deadline
            else:
                self._early.discard(key)  # written to again: not complete after all
                if was_empty:
                    self._cond.notify_all()

    def _request_rescan(self, reason: str) -> None:
        log.warning("full rescan needed: %s", reason)
        self._touch(("rescan", ""))

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _take(self, *, everything: bool = False) -> Changes | None:
        """Remove and return what is due (all of it with `everything`). Caller holds no lock."""
        with self._cond:
            now = time.monotonic()
            # Paths due within half a debounce window ride along: fewer, larger batches in a burst.
            horizon = now + self.debounce / 2
            taken = []
            while self._pending:
                key, (_, deadline) = next(iter(self._pending.items()))
                if not everything and deadline > horizon:
                    break
                self._pending.popitem(last=False)
                if key in self._early:
                    self._early.discard(key)
                    self._early_sent[key] = now
                taken.append(key)
            # Complete saves are out of deadline order (their deadline was brought forward).
            for key in [k for k in self._early if self._pending[k][1] <= horizon]:
                del self._pending[key]
                self._early.discard(key)
                self._early_sent[key] = now
                taken.append(key)
            if len(self._early_sent) > 1024:  # forget reports older than a debounce window
                self._early_sent = {k: t for k, t in self._early_sent.items() if now - t < self.debounce}
        if not taken:
            return None
        return Changes(
            paths=frozenset(path for kind, path in taken if kind == "path"),
            folders=frozenset(path for kind, path in taken if kind == "folder"),
            full_rescan=any(kind == "rescan" for kind, _ in taken),
        )

    def _deliver(self, changes: Changes | None) -> None:
        if changes is None:
            return
        try:
            self._on_changes(changes)
        except Exception:
            log.exception("the change callback failed; its paths are left to the next reconcile")

    def _run(self) -> None:
        next_check = time.monotonic() + self.supervise_interval
        while True:
            with self._cond:
                if not self._running:
                    return
                now = time.monotonic()
                wait = next_check - now
                if self._pending:
                    first_deadline = next(iter(self._pending.values()))[1]
                    if self._early:
                        first_deadline = min(first_deadline, min(self._pending[k][1] for k in self._early))
                    wait = min(wait, first_deadline - now)
                if wait > 0:
                    self._cond.wait(wait)
                if not self._running:
                    return
            if time.monotonic() >= next_check:
                try:
                    self._ensure_watching()
                except Exception:
                    log.exception("could not re-establish the vault watch; retrying")
                next_check = time.monotonic() + self.supervise_interval
            self._deliver(self._take())


def _native_mode_name(observer: BaseObserver | None) -> str:
    name = type(observer).__name__.lower()
    for mode in ("inotify", "fsevents", "kqueue", "windows"):
        if mode in name:
            return mode
    return name
