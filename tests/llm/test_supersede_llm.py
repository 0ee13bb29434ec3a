"""A model's updates get the guarantees the rules backend's get (issue 9, deliver 8): an item
marked as an update replaces the line memory holds, found by its old value in the file's own
layout, with the old value kept in History; an unmarked single-valued fact still finds its line
under a key that means the same. Recorded vLLM-shaped replies from the local stub server."""

from __future__ import annotations

from memd.extract.llm_backend import LLMBackend
from memd.extract.loop import ExtractionLoop
from memd.extract.tools import Turn
from memd.llm.factory import build_chat_model
from memd.state import Source
from memd.vault.operations import CreateFile

USER = "# Ana\n\n## Basic Information\n- **Occupation**: Electrician\n- **Specialty**: Materials Science\n"


def _loop(app, stub):
    app.config.llm.base_url = stub.url
    app.config.llm.model = "MemReader-4B-thinking"
    app.config.llm.max_retries = 0
    return ExtractionLoop(app, LLMBackend(build_chat_model("openai", llm=app.config.llm)))


def test_model_update_replaces_in_place_with_history(app, stub, make_vllm_call):
    app.writer.apply(CreateFile("memory/user.md", USER), Source("test"))
    stub.queue(make_vllm_call("add_memory", {"memory_list": [
        {"key": "expertise", "memory_type": "UserMemory", "value": "Quantum Materials Engineering",
         "tags": ["update", "replaces:Materials Science"]},
        {"key": "job_title", "memory_type": "UserMemory", "value": "Research Engineer", "tags": ["work"]},
    ], "summary": "specialty and job changed"}))
    loop = _loop(app, stub)
    loop.process(Turn(stream="c", role="user", turn_id="1", time="2025-03-10T09:00:00Z",
                      text="My specialty is Quantum Materials Engineering now, not Materials Science; I'm a research engineer."))
    text = (app.config.vault / "memory/user.md").read_text(encoding="utf-8")
    head, hist = text.split("## History")
    assert "- **Specialty**: Quantum Materials Engineering" in head and "Materials Science\n" not in head
    assert "- **Occupation**: Research Engineer" in head  # job_title found its synonym in place
    assert "- **Previous Specialty**: Materials Science" in hist
    assert "Electrician" not in hist  # an unmarked replacement leaves no History line (journal only)
    # The prompt told the model how to mark updates.
    system = stub.requests[0].json["messages"][0]["content"]
    assert '"update"' in system and "replaces:<the old value>" in system


def test_model_negation_removes_the_line_the_user_meant(app, stub, make_vllm_call):
    app.writer.apply(CreateFile("memory/user.md", "# User Information\n- employer: St. Mary's Hospital\n"), Source("test"))
    stub.queue(make_vllm_call("add_memory", {"memory_list": [
        {"key": "employer", "memory_type": "UserMemory", "value": "St. Mary's", "tags": ["work", "negation"]},
    ], "summary": "left the hospital"}))
    _loop(app, stub).process(Turn(stream="c", role="user", turn_id="1", text="I don't work at St. Mary's anymore."))
    assert "employer" not in (app.config.vault / "memory/user.md").read_text(encoding="utf-8")
