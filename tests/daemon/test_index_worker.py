"""The daemon's indexing thread: batches applied in order, a burst's folders checked again once
it has quietened, and a failed batch retried as a full reconcile instead of waiting for the
periodic one."""

from __future__ import annotations

import time

from memd.daemon.run import IndexWorker
from memd.daemon.watcher import Changes


def _paths(app):
    with app.index.db.read() as c:
        return sorted(r[0] for r in c.execute("SELECT path FROM notes WHERE kind = 'note'"))


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_folder_filled_after_its_scan_is_picked_up_by_the_follow_up(app, vault):
    worker = IndexWorker(app, settle_s=0.3)
    worker.start()
    try:
        (vault / "Burst").mkdir()
        (vault / "Burst/early.md").write_text("early\n")
        worker.submit(Changes(paths=frozenset(), folders=frozenset({"Burst"})))
        assert _wait(lambda: "Burst/early.md" in _paths(app))
        # Written after the folder's scan, and no event for it ever reaches the worker: what a
        # watch added late or a dropped kernel queue looks like.
        (vault / "Burst/late.md").write_text("late\n")
        assert _wait(lambda: "Burst/late.md" in _paths(app)), "the follow-up scan did not run"
        batches = worker.batches
        time.sleep(0.8)
        assert worker.batches == batches, "a follow-up must not schedule another follow-up"
    finally:
        worker.stop(timeout=5)


def test_a_failed_batch_is_retried_as_a_full_reconcile(app, vault, monkeypatch):
    (vault / "note.md").write_text("hello\n")
    calls = []

    def failing(paths):
        calls.append(paths)
        raise OSError("disk hiccup")

    monkeypatch.setattr(app.index, "index_paths", failing)
    worker = IndexWorker(app, settle_s=0.2)
    worker.start()
    try:
        worker.submit(Changes(paths=frozenset({"note.md"}), folders=frozenset()))
        assert _wait(lambda: "note.md" in _paths(app)), "no reconcile after the failure"
        assert calls == [["note.md"]]
        assert worker.last_error == "OSError: disk hiccup"
    finally:
        worker.stop(timeout=5)


def test_stop_cancels_pending_follow_ups(app, vault):
    worker = IndexWorker(app, settle_s=0.5)
    worker.start()
    (vault / "F").mkdir()
    worker.submit(Changes(paths=frozenset(), folders=frozenset({"F"})))
    assert _wait(worker.idle)
    worker.stop(timeout=5)
    assert not worker.thread.is_alive()
    time.sleep(0.7)
    assert worker.queue.empty()  # the timer fired into a stopped worker: nothing was queued


def test_many_failed_batches_make_one_retry(app, vault, monkeypatch):
    (vault / "note.md").write_text("hello\n")

    def failing(paths):
        raise OSError("disk hiccup")

    monkeypatch.setattr(app.index, "index_paths", failing)
    scans = []
    real_scan = app.index.scan
    monkeypatch.setattr(app.index, "scan", lambda **kw: scans.append(kw) or real_scan(**kw))
    worker = IndexWorker(app, settle_s=0.3)
    worker.start()
    try:
        for i in range(5):
            worker.submit(Changes(paths=frozenset({f"n{i}.md"}), folders=frozenset()))
        assert _wait(lambda: "note.md" in _paths(app)), "no reconcile after the failures"
        time.sleep(0.6)
        assert scans == [{}], "five failures, one full reconcile"
    finally:
        worker.stop(timeout=5)
