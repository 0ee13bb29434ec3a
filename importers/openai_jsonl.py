"""OpenAI chat messages JSONL (fine-tuning and eval files): one conversation per line,
`{"messages": [{"role", "content", ...}]}`. A broken line is reported and skipped; a file
without a single usable line is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .aichat import content_text, role_of, stable_id, title_from, tool_calls_text
from .model import Conversation, Turn
from .report import GIVE_UP_AFTER, RECORD_ERRORS, Report, parser
from .jsonscan import LimitExceeded
from .safezip import Source

SOURCE = "openai_jsonl"


def sniff(source: Source) -> bool:
    """Whether the first record of a .jsonl in `source` is an OpenAI messages record."""
    files = list(source.entries) if source.kind == "file" else source.glob("*.jsonl")
    if not files or not files[0].name.lower().endswith(".jsonl"):
        return False
    try:
        with closing(jsonstream.iter_lines(source, files[0], skip_blank=True)) as lines:
            for _, line in lines:
                if line.strip():
                    record = jsonstream.loads(source.label(files[0]), line, source.limits.json())
                    return isinstance(record, dict) and isinstance(record.get("messages"), list)
    except LimitExceeded:
        raise  # a hostile file is refused naming the limit, not called "unrecognised"
    except (InputFormatError, json.JSONDecodeError):
        return False
    return False


@parser
def parse(source: Source, report: Report) -> Iterator[Conversation]:
    files = list(source.entries) if source.kind == "file" else source.glob("*.jsonl")
    if not files:
        raise InputFormatError(f"{source.name}: no .jsonl file found")
    for entry in files:
        good = bad = 0
        for number, line in jsonstream.iter_lines(source, entry, skip_blank=True):
            if not line.strip():
                continue
            where = f"{entry.path}:{number}"
            try:
                record = jsonstream.loads(f"{source.label(entry)}:{number}", line, source.limits.json())
                conv = _conversation(record, where)
            except json.JSONDecodeError as exc:
                bad += 1
                report.fail(where, f"skipped, invalid JSON ({exc.msg})")
                _give_up(source.label(entry), good, bad)
                continue
            except RECORD_ERRORS as exc:
                bad += 1
                report.fail_record(where, exc)
                _give_up(source.label(entry), good, bad)
                continue
            good += 1
            if conv is not None:
                yield conv
        if not good:
            what = "the file is empty" if not bad else "no line is an OpenAI messages record"
            raise InputFormatError(f"{source.label(entry)}: {what}")


def _give_up(label: str, good: int, bad: int) -> None:
    # Reading on through a file of nothing but broken lines costs time for nothing.
    if not good and bad >= GIVE_UP_AFTER:
        raise InputFormatError(f"{label}: none of the first {bad} lines is an OpenAI messages record")


def _conversation(record: Any, where: str) -> Conversation | None:
    if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
        raise ValueError("no messages list")
    turns: list[Turn] = []
    for i, msg in enumerate(record["messages"]):
        if not isinstance(msg, dict):
            raise TypeError(f"message {i} is not an object")
        role = role_of(msg.get("role"))
        text = content_text(msg.get("content"))
        calls = tool_calls_text(msg.get("tool_calls"))
        kind = "tool_call" if calls and not text.strip() else "text"
        text = "\n".join(p for p in (text.strip(), calls) if p)
        if not text:
            continue
        turns.append(Turn(id=f"m{i}", role=role, text=text, author=msg.get("name") or None, kind=kind))  # type: ignore[arg-type]
    if not turns:
        return None
    source_id = str(record.get("id") or stable_id(record["messages"]))
    return Conversation(source=SOURCE, source_id=source_id, title=title_from(turns, f"Conversation {source_id[:8]}"),
                        turns=turns, participants=["User", "Assistant"])
