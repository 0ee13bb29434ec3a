"""The extraction prompt: a DecisionRequest rendered as chat messages for a MemReader-style model.

It keeps MemReader's own framing (seeds/003: a memory-extraction system prompt listing the four
actions, then "Please analyze the following conversation..." with "[role]: text" lines) so the
fine-tuned model sees what it was trained on, and adds only what memd needs: today's date, who
the user is, which turns are new or were buffered, and the optional entity/relation fields.
Earlier searches of the same turn are replayed as the model's own tool calls with their
results, so it does not search for the same thing twice. The rendering is deterministic, so
every step of a turn shares the same prefix (the mlx backend's prompt cache relies on it).

Prefix caching (vLLM, SGLang, llama.cpp, mlx-lm) pays for a prompt's opening once when many
requests share it, so the system prompt holds only what is the same for every turn of an import
(the instructions, the user's names, the tools offered): what changes per turn (the date, "this
is the final decision", "you have searched enough") is said in the messages after it. Context
turns (already decided, only there to resolve references) are cut shorter than the new turn.
"""

from __future__ import annotations

from typing import Any

from memd.extract.conventions import NEGATION_TAG, REPLACES_PREFIX, UPDATE_TAG
from memd.extract.tools import ADD, BUFFER, IGNORE, SEARCH, DecisionRequest, Turn
from memd.llm.base import Message, dumps

_ACTIONS = {
    SEARCH: "search_memory: Search existing memories for context",
    ADD: "add_memory: Extract and store valuable facts, preferences, or events",
    BUFFER: "buffer_memory: Accumulate this turn and wait for more context",
    IGNORE: "ignore_memory: Nothing worth storing",
}
# Long turns (pasted code, whole documents) are cut in the middle: the opening usually says
# what it is and the end what was concluded.
MAX_TURN_CHARS = 6000
CONTEXT_TURN_CHARS = 1200  # of a turn shown as context only (neither new nor buffered)
ENOUGH_SEARCHES = "You have searched enough for this turn: decide now with the results you have."


def date_line(request: DecisionRequest) -> str:
    # No date for the turn (an undated import): say so, so the model leaves relative dates
    # unresolved instead of dating them to the day of the import.
    return (f"Today is {request.today}." if request.today else
            "The date of this conversation is unknown: do not resolve relative dates (today, yesterday, "
            "last week); keep only dates the text states in full.")


def system_prompt(request: DecisionRequest, allowed: list[str]) -> str:
    """The same text for every request of an import that offers the same tools (see above)."""
    names = [n for n in request.user_names if n.strip()]
    if names:
        who = f"The user is {names[0]}" + (f" (also called {', '.join(names[1:])})" if len(names) > 1 else "")
        who += '. Their turns are marked [user]; "I", "me" and "my" in them mean the user.'
    else:
        who = 'The user is the person whose turns are marked [user]; "I", "me" and "my" in them mean the user.'
    lines = [
        "You are a memory extraction agent. Your job is to analyze conversations and decide "
        "what information is worth storing in the user's long-term memory.",
        "",
        who,
        "",
        "Available actions (call exactly one per turn):",
        *[f"- {_ACTIONS[name]}" for name in allowed],
        "",
        "Guidelines:",
        "- Store specific, verifiable facts",
        "- Do not store generic greetings, chitchat, or vague statements",
        "- UserMemory: personal attributes or preferences about the user",
        "- LongTermMemory: facts, events, or shared knowledge from the conversation",
        "- Write dates as YYYY-MM-DD, YYYY-MM or YYYY, at the precision that was said (never ISO weeks); "
        "resolve relative dates (yesterday, next Friday) against today's date; a plan keeps its date",
        "- Each value is a short complete phrase of the kind its key expects (a name for a person, a place for "
        "a location, an organisation for an employer): never a clause cut mid-way or a bare pronoun",
        "- When a fact is about another person, project, place or organisation, set `entity` to its name; "
        "set `relation` to how it relates to the user (mother, employer, friend...) when the conversation says so",
        "- Store what the turns marked (new) or (buffered) say; the other turns are context that was already processed",
        *UPDATE_GUIDELINES,
    ]
    if SEARCH in allowed:
        lines.append("- If unsure whether information already exists, call search_memory first")
    return "\n".join(lines)


