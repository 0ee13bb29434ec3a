"""A small pool of worker processes for CPU-heavy, pure work: parsing notes during a large index
scan (memd/index), rendering and planning conversations during an import (importers/plan_rules.py).

Why not multiprocessing: its spawn start method re-imports the caller's `__main__` in every
worker, so a script that uses memd without an `if __name__ == "__main__":` guard would run
itself again, and fork is unsafe in the daemon's threaded process. These workers are plain
`python -m memd.workers` processes that only ever import what the work needs.

Protocol, over the worker's stdin/stdout: length-prefixed pickles. The parent sends
(function, items); the worker answers ("ok", results) or ("error", traceback text).

Two ways to use it: `imap(fn, items)` streams an iterable through the workers (results in
order, at most PREFETCH chunks per worker in flight: memory bounded whatever the input's size);
`submit(fn, chunk)` / `result()` let a caller that produces work as it goes (an import's write
stage) keep a few chunks ahead and take the answers back in submission order.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

_HEADER = struct.Struct("!Q")
PREFETCH = 4  # chunks in flight per worker: enough to keep it busy, bounded in memory


def _frame(obj: Any) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _send(stream: BinaryIO, obj: Any) -> None:
    stream.write(_frame(obj))
    stream.flush()


def _recv(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    size = _HEADER.unpack(header)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class WorkerError(RuntimeError):
    """Work failed inside a worker; the message carries its traceback."""


class WorkerPool:
    """Worker processes that answer chunks of work in order. `fn` must be a module-level function
    (pickled by reference) or a functools.partial of one. Use as a context manager, or call
    `close()`."""

    def __init__(self, workers: int = 1):
        env = dict(os.environ, PYTHONUNBUFFERED="1", MEMD_WORKER="1")
        # -P: the current folder never goes first on sys.path; a memd source checkout there (the
        # README's quick start runs from one) would shadow the installed package.
        self._procs = [subprocess.Popen([sys.executable, "-P", "-m", "memd.workers"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env) for _ in range(max(1, workers))]
        # A feeder thread per worker writes while the caller reads answers (writing everything
        # first would deadlock on full pipes).
        self._inboxes: list[queue.SimpleQueue[bytes | None]] = [queue.SimpleQueue()
                                                                                for _ in self._procs]
        self._feeders = [threading.Thread(target=self._feed, args=(p, q), daemon=True, name="memd-worker-feed")
                         for p, q in zip(self._procs, self._inboxes)]
        for t in self._feeders:
            t.start()
        self._pending: deque[int] = deque()  # the worker of each chunk sent and not yet answered, in order
        self._next = 0
        self._closed = False

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def size(self) -> int:
        return len(self._procs)

    @property
    def alive(self) -> bool:
        """Whether every worker process is still running."""
        return all(p.poll() is None for p in self._procs)

    @property
    def pending(self) -> int:
        """Chunks submitted and not yet answered."""
        return len(self._pending)

    def submit(self, fn: Callable[[Any], Any], chunk: list[Any]) -> None:
        """Send `chunk` to the next worker (round robin); `result()` answers chunks in the order
        they were submitted (each worker answers its own in order). Work that cannot be pickled
        raises here, in the caller, and nothing is sent (were it found out in the feeder thread,
        no answer would ever come and `result()` would wait forever)."""
        frame = _frame((fn, chunk))
        i = self._next
        self._next = (i + 1) % len(self._procs)
        self._inboxes[i].put(frame)
        self._pending.append(i)

    def result(self) -> list[Any]:
        """`fn` of each item of the oldest chunk not yet answered (waits for it). Raises
        WorkerError if the work raised (the worker lives on) or the worker died."""
        return self._answer(self._procs[self._pending.popleft()])

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any], chunksize: int = 32) -> Iterator[Any]:
        if self._pending:
            raise RuntimeError("imap on a pool with submitted chunks not yet answered")
        it = iter(items)

        def send() -> bool:
            chunk = list(itertools.islice(it, chunksize))
            if chunk:
                self.submit(fn, chunk)
            return bool(chunk)

        for _ in range(len(self._procs) * PREFETCH):
            if not send():
                break
        try:
            while self._pending:
                out = self.result()
                send()
                yield from out
        finally:
            self._drop_pending()

    def _drop_pending(self) -> None:
        """Read and drop the answers of chunks nobody will take (an imap left early), so that
        the next chunk's answer is its own."""
        while self._pending:
            try:
                self.result()
            except WorkerError:
                pass

    @staticmethod
    def _feed(proc: subprocess.Popen, inbox: "queue.SimpleQueue[bytes | None]") -> None:
        while (frame := inbox.get()) is not None:
            try:
                proc.stdin.write(frame)  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
            except (BrokenPipeError, OSError, ValueError):
                return  # the worker died (or was closed); reading its answer reports it

    @staticmethod
    def _answer(proc: subprocess.Popen) -> list[Any]:
        try:
            status, payload = _recv(proc.stdout)  # type: ignore[arg-type]
        except (EOFError, OSError, ValueError):
            raise WorkerError(f"a worker process exited unexpectedly (status {proc.poll()})") from None
        if status != "ok":
            raise WorkerError(payload)
        return payload

    def close(self) -> None:
        """End the workers; answers not taken are read and dropped (a worker blocked writing
        one would otherwise never see its input end)."""
        if self._closed:
            return
        self._closed = True
        self._drop_pending()
        for q in self._inboxes:
            q.put(None)
        for t in self._feeders:
            t.join(5)
        for p in self._procs:
            try:
                if p.stdin:
                    p.stdin.close()
            except OSError:
                pass
        for p in self._procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            if p.stdout:
                p.stdout.close()


def _serve() -> None:
    # Keep the protocol stream clean: anything the work prints goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    while True:
        try:
            fn, items = _recv(inp)
        except EOFError:
            return
        try:
            _send(out, ("ok", [fn(x) for x in items]))
        except BaseException:
            _send(out, ("error", traceback.format_exc()))


if __name__ == "__main__":
    _serve()
