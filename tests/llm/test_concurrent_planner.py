"""Model extraction at scale: many conversations decided at once against a real HTTP server
(the MemReader stub), applied in order through the one writer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from concurrent_support import (  # noqa: E402
    conversations, decision_rows, jobs, memory_hash, plan_and_apply, planner,
)
from memreader_stub import MemReaderStub  # noqa: E402

from memd.app import Memd  # noqa: E402
from memd.config import config_from_dict  # noqa: E402
from memd.extract.model_decider import CHITCHAT_REASON  # noqa: E402


def fresh_app(tmp_path: Path, name: str) -> Memd:
    vault = tmp_path / name / "vault"
    vault.mkdir(parents=True)
    config = config_from_dict({"vault": str(vault), "state_dir": str(tmp_path / name / "state"),
                               "writer": {"settle_seconds": 0, "fsync": False}}, tmp_path / name / "config.toml")
    return Memd(config)


@pytest.fixture
def stub():
    server = MemReaderStub()
    yield server
    server.close()


def run(tmp_path, name, url, concurrency, convs, **kwargs):
    app = fresh_app(tmp_path, name)
    p = planner(app, url, concurrency, **kwargs)
    try:
        results = plan_and_apply(app, p, convs)
        return app, p, results, memory_hash(app.config.vault), decision_rows(app)
    finally:
        p.close()
        app.close()


def test_same_memory_and_decisions_at_every_concurrency(tmp_path):
    # Replies come back out of order: each request waits a time that depends on its turn.
    server = MemReaderStub(latency_s=0.0)
    server.faults = []
    original = server.answer

    def jittered(raw):
        import time
        time.sleep((hash(raw) % 7) / 500)
        return original(raw)

    server.answer = jittered  # type: ignore[method-assign]
    convs = conversations(40)
    try:
        outcomes = [run(tmp_path, f"c{c}", server.url, c, convs) for c in (1, 4, 16)]
    finally:
        server.close()
    hashes = {o[3] for o in outcomes}
    rows = [o[4] for o in outcomes]
    assert len(hashes) == 1, "the memory differs between concurrency levels"
    assert rows[0] == rows[1] == rows[2]
    tools = {r[2] for r in rows[0]}
    assert {"add_memory", "ignore_memory", "buffer_memory"} <= tools
    user = (tmp_path / "c1" / "vault" / "memory" / "user.md").read_text()
    # The later conversation's city wins: the order of application is the order of submission.
    last_city = [c for c in convs if "I live in" in " ".join(t.text for t in c.turns)][-1]
    city = next(t.text for t in last_city.turns if "I live in" in t.text).split()[3]
    assert f"- living_location: {city}" in user
    assert server.max_in_flight > 1  # requests really were concurrent


def test_chitchat_is_skipped_and_journalled_with_a_reason(tmp_path, stub):
    app, p, results, _, rows = run(tmp_path, "a", stub.url, 4, conversations(6))
    skipped = [r for r in rows if CHITCHAT_REASON in r[3]]
    assert skipped, "greetings should be ignored without a request"
    assert not any(t in ("thanks!", "ok cool", "hello", "great, thank you") for t in stub.new_turns)
    assert sum(r.usage["skipped"] for r in results) == len(skipped)


def test_tokens_per_conversation_and_prefix_reuse(tmp_path, stub):
    app, p, results, _, _ = run(tmp_path, "a", stub.url, 2, conversations(12))
    asked = [r for r in results if r.usage["decisions"] > r.usage["skipped"]]
    assert len(asked) >= len(results) // 2
    for r in asked:
        assert r.usage["requests"] >= 1 and r.usage["prompt_tokens"] > 0 and r.usage["completion_tokens"] > 0
    progress = p.progress()
    assert progress["prompt_tokens"] == sum(r.usage["prompt_tokens"] for r in results) == stub.counts["prompt_tokens"]
    # The system prompt and tools open every request the same way: a prefix cache serves most of it.
    assert progress["cached_tokens"] > progress["prompt_tokens"] * 0.4
    assert progress["decisions"] >= len(results) and progress["decisions_per_s"] > 0


def test_rate_limits_are_waited_out_not_failed(tmp_path):
    server = MemReaderStub(rate_limit_every=3, retry_after_s=0.02)
    try:
        app, p, results, h, rows = run(tmp_path, "a", server.url, 8, conversations(16))
    finally:
        server.close()
    assert server.counts["429"] > 0
    assert all(r.failed is None for r in results)
    clean = MemReaderStub()
    try:
        assert run(tmp_path, "b", clean.url, 8, conversations(16))[3] == h
    finally:
        clean.close()


@pytest.mark.parametrize("fault", ["truncated", "html", "500", "hang"])
def test_a_bad_reply_fails_its_conversation_and_a_second_run_finishes_it(tmp_path, fault):
    convs = conversations(10)
    broken = lambda text: "Globex" in text  # noqa: E731 - one conversation's turn
    bad = MemReaderStub(faults=[(broken, fault)], hang_s=1.5)
    app = fresh_app(tmp_path, "a")
    try:
        p = planner(app, bad.url, 4, timeout_s=0.5, max_retries=1)
        results = plan_and_apply(app, p, convs)
        p.close()
    finally:
        bad.close()
    failed = [r for r in results if r.failed]
    assert [r.job.conv.source_id for r in failed] == [c.source_id for c in convs
                                                      if any("Globex" in t.text for t in c.turns)]
    assert all("turn " in r.failed for r in failed)
    answered_before = [t for t in bad.new_turns if "Globex" not in t]
    # The next run (the server is fine again) decides only the failed conversations, and asks the
    # model nothing it already answered.
    good = MemReaderStub()
    try:
        p = planner(app, good.url, 4)
        retried = [c for c in convs if c.source_id in {r.job.conv.source_id for r in failed}]
        again = plan_and_apply(app, p, retried)
        p.close()
    finally:
        good.close()
    assert all(r.failed is None for r in again)
    retried_texts = {t.text for c in retried for t in c.turns}
    assert not [t for t in good.new_turns if t in answered_before and "Globex" not in t and t in retried_texts]
    assert p.progress()["answers_reused"] > 0 or not [t for t in answered_before if t in retried_texts]
    user = (app.config.vault / "memory" / "user.md").read_text()
    app.close()
    assert "- employer:" in user


def test_malformed_tool_call_is_repaired_once_then_listed(tmp_path):
    convs = conversations(6)
    server = MemReaderStub(faults=[(lambda t: "Lisbon" in t, "malformed")])
    try:
        app, p, results, _, rows = run(tmp_path, "a", server.url, 2, convs)
    finally:
        server.close()
    invalid = [r for r in rows if "invalid tool call" in r[3]]
    assert invalid and all(r[2] == "ignore_memory" for r in invalid)
    assert sum(r.usage["invalid_calls"] for r in results) == len(invalid)
    assert any(r.failed_turns for r in results)


def test_a_dead_server_stops_the_import_asking(tmp_path):
    from memd.extract import model_decider

    convs = conversations(30)
    app = fresh_app(tmp_path, "a")
    server = MemReaderStub()
    url = server.url
    server.close()  # nothing listens any more: every request is refused
    p = planner(app, url, 4, max_retries=0)
    results = plan_and_apply(app, p, convs)
    p.close()
    app.close()
    decided = [r for r in results if r.failed is None]
    failed = [r for r in results if r.failed]
    assert failed and all(("connect" in r.failed) or ("stopped asking" in r.failed) for r in failed)
    assert p.decider.broken and model_decider.BREAKER_FAILURES <= len(failed)
    # Conversations of nothing but chit-chat need no model: they went through.
    assert all(r.usage["requests"] == 0 for r in decided)


def test_jobs_come_back_in_submission_order(tmp_path, stub):
    app = fresh_app(tmp_path, "a")
    p = planner(app, stub.url, 8)
    convs = conversations(20)
    for job in jobs(convs):
        p.submit(job)
    seqs = [r.job.seq for r in p.results()]
    p.close()
    app.close()
    assert seqs == list(range(20))


def test_a_request_the_server_refuses_is_ignored_and_listed_not_retried_forever(tmp_path):
    server = MemReaderStub()
    original = server.answer

    def refuse_long(raw):
        if b"Globex" in raw:
            return 400, b'{"error": {"message": "maximum context length exceeded"}}', {}
        return original(raw)

    server.answer = refuse_long  # type: ignore[method-assign]
    try:
        app, p, results, _, rows = run(tmp_path, "a", server.url, 4, conversations(10))
    finally:
        server.close()
    assert all(r.failed is None for r in results)
    listed = [t for r in results for t in r.failed_turns]
    assert listed and all("maximum context length" in t for t in listed)
    assert any("the server refused the request" in r[3] for r in rows)


def test_snapshot_search_is_memory_at_the_start_plus_the_conversations_own_facts(tmp_path):
    from memd.extract.model_snapshot import MemorySnapshot, StreamFacts

    mem = tmp_path / "memory"
    (mem / "entities").mkdir(parents=True)
    (mem / "user.md").write_text("# User\n- employer: Acme\n- living_location: Lisbon\n")
    (mem / "entities" / "ana.md").write_text("# Ana\n- relationship: sister\n")
    (mem / "Review.md").write_text("- [ ] employer: Globex?\n")
    snap = MemorySnapshot.read(tmp_path, "memory", skip=("Review.md",))
    assert snap.search("where does the user work, employer") == "[memory/user.md]\n- employer: Acme"
    assert "Globex" not in snap.search("employer Globex")
    assert snap.search("sister Ana").startswith("[memory/entities/ana.md]")
    assert snap.search("the of and") == "No matching memories."
    facts = StreamFacts()
    facts.added("c1", [{"key": "employer", "value": "Hooli", "memory_type": "UserMemory", "tags": []}])
    assert "Hooli" in snap.search("employer", facts.of("c1")) and facts.of("c2") == []
    facts.reset()
    assert facts.of("c1") == []
