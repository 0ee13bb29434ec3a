import json
import logging

import pytest

from memd.extract.llm_backend import INVALID_CALL_REASON, LLMBackend
from memd.extract.tools import DecisionRequest, SearchStep, Turn, validate_call
from memd.llm.errors import LLMConnectionError
from memd.llm.openai_compat import OpenAICompatModel

GOOD_ITEM = {"key": "employer", "memory_type": "UserMemory", "value": "Works at Acme since 2023-04-01", "tags": ["work"]}


@pytest.fixture
def backend(stub, calllog):
    model = OpenAICompatModel(stub.url, "MemReader-4B-thinking", timeout_s=5, max_retries=0, calllog=calllog)
    yield LLMBackend(model, max_tokens=800, temperature=0.1)
    model.close()


def request(**kw):
    base = dict(
        new_turn=Turn(stream="s1", role="user", text="I started at Acme in April 2023.", author="Alice", turn_id="t3"),
        recent=[
            Turn(stream="s1", role="user", text="Big news at work.", author="Alice", turn_id="t1"),
            Turn(stream="s1", role="assistant", text="Tell me!", turn_id="t2"),
        ],
        user_names=["Alice Martin", "Ali"],
        today="2024-05-02",
    )
    base.update(kw)
    return DecisionRequest(**base)


def test_valid_call_is_returned(stub, backend, make_vllm_call):
    args = {"memory_list": [GOOD_ITEM], "summary": "employer"}
    stub.queue(make_vllm_call("add_memory", args, reasoning="A job fact."))
    call = backend.decide(request())
    assert (call.name, call.arguments, call.reasoning) == ("add_memory", args, "A job fact.")
    assert validate_call(call) == []
    assert backend.name == "openai"
    body = stub.requests[0].json
    assert body["tool_choice"] == "required" and body["max_tokens"] == 800 and body["temperature"] == 0.1


