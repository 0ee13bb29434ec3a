import sqlite3
from dataclasses import dataclass

import pytest

from memd.errors import ConfigError
from memd.llm.base import ChatModel, ChatRequest, ChatResult, ParsedToolCall, Usage
from memd.llm.calllog import CallLog
from memd.llm.factory import build_chat_model
from memd.llm.mlx_local import MLXChatModel
from memd.llm.openai_compat import OpenAICompatModel


class ScriptedModel(ChatModel):
    """A ChatModel whose replies are given in advance: exercises the base class alone."""

    backend = "scripted"

    def __init__(self, replies, calllog=None):
        super().__init__(model="scripted-1", calllog=calllog)
        self.replies = list(replies)
        self.requests: list[ChatRequest] = []

    def _chat(self, request):
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def call(name="ignore_memory", **arguments):
    return ParsedToolCall(name=name, arguments=arguments or {"reason": "r"}, raw="{}")


def test_rows_round_trip_and_filter_by_tag(tmp_path):
    log = CallLog(tmp_path / "s.db")
    model = ScriptedModel(
        [
            ChatResult(content="hi", tool_calls=[call()], reasoning="why", finish_reason="tool_calls", usage=Usage(10, 2, 4), raw_response={"id": 1}),
            ValueError("boom"),
        ],
        calllog=log,
    )
    model.chat([{"role": "user", "content": "x"}], tools=[{"type": "function"}], tool_choice="required", tag="extract")
    with pytest.raises(ValueError):
        model.chat([{"role": "user", "content": "y"}], tag="ask")
    failed, ok = log.recent(10)
    assert (ok.tag, ok.response_content, ok.reasoning, ok.finish_reason) == ("extract", "hi", "why", "tool_calls")
    assert (ok.prompt_tokens, ok.completion_tokens, ok.cached_tokens) == (10, 2, 4)
    assert ok.request_params == {"tool_choice": "required", "max_tokens": 1024, "temperature": 0.2, "top_p": None}
    assert ok.response_tool_calls == [{"name": "ignore_memory", "arguments": {"reason": "r"}, "raw": "{}"}]
    assert (failed.error, failed.response_content, failed.request_tools) == ("ValueError: boom", None, None)
    assert [r.tag for r in log.recent(10, tag="ask")] == ["ask"]
    assert log.prune(keep=1) == 1 and log.count() == 1 and log.recent(5)[0].tag == "ask"
    log.close()


def test_a_given_connection_is_shared_and_left_open(tmp_path):
    conn = sqlite3.connect(tmp_path / "state.db")
    log = CallLog(conn)
    ScriptedModel([ChatResult(content="")], calllog=log).chat([])
    log.close()
    assert conn.execute("SELECT COUNT(*) FROM llm_calls").fetchone()[0] == 1
    conn.close()


def test_truncated_result_never_carries_calls():
    model = ScriptedModel([ChatResult(content="", tool_calls=[call()], finish_reason="length")])
    result = model.chat([])
    assert result.truncated and result.tool_calls == []
    assert "(ignore_memory) may be incomplete and was dropped" in result.tool_call_problems[0]


def test_reply_text_quotes_content_and_calls():
    result = ChatResult(content="Storing.", tool_calls=[ParsedToolCall("ignore_memory", {}, '{"name": "ignore_memory"}')])
    assert result.reply_text() == 'Storing.\n<tool_call>\n{"name": "ignore_memory"}\n</tool_call>'


@dataclass
class LLMSettings:  # the shape of memd.config's [llm] section
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "MemReader-4B-thinking"
    api_key_env: str = ""
    timeout_s: float = 30.0
    max_retries: int = 1
    temperature: float = 0.2
    max_tokens: int = 2048
    enable_thinking: bool = True


def test_openai_from_a_config_section():
    model = build_chat_model("openai", llm=LLMSettings(api_key_env="MEMD_TEST_KEY"), environ={"MEMD_TEST_KEY": "sk-1"})
    assert isinstance(model, OpenAICompatModel)
    assert model.url == "http://127.0.0.1:8000/v1/chat/completions"
    assert (model.timeout_s, model.max_retries) == (30.0, 1)
    assert model.extra_body == {"chat_template_kwargs": {"enable_thinking": True}}
    assert model._client.headers["authorization"] == "Bearer sk-1"
    model.close()


def test_openai_from_a_mapping_with_extra_body():
    model = build_chat_model(
        "openai",
        llm={"base_url": "http://h:1/v1", "model": "m", "enable_thinking": False, "extra_body": {"top_k": 20, "chat_template_kwargs": {"x": 1}}},
    )
    assert model.extra_body == {"top_k": 20, "chat_template_kwargs": {"x": 1, "enable_thinking": False}}
    model.close()


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"base_url": "localhost:8000", "model": "m"}, r"llm.base_url must be an http\(s\) URL"),
        ({"base_url": "http://h/v1", "model": ""}, "llm.model is required"),
        ({"base_url": "http://h/v1", "model": "m", "api_key_env": "MEMD_UNSET_KEY"}, "MEMD_UNSET_KEY, which is not set"),
        ({"base_url": "http://h/v1", "model": "m", "timeout_s": 0}, "llm.timeout_s must be a number > 0"),
        ({"base_url": "http://h/v1", "model": "m", "max_retries": -1}, "llm.max_retries must be a whole number"),
    ],
)
def test_openai_config_errors_name_the_key(settings, message):
    with pytest.raises(ConfigError, match=message):
        build_chat_model("openai", llm=settings, environ={})


def test_mlx_from_config_does_not_load(tmp_path):
    model = build_chat_model("mlx", mlx={"model_path": str(tmp_path)}, llm=LLMSettings(enable_thinking=False))
    assert isinstance(model, MLXChatModel)
    assert model.template_kwargs == {"enable_thinking": False}
    with pytest.raises(ConfigError, match="mlx.model_path is required"):
        build_chat_model("mlx", mlx={"model_path": ""})
    with pytest.raises(ConfigError, match="unknown model backend 'rules'"):
        build_chat_model("rules")


def test_llm_backend_from_config(tmp_path):
    from memd.extract.llm_backend import llm_backend_from_config

    log = CallLog(tmp_path / "s.db")
    backend = llm_backend_from_config("openai", llm=LLMSettings(max_tokens=900, temperature=0.5), calllog=log)
    assert (backend.name, backend.max_tokens, backend.temperature, backend.tool_choice) == ("openai", 900, 0.5, "required")
    assert backend.model.calllog is log
    backend.model.close()
    auto = llm_backend_from_config("openai", llm={"base_url": "http://h/v1", "model": "m", "tool_choice": "none"})
    assert auto.tool_choice is None
    auto.model.close()
    log.close()
