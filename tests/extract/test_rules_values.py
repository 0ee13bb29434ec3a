"""What matters to someone, said with the thing as the subject (rules_values.py), the emphatic
"do", phrasal verbs in events, and undated plans that name no concrete change."""

from __future__ import annotations

import pytest

from memd.extract.rules import RulesBackend
from memd.extract.tools import ADD, DecisionRequest, Turn
from memd.extract.value_gate import check_value
from support import compact

TODAY = "2025-03-10"


def decide(text: str):
    return RulesBackend().decide(DecisionRequest(new_turn=Turn(stream="s", role="user", text=text, turn_id="1"),
                                                 today=TODAY))


CASES = [
    ("Bouldering and baking sourdough are my main hobbies.", {"hobbies=bouldering", "hobbies=baking sourdough"}),
    ("Knitting is one of my hobbies.", {"hobbies=knitting"}),
    ("Honesty is really important to me.", {"values=honesty"}),
    ("Liverpool means so much to me.", {"values=Liverpool"}),
    ("Swimming is a great way to clear my head.", {"likes=swimming"}),
    ("Sketching's my favorite way to unwind.", {"likes=sketching"}),
    ("I don't have a garden, but I do love plants.", {"likes=plants"}),
    ("Work is rough, but my rabbits always cheer me up.", {"pets=rabbit"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t for t, _ in CASES])
def test_thing_as_subject(text, expected):
    call = decide(text)
    assert call.name == ADD, call.arguments
    assert set(compact(call)) == expected


NOTHING = [
    "It is really important to me.",
    "That means a lot to me, thank you!",
    "Is cycling a good way to get fit?",
    "This is a great way to learn.",
    "My neighbour's dog keeps me up at night.",
]


@pytest.mark.parametrize("text", NOTHING)
def test_pronouns_questions_and_other_owners_write_nothing(text):
    call = decide(text)
    assert call.name != ADD or not compact(call), compact(call)


@pytest.mark.parametrize(("key", "value", "ok"), [
    ("event", "took up some community work with my friends", True),
    ("event", "picked up the guitar", True),
    ("event", "picked up along the way", False),
    ("event", "picked up the other day", False),
    ("event", "found through these activities", False),
    ("plans", "visit my grandparents", True),
    ("plans", "start a podcast", True),
    ("plans", "use Trello for my blog posts", True),       # a name: kept
    ("plans", "run 2 half marathons", True),               # a number: kept
    ("plans", "implement mentorship programs and regular feedback sessions", False),
    ("plans", "set clear boundaries between work and personal time", False),
    ("plans", "start with simple recipes", False),
    ("plans", "2025-06: conduct surveys", True),           # dated: kept
    ("wishes", "learn more about cats", False),
])
def test_gate_on_phrasal_events_and_undated_plans(key, value, ok):
    reason = check_value(key, value)
    assert (reason is None) == ok, reason


@pytest.mark.parametrize(("value", "ok"), [
    ("found music also helps me relax and recharge", False),
    ("learned community involvement and respecting traditional practices are key", False),
    ("found sharing personal experiences and the tangible benefits", False),
    ("faced challenges with stress before", False),
    ("found a job at the bakery", True),
    ("learned Spanish in Madrid", True),
    ("discovered a new hiking trail", True),
])
def test_an_insight_is_not_an_event(value, ok):
    reason = check_value("event", value)
    assert (reason is None) == ok, reason
