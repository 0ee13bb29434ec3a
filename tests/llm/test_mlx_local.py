"""The mlx backend on a tiny random qwen3 built in the test (conftest.build_tiny_model).

A random model writes garbage, so these tests check what the backend does with garbage
(parse nothing, repair once, ignore with a warning, log every call) and that the prompt cache
is reused across the steps of a turn without changing what the model generates.
"""

import json
import logging
import sys

import pytest

from memd.extract.llm_backend import INVALID_CALL_REASON, LLMBackend
from memd.extract.tools import TOOLS, DecisionRequest, SearchStep, Turn
from memd.llm.errors import LLMDependencyError, LLMModelLoadError
from memd.llm.mlx_local import MLXChatModel

SYSTEM = {"role": "system", "content": "You are a memory extraction agent."}
USER = {"role": "user", "content": "Please analyze the following conversation and decide what to store:\n\n[user] (new): I moved to Lisbon."}
SEARCH_STEP = [
    {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "search_memory", "arguments": json.dumps({"query": "Lisbon"})}}],
    },
    {"role": "tool", "tool_call_id": "c1", "name": "search_memory", "content": "- living_location: Porto"},
]


@pytest.fixture
def model(tiny_model_path, calllog):
    m = MLXChatModel(tiny_model_path, enable_thinking=False, calllog=calllog)
    yield m
    m.close()


def prompt_ids(model, messages, tools=TOOLS):
    model.load()
    text = model._render(messages, tools)
    return model._tokenizer.encode(text, add_special_tokens=False)


def test_generation_is_parsed_and_logged(model, calllog):
    result = model.chat([SYSTEM, USER], tools=TOOLS, max_tokens=12, temperature=0.0, tag="probe")
    assert result.finish_reason in ("length", "stop")
    assert result.usage.completion_tokens == model.last_stats.generated_tokens <= 12
    assert result.usage.prompt_tokens == len(prompt_ids(model, [SYSTEM, USER]))
    assert result.raw_response["text"]
    assert result.tool_calls == []  # garbage from random weights holds no call
    (row,) = calllog.recent(5)
    assert (row.backend, row.model, row.tag) == ("mlx", model.model_path.name, "probe")
    assert row.request_messages == [SYSTEM, USER]
    assert row.completion_tokens == result.usage.completion_tokens


def test_tools_are_rendered_into_the_prompt(model):
    model.load()
    text = model._render([SYSTEM, USER, *SEARCH_STEP], TOOLS)
    assert '"name": "ignore_memory"' in text
    # arguments given as a JSON string are handed to the template as an object
    assert '<tool_call>\n{"name": "search_memory", "arguments": {"query": "Lisbon"}}\n</tool_call>' in text
    assert "<tool_response>\n- living_location: Porto\n</tool_response>" in text


def test_prompt_cache_is_reused_across_steps(model):
    first = model.chat([SYSTEM, USER], tools=TOOLS, max_tokens=8, temperature=0.0)
    assert first.usage.cached_tokens == 0
    first_prompt = first.usage.prompt_tokens

    second = model.chat([SYSTEM, USER, *SEARCH_STEP], tools=TOOLS, max_tokens=8, temperature=0.0)
    stats = model.last_stats
    # the search step only appended: all of the first prompt (bar a token merged across the
    # boundary) comes from the cache, and only the appended part is prefilled
    assert stats.reused_tokens >= first_prompt - 2
    assert stats.prefilled_tokens == stats.prompt_tokens - stats.reused_tokens
    assert stats.prefilled_tokens < stats.prompt_tokens - first_prompt + 3
    assert second.usage.cached_tokens == stats.reused_tokens

    # the same prompt again: everything but the last token is reused
    third = model.chat([SYSTEM, USER, *SEARCH_STEP], tools=TOOLS, max_tokens=8, temperature=0.0)
    assert model.last_stats.reused_tokens == model.last_stats.prompt_tokens - 1
    assert third.raw_response["text"] == second.raw_response["text"]


def test_reused_cache_generates_what_a_fresh_cache_does(model):
    model.chat([SYSTEM, USER], tools=TOOLS, max_tokens=16, temperature=0.0)
    warm = model.chat([SYSTEM, USER, *SEARCH_STEP], tools=TOOLS, max_tokens=16, temperature=0.0)
    assert model.last_stats.reused_tokens > 0
    model.reset_cache()
    cold = model.chat([SYSTEM, USER, *SEARCH_STEP], tools=TOOLS, max_tokens=16, temperature=0.0)
    assert model.last_stats.reused_tokens == 0
    assert warm.raw_response["text"] == cold.raw_response["text"]


