"""The plan stage of an import: what to write for a conversation, decided apart from writing it.

    parse -> plan -> write (one writer) -> index          (importers/pipeline/)

The write stage hands each conversation that needs work to a Planner as a PlanJob, in the order
it will write them (oldest first), and takes the PlanResults back in that same order. A result
holds the transcript note's text and, when the planner could decide without the vault, the
extraction decisions as replayable steps; the write stage applies those through the one writer
(ExtractionLoop.replay), so the vault, journal and decisions table come out exactly as if the
write stage had decided itself. Whatever a planner leaves out (text None, steps None) the write
stage does itself, as it also does when a result's assumptions turn out wrong (see PlanJob):
a planner can only make an import faster, never different.

    planner = planner_for(backend, config, tz=..., jobs=n, parallel=None)
    planner.submit(job)                       # as many ahead as the write stage likes
    result = next(planner.results())          # the oldest job's result (waits for it)
    planner.close()

Steps (PlanResult.steps), in the order the write stage replays them:
    int                      that many turns were fed to the loop (ImportReport.turns_extracted)
    str                      a strong ("About me") text read for the first time in this run (its
                             text_hash): the ledger remembers it, later conversations skip it
    (Planned, bool)          a decision of a planning loop (ExtractionLoop.planner); the bool says
                             whether the report counts it (a buffer re-evaluation forced by a full
                             buffer is recorded, not counted)

A planner whose class says `prepares_index_rows = True` is given, with each note to render, the
path it will most likely be written at (PlanJob.index_path), and answers the note's index rows
for it (memd.index.import_rows): the write stage stores them instead of reading the file back,
when the note was written at that path with those bytes. Planners that render in the writing
process (SequentialPlanner) gain nothing by it and leave it.

Planners here: SequentialPlanner (any backend: renders in this process and leaves every decision
to the write stage) and, for a backend whose decisions depend on the turns alone
(`searches_memory = False`, the rules backend), RulesPlanner (importers/plan_rules.py: renders
and decides in memd.workers processes). A new planner (a model backend planning concurrently)
implements the three methods and is picked by one line in `planner_for`.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Protocol

from .model import Conversation

log = logging.getLogger("memd.importers")

PARALLEL_MIN = 64  # conversations to write before an import plans in worker processes


@dataclass(frozen=True)
class PlanJob:
    """One conversation to plan, and what the planner may assume of the run.

    The write stage checks the assumptions when the conversation's turn comes (earlier
    conversations may have failed, or been deferred); a result planned on assumptions that no
    longer hold is not used."""

    seq: int  # submission number (results come back in this order)
    conv: Conversation  # redacted already where the config says so
    render: bool  # the transcript note is (re)written: render its text
    turn_ids: tuple[str, ...] | None  # the turns to extract, in order (None: all; (): none)
    strong: tuple[str, ...] = ()  # text hashes of the strong turns among them
    assumed_seen: frozenset[str] = frozenset()  # which of those earlier conversations or runs extracted
    user_names: tuple[str, ...] = ()  # the names the user goes by, as of this conversation
    # The turns (positions) whose text the import's secret redaction changed; every other turn's
    # text is known to come out of the redaction as it went in. None: the import did not redact.
    redacted: tuple[int, ...] | None = None
    # Where the note will most likely be written, and its index kind: a planner that renders it
    # may prepare its index rows for that path (the write stage uses them only if the path and
    # the bytes written are these). None: no rows.
    index_path: str | None = None
    index_kind: str = "source"
    # Participant -> link target (memd.vault.participant_links) as of submission: the rendered
    # note links its participants with these; the write stage uses the text if they still hold.
    links: dict[str, str] | None = None

    @property
    def extract(self) -> bool:
        return self.turn_ids is None or bool(self.turn_ids)


@dataclass
class PlanResult:
    job: PlanJob
    text: str | None = None  # the transcript note (None: the write stage renders it)
    steps: list[Any] | None = None  # see the module docstring (None: the write stage decides)
    error: str | None = None  # why the planner could not plan it (the write stage does)
    timings: Counter = field(default_factory=Counter)  # seconds by step, where the planning ran
    logs: list[logging.LogRecord] = field(default_factory=list)  # what planning logged elsewhere
    # The planner could not decide it and the write stage must not either (a model that did not
    # answer): the conversation is reported as failed, its ledger row stays pending, the next run
    # retries it. The transcript note is still written.
    failed: str | None = None
    index_rows: Any = None  # the note's index rows for job.index_path (memd.index.import_rows), or None


class Planner(Protocol):
    def submit(self, job: PlanJob) -> None:
        """Plan `job` (now or later, here or elsewhere)."""

    def results(self) -> Iterator[PlanResult]:
        """The results of the jobs submitted and not yet taken, oldest first, waiting for each.
        Exactly one result per job, in submission order. Call again after more submits."""

    def close(self) -> None:
        """Stop; results not taken are dropped. Safe to call twice."""


class SequentialPlanner:
    """Any backend: renders the note here, when its result is taken; decides nothing (the write
    stage decides with its own loop, which may search memory)."""

    def __init__(self, tz: tzinfo):
        self.tz = tz
        self._pending: list[PlanJob] = []

    def submit(self, job: PlanJob) -> None:
        self._pending.append(job)

    def results(self) -> Iterator[PlanResult]:
        from .pipeline.planning import render_note

        while self._pending:
            job = self._pending.pop(0)
            result = PlanResult(job)
            if job.render:
                result.text = render_note(job.conv, self.tz, result.timings, links=job.links)
            yield result

    def close(self) -> None:
        self._pending.clear()


def planner_for(backend: Any, config: Any, *, tz: tzinfo, tz_name: str | None, jobs: int,
                parallel: bool | None = None) -> Planner:
    """The planner for an import of `jobs` conversations with `backend` (None: no extraction).

    `parallel`: None decides by size (PARALLEL_MIN), True whenever the backend allows, False
    never. `config` carries the import's names for the user (import.me)."""
    # A model backend (an LLMBackend or a ModelDecider) plans many conversations at once. Neither
    # can exist unless its module was imported: otherwise the model planner (and the HTTP client
    # it imports, half a second of CPU) is not imported at all.
    if backend is not None and ("memd.extract.llm_backend" in sys.modules or "memd.extract.model_decider" in sys.modules):
        from memd.extract.model_planner import model_planner_for

        if (model := model_planner_for(backend, config, tz=tz)) is not None:
            return model
    wants = parallel is True or (parallel is None and jobs >= PARALLEL_MIN)
    if wants and (backend is None or getattr(backend, "searches_memory", True) is False):
        from .plan_rules import RulesPlanner

        try:
            return RulesPlanner(config, backend, tz_name)
        except Exception as exc:  # no processes allowed, a backend that cannot travel: all here
            log.warning("import: no worker process (%s); rendering and deciding in this one", exc)
    return SequentialPlanner(tz)
