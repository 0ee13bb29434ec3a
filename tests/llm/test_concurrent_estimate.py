"""`memd import --dry-run` with a model backend: the estimate from a short timed sample against
a real server (the MemReader stub)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from concurrent_support import conversations  # noqa: E402
from memreader_stub import MemReaderStub  # noqa: E402

from memd.extract.llm_backend import LLMBackend  # noqa: E402
from memd.extract.model_decider import is_chitchat  # noqa: E402
from memd.extract.model_estimate import ModelEstimate, describe  # noqa: E402
from memd.extract.tools import Turn  # noqa: E402
from memd.llm.openai_compat import OpenAICompatModel  # noqa: E402


def test_estimate_counts_exactly_and_measures_the_server(config):
    stub = MemReaderStub(latency_s=0.05)
    try:
        convs = conversations(30)
        est = ModelEstimate(sample=6)
        for conv in convs:
            est.add(conv)
        backend = LLMBackend(OpenAICompatModel(stub.url, "MemReader-4B-thinking"))
        out = est.measure(backend, config, concurrency=16)
    finally:
        stub.close()
    user_turns = [t for c in convs for t in c.turns if t.role == "user"]
    chit = [t for t in user_turns if is_chitchat(Turn("s", "user", t.text))]
    assert out["turns_to_decide"] == len(user_turns) and out["skipped_chitchat"] == len(chit) > 0
    assert out["turns_to_model"] == len(user_turns) - len(chit)
    assert out["sample"] == 6 and stub.counts["requests"] >= 6  # the sample really went to the server
    assert out["requests"] >= out["turns_to_model"] and out["prompt_tokens"] > 0
    assert 0.04 < out["latency_s"] < 1.0
    # Measured with 3 in flight; 16 is beyond what was measured and said to be assumed.
    assert set(out["seconds"]) == {"1", "3", "16"} and out["assumed_beyond"] == 3
    assert out["seconds"]["3"] > out["seconds"]["16"]  # (measured levels are timings: not compared)
    text = "\n".join(describe(out))
    assert "skipped as chit-chat" in text and "(assumed)" in text and "(configured: 16)" in text


def test_estimate_of_nothing_to_decide_sends_nothing(config):
    stub = MemReaderStub()
    try:
        est = ModelEstimate()
        out = est.measure(LLMBackend(OpenAICompatModel(stub.url, "m")), config, concurrency=4)
    finally:
        stub.close()
    assert out["requests"] == 0 and stub.counts["requests"] == 0
