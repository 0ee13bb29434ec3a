"""The MCP server: seven memory tools, two resources and a recall prompt over memd's API.

Tools map onto API methods (memd.api) run by a Backend (the daemon when it runs, else in
process). Names are fixed so clients and scripts can rely on them. Outputs are capped and paged
(memd.mcp.shape); arguments are bounded in the schema, so a huge or mistyped argument is refused
with one clear message and the server keeps serving.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from memd import __version__
from memd.errors import MemdError, NotFoundError

from . import shape
from .backend import Backend

log = logging.getLogger("memd.mcp")

TOOL_NAMES = ("memory_search", "memory_context", "memory_ask", "memory_remember", "memory_get",
              "memory_forget", "memory_review")

INSTRUCTIONS = """\
memd holds the user's long-term personal memory: facts about them and the people, places and
projects in their life, and their past conversations, kept as markdown in their Obsidian vault.

Recall first. Before you answer anything that may depend on who the user is (their name,
preferences, people, plans, work, history, or "what do you know about me"), call memory_context
with the topic (a short cited pack of what memory holds) or memory_search for exact passages.
Do this even when the user does not mention memory. Cite the [[link]] of what you use.

When the user states something durable about themselves or their people, call memory_remember
with one plain first-person statement. memory_get shows one entity's facts; memory_forget
removes a fact (journaled, undoable with `memd undo`); memory_review lists changes that wait
for the user's approval because memd never overwrites a line the user wrote by hand.
"""

Query = Annotated[str, Field(min_length=1, max_length=2000, description="What to look for, in plain words.")]
EntityName = Annotated[str, Field(min_length=1, max_length=300,
                                  description="An entity's name (a person, place, project...), or 'user' for the user.")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _result(data: dict[str, Any], text: str | None = None) -> CallToolResult:
    """Structured content for scripts, and compact text (or `text`) for the model."""
    body = text if text is not None else json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return CallToolResult(content=[TextContent(type="text", text=body)], structured_content=data)


def _ask_is_read_only(backend: Backend) -> bool:
    """The extractive `ask` reads only; a model-backed one (mem-agent) may write through the writer."""
    ask = getattr(backend.config, "ask", None)
    return getattr(ask, "backend", "extractive") in (None, "extractive")


def build_server(backend: Backend) -> MCPServer:
    srv = MCPServer("memd", title="memd personal memory", instructions=INSTRUCTIONS, version=__version__,
                    log_level="WARNING")

    async def run(method: str, /, **params: Any) -> Any:
        try:
            return await backend.acall(method, **params)
        except MemdError as exc:  # str() carries the hint
            raise ToolError(str(exc)) from None
        except Exception as exc:  # a bug: one line for the client, the traceback in the log
            log.exception("memd %s failed", method)
            raise ToolError(f"internal error in memd {method}: {type(exc).__name__}: {exc}") from None

    @srv.tool(annotations=READ_ONLY)
    async def memory_search(
        query: Query,
        limit: Annotated[int, Field(ge=1, le=25, description="Hits per page.")] = 8,
        offset: Annotated[int, Field(ge=0, le=200, description="Skip this many hits (from next_offset).")] = 0,
    ) -> CallToolResult:
        """Search the user's memory: fact lines, note sections and past conversation turns that
        match QUERY, best first, each with its text, an Obsidian [[link]], and for turns who said
        it and when. Use it before answering anything about the user. Pages with next_offset."""
        answer = await run("search", query=query, limit=offset + limit + 1)
        return _result(shape.search_page(answer, offset, limit))

    @srv.tool(annotations=READ_ONLY)
    async def memory_context(
        query: Query,
        budget: Annotated[int, Field(ge=20, le=4000, description="Words the pack may hold.")] = 350,
    ) -> CallToolResult:
        """A memory pack for this conversation, within BUDGET words: the user's profile, the facts
        that match QUERY and the conversation turns behind them, each cited with its link. The best
        first step before answering a personal question."""
        pack = await run("context", query=query, budget=budget)
        text = pack.get("text") or "memory holds nothing on this yet"
        return _result(shape.cap_json(pack, text=shape.DOCUMENT_CAP, items=100), text=text)

    @srv.tool(annotations=READ_ONLY if _ask_is_read_only(backend) else
              ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False))
    async def memory_ask(
        question: Annotated[str, Field(min_length=1, max_length=2000, description="A question about the user.")],
        filter: Annotated[str | None, Field(max_length=1000, description=(
            "What the answer must not reveal, e.g. 'no addresses' (needs a model-backed ask)."))] = None,
    ) -> CallToolResult:
        """Answer a question from memory, with the facts and sources behind the answer (or say that
        memory does not hold it)."""
        answer = await run("ask", question=question, filter=filter)
        return _result(shape.cap_json(answer))

    @srv.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                                          open_world_hint=False))
    async def memory_remember(
        text: Annotated[str, Field(min_length=1, max_length=20_000,
                                   description="One plain statement, e.g. 'My sister Anna is a nurse in Porto.'")],
    ) -> CallToolResult:
        """Store what the user said about themselves or their people. memd extracts the facts and
        writes them into the memory files (journaled; a new value of a single-valued fact replaces
        the old one, which `memd undo` restores). A line the user wrote by hand is never
        overwritten: such a change waits in memory_review."""
        answer = await run("remember", text=text)
        return _result(shape.remember_view(answer))

    @srv.tool(annotations=READ_ONLY)
    async def memory_get(
        entity: EntityName,
        offset: Annotated[int, Field(ge=0, le=100_000, description="Skip this many facts (from next_offset).")] = 0,
    ) -> CallToolResult:
        """One entity's memory file: its facts, its relations to other entities and the notes that
        link to it. 'user' is the user. Pages with next_offset."""
        data = await run("get_entity", name=entity)
        return _result(shape.entity_view(data, offset, 100))

    @srv.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True,
                                          open_world_hint=False))
    async def memory_forget(
        entity: EntityName,
        key: Annotated[str, Field(min_length=1, max_length=200, description="The fact's key, e.g. job_title.")],
        value: Annotated[str | None, Field(max_length=2000,
                                           description="Only this value of the key (for keys with several).")] = None,
    ) -> CallToolResult:
        """Remove a fact from an entity's memory file. Says exactly which lines it removed (each
        journaled and undoable with `memd undo ID`); a line the user wrote by hand is not removed
        but queued for their review; nothing matching means nothing removed."""
        answer = await run("fact.remove", entity=entity, key=key, value=value, via="mcp")
        return _result(await _forget_report(entity, answer))

    async def _forget_report(entity: str, answer: dict[str, Any]) -> dict[str, Any]:
        removed, queued, not_removed = [], [], []
        results = answer.get("results", [])
        ids = {r["journal_id"] for r in results if r.get("status") == "applied" and r.get("journal_id")}
        entries = {}
        if ids:
            # The journal says which lines went: report those, not what we asked to remove.
            log_answer = await run("log", entity=entity, limit=20)
            entries = {e["id"]: e for e in log_answer.get("entries", []) if e.get("id") in ids}
        for r in results:
            if r.get("status") == "applied":
                entry = entries.get(r.get("journal_id"))
                hunks = (entry or {}).get("change", {}).get("hunks", [])
                lines = [shape.cap_text(line) for h in hunks for line in h.get("old", [])]
                removed.append({"path": r.get("path"), "journal_id": r.get("journal_id"), "lines": lines})
                if entry is None:  # written meanwhile past 20 newer entries: say so rather than guess
                    removed[-1]["note"] = f"see `memd log --entity {entity}` for the lines"
            elif r.get("status") == "review":
                queued.append({"path": r.get("path"), "review_id": r.get("review_id"), "reason": r.get("reason")})
            else:
                not_removed.append({"path": r.get("path"), "status": r.get("status"), "reason": r.get("reason")})
        n = sum(len(x["lines"]) or 1 for x in removed)
        if removed:
            summary = f"removed {n} line(s): " + "; ".join(
                f"{x['path']} {x['lines']} (undo: memd undo {x['journal_id']})" for x in removed)
        elif queued:
            summary = ("nothing removed: the line was written by hand, so the removal waits for the user's review"
                       f" (memory_review accept {queued[0]['review_id']})")
        else:
            reason = "; ".join(x["reason"] or x["status"] for x in not_removed) or "no match"
            summary = f"nothing removed: {reason}"
        return {"summary": summary, "removed": removed, "queued_for_review": queued, "not_removed": not_removed}

    @srv.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False,
                                          open_world_hint=False))
    async def memory_review(
        action: Annotated[Literal["list", "accept", "reject"],
                          Field(description="list pending changes, or accept / reject one by id.")],
        id: Annotated[int | None, Field(ge=1, description="The review item's id (accept, reject).")] = None,
        offset: Annotated[int, Field(ge=0, le=100_000, description="list: skip this many items.")] = 0,
    ) -> CallToolResult:
        """Changes memd did not make because they would overwrite or remove a line the user wrote by
        hand. 'list' shows them; 'accept' applies one (replacing the user's line), 'reject' drops it.
        Accept or reject only when the user says so."""
        if action == "list":
            if id is not None:
                raise ToolError("memory_review: list takes no id")
            items = (await run("review.list", status="pending")).get("items", [])
            page = items[offset: offset + shape.LIST_CAP]
            out: dict[str, Any] = {"items": [shape.review_item(i) for i in page], "total": len(items)}
            if len(items) > offset + len(page):
                out["next_offset"] = offset + len(page)
            return _result(out)
        if id is None:
            raise ToolError(f"memory_review: {action} needs the item's id (memory_review list shows them)")
        answer = await run("review.resolve", id=id, decision=action)
        return _result(shape.cap_json(answer))

    async def _document(name: str) -> str:
        try:
            data = await backend.acall("get_entity", name=name)
        except NotFoundError as exc:
            raise ResourceNotFoundError(str(exc)) from None
        except MemdError as exc:
            raise ResourceError(str(exc)) from None
        return shape.cap_text(data.get("text", ""), shape.DOCUMENT_CAP)

    @srv.resource("memory://user", name="user", title="The user's memory file", mime_type="text/markdown")
    async def user_resource() -> str:
        """What memory holds about the user: their memory file as markdown."""
        return await _document("user")

    @srv.resource("memory://entities/{name}", name="entity", title="An entity's memory file", mime_type="text/markdown")
    async def entity_resource(name: str) -> str:
        """One entity's memory file (a person, place, project...) as markdown."""
        return await _document(name)

    @srv.prompt(name="recall", title="Consult memory first")
    async def recall(topic: str = "") -> str:
        """Start a conversation by consulting the user's memory."""
        lines = ["Before you answer, consult my memory (memd). Call memory_context with the topic of my "
                 "message, or memory_search for exact passages, and use what it returns; cite the [[links]]. "
                 "If I tell you something lasting about myself, store it with memory_remember."]
        topic = topic.strip()[:2000]
        if topic:
            try:
                pack = await backend.acall("context", query=topic, budget=350)
                if pack.get("text"):
                    lines.append(f"\nWhat memory holds on “{topic}”:\n\n{pack['text']}")
            except MemdError as exc:
                lines.append(f"\n(memory could not be read just now: {exc})")
            lines.append(f"\nMy message is about: {topic}")
        return "\n".join(lines)

    return srv
