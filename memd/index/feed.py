"""Prepared notes for a scan, in order: parsed here, or in a worker process while this one writes.

A worker pays only when it parses while the writer inserts. Reading its answers from the thread
that writes did not give that: the worker's pipe holds ~64 KB, so it stopped after a chunk or two
and waited for the writer to come back for them (bench/index_bench.py measured a cold index
*slower* with the worker than without). A reader thread here takes the answers as they come, into
a bounded queue, while SQLite (which releases the GIL) inserts the previous batch.
"""

from __future__ import annotations

import functools
import itertools
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from memd.index.prepare import Job, Settings, prepare

WORKER_MIN = 3000  # files before a scan parses in a worker process (starting one costs ~0.3 s)
AHEAD = 1000  # prepared notes the reader thread may hold before the writer takes them (memory)
CHUNK = 64  # notes per message to and from the worker
PREFETCH = 4  # chunks in flight to the worker: it never waits for work, memory stays bounded
_END = object()


def use_worker() -> bool:
    """Parse in a worker process only with a core to spare for it. On two idle cores the worker
    overlaps parsing with writing; on cores other processes keep busy (the load average above
    cores - 1) a 10k-note cold index measured within noise either way in wall time (2.3-4.6 s
    with it, 2.9-4.5 s without, interleaved runs) while costing ~15 % more CPU in all (the
    pickling), so it is left out there. MEMD_INDEX_WORKER=0/1 decides instead."""
    forced = os.environ.get("MEMD_INDEX_WORKER")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return cores >= 2 and load <= cores - 1


def start_worker() -> Any:
    """A parse worker (memd.workers.WorkerPool) started ahead of its work, or None when none
    should be used. A scan starts one as soon as its walk has found WORKER_MIN files to parse:
    the worker's start-up (a Python process importing the parser, ~0.1-0.3 s) then overlaps the
    rest of the walk instead of holding up the first batch."""
    if not use_worker():
        return None
    from memd.workers import WorkerPool

    # A fresh `python -m memd.workers`: no inherited SQLite handles or threads, and the caller's
    # __main__ is never re-imported.
    pool = WorkerPool(1)
    # No work, but unpickling the function imports the parser in the worker now.
    pool.submit(functools.partial(prepare, settings=None), [])
    return pool


@contextmanager
def prepared(jobs: list[Job], settings: Settings,
             pool: Any = None) -> Iterator[Iterator[tuple[Any, list[tuple[str, str]]]]]:
    """(Prepared or None, warnings) for each job, in order. `pool`: a worker from start_worker()
    (closed here), or None to decide here."""
    if pool is None and len(jobs) >= WORKER_MIN:
        pool = start_worker()
    if pool is None or len(jobs) < WORKER_MIN:
        if pool is not None:
            pool.close()
        yield (prepare(job, settings) for job in jobs)
        return
    # Whole chunks of answers pass through the queue, not one note at a time: a queue operation
    # per note (two locks and a wake-up each) cost the writing thread ~5 % of a cold index.
    answers: queue.Queue[Any] = queue.Queue(maxsize=max(1, AHEAD // CHUNK))
    stop = threading.Event()
    work = functools.partial(prepare, settings=settings)
    todo = iter(jobs)

    def send() -> bool:
        chunk = list(itertools.islice(todo, CHUNK))
        if chunk:
            pool.submit(work, chunk)
        return bool(chunk)

    def read() -> None:
        try:
            while pool.pending:
                pool.result()  # the warm-up's empty answer
            for _ in range(PREFETCH):
                if not send():
                    break
            while pool.pending and not stop.is_set():
                out = pool.result()
                send()
                answers.put(out)
        except BaseException as exc:  # handed to the writer, raised there
            answers.put(exc)
        answers.put(_END)  # (what is still in flight after a stop is dropped by pool.close())

    reader = threading.Thread(target=read, daemon=True, name="memd-index-feed")
    reader.start()

    def take() -> Iterator[tuple[Any, list[tuple[str, str]]]]:
        while (out := answers.get()) is not _END:
            if isinstance(out, BaseException):
                raise out
            yield from out

    try:
        yield take()
    finally:
        stop.set()
        while reader.is_alive():  # unblock a put on a full queue until the thread has left
            try:
                answers.get(timeout=0.05)
            except queue.Empty:
                pass
        reader.join()
        pool.close()
