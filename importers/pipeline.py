"""One import pipeline for every format: conversation -> transcript note -> extraction -> ledger.

    run = run_import(app, ImportRequest(path, "chatgpt"), progress=callback)

A parser (registry) yields Conversations; nothing here knows one format from another, except
that chat logs of people (registry kind "chat") are cut into one note per month (periods.py).
Adding a format is adding a parser.

Two passes, so that bad input never half-writes the vault:

1. Read (validate). The whole export is parsed and each conversation is compared with the
   ledger (ledger.py): new, changed, resumed, extraction-only or unchanged. Those that need work
   are staged in a temporary spool (spool.py). A truncated zip, invalid JSON or UTF-8 half-way
   through, a wrong format or an empty export surfaces here, as one InputFormatError, before a
   single byte reaches the vault. Staging (rather than parsing twice) costs one compressed copy
   of what changed on local disk, and buys the second pass a chronological order.
2. Write. Staged conversations, oldest first: reserve the transcript path in the ledger (pending),
   write the note through the writer's whole-file compare-and-swap (a note the user edited is
   kept), feed the turns that are new since the last import through the extraction loop, save
   that conversation's decisions, then mark the ledger row done. A kill -9 anywhere leaves at
   most one pending conversation, which the next run redoes on the same path; every step of it
   is idempotent (same bytes, facts already present), so nothing in the vault is duplicated. (A
   kill between the decisions and the ledger row records that conversation's decisions twice in
   the decisions log; the journal may show a fact set again, never a second line.)

Which turns the extraction loop decides on: the user's and other people's text (roles user and
other). Assistant and system turns are given to the loop as context only (the rules backend
ignores them anyway, and a model backend would spend a call on each), cut to their last
CONTEXT_CHARS; tool output, code, bot posts and attached documents are neither, and neither are
the branches the user left (edited prompts, regenerated answers: kept in the note with
--all-branches, but what the user moved away from is not a fact to learn). "About me" /
custom-instruction turns are strong sources and are extracted once per distinct text, however
many conversations repeat them.

A large import (PLAN_MIN conversations and more) has a helper: one worker process, which writes
nothing to the vault or the state database, renders the transcripts, makes the extraction
decisions of a backend that never searches memory (the rules backend: its decisions depend on the
turns alone) and indexes the notes written, while this process writes. The decisions are replayed
here in order, so the vault, the journal and the decisions table are the same as without it (see
"Planning ahead" in _Import); whatever the worker could not know, or failed at, is done here.

The function is safe to run in a daemon thread: it talks to the app only through its locked
state database and writer, holds an import lock file so two imports never interleave, reports
progress through a callback and the `import_runs` table, and stops between conversations when
`cancel` is set.
"""

from __future__ import annotations

import fcntl
import hashlib
import inspect
import logging
import math
import os
import pickle
import tempfile
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from pathlib import Path
from threading import Event
from typing import Any

import yaml

from memd.errors import InputFormatError, MemdError
from memd.state import Source

from . import registry
from .ledger import DONE, EDITED, PENDING, Entry, Ledger, path_key, text_hash, turn_digest
from .model import Conversation, Turn
from .periods import split_by_month
from .report import RECORD_ERRORS, ParseRun, Problem, one_line
from .safezip import Limits
from .spool import Spool
from .survey import CHANGED, EXTRACT, NEW, RESUME, UNCHANGED, PlannedNote, Survey
from .times import UTC, zone
from .transcript import block_ids, ledger_hash, redacted, redacts_transcripts, render, short_suffix, transcript_path

log = logging.getLogger("memd.importers")

# Turn kinds that are never statements by a person: left out of extraction entirely.
NOT_STATEMENTS = frozenset({"code", "execution_output", "tool_call", "error", "quote", "bot", "document"})
DECIDE_ROLES = ("user", "other")  # decided on by the extraction loop
CONTEXT_ROLES = ("assistant", "system")  # given to it as context only
CONTEXT_CHARS = 600  # of a context-only turn (an assistant reply), its end is kept
_LOOP_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "other": "other", "tool": "other"}
RUN_UPDATE_SECONDS = 1.0


class ImportBusyError(MemdError):
    """Another import is writing to this vault."""


@dataclass
class ImportRequest:
    path: str
    format: str = "auto"  # a registry name, "auto", or a CLI spelling like "openai-jsonl"
    all_branches: bool = False
    me: list[str] = field(default_factory=list)  # names that are the user (default: config import.me)
    tz: str | None = None  # zone of wall-clock times in chat logs, and of dates in transcripts
    since: datetime | None = None  # only conversations active since then
    limit: int | None = None  # at most this many conversations that need work
    extract: bool = True
    dry_run: bool = False

    def options(self) -> dict[str, Any]:
        return {"all_branches": self.all_branches, "me": self.me, "tz": self.tz,
                "since": self.since.isoformat() if self.since else None, "limit": self.limit,
                "extract": self.extract}


@dataclass
class ImportProgress:
    phase: str  # "reading" (first pass; total unknown) | "writing"
    done: int
    total: int | None
    counts: dict[str, int]


@dataclass
class ImportReport:
    path: str
    format: str
    dry_run: bool
    run_id: int | None = None
    survey: Survey = field(default_factory=Survey)
    new: int = 0  # transcripts created
    updated: int = 0  # transcripts replaced by a newer version
    unchanged: int = 0
    kept: int = 0  # changed in the export, but the note was edited by hand: kept as it is
    extracted_conversations: int = 0
    turns_extracted: int = 0  # turns fed to the extraction loop (decided or as context)
    decisions: Counter = field(default_factory=Counter)  # tool -> count
    facts_added: int = 0  # memory writes applied (facts, relations, events, new entity files)
    review_items: int = 0  # memory writes parked for review (they would overwrite a hand edit)
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    failed: list[Problem] = field(default_factory=list)  # at most MAX_PROBLEMS a parse, then one "…" entry
    unlisted_failed: int = 0  # failures past that, counted but not listed
    warnings: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    timings: Counter = field(default_factory=Counter)  # seconds by step

    @property
    def written(self) -> int:
        return self.new + self.updated

    def counts(self) -> dict[str, int]:
        return {"written": self.written, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "kept": self.kept, "skipped": sum(self.skipped.values()),
                "failed": sum(1 for p in self.failed if p.where != "…") + self.unlisted_failed,
                "facts_added": self.facts_added, "review_items": self.review_items,
                "turns_extracted": self.turns_extracted}

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path, "format": self.format, "dry_run": self.dry_run, "run_id": self.run_id,
            **self.counts(),
            "extracted_conversations": self.extracted_conversations,
            "decisions": dict(self.decisions),
            "skipped_reasons": dict(self.skipped),
            "failures": [{"where": p.where, "message": p.message} for p in self.failed],
            "warnings": [{"where": p.where, "message": p.message} for p in self.warnings],
            "survey": self.survey.to_json(),
            "planned": [n.to_json() for n in self.survey.planned] if self.dry_run else [],
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in sorted(self.timings.items())},
        }


INDEX_BATCH = 200  # transcript notes indexed together
# The worker process ("Planning ahead" in _Import).
PLAN_MIN = 64  # conversations to write before an import starts one
PLAN_EARLY = 64  # conversations with it at most at a time while the export is read
PLAN_AHEAD = 24  # conversations with it ahead of the one being written
PLAN_WINDOW = 96  # conversations read ahead of the one being written
PLAN_WINDOW_MAX = 384  # ... when it is behind and this process plans some of them itself
INDEX_CHUNK = 20  # transcript notes it indexes in one transaction
WAIT_BUDGET = 0.05  # seconds waited for it since the last batch of notes: more, and this process indexes them
PIPE_BYTES = 1 << 20  # buffer of the pipes to and from it
WORKER_NICE = 5  # it yields the CPU to this process, which everything waits for


