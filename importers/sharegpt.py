"""ShareGPT-style datasets: a JSON array (or JSONL) of `{"id", "conversations": [{"from",
"value"}]}`; the `messages: [{role, content}]` variant is read too."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .aichat import content_text, role_of, stable_id, title_from
from .model import Conversation, Turn
from .report import RECORD_ERRORS, Report, Tally, parser
from .safezip import Entry, Source

SOURCE = "sharegpt"


def sniff(source: Source) -> bool:
    """Whether `source` is a ShareGPT dataset (items with `conversations` of from/value)."""
    files = list(source.entries) if source.kind == "file" else source.glob("*.json")
    if not files or not files[0].name.lower().endswith(".json"):
        return False
    shape = jsonstream.peek_shape(source, files[0])
    return shape.top == "array" and "conversations" in shape.item_keys


@parser
def parse(source: Source, report: Report) -> Iterator[Conversation]:
    files = list(source.entries) if source.kind == "file" else [*source.glob("*.json"), *source.glob("*.jsonl")]
    if not files:
        raise InputFormatError(f"{source.name}: no .json or .jsonl file found")
    tally = Tally(source.name, "ShareGPT conversations")
    for entry in files:
        for where, record in _records(source, entry, report, tally):
            tally.items += 1
            try:
                conv = _conversation(record, where)
            except RECORD_ERRORS as exc:
                tally.fail(report, where, exc)
                continue
            if conv is not None:
                yield conv
    tally.check()


def _records(source: Source, entry: Entry, report: Report, tally: Tally) -> Iterable[tuple[str, Any]]:
    if entry.name.lower().endswith(".jsonl"):
        for number, line in jsonstream.iter_lines(source, entry, skip_blank=True):
            if line.strip():
                try:
                    yield f"{entry.path}:{number}", jsonstream.loads(f"{source.label(entry)}:{number}", line,
                                                                     source.limits.json())
                except json.JSONDecodeError as exc:
                    tally.items += 1
                    tally.fail(report, f"{entry.path}:{number}", ValueError(f"invalid JSON ({exc.msg})"))
        return
    for index, record in enumerate(jsonstream.iter_array(source, entry, "a JSON array of conversations")):
        yield (str(record.get("id")) if isinstance(record, dict) and record.get("id") else f"{entry.path}#{index}"), record


def _conversation(record: Any, where: str) -> Conversation | None:
    if not isinstance(record, dict):
        raise TypeError("a conversation is not a JSON object")
    messages = record.get("conversations", record.get("messages"))
    if not isinstance(messages, list):
        raise ValueError("no conversations list")
    turns: list[Turn] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise TypeError(f"message {i} is not an object")
        speaker = msg.get("from", msg.get("role"))
        text = content_text(msg.get("value", msg.get("content"))).strip()
        if not text:
            continue
        role = role_of(speaker)
        turns.append(Turn(id=f"m{i}", role=role, text=text,  # type: ignore[arg-type]
                          author=str(speaker) if role == "other" and speaker else None))
    if not turns:
        return None
    source_id = str(record.get("id") or stable_id(messages))
    return Conversation(source=SOURCE, source_id=source_id, title=title_from(turns, f"Conversation {source_id[:8]}"),
                        turns=turns, participants=["User", "Assistant"])
