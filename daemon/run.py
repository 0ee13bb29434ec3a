"""`memd run`: the daemon — one process per vault, in the foreground (launchd/systemd run it).

Start-up: take the vault's lock (before anything binds the socket), watch the vault, reconcile
the index with it (catches every change made while the daemon was down; changes during the scan
are queued and applied after it), serve the socket, start the scheduler, then tell systemd
READY=1. Changes from the watcher go to one indexing
thread, so the index is updated in the order things happened and a burst of events never runs
scans side by side. SIGTERM/SIGINT: stop accepting requests, let the write in progress finish
(the writer's lock), and exit — buffers are already persisted turn by turn.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import queue
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from memd import api
from memd.app import Memd
from memd.config import Config
from memd.daemon.lock import InstanceLock
from memd.daemon.paths import ensure_private_dir, paths_for_config
from memd.daemon.scheduler import Scheduler
from memd.daemon.sdactivation import listen_sockets
from memd.daemon.sdnotify import Notifier
from memd.daemon.socket_server import Limits as SocketLimits, SocketServer
from memd.daemon.review_sync import ReviewNoteSync
from memd.daemon.watcher import Changes, Watcher

log = logging.getLogger("memd.daemon")
SHUTDOWN_GRACE_S = 1.5
RPC_THREADS = 8  # SIGTERM to exit well within 2 s, even with a write in flight
BUFFER_FLUSH_EVERY_S = 60.0
OPTIMISE_EVERY_S = 24 * 3600.0
SETTLE_S = 2.0  # a folder scanned during a burst is checked again this long after
RETRY_MAX_S = 300.0  # back-off cap for retrying a failed batch


class IndexWorker:
    """Applies watcher batches to the index, one at a time, on its own thread.

    Two safety nets, because a watcher only ever says *where* something may have changed and can
    miss things while a burst lands (a new folder filled while its watch is being added, events
    dropped by a full kernel queue, a batch that failed to apply):
    - a batch that scanned folders or the whole vault is checked once more after `settle_s`, when
      the burst has quietened (a stat walk when nothing was missed);
    - a batch that failed is retried as a full reconcile scan, with a growing back-off.
    """

    def __init__(self, app: Memd, *, settle_s: float = SETTLE_S):
        self.app = app
        self.settle_s = settle_s
        # (changes, why): "event" from the watcher, "settle" (a burst's second look), "retry"
        self.queue: queue.Queue[tuple[Changes, str] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="memd-indexer", daemon=True)
        self.batches = 0
        self.last_error: str | None = None
        self._failures = 0
        self._retry_pending = False  # one retry at a time, however many batches failed
        self._timers: set[threading.Timer] = set()
        self._timers_lock = threading.Lock()
        self._stopping = False

    def start(self) -> None:
        self.thread.start()

    def submit(self, changes: Changes) -> None:
        self.queue.put((changes, "event"))

    def stop(self, timeout: float) -> None:
        with self._timers_lock:
            self._stopping = True
            for timer in self._timers:
                timer.cancel()
        self.queue.put(None)
        self.thread.join(timeout)

    def idle(self) -> bool:
        return self.queue.unfinished_tasks == 0

    def _later(self, delay: float, changes: Changes, why: str) -> None:
        """Queue `changes` after `delay` seconds; a follow-up is never followed up itself."""
        def fire() -> None:
            with self._timers_lock:
                self._timers.discard(timer)
                if self._stopping:
                    return
            self.queue.put((changes, why))

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._timers_lock:
            if self._stopping:
                return
            self._timers.add(timer)
        timer.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                changes, why = item
                if why == "retry":
                    self._retry_pending = False
                self._apply(changes)
                self._failures = 0
                if why == "event" and (changes.folders or changes.full_rescan):
                    self._later(self.settle_s, Changes(paths=frozenset(), folders=changes.folders,
                                                       full_rescan=changes.full_rescan), "settle")
            except Exception as exc:  # one bad batch must not stop indexing
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._failures += 1
                delay = min(RETRY_MAX_S, self.settle_s * 2 ** (self._failures - 1))
                log.exception("indexing a batch of changes failed; a full reconcile follows in %.0fs", delay)
                if not self._retry_pending:
                    self._retry_pending = True
                    self._later(delay, Changes(paths=frozenset(), folders=frozenset(), full_rescan=True), "retry")
            finally:
                self.queue.task_done()

    def _apply(self, changes: Changes) -> None:
        self.batches += 1
        index = self.app.index
        if changes.full_rescan:
            index.scan()
            return
        # index_paths takes folders too: one that is there is scanned, one that is gone has its rows removed.
        if changes.paths or changes.folders:
            index.index_paths(sorted(changes.paths | changes.folders))


def _flush_idle_buffers(app: Memd) -> None:
    """Buffered turns past the idle timeout get their final decision. The loop (its backend, a
    model) is built only when some stream has something buffered: an idle daemon loads nothing."""
    from memd.extract.streams import any_buffered

    if any_buffered(app.state):
        api.extraction_loop(app).flush_idle()


class Daemon:
    def __init__(self, config: Config):
        self.config = config
        self.paths = paths_for_config(config)
        self.started = time.monotonic()
        self.app: Memd | None = None
        self.watcher: Watcher | None = None
        self.worker: IndexWorker | None = None
        self.review: ReviewNoteSync | None = None
        self.scheduler: Scheduler | None = None
        self.imports = ImportJobs()
        self._stop: asyncio.Event | None = None

    # -- methods the socket serves ---------------------------------------------------------------
    def methods(self, app: Memd) -> dict[str, Any]:
        # Through api.call, as the CLI in process: the same parameter checks, the same errors.
        table = {name: functools.partial(api.call_params, app, name) for name in api.METHODS}
        table["status"] = functools.partial(self._status, app)
        table["import.start"] = functools.partial(self.imports.start, app)
        return table

    def _status(self, app: Memd) -> dict[str, Any]:
        data = api.status(app)
        data["daemon"] = {
            "pid": os.getpid(),
            "uptime_s": round(time.monotonic() - self.started, 1),
            "socket": str(self.paths.socket),
            "watcher": self.watcher.mode if self.watcher else None,
            "watcher_fallback": self.watcher.fallback_reason if self.watcher else None,
            "index_batches": self.worker.batches if self.worker else 0,
            "index_error": self.worker.last_error if self.worker else None,
            "jobs": [_job_json(j) for j in self.scheduler.status()] if self.scheduler else [],
            "import_running": self.imports.running(),
        }
        return data

    # -- life cycle ------------------------------------------------------------------------------
    def run(self) -> int:
        return asyncio.run(self._main())

    async def _main(self) -> int:
        lock = InstanceLock(self.paths.lock)
        lock.acquire()  # before binding: a running daemon's socket must never be replaced
        notifier = Notifier()
        inherited = listen_sockets()
        os.environ.pop("NOTIFY_SOCKET", None)  # children (imports, models) must not notify systemd
        # SQLite releases the GIL, so a few threads serve many clients on two cores; each thread
        # holds a reader connection (memory), so not more.
        executor = ThreadPoolExecutor(max_workers=RPC_THREADS, thread_name_prefix="memd-rpc")
        app = self.app = Memd(self.config)
        try:
            # Watch first, then reconcile, then serve: a change made while the scan runs is queued
            # (and applied after it), and no client is answered before its edits are being watched.
            self.worker = IndexWorker(app)
            self.review = ReviewNoteSync(app)
            worker, review = self.worker, self.review

            def on_changes(changes: Changes) -> None:
                worker.submit(changes)
                review.notice(changes)

            # The review note is kept out of the index, not out of the watch: its saves are answers.
            self.watcher = Watcher(self.config.vault, on_changes, debounce=self.config.daemon.debounce_ms / 1000,
                                   exclude=self.config.index.exclude,
                                   on_status=lambda note: (log.warning("%s", note), notifier.status(note)))
            self.watcher.start()
            notifier.status("reconciling the index with the vault")
            report = app.index.scan()
            log.info("start-up scan: %d files, %d added, %d updated, %d removed in %.2fs", report.scanned,
                     report.added, report.updated, report.removed, report.seconds)
            self.worker.start()
            self.review.start()
            ensure_private_dir(self.paths.socket.parent)
            server = SocketServer(self.paths.socket, self.methods(app), lock=lock, executor=executor,
                                  limits=SocketLimits(max_request_bytes=self.config.limits.max_request_kb * 1024,
                                                      max_json_depth=self.config.limits.max_json_depth),
                                  inherited=inherited[0] if inherited else None)
            await server.start()
            self.scheduler = self._schedule(app)
            self.scheduler.start()
            loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._stop.set)
            notifier.ready(f"serving {self.config.vault}")
            log.info("memd is running for %s (socket %s)", self.config.vault, self.paths.socket)
            watchdog = asyncio.create_task(self._watchdog(notifier)) if notifier.watchdog_interval() else None
            await self._stop.wait()
            notifier.stopping("shutting down")
            log.info("stopping")
            if watchdog:
                watchdog.cancel()
            await server.close()
            self._shutdown(app, executor)
        finally:
            if self.watcher:
                self.watcher.stop(flush=False)  # already stopped after a clean shutdown
            app.close()
            lock.release()
        return 0

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _shutdown(self, app: Memd, executor: ThreadPoolExecutor) -> None:
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        self.imports.cancel()
        if self.watcher:
            self.watcher.stop(flush=False)
        if self.scheduler:
            self.scheduler.shutdown(wait=False)
        if self.review:
            self.review.stop(timeout=max(0.0, deadline - time.monotonic()) / 4)
        if self.worker:
            self.worker.stop(timeout=max(0.0, deadline - time.monotonic()) / 2)
        executor.shutdown(wait=False, cancel_futures=True)
        # Wait for a write in flight to finish (the writer holds its lock for the whole write),
        # then hold the lock so no new one starts while the process exits.
        acquired = app.writer._thread_lock.acquire(timeout=max(0.05, deadline - time.monotonic()))
        if not acquired:
            log.warning("a write was still running at shutdown; it is atomic and will be old or new")

    def _schedule(self, app: Memd) -> Scheduler:
        sched = Scheduler()
        sched.add_buffer_flush(functools.partial(_flush_idle_buffers, app), every=BUFFER_FLUSH_EVERY_S)
        sched.add_reconcile(app.index.scan, every=self.config.daemon.reconcile_minutes * 60, run_at_start=False)
        sched.add_index_optimise(app.index.optimize, every=OPTIMISE_EVERY_S)
        notion = self.config.notion
        if notion.token_env and notion.interval_minutes > 0:  # [notion]: pages kept in sync through the API
            from memd.importers.notion.api_import import sync_configured

            sched.add_source("notion", functools.partial(sync_configured, app), every=notion.interval_minutes * 60,
                             run_at_start=True)
        return sched

    async def _watchdog(self, notifier: Notifier) -> None:
        interval = notifier.watchdog_interval() or 30.0
        while True:
            notifier.watchdog()
            await asyncio.sleep(interval / 2)


class ImportJobs:
    """`import.start` over the socket returns at once; the import runs on its own thread and
    `import.status` reports its progress (kept by the import pipeline in the state database)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self._app: Memd | None = None

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, app: Memd, **params: Any) -> dict[str, Any]:
        from memd.errors import DaemonError

        if params.get("dry_run"):
            return api.call(app, "import.start", params)  # a dry run writes nothing: answer directly
        with self._lock:
            if self.running():
                raise DaemonError("an import is already running", hint="memd import status")
            api.call_check(app, "import.start", params)  # bad parameters fail here, not in the thread
            before = api.call(app, "import.status", {}).get("run")
            self.last_error = None
            self._app = app
            app.import_cancel.clear()

            def work() -> None:
                try:
                    api.call(app, "import.start", params)
                except Exception as exc:  # reported through import.status
                    self.last_error = str(exc)
                    log.error("import failed: %s", exc)

            self._thread = threading.Thread(target=work, name="memd-import", daemon=True)
            self._thread.start()
        return {"started": True, "previous_run": before.get("id") if isinstance(before, dict) else None}

    def cancel(self) -> None:
        """Stop a running import after its current conversation (it resumes on the next run)."""
        if self._app is not None:
            self._app.import_cancel.set()


def _job_json(job: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in job.__dict__.items()}


def configure_logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # quiet: one line per job run otherwise
