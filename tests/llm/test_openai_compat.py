import json
import time

import pytest

from memd.errors import MemdError
from memd.extract.tools import TOOLS
from memd.llm.errors import (
    LLMConnectionError,
    LLMHTTPError,
    LLMMalformedResponseError,
    LLMTimeoutError,
)
from memd.llm.openai_compat import OpenAICompatModel

MESSAGES = [
    {"role": "system", "content": "You are a memory extraction agent."},
    {"role": "user", "content": "Please analyze the following conversation and decide what to store:\n\n[user] (new): hi"},
]
EXPECTED_ADD = json.loads(
    '{"memory_list": [{"key": "Rust benchmark plan", "memory_type": "LongTermMemory", "value": "Michael plans to produce a '
    'Python-vs-Rust benchmark report this week for the recommendation system refactoring project.", "tags": ["project", '
    '"Rust", "benchmark"], "entity": "Michael", "relation": "colleague"}], "summary": "Added one memory about the planned '
    'benchmark report."}'
)


@pytest.fixture
def model(stub, calllog):
    m = OpenAICompatModel(
        stub.url,
        "MemReader-4B-thinking",
        api_key="sk-test",
        timeout_s=5,
        max_retries=2,
        backoff_s=0.01,
        extra_body={"chat_template_kwargs": {"enable_thinking": True}},
        calllog=calllog,
    )
    yield m
    m.close()


def chat(model, **kw):
    return model.chat(MESSAGES, tools=TOOLS, tool_choice="required", max_tokens=512, temperature=0.2, tag="test", **kw)


@pytest.mark.parametrize(
    "name, tool, arguments, reasoning_start, usage",
    [
        ("vllm_hermes_reasoning", "add_memory", EXPECTED_ADD, "The conversation refers", (731, 171, None)),
        ("vllm_hermes_no_reasoning_parser", "search_memory", {"query": "Michael recommendation system rewrite Rust"}, 'The user refers to "he"', (731, 74, None)),
        ("vllm_no_tool_parser_content", "add_memory", EXPECTED_ADD, "The conversation refers", (731, 184, None)),
        ("sglang_qwen25_parser", "search_memory", {"query": "Michael project rewrite new language"}, '"He" and "that project"', (731, 61, None)),
        ("llamacpp_jinja", "buffer_memory", {"reason": "The benchmark plan lacks a date and scope; wait for more context."}, "The user mentions a plan", (744, 58, None)),
        ("ollama_v1", "ignore_memory", {"reason": "Greeting only; nothing to store."}, "This is a greeting", (698, 41, None)),
        ("ollama_object_arguments", "add_memory", EXPECTED_ADD, None, (698, 120, None)),
        ("mlx_lm_server", "add_memory", EXPECTED_ADD, "The conversation refers", (731, 166, 690)),
        ("mlx_lm_server_fenced_json", "add_memory", EXPECTED_ADD, None, (702, 140, None)),
    ],
)
def test_each_server_shape_gives_the_same_call(stub, model, name, tool, arguments, reasoning_start, usage):
    stub.queue(name)
    result = chat(model)
    assert [c.name for c in result.tool_calls] == [tool]
    assert result.tool_calls[0].arguments == arguments
    assert result.tool_call_problems == []
    if reasoning_start is None:
        assert result.reasoning is None
    else:
        assert result.reasoning.startswith(reasoning_start)
    # thinking and the parsed call never leak into the visible content
    assert "<think>" not in result.content and "<tool_call>" not in result.content
    assert (result.usage.prompt_tokens, result.usage.completion_tokens, result.usage.cached_tokens) == usage
    assert not result.truncated


