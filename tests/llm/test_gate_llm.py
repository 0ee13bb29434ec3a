"""A model's add_memory gets the guarantees the rules backend's gets: the value gate refuses
junk values and non-entities, ISO weeks become months, and an undated import turn is sent to
the model without an invented "today". Recorded vLLM-shaped replies from the local stub server."""

from __future__ import annotations

from memd.extract.llm_backend import LLMBackend
from memd.extract.loop import ExtractionLoop
from memd.extract.tools import Turn
from memd.llm.factory import build_chat_model


def _loop(app, stub, source_kind="ingest"):
    app.config.llm.base_url = stub.url
    app.config.llm.model = "MemReader-4B-thinking"
    app.config.llm.max_retries = 0
    return ExtractionLoop(app, LLMBackend(build_chat_model("openai", llm=app.config.llm)), source_kind=source_kind)


def test_model_junk_is_dropped_and_shown(app, stub, make_vllm_call):
    stub.queue(make_vllm_call("add_memory", {"memory_list": [
        {"key": "likes", "memory_type": "UserMemory", "value": "because and surrounding myself with friends", "tags": []},
        {"key": "employer", "memory_type": "UserMemory", "value": "Stripe", "tags": ["work"]},
        {"key": "event", "memory_type": "LongTermMemory", "value": "unexpected event", "tags": [], "entity": "Evan"},
        {"key": "mood", "memory_type": "UserMemory", "value": "fine", "tags": [], "entity": "Thankfully"},
        {"key": "event", "memory_type": "LongTermMemory", "value": "2024-W18: joined Stripe", "tags": []},
    ], "summary": "s"}))
    app.config.import_.me = ["Evan"]
    loop = _loop(app, stub)
    d = loop.process(Turn(stream="c", role="user", text="Thankfully I joined Stripe last week", turn_id="1",
                          time="2024-05-06T09:00:00Z"))
    mem = app.config.vault / app.memory_dir
    user = (mem / "user.md").read_text(encoding="utf-8")
    assert "- employer: Stripe" in user and "2024-05: joined Stripe" in user
    assert "because and" not in user and "unexpected event" not in user
    assert not (mem / "entities" / "evan.md").exists() and not (mem / "entities" / "thankfully.md").exists()
    assert len([w for w in d.warnings if w.startswith("dropped")]) == 3


def test_undated_import_turn_tells_the_model_the_date_is_unknown(app, stub, make_vllm_call):
    stub.queue(make_vllm_call("ignore_memory", {"reason": "nothing"}))
    loop = _loop(app, stub, source_kind="import:openai_jsonl")
    loop.process(Turn(stream="c", role="user", text="I lost my tennis match today", turn_id="1"))
    system, user = (m["content"] for m in stub.requests[0].json["messages"][:2])
    assert "Today is" not in user and "date of this conversation is unknown" in user
    assert "never ISO weeks" in system
