"""The rules backend across turns: speakers in group chats, assistants, pronouns and the buffer."""

from __future__ import annotations

from memd.extract.rules import (
    FROM_BUFFER_TAG,
    NEGATION_TAG,
    TURN_TAG_PREFIX,
    RulesBackend,
)
from memd.extract.tools import ADD, BUFFER, IGNORE, DecisionRequest, Turn, validate_call

WHEN = "2023-05-08T13:56:00"  # a Monday


def other(text: str, author: str, tid: str | None = None) -> Turn:
    return Turn("group", "other", text, author=author, time=WHEN, turn_id=tid)


def user(text: str, tid: str | None = None) -> Turn:
    return Turn("chat", "user", text, time=WHEN, turn_id=tid)


def assistant(text: str) -> Turn:
    return Turn("chat", "assistant", text, time=WHEN)


def decide(new: Turn, **kw):
    req = DecisionRequest(new_turn=new, **kw)
    call = RulesBackend().decide(req)
    assert validate_call(call, final=req.final) == []
    return call


def rows(call) -> set[tuple]:
    assert call.name == ADD, call.arguments
    return {
        (it.get("entity"), it.get("relation"), it["key"], it["value"], NEGATION_TAG in it["tags"])
        for it in call.arguments["memory_list"]
    }


# --------------------------------------------------------------------------- group chats


def test_speaker_first_person_is_about_the_speaker():
    call = decide(other("I went to a LGBTQ support group yesterday and it was so powerful.", "Caroline"))
    assert rows(call) == {("Caroline", None, "event", "2023-05-07: went to a LGBTQ support group", False)}
    assert call.arguments["memory_list"][0]["memory_type"] == "LongTermMemory"


def test_speaker_who_is_the_user_writes_user_memory():
    call = decide(other("I live in Boston.", "Caroline"), user_names=["caroline"])
    (item,) = call.arguments["memory_list"]
    assert item == {"key": "living_location", "memory_type": "UserMemory", "value": "Boston", "tags": ["location"]}


def test_speaker_relative_is_not_the_users_relative():
    call = decide(other("My sister Anna lives in Paris.", "Caroline"))
    assert rows(call) == {
        ("Anna", None, "living_location", "Paris", False),
        ("Anna", None, "relationship", "Caroline's sister", False),
        ("Caroline", None, "sister", "Anna", False),
    }


def test_speaker_values_are_rewritten_in_the_third_person():
    call = decide(other("I just launched an ad campaign for my clothing store.", "Gina"))
    assert rows(call) == {("Gina", None, "event", "launched an ad campaign for their clothing store", False)}


def test_named_participant_as_subject():
    recent = [other("Hi Caroline, long time no see!", "Melanie")]
    call = decide(other("Melanie is starting a pottery class next week.", "Caroline"), recent=recent)
    assert rows(call) == {("Melanie", None, "plans", "2023-05: starting a pottery class", False)}


def test_unknown_capitalised_subject_is_not_a_person():
    assert decide(other("Paris is lovely in the spring.", "Caroline")).name == IGNORE
    assert decide(other("Lisbon lives in my heart.", "Caroline")).name == IGNORE


def test_other_without_author_is_ignored():
    call = decide(Turn("group", "other", "I live in Berlin.", time=WHEN))
    assert call.name == IGNORE and "author" in call.arguments["reason"]


# --------------------------------------------------------------------------- assistants and system


def test_assistant_turns_are_ignored():
    for text in (
        "Since you live in Berlin, you might enjoy the Museum Island.",
        "I am an AI language model and I love helping people.",
        "Sure! Here is a recipe for vegan lasagna.",
    ):
        call = decide(assistant(text))
        assert call.name == IGNORE and "assistant" in call.arguments["reason"]


def test_system_turns_are_ignored():
    assert decide(Turn("chat", "system", "I live in Berlin.")).name == IGNORE


def test_assistant_context_does_not_leak_into_user_facts():
    recent = [assistant("You mentioned your sister Anna lives in Rome.")]
    assert decide(user("Thanks, that's helpful!"), recent=recent).name == IGNORE


# --------------------------------------------------------------------------- pronouns


