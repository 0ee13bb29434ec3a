"""Keep the review note (memory/Review.md) and the review queue in agreement.

One `sync` does both directions, under the writer's lock so a daemon thread and a CLI process
never interleave:
1. read the note; every task a person ticked `[x]`, marked `[-]` or whose value they changed is
   applied to its still-pending item through `Memd.review_resolve` (the writer, the journal);
2. write the note again from the queue (pending tasks, done tasks with their dates), keeping
   every other line as the person left it — by compare-and-swap against the bytes read in 1, so
   a save made meanwhile is never overwritten: the sync starts again on the new bytes (and an
   answer in them is applied then; answers already applied are not pending any more).

A note modified in the last `settle_seconds` is left until it settles: Obsidian saves while a
person types, and half a typed value must not be accepted.

Who calls it: the daemon when the watcher sees the note change (and every minute, for items
queued by background work); `memd.api.call` before the review methods and after any method that
can queue or resolve an item; and, without a daemon, before a process's first command (the CLI's
"next run").
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from memd.errors import MemdError
from memd.vault import review_note_format as fmt
from memd.vault.atomic import HandSave, atomic_write, read_quiet, sha256
from memd.vault.writer import decode

if TYPE_CHECKING:
    from memd.app import Memd

log = logging.getLogger("memd.review_note")
MAX_ATTEMPTS = 8
MAX_SETTLE_WAIT_S = 30.0
_SEEN_KEY = "review_note.seen"  # kv: what the last sync saw (the note's hash, the queue's signature)


@dataclass
class SyncReport:
    applied: list[dict[str, Any]] = field(default_factory=list)  # {"id", "decision", "value"?}
    failed: dict[int, str] = field(default_factory=dict)  # item id -> why its answer waits
    written: bool = False
    skipped: str = ""  # why nothing was done ("disabled", "unchanged", "being edited")

    def to_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "failed": {str(k): v for k, v in self.failed.items()},
                "written": self.written, "skipped": self.skipped}


def _read(app: "Memd", path: str) -> bytes | None:
    try:
        return read_quiet(app.config.vault / path)
    except FileNotFoundError:
        return None


def _settled(app: "Memd", path: str, wait: bool) -> bool:
    """Whether the note has not been saved in the last settle_seconds (waiting for that if `wait`).
    memd's own last write needs no waiting for."""
    settle = app.config.writer.settle_seconds
    if settle <= 0:
        return True
    seen = (app.state.get(_SEEN_KEY) or "").split(" ", 1)[0]
    data = _read(app, path)
    if data is None or sha256(data) == seen:
        return True
    deadline = time.monotonic() + MAX_SETTLE_WAIT_S
    while True:
        try:
            age = time.time() - os.stat(app.config.vault / path).st_mtime
        except FileNotFoundError:
            return True
        if age >= settle or age < -60:
            return True
        if not wait or time.monotonic() + settle - age > deadline:
            return False
        time.sleep(min(settle - age + 0.05, 1.0))


def _seen(app: "Memd", data: bytes | None) -> str:
    return f"{sha256(data) if data is not None else '-'} {app.state.review_signature()}"


def sync_if_changed(app: "Memd", *, wait: bool = True) -> SyncReport | None:
    """`sync`, unless neither the note nor the queue changed since the last one (cheap: one read
    of the note, one query)."""
    path = app.review_note_path
    if not path:
        return None
    if app.state.get(_SEEN_KEY) == _seen(app, _read(app, path)):
        return None
    return sync(app, wait=wait)


def sync(app: "Memd", *, wait: bool = True) -> SyncReport:
    report = SyncReport()
    path = app.review_note_path
    if not path:
        report.skipped = "disabled"
        return report
    for _ in range(MAX_ATTEMPTS):
        if not _settled(app, path, wait):
            report.skipped = "being edited"
            return report
        with app.writer.locked():
            before = _read(app, path)
            text = decode(before)[0] if before is not None else None
            keep = _apply_answers(app, text, report)
            if before is None and not app.state.review_counts():
                # A vault that never had anything to review gets no review note.
                app.state.set(_SEEN_KEY, _seen(app, before))
                return report
            new_text = _render(app, text, report, keep)
            data = new_text.encode("utf-8")
            if data == before:
                app.state.set(_SEEN_KEY, _seen(app, before))
                return report
            target = app.config.vault / path
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(target, data, fsync=app.config.writer.fsync, expected=before)
            except HandSave:
                continue  # a person saved the note meanwhile: read their version and start again
            except OSError as exc:
                raise MemdError(f"cannot write {path}: {exc.strerror}") from None
            report.written = True
            app.state.set(_SEEN_KEY, _seen(app, data))
            return report
    report.skipped = "the note kept changing"
    return report


