"""The openai backend as a user meets it: `extract.backend = "openai"` in the config, and the
real CLI (`memd remember`, `memd ingest`, `memd doctor`) against a local OpenAI-compatible stub
replaying server-shaped responses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

MEMD = [sys.executable, "-m", "memd"]


@pytest.fixture
def llm_env(tmp_path, vault, stub):
    cfg = tmp_path / "config.toml"
    env = dict(os.environ, MEMD_CONFIG=str(cfg), OPENAI_KEY_FOR_TEST="sk-test-123")
    r = subprocess.run(MEMD + ["init", str(vault)], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    cfg.write_text(cfg.read_text() + f"""
[writer]
settle_seconds = 0.0

[extract]
backend = "openai"

[llm]
base_url = "{stub.url}"
model = "MemReader-4B-thinking"
api_key_env = "OPENAI_KEY_FOR_TEST"
timeout_s = 10.0
max_retries = 0
""")
    return env


def test_remember_through_an_openai_compatible_server(llm_env, vault, stub, make_vllm_call):
    stub.queue(make_vllm_call("add_memory", {
        "memory_list": [{"key": "living_location", "memory_type": "UserMemory", "value": "Lisbon", "tags": ["location"]},
                        {"key": "job_title", "memory_type": "LongTermMemory", "value": "chef", "tags": ["work"],
                         "entity": "Joao", "relation": "partner"}],
        "summary": "where the user lives; the partner's job"}, reasoning="Two durable facts."))
    r = subprocess.run(MEMD + ["remember", "I live in Lisbon and my partner Joao is a chef", "--json"], env=llm_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    decision = json.loads(r.stdout)["decisions"][0]
    assert decision["tool"] == "add_memory" and decision["reasoning"] == "Two durable facts."
    user = (vault / "memory/user.md").read_text()
    assert "- living_location: Lisbon" in user and "- partner: [[entities/joao.md]]" in user
    assert "- job_title: chef" in (vault / "memory/entities/joao.md").read_text()
    [request] = stub.requests
    assert request.path == "/v1/chat/completions" and request.headers["authorization"] == "Bearer sk-test-123"
    body = request.json
    assert body["model"] == "MemReader-4B-thinking"
    assert {t["function"]["name"] for t in body["tools"]} == {"search_memory", "add_memory", "buffer_memory",
                                                             "ignore_memory"}
    assert "I live in Lisbon" in json.dumps(body["messages"])


def test_a_secret_never_reaches_the_model(llm_env, stub, make_vllm_call):
    stub.queue(make_vllm_call("ignore_memory", {"reason": "a credential, not a memory"}))
    r = subprocess.run(MEMD + ["ingest", "--stream", "s1", "--text", "my api key is sk-abcdefghijklmnopqrstuvwxyz123456"],
                       env=llm_env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    sent = json.dumps(stub.requests[0].json)
    assert "sk-abcdefghijklmnopqrstuvwxyz123456" not in sent and "[REDACTED:key]" in sent


def test_a_server_that_is_down_keeps_the_turn_and_says_so(llm_env, stub):
    stub.queue_reply(500, {"error": "model overloaded"})
    r = subprocess.run(MEMD + ["ingest", "--stream", "s2", "--text", "I adopted a cat named Miso"], env=llm_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "kept and will be retried" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    d = json.loads(subprocess.run(MEMD + ["decisions", "--json"], env=llm_env, capture_output=True, text=True).stdout)
    assert d["buffers"][0]["stream"] == "s2"


def test_doctor_checks_the_server_and_the_model(llm_env, stub):
    r = subprocess.run(MEMD + ["doctor", "--json"], env=llm_env, capture_output=True, text=True, timeout=60)
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["LLM backend"]["status"] == "ok" and "MemReader-4B-thinking" in checks["LLM backend"]["detail"]
    stub.models = ["qwen3-8b"]
    r = subprocess.run(MEMD + ["doctor", "--json"], env=llm_env, capture_output=True, text=True, timeout=60)
    check = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["LLM backend"]
    assert check["status"] == "fail" and "does not serve 'MemReader-4B-thinking'" in check["detail"]
    assert check["fix"] == "fix llm.model" and r.returncode == 1


def test_doctor_says_when_the_server_is_down(llm_env, refused_url):
    cfg = llm_env["MEMD_CONFIG"]
    text = open(cfg).read()
    open(cfg, "w").write(text.replace('base_url = "http://127.0.0.1', f'base_url = "{refused_url}"  # was http://127.0.0.1', 1))
    r = subprocess.run(MEMD + ["doctor", "--json"], env=llm_env, capture_output=True, text=True, timeout=60)
    check = {c["name"]: c for c in json.loads(r.stdout)["checks"]}["LLM backend"]
    assert check["status"] == "fail" and "cannot reach" in check["detail"] and "start the model server" in check["fix"]
