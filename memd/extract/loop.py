"""The active extraction loop (DESIGN.md "Extraction loop"): one decision per new turn.

    context  = the stream's buffered turns + its recent turns + the new turn
    decide   = backend picks search_memory (answered from memd's own index and fed back, at most
               `max_searches` a turn), add_memory, buffer_memory or ignore_memory
    add      -> memory operations through the one writer (journaled with the turn as source)
    buffer   -> the turn waits in the stream's persisted buffer
    ignore   -> dropped (kept only as context for the next turns)

The buffer is re-evaluated with final=True (add or ignore only) when the stream ends, after an
idle timeout (the daemon's scheduler calls `flush_idle`), or when it holds more than
`buffer_max_turns`. An invalid call gets one repair retry, then counts as ignore with a warning;
a partial call is never applied. Every decision is recorded (decisions table) and every write
it caused is in the journal, pointing back at the turn.

Deciding apart from writing (`ExtractionLoop.planner`): a backend that never searches memory
(`searches_memory = False`, the rules backend) decides from the turns alone, so its decisions can
be made in another process, by a loop that writes nothing and records each decision with what
applying it needs (`Planned`). A loop with the app then `replay`s them in order: the same
privacy filter, the same writes with the same sources, the same decision records as if it had
decided them itself. An import plans in worker processes while it writes (importers/plan.py).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from memd.app import Memd
from memd.config import Config
from memd.errors import MemdError
from memd.extract.apply import GATE, Applied, apply_items
from memd.extract.privacy import PrivacyFilter
from memd.extract.conventions import TURN_TAG_PREFIX
from memd.extract.streams import MemoryStreamStore, StreamStore
from memd.extract.tools import (
    ADD, BUFFER, IGNORE, SEARCH, Backend, DecisionRequest, MemoryItem, SearchStep, ToolCall, Turn, validate_call,
)
from memd.state import Source, dumps

log = logging.getLogger("memd.extract")
DETAIL_CHARS = 240


@dataclass
class Decision:
    stream: str
    turn_id: str | None
    tool: str
    arguments: dict[str, Any]
    reasoning: str | None = None
    searches: list[SearchStep] = field(default_factory=list)
    final: bool = False
    warnings: list[str] = field(default_factory=list)
    applied: Applied | None = None
    decision_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "stream": self.stream, "turn_id": self.turn_id, "tool": self.tool, "arguments": self.arguments,
            "final": self.final, "searches": [s.query for s in self.searches], "warnings": self.warnings,
            "decision_id": self.decision_id,
        }
        if self.reasoning:
            d["reasoning"] = self.reasoning
        if self.applied is not None:
            d["writes"] = [r.to_json() for r in self.applied.results]
            d["dropped"] = [{"key": i.key, "value": i.value, "why": why} for i, why in self.applied.dropped]
        return d


@dataclass
class Planned:
    """A decision made by a planning loop (ExtractionLoop.planner), with what applying it needs."""

    decision: Decision
    turn: Turn | None = None  # the turn an add is about (its source); None for other tools
    sources: dict[str, Turn] | None = None  # a buffer re-evaluation's buffered turns, by turn id
    arguments_json: str | None = None  # the decision's arguments as the decisions table stores them


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ExtractionLoop:
    def __init__(self, app: Memd, backend: Backend, *, source_kind: str = "ingest", in_memory: bool = False,
                 clock: Callable[[], datetime] = _now):
        persistent = StreamStore(app.state, app.config.extract.window_turns)
        # Imports keep stream state in memory (see MemoryStreamStore); live turns persist it.
        self._configure(app.config, backend, MemoryStreamStore(persistent) if in_memory else persistent,
                        source_kind, clock)
        self.app = app

    @classmethod
    def planner(cls, config: Config, backend: Backend, *, source_kind: str = "ingest",
                clock: Callable[[], datetime] = _now) -> ExtractionLoop:
        """A loop that decides without writing anything, for a backend whose decisions do not depend
        on memory (`searches_memory = False`). Each decision lands in `take_plan()` instead of
        being applied and recorded; a loop with the app `replay`s them. Needs no app (no vault, no
        state database): it can run in a worker process. Stream state is kept in memory."""
        if getattr(backend, "searches_memory", True) is not False:
            raise ValueError(f"backend {getattr(backend, 'name', '?')!r} may search memory: its decisions"
                             " depend on the vault and cannot be planned apart")
        loop = cls.__new__(cls)
        loop._configure(config, backend, MemoryStreamStore(None, window=config.extract.window_turns), source_kind,
                        clock)
        loop.app = None
        loop.planned = []
        return loop

    def _configure(self, config: Config, backend: Backend, streams: StreamStore | MemoryStreamStore,
                   source_kind: str, clock: Callable[[], datetime]) -> None:
        cfg = config.extract
        self.backend = backend
        self.source_kind = source_kind
        self.max_searches = cfg.max_searches
        self.buffer_max = cfg.buffer_max_turns
        self.idle = timedelta(minutes=cfg.idle_flush_minutes)
        self.streams = streams
        self.privacy = PrivacyFilter(config.privacy)
        self.user_names = list(config.import_.me)
        self.clock = clock
        # A planning loop's decisions, in order (None: this loop applies and records them itself),
        # and the add being planned between _apply and _record.
        self.planned: list[Planned] | None = None
        self._planning: tuple[Turn, dict[str, Turn] | None] | None = None
        # Backends that mark which buffered turns an add used (`tags_buffered_turns = True`, the
        # rules backend) let the rest of the buffer keep waiting; for others an add consumes it all.
        self.backend_tags_buffer = getattr(backend, "tags_buffered_turns", False) is True
        # The daemon serves many clients at once: turns of one stream are decided one at a time,
        # in order; different streams proceed side by side.
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _stream_lock(self, stream: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(stream, threading.Lock())

    # -- one turn ------------------------------------------------------------------------------
    def process(self, turn: Turn) -> Decision:
        with self._stream_lock(turn.stream):
            return self._process(turn)

    def _process(self, turn: Turn) -> Decision:
        turn = self._clean(turn)
        request = DecisionRequest(
            new_turn=turn,
            recent=self.streams.recent(turn.stream),
            buffered=self.streams.buffered(turn.stream),
            user_names=self.user_names,
            today=self._today(turn),
        )
        try:
            decision = self._decide(request)
        except MemdError as exc:
            # The backend is unreachable or broken: keep the turn (buffered) for a later retry.
            self.streams.add_turn(turn, buffered=True)
            self.streams.record_decision(stream=turn.stream, turn_id=turn.turn_id, tool="error",
                                         arguments={"error": str(exc)}, reasoning=None, searches=0, final=False,
                                         warnings=[str(exc)], journal_ids=[], review_ids=[])
            raise MemdError(f"extraction backend failed: {exc}; the turn is kept and will be retried") from None
        if decision.tool == BUFFER:
            self.streams.add_turn(turn, buffered=True)
        else:
            if decision.tool == ADD:
                decision.applied = self._apply(decision, turn)
                self._settle_buffer(turn.stream, decision)
            self.streams.add_turn(turn, buffered=False)
        self._record(decision)
        if decision.tool == BUFFER and len(request.buffered) + 1 > self.buffer_max:
            self._flush(turn.stream, reason="buffer full")
        return decision

    def _today(self, turn: Turn) -> str | None:
        """The date "today" means for `turn`: its own. A live turn without one was said now; an
        imported one was not (the importer gives it its conversation's date when it has one), so
        it gets none and relative dates stay unresolved rather than land on the import day."""
        day = _day(turn.time)
        if day or self.source_kind.startswith("import"):
            return day
        return self.clock().date().isoformat()

    def observe(self, turn: Turn) -> None:
        """Keep `turn` as context for the next decisions without deciding on it (an assistant's
        reply during an import, say). Secrets are redacted like any turn's."""
        with self._stream_lock(turn.stream):
            self.streams.add_turn(self._clean(turn), buffered=False)

    @property
    def window(self) -> int:
        """How many recent turns a decision sees."""
        return self.streams.window

    def save(self) -> int:
        """Write decisions an in-memory (import) loop has kept; how many."""
        return self.streams.save() if isinstance(self.streams, MemoryStreamStore) else 0

    def discard(self, stream: str) -> None:
        """Forget a stream without re-evaluating its buffer (its import failed)."""
        with self._stream_lock(stream):
            self.streams.end(stream)
        with self._locks_guard:
            self._locks.pop(stream, None)

    def _clean(self, turn: Turn) -> Turn:
        text, found = self.privacy.clean_text(turn.text)
        if found:
            log.info("redacted %d secret(s) in %s", len(found), turn.stream)
        return _with_text(turn, text)

    def _decide(self, request: DecisionRequest) -> Decision:
        turn = request.new_turn
        warnings: list[str] = []
        while True:
            call = self._valid_call(request, warnings)
            if call.name != SEARCH:
                break
            query = str(call.arguments["query"])
            request.searches.append(SearchStep(query, self.search_memory(query)))
            if len(request.searches) >= self.max_searches:
                request.allow_search = False  # three searches: now add, buffer or ignore
        return Decision(turn.stream, turn.turn_id, call.name, call.arguments, call.reasoning, list(request.searches),
                        request.final, warnings)

    def _valid_call(self, request: DecisionRequest, warnings: list[str]) -> ToolCall:
        """The backend's call if it is complete and allowed here; one retry; else ignore."""
        for attempt in (1, 2):
            call = self.backend.decide(request)
            errors = _validate(call, request.final)
            if not errors and call.name == SEARCH and not request.allow_search:
                errors = ["search_memory is not allowed now (search limit reached)"]
            if not errors:
                if call.name == IGNORE and str(call.arguments.get("reason", "")).startswith("invalid tool call"):
                    warnings.append(call.arguments["reason"])  # the LLM backend's own repair failed
                return call
            warnings.append(f"invalid {call.name} call (attempt {attempt}): {'; '.join(errors)}")
            log.warning("invalid tool call from %s: %s", getattr(self.backend, "name", "?"), errors[0])
        return ToolCall(IGNORE, {"reason": "invalid tool call after one repair retry"})

    def search_memory(self, query: str, limit: int = 6) -> str:
        """What a search_memory call sees: matching memory lines, with the file they are in."""
        if self.app is None:
            raise MemdError("a planning loop cannot search memory")
        hits = self.app.search(query, limit=limit, kind="memory")
        if not hits:
            return "No matching memories."
        out = []
        for h in hits:
            text = self.app._read_text(h["path"]) or ""
            lines = text.split("\n")[h["lines"][0] - 1:h["lines"][1]]
            body = "\n".join(l for l in lines if l.strip())[:800]
            out.append(f"[{h['path']}]\n{body}")
        return "\n\n".join(out)

    def _source(self, turn: Turn) -> Source:
        ref = f"{turn.stream}#{turn.turn_id}" if turn.turn_id else turn.stream
        detail = " ".join(turn.text.split())
        if len(detail) > DETAIL_CHARS:
            detail = detail[:DETAIL_CHARS - 1] + "…"
        return Source(self.source_kind, ref=ref, detail=detail, link=turn.source_link)

    def _apply(self, decision: Decision, turn: Turn, sources: dict[str, Turn] | None = None) -> Applied | None:
        if self.planned is not None:
            self._planning = (turn, sources)  # applied on replay; _record files it with the decision
            return None
        items = [MemoryItem.from_dict(d) for d in decision.arguments["memory_list"]]
        allowed: list[MemoryItem] = []
        applied = Applied()
        for item in items:
            why = self.privacy.blocked(item)
            if why:
                applied.dropped.append((item, why))
            else:
                allowed.append(item)
        by_turn: dict[str | None, list[MemoryItem]] = {}
        for item in allowed:
            tid = next((t[len(TURN_TAG_PREFIX):] for t in item.tags if t.startswith(TURN_TAG_PREFIX)), None)
            by_turn.setdefault(tid if sources and tid in sources else None, []).append(item)
        for tid, group in by_turn.items():
            src_turn = sources[tid] if tid is not None and sources else turn
            result = apply_items(self.app, group, self._source(src_turn), user_names=self.user_names)
            applied.results += result.results
            applied.dropped += result.dropped
        # What the value gate refused is in the decision's record, so `memd decisions` shows it.
        decision.warnings += [f"dropped {i.entity + '.' if i.entity else ''}{i.key}: {i.value!r} ({why[len(GATE):]})"
                              for i, why in applied.dropped if why.startswith(GATE)]
        return applied

    def _settle_buffer(self, stream: str, decision: Decision) -> None:
        """After an add: buffered turns it used are no longer waiting."""
        if not self.backend_tags_buffer:
            self.streams.unbuffer(stream)
            return
        used = {t[len(TURN_TAG_PREFIX):] for d in decision.arguments.get("memory_list", [])
                for t in d.get("tags", []) if t.startswith(TURN_TAG_PREFIX)}
        if used:
            self.streams.unbuffer(stream, used)

    def _record(self, d: Decision, arguments_json: str | None = None) -> None:
        if self.planned is not None:
            turn, sources = self._planning or (None, None)
            self._planning = None
            # The arguments are encoded for the decisions table here, where the planning runs.
            self.planned.append(Planned(d, turn, sources, dumps(d.arguments)))
            return
        d.decision_id = self.streams.record_decision(
            stream=d.stream, turn_id=d.turn_id, tool=d.tool, arguments=d.arguments, reasoning=d.reasoning,
            searches=len(d.searches), final=d.final, warnings=d.warnings,
            journal_ids=d.applied.journal_ids if d.applied else [], review_ids=d.applied.review_ids if d.applied else [],
            arguments_json=arguments_json)

    # -- planned decisions ---------------------------------------------------------------------
    def take_plan(self) -> list[Planned]:
        """The decisions a planning loop made since the last call, in the order they were made."""
        if self.planned is None:
            raise ValueError("not a planning loop")
        out, self.planned = self.planned, []
        self._planning = None
        return out

    def replay(self, planned: Planned, link: Callable[[Turn], Turn] | None = None) -> Decision:
        """Apply and record one decision of a planning loop, exactly as this loop would have when
        deciding it (privacy filter, writes with the turn as source, decision record). Replay a
        stream's decisions in the order they were made. `link` completes a turn before it becomes
        a source (a planning worker may not know where the transcript note is)."""
        d = planned.decision
        if d.tool == ADD:
            turn = planned.turn
            sources = planned.sources
            if turn is None:
                raise ValueError("a planned add without its turn")
            if link is not None:
                turn = link(turn)
                if sources:
                    sources = {k: link(t) for k, t in sources.items()}
            d.applied = self._apply(d, turn, sources)
        self._record(d, planned.arguments_json)
        return d

    # -- the buffer ----------------------------------------------------------------------------
    def flush(self, stream: str, reason: str = "end") -> Decision | None:
        """Re-evaluate the stream's buffer with final=True: add what it holds, or drop it."""
        with self._stream_lock(stream):
            return self._flush(stream, reason)

    def _flush(self, stream: str, reason: str) -> Decision | None:
        buffered = self.streams.buffered(stream)
        if not buffered:
            return None
        request = DecisionRequest(
            new_turn=buffered[-1], buffered=buffered[:-1], recent=self.streams.recent(stream), final=True,
            allow_search=False, user_names=self.user_names,
            today=self._today(buffered[-1]),
        )
        decision = self._decide(request)
        decision.warnings.append(f"buffer re-evaluated ({reason})")
        if decision.tool == ADD:
            decision.applied = self._apply(decision, buffered[-1], {t.turn_id: t for t in buffered if t.turn_id})
        self.streams.unbuffer(stream)
        self._record(decision)
        return decision

    def end_stream(self, stream: str) -> Decision | None:
        with self._stream_lock(stream):
            decision = self._flush(stream, reason="stream ended")
            self.streams.end(stream)
        with self._locks_guard:
            self._locks.pop(stream, None)
        return decision

    def flush_idle(self) -> list[Decision]:
        cutoff = (self.clock() - self.idle).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        out = []
        for stream in self.streams.idle_streams(cutoff):
            d = self.flush(stream, reason="idle")
            if d:
                out.append(d)
        return out

    def remember(self, text: str, *, stream: str | None = None) -> list[Decision]:
        """One statement from the user, decided at once (never left waiting in a buffer)."""
        now = self.clock()
        turn = Turn(stream=stream or f"remember-{now.strftime('%Y%m%d%H%M%S%f')}", role="user", text=text,
                    time=now.isoformat(), turn_id="1")
        first = self.process(turn)
        out = [first]
        if first.tool == BUFFER:
            flushed = self.flush(turn.stream, reason="remember")
            if flushed:
                out.append(flushed)
        self.streams.end(turn.stream)
        return out


def _with_text(turn: Turn, text: str) -> Turn:
    """replace(turn, text=text), without going through __init__ (Turn has no __post_init__): a
    copy of every turn is made, and this is several times cheaper."""
    if type(turn) is not Turn:
        return replace(turn, text=text)
    copy = object.__new__(Turn)
    copy.__dict__.update(turn.__dict__)
    copy.text = text
    return copy


_VALIDATED: dict[tuple[str, bool, str], tuple[str, ...]] = {}
_VALIDATED_MAX = 4096


def _validate(call: ToolCall, final: bool) -> list[str]:
    """validate_call(call, final=final), remembered for arguments seen before: the rules backend
    repeats the same calls ("no personal facts stated") thousands of times in an import. Only
    arguments that are plain JSON are remembered, keyed by their JSON text (which tells 1 from 1.0
    and true): a value that does not survive the round trip unchanged (a tuple, NaN, an object)
    is validated every time."""
    try:
        text = json.dumps(call.arguments, ensure_ascii=False)
        plain = type(call.name) is str and json.loads(text) == call.arguments
    except (TypeError, ValueError, RecursionError):
        plain = False
    if not plain:
        return validate_call(call, final=final)
    key = (call.name, final, text)
    errors = _VALIDATED.get(key)
    if errors is None:
        errors = tuple(validate_call(call, final=final))
        if len(_VALIDATED) >= _VALIDATED_MAX:
            _VALIDATED.clear()
        _VALIDATED[key] = errors
    return list(errors)


def _day(iso: str | None) -> str | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None