def test_prompt_rendering(stub, backend, make_vllm_call):
    stub.queue(make_vllm_call("ignore_memory", {"reason": "r"}))
    buffered = Turn(stream="s1", role="user", text="My sister might visit.", author="Alice", turn_id="t0", time="2024-05-01T09:00")
    backend.decide(request(buffered=[buffered], recent=[buffered, *request().recent]))
    system, user = stub.requests[0].json["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "Today is" not in system["content"]  # per-turn text stays out of the shared prefix
    assert "The user is Alice Martin (also called Ali)." in system["content"]
    assert "- search_memory: Search existing memories for context" in system["content"]
    assert user["content"].splitlines() == [
        "Today is 2024-05-02.",
        "",
        "Please analyze the following conversation and decide what to store:",
        "",
        "[user/Alice] (2024-05-01T09:00, buffered): My sister might visit.",
        "[user/Alice]: Big news at work.",
        "[assistant]: Tell me!",
        "[user/Alice] (new): I started at Acme in April 2023.",
    ]


def test_previous_searches_are_replayed_as_tool_calls(stub, backend, make_vllm_call):
    stub.queue(make_vllm_call("ignore_memory", {"reason": "r"}))
    searches = [SearchStep("Acme", "- employer: Acme (memory/user.md)"), SearchStep("Alice sister", "")]
    backend.decide(request(searches=searches))
    messages = stub.requests[0].json["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant", "tool"]
    first_call = messages[2]["tool_calls"][0]
    assert first_call["function"]["name"] == "search_memory"
    assert json.loads(first_call["function"]["arguments"]) == {"query": "Acme"}
    assert messages[3] == {"role": "tool", "tool_call_id": first_call["id"], "name": "search_memory", "content": "- employer: Acme (memory/user.md)"}
    assert messages[5]["content"] == "(no results)"


def test_no_search_offered_when_not_allowed(stub, backend, make_vllm_call):
    stub.queue(make_vllm_call("search_memory", {"query": "again"}), make_vllm_call("ignore_memory", {"reason": "enough"}))
    call = backend.decide(request(allow_search=False, searches=[SearchStep("Acme", "nothing")]))
    offered = [t["function"]["name"] for t in stub.requests[0].json["tools"]]
    assert offered == ["add_memory", "buffer_memory", "ignore_memory"]
    assert "searched enough" in stub.requests[0].json["messages"][-1]["content"]
    assert "searched enough" not in stub.requests[0].json["messages"][0]["content"]
    # the model searched anyway: that is an invalid call, repaired
    assert call.name == "ignore_memory" and len(stub.requests) == 2
    assert "'search_memory' is not available at this step" in stub.requests[1].json["messages"][-1]["content"]


def test_final_offers_only_add_and_ignore(stub, backend, make_vllm_call):
    stub.queue(make_vllm_call("buffer_memory", {"reason": "wait"}), make_vllm_call("add_memory", {"memory_list": [GOOD_ITEM], "summary": "s"}))
    call = backend.decide(request(final=True, buffered=[request().new_turn]))
    assert [t["function"]["name"] for t in stub.requests[0].json["tools"]] == ["add_memory", "ignore_memory"]
    assert "final decision about buffered turns" in stub.requests[0].json["messages"][1]["content"]
    assert call.name == "add_memory"


def test_invalid_call_gets_one_repair_that_says_what_was_wrong(stub, backend, make_vllm_call, calllog):
    broken = {"memory_list": [{"key": "employer", "value": "Acme", "tags": []}], "summary": "s"}
    fixed = {"memory_list": [GOOD_ITEM], "summary": "s"}
    stub.queue(make_vllm_call("add_memory", broken), make_vllm_call("add_memory", fixed))
    call = backend.decide(request())
    assert call.arguments == fixed
    retry = stub.requests[1].json["messages"]
    assert retry[:2] == stub.requests[0].json["messages"]
    assert retry[2]["role"] == "assistant" and '"memory_list"' in retry[2]["content"]
    assert retry[3]["role"] == "user"
    assert "add_memory: memory_list/0: 'memory_type' is a required property" in retry[3]["content"]
    assert [r.tag for r in calllog.recent(5)] == ["extract-repair", "extract"]


def test_twice_invalid_becomes_ignore_with_warning(stub, backend, make_vllm_text, caplog):
    stub.queue(make_vllm_text("I think this is nice."), make_vllm_text("Still no tool call."))
    with caplog.at_level(logging.WARNING, logger="memd.extract.llm"):
        call = backend.decide(request())
    assert call.name == "ignore_memory"
    assert call.arguments["reason"].startswith(f"{INVALID_CALL_REASON} after one repair retry: the reply contains no tool call")
    assert validate_call(call) == []
    assert call.raw == "Still no tool call."
    assert any(INVALID_CALL_REASON in r.message for r in caplog.records)
    assert "the reply contains no tool call" in stub.requests[1].json["messages"][-1]["content"]


def test_truncated_reply_counts_as_invalid(stub, backend, recording, make_vllm_call):
    stub.queue("vllm_length_inside_call", make_vllm_call("ignore_memory", {"reason": "short"}))
    call = backend.decide(request())
    assert call.name == "ignore_memory" and call.arguments == {"reason": "short"}
    repair = stub.requests[1].json["messages"][-1]["content"]
    assert "cut off at the token limit" in repair


def test_truncated_twice_never_returns_the_partial_call(stub, backend):
    stub.queue("vllm_length_inside_call", "vllm_length_inside_call")
    call = backend.decide(request())
    assert call.name == "ignore_memory"
    assert "cut off at the token limit" in call.arguments["reason"]


def test_first_valid_of_several_calls_is_used(stub, backend, recording):
    rec = recording("vllm_hermes_reasoning")
    message = rec["body"]["choices"][0]["message"]
    message["tool_calls"] = [
        {"id": "a", "type": "function", "function": {"name": "add_memory", "arguments": '{"summary": "no list"}'}},
        {"id": "b", "type": "function", "function": {"name": "buffer_memory", "arguments": '{"reason": "wait for the date"}'}},
    ]
    stub.queue(rec)
    call = backend.decide(request())
    assert (call.name, call.arguments) == ("buffer_memory", {"reason": "wait for the date"})
    assert len(stub.requests) == 1


def test_hermes_text_reply_from_server_without_parser(stub, backend, make_vllm_text):
    text = '<think>fact about work</think>\n<tool_call>\n{"name": "add_memory", "arguments": %s}\n</tool_call>' % json.dumps(
        {"memory_list": [GOOD_ITEM], "summary": "s"}
    )
    stub.queue(make_vllm_text(text))
    call = backend.decide(request())
    assert call.name == "add_memory" and call.reasoning == "fact about work"


def test_transport_failure_is_raised_not_ignored(refused_url):
    model = OpenAICompatModel(refused_url, "m", max_retries=0)
    with pytest.raises(LLMConnectionError):
        LLMBackend(model).decide(request())
    model.close()
