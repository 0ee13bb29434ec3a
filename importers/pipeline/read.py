"""Pass 1 of an import: read and validate the whole export, compare each conversation with the
ledger, and stage those that need work (spool.py). Nothing is written to the vault here: a
truncated zip, invalid JSON or UTF-8 half-way through, a wrong format or an empty export
surfaces as one InputFormatError before the write pass starts."""

from __future__ import annotations

import hashlib
import inspect
import math
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from memd.errors import InputFormatError, MemdError

from .. import registry
from ..ledger import PENDING, turn_digest
from ..model import Conversation
from ..periods import split_by_month
from ..report import ParseRun, Problem
from ..safezip import Limits
from ..spool import Spool
from ..survey import CHANGED, EXTRACT, NEW, RESUME, UNCHANGED
from ..transcript import ledger_hash
from .prepare import Prepared, prepared, redact_staged, worker_count
from .standing import last_activity, standing

if TYPE_CHECKING:
    from .run import ImportRun


def read_export(run: ImportRun, path: Path, spool: Spool) -> None:
    """Parse `path` to the end, staging what needs work in `spool`; parse failures and warnings
    go to the report."""
    t0 = time.perf_counter()
    timings = run.report.timings
    reader = _Reader(run, spool)
    seq = 0
    try:
        fmt, parse = _open(run, path)
        with parse:
            workers = worker_count(run.parallel, run.req.dry_run)
            for conv, prep in prepared(_conversations(parse, fmt, run), run.redact, workers, reader.settled):
                seq += 1
                reader.classify(conv, prep)
                run.tick("reading", seq, None)
        parse_report = parse.report
    except OSError as exc:
        # An unreadable member (permissions, I/O error) mid-way: the whole input is refused.
        name = getattr(exc, "filename", None) or path
        raise InputFormatError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    timings["read"] += time.perf_counter() - t0 - sum(timings[k] for k in ("classify", "hash", "stage", "redact"))
    run.report.failed.extend(parse_report.failures)
    run.report.unlisted_failed += parse_report.unlisted_failures
    run.report.warnings.extend(parse_report.warnings)
    run.tick("reading", seq, None, force=True)


def _open(run: ImportRun, path: Path) -> tuple[str, ParseRun]:
    fmt = run.report.format
    limits = Limits.from_config(run.app.config.limits)
    if fmt == "auto":
        from ..detect import detect

        fmt = detect(path, limits)
        run.report.format = fmt
        if run.run_id is not None:
            run.ledger.update_run(run.run_id, format=fmt)
    entry = registry.get(fmt)
    parse = entry.load().parse
    accepted = {name for name, p in inspect.signature(parse).parameters.items() if p.kind == p.KEYWORD_ONLY}
    wanted: dict[str, Any] = {"all_branches": run.req.all_branches or None, "tz": run.req.tz,
                              "date_order": run.req.date_order}
    if run.me:
        # Assistant exports name one user; chat logs accept every name the user goes by.
        wanted["me"] = run.me[0] if entry.kind == "assistant" else run.me
    options = {k: v for k, v in wanted.items() if v is not None and k in accepted}
    if entry.kind == "chat" and not run.me:
        run.report.warnings.append(Problem(str(path), "no --me given and import.me is not set: every person in"
                                                      " the chat is someone else, none of them is you"))
    return fmt, entry.parse(path, limits=limits, **options)


def _conversations(parse: ParseRun, fmt: str, run: ImportRun) -> Iterator[Conversation]:
    """Chat logs of people (registry kind "chat") are cut into one note per month."""
    split = registry.get(fmt).kind == "chat"
    for conv in parse:
        if split:
            yield from split_by_month(conv, run.zone)
        else:
            yield conv


