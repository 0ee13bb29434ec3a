"""Pass 1's per-conversation work, in worker processes for a large export: hash the turns and the
conversation, redact secrets, and encode what would be staged. The parse itself and every
decision (ledger, duplicates, --since, --limit) stay in the reading process, in order.

A conversation a worker could not prepare (or all of them once a worker died) comes back
without its preparation and the reading process does it itself, raising what it raises.
"""

from __future__ import annotations

import functools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from ..ledger import turn_digest
from ..model import Conversation
from ..spool import Spool
from ..transcript import ledger_hash, redacted

log = logging.getLogger("memd.importers")

PARALLEL_MIN = 64  # conversations read before the rest are prepared in worker processes
CHUNK = 8

# The turns' content hashes, the ledger's hash, and the record staged (None: the conversation is
# unchanged since the last import, nothing will be staged).
Prepared = tuple[list[str], str, bytes | None]


def redact_staged(conv: Conversation) -> tuple[Conversation, tuple[int, ...]]:
    """`conv` with its secrets redacted (transcript.redacted), and the positions of the turns whose
    text or title that changed. Every other turn's text is one the redaction leaves as it is, so
    the planner need not redact it a second time when it feeds the turn to extraction (the
    redaction is a function of the text alone: planning.py, `KnownClean`)."""
    staged = redacted(conv)
    if staged is conv:
        return conv, ()
    return staged, tuple(i for i, (a, b) in enumerate(zip(conv.turns, staged.turns)) if a is not b)


def prepare(redact: bool, item: tuple[Conversation, str | None]) -> Prepared | None:
    """Runs in a worker: see `Reader._classify` for what each step is for. `item`: the
    conversation, and the hash that means "imported as it is, nothing left to do" (the ledger's)."""
    conv, settled = item
    try:
        hashes = [t.content_hash() for t in conv.turns]
        content_hash = ledger_hash(conv.content_hash(hashes), redact)
        if content_hash == settled:
            return hashes, content_hash, None  # importing the same export again: no redaction, no staging
        staged, changed = redact_staged(conv) if redact else (conv, None)
        digests = [turn_digest(t.id, h) for t, h in zip(conv.turns, hashes)]
        return hashes, content_hash, Spool.encode((staged, content_hash, digests, changed))
    except Exception:
        return None  # prepared (and failed) in the reading process, in order


def prepared(convs: Iterator[Conversation], redact: bool, workers: int | None,
             settled: Callable[[Conversation], str | None]) -> Iterator[tuple[Conversation, Prepared | None]]:
    """Each conversation of `convs`, in order, with its preparation (None: not prepared). The
    first PARALLEL_MIN are not (a small export starts no process); `workers` None: none are.
    `settled(conv)`: the ledger's hash of a conversation imported with nothing left to do."""
    for _ in range(PARALLEL_MIN if workers else 0):
        conv = next(convs, None)
        if conv is None:
            return
        yield conv, None
    if not workers:
        yield from ((conv, None) for conv in convs)
        return
    from memd.workers import WorkerError, WorkerPool

    sent: deque[Conversation] = deque()  # handed to the workers, not yet answered

    def feed() -> Iterator[tuple[Conversation, str | None]]:
        for conv in convs:
            sent.append(conv)
            yield conv, settled(conv)

    try:
        with WorkerPool(workers) as pool:
            for prep in pool.imap(functools.partial(prepare, redact), feed(), chunksize=CHUNK):
                yield sent.popleft(), prep
    except WorkerError as exc:
        log.warning("import: a worker process stopped (%s); reading on in this one", str(exc).strip()[-200:])
    # Whatever the workers had and did not answer, then the rest: here.
    while sent:
        yield sent.popleft(), None
    yield from ((conv, None) for conv in convs)


def worker_count(parallel: bool | None, dry_run: bool) -> int | None:
    """Worker processes for pass 1: one per core (at most plan_rules.MAX_WORKERS), since this
    process only parses (a quarter of the work: a worker hashes, redacts and encodes a
    conversation in three times the time its parse takes); MEMD_IMPORT_WORKERS decides instead."""
    if parallel is False or dry_run:
        return None
    from ..plan_rules import MAX_WORKERS

    try:
        return max(1, int(os.environ["MEMD_IMPORT_WORKERS"]))
    except (KeyError, ValueError):
        return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


__all__: list[Any] = ["PARALLEL_MIN", "Prepared", "prepare", "prepared", "redact_staged", "worker_count"]
