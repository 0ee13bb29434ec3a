"""Search units smaller than a section: one transcript turn, one memory fact line.

A conversation is one note, and a section of it is dozens of turns: as a search hit that is a
wall of text, and the common words of the whole wall decide which wall wins. So transcript notes
(the importers' callout layout, see importers/transcript.py) are indexed turn by turn, each turn
with its speaker, time, Obsidian block id and the message id of the original export; memory files
are indexed fact line by fact line, so `memd search` points at the line that answers.

A turn's neighbours are kept as `context`: the question a turn answers is often in the turn
before it ("What did you adopt?" / "A puppy!"), so the search ranks a turn by its own words first
and by its neighbours' words a little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CALLOUT = re.compile(r"^> ?\[!([\w-]+)\][+-]?[ \t]*(.*)$")
_BLOCK = re.compile(r"^\^([A-Za-z0-9-]+)[ \t]*$")
_SOURCE_ID = re.compile(r"[ \t]*%%[ \t]*id:[ \t]*(.*?)[ \t]*%%[ \t]*$")
_WHEN = re.compile(r"(?:^|[ \t]·[ \t])(\d{4}-\d{2}-\d{2})(?:[ \t](\d{2}:\d{2}))?$")
CONTEXT_TURNS = 2  # neighbours on each side kept as a turn's context
CONTEXT_CHARS = 300  # at most this much of each neighbour


@dataclass
class Turn:
    start: int  # 0-based line index of the callout's first line
    end: int  # 0-based, inclusive: the block id line when there is one, else the last callout line
    role: str  # the callout type: user, assistant, other, document...
    speaker: str
    time: str | None  # "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" as the title shows it
    source_id: str | None  # the message id in the original export, when the note records it
    block: str | None
    text: str


def parse_title(title: str) -> tuple[str, str | None, str | None]:
    """`Anna · 2024-05-01 09:12 %%id: m1%%` -> ("Anna", "2024-05-01 09:12", "m1")."""
    source_id = None
    m = _SOURCE_ID.search(title)
    if m:
        source_id = m.group(1) or None
        title = title[:m.start()]
    title = title.strip()
    when = None
    w = _WHEN.search(title)
    if w:
        when = w.group(1) + (f" {w.group(2)}" if w.group(2) else "")
        title = title[:w.start()].strip()
    speaker = title.split(" · ")[0].strip()
    return speaker, when, source_id


def transcript_turns(lines: list[str], body_start: int) -> list[Turn]:
    """The callout turns of a transcript note, in order. Lines inside code fences outside a
    callout cannot start one (a callout's own fenced code is quoted, so it never looks like one)."""
    turns: list[Turn] = []
    i, n = body_start, len(lines)
    while i < n:
        m = _CALLOUT.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        body: list[str] = []
        i += 1
        while i < n and lines[i].startswith(">"):
            body.append(lines[i][2:] if lines[i].startswith("> ") else lines[i][1:])
            i += 1
        end = i - 1
        j = i
        while j < n and not lines[j].strip():
            j += 1
        block = None
        if j < n:
            b = _BLOCK.match(lines[j])
            if b:
                block, end, i = b.group(1), j, j + 1
        speaker, when, source_id = parse_title(m.group(2))
        text = "\n".join(body).strip()
        turns.append(Turn(start, end, m.group(1).lower(), speaker, when, source_id, block, text))
    return turns


def neighbour_context(turns: list[Turn], index: int) -> str:
    """The text of the turns around `index`, each cut to CONTEXT_CHARS."""
    lo, hi = max(0, index - CONTEXT_TURNS), min(len(turns), index + CONTEXT_TURNS + 1)
    return "\n".join(turns[k].text[:CONTEXT_CHARS] for k in range(lo, hi) if k != index)