def test_request_shape(stub, model):
    stub.queue("vllm_hermes_reasoning")
    chat(model)
    (req,) = stub.requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == "Bearer sk-test"
    body = req.json
    assert body["model"] == "MemReader-4B-thinking"
    assert body["messages"] == MESSAGES
    assert [t["function"]["name"] for t in body["tools"]] == ["search_memory", "add_memory", "buffer_memory", "ignore_memory"]
    assert body["tools"][1]["function"]["parameters"]["required"] == ["memory_list", "summary"]
    assert body["tool_choice"] == "required"
    assert body["max_tokens"] == 512 and body["temperature"] == 0.2 and body["stream"] is False
    assert body["chat_template_kwargs"] == {"enable_thinking": True}


def test_no_tools_means_no_tool_choice(stub, model):
    stub.queue("ollama_v1")
    model.chat(MESSAGES, tool_choice="required")
    assert "tools" not in stub.requests[0].json and "tool_choice" not in stub.requests[0].json


def test_required_rejected_falls_back_to_auto_and_remembers(stub, model, calllog):
    stub.queue("vllm_required_rejected", "vllm_hermes_reasoning", "vllm_hermes_reasoning")
    first = chat(model)
    assert first.tool_calls[0].name == "add_memory"
    assert [r.json["tool_choice"] for r in stub.requests] == ["required", "auto"]
    assert any("rejected tool_choice 'required'" in n for n in first.notes)
    chat(model)  # the server's answer is remembered: no second rejected request
    assert [r.json["tool_choice"] for r in stub.requests] == ["required", "auto", "auto"]
    row = calllog.recent(1)[0]
    assert row.request_params["tool_choice"] == "required"
    assert any("sent as 'auto'" in n for n in row.notes)


def test_server_without_tool_parser_gets_no_tool_choice_and_content_is_parsed(stub, model):
    stub.queue("vllm_auto_rejected_no_parser", "vllm_auto_rejected_no_parser", "vllm_no_tool_parser_content")
    result = chat(model)
    sent = [r.json.get("tool_choice", "(omitted)") for r in stub.requests]
    assert sent == ["required", "auto", "(omitted)"]
    assert all("tools" in r.json for r in stub.requests)
    assert result.tool_calls[0].arguments == EXPECTED_ADD
    assert result.reasoning.startswith("The conversation refers")


def test_500_then_200_is_retried(stub, model):
    stub.queue("vllm_500", "vllm_hermes_reasoning")
    result = chat(model)
    assert len(stub.requests) == 2
    assert result.tool_calls[0].name == "add_memory"
    assert "HTTP 500" in result.notes[0]


def test_429_honours_retry_after(stub, model):
    stub.queue("rate_limited_429", "ollama_v1")
    assert chat(model).tool_calls[0].name == "ignore_memory"
    assert len(stub.requests) == 2


def test_5xx_gives_up_after_max_retries(stub, model, calllog):
    stub.queue("vllm_500", "vllm_500", "vllm_500", "vllm_hermes_reasoning")
    with pytest.raises(LLMHTTPError) as info:
        chat(model)
    assert info.value.status == 500 and len(stub.requests) == 3
    assert "\n" not in str(info.value)
    assert calllog.recent(1)[0].error.startswith("LLMHTTPError: ")


def test_4xx_is_not_retried(stub, model):
    stub.queue("vllm_401", "vllm_hermes_reasoning")
    with pytest.raises(LLMHTTPError) as info:
        chat(model)
    assert len(stub.requests) == 1
    assert info.value.status == 401
    assert str(info.value) == f"{model.url} answered HTTP 401: Unauthorized (check llm.api_key_env)"
    assert isinstance(info.value, MemdError)


def test_400_not_about_tools_is_not_downgraded(stub, model):
    stub.queue_reply(400, {"object": "error", "message": "This model's maximum context length is 4096 tokens.", "type": "BadRequestError", "param": None, "code": 400})
    with pytest.raises(LLMHTTPError, match="maximum context length"):
        chat(model)
    assert len(stub.requests) == 1


def test_invalid_json_body(stub, model, calllog):
    stub.queue("invalid_json_body")
    with pytest.raises(LLMMalformedResponseError, match="not JSON"):
        chat(model)
    assert len(stub.requests) == 1
    assert calllog.recent(1)[0].error.startswith("LLMMalformedResponseError")


