"""A real import (run_import: parse, stage, transcripts, model decisions, the writer, the ledger)
of a generated ChatGPT export, decided by the MemReader stub at several concurrency levels."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent / "bench"))
from concurrent_support import memory_hash  # noqa: E402
from memreader_stub import MemReaderStub  # noqa: E402
from model_bench import generate_export  # noqa: E402

from memd.app import Memd  # noqa: E402
from memd.config import config_from_dict  # noqa: E402


def test_the_pipeline_picks_the_model_planner_for_a_model_backend(tmp_path):
    from datetime import timezone

    from memd.extract.llm_backend import LLMBackend
    from memd.extract.model_planner import ModelPlanner
    from memd.importers.plan import SequentialPlanner, planner_for
    from memd.llm.openai_compat import OpenAICompatModel

    stub = MemReaderStub()
    app = make_app(tmp_path, stub.url, 0)
    try:
        backend = LLMBackend(OpenAICompatModel(stub.url, "MemReader-4B-thinking"))
        planner = planner_for(backend, app.config, tz=timezone.utc, tz_name=None, jobs=1)
        assert isinstance(planner, ModelPlanner) and planner.concurrency == 32  # server_kind vllm, concurrency 0: the default for vLLM
        planner.close()
        rules = planner_for(None, app.config, tz=timezone.utc, tz_name=None, jobs=1, parallel=False)
        assert isinstance(rules, SequentialPlanner)
    finally:
        app.close()
        stub.close()


def make_app(root: Path, url: str, concurrency: int) -> Memd:
    vault = root / "vault"
    vault.mkdir(parents=True, exist_ok=True)
    return Memd(config_from_dict({
        "vault": str(vault), "state_dir": str(root / "state"), "writer": {"settle_seconds": 0, "fsync": False},
        "extract": {"backend": "openai"},
        "llm": {"base_url": url, "model": "MemReader-4B-thinking", "concurrency": concurrency,
                "server_kind": "vllm", "timeout_s": 1.0, "max_retries": 1},
    }, root / "config.toml"))


def do_import(app: Memd, export: Path):
    from memd.importers.pipeline import ImportRequest, run_import

    return run_import(app, ImportRequest(str(export), "chatgpt"))


def test_import_gives_the_same_memory_at_concurrency_1_and_16(tmp_path):
    export = tmp_path / "conversations.json"
    generate_export(export, 60, seed=3)
    stub = MemReaderStub(latency_s=0.01)
    try:
        outcomes = []
        for level in (1, 16):
            app = make_app(tmp_path / f"c{level}", stub.url, level)
            try:
                report = do_import(app, export)
            finally:
                app.close()
            outcomes.append((report, memory_hash(tmp_path / f"c{level}" / "vault")))
    finally:
        stub.close()
    (r1, h1), (r16, h16) = outcomes
    assert h1 == h16
    assert r1.decisions == r16.decisions and r1.facts_added == r16.facts_added > 0
    assert not r1.failed and not r16.failed
    assert stub.max_in_flight > 1


def test_a_server_that_fails_mid_import_leaves_it_resumable_with_no_turn_asked_twice(tmp_path):
    export = tmp_path / "conversations.json"
    generate_export(export, 40, seed=5)
    # One in three employers answers with a server error: those conversations fail.
    bad = MemReaderStub(faults=[(lambda t: "Globex" in t or "Initech" in t, "500")])
    app = make_app(tmp_path / "a", bad.url, 8)
    try:
        first = do_import(app, export)
    finally:
        app.close()
        bad.close()
    failed = {p.where for p in first.failed}
    assert failed and all("not extracted" in p.message and "turn " in p.message for p in first.failed)
    answered = {t for t in bad.new_turns if "Globex" not in t and "Initech" not in t}

    good = MemReaderStub()
    app = make_app(tmp_path / "a", good.url, 8)
    try:
        second = do_import(app, export)
    finally:
        app.close()
        good.close()
    assert not second.failed
    # Only the failed conversations were decided again, and of their turns only those the first
    # server never answered went to the model (the others came from the decision cache).
    assert all(t not in answered or "Globex" in t or "Initech" in t for t in good.new_turns)

    clean = MemReaderStub()
    app = make_app(tmp_path / "b", clean.url, 8)
    try:
        do_import(app, export)
    finally:
        app.close()
        clean.close()
    assert memory_hash(tmp_path / "a" / "vault" / "memory") == memory_hash(tmp_path / "b" / "vault" / "memory")
