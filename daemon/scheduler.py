"""Periodic jobs of the daemon on an apscheduler 3.x BackgroundScheduler.

Jobs live in memory and are (re)registered at every start: the schedule is configuration, not
state, so nothing about it needs to survive a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobExecutionEvent,
    JobSubmissionEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("memd.daemon.scheduler")

BUFFER_FLUSH = "buffer_flush"
RECONCILE = "reconcile"
INDEX_OPTIMISE = "index_optimise"
SOURCE_PREFIX = "source:"

# Every job runs however late it is after a laptop sleeps (misfire_grace_time=None), runs once
# for all the runs it missed (coalesce), and never overlaps itself (max_instances=1).
_JOB_OPTIONS: dict[str, Any] = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


@dataclass
class JobState:
    name: str
    every_s: float
    runs: int = 0
    last_run: datetime | None = None
    last_error: str | None = None
    skipped_overlapping: int = 0
    next_run: datetime | None = None


@dataclass
class _Spec:
    func: Callable[[], Any]
    every: float
    first_run: datetime | None
    run_at_start: bool
    state: JobState = field(init=False)

    def __post_init__(self) -> None:
        self.state = JobState(name="", every_s=self.every)


class Scheduler:
    """Named interval jobs: buffer flush, reconcile, index optimise, and any sources added later.

    Job functions take no arguments (bind them with functools.partial or a closure) and run on a
    small thread pool, so a long reconcile does not hold up a buffer flush.
    """

    def __init__(self, *, max_workers: int = 2):
        self._max_workers = max_workers
        self._specs: dict[str, _Spec] = {}
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None

    # -- registration ---------------------------------------------------------------------------

    def add(
        self,
        name: str,
        func: Callable[[], Any],
        *,
        every: float,
        first_run: datetime | None = None,
        run_at_start: bool = False,
    ) -> None:
        """Register (or replace) a job running every `every` seconds.

        `run_at_start` runs it once as soon as the scheduler starts (a reconcile catches what
        changed while the daemon was down); `first_run` pins the first run time instead.
        """
        if every <= 0:
            raise ValueError("every must be positive")
        spec = _Spec(func=func, every=every, first_run=first_run, run_at_start=run_at_start)
        spec.state.name = name
        with self._lock:
            self._specs[name] = spec
            scheduler = self._scheduler
        if scheduler is not None:
            self._schedule(scheduler, name, spec)

    def add_buffer_flush(self, func: Callable[[], Any], *, every: float) -> None:
        self.add(BUFFER_FLUSH, func, every=every)

    def add_reconcile(self, func: Callable[[], Any], *, every: float, run_at_start: bool = True) -> None:
        self.add(RECONCILE, func, every=every, run_at_start=run_at_start)

    def add_index_optimise(self, func: Callable[[], Any], *, every: float) -> None:
        self.add(INDEX_OPTIMISE, func, every=every)

    def add_source(self, source: str, func: Callable[[], Any], *, every: float, run_at_start: bool = False) -> str:
        """A periodic pull from an outside source (Notion sync, ...); returns the job's name."""
        name = SOURCE_PREFIX + source
        self.add(name, func, every=every, run_at_start=run_at_start)
        return name

    def remove(self, name: str) -> None:
        with self._lock:
            self._specs.pop(name)
            scheduler = self._scheduler
        if scheduler is not None:
            scheduler.remove_job(name)

    def run_now(self, name: str) -> None:
        """Run a job at once (e.g. flush buffers on shutdown request) without changing its interval."""
        with self._lock:
            scheduler = self._scheduler
            if name not in self._specs:
                raise KeyError(name)
        if scheduler is None:
            raise RuntimeError("the scheduler is not running")
        scheduler.modify_job(name, next_run_time=datetime.now(timezone.utc))

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        with self._lock:
            if self._scheduler is not None:
                return
            scheduler = BackgroundScheduler(
                executors={"default": ThreadPoolExecutor(max_workers=self._max_workers)},
                job_defaults=dict(_JOB_OPTIONS),
                timezone=timezone.utc,
            )
            scheduler.add_listener(
                self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES
            )
            specs = dict(self._specs)
            self._scheduler = scheduler
        for name, spec in specs.items():
            self._schedule(scheduler, name, spec)
        scheduler.start()

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop; with `wait`, jobs already running finish first."""
        with self._lock:
            scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=wait)

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def status(self) -> list[JobState]:
        """A copy of each job's counters, with its next run time, for `memd status`."""
        with self._lock:
            scheduler = self._scheduler
            states = {name: JobState(**vars(spec.state)) for name, spec in self._specs.items()}
        if scheduler is not None:
            for name, state in states.items():
                job = scheduler.get_job(name)
                state.next_run = job.next_run_time if job is not None else None
        return [states[name] for name in sorted(states)]

    # -- internals ------------------------------------------------------------------------------

    def _schedule(self, scheduler: BackgroundScheduler, name: str, spec: _Spec) -> None:
        options = dict(_JOB_OPTIONS)
        if spec.first_run is not None:
            options["next_run_time"] = spec.first_run
        elif spec.run_at_start:
            options["next_run_time"] = datetime.now(timezone.utc)
        scheduler.add_job(
            spec.func,
            IntervalTrigger(seconds=spec.every, timezone=timezone.utc),
            id=name,
            name=name,
            replace_existing=True,
            **options,
        )

    def _on_event(self, event: JobExecutionEvent | JobSubmissionEvent) -> None:
        with self._lock:
            spec = self._specs.get(event.job_id)
            if spec is None:
                return
            state = spec.state
            if event.code == EVENT_JOB_MAX_INSTANCES:
                state.skipped_overlapping += 1
                return
            if event.code == EVENT_JOB_MISSED:
                # Cannot happen with misfire_grace_time=None; logged in case a job is given one.
                log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
                return
            state.runs += 1
            state.last_run = datetime.now(timezone.utc)
            if event.code == EVENT_JOB_ERROR:
                state.last_error = f"{type(event.exception).__name__}: {event.exception}"
                log.error("job %s failed: %s", event.job_id, state.last_error)
            else:
                state.last_error = None


