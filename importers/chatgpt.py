"""ChatGPT data export (Settings > Data controls > Export).

Layouts: the flat `conversations.json`, and the sharded layout of 2025-2026 exports
(`export_manifest.json` listing `conversations-000.json`, `-001`...), in a zip, an unpacked
folder (nested top folder or not) or a single JSON file. Each file is a JSON array streamed item
by item, so a 1 GB export needs the memory of one conversation.

A conversation is a tree (`mapping`: node -> parent); the transcript follows the branch the user
saw, from `current_node` up through `parent` (the newest leaf when `current_node` is missing).
`all_branches=True` also keeps the other branches as turns with `branch` set (see tree.py).

What becomes a turn, by `content.content_type`:
  text, multimodal_text (images/audio as named placeholders), code, execution_output,
  tether_quote, system_error; user_editable_context (custom instructions) becomes strong
  "about_me" / "custom_instructions" user turns even though it is hidden.
Left out: tether_browsing_display, thoughts, reasoning_recap, model_editable_context (ChatGPT's
own memory, a model summary), messages hidden from the conversation view, weight-0 messages.
Unknown types are kept as text when they have any, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from memd.errors import InputFormatError

from . import jsonstream
from .model import Conversation, Turn
from .report import RECORD_ERRORS, Report, Tally, parser
from .safezip import Entry, Source
from .times import from_any, from_epoch
from .tree import CycleError, select

SOURCE = "chatgpt"
ASSISTANT_NAME = "ChatGPT"

# Model-internal or display-only content: never what the user or the assistant said.
DROPPED_TYPES = frozenset({
    "tether_browsing_display", "thoughts", "reasoning_recap", "model_editable_context",
})
_ROLES = {"user", "assistant", "system", "tool"}
_FENCED = re.compile(r"```(.*?)```", re.S)


def conversation_files(source: Source, report: Report) -> list[Entry]:
    """The conversation JSON files of an export, in order."""
    if source.kind == "file":
        return list(source.entries)
    manifest = source.find("export_manifest.json")
    if manifest is not None:
        data = jsonstream.load(source, manifest)
        files = _manifest_files(data)
        if files:
            found: list[Entry] = []
            for name in files:
                entry = source.find(name)
                if entry is None:
                    report.fail(name, "listed in export_manifest.json but missing from the export")
                else:
                    found.append(entry)
            if found:
                return found
    shards = [e for e in source.glob("conversations-*.json") if "/" not in e.path]
    if shards:
        return shards
    flat = source.find("conversations.json")
    if flat is not None:
        return [flat]
    raise InputFormatError(f"{source.name}: no conversations.json found (is this a ChatGPT export?)")


def _manifest_files(data: Any) -> list[str]:
    try:
        files = data["logical_files"]["conversations.json"]["files"]
    except (KeyError, TypeError):
        return []
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def _asset_names(source: Source) -> dict[str, str]:
    """file id (without `.dat`) -> original file name, from conversation_asset_file_names.json."""
    entry = source.find("conversation_asset_file_names.json")
    if entry is None:
        return {}
    data = jsonstream.load(source, entry)
    names: dict[str, str] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and isinstance(value, str):
                names[key.removesuffix(".dat")] = value.rsplit("/", 1)[-1]
    return names


def sniff(source: Source) -> bool:
    """Whether `source` looks like a ChatGPT export (conversations carry a `mapping` tree)."""
    if source.kind != "file" and source.find("export_manifest.json") is not None:
        return True
    candidates = list(source.entries) if source.kind == "file" else [
        e for e in (source.find("conversations.json"), *source.glob("conversations-*.json")) if e is not None]
    return any("mapping" in jsonstream.peek_shape(source, e).item_keys for e in candidates[:1])


@parser
def parse(source: Source, report: Report, *, all_branches: bool = False, me: str | None = None) -> Iterator[Conversation]:
    """Conversations of a ChatGPT export. `me` names the user in transcripts (default "User")."""
    files = conversation_files(source, report)
    assets = _asset_names(source)
    tally = Tally(source.name, "ChatGPT conversations")
    for entry in files:
        for index, item in enumerate(jsonstream.iter_array(source, entry, "a JSON array of conversations")):
            tally.items += 1
            where = _item_id(item) or f"{entry.path}#{index}"
            try:
                conv = _conversation(item, assets, report, where, all_branches, me)
            except (*RECORD_ERRORS, CycleError) as exc:
                tally.fail(report, where, exc)
                continue
            if conv is not None:
                yield conv
    tally.check()


def _item_id(item: Any) -> str | None:
    if isinstance(item, dict):
        value = item.get("conversation_id") or item.get("id")
        return str(value) if value else None
    return None


def _conversation(item: Any, assets: dict[str, str], report: Report, where: str,
                  all_branches: bool, me: str | None) -> Conversation | None:
    if not isinstance(item, dict):
        raise TypeError("a conversation is not a JSON object")
    mapping = item["mapping"]
    if not isinstance(mapping, dict):
        raise TypeError("mapping is not an object")
    parents: dict[str, str | None] = {}
    times: dict[str, float | None] = {}
    for node_id, node in mapping.items():
        parent = node.get("parent")
        parents[node_id] = parent if isinstance(parent, str) else None
        msg = node.get("message") or {}
        created = msg.get("create_time")
        times[node_id] = float(created) if isinstance(created, (int, float)) else None
    branches = select(parents, times, item.get("current_node"), all_branches)
    if branches.used_fallback:
        report.warn(where, "current_node is not in the mapping; took the newest branch")

    turns: list[Turn] = []
    turn_of_node: dict[str, str] = {}  # node id -> id of the last turn it produced
    for node_id in branches.main:
        for turn in _turns(mapping[node_id], node_id, assets, report, where, me, None, None):
            turns.append(turn)
            turn_of_node[node_id] = turn.id
    for chain in branches.others:
        fork = _visible_ancestor(parents.get(chain[0]), parents, turn_of_node)
        for node_id in chain:
            for turn in _turns(mapping[node_id], node_id, assets, report, where, me, chain[0], fork):
                turns.append(turn)
                turn_of_node[node_id] = turn.id
    if not turns:
        report.warn(where, "no visible messages; skipped")
        return None

    metadata: dict[str, Any] = {}
    for key, label in (("default_model_slug", "model"), ("gizmo_id", "gizmo_id")):
        if item.get(key):
            metadata[label] = item[key]
    return Conversation(
        source=SOURCE,
        source_id=str(item.get("conversation_id") or item.get("id") or where),
        title=(item.get("title") or "").strip() or "Untitled",
        created=from_any(item.get("create_time")),
        updated=from_any(item.get("update_time")),
        participants=[me or "User", ASSISTANT_NAME],
        turns=turns,
        metadata=metadata,
    )


def _visible_ancestor(node: str | None, parents: dict[str, str | None], turn_of_node: dict[str, str]) -> str | None:
    seen: set[str] = set()
    while node is not None and node not in seen:
        if node in turn_of_node:
            return turn_of_node[node]
        seen.add(node)
        node = parents.get(node)
    return None


def _turns(node: dict[str, Any], node_id: str, assets: dict[str, str], report: Report, where: str,
           me: str | None, branch: str | None, fork: str | None) -> list[Turn]:
    msg = node.get("message")
    if not isinstance(msg, dict):
        return []
    content = msg.get("content") or {}
    ctype = content.get("content_type")
    meta_in = msg.get("metadata") or {}
    author = msg.get("author") or {}
    role = author.get("role") if author.get("role") in _ROLES else "other"
    when = from_epoch(msg.get("create_time"))
    turn_meta: dict[str, Any] = {"fork": fork} if fork else {}

    def make(suffix: str, role_: str, text: str, kind: str, author_: str | None, strong: bool = False,
             extra: dict[str, Any] | None = None) -> Turn:
        return Turn(id=node_id + suffix, role=role_, text=text, author=author_, time=when, kind=kind,  # type: ignore[arg-type]
                    strong=strong, branch=branch, meta={**turn_meta, **(extra or {})})

    # Custom instructions are hidden from the chat view but are the user's own words about
    # themselves: they are read before the hidden filter.
    about, instructions = _custom_instructions(content, meta_in)
    if about is not None or instructions is not None:
        out = []
        if about:
            out.append(make(":about_me", "user", about, "about_me", me, strong=True))
        if instructions:
            out.append(make(":instructions", "user", instructions, "custom_instructions", me, strong=True))
        return out

    if meta_in.get("is_visually_hidden_from_conversation"):
        return []
    weight = msg.get("weight")
    if isinstance(weight, (int, float)) and weight == 0:
        return []
    if ctype in DROPPED_TYPES:
        return []

    name = author.get("name") if isinstance(author.get("name"), str) else None
    speaker = me if role == "user" else ASSISTANT_NAME if role == "assistant" else name
    extra: dict[str, Any] = {}
    if meta_in.get("model_slug"):
        extra["model"] = meta_in["model_slug"]
    recipient = msg.get("recipient")
    kind = "text"

    if ctype == "text":
        text = _join_strings(content.get("parts"))
        if role == "assistant" and recipient not in (None, "all"):
            kind = "tool_call"
            extra["recipient"] = recipient
    elif ctype == "multimodal_text":
        text = _multimodal(content.get("parts"), assets, meta_in)
    elif ctype == "code":
        text = _str(content.get("text"))
        kind = "code"
        if content.get("language") and content.get("language") != "unknown":
            extra["language"] = content["language"]
        if recipient not in (None, "all"):
            extra["recipient"] = recipient
    elif ctype == "execution_output":
        text = _str(content.get("text")).replace("<<ImageDisplayed>>", "[image: output]")
        kind = "execution_output"
    elif ctype == "tether_quote":
        text = _quote(content)
        kind = "quote"
    elif ctype == "system_error":
        err_name, err_text = _str(content.get("name")), _str(content.get("text"))
        text = f"{err_name}: {err_text}" if err_name and err_text else err_name or err_text
        kind = "error"
    else:
        text = _fallback_text(content)
        kind = str(ctype or "unknown")
        if text.strip():
            report.warn(where, f"unknown content type {ctype!r} kept as text")
        else:
            report.warn(where, f"unknown content type {ctype!r} without text left out")
    text = text.strip()
    if not text:
        return []
    return [make("", role, text, kind, speaker, extra=extra)]


def _custom_instructions(content: dict[str, Any], meta: dict[str, Any]) -> tuple[str | None, str | None]:
    if content.get("content_type") == "user_editable_context":
        return _unwrap(content.get("user_profile")), _unwrap(content.get("user_instructions"))
    data = meta.get("user_context_message_data")
    if meta.get("is_user_system_message") and isinstance(data, dict):
        return _unwrap(data.get("about_user_message")), _unwrap(data.get("about_model_message"))
    return None, None


def _unwrap(value: Any) -> str:
    """The user's words inside ChatGPT's wrapper ("The user provided ... ```<words>```")."""
    text = _str(value).strip()
    fenced = _FENCED.findall(text)
    return fenced[-1].strip() if fenced else text


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _join_strings(parts: Any) -> str:
    if not isinstance(parts, list):
        return ""
    return "\n".join(p for p in parts if isinstance(p, str))


def _file_name(pointer: Any, assets: dict[str, str], attachments: dict[str, str]) -> str:
    ref = _str(pointer)
    file_id = ref.split("://", 1)[-1] if ref else ""
    return assets.get(file_id) or attachments.get(file_id) or file_id or "unnamed"


def _multimodal(parts: Any, assets: dict[str, str], meta: dict[str, Any]) -> str:
    attachments = {
        a["id"]: a["name"] for a in meta.get("attachments") or []
        if isinstance(a, dict) and isinstance(a.get("id"), str) and isinstance(a.get("name"), str)
    }
    out: list[str] = []
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, str):
            out.append(part)
            continue
        if not isinstance(part, dict):
            continue
        ptype = part.get("content_type")
        if ptype == "image_asset_pointer":
            name = _file_name(part.get("asset_pointer"), assets, attachments)
            prompt = ((part.get("metadata") or {}).get("dalle") or {}).get("prompt")
            out.append(f"[image: {name}, generated from: {prompt}]" if prompt else f"[image: {name}]")
        elif ptype == "audio_transcription":
            out.append(_str(part.get("text")))
        elif ptype == "audio_asset_pointer":
            out.append(f"[audio: {_file_name(part.get('asset_pointer'), assets, attachments)}]")
        elif ptype == "real_time_user_audio_video_asset_pointer":
            audio = part.get("audio_asset_pointer") or {}
            out.append(f"[audio: {_file_name(audio.get('asset_pointer'), assets, attachments)}]")
        elif ptype == "video_container_asset_pointer":
            out.append(f"[video: {_file_name(part.get('asset_pointer'), assets, attachments)}]")
        elif isinstance(part.get("text"), str):
            out.append(part["text"])
        else:
            out.append(f"[{ptype or 'attachment'}]")
    return "\n".join(p for p in out if p)


def _quote(content: dict[str, Any]) -> str:
    title, url, text = _str(content.get("title")), _str(content.get("url")), _str(content.get("text"))
    head = f"[{title or url}]({url})" if url else title
    return f"Quote from {head}:\n{text}" if head else text


def _fallback_text(content: dict[str, Any]) -> str:
    for key in ("text", "result", "content"):
        if isinstance(content.get(key), str):
            return content[key]
    return _join_strings(content.get("parts"))
