"""Claude.ai data export (Settings > Privacy > Export data).

`conversations.json` (or several `conversations*.json` in a split export) is an array of
conversations with `chat_messages`. A message's text is built from its content blocks of type
"text" only: `message.text` concatenates the hidden thinking and the answer, so it is used only
when a message has no content blocks (older exports). Messages form a tree through
`parent_message_uuid`; the branch taken is `current_leaf_message_uuid` when present, otherwise
the newest leaf. `users.json` gives the user's name.

`memories.json` (Claude's memory about the user) and `projects.json` (project descriptions,
instructions and documents) become document Conversations (`kind="document"`), so they flow
through the same transcript and extraction path as chats. Anthropic's built-in starter project
is the same for everyone and is skipped unless `include_starter_projects=True`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import DOCUMENT, Conversation, Turn
from .report import RECORD_ERRORS, Report, Tally, parser
from .safezip import Entry, Source
from .times import from_iso
from .tree import CycleError, select

SOURCE = "claude"
ASSISTANT_NAME = "Claude"
_SENDER_ROLE = {"human": "user", "user": "user", "assistant": "assistant"}


def conversation_files(source: Source) -> list[Entry]:
    if source.kind == "file":
        return list(source.entries)
    files = [e for e in source.glob("conversations*.json") if "/" not in e.path]
    # A split export numbers the files after the first: conversations.json comes first.
    return sorted(files, key=lambda e: e.path.lower() != "conversations.json")


def sniff(source: Source) -> bool:
    """Whether `source` looks like a Claude export (conversations carry `chat_messages`)."""
    files = conversation_files(source)
    if files:
        return "chat_messages" in jsonstream.peek_shape(source, files[0]).item_keys
    return source.kind != "file" and source.find("users.json") is not None and (
        source.find("memories.json") is not None or source.find("projects.json") is not None)


@parser
def parse(source: Source, report: Report, *, all_branches: bool = False, me: str | None = None,
          include_memories: bool = True, include_projects: bool = True,
          include_starter_projects: bool = False) -> Iterator[Conversation]:
    """Conversations, then memory and project documents, of a Claude export."""
    files = conversation_files(source)
    memories = source.find("memories.json") if source.kind != "file" else None
    projects_entry = source.find("projects.json") if source.kind != "file" else None
    if not files and memories is None and projects_entry is None:
        raise InputFormatError(f"{source.name}: no conversations.json found (is this a Claude export?)")
    names = _user_names(source)

    tally = Tally(source.name, "Claude conversations")
    for entry in files:
        for index, item in enumerate(jsonstream.iter_array(source, entry, "a JSON array of conversations")):
            tally.items += 1
            where = str(item.get("uuid")) if isinstance(item, dict) and item.get("uuid") else f"{entry.path}#{index}"
            try:
                conv = _conversation(item, names, me, all_branches, report, where)
            except (*RECORD_ERRORS, CycleError) as exc:
                tally.fail(report, where, exc)
                continue
            if conv is not None:
                yield conv
    if files:
        tally.check()

    projects: list[Any] = []
    if projects_entry is not None and (include_projects or include_memories):
        data = jsonstream.load(source, projects_entry)
        projects = data if isinstance(data, list) else []
    project_names = {p.get("uuid"): p.get("name") for p in projects if isinstance(p, dict)}

    if memories is not None and include_memories:
        data = jsonstream.load(source, memories)
        for index, item in enumerate(data if isinstance(data, list) else [data]):
            try:
                conv = _memories(item, project_names, names)
            except RECORD_ERRORS as exc:
                report.fail_record(f"memories.json#{index}", exc)
                continue
            if conv is not None:
                yield conv

    if include_projects:
        for index, item in enumerate(projects):
            where = str(item.get("uuid")) if isinstance(item, dict) and item.get("uuid") else f"projects.json#{index}"
            try:
                if item.get("is_starter_project") and not include_starter_projects:
                    continue
                conv = _project(item, names, me)
            except RECORD_ERRORS as exc:
                report.fail_record(where, exc)
                continue
            if conv is not None:
                yield conv


def _user_names(source: Source) -> dict[str, str]:
    """account uuid -> full name, from users.json."""
    if source.kind == "file":
        return {}
    entry = source.find("users.json")
    if entry is None:
        return {}
    data = jsonstream.load(source, entry)
    out: dict[str, str] = {}
    for user in data if isinstance(data, list) else [data]:
        if isinstance(user, dict) and isinstance(user.get("uuid"), str) and user.get("full_name"):
            out[user["uuid"]] = str(user["full_name"])
    return out


def _account_name(item: dict[str, Any], names: dict[str, str], me: str | None) -> str | None:
    if me:
        return me
    account = item.get("account") or {}
    uuid = account.get("uuid") if isinstance(account, dict) else None
    if uuid in names:
        return names[uuid]
    return next(iter(names.values())) if len(names) == 1 else None


def _timestamp(value: Any) -> float | None:
    parsed = from_iso(value)
    return parsed.timestamp() if parsed else None


def _conversation(item: Any, names: dict[str, str], me: str | None, all_branches: bool,
                  report: Report, where: str) -> Conversation | None:
    if not isinstance(item, dict):
        raise TypeError("a conversation is not a JSON object")
    messages = item["chat_messages"]
    if not isinstance(messages, list):
        raise TypeError("chat_messages is not a list")
    by_id: dict[str, dict[str, Any]] = {}
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict):
            raise TypeError(f"message {i} is not an object")
        by_id[str(msg.get("uuid") or f"#{i}")] = msg
    ids = list(by_id)
    if any("parent_message_uuid" in m for m in messages):
        parents = {mid: (str(m.get("parent_message_uuid")) if m.get("parent_message_uuid") else None) for mid, m in by_id.items()}
    else:
        # Exports before branching was recorded: the list order is the conversation.
        parents = {mid: (ids[i - 1] if i else None) for i, mid in enumerate(ids)}
    times = {mid: _timestamp(m.get("created_at")) for mid, m in by_id.items()}
    branches = select(parents, times, item.get("current_leaf_message_uuid"), all_branches)
    if branches.used_fallback:
        report.warn(where, "current_leaf_message_uuid is not a message; took the newest branch")

    user_name = _account_name(item, names, me)
    turns: list[Turn] = []
    chains: list[tuple[list[str], str | None]] = [(branches.main, None)]
    chains += [(chain, chain[0]) for chain in branches.others]
    for chain, branch in chains:
        fork = parents.get(chain[0]) if branch else None
        for mid in chain:
            turn = _turn(by_id[mid], mid, user_name, branch, fork)
            if turn is not None:
                turns.append(turn)
    if not turns:
        report.warn(where, "no messages with text; skipped")
        return None
    return Conversation(
        source=SOURCE,
        source_id=str(item.get("uuid") or where),
        title=(item.get("name") or "").strip() or "Untitled",
        created=from_iso(item.get("created_at")),
        updated=from_iso(item.get("updated_at")),
        participants=[user_name or "User", ASSISTANT_NAME],
        turns=turns,
        metadata={"project": item["project_uuid"]} if item.get("project_uuid") else {},
    )


def _message_text(msg: dict[str, Any]) -> str:
    blocks = msg.get("content")
    if isinstance(blocks, list) and blocks:
        return "\n\n".join(
            b["text"] for b in blocks
            if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str) and b["text"].strip()
        )
    return msg.get("text") if isinstance(msg.get("text"), str) else ""


def _attachment_lines(msg: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for att in msg.get("attachments") or []:
        if isinstance(att, dict) and att.get("file_name"):
            lines.append(f"[attachment: {att['file_name']}]")
    for f in msg.get("files") or []:
        if isinstance(f, dict) and f.get("file_name"):
            lines.append(f"[file: {f['file_name']}]")
    return lines


def _turn(msg: dict[str, Any], mid: str, user_name: str | None, branch: str | None, fork: str | None) -> Turn | None:
    role = _SENDER_ROLE.get(str(msg.get("sender")), "other")
    parts = [_message_text(msg).strip(), *_attachment_lines(msg)]
    text = "\n".join(p for p in parts if p)
    if not text:
        return None
    author = user_name if role == "user" else ASSISTANT_NAME if role == "assistant" else None
    return Turn(id=mid, role=role, text=text, author=author, time=from_iso(msg.get("created_at")),  # type: ignore[arg-type]
                branch=branch, meta={"fork": fork} if fork else {})


def _memories(item: Any, project_names: dict[Any, Any], names: dict[str, str]) -> Conversation | None:
    if not isinstance(item, dict):
        raise TypeError("a memory record is not a JSON object")
    turns: list[Turn] = []
    if isinstance(item.get("conversations_memory"), str) and item["conversations_memory"].strip():
        turns.append(Turn(id="conversations_memory", role="assistant", author=ASSISTANT_NAME,
                          text=item["conversations_memory"].strip(), kind="memory",
                          meta={"title": "Memory from conversations"}))
    project_memories = item.get("project_memories") or {}
    if isinstance(project_memories, dict):
        for uuid in sorted(project_memories):
            text = project_memories[uuid]
            if isinstance(text, str) and text.strip():
                title = f"Memory from project {project_names.get(uuid) or uuid}"
                turns.append(Turn(id=f"project:{uuid}", role="assistant", author=ASSISTANT_NAME, text=text.strip(),
                                  kind="memory", meta={"title": title, "project": uuid}))
    if not turns:
        return None
    account = str(item.get("account_uuid") or "account")
    return Conversation(source=SOURCE, source_id=f"memories-{account}", title="Claude memory", turns=turns,
                        participants=[names.get(account) or "User", ASSISTANT_NAME], kind=DOCUMENT)


def _project(item: Any, names: dict[str, str], me: str | None) -> Conversation | None:
    if not isinstance(item, dict):
        raise TypeError("a project is not a JSON object")
    creator = item.get("creator") or {}
    creator_name = me or (creator.get("full_name") if isinstance(creator, dict) else None) or next(iter(names.values()), None)
    created: datetime | None = from_iso(item.get("created_at"))
    turns: list[Turn] = []
    if isinstance(item.get("description"), str) and item["description"].strip():
        turns.append(Turn(id="description", role="user", author=creator_name, text=item["description"].strip(),
                          time=created, kind="description", meta={"title": "Description"}))
    if isinstance(item.get("prompt_template"), str) and item["prompt_template"].strip():
        turns.append(Turn(id="instructions", role="user", author=creator_name, text=item["prompt_template"].strip(),
                          time=created, kind="instructions", meta={"title": "Project instructions"}))
    for i, doc in enumerate(item.get("docs") or []):
        if not isinstance(doc, dict) or not isinstance(doc.get("content"), str) or not doc["content"].strip():
            continue
        name = str(doc.get("filename") or f"document {i + 1}")
        turns.append(Turn(id=f"doc:{doc.get('uuid') or i}", role="other", text=doc["content"].strip(),
                          time=from_iso(doc.get("created_at")), kind="document", meta={"title": name}))
    if not turns:
        return None
    return Conversation(source=SOURCE, source_id=f"project-{item.get('uuid') or item.get('name')}",
                        title=(item.get("name") or "").strip() or "Untitled project", turns=turns,
                        created=created, updated=from_iso(item.get("updated_at")),
                        participants=[creator_name] if creator_name else [], kind=DOCUMENT,
                        metadata={"project": item["uuid"]} if item.get("uuid") else {})
