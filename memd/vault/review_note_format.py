"""The review note's text: memd's review queue as Obsidian tasks, and a person's answers read back.

    ## Pending
    - [ ] [[memory/entities/jane_doe|Jane Doe]]: employer → Stripe (now: Google) [[memory-sources/…#^t12|↗]] ^memd-12

    ## Done
    - [x] Jane Doe: employer → Stripe (was: Google) ✅ 2026-12-02 ^memd-11

Ticking `[x]` accepts, `[-]` rejects, changing the text after → accepts the changed value. Lines
are matched by their `^memd-<id>` block id, never by position or wording. memd rewrites only its
own lines (the tasks, and a `⚠ memd:` note it puts under a task it could not apply); everything
else a person writes in the note stays as it is, where it is.

Pure text in, text out: no disk, no database (memd/review_note.py does the I/O).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from memd.vault import provenance
from memd.vault.memfile import MemoryDoc

PENDING = "Pending"
DONE = "Done"
DONE_SHOWN = 100  # resolved items listed under Done (the newest); `memd review --all` has them all
ARROW = "→"
TITLE = "Review"
INTRO = ("Changes memd did not make on its own, because they would replace a line you wrote. Tick a box to "
         "accept it (`[x]`), mark it `[-]` to reject it, or change the value after → to accept your own. "
         "memd applies your answer within seconds (with the daemon running; otherwise at the next `memd` command).")

_TASK = re.compile(r"^[-*+][ \t]+\[(?P<mark>.)\][ \t]+(?P<body>.*?)[ \t]+\^memd-(?P<id>\d+)[ \t]*$")
_NOTE = re.compile(r"^[ \t]+[-*+][ \t]+⚠ memd:")
_HEADING = re.compile(r"^##[ \t]+(?P<title>.+?)[ \t]*#*[ \t]*$")
_NOW = re.compile(r"[ \t]*\((?:now|was): [^()]*(?:\([^()]*\)[^()]*)*\)[ \t]*$")
_DATE = re.compile(r"[ \t]*[✅❌][ \t]*\d{4}-\d{2}-\d{2}[ \t]*$")


def review_note_path(config: Any) -> str | None:
    """The note's vault-relative path, or None when the option is off (`review_file = ""`)."""
    name = (config.memory.review_file or "").strip().strip("/")
    if not name:
        return None
    if not name.lower().endswith(".md"):
        name += ".md"
    entities = config.memory.entities_dir.strip("/").casefold() + "/"
    if name.casefold() == config.memory.user_file.strip("/").casefold() or name.casefold().startswith(entities) \
            or name.startswith("../") or "/." in f"/{name}":
        from memd.errors import ConfigError

        raise ConfigError(f"config: memory.review_file {config.memory.review_file!r} must be a note of its own"
                          " in the memory folder (not user.md, not in the entities folder)")
    folder = config.memory.dir.strip("/").removeprefix("./").strip("/")
    return f"{folder}/{name}" if folder and folder != "." else name


@dataclass
class Answer:
    """What a person did with one task line."""

    item_id: int
    line: int  # 0-based
    mark: str  # the character between the brackets
    value: str  # the text after → as it is now (without "(now: …)", the source link and the id)

    @property
    def decision(self) -> str | None:
        if self.mark in "xX":
            return "accept"
        if self.mark == "-":
            return "reject"
        return None


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


@lru_cache(maxsize=8192)  # a sync renders every item: the same few hundred lines, each time
def fact_value(block: str | None) -> str:
    """What a review item's `current`/`proposed` line(s) say, as a person reads it: the value of a
    `- key: value` line (without its source link), else the text itself on one line."""
    if not block:
        return ""
    doc = MemoryDoc.parse(block)
    if len(doc.facts) == 1 and doc.facts[0].end == len(doc.lines) and doc.facts[0].value:
        return doc.facts[0].value
    return _one_line(" / ".join(provenance.strip(l).strip() for l in block.split("\n") if l.strip()))


def shown_proposal(item: dict[str, Any]) -> str:
    return fact_value(item.get("proposed")) or "(remove)"


def _entity_link(item: dict[str, Any]) -> str:
    path = item["path"][:-3] if item["path"].endswith(".md") else item["path"]
    name = _one_line(item.get("entity")) or path.rsplit("/", 1)[-1]
    return f"[[{path}|{name.replace('|', '/').replace('[', '(').replace(']', ')')}]]"


def _subject(item: dict[str, Any], linked: bool) -> str:
    who = _entity_link(item) if linked else (_one_line(item.get("entity")) or item["path"])
    key = _one_line(item.get("key")) or item["op"].replace("_", " ")
    return f"{who}: {key}"


def pending_line(item: dict[str, Any]) -> str:
    now = fact_value(item.get("current"))
    link = provenance.compact((item.get("source") or {}).get("link"))
    parts = [f"- [ ] {_subject(item, True)} {ARROW} {shown_proposal(item)}"]
    if now:
        parts.append(f"(now: {now})")
    if link:
        parts.append(link)
    parts.append(f"^memd-{item['id']}")
    return " ".join(parts)