def _apply_answers(app: "Memd", text: str | None, report: SyncReport) -> set[int]:
    """Apply the answers in the note; the ids whose line stays as the person wrote it (an answer
    that could not be applied now and will be tried again)."""
    keep: set[int] = set()
    if not text:
        return keep
    answers = fmt.read_answers(text)
    if not answers:
        return keep
    pending = {it["id"]: it for it in app.state.review_items("pending", limit=1_000_000)}
    for answer in answers.values():
        item = pending.get(answer.item_id)
        if item is None:
            continue
        value = fmt.edited_value(answer, item)
        decision = answer.decision
        if decision is None and value is None:
            continue
        if decision == "reject":
            value = None
        decision = decision or "accept"
        try:
            app.review_resolve(item["id"], decision, value)
        except (MemdError, ValueError) as exc:
            report.failed[item["id"]] = str(exc)
            if app.state.review_item(item["id"])["status"] == "pending":
                # Tried again at the next sync: the person's answer stays on the line (a file
                # being edited settles; an entity they named may be created by then).
                keep.add(item["id"])
            log.debug("review note: answer to #%d not applied: %s", item["id"], exc)
            continue
        done = {"id": item["id"], "decision": decision}
        if value is not None:
            done["value"] = value
        report.applied.append(done)
    return keep


def _accepted_value(app: "Memd", item: dict[str, Any]) -> str | None:
    """The value an accepted item wrote (the person's own, if they edited it)."""
    if not item.get("journal_id"):
        return None
    entry = app.state.journal_entry(item["journal_id"])
    if entry is None:
        return None
    args = entry["args"]
    if entry["op"] == "add_relation" and args.get("link"):
        return args["link"]
    value = args.get("value") or args.get("text")
    return value if isinstance(value, str) else None


def _render(app: "Memd", text: str | None, report: SyncReport, keep: set[int]) -> str:
    pending = app.state.review_items("pending", limit=100000)
    resolved = [it for it in app.state.review_items(None, limit=100000) if it["status"] != "pending"]
    resolved.sort(key=lambda it: (it.get("resolved_ts") or "", it["id"]), reverse=True)
    done = resolved[:fmt.DONE_SHOWN]
    for it in done:
        if it["status"] == "accepted":
            it["accepted_value"] = _accepted_value(app, it)
    notes = {i: why for i, why in report.failed.items() if i in keep}
    return fmt.render(text, pending, done, notes=notes, keep=keep, known={it["id"] for it in resolved})


# Methods after which the queue may have changed (an item queued, resolved or reopened).
CHANGES_QUEUE = frozenset({"fact.set", "fact.remove", "undo", "review.resolve", "ingest", "stream.end", "remember",
                           "import.start", "ask"})
# Methods whose answer must agree with the note: a box ticked a moment ago counts.
READS_QUEUE = frozenset({"review.list", "review.resolve", "undo", "status"})


def _quietly(app: "Memd", *, wait: bool) -> None:
    """A sync around another method: its failure (a note that cannot be written) is logged, never
    the method's failure."""
    try:
        sync_if_changed(app, wait=wait)
    except (MemdError, OSError) as exc:
        log.warning("review note not updated: %s", exc)


def sync_points(app: "Memd", method: str) -> tuple[Any, Any]:
    """(before, after) for `memd.api.call`. Without a daemon watching the note (the CLI in
    process), every command first applies what the person answered in the note."""
    watched = getattr(app, "review_note_watched", False)
    # In process, once per process (a CLI command is one call; a long-lived in-process server
    # catches up at its review calls and after its writes), so searches pay nothing.
    first = not getattr(app, "_review_note_synced", False)
    app._review_note_synced = True
    before_needed = method in READS_QUEUE or (first and not watched)
    after_needed = method in CHANGES_QUEUE

    def before() -> None:
        if before_needed:
            # Only a review answer is worth waiting for a note that is still being typed in.
            _quietly(app, wait=method in ("review.list", "review.resolve", "undo"))

    def after() -> None:
        if after_needed:
            _quietly(app, wait=False)

    return before, after
