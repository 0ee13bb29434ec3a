"""`ask` with a model: mem-agent's loop (seeds/000_*, 001_*).

system prompt -> question (+ <filter>) -> the model answers <think> then <python> or <reply>;
each <python> block runs (sandbox.run_block: interpreted, or in a confined child, or refused)
against the memory tools and its variables go back as <result>; the loop ends at <reply>.

Enforced here rather than hoped for from the model:
- stop sequences: sent to the server (`</reply>`, `<result>`) and applied to the text again
  (a server may ignore them): nothing after `</python>` of a block that runs, or after
  `</reply>`, is kept, so the model cannot write its own <result>;
- a turn limit; a reply without tags gets one reminder, then the ask fails clearly;
- the filter: hidden keys are redacted in everything the tools return, and the reply is
  scrubbed of hidden values (filters.py);
- writes go through memd's writer (tools.py), never to disk directly.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from memd.agent.filters import FactFilter
from memd.agent.prompt import SYSTEM_PROMPT, result_message, user_message
from memd.agent.sandbox import Outcome, run_block
from memd.agent.tools import MemoryTools
from memd.errors import MemdError
from memd.state import Source

STOP = ["</reply>", "<result>"]
MAX_RESULT_CHARS = 24_000
_PY = re.compile(r"<python>(.*?)(?:</python>|$)", re.DOTALL)
_REPLY = re.compile(r"<reply>(.*?)(?:</reply>|$)", re.DOTALL)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


class AgentError(MemdError):
    """The model did not produce an answer by the rules of the loop."""


@dataclass
class Step:
    turn: int
    kind: str  # python | reply | no_tags
    layer: str = ""
    error: str | None = None
    tool_calls: int = 0
    loop_s: float = 0.0  # time spent in memd for this turn (tools, sandbox), model excluded
    tripwires: list[str] | None = None  # what a sandboxed block tried (diagnostics)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [])}


@dataclass
class Parsed:
    python: str | None
    reply: str | None
    kept: str  # the assistant text as it goes back into the conversation


def parse_turn(text: str) -> Parsed:
    """Split a model turn into its <python> code and <reply>, applying the stop rules. The
    <think> part is dropped from what goes back into the conversation (as Qwen3's template does)."""
    visible = _THINK.sub("", text).strip()
    cut = visible.find("<result>")
    if cut >= 0:
        visible = visible[:cut]
    py = _PY.search(visible)
    code = py.group(1).strip() if py else None
    if code:
        end = visible.find("</python>")
        kept = visible[: end + len("</python>")] if end >= 0 else visible + "</python>"
        return Parsed(code, None, kept)
    reply = _REPLY.search(visible)
    if reply is not None:
        end = visible.find("</reply>")
        kept = visible[: end + len("</reply>")] if end >= 0 else visible + "</reply>"
        return Parsed(None, reply.group(1).strip(), kept)
    return Parsed(None, None, visible)


def format_outcome(outcome: Outcome) -> str:
    body = repr(outcome.variables)
    if len(body) > MAX_RESULT_CHARS:
        body = body[:MAX_RESULT_CHARS] + f"... [cut: {len(body)} characters]"
    parts = [body]
    if outcome.printed:
        parts.append(f"printed: {outcome.printed[:4000]}")
    if outcome.error:
        parts.append(f"error: {outcome.error}")
        if outcome.layer == "child" and ("Permission denied" in outcome.error or "not permitted" in outcome.error):
            parts.append("note: memory is reached only through the tools (read_file, update_file, ...); "
                         "files, processes and the network are closed to your code")
    return "\n".join(parts)


@dataclass
class AgentSettings:
    max_turns: int = 8
    max_tokens: int = 2048
    temperature: float = 0.2
    code: str = "auto"
    code_timeout_s: float = 5.0
    code_memory_mb: int = 256

    @classmethod
    def from_config(cls, ask: Any) -> "AgentSettings":
        return cls(max_turns=ask.max_turns, max_tokens=ask.max_tokens, temperature=ask.temperature, code=ask.code,
                   code_timeout_s=ask.code_timeout_s, code_memory_mb=ask.code_memory_mb)


@dataclass
class AskAgent:
    app: Any
    model: Any  # memd.llm.base.ChatModel
    settings: AgentSettings = field(default_factory=AgentSettings)

    def ask(self, question: str, *, filter: str | None = None, hide: list[str] | tuple[str, ...] = (),
            standing_filter: str = "", standing_hide: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        if self.settings.max_turns < 1:
            raise AgentError("ask: max_turns must be at least 1")
        fact_filter = FactFilter.build(standing_filter, filter, keys=[*standing_hide, *hide])
        tools = MemoryTools(self.app, fact_filter, source=Source("ask", detail=question[:200]))
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": user_message(question, fact_filter.text)},
        ]
        steps: list[Step] = []
        reminded = False
        model_s = 0.0

        def call_tool(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
            return tools.call(name, args, kwargs)

        for turn in range(1, self.settings.max_turns + 1):
            t0 = time.perf_counter()
            result = self.model.chat(messages, max_tokens=self.settings.max_tokens,
                                     temperature=self.settings.temperature, tag="ask")
            model_s += time.perf_counter() - t0
            t1 = time.perf_counter()
            raw = (f"<think>{result.reasoning}</think>\n" if result.reasoning and "<think>" not in result.content
                   else "") + (result.content or "")
            parsed = parse_turn(raw)
            if parsed.python:
                calls_before = tools.calls
                outcome = run_block(parsed.python, call_tool, mode=self.settings.code,
                                    timeout_s=self.settings.code_timeout_s, memory_mb=self.settings.code_memory_mb,
                                    cwd=tools.fs.root)
                messages.append({"role": "assistant", "content": parsed.kept})
                messages.append({"role": "user", "content": result_message(format_outcome(outcome))})
                steps.append(Step(turn, "python", outcome.layer, outcome.error, tools.calls - calls_before,
                                  time.perf_counter() - t1, outcome.tripwires or None))
                continue
            if parsed.reply is not None:
                steps.append(Step(turn, "reply", loop_s=time.perf_counter() - t1))
                answer = fact_filter.scrub(parsed.reply)
                return {
                    "question": question,
                    "answer": answer or None,
                    "backend": getattr(self.model, "backend", "model"),
                    "model": getattr(self.model, "model", ""),
                    "turns": turn,
                    "tool_calls": tools.calls,
                    "facts": [],  # the extractive answer's fields, empty: the model read whole files
                    "sources": [{"path": p, "link": f"[[{p}]]"} for p in tools.read_paths],
                    "writes": tools.writes,
                    "filter": {"text": fact_filter.text, "hidden_keys": sorted(fact_filter.keys),
                               "values_hidden": len(fact_filter.seen_values)} if fact_filter.active else None,
                    "steps": [s.to_json() for s in steps],
                    "model_s": round(model_s, 4),
                    "loop_s": round(sum(s.loop_s for s in steps), 4),
                }
            cut = " (cut off at the token limit)" if result.truncated else ""
            steps.append(Step(turn, "no_tags", error=f"no <python> or <reply>{cut}"))
            if reminded:
                raise AgentError(f"ask: the model replied without <python> or <reply> tags{cut}, twice; no answer")
            reminded = True
            messages.append({"role": "assistant", "content": raw[:4000]})
            messages.append({"role": "user", "content": result_message(
                "error: your reply had no <python> block and no <reply>. Answer in the format of the system prompt.")})
        raise AgentError(f"ask: the model gave no <reply> within {self.settings.max_turns} turns ([ask] max_turns)")


def build_ask_model(config: Any) -> Any:
    """The ChatModel `ask` uses: [ask] backend with its own model name, [llm]/[mlx] otherwise,
    the stop sequences in every request, calls logged like every other model call."""
    from memd.llm.calllog import CallLog
    from memd.llm.factory import build_chat_model

    ask = config.ask
    llm = {k: getattr(config.llm, k) for k in ("base_url", "model", "api_key_env", "timeout_s", "max_retries",
                                                "enable_thinking")}
    if ask.model:
        llm["model"] = ask.model
    if ask.base_url:
        llm["base_url"] = ask.base_url
    llm["extra_body"] = {"stop": list(STOP)}
    mlx = {"model_path": ask.model_path or config.mlx.model_path}
    calllog = CallLog(config.state_dir / "llm_calls.db")
    return build_chat_model(ask.backend, llm=llm, mlx=mlx, calllog=calllog)
