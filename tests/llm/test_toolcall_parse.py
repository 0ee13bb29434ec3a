import json

import pytest

from memd.llm.thinking import prompt_opens_thinking, split_thinking
from memd.llm.toolcall_parse import ArgumentsError, call_from_object, parse_arguments, parse_tool_calls

ADD = {"memory_list": [{"key": "k", "memory_type": "UserMemory", "value": "v", "tags": []}], "summary": "s"}


def test_hermes_block_with_text_around():
    text = 'Sure.\n<tool_call>\n{"name": "add_memory", "arguments": %s}\n</tool_call>\nDone.' % json.dumps(ADD)
    out = parse_tool_calls(text)
    assert [c.name for c in out.calls] == ["add_memory"]
    assert out.calls[0].arguments == ADD
    assert out.problems == []
    assert out.text == "Sure.\n\nDone."
    assert '"add_memory"' in out.calls[0].raw


def test_multiple_blocks_keep_order_and_report_broken_ones():
    text = (
        '<tool_call>{"name": "search_memory", "arguments": {"query": "Michael"}}</tool_call>'
        '<tool_call>{"name": "ignore_memory", "arguments": {"reason": </tool_call>'
        '<tool_call>{"name": "ignore_memory", "arguments": {"reason": "chit-chat"}}</tool_call>'
    )
    out = parse_tool_calls(text)
    assert [c.name for c in out.calls] == ["search_memory", "ignore_memory"]
    assert len(out.problems) == 1 and out.problems[0].startswith("tool call 2: invalid JSON")


def test_unclosed_block_with_cut_json_is_a_problem_not_a_call():
    text = '<tool_call>\n{"name": "add_memory", "arguments": {"memory_list": [{"key": "Rust'
    out = parse_tool_calls(text)
    assert out.calls == []
    assert "invalid JSON" in out.problems[0] and "not closed" in out.problems[0]


def test_unclosed_block_with_complete_json_is_a_call():
    out = parse_tool_calls('<tool_call>\n{"name": "ignore_memory", "arguments": {"reason": "noise"}}')
    assert [c.arguments for c in out.calls] == [{"reason": "noise"}]


def test_block_with_fence_inside_and_trailing_garbage():
    text = '<tool_call>\n```json\n{"name": "buffer_memory", "arguments": {"reason": "wait"}} trailing words\n```\n</tool_call>'
    out = parse_tool_calls(text)
    assert out.calls[0].name == "buffer_memory" and out.calls[0].arguments == {"reason": "wait"}


def test_empty_block_and_block_without_json():
    out = parse_tool_calls("<tool_call>\n</tool_call><tool_call>add_memory please</tool_call>")
    assert out.calls == []
    assert out.problems == ["tool call 1: the <tool_call> block is empty", "tool call 2: no JSON object in the <tool_call> block"]


def test_arguments_as_string_and_double_encoded_string():
    inner = json.dumps({"reason": "x"})
    out = parse_tool_calls('<tool_call>{"name": "ignore_memory", "arguments": %s}</tool_call>' % json.dumps(inner))
    assert out.calls[0].arguments == {"reason": "x"}
    assert parse_arguments(json.dumps(inner)) == {"reason": "x"}


def test_arguments_that_are_not_an_object_are_reported():
    out = parse_tool_calls('<tool_call>{"name": "ignore_memory", "arguments": ["x"]}</tool_call>')
    assert out.calls == []
    assert out.problems == ["tool call 1: ignore_memory: arguments must be a JSON object, not an array"]
    with pytest.raises(ArgumentsError, match="not valid JSON"):
        parse_arguments('{"reason": ')


def test_list_of_calls_in_one_block():
    text = '<tool_call>[{"name": "search_memory", "arguments": {"query": "a"}}, {"name": "search_memory", "arguments": {"query": "b"}}]</tool_call>'
    assert [c.arguments["query"] for c in parse_tool_calls(text).calls] == ["a", "b"]


def test_json_in_code_fence_with_chatter():
    text = 'I will store this.\n```json\n{"name": "add_memory", "arguments": %s}\n```\nThat is all.' % json.dumps(ADD)
    out = parse_tool_calls(text)
    assert out.calls[0].name == "add_memory"
    assert out.text == "I will store this.\n\nThat is all."


