"""Persona basics (rules_persona.py) through the rules backend: what a person says plainly about
who they are becomes the mem-agent keys, and near misses write nothing."""

from __future__ import annotations

import pytest

from memd.extract.rules import RulesBackend
from memd.extract.tools import ADD, DecisionRequest, Turn
from memd.extract.value_gate import normalise_value
from support import compact

TODAY = "2025-03-10"


def decide(text: str):
    return RulesBackend().decide(DecisionRequest(new_turn=Turn(stream="s", role="user", text=text, turn_id="1"),
                                                 today=TODAY))


CASES = [
    ("I'm a woman in my thirties.", {"gender=female"}),
    ("I am male.", {"gender=male"}),
    ("I'm a 34-year-old woman from Ohio.", {"gender=female", "age=34"}),
    ("I'm an ENTP.", {"personality_type=ENTP"}),
    ("My MBTI is infj-t.", {"personality_type=INFJ-T"}),
    ("My personality type is ISTJ.", {"personality_type=ISTJ"}),
    ("My gender is female.", {"gender=female"}),
    ("I am Maria Schmidt and I work as a nurse at St. Mary's Hospital.",
     {"user_name=Maria Schmidt", "job_title=nurse", "employer=St. Mary's Hospital"}),
    ("I graduated from Ohio State University with a degree in biology.",
     {"school=Ohio State University", "major=biology"}),
    ("I graduated from the University of Porto with a master's degree in economics.",
     {"school=the University of Porto", "major=economics", "degree=master's"}),
    ("I was born on August 2, 1996.", {"birth_date=1996-08-02"}),
    ("I'm 29 years old.", {"age=29"}),
    ("I'm married.", {"marital_status=married"}),
    ("I have two kids.", {"number_of_children=2"}),
    ("My native language is Portuguese.", {"native_language=Portuguese"}),
    ("I speak English and French.", {"languages=English", "languages=French"}),
    ("I'm planning a trip to Lisbon on October 12th.", {"plans=2025-10-12: trip to Lisbon"}),
    ("We're planning a weekend trip to Porto next month.", {"plans=2025-04: planning a weekend trip to Porto"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[t for t, _ in CASES])
def test_persona_basics(text, expected):
    call = decide(text)
    assert call.name == ADD, call.arguments
    # As memory writes them: a count said in words is written in digits (value_gate.normalise_value).
    written = {f"{k}={normalise_value(k.split('.')[-1], v)}" for k, v in (c.split("=", 1) for c in compact(call))}
    assert written == expected


NOTHING = [
    "I am a man of my word.",
    "I am Very Tired.",
    "I'm a girl's girl.",
    "Is she an ENTP?",
    "I graduated from Berlin.",
    "If I were planning a trip to Rome I would go in May.",
]


@pytest.mark.parametrize("text", NOTHING)
def test_near_misses_write_no_persona_fact(text):
    call = decide(text)
    keys = {c.split("=")[0] for c in compact(call)} if call.name == ADD else set()
    assert not keys & {"gender", "personality_type", "user_name", "school", "major", "plans"}, compact(call)