def normalise_format(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def run_import(app: Any, request: ImportRequest, *, progress: Callable[[ImportProgress], None] | None = None,
               cancel: Event | None = None, backend: Any = None, parallel: bool | None = None) -> ImportReport:
    """Import `request.path` into the app's vault (or only survey it, with `dry_run`).

    `parallel`: render transcripts, make the extraction decisions and index the notes in a worker
    process while this one writes (see "Planning ahead" below): None decides by size (PLAN_MIN
    conversations), True whenever it can, False never. The vault, journal and decisions are the
    same either way. The worker is spawned (like the index's bulk scan): a script that calls this
    needs the usual `if __name__ == "__main__":` guard."""
    return _Import(app, request, progress, cancel, backend, parallel).run()


class _Import:
    def __init__(self, app: Any, request: ImportRequest, progress: Callable[[ImportProgress], None] | None,
                 cancel: Event | None, backend: Any, parallel: bool | None = None):
        self.app = app
        self.parallel = parallel
        self.req = request
        self.redact = redacts_transcripts(app.config.privacy)  # secrets out of notes, ledger, journal
        self.progress = progress
        self.cancel = cancel
        self.unindexed: list[str] = []  # transcript notes written, not yet indexed
        self.backend = backend
        self.ledger = Ledger(app.state)
        self.sources_dir = app.config.memory.sources_dir.strip("/")
        self.zone: tzinfo = UTC  # set in run(), where a bad zone is reported like any bad input
        self.me = list(request.me) if request.me else list(app.config.import_.me)
        self.report = ImportReport(path=str(request.path), format=normalise_format(request.format),
                                   dry_run=request.dry_run)
        self.claimed: dict[str, str] = {}  # path key -> conversation key, paths planned in this run
        self.seen_keys: set[int] = set()  # 64-bit digests of the keys read: a small int each, not the key
        self.seen_text_run: set[str] = set()
        self.predicted_seen: set[str] = set()  # seen_text_run as it will be once the planned conversations ran
        self.loops: dict[str, Any] = {}
        self._planning_loops: dict[str, Any] = {}  # planning loops of this process (_plan_here)
        # Who planned what: early (while reading), redone (an early plan that assumed wrong),
        # worker, here (this process, the worker being behind), decided (no plan: the loop decided).
        self.plans: Counter = Counter()
        self.planner: _Planner | None = None  # the worker process, once there is enough to write
        self._waited = 0.0  # seconds spent waiting for the worker's plans since the last batch of notes
        self.run_id: int | None = None
        self._deferred = 0  # memory writes of the current conversation put off (a file being edited)
        self._last_update = 0.0

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> ImportReport:
        start = time.perf_counter()
        path = Path(self.req.path).expanduser()
        with self._import_lock():
            # The run is recorded first, so that `import.status` also reports input refused up front
            # (a daemon starts imports in the background and answers before they fail).
            self.run_id = self.ledger.start_run(fmt=self.report.format, path=str(path), options=self.req.options(),
                                                dry_run=self.req.dry_run)
            self.report.run_id = self.run_id
            try:
                self.zone = zone(self.req.tz) if self.req.tz else UTC
                self._check_path(path)
                with Spool(self.app.config.state_dir) as spool:
                    try:
                        self._read(path, spool)
                        if self.req.dry_run:
                            self._plan(spool)
                        elif len(spool):
                            self._write(spool)
                    finally:
                        if self.planner is not None:
                            self.planner.close()
                            self.planner = None
            except BaseException as exc:
                status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
                self.report.seconds = time.perf_counter() - start
                self.ledger.update_run(self.run_id, status=status, error=one_line(str(exc) or type(exc).__name__),
                                       counts=self.report.counts(), finished=_now())
                raise
            self.report.seconds = time.perf_counter() - start
            self.ledger.update_run(self.run_id, status="cancelled" if self.report.cancelled else "done",
                                   phase="done", counts=self.report.counts(), finished=_now())
        return self.report

    def _check_path(self, path: Path) -> None:
        # A FIFO or a device would block the reader forever; an export is a file or a folder.
        try:
            if path.exists() and not (path.is_file() or path.is_dir()):
                raise InputFormatError(f"{path}: not a file or a folder")
        except OSError as exc:
            raise InputFormatError(f"{path}: cannot be read ({exc.strerror or exc})") from None

    @contextmanager
    def _import_lock(self) -> Iterator[None]:
        if self.req.dry_run:
            yield
            return
        lock_path = self.app.config.state_dir / "import.lock"
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ImportBusyError("another import is running on this vault; wait for it to finish"
                                      " (memd import status)") from None
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- pass 1: read, validate, classify, stage -------------------------------------------------
    def _open(self, path: Path) -> tuple[str, ParseRun]:
        fmt = self.report.format
        if fmt == "auto":
            from .detect import detect

            fmt = detect(path, Limits.from_config(self.app.config.limits))
            self.report.format = fmt
            if self.run_id is not None:
                self.ledger.update_run(self.run_id, format=fmt)
        parse = registry.get(fmt).load().parse
        accepted = {name for name, p in inspect.signature(parse).parameters.items() if p.kind == p.KEYWORD_ONLY}
        wanted: dict[str, Any] = {"all_branches": self.req.all_branches or None, "tz": self.req.tz}
        if self.me:
            # Assistant exports name one user; chat logs accept every name the user goes by.
            wanted["me"] = self.me[0] if registry.get(fmt).kind == "assistant" else self.me
        options = {k: v for k, v in wanted.items() if v is not None and k in accepted}
        if registry.get(fmt).kind == "chat" and not self.me:
            self.report.warnings.append(Problem(str(path), "no --me given and import.me is not set: every person in"
                                                           " the chat is someone else, none of them is you"))
        return fmt, registry.get(fmt).parse(path, limits=Limits.from_config(self.app.config.limits), **options)

    def _conversations(self, run: ParseRun, fmt: str) -> Iterator[Conversation]:
        split = registry.get(fmt).kind == "chat"
        for conv in run:
            if split:
                yield from split_by_month(conv, self.zone)
            else:
                yield conv

    def _read(self, path: Path, spool: Spool) -> None:
        t0 = time.perf_counter()
        timings = self.report.timings
        try:
            fmt, run = self._open(path)
            with run:
                seq = 0
                for conv in self._conversations(run, fmt):
                    seq += 1
                    t1, inner = time.perf_counter(), timings["hash"] + timings["stage"]
                    self._classify(conv, spool)
                    # Each step is timed once: classify is what hashing and staging leave.
                    timings["classify"] += time.perf_counter() - t1 - (timings["hash"] + timings["stage"] - inner)
                    self._tick("reading", seq, None)
            parse_report = run.report
        except OSError as exc:
            # An unreadable member (permissions, I/O error) mid-way: the whole input is refused.
            name = getattr(exc, "filename", None) or path
            raise InputFormatError(f"{name}: cannot be read ({exc.strerror or exc})") from None
        timings["read"] += time.perf_counter() - t0 - timings["classify"] - timings["hash"] - timings["stage"]
        self.report.failed.extend(parse_report.failures)
        self.report.unlisted_failed += parse_report.unlisted_failures
        self.report.warnings.extend(parse_report.warnings)
        self._tick("reading", seq, None, force=True)

    def _classify(self, conv: Conversation, spool: Spool) -> None:
        survey = self.report.survey
        first, last = conv.first_time, _last_activity(conv)
        key_digest = int.from_bytes(hashlib.blake2b(conv.key.encode("utf-8"), digest_size=8).digest(), "big")
        if key_digest in self.seen_keys:
            self.report.warnings.append(Problem(conv.source_id, "appears twice in the export; the first one is kept"))
            survey.add(conv, first, last, "duplicate")
            self.report.skipped["duplicate in the export"] += 1
            return
        self.seen_keys.add(key_digest)
        if self.req.since is not None and (last is None or last < self.req.since):
            survey.add(conv, first, last, "before --since")
            self.report.skipped["before --since"] += 1
            return
        t0 = time.perf_counter()
        # Each turn is hashed once: the conversation's hash is made of the turns' hashes, and the
        # ledger's per-turn digests (staged with the conversation) of them too.
        hashes = [t.content_hash() for t in conv.turns]
        content_hash = ledger_hash(conv.content_hash(hashes), self.redact)
        self.report.timings["hash"] += time.perf_counter() - t0
        entry = self.ledger.get(conv.source, conv.source_id)
        state, to_extract = self._state(conv, entry, content_hash, hashes=hashes)
        if state == UNCHANGED:
            survey.add(conv, first, last, UNCHANGED)
            self.report.unchanged += 1
            return
        if self.redact:
            # Before anything is staged, named or written: the turns' digests (above) stay those
            # of the export, so a secret redacted now does not make its turn new to extraction.
            t0 = time.perf_counter()
            conv = redacted(conv)
            self.report.timings["redact"] += time.perf_counter() - t0
        planned = sum(survey.count(s) for s in (NEW, CHANGED, RESUME, EXTRACT))
        if self.req.limit is not None and planned >= self.req.limit:
            survey.add(conv, first, last, "over --limit")
            self.report.skipped["over --limit"] += 1
            return
        survey.add(conv, first, last, state)
        if self.req.dry_run:
            # What the plan needs to name the note: the conversation without its turns.
            record: Any = (replace(conv, turns=[], created=first), entry.path if entry else None, state,
                           len(conv.turns), len(to_extract))
        else:
            t0 = time.perf_counter()
            digests = [turn_digest(t.id, h) for t, h in zip(conv.turns, hashes)]
            self.report.timings["hash"] += time.perf_counter() - t0
            record = (conv, content_hash, digests)
        t0 = time.perf_counter()
        try:
            blob = spool.add(first.timestamp() if first is not None else math.inf, record)
        except OSError as exc:
            raise MemdError(f"cannot stage the import in {self.app.config.state_dir}: {exc.strerror or exc}") from None
        self.report.timings["stage"] += time.perf_counter() - t0
        if self.req.dry_run:
            return
        if self.planner is None and len(spool) == PLAN_MIN:
            # Enough to write: the worker starts now, while the rest is read (starting takes it
            # a moment, which reading hides).
            self.planner = self._planner(len(spool))
        elif self.planner is not None:
            self._plan_early(len(spool) - 1, blob, conv, entry, content_hash, to_extract)

    def _plan_early(self, seq: int, blob: bytes, conv: Conversation, entry: Entry | None, content_hash: str,
                    to_extract: list[Turn]) -> None:
        """While the export is read, the worker already plans what it can. The order of the
        writing is not known yet, so it assumes that every custom-instruction text was extracted
        before (true of all but the first conversation with each text); the plan is used only if
        that, and everything else the worker was told, holds when the conversation's turn comes
        (`_staged`)."""
        planner = self.planner
        assert planner is not None
        t0 = time.perf_counter()
        planner.collect()
        if planner.alive and planner.early < PLAN_EARLY:
            render_note = entry is None or entry.status == PENDING or entry.content_hash != content_hash
            job = self._job_for(conv, render_note, to_extract, assume_all_seen=True)
            if job is not None:
                planner.plan_early(seq, blob, job)
        self.report.timings["plan early"] += time.perf_counter() - t0

    def _state(self, conv: Conversation, entry: Entry | None, content_hash: str,
               digests: dict[str, str] | None = None, *, hashes: Sequence[str] | None = None
               ) -> tuple[str, list[Turn]]:
        """How `conv` stands against its ledger entry, and the turns extraction has not read.
        Per-turn digests are only computed when they can matter (`digests`, or from `hashes`)."""
        extract = self.req.extract
        if entry is None:
            return NEW, list(conv.turns) if extract else []
        changed = entry.content_hash != content_hash
        if not extract or (not changed and entry.status != PENDING and entry.extracted == entry.turns):
            to_extract: list[Turn] = []  # the same turns as last time, all of them read then
        else:
            digests = digests or _digests(conv, hashes)
            to_extract = [t for t in conv.turns if digests[t.id] not in entry.extracted]
        if entry.status == PENDING:
            return RESUME, to_extract
        if changed:
            return CHANGED, to_extract
        return (EXTRACT if to_extract else UNCHANGED), to_extract

    # -- where a new transcript goes ---------------------------------------------------------------
    def _place(self, conv: Conversation) -> str:
        """The note's path: `<date> <title>.md`, or with the conversation's short suffix when
        that name is taken by another conversation or by a note memd did not write."""
        candidates = [None, short_suffix(conv), short_suffix(conv, 12), short_suffix(conv, 64)]
        for suffix in candidates:
            rel = transcript_path(conv, sources_dir=self.sources_dir, suffix=suffix, tz=self.zone).as_posix()
            key = path_key(rel)
            owner = self.claimed.get(key) or self.ledger.path_owner(rel)
            if owner is not None and owner != conv.key:
                continue
            target = self.app.config.vault / rel
            if owner is None and target.exists() and _note_identity(target) != (conv.source, conv.source_id):
                continue  # someone else's note (or an unrelated one); a note with our frontmatter is adopted
            if self.req.dry_run:
                self.claimed[key] = conv.key  # a real run reserves the path in the ledger instead
            return rel
        raise InputFormatError(f"{conv.key}: no free file name for its transcript")  # 2^256 collisions away

    # -- pass 2 of a dry run: the notes it would write, named in the order a real run would --------
    def _plan(self, spool: Spool) -> None:
        for stub, path, state, turns, to_extract in spool.drain():
            note_path = path or self._place(stub)
            self.report.survey.plan(PlannedNote(stub.key, stub.title, note_path, state, turns, to_extract))

    # -- pass 2: write -----------------------------------------------------------------------------
    def _write(self, spool: Spool) -> None:
        total, done = len(spool), 0
        self._tick("writing", 0, total, force=True)
        if self.planner is None:
            self.planner = self._planner(total)
        planner = self.planner
        staged = self._staged(spool, planner)
        try:
            for conv, content_hash, digests, plan in staged:
                if self.cancel is not None and self.cancel.is_set():
                    self.report.cancelled = True
                    break
                done += 1
                try:
                    self._import_one(conv, content_hash, digests, plan)
                except RECORD_ERRORS + (UnicodeError, yaml.YAMLError) as exc:
                    # One conversation the transcript or extraction cannot handle: reported, skipped.
                    # Its ledger row (if any) stays pending and is retried next time.
                    reason = f"skipped, {type(exc).__name__}: {one_line(str(exc))}"
                    self.report.failed.append(Problem(conv.source_id, reason))
                if len(self.unindexed) >= INDEX_BATCH:
                    self._index_notes()
                self._tick("writing", done, total)
        finally:
            staged.close()
            if planner is not None:
                log.debug("import plans: %s", ", ".join(f"{k} {v}" for k, v in sorted(self.plans.items())))
            self._index_notes(last=True)  # even when stopped: what was written is searchable
            if planner is not None:
                t0 = time.perf_counter()
                self.planner = None
                planner.close()  # waits for the notes it indexes
                self.report.timings["wait for worker (end)"] += time.perf_counter() - t0
        self._tick("writing", done, total, force=True)

    # Planning ahead. With enough to write, a worker process reads each staged conversation a few
    # conversations ahead of the one being written: it renders the transcript and, when the
    # backend's decisions depend on the turns alone (`searches_memory = False`: the rules
    # backend), makes the extraction decisions with a planning loop that writes nothing
    # (ExtractionLoop.planner). This process then writes as before and replays those decisions
    # (ExtractionLoop.replay: privacy filter, memory writes with the turn as their source, decision
    # records) in the same order, so the vault, the journal and the decisions table come out the
    # same as deciding here. What the worker cannot know is checked when a conversation's turn
    # comes: the turns to extract (from the ledger) and which custom-instruction texts were
    # already extracted (by the conversations before it); when either differs from what the
    # worker assumed, or the worker failed, that conversation is decided here, as without a worker.
    def _planner(self, total: int) -> _Planner | None:
        if self.parallel is False or (self.parallel is None and total < PLAN_MIN):
            return None
        backend_blob = None
        if self.req.extract:
            backend = self._backend()
            if getattr(backend, "searches_memory", True) is False:
                try:
                    backend_blob = pickle.dumps(backend, protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # a backend that cannot travel: decided here
                    backend_blob = None
        try:
            return _Planner(_with_me(self.app.config, self.me), backend_blob, self.req.tz, logging.getLogger("memd").getEffectiveLevel(),
                            self._indexed)
        except Exception as exc:  # no worker (no processes allowed, a config that cannot travel): all here
            log.warning("import: no worker process (%s); rendering and deciding in this one", exc)
            return None

    def _staged(self, spool: Spool, planner: _Planner | None
                ) -> Iterator[tuple[Conversation, str, list[str], _PlanResult | None]]:
        """The staged conversations in order, each with what the worker made of it (or None).

        A window of the conversations to come is read ahead; the first PLAN_AHEAD of them that
        need a plan are with the worker. When the worker falls behind (the plan of the next
        conversation is not there yet), this process plans the last one in the window itself
        rather than wait."""
        if planner is None:
            for conv, content_hash, digests in spool.drain():
                yield conv, content_hash, digests, None
            return
        planner.collect()  # what it planned while the export was read (the rest is waited for as needed)
        window: deque[_Ahead] = deque()
        records = spool.drain(raw=True, numbered=True)
        sent = 0  # conversations of the window with the worker
        while True:
            while len(window) < PLAN_WINDOW:
                record = next(records, None)
                if record is None:
                    break
                window.append(self._ahead(planner, *record))
            if not window:
                return
            if sent < PLAN_AHEAD:
                for item in window:
                    if sent >= PLAN_AHEAD:
                        break
                    if item.waiting and not item.sent:
                        if planner.submit(item.blob, item.job):
                            item.sent = True
                            sent += 1
                        else:
                            item.job = None  # no worker: decided here
            head = window.popleft()
            if head.sent:
                sent -= 1
                behind = False
                while not planner.ready():
                    # The worker is behind: plan, here, the last conversation read ahead that it
                    # has not been given (reading further ahead when there is none).
                    victim = next((item for item in reversed(window) if item.waiting and not item.sent), None)
                    if victim is None and len(window) < PLAN_WINDOW_MAX:
                        record = next(records, None)
                        if record is not None:
                            window.append(self._ahead(planner, *record))
                            continue
                    if victim is None:
                        behind = True
                        break
                    victim.result = self._plan_here(victim)
                    self.plans["here"] += 1
                t0 = time.perf_counter()
                head.result = planner.result()
                self.plans["worker"] += head.result is not None
                waited = time.perf_counter() - t0
                self.report.timings["wait for worker"] += waited
                if behind:
                    self._waited += waited
            yield self._planned(head)

    def _ahead(self, planner: _Planner, seq: int, blob: bytes) -> _Ahead:
        conv, content_hash, digests = Spool.decode(blob)
        job = self._job(conv, content_hash, digests)
        t0 = time.perf_counter()
        early = planner.early_plan(seq) if job is not None else None
        self.report.timings["wait for worker (early)"] += time.perf_counter() - t0
        if early is not None and early.job != job:
            early = None  # it assumed otherwise (the first conversation with a custom-instructions text)
            self.plans["redone"] += 1
        elif early is not None:
            self.plans["early"] += 1
        return _Ahead(conv, content_hash, digests, blob, job, early)

    def _plan_here(self, item: _Ahead) -> _PlanResult:
        """What the worker would have made of `item`, made here."""
        assert item.job is not None
        t0 = time.perf_counter()
        backend = self._backend()
        if getattr(backend, "searches_memory", True) is not False:
            backend = None  # the note only; the loop decides when the conversation is written
        result = _plan(item.conv, item.job, self.zone, self._planning_loops, _with_me(self.app.config, self.me), backend)
        self.report.timings["plan here"] += time.perf_counter() - t0
        return result

    def _planned(self, item: _Ahead) -> tuple[Conversation, str, list[str], _PlanResult | None]:
        result = item.result
        if item.job is None or result is None:
            return item.conv, item.content_hash, item.digests, None
        result.job = item.job
        for name, seconds in result.timings.items():
            self.report.timings[f"worker: {name}"] += seconds
        for record in result.logs:
            logging.getLogger(record.name).handle(record)
        return item.conv, item.content_hash, item.digests, result

    def _job(self, conv: Conversation, content_hash: str, digests: list[str]) -> _Job | None:
        """What the worker is asked to do for `conv`, from the ledger as it is now (checked again
        when the conversation is written), in the order of the writing."""
        try:
            entry = self.ledger.get(conv.source, conv.source_id)
            state, to_extract = self._state(conv, entry, content_hash, _digest_map(conv, digests))
        except Exception:
            return None  # whatever went wrong happens again, in order, when it is written here
        if state == UNCHANGED:
            return None
        render_note = entry is None or entry.status == PENDING or entry.content_hash != content_hash
        return self._job_for(conv, render_note, to_extract)

    def _job_for(self, conv: Conversation, render_note: bool, to_extract: list[Turn], *,
                 assume_all_seen: bool = False) -> _Job | None:
        if not render_note and not to_extract:
            return None
        strong = tuple(text_hash(t.text) for t in to_extract
                       if t.strong and t.kind not in NOT_STATEMENTS and t.branch is None)
        if assume_all_seen:
            assumed = frozenset(strong)
        else:
            # Which strong texts the conversations written before this one will have extracted.
            assumed = frozenset(d for d in strong if d in self.predicted_seen or d in self.seen_text_run
                                or self.ledger.seen_text(d))
            self.predicted_seen.update(strong)
        turn_ids = None if len(to_extract) == len(conv.turns) else tuple(t.id for t in to_extract)
        return _Job(render_note, bool(to_extract), turn_ids, strong, assumed)

    def _plan_steps(self, plan: _PlanResult | None, conv: Conversation, to_extract: list[Turn]) -> list[Any] | None:
        """The worker's decisions for `to_extract`, if they are the ones deciding here would make:
        it read the same turns, and assumed the same custom-instruction texts already seen."""
        if plan is None or plan.steps is None or plan.job is None:
            return None
        job = plan.job
        turn_ids = None if len(to_extract) == len(conv.turns) else tuple(t.id for t in to_extract)
        if turn_ids != job.turn_ids:
            return None
        seen = frozenset(d for d in job.strong if d in self.seen_text_run or self.ledger.seen_text(d))
        return plan.steps if seen == job.assumed_seen else None

    def _index_notes(self, last: bool = False) -> None:
        """Index the transcript notes written since the last call, in one batch (cheaper than
        one at a time; the writer does not index them itself). With a worker, the worker does,
        while this process goes on writing (`_indexed` hears when it is done)."""
        if not self.unindexed:
            return
        paths, self.unindexed = self.unindexed, []
        # The worker indexes while this process writes, unless it is the slower of the two (this
        # process had to wait for its plans): then this one, which would otherwise wait, does.
        waited, self._waited = self._waited, 0.0
        if self.planner is not None:
            self.planner.poll()  # hear of the batches it finished
        if (self.planner is not None and self._index_apart and waited <= WAIT_BUDGET
                and self.planner.indexing < (1 if last else 2) and self.planner.index(paths)):
            return
        t0 = time.perf_counter()
        self.app.index.index_paths(paths)
        self.report.timings["index notes"] += time.perf_counter() - t0

    @property
    def _index_apart(self) -> bool:
        """Whether transcript notes may be indexed by another process: not when they live in the
        memory folder (the index then tells this app about every change, on_memory_note)."""
        memory = self.app.config.memory.dir.strip("/") + "/"
        return not (self.sources_dir + "/").startswith(memory)

    def _indexed(self, paths: list[str], answer: _Indexed | None) -> None:
        """The worker indexed `paths` (or could not: then they are indexed here). This process's
        index learns the notes' names, as if it had indexed them itself (links resolve to them)."""
        t0 = time.perf_counter()
        if answer is None or answer.error:
            if answer is not None:
                log.debug("import worker could not index notes (%s); indexing them here", answer.error)
            self.app.index.index_paths(paths)
            self.report.timings["index notes"] += time.perf_counter() - t0
            return
        self.report.timings["worker: index notes"] += answer.seconds
        for record in answer.logs:
            logging.getLogger(record.name).handle(record)
        index = self.app.index
        with index.db.lock:
            names = index.names()
            for path in paths:
                note = index.note(path)
                if note is not None:
                    names.add(path, note["title"], note["aliases"])
        self.report.timings["index notes"] += time.perf_counter() - t0

    def _import_one(self, conv: Conversation, content_hash: str, digest_list: list[str],
                    plan: _PlanResult | None = None) -> None:
        timings = self.report.timings
        entry = self.ledger.get(conv.source, conv.source_id)
        digests = _digest_map(conv, digest_list)
        state, to_extract = self._state(conv, entry, content_hash, digests)
        if state == UNCHANGED:  # the same conversation twice in one export, or another run did it
            self.report.unchanged += 1
            return
        path = entry.path if entry else self._place(conv)
        written_hash = entry.written_hash if entry else None
        status = entry.status if entry and entry.status != PENDING else DONE
        t0 = time.perf_counter()
        self.ledger.begin(source=conv.source, source_id=conv.source_id, kind=conv.kind, title=conv.title, path=path,
                          run_id=self.run_id)
        timings["ledger"] += time.perf_counter() - t0

        if entry is None or entry.status == PENDING or entry.content_hash != content_hash:
            t0 = time.perf_counter()
            # The worker's rendering is this one's: it depends on the conversation and the zone only.
            text = plan.text if plan is not None and plan.text is not None else render(conv, tz=self.zone)
            t1 = time.perf_counter()
            timings["render"] += t1 - t0
            result = self.app.writer.write_whole(
                path, text, expected_hash=written_hash, index=False,
                source=Source(f"import:{conv.source}", ref=conv.key, detail=conv.title))
            if result.status == "applied":
                self.unindexed.append(path)
            timings["write"] += time.perf_counter() - t1
            if result.status == "applied":
                if entry is None or entry.content_hash is None:
                    self.report.new += 1
                else:
                    self.report.updated += 1
                written_hash, status = result.hash_after, DONE
            elif result.status == "noop":
                self.report.unchanged += 1
                written_hash, status = result.hash_after, DONE
            elif result.status == "conflict":
                self.report.kept += 1
                self.report.warnings.append(Problem(path, "edited by hand; kept as it is (new turns are still"
                                                          " extracted)"))
                status = EDITED
            else:  # deferred: the note is being edited right now; retried next run
                self.report.skipped["note being edited, retry later"] += 1
                return
        else:
            self.report.unchanged += 1

        extracted = set(entry.extracted) if entry else set()
        seen_text: list[str] = []
        if to_extract:
            t0 = time.perf_counter()
            self._deferred = 0
            steps = self._plan_steps(plan, conv, to_extract)
            if steps is not None:
                seen_text = self._replay(conv, path, steps)
            else:
                self.plans["decided"] += 1
                seen_text = self._extract(conv, path, to_extract)
            timings["extract (total)"] += time.perf_counter() - t0
            if self._deferred:
                # A memory file was being edited and some facts could not be written: these turns
                # count as not read, and the next run reads them again (what was written is a no-op).
                self.report.warnings.append(Problem(conv.source_id, "a memory file was being edited: some facts"
                                                                     " were not written; the next run reads it again"))
                seen_text = []
            else:
                extracted |= {digests[t.id] for t in to_extract}
        t0 = time.perf_counter()
        self.ledger.finish(source=conv.source, source_id=conv.source_id, content_hash=content_hash,
                           turns=digests.values(), extracted=extracted, written_hash=written_hash, status=status,
                           seen_text=seen_text)
        timings["ledger"] += time.perf_counter() - t0

    # -- extraction ------------------------------------------------------------------------------
    def _backend(self) -> Any:
        if self.backend is None:
            from memd.extract.backends import build_backend

            self.backend = build_backend(self.app.config)
        return self.backend

    def _loop(self, source: str) -> Any:
        loop = self.loops.get(source)
        if loop is None:
            from memd.extract.loop import ExtractionLoop

            loop = self.loops[source] = ExtractionLoop(self.app, self._backend(), source_kind=f"import:{source}",
                                                       in_memory=True)
            loop.user_names = _user_names(self.me, self.app.config)  # --me: the user, not a person in the log
        return loop

    def _extract(self, conv: Conversation, path: str, turns: list[Turn]) -> list[str]:
        """Feed `turns` (new since the last import) through the loop as one stream, deciding here;
        the texts of strong turns extracted, for the ledger."""
        tally = _Tally(self)
        _feed(self._loop(conv.source), conv, _note(path), turns, tally, self.report.timings)
        self.report.extracted_conversations += 1
        return tally.seen_texts

    def _replay(self, conv: Conversation, path: str, steps: list[Any]) -> list[str]:
        """What `_extract` does, with the decisions the worker made (`_PlanSink` wrote `steps`)."""
        from memd.extract.tools import Turn as LoopTurn

        loop = self._loop(conv.source)
        note = _note(path)

        def link(t: LoopTurn) -> LoopTurn:
            return replace(t, source_link=f"[[{note}#^{t.turn_id}]]") if t.turn_id else t

        report = self.report
        seen: list[str] = []
        t0 = time.perf_counter()
        # The writes are known in advance: the write lock is taken once for all of them (each
        # write takes it again, re-entrantly, at no cost) rather than once per write.
        writes = any(type(step) is tuple and step[0].turn is not None for step in steps)
        try:
            with self.app.writer.locked() if writes else nullcontext():
                for step in steps:
                    if type(step) is int:  # turns fed
                        report.turns_extracted += step
                    elif type(step) is str:  # a custom-instructions text read for the first time
                        self.seen_text_run.add(step)
                        seen.append(step)
                    else:
                        planned, tallied = step
                        decision = loop.replay(planned, link)
                        if tallied:
                            self._tally(decision)
            loop.save()
        except BaseException:
            loop.discard(conv.key)
            raise
        report.timings["extract: apply"] += time.perf_counter() - t0
        report.extracted_conversations += 1
        return seen

    def _tally(self, decision: Any) -> None:
        if decision is None:
            return
        self.report.decisions[decision.tool] += 1
        if decision.applied is not None:
            for result in decision.applied.results:
                if result.status == "applied":
                    self.report.facts_added += 1
                elif result.status == "review":
                    self.report.review_items += 1
                elif result.status == "deferred":
                    self._deferred += 1

    # -- progress --------------------------------------------------------------------------------
    def _tick(self, phase: str, done: int, total: int | None, force: bool = False) -> None:
        if self.progress is not None:
            self.progress(ImportProgress(phase, done, total, self.report.counts()))
        now = time.monotonic()
        if self.run_id is not None and (force or now - self._last_update >= RUN_UPDATE_SECONDS):
            self._last_update = now
            self.ledger.update_run(self.run_id, phase=phase, done=done, total=total, counts=self.report.counts())


def _digests(conv: Conversation, hashes: Sequence[str] | None = None) -> dict[str, str]:
    """turn id -> the ledger's digest of that turn's id and content (`hashes`: the turns' content
    hashes, when they are already known)."""
    if hashes is None:
        hashes = [t.content_hash() for t in conv.turns]
    return {t.id: turn_digest(t.id, h) for t, h in zip(conv.turns, hashes)}


def _digest_map(conv: Conversation, digests: list[str]) -> dict[str, str]:
    """turn id -> digest, from the digests staged in turn order."""
    return dict(zip([t.id for t in conv.turns], digests))


def _note(path: str) -> str:
    return path[:-3] if path.endswith(".md") else path


# -- feeding a conversation to the extraction loop ------------------------------------------------
def _feed(loop: Any, conv: Conversation, note: str | None, turns: list[Turn], sink: Any, timings: Counter,
          blocks: dict[str, str] | None = None) -> None:
    """Feed `turns` (new since the last import) through `loop` as the stream `conv.key`.

    `sink` hears of every turn fed (`turn`), decides whether a strong turn's text was extracted
    before (`seen`), and receives every decision the import tallies (`decided`). `note` is the
    transcript's path without `.md`, for each turn's source link; None in a worker, which leaves
    the link to the replay (the decisions never depend on it)."""
    from memd.extract.tools import Turn as LoopTurn

    stream = conv.key
    if blocks is None:
        blocks = block_ids(conv)
    # The name an export gives the user's own turns (a Claude or ChatGPT account name) means the
    # user wherever it is mentioned: facts about it go to user.md, never to an entity file.
    for t in conv.turns:
        if t.role == "user" and t.author and t.author not in loop.user_names:
            loop.user_names.append(t.author)

    # A turn without its own time was said on the conversation's day, when the export gives one;
    # never on the import's (the loop leaves relative dates of an undated turn unresolved).
    conv_time = conv.created or conv.updated

    def loop_turn(t: Turn) -> Any:
        block = blocks[t.id]
        when = t.time or conv_time
        return LoopTurn(stream=stream, role=_LOOP_ROLES[t.role], text=t.text, author=t.author,
                        time=when.isoformat().replace("+00:00", "Z") if when else None,
                        turn_id=block, source_link=f"[[{note}#^{block}]]" if note is not None else None,
                        strong=t.strong)

    def context(t: Turn) -> None:
        # What the user answers is at the end of a long assistant reply; the bound keeps the
        # backend's context (a model's prompt) and the secret redaction, which is linear in
        # the text, from growing with answers of many kilobytes.
        text = t.text if len(t.text) <= CONTEXT_CHARS else "…" + t.text[-CONTEXT_CHARS:]
        lt = loop_turn(t)
        lt.text = text
        loop.observe(lt)

    first = next(i for i, t in enumerate(conv.turns) if t.id == turns[0].id)
    try:
        # Turns before the first new one give the loop the context it would have had live.
        for t in conv.turns[max(0, first - loop.window):first]:
            if t.kind not in NOT_STATEMENTS and t.branch is None and t.role in DECIDE_ROLES + CONTEXT_ROLES:
                context(t)
        decided = False
        for t in turns:
            sink.turn()
            if t.kind in NOT_STATEMENTS or t.branch is not None:
                continue  # not a statement; or a branch the user left (kept in the note with --all-branches)
            if t.strong and sink.seen(text_hash(t.text)):
                continue  # the same custom instructions, repeated by another conversation
            t0 = time.perf_counter()
            if t.role in DECIDE_ROLES:
                sink.decided(loop, loop.process(loop_turn(t)))
                decided = True
                timings["extract: decide"] += time.perf_counter() - t0
            elif t.role in CONTEXT_ROLES:
                context(t)
                timings["extract: context"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        if decided:
            sink.decided(loop, loop.end_stream(stream))
        else:
            loop.discard(stream)
        loop.save()
        timings["extract: end+save"] += time.perf_counter() - t0
    except BaseException:
        loop.discard(stream)  # a conversation that failed leaves no stream state behind
        raise


class _Tally:
    """Deciding here: counts go to the report, strong texts to the run's and the ledger's memory."""

    def __init__(self, imp: _Import):
        self.imp = imp
        self.seen_texts: list[str] = []  # strong texts read for the first time, for the ledger

    def turn(self) -> None:
        self.imp.report.turns_extracted += 1

    def seen(self, digest: str) -> bool:
        imp = self.imp
        if digest in imp.seen_text_run or imp.ledger.seen_text(digest):
            return True
        imp.seen_text_run.add(digest)
        self.seen_texts.append(digest)
        return False

    def decided(self, loop: Any, decision: Any) -> None:
        self.imp._tally(decision)


class _PlanSink:
    """Deciding in the worker: what `_Tally` would have done, written down as steps for the
    replay, in order: an int (that many turns fed), a str (a strong text read for the first
    time) or (Planned, tallied) for each decision the loop made (`tallied`: the one the import
    counts; a buffer re-evaluation forced by a full buffer is recorded, not counted)."""

    def __init__(self, assumed_seen: frozenset[str]):
        self.steps: list[Any] = []
        self.assumed_seen = assumed_seen
        self.read: set[str] = set()

    def turn(self) -> None:
        if self.steps and type(self.steps[-1]) is int:
            self.steps[-1] += 1
        else:
            self.steps.append(1)

    def seen(self, digest: str) -> bool:
        if digest in self.assumed_seen or digest in self.read:
            return True
        self.read.add(digest)
        self.steps.append(digest)
        return False

    def decided(self, loop: Any, decision: Any) -> None:
        for planned in loop.take_plan():
            self.steps.append((planned, planned.decision is decision))


@dataclass
class _Job:
    """What the worker is asked for one conversation, and what it assumes of the run."""

    render: bool  # the transcript is (re)written
    extract: bool  # there are turns to extract
    turn_ids: tuple[str, ...] | None  # the turns to extract (None: all of them)
    strong: tuple[str, ...]  # text hashes of the strong turns among them
    assumed_seen: frozenset[str]  # which of those were extracted before this conversation


@dataclass
class _Ahead:
    """A conversation read ahead of the writing (_Import._staged)."""

    conv: Conversation
    content_hash: str
    digests: list[str]
    blob: bytes  # as staged: what the worker is sent
    job: _Job | None  # what a plan of it is asked to be (None: nothing to plan)
    result: _PlanResult | None = None  # its plan, once made (early, by the worker or here)
    sent: bool = False  # with the worker

    @property
    def waiting(self) -> bool:
        return self.job is not None and self.result is None


@dataclass
class _PlanResult:
    text: str | None = None  # the transcript note
    steps: list[Any] | None = None  # see _PlanSink; None: not planned, decide here
    error: str | None = None
    timings: Counter = field(default_factory=Counter)
    logs: list[logging.LogRecord] = field(default_factory=list)
    job: _Job | None = None  # set on arrival


@dataclass
class _Indexed:
    """The worker's answer to a batch of notes to index."""

    seconds: float = 0.0
    error: str | None = None
    logs: list[logging.LogRecord] = field(default_factory=list)


class _Planner:
    """The worker process, seen from the import: requests go in (a conversation to plan, notes to
    index), each with a number; answers come back with it.

    One pipe each way. The worker drains its requests in a thread, so sending never waits on
    its answers; it plans first and indexes when no plan is asked for (a few notes at a time),
    so that notes to index never hold up the writing. A worker that died answers nothing: a
    conversation is then done here, and notes it was given to index are handed to `on_indexed`
    as not indexed. Killing the import closes the request pipe, and the worker ends with it.

    Plans asked for while the export is read (`plan_early`) are kept, compressed, in a temporary
    file until their conversation's turn comes (`early_plan`)."""

    def __init__(self, config: Any, backend_blob: bytes | None, tz: str | None, log_level: int,
                 on_indexed: Callable[[list[str], _Indexed | None], None]):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")  # no inherited SQLite handles, locks or threads
        requests_in, self._requests = ctx.Pipe(duplex=False)
        self._results, results_out = ctx.Pipe(duplex=False)
        for end in (self._requests, results_out):
            _roomy(end)
        self._proc = ctx.Process(target=_plan_worker, name="memd-import-worker", daemon=True,
                                 args=(requests_in, results_out, config, backend_blob, tz, log_level))
        try:
            self._proc.start()
        finally:
            requests_in.close()
            results_out.close()
        self.alive = True
        self.on_indexed = on_indexed
        self._number = 0
        self._plans: deque[int] = deque()  # plan requests not yet taken, oldest first
        self._answers: dict[int, _PlanResult] = {}  # their answers, as they come
        self._early: dict[int, int] = {}  # early plan requests unanswered: request -> staged conversation
        self._indexing: dict[int, list[str]] = {}  # notes given to index and not yet indexed
        self._kept = tempfile.TemporaryFile(prefix="memd-import-plans-", dir=config.state_dir)
        self._kept_at: dict[int, tuple[int, int]] = {}
        self._kept_end = 0

    @property
    def early(self) -> int:
        """Early plans asked for and not yet answered."""
        return len(self._early)

    @property
    def indexing(self) -> int:
        """Batches of notes given to index and not yet indexed."""
        return len(self._indexing)

    def submit(self, blob: bytes, job: _Job) -> bool:
        number = self._send(("plan", blob, job, False))
        if number is None:
            return False
        self._plans.append(number)
        return True

    def plan_early(self, seq: int, blob: bytes, job: _Job) -> bool:
        number = self._send(("plan", blob, job, True))
        if number is None:
            return False
        self._early[number] = seq
        return True

    def index(self, paths: list[str]) -> bool:
        number = self._send(("index", paths))
        if number is None:
            return False
        self._indexing[number] = paths
        return True

    def _send(self, request: tuple[Any, ...]) -> int | None:
        if not self.alive:
            return None
        self._number += 1
        try:
            self._requests.send_bytes(pickle.dumps((self._number,) + request, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, ValueError):
            self._lost()
            return None
        return self._number

    def _pump(self, block: bool) -> bool:
        """Take one answer, if there is one (with `block`: wait for it); False when there was none."""
        if not self.alive:
            return False
        try:
            if not block and not self._results.poll():
                return False
            number, answer = pickle.loads(self._results.recv_bytes())
        except (EOFError, OSError, ValueError, pickle.UnpicklingError):
            self._lost()
            return False
        if number in self._early:
            seq = self._early.pop(number)
            self._kept.seek(self._kept_end)
            self._kept.write(answer)
            self._kept_at[seq] = (self._kept_end, len(answer))
            self._kept_end += len(answer)
        elif number in self._indexing:
            self.on_indexed(self._indexing.pop(number), answer)
        else:
            self._answers[number] = answer
        return True

    def collect(self, wait: bool = False) -> None:
        """Keep the early plans answered so far (with `wait`: all those asked for)."""
        while self._early and self._pump(block=wait):
            pass

    def poll(self) -> None:
        """Take every answer there is, without waiting (notes indexed meanwhile, say)."""
        while self._pump(block=False):
            pass

    def ready(self) -> bool:
        """Whether the answer to the oldest plan request is there (or no worker to wait for)."""
        while self._plans and self._plans[0] not in self._answers and self._pump(block=False):
            pass
        return not self._plans or self._plans[0] in self._answers or not self.alive

    def result(self) -> _PlanResult | None:
        """The answer to the oldest plan request, None if the worker is gone."""
        if not self._plans:
            return None
        number = self._plans.popleft()
        while number not in self._answers and self._pump(block=True):
            pass
        answer = self._answers.pop(number, None)
        if answer is not None and answer.error:
            log.debug("import worker: %s; deciding here", answer.error)
        return answer

    def early_plan(self, seq: int) -> _PlanResult | None:
        """The plan made early for staged conversation `seq`, if there is one (waiting for it if
        the worker is still at it)."""
        while seq not in self._kept_at and seq in self._early.values() and self._pump(block=True):
            pass
        at = self._kept_at.pop(seq, None)
        if at is None:
            return None
        self._kept.seek(at[0])
        try:
            return pickle.loads(zlib.decompress(self._kept.read(at[1])))
        except Exception:
            return None

    def _lost(self) -> None:
        if self.alive:
            self.alive = False
            log.warning("import worker process stopped; rendering and deciding in this one")
        self._early.clear()
        lost, self._indexing = self._indexing, {}
        for paths in lost.values():
            self.on_indexed(paths, None)

    def close(self) -> None:
        """Wait for the notes given to index (plans no longer wanted are dropped), then end."""
        try:
            while self._indexing and self._pump(block=True):
                pass
        finally:
            self.alive = False
            self._requests.close()  # the worker ends once it has read everything
            self._results.close()
            self._kept.close()
            self._proc.join(timeout=10)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(timeout=5)


def _roomy(connection: Any) -> None:
    """A bigger pipe buffer where the system allows (Linux): a conversation in flight seldom
    waits for the other side to read."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (OSError, ValueError, AttributeError):
        pass


class _LogCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # plain text travels; args may not
        record.exc_info = record.exc_text = None
        self.records.append(record)


def _plan_worker(requests: Any, results: Any, config: Any, backend_blob: bytes | None, tz: str | None,
                 log_level: int) -> None:
    """The worker process: plans conversations (the transcript, the extraction decisions) as they
    are asked for, and indexes notes, a few at a time, whenever no plan is waiting."""
    import queue
    import signal
    import sys
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the import's to handle; we end with its pipe
    try:
        os.nice(WORKER_NICE)  # the import itself is the one everything waits for: it gets the CPU first
    except OSError:
        pass
    # The threads that move requests and answers wait for the interpreter lock while the work
    # runs: let them have it sooner than the default 5 ms.
    sys.setswitchinterval(0.0005)
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                inbox.put(requests.recv_bytes())
        except (EOFError, OSError):
            inbox.put(None)

    threading.Thread(target=read, name="memd-import-requests", daemon=True).start()
    capture = _LogCapture()
    memd_log = logging.getLogger("memd")
    memd_log.setLevel(log_level)
    memd_log.addHandler(capture)
    memd_log.propagate = False
    backend = pickle.loads(backend_blob) if backend_blob is not None else None
    tz_info: tzinfo = zone(tz) if tz else UTC
    loops: dict[str, Any] = {}
    plans: deque[tuple[Any, ...]] = deque()
    indexing: deque[_IndexJob] = deque()
    indexes = _WorkerIndex(config)

    # Answers go out from a thread of their own: the import reads them when it needs them, and
    # the worker goes on (indexing, say) rather than wait for room in the pipe.
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    gone = threading.Event()

    def send() -> None:
        try:
            while (frame := outbox.get()) is not None:
                results.send_bytes(frame)
        except OSError:
            gone.set()  # the import is gone

    sender = threading.Thread(target=send, name="memd-import-answers", daemon=True)
    sender.start()

    def answer(number: int, payload: Any, early: bool = False) -> bool:
        try:
            if early:  # an early plan stays on disk until its conversation's turn: it travels compressed
                payload = zlib.compress(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL), 1)
            frame = pickle.dumps((number, payload), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            failed = _PlanResult(error=f"result not sent: {type(exc).__name__}", job=getattr(payload, "job", None))
            frame = pickle.dumps((number, zlib.compress(pickle.dumps(failed), 1) if early else failed))
        outbox.put(frame)
        return not gone.is_set()

    while True:
        # Every request there is, waiting for one only when there is nothing to do.
        try:
            message = inbox.get(block=not plans and not indexing)
        except queue.Empty:
            message = b""
        while message:
            request = pickle.loads(message)
            if request[1] == "index":
                indexing.append(_IndexJob(request[0], request[2]))
            else:
                plans.append(request)
            try:
                message = inbox.get_nowait()
            except queue.Empty:
                message = b""
        if message is None:
            indexes.close()
            break  # the import closed its end (or is gone): what is left is not wanted
        if plans:  # plans first: the writing waits for them; notes to index do not hold anything up
            number, _, blob, job, early = plans.popleft()
            try:
                conv, _content_hash, _digests = Spool.decode(blob)
            except Exception as exc:
                out = _PlanResult(error=f"{type(exc).__name__}: {one_line(str(exc))}")
            else:
                out = _plan(conv, job, tz_info, loops, config, backend)
            if early:
                out.job = job
            out.logs, capture.records = capture.records, []
            if not answer(number, out, early):
                return
        elif indexing:
            batch = indexing[0]
            if batch.step(indexes):
                indexing.popleft()
                done = batch.done()
                done.logs, capture.records = capture.records, []
                if not answer(batch.number, done):
                    return


class _IndexJob:
    """Notes the worker indexes, INDEX_CHUNK at a time: a transaction each, so that the import's
    own index writes (a memory note it just changed) wait little for the lock."""

    def __init__(self, number: int, paths: list[str]):
        self.number = number
        self.paths = paths
        self.at = 0
        self.seconds = 0.0
        self.error: str | None = None

    def step(self, indexes: _WorkerIndex) -> bool:
        """Index the next few notes; True once all are done (or it failed)."""
        t0 = time.perf_counter()
        try:
            index = indexes.get(fresh=self.at == 0)
            index.index_paths(self.paths[self.at:self.at + INDEX_CHUNK])
            self.at += INDEX_CHUNK
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {one_line(str(exc))}"
            indexes.close()
        self.seconds += time.perf_counter() - t0
        return self.error is not None or self.at >= len(self.paths)

    def done(self) -> _Indexed:
        return _Indexed(self.seconds, self.error)


class _WorkerIndex:
    """The worker's own Index of the vault. Links in the notes it indexes resolve by the names it
    knows, which it reads when it opens: it opens afresh, at the start of a batch, when memory
    notes (the import's entities) came or went since, and at least every few batches for notes
    others indexed."""

    REFRESH = 5  # batches

    def __init__(self, config: Any):
        self.config = config
        self.index: Any = None
        self.memory: list[Any] = []
        self.batches = 0

    def get(self, *, fresh: bool) -> Any:
        from memd.index.index import Index

        if self.index is not None and fresh:
            self.batches += 1
            if self.batches >= self.REFRESH or self.index.memory_notes() != self.memory:
                self.close()
        if self.index is None:
            self.index = Index(self.config)
            self.memory = self.index.memory_notes()
            self.batches = 0
        return self.index

    def close(self) -> None:
        if self.index is not None:
            try:
                self.index.close()
            except Exception:
                pass
            self.index = None


def _plan(conv: Conversation, job: _Job, tz: tzinfo, loops: dict[str, Any], config: Any, backend: Any) -> _PlanResult:
    """Render `conv`'s transcript and plan its extraction, as `job` says (in the worker, or in
    the import when the worker falls behind). `backend` None: no planning, only the note."""
    out = _PlanResult()
    try:
        blocks = block_ids(conv)
        if job.render:
            t0 = time.perf_counter()
            out.text = render(conv, tz=tz, ids=blocks)
            out.timings["render"] += time.perf_counter() - t0
        if job.extract and backend is not None:
            out.steps = _plan_extraction(loops, config, backend, conv, job, out.timings, blocks)
    except Exception as exc:
        out.steps = None
        out.error = f"{type(exc).__name__}: {one_line(str(exc))}"
    return out


def _plan_extraction(loops: dict[str, Any], config: Any, backend: Any, conv: Conversation, job: _Job,
                     timings: Counter, blocks: dict[str, str] | None = None) -> list[Any]:
    from memd.extract.loop import ExtractionLoop

    loop = loops.get(conv.source)
    if loop is None:
        loop = loops[conv.source] = ExtractionLoop.planner(config, backend, source_kind=f"import:{conv.source}")
    if job.turn_ids is None:
        turns = list(conv.turns)
    else:
        wanted = set(job.turn_ids)
        turns = [t for t in conv.turns if t.id in wanted]
    sink = _PlanSink(job.assumed_seen)
    try:
        _feed(loop, conv, None, turns, sink, timings, blocks)
    finally:
        loop.take_plan()  # what a failed conversation left is dropped with it
    return sink.steps


def _user_names(me: list[str], config: Any) -> list[str]:
    """The import's --me names first, then the configured ones, each once."""
    return list(dict.fromkeys(n for n in (*me, *config.import_.me) if n))


def _with_me(config: Any, me: list[str]) -> Any:
    """`config` whose import.me holds the import's --me names too: a planning loop (worker or
    here) knows the user by the names its config gives."""
    names = _user_names(me, config)
    if names == list(config.import_.me):
        return config
    return replace(config, import_=replace(config.import_, me=names))


def _last_activity(conv: Conversation) -> datetime | None:
    times = [t.time for t in conv.turns if t.time is not None]
    if times:
        return max(times)
    return conv.updated or conv.created


def _note_identity(path: Path) -> tuple[str, str] | None:
    """(source, id) from a transcript note's frontmatter, None for any other file."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8192).decode("utf-8", "replace")
    except OSError:
        return None
    if not head.startswith("---\n"):
        return None
    end = head.find("\n---", 4)
    if end < 0:
        return None
    try:
        data = yaml.safe_load(head[4:end])
    except yaml.YAMLError:
        return None
    if isinstance(data, dict) and data.get("source") is not None and data.get("id") is not None:
        return str(data["source"]), str(data["id"])
    return None


def _now() -> str:
    from memd.state import now_iso

    return now_iso()
