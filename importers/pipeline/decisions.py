"""The extraction of one conversation in the write stage: replaying a planner's decisions
(importers/plan.py), or deciding here with a loop that writes, when there is no plan to use.
Both write through the app's one writer and count the same things in the report."""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..model import Conversation, Turn
from .planning import feed

if TYPE_CHECKING:
    from .write import Writing


class Extraction:
    """The write stage's extraction loops (one per source) and what it tallies."""

    def __init__(self, writing: Writing):
        self.w = writing
        self.loops: dict[str, Any] = {}
        self.deferred = 0  # memory writes of the current conversation put off (a file being edited)

    def loop(self, source: str, user_names: list[str]) -> Any:
        loop = self.loops.get(source)
        if loop is None:
            from memd.extract.loop import ExtractionLoop

            run = self.w.run
            loop = self.loops[source] = ExtractionLoop(run.app, run.backend_or_default(),
                                                       source_kind=f"import:{source}", in_memory=True)
        loop.user_names = list(user_names)  # --me and the export's account names: the user
        return loop

    def decide(self, conv: Conversation, note: str, turns: list[Turn], user_names: list[str]) -> list[str]:
        """Feed `turns` (new since the last import) through the loop, deciding here; the texts of
        strong turns read for the first time, for the ledger."""
        tally = _Tally(self)
        feed(self.loop(conv.source, user_names), conv, note, turns, tally, self.w.report.timings)
        self.w.report.extracted_conversations += 1
        return tally.seen_texts

    def replay(self, conv: Conversation, note: str, steps: list[Any], user_names: list[str]) -> list[str]:
        """What `decide` does, with the decisions a planner made (steps: importers/plan.py)."""
        loop = self.loop(conv.source, user_names)
        report = self.w.report

        def link(t: Any) -> Any:
            return replace(t, source_link=f"[[{note}#^{t.turn_id}]]") if t.turn_id else t

        seen: list[str] = []
        t0 = time.perf_counter()
        # The writes are known in advance: the write lock is taken once for all of them (each
        # write takes it again, re-entrantly, at no cost) rather than once per write.
        writes = any(type(step) is tuple and step[0].turn is not None for step in steps)
        try:
            with self.w.run.app.writer.locked() if writes else nullcontext():
                for step in steps:
                    if type(step) is int:  # turns fed
                        report.turns_extracted += step
                    elif type(step) is str:  # a strong text read for the first time
                        self.w.seen_text_run.add(step)
                        seen.append(step)
                    else:
                        planned, tallied = step
                        decision = loop.replay(planned, link)
                        if tallied:
                            self.tally(decision)
            loop.save()
        except BaseException:
            loop.discard(conv.key)
            raise
        report.timings["extract: apply"] += time.perf_counter() - t0
        report.extracted_conversations += 1
        return seen

    def tally(self, decision: Any) -> None:
        if decision is None:
            return
        report = self.w.report
        report.decisions[decision.tool] += 1
        if decision.applied is not None:
            for result in decision.applied.results:
                if result.status == "applied":
                    report.facts_added += 1
                elif result.status == "review":
                    report.review_items += 1
                elif result.status == "deferred":
                    self.deferred += 1


class _Tally:
    """Deciding here: counts go to the report, strong texts to the run's and the ledger's memory."""

    def __init__(self, extraction: Extraction):
        self.x = extraction
        self.seen_texts: list[str] = []  # strong texts read for the first time, for the ledger

    def turn(self) -> None:
        self.x.w.report.turns_extracted += 1

    def seen(self, digest: str) -> bool:
        w = self.x.w
        if digest in w.seen_text_run or w.run.ledger.seen_text(digest):
            return True
        w.seen_text_run.add(digest)
        self.seen_texts.append(digest)
        return False

    def decided(self, loop: Any, decision: Any) -> None:
        self.x.tally(decision)
