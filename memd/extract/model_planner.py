"""The plan stage of an import (memd.importers.plan) for a model backend: many conversations
decided at once against an OpenAI-compatible server, applied in order by the one writer.

    planner = model_planner_for(backend, config, tz=zone)  # None for the rules backend
    planner.submit(job); ...; for result in planner.results(): ...; planner.close()

Each conversation (a stream) is decided start to end by one thread, its turns in order, with a
ModelDecider that searches a snapshot of memory taken when the import began plus the
conversation's own earlier facts (memd/extract/model_snapshot.py says why). Its decisions are
therefore the same whichever conversations run beside it and whenever they finish, and the write
stage replays them in submission order: the memory an import leaves is the same at concurrency 1
or 64 (tests/llm/test_concurrent_import.py proves it, bench/model_bench.py measures it).

A conversation whose model requests failed comes back with `failed` set (the turn and the reason)
and no steps: the write stage lists it in the report as failed and leaves its ledger row
unfinished, so the next run (`memd import --resume` or the same import again) decides it, and the
turns the model did answer are answered from the decision cache, not asked again.

What it cost is counted per conversation (`ModelPlanResult.usage`: requests, prompt, cached
and completion tokens from the server's usage field, turns skipped as chit-chat, answers reused)
and in all (`progress()`: decisions/s, ETA).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from memd.extract.model_cache import DecisionCache
from memd.extract.model_decider import ModelDecider
from memd.extract.model_snapshot import MemorySnapshot
from memd.importers.plan import PlanJob, PlanResult
from memd.llm.factory import setting
from memd.llm.server_kind import probe_kind, resolve_concurrency

log = logging.getLogger("memd.extract.model")

PlanFn = Callable[[PlanJob, tzinfo, dict[str, Any], Any, Any], PlanResult]
DECIDE_ROLES = ("user", "other")
PER_CONVERSATION_KEPT = 5000  # conversations whose usage report() lists one by one


@dataclass
class ModelPlanResult(PlanResult):
    failed: str | None = None  # the model could not decide it: list as failed, do not decide here
    usage: Counter = field(default_factory=Counter)
    # Turns the model answered with no usable call even after a repair: decided as ignore_memory
    # (the decision says why) and listed in the import report as failed turns.
    failed_turns: list[str] = field(default_factory=list)


def _default_plan_fn() -> PlanFn:
    try:
        from memd.importers.pipeline.planning import plan_job  # type: ignore[import-not-found]
    except ImportError:  # the pipeline package before its rename
        from memd.importers.pipeline_new.planning import plan_job  # type: ignore[import-not-found,no-redef]
    return plan_job


class ModelPlanner:
    def __init__(self, decider: ModelDecider, config: Any, tz: tzinfo, *, concurrency: int,
                 plan_fn: PlanFn | None = None, reason: str = ""):
        self.decider = decider
        self.config = config
        self.tz = tz
        self.concurrency = max(1, concurrency)
        self.reason = reason
        self._plan = plan_fn or _default_plan_fn()
        decider.broken = None  # a new import asks the server again, whatever the last one met
        decider._failures_in_a_row = 0
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="memd-model")
        self._futures: deque[Future] = deque()
        self._local = threading.local()
        self._lock = threading.Lock()
        self.totals: Counter = Counter()
        self.turns_submitted = 0
        self.started = time.monotonic()
        self.failed = 0
        # How many conversations the write stage should keep submitted ahead of the one it
        # writes: enough that every thread has one queued when it finishes the last.
        self.ahead = 2 * self.concurrency
        self.per_conversation: list[tuple[str, dict[str, int]]] = []
        self._applied_stream: str | None = None
        self.owns_cache = False  # the decision cache was opened for this import (closed with it)
        model = getattr(decider.model, "set_concurrency", None)
        if model is not None:
            model(self.concurrency)  # connection pool and overload gate sized to the threads

    # -- the Planner protocol ---------------------------------------------------------------------
    def submit(self, job: PlanJob) -> None:
        if job.extract:
            self.turns_submitted += _decidable(job)
        self._futures.append(self._pool.submit(self._run, job))

    def results(self) -> Iterator[ModelPlanResult]:
        while self._futures:
            future = self._futures.popleft()
            result: ModelPlanResult = future.result()
            # The write stage asks for the next result once it has applied the one before: that
            # conversation's cached answers are not needed any more.
            self._forget_applied()
            if result.failed is None and result.steps is not None:
                self._applied_stream = result.job.conv.key
            yield result

    def close(self) -> None:
        for future in self._futures:
            future.cancel()
        self._futures.clear()
        # Conversations already running stop at their next request (a Ctrl-C waits for the
        # requests in flight only, each bounded by llm.timeout_s).
        if self.decider.broken is None:
            self.decider.broken = "the import stopped"
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self.owns_cache and self.decider.cache is not None:
            self.decider.cache.close()
            self.decider.cache = None

    # -- one conversation (a worker thread) -------------------------------------------------------
    def _run(self, job: PlanJob) -> ModelPlanResult:
        loops = getattr(self._local, "loops", None)
        if loops is None:
            loops = self._local.loops = {}
        self.decider.meter.begin()
        self.decider.facts.reset()
        t0 = time.perf_counter()
        plain = self._plan(job, self.tz, loops, self.config, self.decider)
        usage, failed_turn, invalid = self.decider.meter.end()
        self.decider.facts.reset()
        result = ModelPlanResult(job, plain.text, plain.steps, plain.error, plain.timings, plain.logs, usage=usage,
                                 failed_turns=invalid)
        result.timings["model: decide (thread)"] += time.perf_counter() - t0
        if failed_turn is not None or (plain.error and job.extract):
            turn_id, reason = failed_turn or (None, plain.error or "")
            result.failed = f"turn {turn_id}: {reason}" if turn_id else reason
            result.steps = None
        with self._lock:
            self.totals.update(usage)
            self.totals["conversations"] += 1
            if len(self.per_conversation) < PER_CONVERSATION_KEPT:  # each result carries its own, too
                self.per_conversation.append((job.conv.source_id, dict(usage)))
            self.failed += result.failed is not None
        return result

    def _forget_applied(self) -> None:
        if self._applied_stream is not None and self.decider.cache is not None:
            self.decider.cache.forget(self._applied_stream)
        self._applied_stream = None

    # -- progress ---------------------------------------------------------------------------------
    def progress(self) -> dict[str, Any]:
        """Decisions so far, decisions per second and the time left, for a progress bar."""
        with self._lock:
            totals = Counter(self.totals)
        elapsed = max(1e-6, time.monotonic() - self.started)
        decided = totals["decisions"]
        rate = decided / elapsed
        left = max(0, self.turns_submitted - decided)
        return {
            "concurrency": self.concurrency, "decisions": decided, "decisions_per_s": round(rate, 2),
            "eta_s": round(left / rate, 1) if rate > 0 else None, "requests": totals["requests"],
            "prompt_tokens": totals["prompt_tokens"], "cached_tokens": totals["cached_tokens"],
            "completion_tokens": totals["completion_tokens"], "skipped_chitchat": totals["skipped"],
            "answers_reused": totals["cached_answers"], "failed_conversations": self.failed,
        }


    def report(self) -> dict[str, Any]:
        """For the import report: the totals, and what each conversation cost (prompt, cached
        and completion tokens from the server's usage field; requests; turns skipped)."""
        out = self.progress()
        out["reason"] = self.reason
        out["per_conversation"] = [{"id": cid, **usage} for cid, usage in self.per_conversation]
        return out


def _decidable(job: PlanJob) -> int:
    conv = job.conv
    wanted = None if job.turn_ids is None else set(job.turn_ids)
    return sum(1 for t in conv.turns if t.role in DECIDE_ROLES and (wanted is None or t.id in wanted))


def model_planner_for(backend: Any, config: Any, *, tz: tzinfo, plan_fn: PlanFn | None = None,
                      kind: str | None = None) -> ModelPlanner | None:
    """The planner for a model backend (an LLMBackend: extract.backend openai or mlx), None for
    any other. `config` is the import's (its vault gives the memory snapshot, its state folder
    the decision cache, its import.me the user's names)."""
    from memd.extract.llm_backend import LLMBackend

    owned = False
    if isinstance(backend, ModelDecider):
        decider = backend
    elif isinstance(backend, LLMBackend):
        decider, owned = decider_for(backend, config), True
    else:
        return None
    llm = config.llm
    backend_name = getattr(decider.model, "backend", "openai")
    if kind is None and backend_name == "openai":
        kind = str(setting(llm, "server_kind", "") or "") or probe_kind(str(setting(llm, "base_url", "")))
    concurrency, reason = resolve_concurrency(backend_name, setting(llm, "concurrency", 0), kind)
    log.info("model extraction: %d conversations at once (%s)", concurrency, reason)
    planner = ModelPlanner(decider, config, tz, concurrency=concurrency, plan_fn=plan_fn, reason=reason)
    planner.owns_cache = owned
    return planner


def decider_for(backend: Any, config: Any) -> ModelDecider:
    """A ModelDecider over `backend` with this import's memory snapshot and decision cache."""
    snapshot = MemorySnapshot.read(config.vault, config.memory.dir.strip("/"),
                                   skip=(config.memory.review_file,))
    cache = DecisionCache(config.state_dir / "model_answers.db")
    return ModelDecider(backend, snapshot, max_searches=config.extract.max_searches, cache=cache)