def test_empty_choices(stub, model):
    stub.queue("empty_choices")
    with pytest.raises(LLMMalformedResponseError, match="without any choices"):
        chat(model)


def test_truncated_arguments_are_reported_not_returned(stub, model):
    stub.queue("truncated_arguments")
    result = chat(model)
    assert result.tool_calls == []
    assert len(result.tool_call_problems) == 1
    assert result.tool_call_problems[0].startswith("tool call 1: add_memory: arguments are not valid JSON")


def test_length_is_truncated_and_carries_no_call(stub, model, calllog):
    stub.queue("vllm_length_inside_call")
    result = chat(model)
    assert result.truncated and result.finish_reason == "length"
    assert result.tool_calls == []
    assert "cut off at the token limit" in result.tool_call_problems[0]
    assert result.reasoning.startswith("The conversation refers")
    assert calllog.recent(1)[0].finish_reason == "length"


def test_length_with_a_parseable_call_still_drops_it(stub, model, make_vllm_call):
    stub.queue(make_vllm_call("ignore_memory", {"reason": "partial"}, finish="length"))
    result = chat(model)
    assert result.tool_calls == []
    assert "(ignore_memory) may be incomplete and was dropped" in result.tool_call_problems[0]


def test_timeout_when_server_is_slow(stub, calllog):
    slow = OpenAICompatModel(stub.url, "m", timeout_s=0.3, max_retries=2, backoff_s=0.01, calllog=calllog)
    stub.queue("ollama_v1", delay_s=2.0)
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError) as info:
        slow.chat(MESSAGES, tools=TOOLS, tool_choice="required")
    assert time.monotonic() - started < 1.5  # not retried
    assert str(info.value) == f"{slow.url} did not answer within 0.3 s (raise llm.timeout_s, or lower max_tokens)"
    assert len(stub.requests) == 1
    slow.close()


def test_connection_refused_is_retried_then_raised(refused_url, calllog):
    down = OpenAICompatModel(refused_url, "m", max_retries=2, backoff_s=0.01, calllog=calllog)
    with pytest.raises(LLMConnectionError) as info:
        down.chat(MESSAGES, tools=TOOLS, tool_choice="required")
    assert str(info.value) == f"cannot connect to {refused_url}/chat/completions: connection refused"
    assert isinstance(info.value, MemdError)
    row = calllog.recent(1)[0]
    assert row.error.startswith("LLMConnectionError") and row.response_content is None
    down.close()


def test_every_call_is_logged(stub, model, calllog):
    stub.queue("sglang_qwen25_parser")
    chat(model)
    (row,) = calllog.recent(5)
    assert row.backend == "openai" and row.model == "MemReader-4B-thinking" and row.tag == "test"
    assert row.request_messages == MESSAGES
    assert [t["function"]["name"] for t in row.request_tools] == ["search_memory", "add_memory", "buffer_memory", "ignore_memory"]
    assert row.response_tool_calls == [
        {"name": "search_memory", "arguments": {"query": "Michael project rewrite new language"}, "raw": row.response_tool_calls[0]["raw"]}
    ]
    assert row.reasoning.startswith('"He" and')
    assert row.finish_reason == "tool_calls"
    assert (row.prompt_tokens, row.completion_tokens) == (731, 61)
    assert row.raw_response["id"] == "8c1f3a9e2b7d4c6e9f0a1b2c3d4e5f60"
    assert row.duration_ms >= 0 and row.error is None


def test_400_about_a_tool_message_is_not_a_tool_choice_rejection(stub, model):
    stub.queue_reply(400, {"error": {"message": "Tool message must follow an assistant message with tool_calls", "type": "invalid_request_error", "code": 400}})
    with pytest.raises(LLMHTTPError, match="Tool message must follow"):
        chat(model)
    assert len(stub.requests) == 1
