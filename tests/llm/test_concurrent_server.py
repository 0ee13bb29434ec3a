"""Which server memd talks to, how many requests it keeps in flight, and how it backs off."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from memreader_stub import MemReaderStub  # noqa: E402

from memd.llm.openai_compat import OpenAICompatModel  # noqa: E402
from memd.llm.overload import OverloadGate  # noqa: E402
from memd.llm.server_kind import detect_kind, probe_kind, resolve_concurrency  # noqa: E402


def test_kind_from_what_the_server_says_else_its_port():
    assert detect_kind("http://h:9999/v1", models_body={"data": [{"id": "m", "owned_by": "vllm"}]}) == "vllm"
    assert detect_kind("http://h:9999/v1", models_body={"data": [{"id": "m", "owned_by": "sglang"}]}) == "sglang"
    assert detect_kind("http://h:9999/v1", models_body={"data": [{"id": "m", "owned_by": "library"}]}) == "ollama"
    assert detect_kind("http://h:9999/v1", models_body={"data": [{"id": "m", "meta": {"n_ctx_train": 4096}}]}) == "llama.cpp"
    assert detect_kind("http://localhost:11434/v1") == "ollama"
    assert detect_kind("http://localhost:1234/v1") == "lmstudio"
    assert detect_kind("http://localhost:30000/v1", models_body="<html>") == "sglang"
    assert detect_kind("http://example.com/v1") == "unknown"


def test_concurrency_by_kind_unless_configured():
    assert resolve_concurrency("openai", 0, "vllm")[0] == 32
    assert resolve_concurrency("openai", 0, "sglang")[0] == 32
    assert resolve_concurrency("openai", 0, "ollama")[0] == 4
    assert resolve_concurrency("openai", 0, "llama.cpp")[0] == 4
    assert resolve_concurrency("openai", 0, None)[0] == 8
    assert resolve_concurrency("openai", 12, "vllm") == (12, "llm.concurrency")
    assert resolve_concurrency("openai", 10_000, "vllm")[0] == 256
    assert resolve_concurrency("mlx", 12, None)[0] == 1


def test_probe_asks_the_server():
    stub = MemReaderStub(owned_by="sglang")
    try:
        assert probe_kind(stub.url) == "sglang"
    finally:
        stub.close()


def test_gate_cuts_on_overload_once_per_cooldown_and_grows_back(monkeypatch):
    from memd.llm import overload

    clock = [100.0]
    monkeypatch.setattr(overload, "_clock", lambda: clock[0])
    gate = OverloadGate(8)
    gate.enter()
    gate.leave(overloaded=True)
    assert gate.allowed == 6 and gate.overloads == 1
    gate.enter()
    gate.leave(overloaded=True)  # an answer to a request sent before the cut: no second cut
    assert gate.allowed == 6 and gate.overloads == 2
    clock[0] += overload.COOLDOWN_S
    gate.enter()
    gate.leave(overloaded=True)
    assert gate.allowed == 4
    for _ in range(4):
        gate.enter()
        gate.leave()
    assert gate.allowed == 5
    gate.enter()
    gate.leave(ok=False)  # a failure is not a success: no growth
    assert gate.allowed == 5
    small = OverloadGate(1)
    small.enter()
    small.leave(overloaded=True)
    assert small.allowed == 1


def test_gate_holds_everyone_until_retry_after():
    gate = OverloadGate(4)
    gate.enter()
    gate.leave(overloaded=True, retry_after=0.3)
    t0 = time.monotonic()
    gate.enter()
    assert time.monotonic() - t0 >= 0.25
    gate.leave()


def test_a_429_slows_every_thread_of_the_client():
    stub = MemReaderStub(rate_limit_every=2, retry_after_s=0.2)
    model = OpenAICompatModel(stub.url, "m", max_retries=0, concurrency=8)
    msgs = [{"role": "system", "content": "s"}, {"role": "user", "content": "[user] (new): hello"}]
    errors = []

    def call():
        try:
            model.chat(msgs, max_tokens=16)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    try:
        t0 = time.monotonic()
        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
    finally:
        stub.close()
        model.close()
    assert not errors  # every 429 was retried (overload gets more tries than a failure)
    assert stub.counts["429"] >= 4 and elapsed >= 0.2
    assert model.gate.overloads == stub.counts["429"] and model.gate.allowed < 8
