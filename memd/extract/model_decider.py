"""The model backend as an import runs it: many conversations at once, each decided against a
fixed memory (model_snapshot), answers kept on disk (model_cache), chit-chat never sent.

`ModelDecider` wraps an LLMBackend. It answers the model's search_memory calls itself, from
the memory snapshot taken when the import started plus the facts the same conversation added
earlier, so its decisions depend on the conversation alone: `searches_memory = False`, and the
extraction loop can plan them apart from the writer (ExtractionLoop.planner) and replay them in
order, exactly as it does for the rules backend. The searches still appear in each decision's
record (they are appended to the request, which the loop copies into the Decision).

Three things save requests:
- a turn that is only a greeting or an acknowledgement ("thanks!", "ok cool") is ignored without
  asking the model, with a reason that says so (it is in the decisions table like any decision);
- an answer already on disk for the very same request is reused (a resumed import);
- when the server keeps failing (BREAKER_FAILURES turns in a row), the rest of the import stops
  asking and its conversations fail fast, to be decided by the next run, instead of each
  waiting through its own timeouts and retries.

A turn whose request fails (the server's own retries spent, a body that is not a completion, a
timeout) is tried TRANSIENT_TRIES times in all, then raised: the loop keeps nothing of that
conversation, the import lists it as failed with the turn and the reason, and it is resumable.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from typing import Any

from memd.extract.llm_backend import INVALID_CALL_REASON, LLMBackend, offered_tools
from memd.extract.model_cache import DecisionCache, request_key
from memd.extract.model_snapshot import MemorySnapshot, StreamFacts
from memd.extract.tools import ADD, IGNORE, SEARCH, DecisionRequest, SearchStep, ToolCall, Turn
from memd.llm.errors import LLMConnectionError, LLMError, LLMHTTPError
from memd.llm.memreader_prompt import render_messages

log = logging.getLogger("memd.extract.model")

TRANSIENT_TRIES = 2
REFUSED = (400, 413, 422)  # HTTP statuses that refuse the request itself, not the server's state
BREAKER_FAILURES = 8
CHITCHAT_REASON = "chit-chat: only a greeting or an acknowledgement (cheap check; the model was not asked)"

_ACK = re.compile(
    r"^(?:(?:hi|hey|hello|heya|hiya|yo|good (?:morning|afternoon|evening|night)|morning|thanks(?: a lot| so much)?|"
    r"thank you(?: so much| very much)?|thx|ty|cheers|bye|goodbye|see (?:you|ya)|take care|ok|okay|k|cool|nice|great|"
    r"awesome|wow|lol|haha+|yes|yeah|yep|sure|perfect|got it|makes sense|sounds (?:good|great)|"
    r"no problem|np|of course|exactly|agreed|please|pls|continue|go on|more|again)\b[\s,!.?:;)(-]*)+$",
    re.I,
)


def is_chitchat(turn: Turn) -> bool:
    """Nothing but greetings and acknowledgements: no word is left that could carry a fact.
    Stricter than the rules backend's small talk ("yes, Berlin" answers a question: it is sent)."""
    text = turn.text.strip()
    if turn.strong or len(text) > 80:
        return False
    return not text or _ACK.match(text) is not None


