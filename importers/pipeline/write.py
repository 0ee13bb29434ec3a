"""Pass 2 of an import: the staged conversations, oldest first, through plan -> write -> index (index_notes.py).

For each conversation: reserve the transcript path in the ledger (pending), write the note
through the writer's whole-file compare-and-swap (a note the user edited is kept), extract the
turns that are new since the last import (replaying the planner's decisions, or deciding here),
save that conversation's decisions, then mark the ledger row done. A kill -9 anywhere leaves at
most one pending conversation, which the next run redoes on the same path; every step of it is
idempotent (same bytes, facts already present), so nothing in the vault is duplicated.

The planner (importers/plan.py) works AHEAD conversations in front of the writing. What it was
told is fixed when a conversation is submitted, from the ledger and the conversations submitted
before it; the write stage uses its decisions only if that still holds when the conversation's
turn comes (the same turns to extract, the same strong texts already read), else decides here.
Likewise its rendering (if the participants' links are still those it was given) and its index
rows (if the note was written at the path it was given, with the bytes it parsed).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

from memd.index.import_rows import usable
from memd.state import Source
from memd.vault import participant_links

from ..ledger import DONE, EDITED, PENDING, text_hash
from ..model import Conversation, Turn
from ..plan import PlanJob, PlanResult, Planner, planner_for
from ..report import RECORD_ERRORS, Problem, one_line
from .decisions import Extraction
from .index_notes import NoteIndexer
from .planning import NOT_STATEMENTS, add_user_names, render_note
from .standing import digest_map, needs_note, standing
from .request import ImportReport

if TYPE_CHECKING:
    from ..spool import Spool
    from .run import ImportRun

log = logging.getLogger("memd.importers")

AHEAD = 32  # conversations with the planner ahead of the one being written


@dataclass
class Staged:
    conv: Conversation
    content_hash: str
    digests: list[str]
    user_names: list[str]  # the names the user goes by, as of this conversation
    redacted: tuple[int, ...] | None = None  # turns the import's redaction changed (None: it did not redact)
    job: PlanJob | None = None  # what the planner was asked (None: nothing to plan)
    plan: PlanResult | None = None


def write_staged(run: ImportRun, spool: Spool) -> None:
    Writing(run).write(spool)


class Writing:
    def __init__(self, run: ImportRun):
        self.run = run
        self.report: ImportReport = run.report
        self.indexer: NoteIndexer | None = None
        self.seen_text_run: set[str] = set()  # strong texts read by this run
        self.predicted_seen: set[str] = set()  # ... as they will be once the submitted conversations ran
        self.user_names = list(dict.fromkeys(n for n in (*run.me, *run.app.config.import_.me) if n))
        self.extraction = Extraction(self)
        self.planned = 0  # conversations whose plan was used (the rest were decided here)
        self.submitted = 0

    def write(self, spool: Spool) -> None:
        run, total, done = self.run, len(spool), 0
        run.tick("writing", 0, total, force=True)
        backend = run.backend_or_default() if run.req.extract else None
        planner = planner_for(backend, run.app.config, tz=run.zone, tz_name=run.req.tz, jobs=total,
                              parallel=run.parallel)
        self.indexer = NoteIndexer(run.app.index, self.report.timings)
        try:
            for item in self._planned(spool, planner):
                if run.cancel is not None and run.cancel.is_set():
                    self.report.cancelled = True
                    break
                done += 1
                for turn_id in getattr(item.plan, "failed_turns", None) or ():
                    self.report.failed_turns.append(Problem(f"{item.conv.source_id}#{turn_id}",
                                                            "the model gave no usable answer; decided as ignore"))
                try:
                    self._import_one(item)
                except RECORD_ERRORS + (UnicodeError, yaml.YAMLError) as exc:
                    # One conversation the transcript or extraction cannot handle: reported, skipped.
                    # Its ledger row (if any) stays pending and is retried next time.
                    reason = f"skipped, {type(exc).__name__}: {one_line(str(exc))}"
                    self.report.failed.append(Problem(item.conv.source_id, reason))
                run.tick("writing", done, total, model=planner)
        finally:
            report_of = getattr(planner, "report", None)
            if callable(report_of):
                self.report.model = report_of()
            planner.close()
            log.debug("import plans: used %d of %d", self.planned, done)
            self.indexer.close()  # even when stopped: what was written is searchable
        run.tick("writing", done, total, force=True)

    # -- plan ahead ---------------------------------------------------------------------------------
    def _planned(self, spool: Spool, planner: Planner) -> Iterator[Staged]:
        """The staged conversations in order, each with its plan: AHEAD of them with the planner."""
        window: deque[Staged] = deque()
        # A model planner keeps more in flight than the rules one (twice its concurrency).
        ahead = max(AHEAD, int(getattr(planner, "ahead", AHEAD)))
        rows = getattr(planner, "prepares_index_rows", False) is True  # see importers/plan.py
        for conv, content_hash, digests, redacted in spool.drain():
            item = Staged(conv, content_hash, digests, self.user_names, redacted)
            item.job = self._job(item, rows)
            if item.job is not None:
                planner.submit(item.job)
            window.append(item)
            if len(window) > ahead:
                yield self._take(window.popleft(), planner)
        while window:
            yield self._take(window.popleft(), planner)

    def _take(self, item: Staged, planner: Planner) -> Staged:
        if item.job is None:
            return item
        t0 = time.perf_counter()
        item.plan = next(planner.results())
        self.report.timings["wait for plans"] += time.perf_counter() - t0
        assert item.plan.job is item.job, "a planner answered out of order"
        for name, seconds in item.plan.timings.items():
            self.report.timings[f"plan: {name}"] += seconds
        for record in item.plan.logs:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        return item

    def _job(self, item: Staged, rows: bool = False) -> PlanJob | None:
        """What the planner is asked for `item`, from the ledger as it is now and the
        conversations submitted before it (checked again when it is written). `rows`: the
        planner prepares the note's index rows, given the path."""
        conv, run = item.conv, self.run
        try:
            entry = run.ledger.get(conv.source, conv.source_id)
            state, to_extract = standing(conv, entry, item.content_hash, run.req.extract,
                                         digest_map(conv, item.digests))
        except Exception:
            return None  # whatever went wrong happens again, in order, when it is written
        render = needs_note(entry, item.content_hash)
        if not render and not to_extract:
            return None
        if to_extract:
            names = list(self.user_names)
            add_user_names(names, conv)
            if names != self.user_names:
                self.user_names = names  # a new list: earlier items keep theirs
            item.user_names = self.user_names
        strong = _strong(to_extract)
        # Which strong texts the conversations written before this one will have read.
        assumed = frozenset(d for d in strong if d in self.predicted_seen or run.ledger.seen_text(d))
        self.predicted_seen.update(strong)
        self.submitted += 1
        # The note's path as it will most likely be (place() decides when it is written, against
        # the ledger as it is then), for the planner's index rows.
        index_path = (entry.path if entry else run.place_guess(conv)) if render and rows else None
        links = participant_links.targets(run.app, conv.participants, conv.turns, item.user_names) if render else None
        return PlanJob(self.submitted, conv, render, _turn_ids(conv, to_extract), strong, assumed, tuple(item.user_names),
                       item.redacted, index_path, run.app.index.kind_of(index_path) if index_path else "source", links)

    def _steps(self, item: Staged, to_extract: list[Turn]) -> list[Any] | None:
        """The planner's decisions for `to_extract`, if they are the ones deciding here would
        make: it read the same turns, and assumed the same strong texts already read."""
        plan, job = item.plan, item.job
        if plan is None or plan.steps is None or job is None:
            return None
        if _turn_ids(item.conv, to_extract) != job.turn_ids:
            return None
        seen = frozenset(d for d in job.strong if d in self.seen_text_run or self.run.ledger.seen_text(d))
        return plan.steps if seen == job.assumed_seen else None

    # -- write -----------------------------------------------------------------------------------
    def _import_one(self, item: Staged) -> None:
        run, report = self.run, self.report
        conv, content_hash, timings = item.conv, item.content_hash, report.timings
        entry = run.ledger.get(conv.source, conv.source_id)
        digests = digest_map(conv, item.digests)
        state, to_extract = standing(conv, entry, content_hash, run.req.extract, digests)
        if state == "unchanged":  # another run did it meanwhile
            report.unchanged += 1
            return
        path = entry.path if entry else run.place(conv)
        written_hash = entry.written_hash if entry else None
        status = entry.status if entry and entry.status != PENDING else DONE
        t0 = time.perf_counter()
        run.ledger.begin(source=conv.source, source_id=conv.source_id, kind=conv.kind, title=conv.title, path=path,
                         run_id=run.run_id)
        timings["ledger"] += time.perf_counter() - t0

        links: dict[str, str] | None = None
        if needs_note(entry, content_hash):
            # Participants who have a memory file link to it (memd.vault.participant_links).
            links = participant_links.targets(run.app, conv.participants, conv.turns, item.user_names)
            # The planner's rendering is this one's: it depends on the conversation, the zone and
            # the links only (those it was given may have changed since: a new entity file).
            plan = item.plan
            if plan is not None and plan.text is not None and (plan.job.links or {}) == links:
                text = plan.text
            else:
                text = render_note(conv, run.zone, timings, links=links)
            t1 = time.perf_counter()
            result = run.app.writer.write_whole(path, text, expected_hash=written_hash, index=False,
                                                source=Source(f"import:{conv.source}", ref=conv.key, detail=conv.title))
            timings["write"] += time.perf_counter() - t1
            if result.status == "applied":
                assert self.indexer is not None
                rows = item.plan.index_rows if item.plan is not None else None
                self.indexer.add(path, rows if rows is not None and usable(run.app.index, rows, path,
                                                                              result.hash_after) else None)
                if entry is None or entry.content_hash is None:
                    report.new += 1
                else:
                    report.updated += 1
                written_hash, status = result.hash_after, DONE
            elif result.status == "noop":
                report.unchanged += 1
                written_hash, status = result.hash_after, DONE
            elif result.status == "conflict":
                report.kept += 1
                report.warnings.append(Problem(path, "edited by hand; kept as it is (new turns are still extracted)"))
                status = EDITED
            else:  # deferred: the note is being edited right now; retried next run
                report.skipped["note being edited, retry later"] += 1
                return
        else:
            report.unchanged += 1

        extracted = set(entry.extracted) if entry else set()
        seen_text: list[str] = []
        failed = item.plan.failed if item.plan is not None and to_extract else None
        if failed:
            report.failed.append(Problem(conv.source_id, f"not extracted: {one_line(failed)}; retried next run"))
            return  # the ledger row stays pending
        if to_extract:
            t0 = time.perf_counter()
            x = self.extraction
            x.deferred = 0
            note = path[:-3] if path.endswith(".md") else path
            steps = self._steps(item, to_extract)
            if steps is not None:
                self.planned += 1
                seen_text = x.replay(conv, note, steps, item.user_names)
            else:
                seen_text = x.decide(conv, note, to_extract, item.user_names)
            timings["extract (total)"] += time.perf_counter() - t0
            if x.deferred:
                # A memory file was being edited and some facts could not be written: these turns
                # count as not read, and the next run reads them again (what was written is a no-op).
                report.warnings.append(Problem(conv.source_id, "a memory file was being edited: some facts"
                                                               " were not written; the next run reads it again"))
                seen_text = []
            else:
                extracted |= {digests[t.id] for t in to_extract}
                if status == DONE:
                    # People this conversation just gave an entity file: link them too.
                    now = participant_links.targets(run.app, conv.participants, conv.turns, item.user_names)
                    if links is None or now.keys() - links.keys():
                        relinked = participant_links.relink(run.app, path, now, written_hash, Source(
                            f"import:{conv.source}", ref=conv.key, detail=conv.title))
                        if relinked:
                            written_hash = relinked
                            assert self.indexer is not None
                            self.indexer.add(path)
        t0 = time.perf_counter()
        run.ledger.finish(source=conv.source, source_id=conv.source_id, content_hash=content_hash,
                          turns=digests.values(), extracted=extracted, written_hash=written_hash, status=status,
                          seen_text=seen_text)
        timings["ledger"] += time.perf_counter() - t0


def _strong(turns: list[Turn]) -> tuple[str, ...]:
    return tuple(text_hash(t.text) for t in turns if t.strong and t.kind not in NOT_STATEMENTS and t.branch is None)


def _turn_ids(conv: Conversation, to_extract: list[Turn]) -> tuple[str, ...] | None:
    if not to_extract:
        return ()
    return None if len(to_extract) == len(conv.turns) else tuple(t.id for t in to_extract)
