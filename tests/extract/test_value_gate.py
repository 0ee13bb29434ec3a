"""The value gate: what every backend's memory items must pass before they are written.

Unit checks of value_gate.py, then the gate where it acts: apply_items / the extraction loop on a
real vault (real files, real SQLite), with a scripted backend standing in for a model, so the
same guarantee is shown for items that did not come from the rules backend.
"""

from __future__ import annotations

import pytest

from memd.extract.apply import GATE, apply_items
from memd.extract.loop import ExtractionLoop
from memd.extract.tools import ADD, MemoryItem, ToolCall, Turn
from memd.extract.value_gate import check_entity, check_value, is_user, normalise_dates, normalise_value
from memd.state import Source

# Junk of the kind the issue lists, and general cases of each failure.
JUNK = [
    ("likes", "because and surrounding myself with supportive friends", "conjunction"),
    ("activities", "launching soon", "adverb"),
    ("event", "started doing", "verb that needs an object"),
    ("hobbies", "transitioning three", "quantifier"),
    ("event", "unexpected event", "vague"),
    ("plans", "start by experimenting with small amounts and adjust based", "preposition"),
    ("plans", "consider their feedback and might even try", "verb that needs an object"),
    ("plans", "continue experimenting and see how", "cut mid-way"),
    ("likes", "it", "bare pronoun"),
    ("event", "started doing it", "ends with a pronoun"),
    ("likes", "the connection it brings", "points outside the value"),
    ("likes", "the", "bare pronoun or function word"),
    ("hobbies", "painting with my", "determiner"),
    ("event", "received from my social network", "without its object"),
    ("event", "found through these activities have been invaluable", "run into another clause"),
    ("event", "found beneficial in the past", "without its object"),
    ("plans", "work closely with local communities to ensure", "verb that needs an object"),
    ("birth_date", "last summer", "not a date"),
    ("birth_date", "2023-02-30", "not a date"),
    ("age", "thirty-ish and counting", "not a number"),
    ("age", "240", "not an age"),
    ("living_location", "where my parents live now", "not a place"),
    ("employer", "doing some freelance stuff", "not an organisation"),
    ("partner", "my boyfriend", "not a person's name"),
    ("son", "Thankfully", "not a person or pet"),
    ("gender", "mostly", "not a gender"),
    ("marital_status", "happy", "not a marital status"),
    ("personality_type", "extroverted thinker", "not a personality type"),
    ("likes", " ".join(["word"] * 20), "too long"),
]

GOOD = [
    ("likes", "surrounding myself with supportive friends"),
    ("hobbies", "running"),
    ("hobbies", "working out"),
    ("event", "2024-05-03: started a new job at Shopify"),
    ("plans", "2025-10-12: trip to Lisbon"),
    ("event", "accepted a promotion to Senior Director at Huaxin Consulting"),
    ("event", "found a new apartment in Lisbon"),
    ("event", "made pottery with my kids"),
    ("event", "bought expensive shoes"),
    ("event", "got to hang out with my cousins"),
    ("event", "explained their brother would be OK"),
    ("likes", "the songs we sang as kids"),
    ("activities", "turning to jazz music more often"),
    ("event", "received official recognition for my work"),
    ("birth_date", "1996-08-02"),
    ("birth_date", "--08-02"),
    ("graduation_date", "2019"),
    ("age", "29"),
    ("number_of_children", "3"),
    ("number_of_children", "two"),
    ("age", "thirty-four"),
    ("living_location", "Berlin, Germany"),
    ("living_location", "the countryside"),
    ("employer", "St. Mary's Hospital"),
    ("workplace", "a small bakery"),
    ("partner", "Anna Schmidt"),
    ("gender", "male"),
    ("marital_status", "married"),
    ("personality_type", "ENTP"),
    ("personality_type", "INFJ-T"),
    ("languages", "Spanish"),
    ("job_title", "senior director"),
    ("diet", "vegetarian"),
]


# Whole phrases that say nothing to remember: intentions with no outcome, reflections, musings.
VAGUE = [
    ("plans", "continue to explore these activities and maintain my focus", "no outcome"),
    ("plans", "incorporate these skills into my strategic planning", "no outcome"),
    ("plans", "getting more involved", "no outcome"),
    ("plans", "explore wrestling further", "no outcome"),
    ("wishes", "learn more about the characteristics of cats", "no outcome"),
    ("plans", "the adventures ahead", "no outcome"),
    ("event", "noticed a shift in how colleagues interact with me", "reflection"),
    ("activities", "contemplating furthering my education", "musing"),
]
REAL_PLANS = [
    ("plans", "adopt a dog"), ("plans", "visit Japan"), ("wishes", "learn Spanish"), ("plans", "run a marathon"),
    ("plans", "2025-03: explore Patagonia"), ("plans", "continue at Stripe after the merger"),
    ("plans", "move to Berlin"), ("activities", "exploring Kyoto's temples"), ("event", "found a new apartment"),
]


