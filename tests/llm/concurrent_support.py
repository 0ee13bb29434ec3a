"""Conversations, a planner over the MemReader stub, and the write stage's replay, for the
concurrent model-extraction tests (tests/llm/test_concurrent_*.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

from memd.extract.llm_backend import LLMBackend
from memd.extract.loop import ExtractionLoop
from memd.extract.model_cache import DecisionCache
from memd.extract.model_decider import ModelDecider
from memd.extract.model_planner import ModelPlanner
from memd.extract.model_snapshot import MemorySnapshot
from memd.importers.model import Conversation, Turn
from memd.importers.plan import PlanJob
from memd.importers.times import UTC
from memd.llm.openai_compat import OpenAICompatModel

CITIES = ["Lisbon", "Porto", "Berlin", "Madrid", "Oslo", "Vienna", "Prague", "Dublin"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark"]
SMALL = ["thanks!", "ok cool", "Can you explain how Python decorators work?", "hello",
         "What is the capital of Peru?", "great, thank you"]


def conversations(n: int, *, seed: int = 0) -> list[Conversation]:
    """n chats, a few turns each: facts that later chats change (the order matters), small talk,
    questions, a buffered half-sentence, a turn that asks the model to search."""
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        k = i + seed
        when = start + timedelta(days=i)
        texts = [SMALL[k % len(SMALL)]]
        if k % 3 == 0:
            texts.append(f"I live in {CITIES[k % len(CITIES)]} now.")
        if k % 4 == 1:
            texts.append(f"I joined {COMPANIES[k % len(COMPANIES)]} last month.")
        if k % 5 == 2:
            texts.append("My plan for the weekend is...")
            texts.append("my sister is Ana and she visits soon.")
        if k % 7 == 3:
            texts.append("As I told you before, the move was hard.")
        texts.append(SMALL[(k + 2) % len(SMALL)])
        turns = []
        for j, text in enumerate(texts):
            turns.append(Turn(f"u{j}", "user", text, time=when + timedelta(minutes=2 * j)))
            turns.append(Turn(f"a{j}", "assistant", f"Noted ({j}).", time=when + timedelta(minutes=2 * j + 1)))
        out.append(Conversation("chatgpt", f"conv-{k:05d}", f"Chat {k}", turns, created=when, updated=when))
    return out


def jobs(convs: list[Conversation]) -> list[PlanJob]:
    return [PlanJob(seq, conv, render=True, turn_ids=None, user_names=("Sam",)) for seq, conv in enumerate(convs)]


def decider(app, url: str, *, timeout_s: float = 10.0, max_retries: int = 2, cache: bool = True) -> ModelDecider:
    model = OpenAICompatModel(url, "MemReader-4B-thinking", timeout_s=timeout_s, max_retries=max_retries,
                              backoff_s=0.01, max_backoff_s=0.05)
    backend = LLMBackend(model, max_tokens=512)
    snapshot = MemorySnapshot.read(app.config.vault, app.memory_dir)
    store = DecisionCache(app.config.state_dir / "model_answers.db") if cache else None
    return ModelDecider(backend, snapshot, max_searches=app.config.extract.max_searches, cache=store)


def planner(app, url: str, concurrency: int, **kwargs) -> ModelPlanner:
    return ModelPlanner(decider(app, url, **kwargs), app.config, UTC, concurrency=concurrency)


def plan_and_apply(app, planner: ModelPlanner, convs: list[Conversation]) -> list:
    """Submit every conversation, then apply the results in order, as the write stage does:
    each decision replayed through a loop with the app (privacy filter, writer, decisions table)."""
    for job in jobs(convs):
        planner.submit(job)
    results = []
    loop = ExtractionLoop(app, planner.decider, source_kind="import:chatgpt", in_memory=True)
    for result in planner.results():
        results.append(result)
        if result.failed is not None or result.steps is None:
            continue
        for step in result.steps:
            if type(step) is tuple:
                loop.replay(step[0])
        loop.save()
    return results


def memory_hash(vault: Path, memory_dir: str = "memory") -> str:
    h = hashlib.sha256()
    root = vault / memory_dir
    for path in sorted(root.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def decision_rows(app) -> list[tuple]:
    with app.state.tx() as c:
        return [tuple(r) for r in c.execute("SELECT stream, turn_id, tool, arguments FROM decisions ORDER BY id")]