def test_a_diverging_prompt_trims_the_cache(model):
    model.chat([SYSTEM, USER], tools=TOOLS, max_tokens=4, temperature=0.0)
    other_user = {"role": "user", "content": "Something else entirely."}
    model.chat([SYSTEM, other_user], tools=TOOLS, max_tokens=4, temperature=0.0)
    stats = model.last_stats
    shared = prompt_ids(model, [SYSTEM, other_user])
    original = prompt_ids(model, [SYSTEM, USER])
    common = next(i for i, (a, b) in enumerate(zip(shared, original)) if a != b)
    assert stats.reused_tokens == common  # system prompt and tools kept, the rest recomputed


def test_thinking_opened_by_the_template_is_split_off(tiny_model_path):
    thinking = MLXChatModel(tiny_model_path, enable_thinking=True)
    result = thinking.chat([SYSTEM, USER], tools=TOOLS, max_tokens=10, temperature=0.0)
    text = result.raw_response["text"]
    assert "</think>" not in text  # garbage never closes the block...
    assert result.content == ""  # ...so everything the model wrote is reasoning
    assert result.reasoning == (text.strip() or None)
    thinking.close()


def test_backend_on_garbage_repairs_once_then_ignores(model, calllog, caplog):
    backend = LLMBackend(model, max_tokens=16, temperature=0.0)
    request = DecisionRequest(
        new_turn=Turn(stream="s", role="user", text="I moved to Lisbon last week."),
        user_names=["Sam"],
        today="2024-05-02",
    )
    with caplog.at_level(logging.WARNING, logger="memd.extract.llm"):
        call = backend.decide(request)
    assert backend.name == "mlx"
    assert call.name == "ignore_memory"
    assert call.arguments["reason"].startswith(f"{INVALID_CALL_REASON} after one repair retry")
    assert any(INVALID_CALL_REASON in r.message for r in caplog.records)

    repair, first = calllog.recent(2)
    assert (first.tag, repair.tag) == ("extract", "extract-repair")
    # the repair appends to the first prompt, so its prefix comes from the cache
    assert repair.cached_tokens >= first.prompt_tokens - 2
    assert repair.request_messages[: len(first.request_messages)] == first.request_messages
    assert repair.request_messages[-1]["content"].startswith("Your previous reply could not be used:")


def test_search_step_of_a_turn_reuses_the_turn_prefix(model, calllog):
    backend = LLMBackend(model, max_tokens=8, temperature=0.0)
    turn = Turn(stream="s", role="user", text="He said the Rust rewrite is on.")
    backend.decide(DecisionRequest(new_turn=turn, today="2024-05-02"))
    first_prompt = calllog.recent(2)[-1].prompt_tokens
    backend.decide(DecisionRequest(new_turn=turn, today="2024-05-02", searches=[SearchStep("Rust rewrite", "- project: recsys")]))
    step = calllog.recent(4)[1]  # the first call of the second step
    assert step.tag == "extract"
    assert step.cached_tokens >= first_prompt - 2


def test_missing_mlx_extra_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "mlx_lm", None)  # import mlx_lm now raises ImportError
    with pytest.raises(LLMDependencyError) as info:
        MLXChatModel(tmp_path).load()
    assert "needs the mlx extra" in str(info.value)
    assert str(info.value).endswith("(pip install 'memd-vault[mlx]')")


def test_missing_model_folder(tmp_path):
    with pytest.raises(LLMModelLoadError, match="config.json not found"):
        MLXChatModel(tmp_path / "nowhere").chat([USER])


def test_a_template_that_drops_tools_is_refused(tiny_model_path, tmp_path):
    import shutil

    folder = tmp_path / "no-tools"
    shutil.copytree(tiny_model_path, folder)
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n"
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    model = MLXChatModel(folder)
    with pytest.raises(LLMModelLoadError, match="does not render tools"):
        model.chat([SYSTEM, USER], tools=TOOLS)
    assert model.chat([SYSTEM, USER], max_tokens=2).usage.completion_tokens <= 2  # without tools it works
    model.close()
