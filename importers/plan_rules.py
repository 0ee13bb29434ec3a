"""RulesPlanner: the plan stage (importers/plan.py) in memd.workers processes, for a backend whose
decisions depend on the turns alone (`searches_memory = False`: the rules backend), or for
rendering only (no extraction).

The write stage submits conversations in the order it writes them; they go out CHUNK at a time,
round robin, to worker processes that render each transcript and decide its turns with a
planning loop (ExtractionLoop.planner: writes nothing, needs no vault). Answers come back in
order. A worker that dies costs only speed: every conversation not yet answered, and every one
submitted after, comes back unplanned and the write stage renders and decides it itself.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from collections import deque
from collections.abc import Iterator
from datetime import tzinfo
from typing import Any

from memd.workers import WorkerError, WorkerPool

from .plan import PlanJob, PlanResult
from .times import UTC, zone

log = logging.getLogger("memd.importers")

CHUNK = 4  # conversations a worker plans per message: fewer round trips, little waiting at the start
MAX_WORKERS = 4


def worker_count() -> int:
    """One process per core beside the one the write stage uses (at least one), at most
    MAX_WORKERS; MEMD_IMPORT_WORKERS overrides (benchmarks, a machine shared with other work)."""
    try:
        return max(1, int(os.environ["MEMD_IMPORT_WORKERS"]))
    except (KeyError, ValueError):
        return max(1, min(MAX_WORKERS, (os.cpu_count() or 2) - 1))


class RulesPlanner:
    prepares_index_rows = True  # plan_job parses the note it rendered for the index (importers/plan.py)

    def __init__(self, config: Any, backend: Any, tz_name: str | None, workers: int | None = None):
        # The context travels once per chunk as bytes pickled here once; a worker unpickles it
        # the first time it sees its key.
        self._context = pickle.dumps((config, backend, tz_name), protocol=pickle.HIGHEST_PROTOCOL)
        key = hashlib.blake2b(self._context, digest_size=16).hexdigest()
        self._fn = functools.partial(plan_in_worker, key, self._context)
        self._pool: WorkerPool | None = WorkerPool(workers or worker_count())
        self._batch: list[PlanJob] = []  # submitted, not yet sent
        self._sent: deque[list[PlanJob]] = deque()  # chunks with the workers, oldest first
        self._ready: deque[PlanResult] = deque()  # answered, not yet taken

    def submit(self, job: PlanJob) -> None:
        self._batch.append(job)
        if len(self._batch) >= CHUNK:
            self._send()

    def _send(self) -> None:
        chunk, self._batch = self._batch, []
        if not chunk:
            return
        if self._pool is None:  # no workers any more: unplanned, the write stage does it
            self._ready.extend(PlanResult(job, error="no worker") for job in chunk)
            return
        self._pool.submit(self._fn, chunk)
        self._sent.append(chunk)

    def results(self) -> Iterator[PlanResult]:
        while self._ready or self._sent or self._batch:
            if not self._ready:
                if not self._sent:
                    self._send()
                    continue
                self._take()
            yield self._ready.popleft()

    def _take(self) -> None:
        chunk = self._sent.popleft()
        assert self._pool is not None
        try:
            answers = self._pool.result()
        except WorkerError as exc:
            if self._pool.alive:  # the answer could not travel (a result that does not pickle, say)
                log.debug("import worker: %s; deciding here", str(exc).strip().splitlines()[-1])
                self._ready.extend(PlanResult(job, error="not planned") for job in chunk)
                return
            log.warning("import worker process stopped; rendering and deciding in this one")
            self._lost(chunk)
            return
        for job, (text, steps, error, rows, timings, logs) in zip(chunk, answers):
            self._ready.append(PlanResult(job, text, steps, error, timings, logs, index_rows=rows))

    def _lost(self, chunk: list[PlanJob]) -> None:
        lost = [chunk, *self._sent, self._batch]
        self._sent.clear()
        self._batch = []
        self._ready.extend(PlanResult(job, error="worker gone") for jobs in lost for job in jobs)
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def close(self) -> None:
        self._batch, self._ready = [], deque()
        self._sent.clear()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


# -- in the worker process -------------------------------------------------------------------------
class _Capture(logging.Handler):
    """What planning logs (a secret redacted, say) travels back and is logged by the import."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # plain text travels; args may not
        record.exc_info = record.exc_text = None
        self.records.append(record)


_contexts: dict[str, tuple[Any, Any, tzinfo, dict[str, Any]]] = {}
_capture: _Capture | None = None


def plan_in_worker(key: str, context: bytes, job: PlanJob) -> tuple[Any, ...]:
    """Plan one conversation (memd.workers calls this for each job of a chunk)."""
    from .pipeline.planning import plan_job

    global _capture
    if _capture is None:
        _capture = _Capture()
        memd_log = logging.getLogger("memd")
        memd_log.setLevel(logging.DEBUG)
        memd_log.addHandler(_capture)
        memd_log.propagate = False
    ctx = _contexts.get(key)
    if ctx is None:
        config, backend, tz_name = pickle.loads(context)
        _contexts.clear()  # one import at a time per worker
        ctx = _contexts[key] = (config, backend, zone(tz_name) if tz_name else UTC, {})
    config, backend, tz, loops = ctx
    out = plan_job(job, tz, loops, config, backend)
    logs, _capture.records = _capture.records, []
    return out.text, out.steps, out.error, out.index_rows, out.timings, logs
