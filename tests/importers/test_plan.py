"""The plan stage's protocol (importers/plan.py): one result per job, in submission order, from
the in-process planner and from the worker processes alike, and the choice between them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from memd.extract.rules import RulesBackend
from memd.importers.model import Conversation, Turn
from memd.importers.plan import PlanJob, SequentialPlanner, planner_for
from memd.importers.plan_rules import RulesPlanner
from memd.importers.times import UTC

T0 = datetime(2024, 5, 1, 8, tzinfo=timezone.utc)


def conversation(i: int) -> Conversation:
    turns = [Turn(f"u{i}", "user", f"My sister Anna lives in city number {i}. I live in Lisbon.", time=T0),
             Turn(f"a{i}", "assistant", "Nice.", time=T0 + timedelta(seconds=5))]
    return Conversation("chatgpt", f"c{i}", f"Chat {i}", turns, created=T0 + timedelta(days=i))


def jobs(n: int) -> list[PlanJob]:
    return [PlanJob(i, conversation(i), render=True, turn_ids=None, user_names=("Me",)) for i in range(n)]


def test_the_sequential_planner_renders_and_leaves_decisions_to_the_write_stage():
    planner = SequentialPlanner(UTC)
    for job in jobs(3):
        planner.submit(job)
    first = next(planner.results())
    rest = list(planner.results())
    assert [r.job.seq for r in [first, *rest]] == [0, 1, 2]
    assert all(r.text and "Chat" in r.text and r.steps is None for r in [first, *rest])
    assert list(planner.results()) == []


def test_worker_processes_answer_every_job_in_order_with_replayable_steps(config):
    planner = RulesPlanner(config, RulesBackend(), None, workers=2)
    try:
        submitted = jobs(11)
        taken = []
        for job in submitted[:5]:
            planner.submit(job)
        taken.append(next(planner.results()))  # one taken while more are submitted
        for job in submitted[5:]:
            planner.submit(job)
        taken += list(planner.results())
    finally:
        planner.close()
    assert [r.job for r in taken] == submitted
    for r in taken:
        assert r.error is None and r.text and r.steps
        assert sum(s for s in r.steps if type(s) is int) == 2  # both turns fed: one decided, one context
        assert any(type(s) is tuple and s[0].decision.tool == "add_memory" for s in r.steps)


def test_the_planner_is_chosen_by_backend_and_size(config):
    class Searching:  # a model backend: its decisions depend on memory, made in the write stage
        name = "model"
        searches_memory = True

    picks = {
        "small": planner_for(RulesBackend(), config, tz=UTC, tz_name=None, jobs=10),
        "large": planner_for(RulesBackend(), config, tz=UTC, tz_name=None, jobs=1000),
        "off": planner_for(RulesBackend(), config, tz=UTC, tz_name=None, jobs=1000, parallel=False),
        "searching": planner_for(Searching(), config, tz=UTC, tz_name=None, jobs=1000, parallel=True),
        "no extraction": planner_for(None, config, tz=UTC, tz_name=None, jobs=1000),
    }
    try:
        kinds = {name: type(p).__name__ for name, p in picks.items()}
    finally:
        for p in picks.values():
            p.close()
    assert kinds == {"small": "SequentialPlanner", "large": "RulesPlanner", "off": "SequentialPlanner",
                     "searching": "SequentialPlanner", "no extraction": "RulesPlanner"}