@pytest.mark.parametrize(("key", "value", "why"), VAGUE, ids=[f"{k}:{v[:30]}" for k, v, _ in VAGUE])
def test_vague_phrases_are_refused(key, value, why):
    reason = check_value(key, value)
    assert reason is not None and why in reason, reason


@pytest.mark.parametrize(("key", "value"), REAL_PLANS, ids=[f"{k}:{v[:30]}" for k, v in REAL_PLANS])
def test_plans_with_an_outcome_pass(key, value):
    assert check_value(key, value) is None


@pytest.mark.parametrize(("key", "value", "why"), JUNK, ids=[f"{k}:{v[:30]}" for k, v, _ in JUNK])
def test_junk_is_refused_with_its_reason(key, value, why):
    reason = check_value(key, value)
    assert reason is not None and why in reason, reason


@pytest.mark.parametrize(("key", "value"), GOOD, ids=[f"{k}:{v[:30]}" for k, v in GOOD])
def test_real_facts_pass(key, value):
    assert check_value(key, value) is None


@pytest.mark.parametrize("name", ["Thankfully", "Hopefully", "Honestly", "Oh", "Wow", "Yesterday", "Actually",
                                  "Unfortunately", "It", "They", "and", "...", "my sister"])
def test_adverbs_interjections_and_pronouns_are_no_entities(name):
    assert check_entity(name) is not None


@pytest.mark.parametrize("name", ["Emily", "Lily", "Anna Schmidt", "St. Mary's Hospital", "Clay Creek Co-op",
                                  "Miso", "Kelly", "Beverly"])
def test_names_are_entities(name):
    assert check_entity(name) is None


def test_who_the_user_is():
    assert is_user("Evan", ["Evan"])
    assert is_user("evan", ["Evan"])
    assert is_user("Martin", ["Martin Mark"])  # the first name of the user's full name
    assert is_user("Maria Schmidt", ["Maria"])
    assert not is_user("Evan", ["Evangeline"])
    assert not is_user("Anna", ["Martin Mark"])
    assert not is_user("Evan", [])


def test_counts_and_ages_are_written_in_digits():
    assert normalise_value("number_of_children", "two") == "2"
    assert normalise_value("age", "thirty-four") == "34"
    assert normalise_value("age", "29") == "29"
    assert normalise_value("likes", "two dogs") == "two dogs"


def test_iso_weeks_become_months():
    assert normalise_dates("2023-W19: went hiking") == "2023-05: went hiking"
    assert normalise_dates("2024-W01: x") == "2024-01: x"  # 2024-W01's Thursday is 4 January
    assert normalise_dates("2020-W53: x") == "2020-12: x"
    assert normalise_dates("2023-W60: x") == "2023-W60: x"  # not a week: left for the gate to refuse
    assert check_value("event", "2023-W60: x") is not None


# -- the gate where it acts --------------------------------------------------------------------
def _items(*triples):
    out = []
    for t in triples:
        key, value = t[0], t[1]
        entity = t[2] if len(t) > 2 else None
        out.append(MemoryItem(key, "UserMemory" if entity is None else "LongTermMemory", value, [], entity=entity))
    return out


def _memory(app) -> str:
    parts = []
    mem = app.config.vault / app.memory_dir
    for p in sorted(mem.rglob("*.md")):
        parts.append(f"== {p.relative_to(mem)}\n{p.read_text(encoding='utf-8')}")
    return "\n".join(parts)


def test_apply_writes_what_passes_and_drops_the_rest(app):
    src = Source("test", ref="s#1")
    applied = apply_items(app, _items(
        ("likes", "because and surrounding myself with supportive friends"),
        ("likes", "hiking in the Alps"),
        ("event", "unexpected event", "Evan"),
        ("job_title", "nurse", "Thankfully"),
        ("living_location", "Lisbon"),
    ), src, user_names=["Evan"])
    text = _memory(app)
    assert "hiking in the Alps" in text and "Lisbon" in text
    assert "because and" not in text and "unexpected event" not in text
    mem = app.config.vault / app.memory_dir
    assert not (mem / "entities" / "thankfully.md").exists()
    assert not (mem / "entities" / "evan.md").exists()
    reasons = [why for _, why in applied.dropped]
    assert len(reasons) == 3 and all(r.startswith(GATE) for r in reasons)
    assert any("conjunction" in r for r in reasons)
    assert any("adverb or interjection" in r for r in reasons)


def test_a_fact_about_the_user_by_name_goes_to_user_md(app):
    src = Source("test", ref="s#1")
    apply_items(app, _items(("hobbies", "playing tennis", "Evan")), src, user_names=["Evan"])
    mem = app.config.vault / app.memory_dir
    assert not (mem / "entities" / "evan.md").exists()
    assert "playing tennis" in (mem / "user.md").read_text(encoding="utf-8")