def done_line(item: dict[str, Any]) -> str:
    status = item["status"]
    mark, sign = ("x", "✅") if status == "accepted" else ("-", "❌")
    value = item.get("accepted_value") or shown_proposal(item)
    was = fact_value(item.get("current"))
    parts = [f"- [{mark}] {_subject(item, False)} {ARROW} {value}"]
    if was:
        parts.append(f"(was: {was})")
    if status not in ("accepted", "rejected"):
        parts.append(f"({status}: the file changed before it could be applied)")
    parts.append(f"{sign} {(item.get('resolved_ts') or '')[:10]}")
    parts.append(f"^memd-{item['id']}")
    return " ".join(parts)


def read_answers(text: str) -> dict[int, Answer]:
    """Every memd task in the note by item id (the first line of an id, if a person copied one).
    Tasks under Done are memd's record, not answers: an item an undo reopened is still listed
    there, ticked, until memd writes the note again."""
    answers: dict[int, Answer] = {}
    in_done = False
    for i, line in enumerate(text.split("\n")):
        h = _HEADING.match(line.rstrip("\r"))
        if h:
            in_done = h.group("title").strip().casefold() == DONE.casefold()
        m = _TASK.match(line.rstrip("\r"))
        if not m or in_done:
            continue
        item_id = int(m.group("id"))
        if item_id in answers:
            continue
        body = m.group("body")
        value = ""
        if ARROW in body:
            value = body.split(ARROW, 1)[1].strip()
            value = _DATE.sub("", value)  # the Tasks plugin adds `✅ <date>` when it ticks a task
            value = provenance.strip(value)
            value = _NOW.sub("", value).strip()
        answers[item_id] = Answer(item_id, i, m.group("mark"), value)
    return answers


def edited_value(answer: Answer, item: dict[str, Any]) -> str | None:
    """The value a person typed over the proposal, or None when they left it as it was."""
    value = _one_line(answer.value)
    if not value or value == _one_line(shown_proposal(item)):
        return None
    return value


def render(text: str | None, pending: list[dict[str, Any]], done: list[dict[str, Any]],
           notes: dict[int, str] | None = None, keep: set[int] | None = None,
           known: set[int] | None = None) -> str:
    """The note with memd's tasks brought up to date and everything else kept.

    `pending`/`done`: review items in the order to list them. `notes`: item id -> a one-line
    reason shown under its task (an answer memd could not apply). `keep`: ids whose line is kept
    exactly as the person left it (an answer that will be tried again). `known`: every id memd
    has an item for (a task of another id is a person's line, kept as it is).
    """
    notes, keep = notes or {}, keep or set()
    known = (known or set()) | {it["id"] for it in pending} | {it["id"] for it in done}
    old = (text if text is not None else f"# {TITLE}\n\n{INTRO}\n").split("\n")
    if old and old[-1] == "":
        old.pop()  # the final newline
    kept_lines: dict[int, str] = {}
    body: list[str] = []
    # Where each section's tasks go: under its heading, or where its first task was.
    slots: dict[str, int | None] = {PENDING: None, DONE: None}
    had_tasks: set[str] = set()
    section: str | None = None
    after_task = False
    for line in old:
        bare = line.rstrip("\r")
        h = _HEADING.match(bare)
        if h:
            title = h.group("title").strip()
            section = next((s for s in (PENDING, DONE) if s.casefold() == title.casefold()), None)
        m = _TASK.match(bare)
        if m and int(m.group("id")) in known:
            item_id = int(m.group("id"))
            if item_id in keep and item_id not in kept_lines:
                kept_lines[item_id] = line
            if section and section not in had_tasks:
                had_tasks.add(section)
                slots[section] = len(body)
            after_task = True
            continue
        if after_task and _NOTE.match(bare):
            continue  # memd's note under a task: written again below while it still holds
        after_task = False
        body.append(line)
        if h and section and slots[section] is None:
            slots[section] = len(body)
    missing = [n for n in (PENDING, DONE) if slots[n] is None]
    if missing:
        while body and not body[-1].strip():
            body.pop()
        for name in missing:
            body += ["", f"## {name}"]
            slots[name] = len(body)
    blocks: dict[str, list[str]] = {PENDING: [], DONE: []}
    for it in pending:
        blocks[PENDING].append(kept_lines.get(it["id"], pending_line(it)))
        if it["id"] in notes:
            blocks[PENDING].append(f"    - ⚠ memd: {_one_line(notes[it['id']])}")
    blocks[DONE] = [done_line(it) for it in done[:DONE_SHOWN]]
    # The later slot first, so the earlier one's index stays right.
    for name in sorted(blocks, key=lambda n: slots[n] or 0, reverse=True):
        at = slots[name] if slots[name] is not None else len(body)
        lines = list(blocks[name])

        def blank(i: int) -> bool:
            return 0 <= i < len(body) and not body[i].strip()

        if not lines:
            if name in had_tasks and blank(at - 1) and blank(at):
                del body[at]  # the last task went: one blank line where the list was, not two
            continue
        if at > 0 and _HEADING.match(body[at - 1].rstrip("\r")):
            lines = [""] + lines
        if at < len(body) and body[at].strip():
            lines = lines + [""]
        body[at:at] = lines
    return "\n".join(body).rstrip("\n") + "\n"