# How a model says that a fact replaces one memory holds (memd/extract/supersede.py applies it:
# the line is found by its key or by the old value, changed in place, the old value kept in the
# file's History). The same tags the rules backend uses.
UPDATE_GUIDELINES = [
    "- Memory may already hold facts this turn changes: search_memory results are the facts memory holds, "
    "one `- key: value (file)` line each, and the ones you may update. When the user says a fact changed or corrects one (\"I quit X and joined Y\", "
    "\"it's Y, not X\", \"my specialty shifted from X to Y\", \"X -> Y\"), call add_memory with the key memory "
    f"uses (or the usual one), the new value, and the tags \"{UPDATE_TAG}\" and \"{REPLACES_PREFIX}<the old value>\"; "
    "set `entity` when the fact is about someone else",
    f"- When a fact simply stops holding (\"I don't work at X anymore\"), add the item with the old value and the tag "
    f"\"{NEGATION_TAG}\"",
    "- A key with one value (employer, job title, where someone lives, relationship status, diet, age) holds only "
    "the newest value; never repeat an unchanged fact",
]


def conversation_text(request: DecisionRequest) -> str:
    buffered_ids = {_identity(t) for t in request.buffered}
    lines: list[str] = []
    seen: set[Any] = set()
    # Buffered turns are older than the recent window or inside it; either way they go first
    # in their own order, and a recent turn that is also buffered is shown once, marked.
    for turn in [*request.buffered, *request.recent]:
        key = _identity(turn)
        if key in seen:
            continue
        seen.add(key)
        lines.append(turn_line(turn, buffered=key in buffered_ids))
    lines.append(turn_line(request.new_turn, new=True))
    if request.final:
        intro = ("This is the final decision about buffered turns: no more context will come. Call add_memory "
                 "for what is worth keeping, or ignore_memory.\n\nPlease decide about the following buffered "
                 "conversation:")
    else:
        intro = "Please analyze the following conversation and decide what to store:"
    return date_line(request) + "\n\n" + intro + "\n\n" + "\n".join(lines)


def turn_line(turn: Turn, *, buffered: bool = False, new: bool = False) -> str:
    who = turn.role if not turn.author else f"{turn.role}/{turn.author}"
    marks = []
    if turn.time:
        marks.append(turn.time)
    if turn.strong:
        marks.append("the user's own profile text")
    if buffered:
        marks.append("buffered")
    if new:
        marks.append("new")
    suffix = f" ({', '.join(marks)})" if marks else ""
    limit = MAX_TURN_CHARS if buffered or new else CONTEXT_TURN_CHARS
    return f"[{who}]{suffix}: {_clip(turn.text, limit)}"


def render_messages(request: DecisionRequest, allowed: list[str]) -> list[Message]:
    messages: list[Message] = [
        {"role": "system", "content": system_prompt(request, allowed)},
        {"role": "user", "content": conversation_text(request)},
    ]
    last = len(request.searches)
    for number, step in enumerate(request.searches, 1):
        call_id = f"call_search_{number}"
        messages.append(
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": SEARCH, "arguments": dumps({"query": step.query})},
                    }
                ],
            }
        )
        content = step.results or "(no results)"
        if number == last and SEARCH not in allowed and not request.final:
            content += "\n\n" + ENOUGH_SEARCHES
        messages.append({"role": "tool", "tool_call_id": call_id, "name": SEARCH, "content": content})
    return messages


def repair_message(problems: list[str], allowed: list[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems) or "- no usable tool call"
    return (
        "Your previous reply could not be used:\n"
        f"{listed}\n"
        f"Reply with exactly one complete call to one of: {', '.join(allowed)}, "
        "with arguments that match that tool's parameters."
    )


def _identity(turn: Turn) -> Any:
    return ("id", turn.turn_id) if turn.turn_id else ("text", turn.role, turn.author, turn.time, turn.text)


def _clip(text: str, limit: int = MAX_TURN_CHARS) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} […] {text[-half:]}"