def test_user_md_name_counts_as_the_user(app):
    src = Source("test", ref="s#1")
    apply_items(app, _items(("user_name", "Maria Schmidt")), src)
    apply_items(app, _items(("job_title", "nurse", "Maria Schmidt")), src)
    mem = app.config.vault / app.memory_dir
    assert not list((mem / "entities").glob("*.md"))  # no entity file for the user
    assert "- job_title: nurse" in (mem / "user.md").read_text(encoding="utf-8")


class Scripted:
    """A model that answers with a recorded add_memory call, junk included."""

    name = "scripted"

    def __init__(self, items):
        self.items = items

    def decide(self, request):
        return ToolCall(ADD, {"memory_list": self.items, "summary": "recorded"})


def test_model_items_pass_the_same_gate_and_drops_show_in_decisions(app):
    items = [
        {"key": "hobbies", "memory_type": "UserMemory", "value": "transitioning three", "tags": []},
        {"key": "employer", "memory_type": "UserMemory", "value": "Stripe", "tags": ["work"]},
        {"key": "event", "memory_type": "LongTermMemory", "value": "2024-W18: joined Stripe", "tags": []},
        {"key": "mood", "memory_type": "UserMemory", "value": "great", "tags": [], "entity": "Honestly"},
    ]
    loop = ExtractionLoop(app, Scripted(items), source_kind="ingest")
    d = loop.process(Turn(stream="c1", role="user", text="I joined Stripe last week", time="2024-05-06T10:00:00Z",
                          turn_id="1"))
    text = (app.config.vault / app.memory_dir / "user.md").read_text(encoding="utf-8")
    assert "Stripe" in text and "transitioning" not in text
    assert "2024-05: joined Stripe" in text and "W18" not in text  # the model's ISO week, as a month
    recorded = loop.streams.decisions("c1")[0]["warnings"]
    assert any("transitioning three" in w and "quantifier" in w for w in recorded)
    assert any("Honestly" in w for w in recorded)
    assert d.applied is not None and len(d.applied.dropped) == 2


def test_the_users_own_entity_file_is_merged_into_user_md(app):
    src = Source("test", ref="old#1")
    app.set_fact("Evan", "job_title", "nurse", src)
    app.add_event("Evan", "2024-05-03", "ran a marathon", src)
    mem = app.config.vault / app.memory_dir
    assert (mem / "entities" / "evan.md").exists()
    applied = apply_items(app, _items(("hobbies", "playing tennis", "Evan")), Source("test", ref="new#1"),
                          user_names=["Evan"])
    user = (mem / "user.md").read_text(encoding="utf-8")
    evan = (mem / "entities" / "evan.md").read_text(encoding="utf-8")
    assert "- job_title: nurse" in user and "2024-05-03: ran a marathon" in user and "playing tennis" in user
    assert "nurse" not in evan and "marathon" not in evan  # moved, not copied
    assert "merged_into: [[user.md]]" in evan
    assert all(r.journal_id is not None for r in applied.results if r.status == "applied")
    # A second statement finds nothing left to merge and writes only its own fact.
    again = apply_items(app, _items(("likes", "jazz", "Evan")), Source("test", ref="new#2"), user_names=["Evan"])
    assert [r.op for r in again.results if r.status == "applied"] == ["set_fact"]


def test_a_hand_written_user_entity_goes_to_review_not_lost(app):
    mem = app.config.vault / app.memory_dir
    (mem / "entities").mkdir(parents=True, exist_ok=True)
    (mem / "entities" / "evan.md").write_text("# Evan\n- job_title: nurse\n", encoding="utf-8")
    applied = apply_items(app, _items(("likes", "jazz", "Evan")), Source("test", ref="s#1"), user_names=["Evan"])
    assert "- job_title: nurse" in (mem / "user.md").read_text(encoding="utf-8")
    assert "- job_title: nurse" in (mem / "entities" / "evan.md").read_text(encoding="utf-8")  # hand-written: kept
    assert applied.review_ids  # its removal waits for the user in the review queue


def test_a_friend_with_the_users_first_name_keeps_their_own_file(app):
    src = Source("test", ref="s#1")
    app.set_fact("Martin", "job_title", "plumber", src)  # a friend called Martin, known before
    apply_items(app, _items(("hobbies", "sailing", "Martin")), src, user_names=["Martin Mark"])
    mem = app.config.vault / app.memory_dir
    martin = (mem / "entities" / "martin.md").read_text(encoding="utf-8")
    assert "plumber" in martin and "sailing" in martin
    assert "plumber" not in ((mem / "user.md").read_text(encoding="utf-8") if (mem / "user.md").exists() else "")