class _Reader:
    def __init__(self, run: ImportRun, spool: Spool):
        self.run = run
        self.spool = spool
        self.seen_keys: set[int] = set()  # 64-bit digests of the keys read: a small int each, not the key
        self.planned = 0  # conversations staged
        # Ledger rows read by `settled` for conversations handed to the workers, until classified
        # (nothing writes the ledger during this pass: one read a conversation is enough).
        self.entries: dict[tuple[str, str], Any] = {}

    def settled(self, conv: Conversation) -> str | None:
        """The ledger's hash of `conv` when it was imported with nothing left to do (then a
        conversation with that hash is unchanged: see standing())."""
        entry = self.entries[(conv.source, conv.source_id)] = self.run.ledger.get(conv.source, conv.source_id)
        if entry is None or entry.status == PENDING or (self.run.req.extract and entry.extracted != entry.turns):
            return None
        return entry.content_hash

    def classify(self, conv: Conversation, prep: Prepared | None) -> None:
        t_start = time.perf_counter()
        timings = self.run.report.timings
        inner = timings["hash"] + timings["stage"] + timings["redact"]
        try:
            self._classify(conv, prep)
        finally:
            # Each step is timed once: classify is what hashing, redacting and staging leave.
            timings["classify"] += (time.perf_counter() - t_start
                                    - (timings["hash"] + timings["stage"] + timings["redact"] - inner))

    def _classify(self, conv: Conversation, prep: Prepared | None) -> None:
        """`prep`: what a worker made of `conv` (prepare.py), None: made here."""
        run, report = self.run, self.run.report
        survey, timings = report.survey, report.timings
        key = (conv.source, conv.source_id)
        read = key in self.entries  # by `settled`, when the conversation went to a worker
        early = self.entries.pop(key, None)
        first, last = conv.first_time, last_activity(conv)
        key_digest = int.from_bytes(hashlib.blake2b(conv.key.encode("utf-8"), digest_size=8).digest(), "big")
        if key_digest in self.seen_keys:
            report.warnings.append(Problem(conv.source_id, "appears twice in the export; the first one is kept"))
            survey.add(conv, first, last, "duplicate")
            report.skipped["duplicate in the export"] += 1
            return
        self.seen_keys.add(key_digest)
        if run.req.since is not None and (last is None or last < run.req.since):
            survey.add(conv, first, last, "before --since")
            report.skipped["before --since"] += 1
            return
        t0 = time.perf_counter()
        staged: bytes | None = None
        changed: tuple[int, ...] | None = None  # turns the redaction changed (None: not redacted here)
        if prep is not None:
            hashes, content_hash, staged = prep
        else:
            # Each turn is hashed once: the conversation's hash is made of the turns' hashes, and
            # the ledger's per-turn digests (staged with the conversation) of them too.
            hashes = [t.content_hash() for t in conv.turns]
            content_hash = ledger_hash(conv.content_hash(hashes), run.redact)
        timings["hash"] += time.perf_counter() - t0
        entry = early if read else run.ledger.get(conv.source, conv.source_id)
        state, to_extract = standing(conv, entry, content_hash, run.req.extract, hashes=hashes)
        if state == UNCHANGED:
            survey.add(conv, first, last, UNCHANGED)
            report.unchanged += 1
            return
        if run.redact and staged is None:
            # Before anything is staged, named or written: the turns' digests (above) stay those
            # of the export, so a secret redacted now does not make its turn new to extraction.
            t0 = time.perf_counter()
            conv, changed = redact_staged(conv)
            timings["redact"] += time.perf_counter() - t0
        if run.req.limit is not None and self.planned >= run.req.limit:
            survey.add(conv, first, last, "over --limit")
            report.skipped["over --limit"] += 1
            return
        assert state in (NEW, CHANGED, RESUME, EXTRACT)
        survey.add(conv, first, last, state)
        self.planned += 1
        t0 = time.perf_counter()
        if staged is None:
            if run.req.dry_run:
                if run.estimate is not None and to_extract:
                    run.estimate.add(conv, [t.id for t in to_extract])  # a model backend's turns to decide
                # What the plan needs to name the note: the conversation without its turns.
                record: Any = (replace(conv, turns=[], created=first), entry.path if entry else None, state,
                               len(conv.turns), len(to_extract))
            else:
                digests = [turn_digest(t.id, h) for t, h in zip(conv.turns, hashes)]
                record = (conv, content_hash, digests, changed)
            staged = Spool.encode(record)
        try:
            self.spool.add_encoded(first.timestamp() if first is not None else math.inf, staged)
        except OSError as exc:
            raise MemdError(f"cannot stage the import in {run.app.config.state_dir}: {exc.strerror or exc}") from None
        timings["stage"] += time.perf_counter() - t0