class Meter:
    """What the model cost, per conversation: each worker thread opens a tally for the
    conversation it decides (`begin`) and takes it back (`end`)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def begin(self) -> Counter:
        tally: Counter = Counter()
        self._local.tally = tally
        self._local.failed = None
        self._local.invalid = []
        return tally

    def end(self) -> tuple[Counter, tuple[str | None, str] | None, list[str]]:
        """(the tally, the turn that failed and why, the turns the model answered unusably)."""
        tally = getattr(self._local, "tally", None) or Counter()
        failed = getattr(self._local, "failed", None)
        invalid = getattr(self._local, "invalid", None) or []
        self._local.tally, self._local.failed, self._local.invalid = None, None, []
        return tally, failed, invalid

    def invalid(self, turn_id: str | None, reason: str) -> None:
        self.add(invalid_calls=1)
        if getattr(self._local, "tally", None) is not None:
            self._local.invalid.append(f"turn {turn_id}: {reason}")

    def add(self, **counts: int) -> None:
        tally = getattr(self._local, "tally", None)
        if tally is not None:
            tally.update({k: v for k, v in counts.items() if v})

    def fail(self, turn_id: str | None, reason: str) -> None:
        self._local.failed = (turn_id, reason)


class _MeteredModel:
    """The ChatModel an LLMBackend calls, counting requests and the server's usage per thread."""

    def __init__(self, model: Any, meter: Meter):
        self.model = model
        self.meter = meter
        self.backend = model.backend

    def chat(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        result = self.model.chat(messages, **kwargs)
        usage = result.usage
        self.meter.add(requests=1, prompt_tokens=usage.prompt_tokens or 0,
                       completion_tokens=usage.completion_tokens or 0, cached_tokens=usage.cached_tokens or 0)
        return result


class ModelDecider:
    searches_memory = False  # it searches the import's snapshot, never the live vault
    tags_buffered_turns = False

    def __init__(self, llm: LLMBackend, snapshot: MemorySnapshot, *, max_searches: int = 3,
                 cache: DecisionCache | None = None, skip_chitchat: bool = True):
        self.llm = llm
        self.name = llm.name
        model = llm.model.model if isinstance(llm.model, _MeteredModel) else llm.model  # never metered twice
        self.model = model
        self.meter = Meter()
        llm.model = _MeteredModel(model, self.meter)
        self.snapshot = snapshot
        self.facts = StreamFacts()
        self.max_searches = max_searches
        self.cache = cache
        self.skip_chitchat = skip_chitchat
        self._lock = threading.Lock()
        self._failures_in_a_row = 0
        self.broken: str | None = None  # why the import stopped asking the model

    def decide(self, request: DecisionRequest) -> ToolCall:
        turn = request.new_turn
        if (self.skip_chitchat and not request.final and not request.buffered and not request.searches
                and is_chitchat(turn)):
            self.meter.add(skipped=1, decisions=1)
            return ToolCall(IGNORE, {"reason": CHITCHAT_REASON})
        while True:
            call = self._ask(request)
            if call.name != SEARCH:
                break
            query = str(call.arguments.get("query", ""))
            request.searches.append(SearchStep(query, self.snapshot.search(query, self.facts.of(turn.stream))))
            self.meter.add(searches=1)
            if len(request.searches) >= self.max_searches:
                request.allow_search = False
        if call.name == ADD and isinstance(call.arguments.get("memory_list"), list):
            self.facts.added(turn.stream, call.arguments["memory_list"])
        self.meter.add(decisions=1)
        return call

    def _ask(self, request: DecisionRequest) -> ToolCall:
        if self.broken:
            raise LLMConnectionError(self.broken)
        allowed = [t["function"]["name"] for t in offered_tools(request)]
        key = None
        if self.cache is not None:
            key = request_key(str(getattr(self.model, "model", "")), render_messages(request, allowed), allowed)
            hit = self.cache.get(key)
            if hit is not None:
                call = hit[0]
                self.meter.add(cached_answers=1)
                return call
        before = self.meter_snapshot()
        for attempt in range(1, TRANSIENT_TRIES + 1):
            try:
                call = self.llm.decide(_copy(request))
                break
            except LLMError as exc:
                if attempt < TRANSIENT_TRIES and _transient(exc):
                    log.info("model request failed (%s); trying once more", exc)
                    continue
                if isinstance(exc, LLMHTTPError) and exc.status in REFUSED:
                    # The server refuses this one request (too long for its context, a template
                    # it cannot render): asking again never helps, and failing the conversation
                    # would fail it on every run. The turn is ignored, saying why, and listed.
                    reason = f"{INVALID_CALL_REASON}: the server refused the request ({exc})"
                    self.meter.invalid(request.new_turn.turn_id, reason)
                    return ToolCall(IGNORE, {"reason": reason})
                self._failed(request.new_turn, exc)
                raise
        with self._lock:
            self._failures_in_a_row = 0
        if call.name == IGNORE and str(call.arguments.get("reason", "")).startswith(INVALID_CALL_REASON):
            # The model answered, twice, with nothing usable: the turn is ignored (its decision
            # says why) and listed as failed in the import report. Not kept in the cache, so
            # the next import asks again.
            self.meter.invalid(request.new_turn.turn_id, str(call.arguments["reason"]))
            return call
        if self.cache is not None and key is not None:
            after = self.meter_snapshot()
            self.cache.put(key, request.new_turn.stream, call, after["prompt_tokens"] - before["prompt_tokens"],
                           after["completion_tokens"] - before["completion_tokens"])
        return call

    def meter_snapshot(self) -> Counter:
        tally = getattr(self.meter._local, "tally", None)
        return Counter(tally or {})

    def _failed(self, turn: Turn, exc: LLMError) -> None:
        self.meter.fail(turn.turn_id, str(exc))
        with self._lock:
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= BREAKER_FAILURES and not self.broken:
                self.broken = (f"the model server failed {self._failures_in_a_row} turns in a row (last: {exc}); "
                               "stopped asking it: run the import again to decide the rest")
                log.warning("%s", self.broken)


def _copy(request: DecisionRequest) -> DecisionRequest:
    """The request as the LLM backend should see it: its own list of searches, so a retry after a
    failure does not see half of an attempt."""
    return DecisionRequest(new_turn=request.new_turn, recent=request.recent, buffered=request.buffered,
                           searches=list(request.searches), final=request.final, user_names=request.user_names,
                           today=request.today, allow_search=request.allow_search)


def _transient(exc: LLMError) -> bool:
    # A 4xx other than 429 is the request's fault: asking again gives the same answer.
    if isinstance(exc, LLMHTTPError):
        return exc.status == 429 or exc.status >= 500
    return True