def test_pronoun_resolves_to_named_relative_in_recent_turns():
    recent = [user("My landlord Mark came by today.")]
    call = decide(user("He said he'd send the contract tomorrow."), recent=recent)
    assert rows(call) == {("Mark", "landlord", "plans", "2023-05-09: send the contract", False)}


def test_pronoun_resolves_past_an_assistant_question():
    recent = [user("My sister Anna is visiting."), assistant("Oh nice, how long is she staying?")]
    call = decide(user("She's a nurse at the children's hospital."), recent=recent)
    assert rows(call) == {("Anna", "sister", "job_title", "nurse", False)}


def test_pronoun_respects_gender_of_the_relation():
    recent = [user("My brother Leo visited with my sister Mia.")]
    call = decide(user("She just moved to Denver."), recent=recent)
    assert rows(call) == {("Mia", "sister", "living_location", "Denver", False)}


def test_pronoun_with_two_candidates_is_not_guessed():
    call = decide(user("My friends Sam and Alex came over. He brought pizza and moved to Leeds."))
    assert call.name in (BUFFER, IGNORE)


def test_pronoun_and_object_resolved_together():
    recent = [user("I got my mom Jane a Kindle for her birthday.")]
    call = decide(user("She loved it!"), recent=recent)
    assert rows(call) == {("Jane", "mother", "likes", "Kindle", False)}


def test_unnamed_relative_keeps_facts_on_the_user():
    call = decide(user("My dad just retired. He lives in Porto now."))
    assert rows(call) == {
        (None, None, "father_employment_status", "retired", False),
        (None, None, "father_living_location", "Porto", False),
    }


# --------------------------------------------------------------------------- the buffer


def test_dangling_reference_is_buffered():
    for text in ("He said he'd send it tomorrow.", "She loved it!", "She got promoted to director last week."):
        call = decide(user(text))
        assert call.name == BUFFER, (text, call.arguments)
        assert "he" in call.arguments["reason"]


def test_buffered_turn_is_added_once_a_later_turn_names_the_person():
    parked = user("She just got promoted to director.", tid="t1")
    call = decide(user("Oh, I meant my coworker Priya.", tid="t2"), buffered=[parked])
    assert rows(call) == {
        ("Priya", "colleague", "relationship", "colleague", False),
        ("Priya", "colleague", "job_title", "director", False),
        ("Priya", "colleague", "event", "got promoted to director", False),
    }
    from_buffer = [it for it in call.arguments["memory_list"] if FROM_BUFFER_TAG in it["tags"]]
    assert {it["key"] for it in from_buffer} == {"job_title", "event"}
    assert all(TURN_TAG_PREFIX + "t1" in it["tags"] for it in from_buffer)
    assert "buffered" in call.arguments["summary"]


def test_buffered_turn_stays_while_nothing_resolves_it():
    parked = user("She just got promoted to director.", tid="t1")
    call = decide(user("I went to a jazz concert on Saturday.", tid="t2"), buffered=[parked])
    assert rows(call) == {(None, None, "event", "2023-05-06: went to a jazz concert", False)}
    assert all(FROM_BUFFER_TAG not in it["tags"] for it in call.arguments["memory_list"])


def test_final_pass_ignores_what_never_resolved():
    parked = user("She just got promoted to director.", tid="t1")
    call = decide(user("Anyway.", tid="t3"), buffered=[parked], final=True)
    assert call.name == IGNORE and "never resolved" in call.arguments["reason"]


def test_final_pass_adds_what_resolves_and_never_buffers():
    parked = user("She just got promoted to director.", tid="t1")
    recent = [user("I had lunch with my coworker Priya today.")]
    call = decide(parked, recent=recent, final=True)
    assert rows(call) == {
        ("Priya", "colleague", "job_title", "director", False),
        ("Priya", "colleague", "event", "got promoted to director", False),
    }
    # A final pass may only add or ignore, even for a fresh dangling reference.
    assert decide(user("He loved it."), final=True).name == IGNORE


def test_turn_with_facts_and_a_dangling_pronoun_adds_the_facts():
    call = decide(user("I moved to Leeds last month. He hates it there."))
    assert rows(call) == {
        (None, None, "living_location", "Leeds", False),
        (None, None, "moved_date", "2023-04", False),
    }