def test_bare_json_with_trailing_garbage_and_parameters_key():
    out = parse_tool_calls('{"name": "ignore_memory", "parameters": {"reason": "hi"}}} and then some')
    assert out.calls[0].arguments == {"reason": "hi"}
    assert out.text == "} and then some"


def test_bare_json_that_is_not_a_call_is_left_alone():
    out = parse_tool_calls('The config is {"a": 1} and [1, 2].')
    assert out.calls == [] and out.problems == []
    assert out.text == 'The config is {"a": 1} and [1, 2].'


def test_broken_bare_call_is_reported_and_inner_objects_are_not_taken_as_calls():
    text = '```json\n{"name": "add_memory", "arguments": {"memory_list": [{"key": "a", "value": "b"}], "summary": \n```'
    out = parse_tool_calls(text)
    assert out.calls == []
    assert len(out.problems) == 1 and out.problems[0].startswith("a tool call's JSON is invalid")


def test_broken_call_then_good_fenced_call():
    text = '```json\n{"name": "add_memory", "arguments": {\n```\nsorry:\n```json\n{"name": "ignore_memory", "arguments": {"reason": "r"}}\n```'
    out = parse_tool_calls(text)
    assert [c.name for c in out.calls] == ["ignore_memory"]
    assert len(out.problems) == 1


def test_wrapped_forms():
    openai_style = {"type": "function", "id": "call_1", "function": {"name": "ignore_memory", "arguments": '{"reason": "r"}'}}
    call = call_from_object(openai_style)
    assert (call.name, call.arguments, call.id) == ("ignore_memory", {"reason": "r"}, "call_1")
    wrapped = parse_tool_calls(json.dumps({"tool_call": {"name": "ignore_memory", "arguments": {"reason": "r"}}}))
    assert wrapped.calls[0].name == "ignore_memory"


def test_call_without_name_is_an_error():
    with pytest.raises(ArgumentsError, match='no "name"'):
        call_from_object({"arguments": {}})


def test_plain_text_has_no_calls():
    out = parse_tool_calls("Nothing worth storing here.")
    assert out.calls == [] and out.problems == [] and out.text == "Nothing worth storing here."


def test_split_thinking_shapes():
    assert split_thinking("<think>\nplan\n</think>\n\nanswer") == ("plan", "answer")
    assert split_thinking("plan opened by the template</think>answer") == ("plan opened by the template", "answer")
    assert split_thinking("<think>cut off while thin") == ("cut off while thin", "")
    assert split_thinking("a<think>x</think>b<think>y</think>c") == ("x\ny", "abc")
    assert split_thinking("no thinking") == (None, "no thinking")
    assert split_thinking("<think>\n\n</think>answer") == (None, "answer")


def test_prompt_opens_thinking():
    assert prompt_opens_thinking("<|im_start|>assistant\n<think>\n")
    assert not prompt_opens_thinking("<think>old</think><|im_start|>assistant\n")
    assert not prompt_opens_thinking("<|im_start|>assistant\n")


from hypothesis import given, settings
from hypothesis import strategies as st

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('{}[]":, <>/_abnmetoolcalgrus\n`')), max_size=200))
def test_never_raises_and_only_returns_well_formed_calls(text):
    out = parse_tool_calls(text)
    for c in out.calls:
        assert isinstance(c.name, str) and c.name and isinstance(c.arguments, dict)


@settings(max_examples=100, deadline=None)
@given(arguments=st.dictionaries(st.text(min_size=1, max_size=10), _JSON_VALUES, min_size=1, max_size=4), data=st.data())
def test_a_cut_call_is_never_returned(arguments, data):
    payload = json.dumps({"name": "add_memory", "arguments": arguments})
    cut = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    for text in (f"<tool_call>\n{payload[:cut]}", payload[:cut]):
        assert parse_tool_calls(text).calls == []
    full = parse_tool_calls(f"<tool_call>\n{payload}\n</tool_call>")
    assert [c.arguments for c in full.calls] == [arguments]
