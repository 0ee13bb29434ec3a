"""`memd import ... --dry-run` with a model backend: how many requests, tokens and how long.

    estimate = ModelEstimate()
    for conv, turn_ids in staged: estimate.add(conv, turn_ids)     # counts, keeps a small sample
    report = estimate.measure(backend, config)                    # a short timed sample

The count is exact for what the import will decide (the user's and other people's turns that
are statements, on the branch the user kept) and for what the cheap check skips (greetings and
acknowledgements). The rest is measured: SAMPLE turns, taken evenly through the export, are sent
to the configured server as the import would send them (the same prompt, the same tools): first
one at a time, for the latency of one request and the tokens, the searches and repairs a
decision costs; then all at once, for what the server does with requests side by side. The
estimate scales those to the whole import and says how the time changes with concurrency; it
says "assumed" where it goes beyond what was measured. Nothing is written; the sample's
requests appear in the call log like any other.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from memd.extract.model_decider import is_chitchat
from memd.extract.tools import DecisionRequest, Turn as LoopTurn

SAMPLE = 8
NOT_STATEMENTS = frozenset({"code", "execution_output", "tool_call", "error", "quote", "bot", "document"})
DECIDE_ROLES = ("user", "other")


class ModelEstimate:
    def __init__(self, sample: int = SAMPLE):
        self.sample_size = sample
        self.conversations = 0
        self.turns = 0  # turns the loop will decide
        self.chitchat = 0  # ... of which the cheap check decides without the model
        self._texts: list[tuple[str, str]] = []  # (stream, text) of every k-th decidable turn
        self._stride = 1

    @classmethod
    def for_backend(cls, backend: Any) -> ModelEstimate | None:
        """An estimate for a model backend (LLMBackend or ModelDecider); None for the rules one."""
        from memd.extract.llm_backend import LLMBackend
        from memd.extract.model_decider import ModelDecider

        return cls() if isinstance(backend, (LLMBackend, ModelDecider)) else None

    def add(self, conv: Any, turn_ids: tuple[str, ...] | list[str] | None = None) -> None:
        """Count `conv`'s turns that an import would decide (`turn_ids`: only these; None: all)."""
        wanted = None if turn_ids is None else set(turn_ids)
        self.conversations += 1
        for t in conv.turns:
            if t.role not in DECIDE_ROLES or t.kind in NOT_STATEMENTS or t.branch is not None:
                continue
            if wanted is not None and t.id not in wanted:
                continue
            self.turns += 1
            turn = LoopTurn(stream=conv.key, role="user" if t.role == "user" else "other", text=t.text,
                            author=t.author, turn_id=t.id, strong=t.strong)
            if is_chitchat(turn):
                self.chitchat += 1
                continue
            # An even spread through the export in bounded memory: keep every stride-th turn and
            # double the stride (dropping every other kept one) when the sample would overflow.
            if (self.turns - self.chitchat) % self._stride == 0:
                self._texts.append((conv.key, t.text))
                if len(self._texts) > 4 * self.sample_size:
                    self._texts = self._texts[::2]
                    self._stride *= 2

    def sample(self) -> list[tuple[str, str]]:
        if len(self._texts) <= self.sample_size:
            return list(self._texts)
        step = len(self._texts) / self.sample_size
        return [self._texts[int(i * step)] for i in range(self.sample_size)]

    def measure(self, backend: Any, config: Any, *, concurrency: int | None = None,
                kind: str | None = None) -> dict[str, Any]:
        """Send the sample to `backend` (an LLMBackend) and scale it to the import."""
        from memd.extract.model_decider import ModelDecider
        from memd.extract.model_snapshot import MemorySnapshot
        from memd.llm.factory import setting
        from memd.llm.server_kind import probe_kind, resolve_concurrency

        decider = backend if isinstance(backend, ModelDecider) else ModelDecider(
            backend, MemorySnapshot.read(config.vault, config.memory.dir.strip("/"),
                                                    skip=(config.memory.review_file,)),
            max_searches=config.extract.max_searches, cache=None, skip_chitchat=False)
        name = getattr(decider.model, "backend", "openai")
        if concurrency is None:
            if kind is None and name == "openai":
                kind = str(setting(config.llm, "server_kind", "") or "") or probe_kind(
                    str(setting(config.llm, "base_url", "")))
            concurrency, _ = resolve_concurrency(name, setting(config.llm, "concurrency", 0), kind)
        to_model = self.turns - self.chitchat
        out: dict[str, Any] = {
            "conversations": self.conversations, "turns_to_decide": self.turns, "skipped_chitchat": self.chitchat,
            "turns_to_model": to_model, "concurrency": concurrency, "sample": 0,
        }
        sample = self.sample()
        if not sample or to_model == 0:
            out.update(requests=0, seconds={"1": 0.0, str(concurrency): 0.0})
            return out

        def one(item: tuple[str, str]) -> tuple[float, dict[str, int]]:
            stream, text = item
            request = DecisionRequest(new_turn=LoopTurn(stream=f"estimate:{stream}", role="user", text=text,
                                                        turn_id="t"), user_names=list(config.import_.me))
            tally = decider.meter.begin()
            t0 = time.perf_counter()
            decider.decide(request)
            seconds = time.perf_counter() - t0
            decider.meter.end()
            return seconds, dict(tally)

        half = max(1, len(sample) // 2)
        sequential = [one(item) for item in sample[:half]]  # one at a time: latency, tokens
        side_by_side = sample[half:] or sample[:half]
        parallel = min(concurrency, len(side_by_side))
        t0 = time.perf_counter()
        with ThreadPoolExecutor(parallel) as pool:
            together = list(pool.map(one, side_by_side))
        together_s = time.perf_counter() - t0

        runs = sequential + together
        requests_per_decision = sum(r[1].get("requests", 0) for r in runs) / len(runs)
        prompt = sum(r[1].get("prompt_tokens", 0) for r in runs) / max(1, sum(r[1].get("requests", 0) for r in runs))
        completion = sum(r[1].get("completion_tokens", 0) for r in runs) / max(
            1, sum(r[1].get("requests", 0) for r in runs))
        latency = statistics.median(r[0] for r in sequential)  # seconds per decision, one at a time
        measured_rate = len(together) / together_s  # decisions per second with `parallel` in flight
        speedup = max(1.0, measured_rate * latency)
        requests = round(to_model * requests_per_decision)
        seconds = {"1": round(to_model * latency, 1),
                   str(parallel): round(to_model / measured_rate, 1)}
        if concurrency > parallel:
            # Beyond what was measured: assume the speed-up grows in proportion (a batching
            # server does, up to its batch size; a desktop server does not: it queues).
            assumed = speedup * concurrency / parallel
            seconds[str(concurrency)] = round(to_model * latency / assumed, 1)
        out.update(
            sample=len(runs), requests=requests, requests_per_decision=round(requests_per_decision, 2),
            prompt_tokens=round(requests * prompt), completion_tokens=round(requests * completion),
            prompt_tokens_per_request=round(prompt), latency_s=round(latency, 3),
            measured={"in_flight": parallel, "decisions_per_s": round(measured_rate, 2),
                      "speedup": round(speedup, 2)},
            seconds=seconds, assumed_beyond=parallel if concurrency > parallel else None,
        )
        return out


def describe(est: dict[str, Any]) -> list[str]:
    """The estimate in a few lines, for the dry run's human output."""
    lines = [f"model: {est['turns_to_decide']} turns to decide, {est['skipped_chitchat']} skipped as chit-chat"
             f" (no request), {est.get('requests', 0)} requests"]
    if est.get("sample"):
        lines.append(f"  ~{est['prompt_tokens']:,} prompt + {est['completion_tokens']:,} completion tokens"
                     f" ({est['prompt_tokens_per_request']} a request; sample of {est['sample']},"
                     f" {est['latency_s']} s each)")
        parts = []
        for level, seconds in est["seconds"].items():
            note = " (assumed)" if est.get("assumed_beyond") and int(level) > est["assumed_beyond"] else ""
            parts.append(f"{level} at once: {_duration(seconds)}{note}")
        lines.append("  time: " + " · ".join(parts) + f" (configured: {est['concurrency']})")
    return lines


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
