"""The mem-agent loop end to end: a real app, a real HTTP stub server replaying model turns."""

from __future__ import annotations

import json

import pytest

from ask_agent.conftest import turn
from memd import api
from memd.agent.loop import AgentError


def _read_user_then_reply(reply: str) -> list[dict]:
    return [
        turn('<think>read user.md</think>\n<python>\nuser = read_file("user.md")\n</python>'),
        turn(f"<think>found it</think>\n<python></python>\n<reply>{reply}</reply>"),
    ]


def test_ask_reads_memory_and_replies(make_app, stub):
    app = make_app()
    stub.queue(*_read_user_then_reply("You are 31."))
    out = api.call(app, "ask", {"question": "How old am I?"})
    assert out["answer"] == "You are 31."
    assert out["turns"] == 2 and out["tool_calls"] == 1
    assert [s["kind"] for s in out["steps"]] == ["python", "reply"]
    # The second request carried the file's text back as a <result>, and the ask's model name.
    second = stub.requests[1].json
    assert second["model"] == "driaforall/mem-agent"
    assert set(second["stop"]) == {"</reply>", "<result>"}
    result_msg = second["messages"][-1]["content"]
    assert result_msg.startswith("<result>") and "- age: 31" in result_msg
    assert "mem-agent" in second["messages"][0]["content"] or "<python>" in second["messages"][0]["content"]
