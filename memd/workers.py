"""A small pool of worker processes for CPU-heavy, pure work (parsing notes during a large scan).

Why not multiprocessing: its spawn start method re-imports the caller's `__main__` in every
worker, so a script that uses memd without an `if __name__ == "__main__":` guard would run
itself again, and fork is unsafe in the daemon's threaded process. These workers are plain
`python -m memd.workers` processes that only ever import what the work needs.

Protocol, over the worker's stdin/stdout: length-prefixed pickles. The parent sends
(function, items); the worker answers ("ok", results) or ("error", traceback text).
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
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO

_HEADER = struct.Struct("!Q")
PREFETCH = 4  # chunks in flight per worker: enough to keep it busy, bounded in memory


def _send(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
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
    """`imap(fn, items)` over worker processes, results in order. `fn` must be a module-level
    function (pickled by reference). Use as a context manager, or call `close()`."""

    def __init__(self, workers: int = 1):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # -P: the current folder never goes first on sys.path; a memd source checkout there (the
        # README's quick start runs from one) would shadow the installed package.
        self._procs = [subprocess.Popen([sys.executable, "-P", "-m", "memd.workers"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env) for _ in range(max(1, workers))]

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def imap(self, fn: Callable[[Any], Any], items: Iterable[Any], chunksize: int = 32) -> Iterator[Any]:
        it = iter(items)
        chunks: list[list[Any]] = []
        while batch := list(itertools.islice(it, chunksize)):
            chunks.append(batch)
        n = len(self._procs)
        # Chunk i goes to worker i % n, which answers its chunks in order; so answers are read
        # back in chunk order. A feeder thread per worker writes while this thread reads (writing
        # everything first would deadlock on full pipes), PREFETCH chunks ahead per worker.
        inboxes: list[queue.Queue[list[Any] | None]] = [queue.Queue() for _ in self._procs]
        feeders = [threading.Thread(target=self._feed, args=(p, fn, q), daemon=True)
                   for p, q in zip(self._procs, inboxes)]
        for t in feeders:
            t.start()
        ahead = n * PREFETCH
        try:
            for i in range(min(ahead, len(chunks))):
                inboxes[i % n].put(chunks[i])
            for i in range(len(chunks)):
                if i + ahead < len(chunks):
                    inboxes[(i + ahead) % n].put(chunks[i + ahead])
                yield from self._answer(self._procs[i % n])
        finally:
            for q in inboxes:
                q.put(None)
            for t in feeders:
                t.join()

    @staticmethod
    def _feed(proc: subprocess.Popen, fn: Callable[[Any], Any], inbox: "queue.Queue[list[Any] | None]") -> None:
        while True:
            chunk = inbox.get()
            if chunk is None:
                return
            try:
                _send(proc.stdin, (fn, chunk))  # type: ignore[arg-type]
            except (BrokenPipeError, OSError):
                return  # the worker died; reading its answer reports it

    @staticmethod
    def _answer(proc: subprocess.Popen) -> list[Any]:
        try:
            status, payload = _recv(proc.stdout)  # type: ignore[arg-type]
        except EOFError:
            raise WorkerError(f"a worker process exited unexpectedly (status {proc.poll()})") from None
        if status != "ok":
            raise WorkerError(payload)
        return payload

    def close(self) -> None:
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
