"""The daemon's scheduler with real apscheduler threads."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from memd.daemon.scheduler import BUFFER_FLUSH, INDEX_OPTIMISE, RECONCILE, Scheduler

WAIT = 30.0


class Counter:
    def __init__(self, target=1, hold: threading.Event | None = None):
        self.count = 0
        self.running = 0
        self.most_at_once = 0
        self.target = target
        self.reached = threading.Event()
        self.hold = hold
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            self.count += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            if self.count >= self.target:
                self.reached.set()
        try:
            if self.hold is not None:
                self.hold.wait(WAIT)
        finally:
            with self._lock:
                self.running -= 1


@pytest.fixture
def scheduler():
    s = Scheduler()
    yield s
    s.shutdown(wait=False)


def test_named_jobs_fire(scheduler):
    flush, reconcile, optimise, notion = Counter(3), Counter(1), Counter(2), Counter(2)
    scheduler.add_buffer_flush(flush, every=0.05)
    scheduler.add_reconcile(reconcile, every=3600)  # runs at start, then hourly
    scheduler.add_index_optimise(optimise, every=0.05)
    name = scheduler.add_source("notion", notion, every=0.05)
    scheduler.start()
    for counter in (flush, reconcile, optimise, notion):
        assert counter.reached.wait(WAIT)
    states = {state.name: state for state in scheduler.status()}
    assert set(states) == {BUFFER_FLUSH, RECONCILE, INDEX_OPTIMISE, name}
    assert name == "source:notion"
    assert states[RECONCILE].runs == 1 and states[RECONCILE].last_error is None
    assert states[RECONCILE].next_run > datetime.now(timezone.utc) + timedelta(minutes=30)


def test_runs_missed_during_sleep_coalesce_into_one(scheduler):
    """Like a laptop waking after 2 h: two hourly runs are overdue; one runs, none is dropped."""
    job = Counter(1)
    scheduler.add("hourly", job, every=3600, first_run=datetime.now(timezone.utc) - timedelta(hours=2, minutes=5))
    scheduler.start()
    assert job.reached.wait(WAIT)
    # Let a second run of the backlog happen if coalescing were off; it must not.
    marker = Counter(1)
    scheduler.add("marker", marker, every=3600, run_at_start=True)
    assert marker.reached.wait(WAIT)
    [state] = [s for s in scheduler.status() if s.name == "hourly"]
    assert job.count == 1 and state.runs == 1
    assert state.next_run > datetime.now(timezone.utc) + timedelta(minutes=30)


def test_a_job_never_overlaps_itself(scheduler):
    hold = threading.Event()
    job = Counter(1, hold=hold)
    scheduler.add("slow", job, every=0.05)
    scheduler.start()
    assert job.reached.wait(WAIT)
    # While the first run is held, later due times come and are skipped, not run alongside.
    done = threading.Event()
    threading.Thread(target=lambda: (_wait_for_skips(scheduler, "slow"), done.set()), daemon=True).start()
    assert done.wait(WAIT)
    hold.set()
    assert job.most_at_once == 1


def _wait_for_skips(scheduler, name):
    while not any(s.name == name and s.skipped_overlapping for s in scheduler.status()):
        threading.Event().wait(0.02)


def test_errors_are_recorded_and_the_job_keeps_its_schedule(scheduler):
    calls = Counter(2)

    def flaky():
        calls()
        raise RuntimeError("index is locked")

    scheduler.add("flaky", flaky, every=0.05)
    scheduler.start()
    assert calls.reached.wait(WAIT)
    [state] = [s for s in scheduler.status() if s.name == "flaky"]
    assert state.last_error == "RuntimeError: index is locked"


def test_run_now_and_restart_re_adds_jobs(scheduler):
    job = Counter(1)
    scheduler.add("daily", job, every=86400)
    scheduler.start()
    scheduler.run_now("daily")
    assert job.reached.wait(WAIT)
    scheduler.shutdown()
    assert not scheduler.running
    job.reached.clear()
    job.target = 2
    scheduler.start()  # the jobs are in memory only; start registers them again
    assert [s.name for s in scheduler.status()] == ["daily"]
    scheduler.run_now("daily")
    assert job.reached.wait(WAIT)
    scheduler.remove("daily")
    assert scheduler.status() == []
    with pytest.raises(KeyError):
        scheduler.run_now("daily")
