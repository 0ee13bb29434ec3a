"""Feeding a conversation to the extraction loop, and planning it (importers/plan.py) without the vault.

Which turns the loop decides on: the user's and other people's text (roles user and other).
Assistant and system turns are given to it as context only (the rules backend ignores them
anyway, and a model backend would spend a call on each), cut to their last CONTEXT_CHARS; tool
output, code, bot posts and attached documents are neither, and neither are the branches the
user left (edited prompts, regenerated answers: kept in the note with --all-branches, but what
the user moved away from is not a fact to learn). Strong turns ("About me", custom
instructions) are extracted once per distinct text, however many conversations repeat them.

`feed` is the one place that does this; the write stage calls it with a loop that writes (and a
`Tally`), a planner with a planning loop (and a `PlanSink`, whose steps the write stage replays).
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import tzinfo
from typing import Any

from memd.vault import participant_links

from ..ledger import text_hash
from ..model import Conversation, Turn
from ..plan import PlanJob, PlanResult
from ..report import one_line
from ..transcript import block_ids, render

# Turn kinds that are never statements by a person: left out of extraction entirely.
NOT_STATEMENTS = frozenset({"code", "execution_output", "tool_call", "error", "quote", "bot", "document"})
DECIDE_ROLES = ("user", "other")  # decided on by the extraction loop
CONTEXT_ROLES = ("assistant", "system")  # given to it as context only
CONTEXT_CHARS = 600  # of a context-only turn (an assistant reply), its end is kept
_LOOP_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "other": "other", "tool": "other"}


def render_note(conv: Conversation, tz: tzinfo, timings: Counter, blocks: dict[str, str] | None = None,
                links: dict[str, str] | None = None) -> str:
    """The transcript note, its participants linked with `links` (memd.vault.participant_links)."""
    t0 = time.perf_counter()
    text = render(conv, tz=tz, ids=blocks)
    if links:
        text = participant_links.link(text, links)
    timings["render"] += time.perf_counter() - t0
    return text


def add_user_names(names: list[str], conv: Conversation) -> None:
    """The name an export gives the user's own turns (a Claude or ChatGPT account name) means the
    user wherever it is mentioned: facts about it go to user.md, never to an entity file."""
    for t in conv.turns:
        if t.role == "user" and t.author and t.author not in names:
            names.append(t.author)


def wanted_turns(conv: Conversation, turn_ids: tuple[str, ...] | None) -> list[Turn]:
    if turn_ids is None:
        return list(conv.turns)
    wanted = set(turn_ids)
    return [t for t in conv.turns if t.id in wanted]


def feed(loop: Any, conv: Conversation, note: str | None, turns: list[Turn], sink: Any, timings: Counter,
         blocks: dict[str, str] | None = None) -> None:
    """Feed `turns` (new since the last import) through `loop` as the stream `conv.key`.

    `sink` hears of every turn fed (`turn`), decides whether a strong turn's text was extracted
    before (`seen`), and receives every decision the import tallies (`decided`). `note` is the
    transcript's path without `.md`, for each turn's source link; None when planning, which
    leaves the link to the replay (the decisions never depend on it). The caller has set
    `loop.user_names` (add_user_names)."""
    from memd.extract.tools import Turn as LoopTurn

    stream = conv.key
    if blocks is None:
        blocks = block_ids(conv)
    # A turn without its own time was said on the conversation's day, when the export gives one;
    # never on the import's (the loop leaves relative dates of an undated turn unresolved).
    conv_time = conv.created or conv.updated

    def loop_turn(t: Turn, text: str) -> Any:
        block = blocks[t.id]
        when = t.time or conv_time
        return LoopTurn(stream=stream, role=_LOOP_ROLES[t.role], text=text, author=t.author,
                        time=when.isoformat().replace("+00:00", "Z") if when else None,
                        turn_id=block, source_link=f"[[{note}#^{block}]]" if note is not None else None,
                        strong=t.strong)

    def context(t: Turn) -> None:
        # What the user answers is at the end of a long assistant reply; the bound keeps the
        # backend's context (a model's prompt) and the secret redaction, which is linear in
        # the text, from growing with answers of many kilobytes.
        text = t.text if len(t.text) <= CONTEXT_CHARS else "…" + t.text[-CONTEXT_CHARS:]
        loop.observe(loop_turn(t, text))

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
                sink.decided(loop, loop.process(loop_turn(t, t.text)))
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


class PlanSink:
    """Planning: what the write stage's Tally would do, written down as steps (importers/plan.py)."""

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


def index_rows(job: PlanJob, text: str, config: Any, timings: Counter) -> Any:
    """The index rows of the note `text` at job.index_path (None: the write stage's indexer reads
    the file instead, as it does for anything it cannot use these for)."""
    from memd.index.import_rows import prepare_text

    t0 = time.perf_counter()
    try:
        assert job.index_path is not None
        return prepare_text(job.index_path, job.index_kind, text, chunk_chars=config.index.chunk_chars,
                            max_bytes=int(config.index.max_note_mb * 1024 * 1024))
    except Exception:
        return None  # indexed from the file, where an error is reported
    finally:
        timings["index rows"] += time.perf_counter() - t0


class KnownClean:
    """The planning loop's privacy filter for one conversation the import has redacted already
    (read.py): a turn's whole text that the redaction left unchanged comes out of it unchanged
    again, so it is not scanned a second time (a third of deciding a long user turn). Any other
    text (a redacted turn, the cut end of a context turn) goes through the filter as before."""

    def __init__(self, inner: Any, conv: Conversation, redacted: tuple[int, ...]):
        self.inner = inner
        changed = set(redacted)
        self.clean = {t.text for i, t in enumerate(conv.turns) if i not in changed}

    def clean_text(self, text: str) -> tuple[str, list[str]]:
        return (text, []) if text in self.clean else self.inner.clean_text(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def plan_job(job: PlanJob, tz: tzinfo, loops: dict[str, Any], config: Any, backend: Any) -> PlanResult:
    """Render `job`'s transcript and, with a `backend` (one that never searches memory), plan its
    extraction with a planning loop that writes nothing. Never raises: a conversation that cannot
    be planned comes back without steps, and the write stage decides it (and fails it, if it
    must) in order."""
    out = PlanResult(job)
    conv = job.conv
    try:
        blocks = block_ids(conv)
        if job.render:
            out.text = render_note(conv, tz, out.timings, blocks, job.links)
            if job.index_path is not None:
                out.index_rows = index_rows(job, out.text, config, out.timings)
        if job.extract and backend is not None:
            from memd.extract.loop import ExtractionLoop

            loop = loops.get(conv.source)
            if loop is None:
                loop = loops[conv.source] = ExtractionLoop.planner(config, backend, source_kind=f"import:{conv.source}")
            loop.user_names = list(job.user_names)
            sink = PlanSink(job.assumed_seen)
            privacy = loop.privacy
            if job.redacted is not None:
                loop.privacy = KnownClean(privacy, conv, job.redacted)
            try:
                feed(loop, conv, None, wanted_turns(conv, job.turn_ids), sink, out.timings, blocks)
            finally:
                loop.privacy = privacy
                loop.take_plan()  # what a failed conversation left is dropped with it
            out.steps = sink.steps
    except Exception as exc:
        out.steps = None
        out.error = f"{type(exc).__name__}: {one_line(str(exc))}"
    return out
